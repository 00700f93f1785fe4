"""Geoparsing: find place names in report text and resolve them with the gazetteer.

``Geoparser(gazetteer, rules=...)`` takes an injected gazetteer (anything with
``lookup(normalized_name)``, ``demonym(word)``, ``get(place_id)`` and, optionally,
``normalize_name(text)``) and returns :class:`Toponym` records. Recognition
(:mod:`.recognize`) is rule- and gazetteer-based; resolution (:mod:`.resolve`) uses priors
and document context. Demonyms, people, organisations and government metonyms are reported
with ``is_location=False`` so that callers never turn them into event locations.
Imports: stdlib, tracker.model, tracker.gazetteer (for ``normalize_name`` only), lexicon
data from ``english_words``.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from tracker.geoparse import lexicon, translit
from tracker.geoparse.recognize import Mention, Recognizer
from tracker.geoparse.resolve import (
    NameGroup,
    add_pair_evidence,
    make_group,
    ranked,
    resolve_groups,
)
from tracker.model import Place, PlaceRule

__all__ = ["METHOD", "GazetteerLike", "Geoparser", "Toponym"]

METHOD = "tracker-geoparse 0.1"
TOPONYM_KINDS = ("place", "demonym", "metonym", "embedded", "person")
LOCATION_KINDS = frozenset({"place"})


class GazetteerLike(Protocol):
    """What the geoparser needs from a gazetteer (tracker.gazetteer.Gazetteer has it)."""

    def lookup(self, normalized_name: str) -> list[Place]:
        """Return exact-name candidates for a normalised name."""
        ...

    def demonym(self, word: str) -> Place | None:
        """Return the country a demonym refers to, or None."""
        ...

    def get(self, place_id: str) -> Place | None:
        """Return a place by id, or None."""
        ...


@dataclass(frozen=True, slots=True)
class Toponym:
    """A place name found in a text, with its resolution.

    ``kind`` is ``place`` (a literal location), ``demonym`` ("North Korean", resolved to
    its country), ``metonym`` (a capital or country standing for its government: "Moscow
    denied"), ``embedded`` (a toponym inside an organisation or team name: "New York Times")
    or ``person`` (a gazetteer name used as a person's name: "Volodymyr" in "Volodymyr
    Zelenskyy"). Only ``place`` has ``is_location=True``.
    """

    start: int
    end: int
    name: str
    kind: str
    place: Place | None
    score: float
    is_location: bool
    candidates: tuple[Place, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """Return the ``tracker geoparse`` JSON record of this toponym."""
        p = self.place
        return {
            "start": self.start,
            "end": self.end,
            "name": self.name,
            "kind": self.kind,
            "lat": p.lat if p else None,
            "lon": p.lon if p else None,
            "geonameid": p.geonameid if p else None,
            "place_id": p.id if p else None,
            "score": round(self.score, 4),
        }


class Geoparser:
    """Recognise and resolve toponyms with an injected gazetteer.

    Parameters
    ----------
    gazetteer : GazetteerLike
        The gazetteer (``tracker.gazetteer.Gazetteer.open()`` in production).
    rules : sequence of PlaceRule
        Review corrections: ``name -> place_id`` or ``not_place``, optionally only when
        the document is about a country (``context``).

    Examples
    --------
    >>> gp = Geoparser(Gazetteer.open())  # doctest: +SKIP
    >>> [(t.name, t.kind) for t in gp.parse("Seoul said troops left Wonsan.")]  # doctest: +SKIP
    [('Seoul', 'metonym'), ('Wonsan', 'place')]
    """

    def __init__(self, gazetteer: GazetteerLike, *, rules: Sequence[PlaceRule] = ()) -> None:
        self.gazetteer = gazetteer
        normalize: Callable[[str], str] | None = getattr(gazetteer, "normalize_name", None)
        if normalize is None:
            from tracker.gazetteer import normalize_name

            normalize = normalize_name
        self._lookup_cache: dict[str, list[Place]] = {}
        self._dem_cache: dict[str, Place | None] = {}
        self._rec = Recognizer(self._lookup, self._demonym, normalize)
        self.rules = tuple(rules)
        self._rules_by_name: dict[str, list[PlaceRule]] = {}
        for r in self.rules:
            self._rules_by_name.setdefault(self._rec.norm(r.name), []).append(r)
        self._common = lexicon.common_words()
        self._capitals = frozenset(
            (cc, self._rec.norm(name)) for cc, name in lexicon.national_capitals()
        )

    def _lookup(self, norm: str) -> list[Place]:
        hit = self._lookup_cache.get(norm)
        if hit is None:
            if len(self._lookup_cache) > 200_000:
                self._lookup_cache.clear()
            hit = list(self.gazetteer.lookup(norm)) if norm else []
            self._lookup_cache[norm] = hit
        return hit

    def _demonym(self, word: str) -> Place | None:
        if word in self._dem_cache:
            return self._dem_cache[word]
        d = self.gazetteer.demonym(word)
        self._dem_cache[word] = d
        return d

    def parse(self, text: str, *, context_countries: Sequence[str] = ()) -> list[Toponym]:
        """Return the toponyms of ``text`` in order of appearance.

        Parameters
        ----------
        text : str
            The document (one report, article or post).
        context_countries : sequence of str
            ISO 3166-1 alpha-2 codes the document is known to be about; they favour
            namesakes in those countries.

        Returns
        -------
        list of Toponym
            Every recognised name, including demonyms, metonyms, embedded and person uses
            (``is_location=False``); ``place`` is None when no candidate fits.
        """
        mentions = self._rec.find(text)
        mentions = self._filter(text, mentions)
        cued = {m.norm for m in mentions if _admin_cue(text, m.start, m.end)}
        groups: dict[str, NameGroup] = {}
        order: list[str] = []
        dem_cc: list[str] = []
        dem_places: dict[str, Place] = {}
        for m in mentions:
            if m.kind == "demonym":
                if m.demonym_of is not None and m.demonym_of.country_code:
                    dem_cc.append(m.demonym_of.country_code)
                    dem_places[m.demonym_of.id] = m.demonym_of
                continue
            if m.kind == "person":
                continue
            if m.norm not in groups:
                groups[m.norm] = make_group(
                    m.norm,
                    m.candidates,
                    self._capitals,
                    self._rec.norm,
                    admin_cue=m.norm in cued,
                )
                groups[m.norm].common = all(w in self._common for w in m.norm.split())
                order.append(m.norm)
        pairs = self._pairs(text, mentions, groups)
        inside = _listed_in(text, mentions, groups)
        doc_cc = {c.upper() for c in context_countries}
        dropped = self._apply_place_rules(groups, doc_cc | set(dem_cc))
        if dropped:
            mentions = [m for m in mentions if m.norm not in dropped]
            order = [k for k in order if k not in dropped]
        glist = [groups[k] for k in order]
        resolved = resolve_groups(
            glist,
            context_countries=tuple(doc_cc),
            demonym_countries=dem_cc,
            demonym_places=tuple(dem_places.values()),
        )
        by_norm = dict(zip(order, resolved, strict=True))
        self._keep_inside(pairs, groups, by_norm, frozenset({"country"}))
        self._keep_inside(inside, groups, by_norm, frozenset({"country", "admin1"}))
        area = {m.norm for m in mentions if "area" in m.cues and m.norm in groups}
        if area:
            _place_areas(area, groups, by_norm, tuple(dem_places.values()))
        out: list[Toponym] = []
        for m in mentions:
            if m.kind == "person":
                out.append(Toponym(m.start, m.end, m.text, "person", None, 0.0, False))
                continue
            if m.kind == "demonym":
                score = 0.9
                out.append(Toponym(m.start, m.end, m.text, "demonym", m.demonym_of, score, False))
                continue
            place, p = by_norm[m.norm]
            kind = m.kind
            if kind == "place" and "speech" in m.cues and place is not None:
                if self._is_seat(place, m.norm):
                    kind = "metonym"
                elif (
                    place.kind == "city"
                    and " " not in m.norm
                    and not _AFTER_PREPOSITION.search(text, max(0, m.start - 12), m.start)
                ):
                    kind = "person"  # "Snyder said": a surname ("outside Homs said": a town)
                    place, p = None, 0.0
            out.append(
                Toponym(
                    m.start,
                    m.end,
                    m.text,
                    kind,
                    place,
                    p,
                    kind in LOCATION_KINDS,
                    ranked(groups[m.norm]),
                )
            )
        return out

    def _is_seat(self, p: Place, norm: str) -> bool:
        """Whether a place can stand for a government (a country or a national capital)."""
        return (
            p.kind == "country"
            or (p.feature_code or "") in ("PPLC", "PPLG")
            or (p.country_code or "", norm) in self._capitals
        )

    def _filter(self, text: str, mentions: list[Mention]) -> list[Mention]:
        """Drop single words that are more likely common words or given names than places.

        A common English word ("Energy", "Hope") or a given name ("Keith") written alone is
        kept only when the gazetteer knows it as a country or region, or a preposition
        ("in", "near"...) or an "X, Y" pattern points to a place; in a capitalised run or a
        hyphenated compound ("City Council", "Wal-Mart") it also needs a sizeable town.
        Sentence-initial or all-caps words need the same name written mid-sentence too.
        """
        strong = {m.norm for m in mentions if not m.weak}
        keep: list[Mention] = []
        for idx, m in enumerate(mentions):
            if m.kind in ("demonym", "person") or " " in m.norm or "feature" in m.cues:
                keep.append(m)
                continue
            word = m.text.lower()
            major = any(
                c.kind in _MAJOR and (c.matched_alias == m.text or self._rec.norm(c.name) == m.norm)
                for c in m.candidates
            )
            if major:
                keep.append(m)
                continue
            pop = max((c.population for c in m.candidates), default=0)
            common = word in self._common
            cue = m.prev_word in lexicon.PLACE_PREPOSITIONS or _paired(text, mentions, idx)
            strong_cue = m.prev_word in lexicon.STRONG_PREPOSITIONS or _paired(text, mentions, idx)
            if m.weak and m.norm not in strong and common:
                continue
            if common and not cue and (m.in_run or pop < 100_000):
                continue
            if word in lexicon.FIRST_NAMES and not strong_cue and pop < 100_000:
                m.kind = "person"
            if m.in_run and pop < 5_000 and m.kind == "place" and not cue:
                continue
            keep.append(m)
        return keep

    def _keep_inside(
        self,
        pairs: list[tuple[str, str]],
        groups: dict[str, NameGroup],
        by_norm: dict[str, tuple[Place | None, float]],
        containers: frozenset[str],
    ) -> None:
        """Keep town X inside the area Y the text puts it in ("X, Country"; "X and Z in Y").

        A town resolved outside Y (of a kind in ``containers``) is replaced by its namesake
        inside (another candidate, or another transliteration: "al-Khadim, Syria"), else
        left unresolved when small (a big city is more likely a list item, "Paris, Germany
        and Italy"; "the villages of Plekhovo and Vorozhba in Kursk region" are not the
        Ukrainian namesakes).
        """
        for a, b in pairs:
            pa, _ = by_norm.get(a, (None, 0.0))
            pb, _ = by_norm.get(b, (None, 0.0))
            if (
                pa is None
                or pb is None
                or pb.kind not in containers
                or pa.kind in _MAJOR
                or _holds(pb, pa)
                or groups[a].fixed is not None
            ):
                continue
            found = [c for c in groups[a].candidates if c.kind == "city" and _holds(pb, c)]
            if not found:
                found = [
                    c
                    for alt in translit.variants(a)
                    for c in self._lookup(alt)
                    if c.kind == "city" and _holds(pb, c)
                ]
            if found:
                by_norm[a] = (max(found, key=lambda c: c.population), 0.5)
            elif max(c.population for c in groups[a].candidates) < PAIR_CITY_POP:
                by_norm[a] = (None, 0.0)

    def _pairs(
        self, text: str, mentions: list[Mention], groups: dict[str, NameGroup]
    ) -> list[tuple[str, str]]:
        """Bind "X, Y" patterns where Y is a region or country holding an X namesake.

        Returns the (X, Y) name pairs.
        """
        out: list[tuple[str, str]] = []
        for a, b in itertools.pairwise(mentions):
            if a.kind in ("person", "demonym") or b.kind in ("person", "demonym"):
                continue
            gap = text[a.end : b.start]
            if gap.strip() not in (",", "(") or len(gap) > 3:
                continue
            ga, gb = groups.get(a.norm), groups.get(b.norm)
            if ga is not None and gb is not None and ga is not gb:
                add_pair_evidence(ga, gb)
                out.append((a.norm, b.norm))
        return out

    def _apply_place_rules(self, groups: dict[str, NameGroup], doc_cc: set[str]) -> set[str]:
        """Apply the correction rules; return the names a ``not_place`` rule removes."""
        dropped: set[str] = set()
        for norm, g in groups.items():
            for r in self._rules_by_name.get(norm, ()):
                if r.context and r.context.upper() not in doc_cc:
                    continue
                if r.action == "not_place":
                    dropped.add(norm)
                elif r.action == "place" and r.place_id:
                    for i, c in enumerate(g.candidates):
                        if c.id == r.place_id:
                            g.fixed = i
                            break
                    else:
                        p = self.gazetteer.get(r.place_id)
                        if p is not None:
                            g.candidates.append(p)
                            g.priors.append(0.0)
                            g.bonus.append(0.0)
                            g.fixed = len(g.candidates) - 1
        return dropped


_MAJOR = frozenset({"country", "admin1", "continent", "macro_region"})


_AFTER_PREPOSITION = re.compile(r"\b(?:in|outside|near|of|from|at|around|to|into)\s+$")


def _paired(text: str, mentions: Sequence[Mention], idx: int) -> bool:
    """Whether mention idx is in an "X, Y" pair with a neighbouring mention."""
    m = mentions[idx]
    nxt = mentions[idx + 1] if idx + 1 < len(mentions) else None
    prv = mentions[idx - 1] if idx > 0 else None
    return (nxt is not None and text[m.end : nxt.start] in _PAIR_GAPS) or (
        prv is not None and text[prv.end : m.start] in _PAIR_GAPS
    )


# "X, Y and Z in <Region>": list separators, names the gazetteer may not know, then "in".
_SEP = r"(?:,\s*(?:and\s+|or\s+)?|\s+(?:and|or)\s+)"
_NAME = r"[A-Z][\w'’-]*(?:\s[A-Z][\w'’-]*){0,3}"
_IN_GAP = re.compile(rf"(?:{_SEP}{_NAME})*\s+in\s+(?:the\s+)?")
_LIST_GAP = re.compile(rf"(?:{_SEP}{_NAME})*{_SEP}")


def _listed_in(
    text: str, mentions: Sequence[Mention], groups: dict[str, NameGroup]
) -> list[tuple[str, str]]:
    """Return (X, Region) name pairs for towns listed right before "in <Region>"."""
    out: list[tuple[str, str]] = []
    for k in range(1, len(mentions)):
        r = mentions[k]
        if r.norm not in groups or r.kind != "place":
            continue
        j = k - 1
        gap_re = _IN_GAP
        nxt = r.start
        while j >= 0:
            m = mentions[j]
            if m.kind != "place" or m.norm not in groups or m.norm == r.norm:
                break
            if not gap_re.fullmatch(text, m.end, nxt):
                break
            out.append((m.norm, r.norm))
            gap_re, nxt, j = _LIST_GAP, m.start, j - 1
    return out


def _holds(region: Place, p: Place) -> bool:
    """Whether a country or first-level region contains a place (by its codes)."""
    if region.kind == "country":
        return p.country_code == region.country_code
    return p.admin1_code is not None and p.admin1_code == region.admin1_code


AREA_KM = 500.0
PAIR_CITY_POP = 100_000


def _place_areas(
    area: set[str],
    groups: dict[str, NameGroup],
    by_norm: dict[str, tuple[Place | None, float]],
    demonym_places: Sequence[Place],
) -> None:
    """Resolve "Gaza Strip"-style names only near the document's other places.

    A namesake of the name part counts only within ``AREA_KM`` of the document's other
    resolved places (or demonym countries); otherwise the name stays unresolved.
    """
    anchors = [p for k, (p, pr) in by_norm.items() if k not in area and p is not None and pr >= 0.5]
    anchors.extend(demonym_places)
    for norm in area:
        place, pr = by_norm[norm]
        if place is not None and _near_any(place, anchors):
            continue
        g = groups[norm]
        alt = next((c for c in ranked(g, len(g.candidates)) if _near_any(c, anchors)), None)
        by_norm[norm] = (alt, pr if alt is not None else 0.0)


def _near_any(p: Place, anchors: Sequence[Place]) -> bool:
    """Whether a place lies within AREA_KM of one of the anchors."""
    if p.lat is None or p.lon is None:
        return False
    for a in anchors:
        if a.lat is None or a.lon is None or a.id == p.id:
            continue
        coslat = math.cos(math.radians((a.lat + p.lat) / 2))
        if 111.2 * math.hypot((a.lon - p.lon) * coslat, a.lat - p.lat) < AREA_KM:
            return True
    return False


_ADMIN = r"(?:region|oblast|province|governorate|prefecture|krai|voivodeship|state)s?"
_ADMIN_AFTER = re.compile(rf"\s+(?:and\s+[A-Z][\w'-]+\s+)?{_ADMIN}\b")
_ADMIN_BEFORE = re.compile(rf"\b{_ADMIN}\s+of\s+(?:the\s+)?$", re.IGNORECASE)


def _admin_cue(text: str, start: int, end: int) -> bool:
    """Whether an administrative word stands next to a name.

    "Kharkiv and Lviv regions", "Odesa oblast" (when not already part of the name), "the
    province of Tartus".
    """
    return bool(
        _ADMIN_AFTER.match(text, end, min(len(text), end + 40))
        or _ADMIN_BEFORE.search(text, max(0, start - 30), start)
    )


_PAIR_GAPS = frozenset({", ", ",", " (", "("})
