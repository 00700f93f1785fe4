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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from tracker.model import DATE_PRECISIONS, REVIEW_STATES, ROLES, STATUSES, Event, Link

# geo precisions known only to an area: drawn as that area, never as a pin
AREA_PRECISIONS = ("admin2", "admin1", "macro_region", "country")
# geometry kinds in the payload ("g" column)
G_NONE, G_POINT, G_AREA, G_APPROX = 0, 1, 2, 3
_ROLE_RANK = {"origin": 0, "transit": 1, "location": 2, "destination": 3, "related": 4}
_MAX_ARROWS_PER_GROUP = 4


@dataclass
class _Dict:
    """A string dictionary: value -> small integer code (``-1`` for empty/None)."""

    values: list[str] = field(default_factory=list)
    index: dict[str, int] = field(default_factory=dict)

    def code(self, value: object) -> int:
        if value is None or value == "":
            return -1
        s = str(value)
        k = self.index.get(s)
        if k is None:
            k = self.index[s] = len(self.values)
            self.values.append(s)
        return k


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


def _clean_geometry(geom: Mapping[str, Any]) -> dict[str, Any] | None:
    """Keep a Polygon/MultiPolygon (coordinates rounded); anything else is ignored."""
    kind = geom.get("type")
    if kind not in ("Polygon", "MultiPolygon") or not geom.get("coordinates"):
        return None
    return {"type": kind, "coordinates": _round_coords(geom["coordinates"])}


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

    Returns
    -------
    dict
        Parallel arrays per field plus the dictionaries, outlines, reports, groups and
        movement chains.
    """
    evs = sorted((e for e in events if not e.deleted), key=_sort_key)
    dated = [d for e in evs for d in (e.date_start, e.date_end) if d is not None]
    origin = min(dated) if dated else date.today()

    d = {k: _Dict() for k in ("ty", "ac", "un", "cb", "src", "pl", "pid", "gp", "q", "cu", "dt")}
    pub = _Dict()
    rep_index: dict[str, int] = {}
    rep_rows: list[list[Any]] = []
    outline_index: dict[str, int] = {}
    outline_rows: list[dict[str, Any]] = []
    cols: dict[str, list[Any]] = {
        k: []
        for k in [
            "id",
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
            "ev",
            "url",
            "pub",
            "rep",
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
        ]
    }
    placed: list[bool] = []
    status_ix = {s: i for i, s in enumerate(STATUSES)}
    review_ix = {s: i for i, s in enumerate(REVIEW_STATES)}
    role_ix = {s: i for i, s in enumerate(ROLES)}
    prec_ix = {s: i for i, s in enumerate(DATE_PRECISIONS)}
    for e in evs:
        start = e.date_start or e.date_end
        end = e.date_end or e.date_start
        t0 = (start - origin).days if start else -1
        t1 = (end - origin).days if end else -1
        if t1 < t0:
            t0, t1 = t1, t0
        has_pt = e.lon is not None and e.lat is not None
        ol = -1
        if e.geo_precision in AREA_PRECISIONS:
            if e.place_id and e.place_id in outlines:
                if e.place_id not in outline_index:
                    geom = _clean_geometry(outlines[e.place_id])
                    outline_index[e.place_id] = len(outline_rows) if geom else -1
                    if geom:
                        outline_rows.append(geom)
                ol = outline_index[e.place_id]
            g = G_AREA if ol >= 0 else (G_APPROX if has_pt else G_NONE)
        else:
            g = G_POINT if has_pt else G_NONE
        placed.append(g != G_NONE)
        rid = e.report_id or ""
        if rid and rid not in rep_index:
            r = reports.get(rid)
            rep_index[rid] = len(rep_rows)
            rep_rows.append(
                [rid]
                + [
                    None if r is None else _attr(r, k)
                    for k in ("title", "publisher", "url", "published")
                ]
            )
        c = cols
        c["id"].append(e.id)
        c["t0"].append(t0)
        c["t1"].append(t1)
        c["x"].append(round(e.lon * 1e5) if has_pt and e.lon is not None else None)
        c["y"].append(round(e.lat * 1e5) if has_pt and e.lat is not None else None)
        c["g"].append(g)
        c["ol"].append(ol)
        c["st"].append(status_ix.get(e.status, 2))
        c["rv"].append(review_ix.get(e.review_state, 0))
        c["ro"].append(role_ix.get(e.role, 0))
        c["dp"].append(prec_ix.get(e.date_precision, len(DATE_PRECISIONS) - 1))
        c["cnt"].append(e.count)
        c["clo"].append(e.count_low)
        c["chi"].append(e.count_high)
        c["ev"].append(e.evidence or None)
        c["url"].append(e.source_url or None)
        c["pub"].append(pub.code(e.source_published))
        c["rep"].append(rep_index[rid] if rid else -1)
        c["ty"].append(d["ty"].code(e.event_type))
        c["ac"].append(d["ac"].code(e.actor))
        c["un"].append(d["un"].code(e.unit))
        c["cb"].append(d["cb"].code(e.claimed_by))
        c["src"].append(d["src"].code(e.source_publisher))
        c["pl"].append(d["pl"].code(e.place_name))
        c["pid"].append(d["pid"].code(e.place_id))
        c["gp"].append(d["gp"].code(e.geo_precision))
        c["q"].append(d["q"].code(e.count_qualifier))
        c["cu"].append(d["cu"].code(e.count_unit))
        c["dt"].append(d["dt"].code(e.date_text))
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
        "dicts": {k: v.values for k, v in d.items()} | {"pub": pub.values},
        "reports": rep_rows,
        "outlines": outline_rows,
        "grp": _groups(evs, links),
        "moves": _moves(evs, placed),
        **cols,
    }


def encode_payload(payload: Mapping[str, Any], *, level: int = 6) -> str:
    """Return the payload as gzip-compressed JSON in base64 (ASCII, inert inside HTML)."""
    raw = json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return base64.b64encode(gzip.compress(raw, compresslevel=level, mtime=0)).decode("ascii")
