"""Toponym resolution: pick one gazetteer place per name using priors and document context.

Each distinct name in a document is resolved once (one sense per discourse). A candidate's
score adds a prior (feature kind, population, capital status) to context evidence: the
countries and first-level regions that the rest of the document points to (weighted by how
likely each of its names is to lie there), the caller's context countries, and local
"X, Y" patterns ("Athens, Georgia", "Lexington, Ky."), which bind both names. Imports:
stdlib and tracker.model.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from tracker.model import Place

KIND_PRIOR = {
    "country": 5.0,
    "continent": 4.6,
    "admin1": 3.6,
    "macro_region": 3.0,
    "custom": 3.5,
    "area": 2.5,
}
FEATURE_BONUS = {"PPLC": 0.8, "PPLA": 0.35, "PPLA2": 0.15, "PPLG": 0.3}
CAPITAL_BONUS = 1.2
POP_SCALE = 0.8  # score per tenfold population
CITY_AT_1M = 3.0  # score of a city of a million people (admin1 is 3.6, country 5.0)
ALIAS_PENALTY = 1.0
CORE_PENALTY = 1.0
SEAT_MARGIN = 0.5  # a region stays this far below its same-named chief town
SEAT_MIN_POP = 10_000
SEAT_KM = 50.0
COUNTRY_WEIGHT = 1.5
ADMIN1_WEIGHT = 2.0
DEMONYM_WEIGHT = 1.0
CONTEXT_WEIGHT = 2.0
PAIR_BONUS = 4.0
STRAY_POP = 20_000
STRAY_CONTEXT = 3.0
STRAY_SHARE = 0.05
NEAR_WEIGHT = 1.5
NEAR_KM = 100.0
ANCHOR_MIN = 0.6
WIDE_WEIGHT = 1.5  # regional proximity: the document's part of the world
WIDE_KM = 1000.0
DEMONYM_ANCHOR = 0.5
WIDE_ANCHORS = 64  # bounds the cost on very long texts
MAX_CANDIDATES = 40
MAJOR = frozenset({"country", "admin1", "continent", "macro_region"})
ADMIN_WORDS = frozenset(
    [
        "oblast",
        "region",
        "province",
        "krai",
        "kray",
        "republic",
        "okrug",
        "district",
        "governorate",
        "prefecture",
        "county",
        "state",
    ]
)


def prior(
    p: Place,
    norm: str = "",
    capitals: frozenset[tuple[str, str]] = frozenset(),
    *,
    core_only: bool = False,
    city_suffix_ok: bool = True,
) -> float:
    """Return a candidate's context-free score (feature kind, population, capital, alias).

    Parameters
    ----------
    p : Place
        The candidate.
    norm : str
        The normalised name that found it; a city found only through an alternate name
        ("Egypt" for Goodyear, Arizona) scores lower than one of that name.
    capitals : frozenset of (country code, normalised name)
        National capitals (a capital is what a bare name usually means in the news).
    city_suffix_ok : bool
        Whether "X" may stand for "X City" without the alternate-name penalty (not when
        the name is also a country's: "Mexico" is the country, not Mexico City).
    core_only : bool
        A region matched only once its administrative word was dropped ("Khabarovsk" for
        Khabarovsk Krai); it scores below a region named exactly.
    """
    base = KIND_PRIOR.get(p.kind)
    if base is not None and core_only:
        base -= CORE_PENALTY  # "Khabarovsk" is the city before it is Khabarovsk Krai
    if base is None:
        base = POP_SCALE * (math.log10(max(p.population, 0) + 10) - 6.0) + CITY_AT_1M
        if _alias_only(p, norm, city_suffix_ok=city_suffix_ok):
            base -= ALIAS_PENALTY
        if capitals and (p.country_code or "", norm) in capitals:
            base += CAPITAL_BONUS
    return base + FEATURE_BONUS.get(p.feature_code or "", 0.0)


def contains(region: Place, p: Place) -> bool:
    """Whether place ``p`` lies in the country or first-level region ``region``."""
    if region.id == p.id:
        return False
    if region.kind == "country":
        return p.country_code is not None and p.country_code == region.country_code
    if region.kind == "admin1":
        return p.admin1_code is not None and p.admin1_code == region.admin1_code
    return False


@dataclass(slots=True)
class NameGroup:
    """All occurrences of one normalised name in a document, resolved together."""

    norm: str
    candidates: list[Place]
    priors: list[float]
    bonus: list[float] = field(default_factory=list)
    fixed: int | None = None  # index forced by a correction rule
    major_ccs: frozenset[str] = frozenset()  # countries of its country / region namesakes
    weight: float = 1.0  # how much this name counts as context for the others
    # towns named after a first-level region of their own country that they are not in
    # ("Florida", New York): local evidence alone does not make the name the town
    shadowed: frozenset[int] = frozenset()
    common: bool = False  # every word of the name is a common English word ("Lake", "Gulf")

    def probabilities(self, extra: Sequence[float] | None = None) -> list[float]:
        """Return softmax probabilities of the candidates (prior + bonus + extra)."""
        scores = [
            p + b + (extra[i] if extra else 0.0)
            for i, (p, b) in enumerate(zip(self.priors, self.bonus, strict=True))
        ]
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return [e / total for e in exps]


def make_group(
    norm: str,
    candidates: Iterable[Place],
    capitals: frozenset[tuple[str, str]] = frozenset(),
    normalize: Callable[[str], str] | None = None,
    *,
    admin_cue: bool = False,
) -> NameGroup:
    """Build a name group, keeping the best-prior candidates (deduplicated by id).

    A first-level region that shares its bare name with a town inside it ("Lviv", "Tartus",
    "Szeged") scores ``SEAT_MARGIN`` below that town: in news prose the bare name is the
    city unless an administrative word is part of the name ("Lviv Oblast") or stands next
    to it in the text (``admin_cue``: "the Lviv and Odesa regions", "the province of Tartus").
    """
    seen: dict[str, Place] = {}
    for c in candidates:
        if c.id not in seen and c.lon is not None and c.lat is not None:
            seen[c.id] = c
    # "Kursk region", "Kursk Oblast", or an administrative word next to the name in the text
    explicit = admin_cue or any(w in ADMIN_WORDS for w in norm.split())
    country_ccs = {c.country_code for c in seen.values() if c.kind == "country"}

    def score(c: Place) -> float:
        core = (
            normalize is not None
            and not explicit
            and c.kind in MAJOR
            and c.matched_alias is not None
            and normalize(c.matched_alias) != norm
        )
        return prior(
            c, norm, capitals, core_only=core, city_suffix_ok=c.country_code not in country_ccs
        )

    pairs = [(score(c), c) for c in seen.values()]
    if not explicit:
        pairs = _big_city_over_small_region(_seat_over_region(pairs), norm, normalize)
    scored = sorted(pairs, key=lambda x: -x[0])
    scored = scored[:MAX_CANDIDATES]
    major_ccs = frozenset(c.country_code or "" for _, c in scored if c.kind in MAJOR)
    regions = [
        c
        for _, c in scored
        if c.kind == "admin1"
        and normalize is not None
        and c.matched_alias
        and normalize(c.matched_alias) == norm
    ]
    # A country or region of exactly this name makes a town that has it only as an
    # alternate name ("Minnesota" for Minneota) a town that context alone cannot pick.
    named_major = normalize is not None and any(
        c.kind in MAJOR and normalize(c.name) == norm for _, c in scored
    )
    shadowed = frozenset(
        i
        for i, (_, c) in enumerate(scored)
        if c.kind not in MAJOR
        and (
            any(
                r.country_code == c.country_code
                and r.admin1_code != c.admin1_code
                and _km(r, c) >= SEAT_KM
                for r in regions
            )
            or (named_major and _alias_only(c, norm))
        )
    )
    return NameGroup(
        norm,
        [c for _, c in scored],
        [s for s, _ in scored],
        [0.0] * len(scored),
        None,
        major_ccs,
        shadowed=shadowed,
    )


def _alias_only(c: Place, norm: str, *, city_suffix_ok: bool = True) -> bool:
    """Whether town ``c`` was found through an alternate name, not its own.

    Spelling variants of its name do not count, nor "X" for "X City" ("New York" for New
    York City) when ``city_suffix_ok``.
    """
    alias = c.matched_alias
    if not norm or alias is None or alias == c.name:
        return False
    name, al = c.name.lower(), alias.lower()
    if name.replace("-", " ") == al.replace("-", " "):
        return False
    return not (city_suffix_ok and name == al + " city")


def _big_city_over_small_region(
    pairs: list[tuple[float, Place]], norm: str, normalize: Callable[[str], str] | None
) -> list[tuple[float, Place]]:
    """Put a first-level region below a more populous city of exactly its name elsewhere.

    "Portland" is Portland, Oregon before Jamaica's Portland parish, and "Columbus" the
    city in Ohio before Honduras's Colón department (Columbus in English): a region's
    kind alone outweighed any city. A region with no population keeps its score.
    """
    norm_of = normalize or str.lower
    cities = [(s, c) for s, c in pairs if c.kind not in MAJOR and norm_of(c.name) == norm]
    if not cities:
        return pairs
    top_s, top = max(cities, key=lambda sc: sc[1].population)
    return [
        (top_s - SEAT_MARGIN, c)
        if c.kind == "admin1" and 0 < c.population < top.population and s > top_s
        else (s, c)
        for s, c in pairs
    ]


def _seat_over_region(pairs: list[tuple[float, Place]]) -> list[tuple[float, Place]]:
    """Put each region just below its same-named town: the city is the default reading.

    The town must lie inside the region or within SEAT_KM of its point (a city with its own
    region, "Szeged").
    """
    towns = [
        (s, c)
        for s, c in pairs
        if c.kind not in MAJOR and c.population >= SEAT_MIN_POP and c.lat is not None
    ]
    if not towns:
        return pairs
    out = []
    for s, c in pairs:
        if c.kind == "admin1":
            tops = [
                ts
                for ts, t in towns
                if t.country_code == c.country_code
                and (t.admin1_code == c.admin1_code or _km(t, c) < SEAT_KM)
            ]
            if tops:
                s = min(s, max(tops) - SEAT_MARGIN)
        out.append((s, c))
    return out


def _km(a: Place, b: Place) -> float:
    """Approximate distance in km between two places with coordinates."""
    if a.lat is None or a.lon is None or b.lat is None or b.lon is None:
        return math.inf
    coslat = math.cos(math.radians((a.lat + b.lat) / 2))
    return 111.2 * math.hypot((a.lon - b.lon) * coslat, a.lat - b.lat)


def add_pair_evidence(small: NameGroup, big: NameGroup) -> None:
    """Bind "X, Y": favour X's candidates inside one of Y's regions, and that region."""
    best: tuple[float, int, int] | None = None
    for i, c in enumerate(small.candidates):
        for k, r in enumerate(big.candidates):
            if contains(r, c):
                s = small.priors[i] + big.priors[k]
                if best is None or s > best[0]:
                    best = (s, i, k)
    if best is not None:
        small.bonus[best[1]] += PAIR_BONUS
        big.bonus[best[2]] += PAIR_BONUS


def resolve_groups(
    groups: Sequence[NameGroup],
    *,
    context_countries: Sequence[str] = (),
    demonym_countries: Sequence[str] = (),
    demonym_places: Sequence[Place] = (),
    iterations: int = 2,
) -> list[tuple[Place | None, float]]:
    """Resolve each group to (place, probability) using the document's other names.

    ``demonym_places`` (the countries of the document's demonyms) also serve as anchors
    of the regional proximity term.
    """
    n = len(groups)
    probs = [g.probabilities() if g.candidates else [] for g in groups]
    base_cc: dict[str, float] = defaultdict(float)
    for cc in context_countries:
        base_cc[cc.upper()] += CONTEXT_WEIGHT
    for cc in demonym_countries:
        base_cc[cc] += DEMONYM_WEIGHT
    extras: list[list[float]] = [[0.0] * len(g.candidates) for g in groups]
    for _ in range(iterations):
        cc_mass: dict[str, float] = defaultdict(float, base_cc)
        a1_mass: dict[str, float] = defaultdict(float)
        contrib_cc: list[dict[str, float]] = []
        contrib_a1: list[dict[str, float]] = []
        for g, pr in zip(groups, probs, strict=True):
            ccs: dict[str, float] = defaultdict(float)
            a1s: dict[str, float] = defaultdict(float)
            # a name counts by how sure we are of it: an unambiguous name is strong
            # evidence, a name with ten namesakes barely any (avoids self-reinforcing
            # loops between two ambiguous names)
            sure = (max(pr) if pr else 0.0) * g.weight
            for c, p in zip(g.candidates, pr, strict=True):
                if c.country_code:
                    ccs[c.country_code] += p * sure
                if c.admin1_code:
                    a1s[c.admin1_code] += p * sure
            for k, v in ccs.items():
                cc_mass[k] += v
            for k, v in a1s.items():
                a1_mass[k] += v
            contrib_cc.append(ccs)
            contrib_a1.append(a1s)
        for gi in range(n):
            g = groups[gi]
            ex = extras[gi]
            for i, c in enumerate(g.candidates):
                e = 0.0
                # a town named like a country or region elsewhere ("Russia, Ohio") needs
                # regional evidence: its country's other names alone do not make it the town
                if c.country_code and (
                    c.kind in MAJOR or not g.major_ccs or c.country_code in g.major_ccs
                ):
                    m = cc_mass[c.country_code] - contrib_cc[gi].get(c.country_code, 0.0)
                    e += COUNTRY_WEIGHT * math.log1p(max(m, 0.0))
                if c.admin1_code and c.kind != "admin1" and i not in g.shadowed:
                    m = a1_mass[c.admin1_code] - contrib_a1[gi].get(c.admin1_code, 0.0)
                    e += ADMIN1_WEIGHT * math.log1p(max(m, 0.0))
                ex[i] = e
            if g.candidates:
                probs[gi] = g.probabilities(ex)
    if WIDE_WEIGHT > 0:
        _add_regional(groups, probs, extras, demonym_places)
    if NEAR_WEIGHT > 0:
        _add_proximity(groups, probs, extras)
    out: list[tuple[Place | None, float]] = []
    bests = [max(range(len(pr)), key=pr.__getitem__) if pr else -1 for pr in probs]
    cc_final: dict[str, float] = defaultdict(float)
    for g, pr, bi in zip(groups, probs, bests, strict=True):
        if bi >= 0 and g.candidates[bi].country_code:
            cc_final[g.candidates[bi].country_code or ""] += pr[bi]
    total = sum(cc_final.values())
    for g, pr, bi in zip(groups, probs, bests, strict=True):
        if not g.candidates:
            out.append((None, 0.0))
            continue
        if g.fixed is not None:
            out.append((g.candidates[g.fixed], 1.0))
            continue
        c = g.candidates[bi]
        own = pr[bi] if c.country_code else 0.0
        others = total - own
        support = cc_final[c.country_code or ""] - own  # the rest of the text in c's country
        # A hamlet, or a region or town found only through a common word ("Gulf"), in a
        # text about somewhere else; a common-word region needs support however short the
        # text ("the Gulf" alone is not Gulf Province, Papua New Guinea).
        stray = (c.kind not in MAJOR and c.population < STRAY_POP) or (
            g.common and c.kind != "country"
        )
        if (stray and others >= STRAY_CONTEXT and support < STRAY_SHARE * others) or (
            g.common and c.kind == "admin1" and support < 0.5
        ):
            out.append((None, 0.0))
            continue
        out.append((c, pr[bi]))
    return out


def _add_proximity(
    groups: Sequence[NameGroup], probs: list[list[float]], extras: list[list[float]]
) -> None:
    """Favour namesakes near the document's confidently resolved towns (spatial minimality).

    Anchors are the towns resolved with probability >= ANCHOR_MIN; each candidate of every
    other ambiguous name gains ``NEAR_WEIGHT * sum(p * exp(-d / NEAR_KM))`` over the anchors.
    """
    anchors: list[tuple[int, float, float, float]] = []
    for gi, (g, pr) in enumerate(zip(groups, probs, strict=True)):
        if not pr:
            continue
        k = max(range(len(pr)), key=pr.__getitem__)
        c = g.candidates[k]
        if pr[k] >= ANCHOR_MIN and c.kind not in MAJOR and c.lat is not None and c.lon is not None:
            anchors.append((gi, c.lon, c.lat, pr[k]))
    if not anchors:
        return
    for gi, g in enumerate(groups):
        if len(g.candidates) < 2:
            continue
        ex = extras[gi]
        changed = False
        for i, c in enumerate(g.candidates):
            if c.kind in MAJOR or c.lat is None or c.lon is None or i in g.shadowed:
                continue
            coslat = math.cos(math.radians(c.lat))
            near = 0.0
            for aj, alon, alat, w in anchors:
                if aj == gi:
                    continue
                dx = (c.lon - alon) * coslat
                dy = c.lat - alat
                d = 111.2 * math.sqrt(dx * dx + dy * dy)
                if d < 4 * NEAR_KM:
                    near += w * math.exp(-d / NEAR_KM)
            if near:
                ex[i] += NEAR_WEIGHT * math.log1p(near)
                changed = True
        if changed:
            probs[gi] = g.probabilities(ex)


def _add_regional(
    groups: Sequence[NameGroup],
    probs: list[list[float]],
    extras: list[list[float]],
    demonym_places: Sequence[Place],
) -> None:
    """Favour namesakes in the document's part of the world ("Gaza" near Israel, not Mozambique).

    Anchors are every name resolved with probability >= ANCHOR_MIN (countries and regions
    included, at their representative points) and the demonyms' countries; each candidate
    of every other ambiguous name gains ``WIDE_WEIGHT * log(1 + sum p * exp(-d / WIDE_KM))``.
    """
    anchors: list[tuple[int, float, float, float]] = []
    for gi, (g, pr) in enumerate(zip(groups, probs, strict=True)):
        if not pr:
            continue
        k = max(range(len(pr)), key=pr.__getitem__)
        c = g.candidates[k]
        if pr[k] >= ANCHOR_MIN and c.kind in WIDE_KINDS and c.lat is not None and c.lon is not None:
            anchors.append((gi, c.lon, c.lat, pr[k] * g.weight))
    for dp in demonym_places:
        if dp.lat is not None and dp.lon is not None:
            anchors.append((-1, dp.lon, dp.lat, DEMONYM_ANCHOR))
    if not anchors:
        return
    if len(anchors) > WIDE_ANCHORS:  # a book-length text: its strongest names suffice
        anchors = sorted(anchors, key=lambda a: -a[3])[:WIDE_ANCHORS]
    for gi, g in enumerate(groups):
        if len(g.candidates) < 2 or g.fixed is not None:
            continue
        ex = extras[gi]
        for i, c in enumerate(g.candidates):
            if c.kind not in WIDE_KINDS or c.lat is None or c.lon is None or i in g.shadowed:
                continue
            coslat = math.cos(math.radians(c.lat))
            near = 0.0
            for aj, alon, alat, w in anchors:
                if aj == gi:
                    continue
                dlon = abs(c.lon - alon)
                dlon = min(dlon, 360.0 - dlon)
                d = 111.2 * math.hypot(dlon * coslat, c.lat - alat)
                if d < 3 * WIDE_KM:
                    near += w * math.exp(-d / WIDE_KM)
            ex[i] += WIDE_WEIGHT * math.log1p(near)
        probs[gi] = g.probabilities(ex)


WIDE_KINDS = frozenset({"country", "admin1", "city", "custom", "area"})


def ranked(g: NameGroup, limit: int = 5) -> tuple[Place, ...]:
    """Return a group's top candidates by prior plus bonus (for review)."""
    order = sorted(range(len(g.candidates)), key=lambda i: g.priors[i] + g.bonus[i], reverse=True)
    return tuple(g.candidates[i] for i in order[:limit])
