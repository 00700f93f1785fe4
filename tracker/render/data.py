"""Encode event records into the compact columnar payload the map's JavaScript reads.

One JSON object of parallel arrays (one entry per event), repeated strings dictionary-coded,
coordinates as integers (1e-5 degrees), dates as day numbers from the earliest date, then
gzip + base64 so it sits in the HTML as one inert string (no HTML or JS parsing of report
text ever happens: the browser decodes it with ``DecompressionStream`` and ``JSON.parse``).
Imports: stdlib and tracker.model only.
"""

from __future__ import annotations

import base64
import gzip
import json
import sys
from array import array
from collections.abc import Mapping, Sequence
from datetime import date
from operator import attrgetter
from typing import Any

from tracker.model import DATE_PRECISIONS, REVIEW_STATES, ROLES, STATUSES, Event, Link

# geo precisions known only to an area: drawn as that area, never as a pin
AREA_PRECISIONS = ("admin2", "admin1", "macro_region", "country")
# geometry kinds in the payload ("g" column)
G_NONE, G_POINT, G_AREA, G_APPROX = 0, 1, 2, 3
_ROLE_RANK = {"origin": 0, "transit": 1, "location": 2, "destination": 3, "related": 4}
_MAX_ARROWS_PER_GROUP = 4


def _attr(obj: Any, name: str) -> Any:
    """Read ``name`` from a Report-like object or mapping (``None`` when absent)."""
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _round_coords(geom: Any, nd: int = 4) -> Any:
    if isinstance(geom, list | tuple):
        if geom and isinstance(geom[0], int | float):
            return [round(float(v), nd) for v in geom]
        return [_round_coords(g, nd) for g in geom]
    return geom


def _lon_range(poly: Any) -> tuple[float, float]:
    lons = [float(pt[0]) for ring in poly for pt in ring]
    return min(lons), max(lons)


def _unwrap_antimeridian(polys: list[Any]) -> list[Any]:
    """Move the parts of a shape cut at 180 degrees east of it (lon + 360).

    Country outlines (Russia's Chukotka, Fiji) come cut at the antimeridian, with pieces at
    -180..-170. Left as they are, the map's extent spans the whole world (every map with a
    Russia-level event opened zoomed out to the globe) and the pieces sit at the far left.
    The gazetteer's own region outlines already keep such longitudes above 180.
    """
    ranges = [_lon_range(p) for p in polys if p and p[0]]
    if len(ranges) != len(polys):
        return polys
    touches_east = any(hi >= 179.5 for _, hi in ranges)
    touches_west = any(lo <= -179.5 for lo, _ in ranges)
    if not (touches_east and touches_west):
        return polys
    return [
        [[[float(pt[0]) + 360.0, *pt[1:]] for pt in ring] for ring in poly] if hi <= -90 else poly
        for poly, (_, hi) in zip(polys, ranges, strict=True)
    ]


def _clean_geometry(geom: Mapping[str, Any]) -> dict[str, Any] | None:
    """Keep a Polygon/MultiPolygon (coordinates rounded); anything else is ignored.

    A MultiPolygon cut at the antimeridian is unwrapped into one piece (see
    :func:`_unwrap_antimeridian`).
    """
    kind = geom.get("type")
    coords = geom.get("coordinates")
    if kind not in ("Polygon", "MultiPolygon") or not coords:
        return None
    if kind == "MultiPolygon":
        coords = _unwrap_antimeridian(list(coords))
    return {"type": kind, "coordinates": _round_coords(coords)}


