"""Region extents: outlines derived from member places, and how well they fit.

An admin1 outline is the concave hull of its own cities (shapely), slightly buffered so
cities on the hull count as inside; a macro-region's outline is the union of its members';
a country's outline is countryinfo's. Imported boundaries (``tracker regions import``)
replace derived outlines. :func:`measure_outlines` reports, per region, the share of its
own places inside its outline and the share of the places inside it that belong to other
regions; :func:`mainland_point` is where a country is drawn. Imports: stdlib, numpy,
shapely, pyproj (build/benchmark time only, imported lazily).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

HULL_RATIO = 0.2
BUFFER_DEG = 0.05
POINT_BUFFER_DEG = 0.15


def unwrap_lons(lons: Sequence[float]) -> list[float]:
    """Shift negative longitudes by 360 when the points straddle the antimeridian."""
    if lons and max(lons) > 150 and min(lons) < -150:
        return [x + 360.0 if x < 0 else x for x in lons]
    return list(lons)


def derived_outline(points: Sequence[tuple[float, float]]) -> Any:
    """Return a shapely geometry around ``(lon, lat)`` points (concave hull, buffered)."""
    import shapely

    lons = unwrap_lons([p[0] for p in points])
    mp = shapely.MultiPoint([(x, y) for x, (_, y) in zip(lons, points, strict=True)])
    if len(points) < 3:
        return mp.buffer(POINT_BUFFER_DEG, quad_segs=4)
    hull = shapely.concave_hull(mp, ratio=HULL_RATIO)
    return shapely.make_valid(hull.buffer(BUFFER_DEG, quad_segs=2)).simplify(0.01)


def to_geojson(geom: Any) -> dict[str, Any]:
    """Return a shapely geometry as a GeoJSON geometry dict (rounded to 1e-4 degree)."""
    import shapely

    out: dict[str, Any] = shapely.geometry.mapping(shapely.set_precision(geom, 1e-4))
    return _lists(out)


def _lists(o: Any) -> Any:
    if isinstance(o, dict):
        return {k: _lists(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_lists(v) for v in o]
    return o


@dataclass(frozen=True, slots=True)
class OutlineFit:
    """Median fit of derived outlines over regions with at least ``min_places`` places."""

    regions: int
    median_own_inside: float
    median_other_share: float
    p90_other_share: float


def measure_outlines(
    places: Iterable[tuple[str, float, float]],
    outlines: dict[str, Any],
    *,
    min_places: int = 3,
) -> OutlineFit:
    """Measure how well outlines fit their places.

    Parameters
    ----------
    places
        ``(region_code, lon, lat)`` for every place with a region.
    outlines
        ``{region_code: shapely geometry}``.
    min_places
        Regions with fewer places are not measured.

    Returns
    -------
    OutlineFit
        Medians over regions of (own places inside / own places) and (places inside that
        belong to another region / places inside).
    """
    import numpy as np
    import shapely

    rows = list(places)
    codes = np.array([r[0] for r in rows])
    lon = np.array([r[1] for r in rows], dtype=float)
    lat = np.array([r[2] for r in rows], dtype=float)
    by_code: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(codes):
        by_code[str(c)].append(i)
    own_fracs = []
    other_fracs = []
    for code, geom in outlines.items():
        idx = by_code.get(code, [])
        if len(idx) < min_places or geom is None or geom.is_empty:
            continue
        minx, miny, maxx, maxy = geom.bounds
        x = lon.copy()
        if maxx > 180:
            x = np.where(x < 0, x + 360.0, x)
        box = (x >= minx) & (x <= maxx) & (lat >= miny) & (lat <= maxy)
        sel = np.nonzero(box)[0]
        inside = sel[shapely.contains_xy(geom, x[sel], lat[sel])]
        own = codes[inside] == code
        own_fracs.append(float(own.sum()) / len(idx))
        other_fracs.append(float((~own).sum()) / max(1, len(inside)))
    if not own_fracs:
        return OutlineFit(0, math.nan, math.nan, math.nan)
    return OutlineFit(
        regions=len(own_fracs),
        median_own_inside=float(np.median(own_fracs)),
        median_other_share=float(np.median(other_fracs)),
        p90_other_share=float(np.percentile(other_fracs, 90)),
    )


def mainland_point(geometry: dict[str, Any]) -> tuple[float, float] | None:
    """Return the ``(lon, lat)`` centre of a GeoJSON outline's largest part.

    The centre is the area centroid in an equal-area projection (EPSG:6933) of the largest
    polygon, so islands and exclaves do not pull it away; if that centroid falls outside
    the polygon (a crescent-shaped country), the polygon's pole of inaccessibility.
    ``None`` for an outline without polygons. Rounded to 1e-5 degree (about a metre).
    """
    import numpy as np
    import shapely
    from shapely.geometry import shape
    from shapely.ops import polylabel

    geom = shape(geometry)
    parts = [p for p in getattr(geom, "geoms", [geom]) if p.geom_type == "Polygon"]
    if not parts:
        return None
    to_area = _transformer(4326, 6933)
    projected = [
        shapely.transform(p, lambda xy: np.column_stack(to_area.transform(*xy.T))) for p in parts
    ]
    big = max(projected, key=lambda p: p.area)
    centre = big.centroid
    if not big.contains(centre):
        centre = polylabel(big, tolerance=1000.0)  # metres
    lon, lat = _transformer(6933, 4326).transform(centre.x, centre.y)
    return round(float(lon), 5), round(float(lat), 5)


@cache
def _transformer(src: int, dst: int) -> Any:
    from pyproj import Transformer

    return Transformer.from_crs(src, dst, always_xy=True)
