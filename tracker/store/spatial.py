"""Backend-neutral geometry for queries: search boxes and exact refinement.

Each spatial filter becomes one or two conservative lon/lat boxes (two when it crosses
the antimeridian) that an index can probe, plus an exact test run on the candidates:
geodesic distance on WGS84 (``pyproj.Geod``) for ``--within``, point-in-polygon
(``shapely``) for polygons and region outlines. numpy, pyproj and shapely are imported
lazily, only when a query needs them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from tracker.errors import ValidationError

Box = tuple[float, float, float, float]  # W, S, E, N with W <= E
WORLD: Box = (-180.0, -90.0, 180.0, 90.0)
# A radius smaller than any WGS84 radius of curvature, so the angular envelope is wide enough.
_R_MIN = 6_300_000.0
_PAD_DEG = 0.25  # covers geodetic vs geocentric latitude and float noise
_R_MEAN = 6_371_008.8  # metres, the IUGG mean earth radius
_SPHERE_ERR = 0.01  # relative margin around it, twice the largest sphere vs WGS84 error


def split_bbox(bbox: Sequence[float]) -> list[Box]:
    """Return ``bbox`` (W, S, E, N) as boxes with W <= E; W > E crosses the antimeridian.

    Raises :class:`ValidationError` for out-of-range values or S > N.
    """
    if len(bbox) != 4:
        msg = f"bbox needs 4 numbers W,S,E,N; got {len(bbox)}"
        raise ValidationError(msg, problems=[msg])
    w, s, e, n = (float(v) for v in bbox)
    bad = [
        f"{name}={v}"
        for name, v, lim in (("W", w, 180), ("E", e, 180), ("S", s, 90), ("N", n, 90))
        if not (math.isfinite(v) and -lim <= v <= lim)
    ]
    if bad:
        msg = f"bbox out of range ({', '.join(bad)}): lon -180..180, lat -90..90"
        raise ValidationError(msg, problems=[msg])
    if s > n:
        msg = f"bbox south {s} is north of north {n}: give W,S,E,N"
        raise ValidationError(msg, problems=[msg])
    if w <= e:
        return [(w, s, e, n)]
    return [(w, s, 180.0, n), (-180.0, s, e, n)]


def radius_boxes(lon: float, lat: float, radius_m: float) -> list[Box]:
    """Return boxes that surely contain every point within ``radius_m`` (geodesic) of a point.

    Uses the spherical bounding box of a circle with a radius smaller than the earth's,
    padded, so it over-covers the WGS84 circle; splits at the antimeridian and opens to
    all longitudes when the circle reaches a pole.
    """
    if radius_m < 0 or not math.isfinite(radius_m):
        msg = f"radius {radius_m!r} must be a finite distance >= 0"
        raise ValidationError(msg, problems=[msg])
    ang = radius_m / _R_MIN
    if ang >= math.pi / 2:
        return [WORLD]
    dlat = math.degrees(ang) + _PAD_DEG
    south, north = lat - dlat, lat + dlat
    if north >= 90 or south <= -90:
        return [(-180.0, max(south, -90.0), 180.0, min(north, 90.0))]
    cos_lat = math.cos(math.radians(lat))
    if math.sin(ang) >= cos_lat:
        return [(-180.0, south, 180.0, north)]
    dlon = math.degrees(math.asin(math.sin(ang) / cos_lat)) * 1.01 + _PAD_DEG / cos_lat
    if dlon >= 180:
        return [(-180.0, south, 180.0, north)]
    w, e = lon - dlon, lon + dlon
    if w < -180:
        return [(w + 360, south, 180.0, north), (-180.0, south, e, north)]
    if e > 180:
        return [(w, south, 180.0, north), (-180.0, south, e - 360, north)]
    return [(w, south, e, north)]


def within_radius(
    lons: Sequence[float], lats: Sequence[float], lon: float, lat: float, radius_m: float
) -> list[bool]:
    """Return, per point, whether its WGS84 geodesic distance to (lon, lat) is <= radius."""
    if not len(lons):
        return []
    import numpy as np
    from pyproj import Geod

    x = np.asarray(lons, dtype=float)
    y = np.asarray(lats, dtype=float)
    # A sphere of the mean radius is within 1 % of WGS84 geodesic distances (the error is
    # at most about 0.56 %): points clearly inside or outside are decided by the haversine
    # formula, and only those near the circle by the exact geodesic.
    p1, p2 = np.radians(lat), np.radians(y)
    h = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(x - lon) / 2) ** 2
    approx = 2 * _R_MEAN * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))
    keep = approx <= radius_m * (1 - _SPHERE_ERR)
    near = np.nonzero(~keep & (approx <= radius_m * (1 + _SPHERE_ERR) + 1.0))[0]
    if near.size:
        _, _, dist = Geod(ellps="WGS84").inv(
            np.full(near.size, lon), np.full(near.size, lat), x[near], y[near]
        )
        keep[near] = np.asarray(dist) <= radius_m
    return keep.tolist()


def polygon_from_wkt(wkt: str) -> Any:
    """Return a prepared shapely geometry from WKT, or raise :class:`ValidationError`."""
    import shapely
    from shapely.errors import GEOSException

    try:
        geom = shapely.from_wkt(wkt)
    except (GEOSException, ValueError) as err:
        msg = f"polygon is not valid WKT: {err}"
        raise ValidationError(msg, problems=[msg]) from err
    if geom is None or geom.is_empty or geom.geom_type not in ("Polygon", "MultiPolygon"):
        msg = "polygon must be a non-empty Polygon or MultiPolygon"
        raise ValidationError(msg, problems=[msg])
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    shapely.prepare(geom)
    return geom


def polygon_boxes(geom: Any) -> list[Box]:
    """Return the bounding box(es) of a shapely geometry.

    An outline drawn with longitudes beyond 180 (e.g. Chukotka to 190°) also gets the
    box of that part shifted to -180..E-360.
    """
    w, s, e, n = (float(v) for v in geom.bounds)
    s, n = max(s, -90.0), min(n, 90.0)
    boxes = [(max(w, -180.0), s, min(e, 180.0), n)]
    if e > 180:
        boxes.append((max(-180.0, w - 360), s, min(180.0, e - 360), n))
    if w < -180:
        boxes.append((max(-180.0, w + 360), s, min(180.0, e + 360), n))
    return boxes


def inside_polygon(geom: Any, lons: Sequence[float], lats: Sequence[float]) -> list[bool]:
    """Return, per point, whether it lies inside or on the boundary of ``geom``.

    Points are also tried at lon +/- 360 when the geometry extends past +/-180.
    """
    if not len(lons):
        return []
    import numpy as np
    import shapely

    x = np.asarray(lons, float)
    y = np.asarray(lats, float)
    mask = np.asarray(shapely.intersects_xy(geom, x, y))
    w, _, e, _ = geom.bounds
    if e > 180:
        mask = mask | np.asarray(shapely.intersects_xy(geom, x + 360, y))
    if w < -180:
        mask = mask | np.asarray(shapely.intersects_xy(geom, x - 360, y))
    return [bool(v) for v in mask]


def boxes_overlap(a: Sequence[Box], b: Sequence[Box]) -> list[Box]:
    """Return the pairwise intersections of two box lists (empty when disjoint)."""
    out = []
    for w1, s1, e1, n1 in a:
        for w2, s2, e2, n2 in b:
            w, s, e, n = max(w1, w2), max(s1, s2), min(e1, e2), min(n1, n2)
            if w <= e and s <= n:
                out.append((w, s, e, n))
    return out
