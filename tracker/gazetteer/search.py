"""The gazetteer as the rest of tracker sees it: search, resolve, reverse, regions.

:class:`Gazetteer` reads the compiled SQLite index (see :mod:`tracker.gazetteer.build`)
read-only. Ranking: an exact name or alias scores 0.58-0.6 + 0.4 x prominence, an
administrative core match ("Kursk region" -> Kurskaja oblast') 0.59 or 0.52 + 0.4 x
prominence, a partial (prefix) match at most 0.5; prominence is 1.0 for a country, 0.88 for an admin1 and 0.3..0.9 for a city
by population, so an exactly named country or admin1 outranks a small town of the same name
and scores stay comparable across candidates. Imports: stdlib, shapely lazily.
"""

from __future__ import annotations

import difflib
import json
import math
import re
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from tracker import settings
from tracker.errors import (
    AmbiguousPlaceError,
    GazetteerError,
    PlaceNotFoundError,
    ValidationError,
)
from tracker.gazetteer.build import KIND_PROMINENCE, build_index, index_path, name_keys
from tracker.gazetteer.contain import AdminOutlines
from tracker.gazetteer.normalize import check_name, core_name, normalize_name
from tracker.gazetteer.regions import OutlineFit
from tracker.gazetteer.userdata import check_lon_lat
from tracker.model import Place, RegionFilter

_COLS = "p.pk, p.id, p.name, p.kind, p.country_code, p.admin1_code, p.lon, p.lat, p.population, p.geonameid, p.feature_code, p.prominence"
_ISO2 = re.compile(r"[A-Z]{2}-[A-Z0-9]{1,3}")
_REGION_KINDS = ("admin1", "macro_region", "country", "area", "continent")
PARTIAL_MIN_CHARS = 3
PARTIAL_SCAN = 4000
# resolve(): two namesakes of one kind whose scores differ by less than this are equally
# good answers. For exactly named cities it means populations within a factor of 2
# (0.4 x 0.6 x log10(2) / 7 = 0.0103): Springfield, Missouri (170,188) vs Springfield,
# Massachusetts (154,341) is a question for the user; Blagoveshchensk on the Amur (225,091)
# vs Bashkortostan's (34,238) is not.
AMBIGUITY_MARGIN = 0.0104
# ... unless they lie this close together (duplicate entries for one place).
SAME_PLACE_KM = 25.0


def _equally_good(a: Place, b: Place) -> bool:
    """Whether ``resolve`` must not choose between its two best candidates."""
    if abs(a.score - b.score) < 1e-4 and a.population == b.population:
        return True
    if a.kind != b.kind or b.score <= 0.5 or a.score - b.score >= AMBIGUITY_MARGIN:
        return False  # another kind, a partial match, or clearly less prominent
    if a.lon is None or a.lat is None or b.lon is None or b.lat is None:
        return True
    return _haversine_km(a.lon, a.lat, b.lon, b.lat) > SAME_PLACE_KM


@dataclass(frozen=True, slots=True)
class Reverse:
    """What is at a point: the nearest place, the admin1 and country, and the distance.

    ``method`` says how the admin1 was found: ``"boundary"`` (an imported boundary contains
    the point), ``"outline"`` (a derived admin1 outline contains it), ``"nearest_city"``
    (no outline does: the admin1 of the nearest place), or ``None`` (no admin1).
    ``country_method`` is ``"outline"`` when the country's outline contains the point, else
    how the admin1 (or, without one, the nearest place) gave the country.
    """

    place: Place | None
    admin1: Place | None
    country: Place | None
    distance_km: float | None
    method: str | None = None
    country_method: str | None = None


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(min(1.0, math.sqrt(a)))


def _place(row: Sequence[Any], alias: str | None = None, score: float = 0.0) -> Place:
    return Place(
        id=row[1],
        name=row[2],
        kind=row[3],
        country_code=row[4],
        admin1_code=row[5],
        lon=row[6],
        lat=row[7],
        population=row[8],
        matched_alias=alias,
        score=round(score, 4),
        geonameid=row[9],
        feature_code=row[10],
    )


