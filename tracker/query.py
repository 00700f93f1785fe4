"""Turn command-line filter options into an :class:`~tracker.model.EventFilter`.

Dates go through :func:`tracker.dates.parse_date_arg` (``--from 2024-10`` starts on
1 October, ``--to 2024-10`` ends on 31 October); ``--region`` resolves through
``Gazetteer.region()`` and ``--near`` through ``Gazetteer.resolve()``. The gazetteer is
imported only when one of those is used, so a plain ``tracker query`` stays light.
Imports: stdlib, tracker.model/errors/dates; tracker.gazetteer and shapely lazily.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tracker.errors import ValidationError
from tracker.model import EventFilter, Place

_DIST_RE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*(km|m|mi)?\s*$", re.IGNORECASE)
_UNIT_M = {"km": 1000.0, "m": 1.0, "mi": 1609.344}
_NUM = r"-?(?:[0-9]+\.?[0-9]*|\.[0-9]+)"
_LONLAT_RE = re.compile(rf"^\s*({_NUM})\s*,\s*({_NUM})\s*$")


def _fail(msg: str) -> ValidationError:
    return ValidationError(msg, problems=[msg])


def parse_distance(text: str) -> float:
    """Return a distance in metres from ``300km``, ``300 km``, ``800m``, ``50mi`` or ``300`` (km).

    Examples
    --------
    >>> parse_distance("300km"), parse_distance("2.5 mi"), parse_distance("40")
    (300000.0, 4023.36, 40000.0)
    """
    m = _DIST_RE.match(text or "")
    if not m:
        raise _fail(f"--within {text!r}: give a distance like 300km, 800m or 50mi (bare = km)")
    value = float(m.group(1))
    unit = (m.group(2) or "km").lower()
    metres = round(value * _UNIT_M[unit], 6)
    if not math.isfinite(metres):
        raise _fail(f"--within {text[:40]!r}: the distance is too large; give e.g. 300km")
    return metres


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """Return ``(W, S, E, N)`` from ``"W,S,E,N"`` (W > E crosses the antimeridian)."""
    parts = [p.strip() for p in (text or "").split(",")]
    try:
        vals = [float(p) for p in parts]
    except ValueError:
        vals = []
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
        raise _fail(f"--bbox {text!r}: give four numbers W,S,E,N, e.g. --bbox 30,44,60,56")
    w, s, e, n = vals
    if not (-180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= 90 and -90 <= n <= 90):
        raise _fail(f"--bbox {text!r}: longitudes must be -180..180 and latitudes -90..90")
    if s > n:
        raise _fail(f"--bbox {text!r}: south {s} is north of north {n}; the order is W,S,E,N")
    return (w, s, e, n)


def load_polygon(path: str | Path) -> str:
    """Return the WKT of the (multi)polygon(s) in a GeoJSON file (geometry, Feature or collection).

    Raises :class:`ValidationError` when the file is missing, not JSON, or has no polygon.
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise _fail(f"--polygon {path}: file not found") from err
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise _fail(f"--polygon {path}: not a readable GeoJSON file ({err})") from err
    geoms = _polygon_geometries(data)
    if not geoms:
        raise _fail(f"--polygon {path}: no Polygon or MultiPolygon found in the GeoJSON")
    if not all(_finite_coords(g.get("coordinates")) for g in geoms):
        raise _fail(f"--polygon {path}: coordinates must be finite numbers (no NaN or Infinity)")
    import shapely
    from shapely.errors import GEOSException

    try:
        shapes = [shapely.geometry.shape(g) for g in geoms]
        merged = shapely.union_all(shapes) if len(shapes) > 1 else shapes[0]
    except (GEOSException, ValueError, TypeError, KeyError, IndexError) as err:
        raise _fail(f"--polygon {path}: invalid polygon coordinates ({err})") from err
    return str(merged.wkt)