def _groups(events: Sequence[Event], links: Sequence[Link]) -> list[int]:
    """Return a group number per event (-1 alone) from the active links (union-find)."""
    pos = {e.id: i for i, e in enumerate(events)}
    parent = list(range(len(events)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    linked: set[int] = set()
    for ln in links:
        a, b = pos.get(ln.event_a), pos.get(ln.event_b)
        if not ln.active or a is None or b is None or a == b:
            continue
        parent[find(a)] = find(b)
        linked.update((a, b))
    roots: dict[int, int] = {}
    out = [-1] * len(events)
    for i in sorted(linked):
        out[i] = roots.setdefault(find(i), len(roots))
    return out


def _moves(events: Sequence[Event], placed: list[bool]) -> list[list[int]]:
    """Return origin -> transit... -> destination index chains (one movement each).

    Events of one report, actor and event type that have origin and destination roles
    describe one movement; transits (in date order) sit between them.
    """
    by_key: dict[tuple[str, str, str], dict[str, list[int]]] = {}
    for i, e in enumerate(events):
        if e.role not in ("origin", "destination", "transit") or not placed[i]:
            continue
        key = (e.report_id or "", (e.actor or "").casefold(), e.event_type)
        by_key.setdefault(key, {}).setdefault(e.role, []).append(i)
    chains: list[list[int]] = []
    for roles in by_key.values():
        origins, dests = roles.get("origin", []), roles.get("destination", [])
        via = roles.get("transit", [])
        pairs = [(o, d) for o in origins for d in dests][:_MAX_ARROWS_PER_GROUP]
        chains += [[o, *via, d] for o, d in pairs]
    return chains


def _span(e: Event, origin: date) -> tuple[int, int]:
    """Return (first day, last day) from ``origin``; (-1, -1) when undated."""
    a, b = e.date_start or e.date_end, e.date_end or e.date_start
    if a is None or b is None:
        return (-1, -1)
    t0, t1 = (a - origin).days, (b - origin).days
    return (t0, t1) if t0 <= t1 else (t1, t0)


def _dict_code(values: Sequence[Any]) -> tuple[list[int], list[str]]:
    """Dictionary-code strings: (codes, distinct values in first-seen order); ``None``/empty -> -1."""
    uniq = dict.fromkeys(values)
    uniq.pop(None, None)
    uniq.pop("", None)
    index: dict[Any, int] = {v: i for i, v in enumerate(uniq)}
    index[None] = index[""] = -1
    return list(map(index.__getitem__, values)), [str(v) for v in uniq]


def _enum(values: Sequence[Any], vocab: Sequence[str], default: int) -> list[int]:
    ix: dict[Any, int] = {s: i for i, s in enumerate(vocab)}
    for v in set(values) - ix.keys():
        ix[v] = default
    return list(map(ix.__getitem__, values))


def _sort_key(e: Event) -> tuple[Any, ...]:
    undated = e.date_start is None and e.date_end is None
    a = e.date_start or e.date_end or date.min
    b = e.date_end or e.date_start or date.min
    return (undated, min(a, b), _ROLE_RANK.get(e.role, 2), max(a, b), e.id)


def build_payload(
    events: Sequence[Event],
    *,
    title: str,
    outlines: Mapping[str, Mapping[str, Any]],
    reports: Mapping[str, Any],
    links: Sequence[Link],
    background: Mapping[str, Mapping[str, Any]] | None = None,
) -> dict[str, Any]:
    """Return the columnar payload (a JSON-ready dict) for ``events``.

    Parameters
    ----------
    events
        Event records, any order; they are sorted chronologically (undated last).
    title
        The map title.
    outlines
        GeoJSON geometries (lon, lat) by place id, for events known only to an area.
    reports
        Report records (or mappings with ``title``, ``publisher``, ``url``, ``published``)
        by report id.
    links
        Link records (issue 8); events joined by active links form one happening.
    background
        GeoJSON geometries drawn as a plain basemap (e.g. country outlines) under the events.

    Returns
    -------
    dict
        Parallel arrays per field plus the dictionaries, outlines, reports, groups and
        movement chains.
    """
    evs = sorted((e for e in events if not e.deleted), key=_sort_key)
    dated = [d for e in evs for d in (e.date_start, e.date_end) if d is not None]
    origin = min(dated) if dated else date.today()

    outline_index: dict[str, int] = {}
    outline_rows: list[dict[str, Any]] = []

    def outline_of(e: Event) -> int:
        pid = e.place_id
        if e.geo_precision not in AREA_PRECISIONS or not pid or pid not in outlines:
            return -1
        if pid not in outline_index:
            geom = _clean_geometry(outlines[pid])
            outline_index[pid] = len(outline_rows) if geom else -1
            if geom:
                outline_rows.append(geom)
        return outline_index[pid]

    def geometry_kind(e: Event, ol: int) -> int:
        has_pt = e.lon is not None and e.lat is not None
        if e.geo_precision in AREA_PRECISIONS:
            return G_AREA if ol >= 0 else (G_APPROX if has_pt else G_NONE)
        return G_POINT if has_pt else G_NONE

    spans = [_span(e, origin) for e in evs]
    ol_col = [outline_of(e) for e in evs]
    g_col = [geometry_kind(e, ol) for e, ol in zip(evs, ol_col, strict=True)]
    names = [
        "id",
        "status",
        "review_state",
        "role",
        "date_precision",
        "count",
        "count_low",
        "count_high",
        "evidence",
        "source_url",
        "report_id",
        "event_type",
        "actor",
        "unit",
        "claimed_by",
        "source_publisher",
        "place_name",
        "place_id",
        "geo_precision",
        "count_qualifier",
        "count_unit",
        "date_text",
        "source_published",
    ]
    f = (
        dict(zip(names, zip(*map(attrgetter(*names), evs), strict=True), strict=True))
        if evs
        else dict.fromkeys(names, ())
    )
    rep_col, rep_ids = _dict_code(f["report_id"])
    rep_rows = [
        [rid] + [_attr(reports.get(rid), k) for k in ("title", "publisher", "url", "published")]
        for rid in rep_ids
    ]
    cols: dict[str, list[Any]] = {
        "id": list(f["id"]),
        "t0": [sp[0] for sp in spans],
        "t1": [sp[1] for sp in spans],
        "x": [None if e.lon is None or e.lat is None else round(e.lon * 1e5) for e in evs],
        "y": [None if e.lon is None or e.lat is None else round(e.lat * 1e5) for e in evs],
        "g": g_col,
        "ol": ol_col,
        "st": _enum(f["status"], STATUSES, 2),
        "rv": _enum(f["review_state"], REVIEW_STATES, 0),
        "ro": _enum(f["role"], ROLES, 0),
        "dp": _enum(f["date_precision"], DATE_PRECISIONS, len(DATE_PRECISIONS) - 1),
        "cnt": list(f["count"]),
        "clo": list(f["count_low"]),
        "chi": list(f["count_high"]),
        "ev": [v or None for v in f["evidence"]],
        "url": [v or None for v in f["source_url"]],
        "rep": rep_col,
    }
    dicts: dict[str, list[str]] = {}
    for key, attr in (
        ("ty", "event_type"),
        ("ac", "actor"),
        ("un", "unit"),
        ("cb", "claimed_by"),
        ("src", "source_publisher"),
        ("pl", "place_name"),
        ("pid", "place_id"),
        ("gp", "geo_precision"),
        ("q", "count_qualifier"),
        ("cu", "count_unit"),
        ("dt", "date_text"),
        ("pub", "source_published"),
    ):
        cols[key], dicts[key] = _dict_code(f[attr])
    placed = [g != G_NONE for g in g_col]
    days = max((t for t in cols["t1"] if t >= 0), default=0)
    return {
        "v": 1,
        "title": title,
        "n": len(evs),
        "origin": origin.isoformat(),
        "days": days,
        "statuses": list(STATUSES),
        "reviews": list(REVIEW_STATES),
        "roles": list(ROLES),
        "precisions": list(DATE_PRECISIONS),
        "dicts": dicts,
        "reports": rep_rows,
        "outlines": outline_rows,
        "bg": [g for g in map(_clean_geometry, (background or {}).values()) if g],
        "grp": _groups(evs, links),
        "moves": _moves(evs, placed),
        **cols,
    }


MAGIC = b"TMB1"
NULL_INT = -(2**31)  # "no value" in binary integer columns
INT_COLUMNS = [
    "t0",
    "t1",
    "x",
    "y",
    "g",
    "ol",
    "st",
    "rv",
    "ro",
    "dp",
    "cnt",
    "clo",
    "chi",
    "rep",
    "grp",
    "ty",
    "ac",
    "un",
    "cb",
    "src",
    "pl",
    "pid",
    "gp",
    "q",
    "cu",
    "dt",
    "pub",
]


def encode_payload(
    payload: Mapping[str, Any], *, binary: Sequence[str] = (), level: int = 5
) -> str:
    """Return the payload gzip-compressed in base64 (ASCII, inert inside HTML).

    Without ``binary`` the payload is JSON. With it, those integer columns (``None`` becomes
    ``NULL_INT``) leave the JSON and follow it as little-endian int32 arrays: ``TMB1``, the
    header length (uint32), the header JSON (padded to 4 bytes) with ``bin`` naming the
    columns in order, then the arrays. The page reads them as typed arrays without parsing.
    """
    if not binary:
        raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    else:
        names = [k for k in binary if k in payload]
        header = {k: v for k, v in payload.items() if k not in names} | {"bin": names}
        head = json.dumps(header, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        head += b" " * (-len(head) % 4)
        cols = [array("i", [NULL_INT if v is None else v for v in payload[k]]) for k in names]
        if sys.byteorder != "little":  # pragma: no cover - the page reads little-endian
            for c in cols:
                c.byteswap()
        raw = b"".join([MAGIC, len(head).to_bytes(4, "little"), head, *(c.tobytes() for c in cols)])
    return base64.b64encode(gzip.compress(raw, compresslevel=level, mtime=0)).decode("ascii")


def decode_payload(b64: str) -> dict[str, Any]:
    """Return the payload written by :func:`encode_payload` (for tests and debugging)."""
    raw = gzip.decompress(base64.b64decode(b64))
    if not raw.startswith(MAGIC):
        return dict(json.loads(raw))
    hlen = int.from_bytes(raw[4:8], "little")
    payload: dict[str, Any] = json.loads(raw[8 : 8 + hlen])
    off, n = 8 + hlen, payload["n"]
    for name in payload.pop("bin"):
        col = array("i")
        col.frombytes(raw[off : off + 4 * n])
        if sys.byteorder != "little":  # pragma: no cover
            col.byteswap()
        payload[name] = [None if v == NULL_INT else v for v in col]
        off += 4 * n
    return payload
