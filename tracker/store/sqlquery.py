"""Translate an :class:`EventFilter` into SQL for the SQLite store, plus a Python refine step.

The SQL narrows candidates through an index (3-D R*Tree for area + window, GeoPackage's
2-D R*Tree for area only, the date B-tree for a window only) and applies every exact
filter it can; what SQL cannot decide exactly (geodesic radius, polygon, region outline
for raw coordinates) is decided in Python on the candidates by :class:`Refine`.
Imports: stdlib, tracker.model/errors, tracker.store.rules/spatial.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracker.errors import ValidationError
from tracker.model import EVENT_TYPES, REVIEW_STATES, ROLES, STATUSES, EventFilter
from tracker.store import spatial
from tracker.store.spatial import Box

# Duration classes of the events_window index: (class, longest span in days); the last is open.
SPAN_CLASSES = ((0, 0), (1, 6), (2, 31), (3, None))
DEFAULT_REVIEW_STATES = ("pending", "accepted")


def julian(d: date) -> float:
    """Return SQLite's ``julianday()`` of a calendar date (midnight UTC)."""
    return d.toordinal() + 1721424.5


@dataclass
class Refine:
    """The exact tests left for Python after SQL (each takes lon/lat lists)."""

    near: tuple[float, float, float] | None = None
    polygon: Any = None  # prepared shapely geometry
    outline: Any = None  # region outline for raw-coordinate events (place_id NULL)

    @property
    def needed(self) -> bool:
        """Whether any exact test remains."""
        return self.near is not None or self.polygon is not None or self.outline is not None

    def keep(self, lons: list[Any], lats: list[Any], place_ids: list[Any]) -> list[bool]:
        """Return, per candidate, whether it passes every remaining exact test."""
        keep = [True] * len(lons)
        if self.near is not None:
            lon0, lat0, r = self.near
            ok = spatial.within_radius(lons, lats, lon0, lat0, r)
            keep = [a and b for a, b in zip(keep, ok, strict=True)]
        if self.polygon is not None:
            ok = spatial.inside_polygon(self.polygon, lons, lats)
            keep = [a and b for a, b in zip(keep, ok, strict=True)]
        if self.outline is not None:
            idx = [i for i, p in enumerate(place_ids) if p is None and keep[i]]
            ok = spatial.inside_polygon(
                self.outline, [lons[i] for i in idx], [lats[i] for i in idx]
            )
            for i, inside in zip(idx, ok, strict=True):
                keep[i] = inside
        return keep


