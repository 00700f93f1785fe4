"""Apply the user's additions to a copy of the base index.

Custom places, imported GeoNames dumps and imported boundaries are written into a copy of
the shared base index (see :func:`tracker.gazetteer.build.build_index`), so adding one
place costs a file copy and a few inserts rather than a full rebuild. Imports: stdlib,
shapely (lazily, for boundaries).
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from tracker.errors import GazetteerError
from tracker.gazetteer import userdata
from tracker.gazetteer.build import (
    FORM_EXACT,
    KIND_PROMINENCE,
    city_prominence,
    grid_cell,
    name_keys,
)
from tracker.gazetteer.normalize import normalize_name
from tracker.gazetteer.sources import City

_CODE_LIKE = re.compile(r"[A-Z0-9]{2,4}")


class _Overlay:
    def __init__(self, con: sqlite3.Connection) -> None:
        self.con = con
        self.next_pk = 1 + (con.execute("SELECT max(pk) FROM places").fetchone()[0] or 0)
        self.gnmap = {
            (cc, gn): iso for cc, gn, iso in con.execute("SELECT * FROM gnmap").fetchall()
        }

    def pk_of(self, pid: str) -> int | None:
        row = self.con.execute("SELECT pk FROM places WHERE id = ?", (pid,)).fetchone()
        return int(row[0]) if row else None

    def place(
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
        pk = self.pk_of(pid)
        if pk is None:
            pk = self.next_pk
            self.next_pk += 1
        else:
            self.con.execute("DELETE FROM grid WHERE pk = ?", (pk,))
        self.con.execute(
            "INSERT OR REPLACE INTO places VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (pk, pid, name, kind, cc, a1, lon, lat, pop, gid, fc, prom),
        )
        if lon is not None and lat is not None and kind in ("city", "custom", "area"):
            self.con.execute("INSERT OR IGNORE INTO grid VALUES (?,?)", (grid_cell(lon, lat), pk))
        return pk

    def names(self, pk: int, aliases: Iterable[str], *, core: bool = False) -> None:
        rows = [(n, f, pk, a) for alias in aliases for n, f, a in name_keys(alias, core=core)]
        self.con.executemany("INSERT OR IGNORE INTO names VALUES (?,?,?,?)", rows)
        self.con.executemany(
            "INSERT OR IGNORE INTO suggest VALUES (?,?)",
            [(n, a) for n, f, _, a in rows if f == FORM_EXACT],
        )

    def outline(self, pk: int, geom: Any, source: str) -> None:
        import shapely

        from tracker.gazetteer.regions import to_geojson

        self.con.execute(
            "INSERT OR REPLACE INTO outlines VALUES (?,?,?,?)",
            (pk, source, json.dumps(to_geojson(geom)), shapely.to_wkt(geom, rounding_precision=4)),
        )

    def nearest_admin1(
        self, lon: float, lat: float, cc: str | None
    ) -> tuple[str | None, str | None]:
        best: tuple[float, str | None, str | None] | None = None
        ci, cj = math.floor(lat) + 90, math.floor(lon) + 180
        cells = [(ci + di) * 360 + (cj + dj) % 360 for di in (-1, 0, 1) for dj in (-1, 0, 1)]
        q = ",".join("?" * len(cells))
        for plon, plat, pcc, pa1 in self.con.execute(
            "SELECT p.lon, p.lat, p.country_code, p.admin1_code FROM grid g "
            f"JOIN places p ON p.pk = g.pk WHERE g.cell IN ({q}) AND p.kind = 'city'",
            cells,
        ):
            d = (plon - lon) ** 2 * math.cos(math.radians(lat)) ** 2 + (plat - lat) ** 2
            if best is None or d < best[0]:
                best = (d, pcc, pa1)
        if best is None:
            return cc, None
        if cc and best[1] != cc:
            return cc, None
        return best[1], best[2]


def _dump_row(ov: _Overlay, r: City) -> None:
    code = ov.gnmap.get((r.country_code, r.gn_admin1))
    names = [r.name] + [a for a in r.alternatenames if not _CODE_LIKE.fullmatch(a)]
    # A dump's ADM1 and country rows add their names to the existing area and replace its
    # representative point with GeoNames' own.
    if r.feature_code == "ADM1" and code:
        pk = ov.pk_of(f"iso3166-2:{code}")
        if pk is not None:
            ov.names(pk, names, core=True)
            ov.con.execute("UPDATE places SET lon = ?, lat = ? WHERE pk = ?", (r.lon, r.lat, pk))
            return
    if r.feature_code in ("PCLI", "PCLD", "PCLS", "PCLF"):
        pk = ov.pk_of(f"country:{r.country_code}")
        if pk is not None:
            ov.names(pk, names)
            ov.con.execute("UPDATE places SET lon = ?, lat = ? WHERE pk = ?", (r.lon, r.lat, pk))
            return
    if r.feature_code == "ADM1H":  # historical first-level division: names only
        pk = ov.pk_of(f"iso3166-2:{code}") if code else None
        if pk is not None:
            ov.names(pk, names, core=True)
            return
    kind = "city" if r.feature_class == "P" else "area"
    pk = ov.place(
        f"geonames:{r.geonameid}", r.name, kind, r.country_code or None, code, r.lon, r.lat,
        r.population, r.geonameid, r.feature_code,
    )  # fmt: skip
    ov.names(pk, names)


def _boundary(ov: _Overlay, f: dict[str, Any]) -> None:
    import shapely

    geom = shapely.make_valid(shapely.geometry.shape(f["geometry"]))
    code = f.get("code")
    pk = ov.pk_of(f"iso3166-2:{code}") if code else None
    if pk is not None:
        ov.outline(pk, geom, "boundary")
        return
    name = f.get("name")
    if not name:
        return
    slug = re.sub(r"[^a-z0-9]+", "-", normalize_name(name)).strip("-") or "area"
    pt = geom.point_on_surface()
    cc, _ = ov.nearest_admin1(pt.x, pt.y, None)
    pk = ov.place(f"boundary:{slug}", name, "area", cc, None, pt.x, pt.y)
    ov.names(pk, [name], core=True)
    ov.outline(pk, geom, "boundary")


def _refresh_macro_outlines(ov: _Overlay) -> None:
    """Rebuild macro-region outlines from their members once some members have real ones."""
    import shapely

    rows = ov.con.execute(
        "SELECT m.pk, o.source, o.wkt FROM members m "
        "JOIN places a ON a.id = 'iso3166-2:' || m.admin1_code "
        "JOIN outlines o ON o.pk = a.pk"
    ).fetchall()
    by_region: dict[int, list[tuple[str, str]]] = {}
    for pk, source, wkt in rows:
        by_region.setdefault(pk, []).append((source, wkt))
    for pk, parts in by_region.items():
        if any(src == "boundary" for src, _ in parts):
            union = shapely.union_all([shapely.from_wkt(w) for _, w in parts])
            ov.outline(pk, union, "boundary")


def remove_stale(cache_dir: Path, data_dir: Path, *, keep: Path) -> list[Path]:
    """Delete user-variant indexes made for ``data_dir`` or for data dirs that are gone.

    Each variant records its data dir in ``meta``; the base index and ``keep`` stay.
    Returns the removed paths.
    """
    removed = []
    for path in cache_dir.glob("gazetteer-*-*.sqlite"):
        if path == keep:
            continue
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                row = con.execute("SELECT value FROM meta WHERE key = 'user_data'").fetchone()
            finally:
                con.close()
        except sqlite3.Error:
            continue
        owner = Path(row[0]) if row else None
        if owner is not None and (owner == data_dir or not owner.exists()):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def apply_user_data(path: Path, data_dir: Path) -> None:
    """Write the user's custom places, dumps and boundaries into the index at ``path``.

    Raises
    ------
    GazetteerError
        A user file is unreadable (nothing is renamed into place then).
    """
    con = sqlite3.connect(path)
    try:
        ov = _Overlay(con)
        with con:
            for dump in userdata.dump_paths(data_dir):
                for row in userdata.iter_dump(dump):
                    _dump_row(ov, row)
            for p in userdata.read_custom_places(data_dir):
                cc, a1 = ov.nearest_admin1(p["lon"], p["lat"], p.get("country_code"))
                pk = ov.place(f"custom:{p['n']}", p["name"], "custom", cc, a1, p["lon"], p["lat"])
                ov.names(pk, [p["name"], *(p.get("aliases") or [])])
            boundaries = userdata.read_boundaries(data_dir)
            for f in boundaries:
                _boundary(ov, f)
            if boundaries:
                _refresh_macro_outlines(ov)
            con.execute(
                "INSERT OR REPLACE INTO meta VALUES ('places', ?)",
                (str(con.execute("SELECT count(*) FROM places").fetchone()[0]),),
            )
            con.execute("INSERT OR REPLACE INTO meta VALUES ('user_data', ?)", (str(data_dir),))
    except (sqlite3.Error, KeyError, TypeError, ValueError) as err:
        msg = f"could not apply the user additions in {data_dir}: {err}"
        raise GazetteerError(msg) from err
    finally:
        con.close()
