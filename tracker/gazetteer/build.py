"""Compile the gazetteer index (one SQLite file) from the installed packages and user data.

The file is named after :func:`index_key` (package versions, hand-written tables, user
additions), built into a temporary file in ``settings.cache_dir()`` under a lock and renamed
into place, so concurrent processes never see a half-built index and an existing index is
left untouched when a build fails. Imports: stdlib, numpy and shapely (lazily).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import math
import os
import re
import shutil
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tracker.errors import GazetteerError
from tracker.gazetteer import admin1 as admin1_mod
from tracker.gazetteer import regions as regions_mod
from tracker.gazetteer import sources, userdata
from tracker.gazetteer.normalize import core_name, normalize_name

logger = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE places(
  pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT NOT NULL, kind TEXT NOT NULL,
  country_code TEXT, admin1_code TEXT, lon REAL, lat REAL, population INTEGER NOT NULL,
  geonameid INTEGER, feature_code TEXT, prominence REAL NOT NULL);
CREATE TABLE names(norm TEXT NOT NULL, form INTEGER NOT NULL, pk INTEGER NOT NULL,
  alias TEXT NOT NULL, PRIMARY KEY(norm, form, pk)) WITHOUT ROWID;
CREATE TABLE suggest(norm TEXT NOT NULL, alias TEXT NOT NULL, PRIMARY KEY(norm, alias))
  WITHOUT ROWID;
CREATE TABLE grid(cell INTEGER NOT NULL, pk INTEGER NOT NULL, PRIMARY KEY(cell, pk))
  WITHOUT ROWID;
CREATE TABLE outlines(pk INTEGER PRIMARY KEY, source TEXT NOT NULL, geojson TEXT NOT NULL,
  wkt TEXT NOT NULL);
CREATE TABLE members(pk INTEGER NOT NULL, admin1_code TEXT, country_code TEXT);
CREATE TABLE demonyms(norm TEXT PRIMARY KEY, pk INTEGER NOT NULL, word TEXT NOT NULL);
CREATE TABLE gnmap(country_code TEXT NOT NULL, gn_admin1 TEXT NOT NULL, iso TEXT NOT NULL,
  PRIMARY KEY(country_code, gn_admin1)) WITHOUT ROWID;
"""

FORM_EXACT = 0  # the name as written (normalized)
FORM_CORE = 1  # administrative words dropped / short form shared with a city
_CODE_LIKE = re.compile(r"[A-Z0-9]{2,4}")
_INVERTED = re.compile(r"([^,]+), .*\b(?:Republic|States?|Province|Kingdom)\b.*")
# The Arabic article of a romanised town name ("Al Qāmishlī", "As-Suwayda", "El Fasher"):
# reports often drop it ("Qamishli"), so the rest is indexed too, below the full name.
_ARTICLE = re.compile(r"^(?:[AaEe][lnrdstz]|[Aa]sh|[Aa]dh)[\s'’-]+(?=\S{4})")
KIND_PROMINENCE = {
    "country": 1.0,
    "continent": 0.95,
    "macro_region": 0.92,
    "admin1": 0.88,
    "custom": 0.85,
    "area": 0.6,
}


def city_prominence(population: int) -> float:
    """Return a city's prominence (0.3 for a hamlet .. 0.9 for 10 million people)."""
    return 0.3 + 0.6 * min(1.0, math.log10(max(0, population) + 1) / 7.0)


def grid_cell(lon: float, lat: float) -> int:
    """Return the 1-degree grid cell of a point (used by reverse lookups)."""
    return (math.floor(lat) + 90) * 360 + (math.floor(lon) + 180) % 360


def base_path(cache_dir: Path) -> Path:
    """Return the path of the index built from the installed packages alone."""
    return cache_dir / f"gazetteer-{sources.source_key()}.sqlite"


def index_path(cache_dir: Path, data_dir: Path) -> Path:
    """Return the path of the index for the current sources and user data.

    Without user additions this is the shared base index; with them, a copy of the base
    index with the additions applied, named after both fingerprints.
    """
    ukey = userdata.user_key(data_dir)
    if not ukey:
        return base_path(cache_dir)
    code = Path(__file__).with_name("overlay.py").read_bytes()
    ukey = hashlib.sha256(ukey.encode() + code).hexdigest()[:16]
    return cache_dir / f"gazetteer-{sources.source_key()}-{ukey}.sqlite"