@dataclass
class Plan:
    """A WHERE clause with its parameters and the Python refine step."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    refine: Refine = field(default_factory=Refine)
    empty: bool = False  # the filter can match nothing (disjoint areas)
    dated: bool = False  # every row has a date_start (a window was asked for) ...
    ended: bool = False  # ... and a date_end (the window has a start)

    def add(self, clause: str, *params: Any) -> None:
        """Append one AND-ed clause."""
        self.where.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        """Return the WHERE expression (``1`` when there is no clause)."""
        return " AND ".join(f"({w})" for w in self.where) or "1"

    def order(self) -> str:
        """Return the ORDER BY clause: :data:`ORDER_SQL`, without NULL tests the filter rules out.

        The same order either way; fewer sort keys make a big window's sort cheaper.
        """
        if self.ended:
            return "ORDER BY e.date_start, e.date_end, e.id"
        if self.dated:
            return "ORDER BY e.date_start, e.date_end IS NULL, e.date_end, e.id"
        return ORDER_SQL


def _in(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def _check_enum(name: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    bad = [v for v in values if v not in allowed]
    if bad:
        msg = f"unknown {name} {', '.join(map(repr, bad))}; valid: {', '.join(allowed)}"
        raise ValidationError(msg, problems=[msg])


def _boxes_sql(col_x: str, col_y: str, boxes: list[Box]) -> tuple[str, list[float]]:
    parts, params = [], []
    for w, s, e, n in boxes:
        parts.append(f"({col_x} BETWEEN ? AND ? AND {col_y} BETWEEN ? AND ?)")
        params += [w, e, s, n]
    return " OR ".join(parts), params


def plan_filter(flt: EventFilter) -> Plan:
    """Return the SQL plan for ``flt`` over ``events e``.

    Raises
    ------
    ValidationError
        Unknown enum values, a window whose start is after its end, bad boxes or polygons.
    """
    p = Plan()
    if not flt.include_deleted:
        p.add("e.deleted = 0")
    states = flt.review_states or DEFAULT_REVIEW_STATES
    _check_enum("review state", states, REVIEW_STATES)
    p.add(f"e.review_state IN ({_in(states)})", *states)
    for name, col, vals, allowed in (
        ("status", "status", flt.statuses, STATUSES),
        ("event type", "event_type", flt.event_types, EVENT_TYPES),
        ("role", "role", flt.roles, ROLES),
    ):
        if vals:
            _check_enum(name, vals, allowed)
            p.add(f"e.{col} IN ({_in(vals)})", *vals)
    if flt.ids:
        p.add(f"e.id IN ({_in(flt.ids)})", *flt.ids)
    if flt.report_id:
        p.add(
            "substr(e.report_id, 1, 8) = ? AND +e.report_id = ?", flt.report_id[:8], flt.report_id
        )
    if flt.place_id:
        p.add("e.place_id = ?", flt.place_id)
    if flt.actor:
        p.add("tracker_icontains(e.actor, ?)", flt.actor)
    if flt.claimed_by:
        p.add("tracker_icontains(e.claimed_by, ?)", flt.claimed_by)
    if flt.source:
        p.add(
            "tracker_icontains(e.source_publisher, ?) OR tracker_icontains(e.source_url, ?)",
            flt.source,
            flt.source,
        )
    for tag in flt.tags:
        p.add("EXISTS (SELECT 1 FROM json_each(e.tags) WHERE value = ?)", tag)
    if flt.region is not None:
        _plan_region(p, flt)
    w0, w1 = flt.date_from, flt.date_to
    if w0 is not None and w1 is not None and w0 > w1:
        msg = f"--from {w0.isoformat()} is after --to {w1.isoformat()}"
        raise ValidationError(msg, problems=[msg])
    windowed = w0 is not None or w1 is not None
    if windowed:
        p.add("e.date_start IS NOT NULL")
        p.dated = True
        if w1 is not None:
            p.add("e.date_start <= ?", w1.isoformat())
        if w0 is not None:
            p.add("e.date_end >= ?", w0.isoformat())
            p.ended = True
    boxes = _plan_spatial(p, flt)
    if p.empty:
        return p
    if boxes is not None:
        _access_rtree(p, boxes, w0, w1)
    elif windowed:
        _access_dates(p, w0, w1)
    return p


def _plan_spatial(p: Plan, flt: EventFilter) -> list[Box] | None:
    boxes: list[Box] | None = None
    if flt.bbox is not None:
        bb = spatial.split_bbox(flt.bbox)
        clause, params = _boxes_sql("e.lon", "e.lat", bb)
        p.add(clause, *params)
        boxes = bb
    if flt.polygon_wkt:
        geom = spatial.polygon_from_wkt(flt.polygon_wkt)
        p.refine.polygon = geom
        pb = spatial.polygon_boxes(geom)
        boxes = pb if boxes is None else spatial.boxes_overlap(boxes, pb)
    if flt.near is not None:
        lon, lat, radius = flt.near
        rb = spatial.radius_boxes(lon, lat, radius)
        p.refine.near = (lon, lat, radius)
        boxes = rb if boxes is None else spatial.boxes_overlap(boxes, rb)
    if boxes is not None:
        if not boxes:
            p.empty = True
        p.add("e.lon IS NOT NULL AND e.lat IS NOT NULL")
    return boxes


def _plan_region(p: Plan, flt: EventFilter) -> None:
    rg = flt.region
    assert rg is not None
    coded: list[str] = []
    params: list[Any] = []
    for col, vals in (
        ("admin1_code", rg.admin1_codes),
        ("country_code", rg.country_codes),
        ("place_id", rg.place_ids),
    ):
        if vals:
            coded.append(f"e.{col} IN ({_in(vals)})")
            params += list(vals)
    terms = []
    if coded:
        terms.append("e.place_id IS NOT NULL AND (" + " OR ".join(coded) + ")")
    if rg.outline_wkt:
        geom = spatial.polygon_from_wkt(rg.outline_wkt)
        p.refine.outline = geom
        clause, bparams = _boxes_sql("e.lon", "e.lat", spatial.polygon_boxes(geom))
        terms.append(f"e.place_id IS NULL AND ({clause})")
        params += bparams
    if not terms:
        p.empty = True
        return
    p.add(" OR ".join(f"({t})" for t in terms), *params)


def _access_rtree(p: Plan, boxes: list[Box], w0: date | None, w1: date | None) -> None:
    windowed = w0 is not None or w1 is not None
    table = "events_rtree3" if windowed else "rtree_events_geom"
    subs, params = [], []
    for w, s, e, n in boxes:
        cond = "minx <= ? AND maxx >= ? AND miny <= ? AND maxy >= ?"
        sp: list[Any] = [e, w, n, s]
        if w1 is not None:
            cond += " AND t0 <= ?"
            sp.append(julian(w1))
        if w0 is not None:
            cond += " AND t1 >= ?"
            sp.append(julian(w0))
        subs.append(f"SELECT id FROM {table} WHERE {cond}")
        params += sp
    p.add("e.fid IN (" + " UNION ALL ".join(subs) + ")", *params)


def span_class(days: int | None) -> int | None:
    """Return the duration class of an event lasting ``days`` (None when undated)."""
    if days is None:
        return None
    for cls, longest in SPAN_CLASSES:
        if longest is None or days <= longest:
            return cls
    return SPAN_CLASSES[-1][0]  # pragma: no cover


def _access_dates(p: Plan, w0: date | None, w1: date | None) -> None:
    """Drive a window-only query from the (span_class, date_start) index.

    An event of class c (at most L_c days long) overlaps [w0, w1] only if it starts within
    [w0 - L_c, w1], so each class is one narrow index range; the open-ended class reads
    every long event starting before w1 (few).
    """
    if w0 is None:
        return  # an open start reads the index from the beginning anyway
    hi = (w1 or date.max).isoformat()
    subs, params = [], []
    for cls, longest in SPAN_CLASSES:
        cond = f"span_class = {cls} AND date_start <= ? AND date_end >= ?"
        sp: list[Any] = [hi, w0.isoformat()]
        if longest is not None:
            cond += " AND date_start >= ?"
            sp.append((w0 - timedelta(days=longest)).isoformat())
        subs.append(f"SELECT fid FROM events INDEXED BY events_window WHERE {cond}")
        params += sp
    p.add("e.fid IN (" + " UNION ALL ".join(subs) + ")", *params)


ORDER_SQL = "ORDER BY e.date_start IS NULL, e.date_start, e.date_end IS NULL, e.date_end, e.id"