def _finite_coords(value: Any) -> bool:
    """Return False when a coordinate array holds NaN or an infinity (JSON allows both)."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, list):
        return all(_finite_coords(v) for v in value)
    return True


def _polygon_geometries(data: Any) -> list[dict[str, Any]]:
    if not isinstance(data, dict):
        return []
    kind = data.get("type")
    if kind in ("Polygon", "MultiPolygon"):
        return [data]
    if kind == "Feature":
        return _polygon_geometries(data.get("geometry"))
    if kind == "FeatureCollection":
        out: list[dict[str, Any]] = []
        for f in data.get("features") or []:
            out += _polygon_geometries(f)
        return out
    if kind == "GeometryCollection":
        out = []
        for g in data.get("geometries") or []:
            out += _polygon_geometries(g)
        return out
    return []


def split_list(values: str | Sequence[str] | None) -> tuple[str, ...]:
    """Return a tuple from comma lists, possibly given several times (``a,b`` ``c``)."""
    if not values:
        return ()
    items = [values] if isinstance(values, str) else list(values)
    out: list[str] = []
    for item in items:
        out += [v.strip() for v in item.split(",") if v.strip()]
    return tuple(out)


def resolve_near(
    name: str, *, country: str | None = None, gazetteer: Any = None
) -> tuple[float, float, str]:
    """Return ``(lon, lat, label)`` for ``--near``: ``lon,lat`` or a gazetteer place name."""
    m = _LONLAT_RE.match(name)
    if m:
        lon, lat = float(m.group(1)), float(m.group(2))
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise _fail(f"--near {name!r}: lon must be -180..180 and lat -90..90 (lon,lat)")
        return lon, lat, f"{lon},{lat}"
    gz = gazetteer if gazetteer is not None else open_gazetteer()
    place: Place = gz.resolve(name, country=country)
    if place.lon is None or place.lat is None:
        raise _fail(f"--near {name!r}: {place.name} has no coordinates; pick another place")
    return place.lon, place.lat, place.name


def open_gazetteer(store: str | None = None) -> Any:
    """Open the gazetteer (imported here, lazily, to keep the plain query path light).

    With a ``postgresql://`` store location, the team's custom places kept in that server
    take part too (read once, only here: when a place name needs resolving).
    """
    from tracker.gazetteer import Gazetteer

    gz = Gazetteer.open()
    if store:
        from tracker.store import is_url, open_store

        if is_url(str(store)):
            st = open_store(str(store))
            try:
                gz.add_places(team_places(st))
            finally:
                st.close()
    return gz


def team_places(store: Any) -> list[tuple[Place, list[str]]]:
    """Return a store's shared custom places with their aliases (none for a file store)."""
    lister = getattr(store, "list_custom_places", None)
    if lister is None:
        return []
    aliases = store.custom_place_aliases()
    return [(p, aliases.get(p.id, [])) for p in lister()]


def build_filter(
    *,
    date_from: str | None = None,
    date_to: str | None = None,
    region: str | None = None,
    near: str | None = None,
    within: str | None = None,
    bbox: str | None = None,
    polygon: str | None = None,
    status: str | Sequence[str] | None = None,
    event_type: str | Sequence[str] | None = None,
    role: str | Sequence[str] | None = None,
    actor: str | None = None,
    claimed_by: str | None = None,
    source: str | None = None,
    review_state: str | Sequence[str] | None = None,
    tag: str | Sequence[str] | None = None,
    country: str | None = None,
    limit: int | None = None,
    include_deleted: bool = False,
    gazetteer: Any = None,
    gazetteer_factory: Callable[[], Any] | None = None,
) -> EventFilter:
    """Return the :class:`EventFilter` for command-line style options (all AND-ed).

    Raises
    ------
    ValidationError
        Bad dates (:class:`~tracker.errors.DateError`), distances, boxes, polygons, or
        ``--near`` without ``--within`` (and the other way round).
    GazetteerError
        ``--region``/``--near`` names an unknown or ambiguous place.
    """
    from tracker.dates import parse_date_arg

    d0 = parse_date_arg(date_from).start if date_from else None
    d1 = parse_date_arg(date_to).end if date_to else None
    if d0 is not None and d1 is not None and d0 > d1:
        raise _fail(f"--from {date_from} is after --to {date_to}; swap them")
    gz = gazetteer

    def get_gz() -> Any:
        nonlocal gz
        if gz is None:
            gz = gazetteer_factory() if gazetteer_factory else open_gazetteer()
        return gz

    near_t = None
    if near and not within:
        raise _fail("--near needs --within DISTANCE, e.g. --near Vladivostok --within 300km")
    if within and not near:
        raise _fail("--within needs --near PLACE (or --near LON,LAT)")
    if near and within:
        lon, lat, _ = resolve_near(
            near, country=country, gazetteer=get_gz() if not _LONLAT_RE.match(near) else None
        )
        near_t = (lon, lat, parse_distance(within))
    region_f = get_gz().region(region) if region else None
    if limit is not None and limit < 0:
        raise _fail(f"--limit {limit} must be 0 or more")
    return EventFilter(
        date_from=d0,
        date_to=d1,
        region=region_f,
        bbox=parse_bbox(bbox) if bbox else None,
        polygon_wkt=load_polygon(polygon) if polygon else None,
        near=near_t,
        statuses=split_list(status),
        event_types=split_list(event_type),
        roles=split_list(role),
        review_states=split_list(review_state),
        actor=actor or None,
        claimed_by=claimed_by or None,
        source=source or None,
        tags=split_list(tag),
        include_deleted=include_deleted,
        limit=limit,
    )
