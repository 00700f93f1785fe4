"""Which country and admin1 area contain a point: the outlines of one index as R-trees.

Used by :meth:`tracker.gazetteer.Gazetteer.reverse`. Outlines are loaded once per open
index (about 3,500 admin1 and 250 country polygons, about 0.2 s) the first time a point is
asked about. Imports: stdlib, shapely (lazily, on first use).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

# Outline sources, best first: a real boundary the user imported beats a derived outline.
SOURCE_RANK = {"boundary": 0, "countryinfo": 1, "derived": 2}


@dataclass(frozen=True, slots=True)
class Containing:
    """An area whose outline holds a point."""

    place_id: str
    country_code: str | None
    source: str  # "boundary" (imported), "derived" (from the area's places), "countryinfo"
    depth: float  # how far inside the outline the point lies, in degrees (for ranking)


class _Tree:
    def __init__(self, rows: list[Any]) -> None:
        import shapely

        self.rows = rows
        self.geoms = shapely.from_wkt([r[3] for r in rows])
        self.tree = shapely.STRtree(self.geoms)

    def containing(self, lon: float, lat: float) -> list[Containing]:
        import shapely

        out: list[Containing] = []
        # Outlines crossing the antimeridian (Chukotka) keep longitudes above 180.
        for x in (lon, lon + 360.0) if lon < 0 else (lon,):
            pt = shapely.Point(x, lat)
            for i in self.tree.query(pt, predicate="within"):
                pid, cc, source, _ = self.rows[i]
                depth = float(self.geoms[i].boundary.distance(pt))
                out.append(Containing(pid, cc, source, depth))
        out.sort(key=lambda c: (SOURCE_RANK.get(c.source, 3), -c.depth, c.place_id))
        return out


class AdminOutlines:
    """R-trees of the country and admin1 outlines of one index."""

    def __init__(self, con: sqlite3.Connection) -> None:
        sql = (
            "SELECT p.id, p.country_code, o.source, o.wkt FROM outlines o "
            "JOIN places p ON p.pk = o.pk WHERE p.kind = ? ORDER BY p.id"
        )
        self._admin1 = _Tree(con.execute(sql, ("admin1",)).fetchall())
        self._country = _Tree(con.execute(sql, ("country",)).fetchall())

    def country(self, lon: float, lat: float) -> Containing | None:
        """Return the country whose outline holds the point (the deepest inside), if any."""
        hits = self._country.containing(lon, lat)
        return hits[0] if hits else None

    def admin1(
        self, lon: float, lat: float, country_code: str | None, *, nearest: str | None = None
    ) -> Containing | None:
        """Return the admin1 area whose outline holds the point, if any.

        Only areas of ``country_code`` count when it is given (derived outlines of a
        neighbour's areas can reach over a border). Best: an imported boundary; else, when
        derived outlines overlap, the one of ``nearest`` (the place id of the nearest
        place's admin1) if it is among them, else the one the point lies deepest inside.
        """
        hits = [
            h
            for h in self._admin1.containing(lon, lat)
            if country_code is None or h.country_code == country_code
        ]
        if not hits or hits[0].source == "boundary":
            return hits[0] if hits else None
        return next((h for h in hits if h.place_id == nearest), hits[0])