class Gazetteer:
    """Read access to the compiled gazetteer index.

    Use :meth:`open`; the index is built into ``settings.cache_dir()`` on first use.

    Examples
    --------
    >>> gz = Gazetteer.open()  # doctest: +SKIP
    >>> gz.resolve("Vladivostok").admin1_code  # doctest: +SKIP
    'RU-PRI'
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self._con = sqlite3.connect(f"file:{path}?mode=ro", uri=True, check_same_thread=False)
            self._meta = dict(self._con.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as err:
            msg = f"the gazetteer index {path} is unreadable ({err}); run: tracker places build"
            raise GazetteerError(msg) from err
        self._countries = {
            r[0] for r in self._con.execute("SELECT country_code FROM places WHERE kind='country'")
        }
        self._lookup_cache: dict[str, tuple[Place, ...]] = {}
        self._names: frozenset[str] | None = None
        self._outlines: AdminOutlines | None = None
        # Places given at run time (a team store's custom places): rows shaped like _COLS
        # with negative pks, and their names by normalized key.
        self._extra: dict[str, tuple[Any, ...]] = {}
        self._extra_names: dict[str, list[tuple[int, str, tuple[Any, ...]]]] = {}

    @classmethod
    def open(
        cls, *, cache_dir: Path | None = None, data_dir: Path | None = None, build: bool = True
    ) -> Gazetteer:
        """Open the index for the current sources, building it first when needed.

        Parameters
        ----------
        cache_dir, data_dir
            Default to ``settings.cache_dir()`` and ``settings.data_dir()``.
        build
            Build a missing or stale index (else raise :class:`GazetteerError`).
        """
        cache_dir = cache_dir or settings.cache_dir()
        data_dir = data_dir or settings.data_dir()
        path = index_path(cache_dir, data_dir)
        if not path.exists():
            if not build:
                msg = f"no gazetteer index at {path}; run: tracker places build"
                raise GazetteerError(msg)
            path = build_index(cache_dir, data_dir)
        return cls(path)

    def close(self) -> None:
        """Close the index file."""
        self._con.close()

    @property
    def meta(self) -> dict[str, str]:
        """Build facts: source key, build time, counts, admin1 coverage."""
        return dict(self._meta)

    @property
    def country_codes(self) -> frozenset[str]:
        """Every ISO 3166-1 alpha-2 code the gazetteer knows."""
        return frozenset(self._countries)

    # ------------------------------------------------------------ search

    def check_country(self, country: str | None) -> str | None:
        """Return an upper-cased known country code, or raise :class:`ValidationError`."""
        if country is None:
            return None
        cc = country.strip().upper()
        if cc not in self._countries:
            msg = (
                f"unknown country code {country!r}; use an ISO 3166-1 alpha-2 code such as "
                "RU, KP, KR or UA"
            )
            raise ValidationError(msg)
        return cc

    def _exact(self, norm: str, core: str, has_admin: bool) -> dict[int, tuple[float, str, Any]]:
        found: dict[int, tuple[float, str, Any]] = {}

        def keep(pk: int, score: float, alias: str, row: Any) -> None:
            if pk not in found or found[pk][0] < score:
                found[pk] = (score, alias, row)

        for form, alias, *row in self._name_rows(norm):
            base = (0.6 if normalize_name(row[2]) == norm else 0.58) if form == 0 else 0.52
            keep(row[0], base + 0.4 * row[11], alias, row)
        if core != norm:
            for _form, alias, *row in self._name_rows(core):
                if row[3] == "city":
                    continue
                # "Moscow region": prefer an area whose matched name has an administrative
                # word too ("Moscow Oblast") over one that merely shares the city's name.
                full = has_admin and core_name(normalize_name(alias))[1]
                keep(row[0], (0.59 if full else 0.52) + 0.4 * row[11], alias, row)
        return found

    def _name_rows(self, key: str) -> list[Any]:
        """Return ``(form, alias, *place row)`` for every name indexed under ``key``."""
        sql = f"SELECT n.form, n.alias, {_COLS} FROM names n JOIN places p ON p.pk = n.pk WHERE n.norm = ?"
        rows: list[Any] = self._con.execute(sql, (key,)).fetchall()
        for form, alias, row in self._extra_names.get(key, ()):
            rows.append((form, alias, *row))
        return rows

    def _partial(self, norm: str) -> dict[int, tuple[float, str, Any]]:
        found: dict[int, tuple[float, str, Any]] = {}
        if len(norm) < PARTIAL_MIN_CHARS:
            return found
        sql = (
            f"SELECT n.norm, n.alias, {_COLS} FROM names n JOIN places p ON p.pk = n.pk "
            "WHERE n.norm > ? AND n.norm < ? AND n.form = 0 LIMIT ?"
        )
        rows = self._con.execute(sql, (norm, norm + "\uffff", PARTIAL_SCAN)).fetchall()
        for key, entries in self._extra_names.items():
            if key != norm and key.startswith(norm):
                rows += [(key, alias, *row) for form, alias, row in entries if form == 0]
        for nm, alias, *row in rows:
            score = 0.1 + 0.4 * row[11] * (len(norm) / len(nm))
            if row[0] not in found or found[row[0]][0] < score:
                found[row[0]] = (score, alias, row)
        return found

    def search(
        self,
        name: str,
        *,
        country: str | None = None,
        kinds: Iterable[str] | None = None,
        limit: int = 10,
    ) -> list[Place]:
        """Return the best candidates for a name, best first (scores 0..1).

        Raises
        ------
        ValidationError
            Empty, over-long or control-character names, unknown country codes.
        """
        name = check_name(name)
        cc = self.check_country(country)
        if limit < 1:
            msg = f"limit must be at least 1, got {limit}"
            raise ValidationError(msg)
        kind_set = set(kinds) if kinds else None
        norm = normalize_name(name)
        core, has_admin = core_name(norm)
        found = self._exact(norm, core, has_admin)

        def ok(row: Any) -> bool:
            return (cc is None or row[4] == cc) and (kind_set is None or row[3] in kind_set)

        hits = [v for v in found.values() if ok(v[2])]
        if len(hits) < limit:
            for pk, v in self._partial(norm).items():
                if pk not in found and ok(v[2]):
                    hits.append(v)
        hits.sort(key=lambda v: (-v[0], -v[2][8], v[2][1]))
        return [_place(row, alias, score) for score, alias, row in hits[:limit]]

    def resolve(self, name: str, *, country: str | None = None) -> Place:
        """Return the best place for a name, or the place with this id (``geonames:4409896``).

        Raises
        ------
        PlaceNotFoundError
            Nothing matches; ``suggestions`` lists the nearest known spellings.
        AmbiguousPlaceError
            The two best candidates score the same, or are exact namesakes of one kind
            (e.g. two cities) scoring within ``AMBIGUITY_MARGIN`` of each other and lying
            more than ``SAME_PLACE_KM`` apart; ``candidates`` lists them.
        """
        if ":" in name and (by_id := self.get(name.strip())) is not None:
            return by_id
        hits = self.search(name, country=country, limit=5)
        if not hits:
            sugg = self.suggest(name)
            where = f" in {country.upper()}" if country else ""
            hint = f"; did you mean: {', '.join(sugg)}?" if sugg else ""
            msg = f"no place named {name.strip()!r}{where} in the gazetteer{hint}"
            raise PlaceNotFoundError(msg, suggestions=sugg)
        if len(hits) > 1 and _equally_good(hits[0], hits[1]):
            ids = "; ".join(f"{h.id} ({h.name}, {h.admin1_code or h.country_code})" for h in hits)
            msg = f"{name.strip()!r} is ambiguous: {ids}; add --country, or give one of these ids"
            raise AmbiguousPlaceError(msg, candidates=list(hits))
        return hits[0]

    def suggest(self, name: str, *, limit: int = 5) -> list[str]:
        """Return the nearest known spellings of a name (for "did you mean")."""
        norm = normalize_name(name)
        if not norm:
            return []
        rows = self._con.execute(
            "SELECT norm, alias FROM suggest WHERE norm >= ? AND norm < ? "
            "AND length(norm) BETWEEN ? AND ?",
            (norm[0], norm[0] + "\uffff", len(norm) - 3, len(norm) + 3),
        ).fetchall()
        by_norm: dict[str, str] = {}
        for n, a in rows:
            by_norm.setdefault(n, a)
        for key, entries in self._extra_names.items():
            if key[:1] == norm[0] and abs(len(key) - len(norm)) <= 3:
                by_norm.setdefault(key, entries[0][1])
        close = difflib.get_close_matches(norm, list(by_norm), n=limit, cutoff=0.7)
        return [by_norm[n] for n in close]

    # ------------------------------------------------------------ geoparser access

    def lookup(self, normalized_name: str) -> list[Place]:
        """Return every exact-name candidate of an already normalized name, best first.

        Exact names and aliases, plus administrative cores ("kursk oblast" -> Kursk
        Oblast); no partial matches. Cached: repeated calls cost a dict lookup.
        """
        hit = self._lookup_cache.get(normalized_name)
        if hit is None:
            if not normalized_name:
                return []
            core, has_admin = core_name(normalized_name)
            found = self._exact(normalized_name, core, has_admin)
            rows = sorted(found.values(), key=lambda v: (-v[0], -v[2][8], v[2][1]))
            hit = tuple(_place(row, alias, score) for score, alias, row in rows)
            if len(self._lookup_cache) > 200_000:
                self._lookup_cache.clear()
            self._lookup_cache[normalized_name] = hit
        return list(hit)

    def names(self) -> frozenset[str]:
        """Return every normalized name and alias the gazetteer knows (loaded once)."""
        if self._names is None:
            self._names = frozenset(
                r[0] for r in self._con.execute("SELECT DISTINCT norm FROM names")
            ) | frozenset(self._extra_names)
        return self._names

    def demonym(self, word: str) -> Place | None:
        """Return the place a demonym refers to ("North Korean" -> country:KP), if known."""
        row = self._con.execute(
            f"SELECT d.word, {_COLS} FROM demonyms d JOIN places p ON p.pk = d.pk WHERE d.norm = ?",
            (normalize_name(word),),
        ).fetchone()
        return _place(row[1:], row[0], 1.0) if row else None

    # ------------------------------------------------------------ ids, points, regions

    def get(self, place_id: str) -> Place | None:
        """Return the place with this id (``geonames:2013348``, ``iso3166-2:RU-PRI``...)."""
        row = self._row(place_id)
        return _place(row) if row else None

    def _row(self, place_id: str) -> Any:
        if place_id in self._extra:
            return self._extra[place_id]
        return self._con.execute(
            f"SELECT {_COLS} FROM places p WHERE p.id = ?", (place_id,)
        ).fetchone()

    def add_places(self, entries: Iterable[tuple[Place, Sequence[str]]]) -> int:
        """Add places given at run time (a team store's custom places) to this instance.

        They take part in search, resolve, lookup, get, suggest and reverse like the custom
        places of the data dir (kind ``custom``, prominence 0.85), without touching the
        index file. A place whose id the index already has is skipped. Returns how many
        were added. Instances from :func:`default_gazetteer` are shared: add to your own
        :meth:`open` instance instead.
        """
        added = 0
        for place, aliases in entries:
            if place.id in self._extra or self._row(place.id) is not None:
                continue
            if place.lon is None or place.lat is None:
                continue
            check_lon_lat(place.lon, place.lat)
            row = (
                -(len(self._extra) + 1), place.id, place.name, place.kind or "custom",
                place.country_code, place.admin1_code, place.lon, place.lat,
                place.population or 0, None, None, KIND_PROMINENCE["custom"],
            )  # fmt: skip
            self._extra[place.id] = row
            seen: set[str] = set()
            for alias in (place.name, *aliases):
                for norm, form, spelled in name_keys(alias):
                    if norm not in seen:
                        seen.add(norm)
                        self._extra_names.setdefault(norm, []).append((form, spelled, row))
            added += 1
        if added:
            self._lookup_cache.clear()
            self._names = None
        return added

    def reverse(self, lon: float, lat: float, *, max_km: float = 300.0) -> Reverse:
        """Return the nearest place (city or custom, within ``max_km``), admin1 and country.

        The admin1 is the one whose outline (an imported boundary first, else the derived
        outline) contains the point; only when none does is it the nearest place's admin1
        (``Reverse.method`` says which). The country is the admin1's, else the nearest
        place's.

        Raises
        ------
        ValidationError
            Coordinates out of range.
        """
        check_lon_lat(lon, lat)
        if self._outlines is None:
            self._outlines = AdminOutlines(self._con)
        in_country = self._outlines.country(lon, lat)
        cc = in_country.country_code if in_country is not None else None
        best: tuple[float, Any] | None = None
        in_cc: tuple[float, Any] | None = (math.inf, None) if cc else None
        ci, cj = math.floor(lat) + 90, math.floor(lon) + 180
        for r in range(0, 4):
            cells = [
                (ci + di) * 360 + (cj + dj) % 360
                for di in range(-r, r + 1)
                for dj in range(-r, r + 1)
                if max(abs(di), abs(dj)) == r and 0 <= ci + di < 180
            ]
            q = ",".join("?" * len(cells))
            for row in self._con.execute(
                f"SELECT {_COLS} FROM grid g JOIN places p ON p.pk = g.pk WHERE g.cell IN ({q})",
                cells,
            ):
                d = _haversine_km(lon, lat, row[6], row[7])
                if best is None or d < best[0]:
                    best = (d, row)
                if in_cc is not None and row[4] == cc and row[5] and d < in_cc[0]:
                    in_cc = (d, row)
            if best is not None and best[0] < r * 60:
                break
        for row in self._extra.values():
            d = _haversine_km(lon, lat, row[6], row[7])
            if best is None or d < best[0]:
                best = (d, row)
            if in_cc is not None and row[4] == cc and row[5] and d < in_cc[0]:
                in_cc = (d, row)
        near = best if best is not None and best[0] <= max_km else None
        a1: Place | None = None
        method: str | None = None
        src = in_cc if cc else near
        near_a1 = f"iso3166-2:{src[1][5]}" if src is not None and src[1] is not None else None
        inside = self._outlines.admin1(lon, lat, cc, nearest=near_a1)
        if inside is not None:
            a1 = self.get(inside.place_id)
            method = "boundary" if inside.source == "boundary" else "outline"
        else:
            # No outline holds the point: the admin1 of the nearest place (of the country
            # whose outline holds it, when one does).
            if src is not None and src[0] <= max_km and src[1][5]:
                a1 = self.get(f"iso3166-2:{src[1][5]}")
                method = "nearest_city" if a1 is not None else None
        c_method: str | None = "outline" if cc else (method or "nearest_city")
        if cc is None:
            cc = a1.country_code if a1 is not None else (near[1][4] if near else None)
        country = self.get(f"country:{cc}") if cc else None
        c_method = c_method if country is not None else None
        if near is None:
            return Reverse(None, a1, country, None, method, c_method)
        return Reverse(_place(near[1]), a1, country, round(near[0], 3), method, c_method)

    def outline(self, place_id: str) -> dict[str, Any] | None:
        """Return the GeoJSON geometry (lon, lat) of an area's outline, if one is known."""
        row = self._con.execute(
            "SELECT o.geojson FROM outlines o JOIN places p ON p.pk = o.pk WHERE p.id = ?",
            (place_id,),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def outline_wkt(self, place_id: str) -> str | None:
        """Return the WKT of an area's outline, if one is known."""
        row = self._con.execute(
            "SELECT o.wkt FROM outlines o JOIN places p ON p.pk = o.pk WHERE p.id = ?",
            (place_id,),
        ).fetchone()
        return str(row[0]) if row else None

    def admin1_codes(self) -> frozenset[str]:
        """Return every ISO 3166-2 code the gazetteer knows (all levels)."""
        rows = self._con.execute("SELECT substr(id, 11) FROM places WHERE id LIKE 'iso3166-2:%'")
        return frozenset(r[0] for r in rows)

    def list_regions(self, kind: str, *, country: str | None = None) -> list[dict[str, Any]]:
        """Return regions of one kind as rows: id, name, kind, country, members, outline source."""
        cc = self.check_country(country)
        sql = (
            "SELECT p.pk, p.id, p.name, p.kind, p.country_code, o.source FROM places p "
            "LEFT JOIN outlines o ON o.pk = p.pk WHERE p.kind = ?"
        )
        args: list[Any] = [kind]
        if cc:
            sql += " AND p.country_code = ?"
            args.append(cc)
        out = []
        for pk, pid, name, k, c, src in self._con.execute(sql + " ORDER BY p.id", args):
            members = [
                m[0] or m[1]
                for m in self._con.execute(
                    "SELECT admin1_code, country_code FROM members WHERE pk = ?", (pk,)
                )
            ]
            out.append(
                {
                    "id": pid,
                    "name": name,
                    "kind": k,
                    "country_code": c,
                    "members": members,
                    "outline": src,
                }
            )
        return out

    def outline_fit(self, *, kind: str = "admin1", min_places: int = 3) -> OutlineFit:
        """Measure how well the outlines of one kind of region fit their member cities.

        For each region with at least ``min_places`` cities: the share of its own cities
        inside its outline, and the share of the cities inside it that belong to another
        region; medians over regions (see :func:`tracker.gazetteer.regions.measure_outlines`).
        """
        import shapely

        from tracker.gazetteer.regions import measure_outlines

        outlines: dict[str, Any] = {}
        members: dict[str, list[str]] = {}
        for pk, pid, wkt in self._con.execute(
            "SELECT p.pk, p.id, o.wkt FROM outlines o JOIN places p ON p.pk = o.pk "
            "WHERE p.kind = ?",
            (kind,),
        ):
            outlines[pid] = shapely.from_wkt(wkt)
            if kind == "admin1":
                members[pid] = [pid.removeprefix("iso3166-2:")]
            else:
                members[pid] = [
                    r[0]
                    for r in self._con.execute(
                        "SELECT admin1_code FROM members WHERE pk = ? AND admin1_code IS NOT NULL",
                        (pk,),
                    )
                ]
        cities = self._con.execute(
            "SELECT admin1_code, lon, lat FROM places WHERE kind = 'city' AND admin1_code IS NOT NULL"
        ).fetchall()
        if kind == "admin1":
            rows = [(f"iso3166-2:{a}", lon, lat) for a, lon, lat in cities]
            return measure_outlines(rows, outlines, min_places=min_places)
        # Macro-regions overlap each other (Siberia holds the Far East): measure each one
        # against the places of its own members versus everyone else's.
        fits = []
        for pid, geom in outlines.items():
            own = set(members[pid])
            if not own:
                continue
            rows = [(pid if a in own else "", lon, lat) for a, lon, lat in cities]
            fits.append(measure_outlines(rows, {pid: geom}, min_places=min_places))
        import statistics

        fits = [f for f in fits if f.regions]
        other = [f.median_other_share for f in fits]
        return OutlineFit(
            regions=len(fits),
            median_own_inside=statistics.median(f.median_own_inside for f in fits),
            median_other_share=statistics.median(other),
            p90_other_share=statistics.quantiles(other, n=10)[-1] if len(other) > 1 else other[0],
        )

    def region(self, name_or_code: str) -> RegionFilter:
        """Resolve a ``--region`` value (admin1 name or code, macro-region, country, area).

        Raises
        ------
        PlaceNotFoundError
            No region of that name or code.
        """
        text = check_name(name_or_code, what="region")
        row = None
        if _ISO2.fullmatch(text.upper()):
            row = self._row(f"iso3166-2:{text.upper()}")
        elif len(text) == 2 and text.isalpha():
            row = self._row(f"country:{text.upper()}")
        if row is None:
            hits = self.search(text, kinds=_REGION_KINDS, limit=1)
            exact = [h for h in hits if h.score >= 0.55]
            if not exact:
                sugg = self.suggest(text)
                hint = f"; did you mean: {', '.join(sugg)}?" if sugg else ""
                msg = f"no region named {text!r}{hint}"
                raise PlaceNotFoundError(msg, suggestions=sugg)
            row = self._row(exact[0].id)
        pk, pid, name, kind, cc = row[0], row[1], row[2], row[3], row[4]
        wkt = self.outline_wkt(pid)
        if kind == "admin1":
            return RegionFilter(name, kind, (), (row[5],), (pid,), wkt)
        if kind == "country":
            return RegionFilter(name, kind, (cc,), (), (pid,), wkt)
        members = self._con.execute(
            "SELECT admin1_code, country_code FROM members WHERE pk = ?", (pk,)
        ).fetchall()
        a1 = tuple(m[0] for m in members if m[0])
        ccs = tuple(m[1] for m in members if m[1])
        return RegionFilter(name, kind, ccs, a1, (pid,), wkt)


@lru_cache(maxsize=4)
def _open_cached(cache_dir: str, data_dir: str) -> Gazetteer:
    return Gazetteer.open(cache_dir=Path(cache_dir), data_dir=Path(data_dir))


def default_gazetteer() -> Gazetteer:
    """Return a process-wide :class:`Gazetteer` for the current settings (opened once)."""
    return _open_cached(str(settings.cache_dir()), str(settings.data_dir()))