@dataclass
class _Builder:
    places: list[tuple[Any, ...]] = field(default_factory=list)
    names: dict[tuple[str, int, int], str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    outlines: dict[int, tuple[str, Any]] = field(default_factory=dict)
    members: list[tuple[int, str | None, str | None]] = field(default_factory=list)
    demonyms: dict[str, tuple[int, str]] = field(default_factory=dict)
    mapping: dict[str, dict[str, str]] = field(default_factory=dict)

    def add(
        self,
        pid: str,
        name: str,
        kind: str,
        cc: str | None,
        a1: str | None,
        lon: float | None,
        lat: float | None,
        pop: int = 0,
        gid: int | None = None,
        fc: str | None = None,
    ) -> int:
        prom = city_prominence(pop) if kind == "city" else KIND_PROMINENCE.get(kind, 0.5)
        if pid in self.ids:  # a later source (user dump) replaces the earlier record
            pk = self.ids[pid]
            self.places[pk - 1] = (pk, pid, name, kind, cc, a1, lon, lat, pop, gid, fc, prom)
            return pk
        pk = len(self.places) + 1
        self.ids[pid] = pk
        self.places.append((pk, pid, name, kind, cc, a1, lon, lat, pop, gid, fc, prom))
        return pk

    def name(self, pk: int, alias: str, *, core: bool = False, demote: bool = False) -> None:
        for norm, form, alias_ in name_keys(alias, core=core, demote=demote):
            self.names.setdefault((norm, form, pk), alias_)


def name_keys(
    alias: str, *, core: bool = False, demote: bool = False
) -> list[tuple[str, int, str]]:
    """Return the ``(norm, form, alias)`` keys a name is indexed under."""
    alias = alias.strip()
    norm = normalize_name(alias)
    if len(norm) < 2 or len(alias) > 120:
        return []
    out = [(norm, FORM_CORE if demote else FORM_EXACT, alias)]
    if core:
        c, _ = core_name(norm)
        if c != norm and len(c) >= 2:
            out.append((c, FORM_CORE, alias))
    return out


def _city_names(b: _Builder, pk: int, c: sources.City) -> None:
    b.name(pk, c.name)
    for a in c.alternatenames:
        if a != c.name and (_CODE_LIKE.fullmatch(a) or "http" in a):
            continue  # airport and other codes ("VVO", "YKS") are not names
        b.name(pk, a)
    if c.country_code in _ARABIC_ARTICLE_CCS:
        for a in (c.name, *c.alternatenames):
            rest = _ARTICLE.sub("", a)
            if rest != a and rest[:1].isupper():
                b.name(pk, rest, demote=True)


# Countries whose town names carry the Arabic article in GeoNames' romanisation.
_ARABIC_ARTICLE_CCS = frozenset(
    [
        "AE",
        "BH",
        "DZ",
        "EG",
        "EH",
        "IQ",
        "JO",
        "KW",
        "LB",
        "LY",
        "MA",
        "MR",
        "OM",
        "PS",
        "QA",
        "SA",
        "SD",
        "SO",
        "SY",
        "TD",
        "TN",
        "YE",
    ]
)


def _add_countries(b: _Builder, cities: list[sources.City]) -> dict[str, dict[str, Any]]:
    countries = sources.load_countries()
    info = sources.load_countryinfo()
    towns: dict[str, list[sources.City]] = defaultdict(list)
    for t in cities:
        towns[t.country_code].append(t)
    for cc, c in sorted(countries.items()):
        ci = info.get(cc, {})
        ll = ci.get("latlng") or []
        lon, lat = (float(ll[1]), float(ll[0])) if len(ll) == 2 else (None, None)
        geo = ci.get("geoJSON") or {}
        feats = geo.get("features") or []
        outline = feats[0].get("geometry") if feats else None
        centre = regions_mod.mainland_point(outline) if outline else None
        if centre is None and lon is None:  # countryinfo lacks it (Kosovo, Curaçao...)
            centre = _town_point(c.get("capital") or "", towns[cc])
        if centre is not None:  # the mainland's centre, not the factbook's rounded degrees
            lon, lat = centre
        pk = b.add(
            f"country:{cc}", c["name"], "country", cc, None, lon, lat,
            int(c.get("population") or 0), int(c["geonameid"]),
        )  # fmt: skip
        names = [c["name"], ci.get("name") or "", ci.get("nativeName") or ""]
        alts = [a for a in ci.get("altSpellings") or [] if not _CODE_LIKE.fullmatch(a)]
        names += alts
        # ISO's inverted names give the short one news uses: "Congo, The Democratic
        # Republic of the" -> "Congo" (a name the Republic of the Congo also has).
        names += [m.group(1) for a in alts if (m := _INVERTED.fullmatch(a))]
        names += list((ci.get("translations") or {}).values())
        for n in names:
            if n:
                b.name(pk, n)
        if ci.get("demonym"):
            b.demonyms.setdefault(normalize_name(ci["demonym"]), (pk, ci["demonym"]))
        if outline:
            b.outlines[pk] = ("countryinfo", outline)
    return countries


def _town_point(capital: str, towns: list[sources.City]) -> tuple[float, float] | None:
    """Return the point of a country without an outline or factbook point.

    Its capital's, else the population-weighted centre of its towns; ``None`` without
    towns. Without a point the geoparser cannot pick a country ("Kosovo" went to Serbia's
    Kosovo-Metohija).
    """
    key = normalize_name(capital)
    named = [t for t in towns if key and normalize_name(t.name) == key]
    if named:
        top = max(named, key=lambda t: t.population)
        return top.lon, top.lat
    if not towns:
        return None
    weight = sum(t.population + 1 for t in towns)
    lon = sum(t.lon * (t.population + 1) for t in towns) / weight
    lat = sum(t.lat * (t.population + 1) for t in towns) / weight
    return round(lon, 5), round(lat, 5)


def _add_continents(b: _Builder, countries: dict[str, dict[str, Any]]) -> None:
    for code, c in sorted(sources.load_continents().items()):
        pk = b.add(
            f"continent:{code}", c["name"], "continent", None, None,
            float(c["lng"]), float(c["lat"]), int(c.get("population") or 0), int(c["geonameId"]),
        )  # fmt: skip
        b.name(pk, c["name"])
        for alt in c.get("alternateNames") or []:
            b.name(pk, alt.get("name") or "")
        for cc, country in sorted(countries.items()):
            if country.get("continentcode") == code:
                b.members.append((pk, None, cc))


def build_index(cache_dir: Path, data_dir: Path, *, force: bool = False) -> Path:
    """Build the index for the current sources unless it exists; return its path.

    The base index (installed packages) is built once and shared; user additions are
    applied to a copy of it. Each file is written to a temporary name and renamed.

    Raises
    ------
    GazetteerError
        When a source or a user file cannot be read (the existing index is kept).
    """
    from tracker.gazetteer import overlay

    cache_dir.mkdir(parents=True, exist_ok=True)
    base = base_path(cache_dir)
    target = index_path(cache_dir, data_dir)
    with (cache_dir / "gazetteer.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if force or not base.exists():
            _atomic(base, _build_into)
            _cleanup(cache_dir)
        if target != base and (force or not target.exists()):

            def apply(tmp: Path) -> None:
                shutil.copyfile(base, tmp)
                overlay.apply_user_data(tmp, data_dir)

            _atomic(target, apply)
            overlay.remove_stale(cache_dir, data_dir, keep=target)
    return target


def _atomic(target: Path, write: Callable[[Path], None]) -> None:
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".gazetteer-", suffix=".tmp")
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _cleanup(cache_dir: Path) -> None:
    """Remove indexes of other source versions, and user variants unused for a day."""
    key = sources.source_key()
    now = time.time()
    for old in cache_dir.glob("gazetteer-*.sqlite"):
        parts = old.stem.split("-")
        stale = parts[1] != key or (len(parts) > 2 and now - old.stat().st_atime > 86400)
        if stale:
            with contextlib.suppress(OSError):
                old.unlink()


def _build_into(path: Path) -> None:
    t0 = time.perf_counter()
    b = _Builder()
    cities = sources.load_cities()
    _add_continents(b, _add_countries(b, cities))
    subs = sources.load_subdivisions()
    mapping = admin1_mod.infer_all(cities, subs)
    codes = [mapping.get(c.country_code, {}).get(c.gn_admin1) for c in cities]
    cov = admin1_mod.coverage(cities, subs, codes)
    logger.info("admin1 coverage %.4f of %d cities", cov.ratio, cov.cities)
    targets = {code for m in mapping.values() for code in m.values()}
    a1_cities: dict[str, list[sources.City]] = defaultdict(list)
    a1_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c, code in zip(cities, codes, strict=True):
        if code:
            a1_cities[code].append(c)
            a1_points[code].append((c.lon, c.lat))
    a1_names = {code: _city_name_set(lst) for code, lst in a1_cities.items()}
    a1_pop = {code: sum(c.population for c in lst) for code, lst in a1_cities.items()}
    _add_subdivisions(b, subs, targets, a1_pop, a1_names)
    for c, code in zip(cities, codes, strict=True):
        pk = b.add(
            f"geonames:{c.geonameid}", c.name, "city", c.country_code, code, c.lon, c.lat,
            c.population, c.geonameid,
        )  # fmt: skip
        _city_names(b, pk, c)
    b.mapping = mapping
    exonyms = sources.load_table("exonyms.json")["aliases"]
    for pid, names in exonyms.items():
        if pid in b.ids:
            own = a1_names.get(pid.removeprefix("iso3166-2:"), set())
            for n in names:
                b.name(b.ids[pid], n, core=True, demote=normalize_name(n) in own)
    _add_outlines(b, a1_points)
    _add_macro_regions(b)
    for word, pid in sources.load_table("demonyms.json")["demonyms"].items():
        if pid in b.ids:
            b.demonyms[normalize_name(word)] = (b.ids[pid], word)
    _write(path, b, cov, time.perf_counter() - t0)


_RU_TYPES = {"Administrative region": "{} Oblast", "Administrative territory": "{} Krai"}


def display_name(s: sources.Subdivision, exonyms: dict[str, list[str]]) -> str:
    """Return the English display name of a subdivision.

    The first entry of ``exonyms.json`` when there is one; for Russian oblasts and krais the
    English short name plus "Oblast"/"Krai" ("Kursk Oblast"); else the ISO name.
    """
    ex = exonyms.get(f"iso3166-2:{s.code}")
    if ex:
        return ex[0]
    if s.country_code == "RU" and s.english and s.type in _RU_TYPES:
        return _RU_TYPES[s.type].format(s.english[0])
    return s.name


def _city_name_set(cities: list[sources.City]) -> set[str]:
    """Return the names an admin1 shares with its cities (so "Khabarovsk" means the city).

    Primary names of cities with at least 1,000 people, and every name of the three
    largest (which include the capital in practice: "St. Petersburg", "Zaporizhzhia").
    """
    out = {normalize_name(c.name) for c in cities if c.population >= 1000}
    for c in sorted(cities, key=lambda c: -c.population)[:3]:
        out.update(normalize_name(a) for a in c.alternatenames)
    return out


def _add_subdivisions(
    b: _Builder,
    subs: dict[str, list[sources.Subdivision]],
    targets: set[str],
    a1_pop: dict[str, int],
    a1_names: dict[str, set[str]],
) -> None:
    exonyms = sources.load_table("exonyms.json")["aliases"]
    for cc, lst in sorted(subs.items()):
        parents = {s.code: s.parent for s in lst}
        for s in lst:
            top = s.code
            while parents.get(top) and parents[top] != top and parents[top] in parents:
                top = parents[top] or top
            kind = "admin1" if (s.code in targets or not s.parent) else "area"
            a1 = s.code if kind == "admin1" else top
            display = display_name(s, exonyms)
            pop = a1_pop.get(s.code, 0)
            pk = b.add(f"iso3166-2:{s.code}", display, kind, cc, a1, s.lon, s.lat, pop)
            city_names = a1_names.get(s.code, set())
            for alias in (display, s.name, *s.aliases):
                n = normalize_name(alias)
                b.name(pk, alias, core=True, demote=n in city_names)


def _add_outlines(b: _Builder, a1_points: dict[str, list[tuple[float, float]]]) -> None:
    for code, pts in a1_points.items():
        pk = b.ids.get(f"iso3166-2:{code}")
        if pk is not None:
            b.outlines[pk] = ("derived", regions_mod.derived_outline(pts))


def _add_macro_regions(b: _Builder) -> None:
    import shapely
    import shapely.ops

    for r in sources.load_table("macro_regions.json")["regions"]:
        a1 = list(r.get("admin1") or [])
        ccs = list(r.get("countries") or [])
        rows = [b.places[b.ids[f"iso3166-2:{c}"] - 1] for c in a1 if f"iso3166-2:{c}" in b.ids]
        rows += [b.places[b.ids[f"country:{c}"] - 1] for c in ccs if f"country:{c}" in b.ids]
        geoms = []
        for row in rows:
            o = b.outlines.get(row[0])
            if o is not None:
                g = o[1] if o[0] != "countryinfo" else shapely.geometry.shape(o[1])
                geoms.append(g if g.is_valid else shapely.make_valid(g))  # some rings cross
        outline = shapely.union_all(geoms) if geoms else None
        pop = sum(row[8] for row in rows)
        member_ccs = {row[4] for row in rows}
        cc = member_ccs.pop() if len(member_ccs) == 1 else None
        if outline is not None and not outline.is_empty:
            # The area's centre when it lies inside, else the point of the area nearest to
            # it (derived outlines leave gaps): Siberia's middle, not a point in Yakutia.
            pt = outline.centroid
            if not outline.contains(pt):
                pt = shapely.ops.nearest_points(outline, pt)[0]
            lon, lat = (pt.x - 360 if pt.x > 180 else pt.x), pt.y
        else:
            lon = sum(row[6] for row in rows) / len(rows)
            lat = sum(row[7] for row in rows) / len(rows)
        pk = b.add(f"region:{r['slug']}", r["name"], "macro_region", cc, None, lon, lat, pop)
        for n in (r["name"], *r.get("aliases", ())):
            b.name(pk, n, core=True)
        for c in a1:
            b.members.append((pk, c, None))
        for c in ccs:
            b.members.append((pk, None, c))
        if outline is not None:
            b.outlines[pk] = ("derived", outline)


def _write(path: Path, b: _Builder, cov: admin1_mod.Coverage, seconds: float) -> None:
    import shapely

    con = sqlite3.connect(path)
    try:
        con.executescript(
            "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-100000;" + SCHEMA
        )
        con.executemany("INSERT INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", b.places)
        con.executemany(
            "INSERT INTO names VALUES (?,?,?,?)",
            sorted((n, f, pk, a) for (n, f, pk), a in b.names.items()),
        )
        kinds = {row[0]: (row[3], row[8]) for row in b.places}
        sugg = {
            (n, a)
            for (n, f, pk), a in b.names.items()
            if f == FORM_EXACT and (kinds[pk][0] != "city" or kinds[pk][1] >= 1000)
        }
        con.executemany("INSERT INTO suggest VALUES (?,?)", sorted(sugg))
        con.executemany(
            "INSERT INTO grid VALUES (?,?)",
            sorted(
                {
                    (grid_cell(r[6], r[7]), r[0])
                    for r in b.places
                    if r[3] in ("city", "custom", "area") and r[6] is not None
                }
            ),
        )
        rows = []
        for pk, (src, g) in b.outlines.items():
            geom = shapely.geometry.shape(g) if isinstance(g, dict) else g
            gj = g if isinstance(g, dict) else regions_mod.to_geojson(geom)
            rows.append((pk, src, json.dumps(gj), shapely.to_wkt(geom, rounding_precision=4)))
        con.executemany("INSERT INTO outlines VALUES (?,?,?,?)", rows)
        con.executemany("INSERT INTO members VALUES (?,?,?)", b.members)
        con.executemany(
            "INSERT INTO demonyms VALUES (?,?,?)", [(n, pk, w) for n, (pk, w) in b.demonyms.items()]
        )
        con.executemany(
            "INSERT INTO gnmap VALUES (?,?,?)",
            [(cc, gn, iso) for cc, m in b.mapping.items() for gn, iso in m.items()],
        )
        con.execute("CREATE INDEX places_kind ON places(kind)")
        meta = {
            "source_key": sources.source_key(),
            "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "build_seconds": f"{seconds:.1f}",
            "places": str(len(b.places)),
            "names": str(len(b.names)),
            "admin1_coverage": f"{cov.ratio:.4f}",
            "admin1_cities": str(cov.cities),
            "admin1_covered": str(cov.covered),
        }
        con.executemany("INSERT INTO meta VALUES (?,?)", sorted(meta.items()))
        con.commit()
    except sqlite3.Error as err:
        msg = f"could not write the gazetteer index {path}: {err}"
        raise GazetteerError(msg) from err
    finally:
        con.close()
