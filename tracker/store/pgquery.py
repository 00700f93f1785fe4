"""Translate an :class:`EventFilter` into PostGIS SQL, with the same exact refine as SQLite.

Results must equal the SQLite store's exactly (same ids, same order), so the division of
labour mirrors :mod:`tracker.store.sqlquery`: SQL narrows the candidates through the GiST
index on ``(geom, days)`` (``geom && envelope`` per search box, ``days && daterange`` for
the window), or for a window alone two covering B-tree branches (short and long events),
and applies every filter it can decide exactly; the geodesic radius, polygons,
region outlines and the case-insensitive text filters are then decided in Python with the
shared code (:class:`tracker.store.sqlquery.Refine`, :func:`icontains`). The radius is
also pre-filtered on ``geography`` (WGS84 spheroid) with a small margin, and polygons with
``ST_DWithin`` of a hair, so fewer rows travel to Python without losing any.
Imports: stdlib, tracker.model/errors, tracker.store.spatial/sqlquery.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tracker.errors import ValidationError
from tracker.model import EVENT_TYPES, REVIEW_STATES, ROLES, STATUSES, EventFilter
from tracker.store import spatial
from tracker.store.pg_schema import SHORT_SPAN
from tracker.store.spatial import Box
from tracker.store.sqlquery import DEFAULT_REVIEW_STATES, Refine

# Metres added to a radius for the SQL pre-filter; the exact test (pyproj) decides.
RADIUS_MARGIN_M = 1.0
# Degrees around a polygon for the SQL pre-filter; shapely decides the boundary.
POLYGON_MARGIN_DEG = 1e-7
ORDER_SQL = "ORDER BY e.date_start IS NULL, e.date_start, e.date_end IS NULL, e.date_end, e.id"


def icontains(haystack: str | None, needle: str | None) -> bool:
    """Case-insensitive substring test, identical to the SQLite store's ``tracker_icontains``."""
    if haystack is None or needle is None:
        return False
    return needle.casefold() in haystack.casefold()


@dataclass
class TextRefine:
    """Substring filters decided in Python (Unicode casefold, as on SQLite)."""

    actor: str | None = None
    claimed_by: str | None = None
    source: str | None = None

    @property
    def needed(self) -> bool:
        """Whether any text test remains."""
        return bool(self.actor or self.claimed_by or self.source)

    def keep(self, rec: dict[str, Any]) -> bool:
        """Return whether a row (by column name) passes every text filter."""
        if self.actor and not icontains(rec["actor"], self.actor):
            return False
        if self.claimed_by and not icontains(rec["claimed_by"], self.claimed_by):
            return False
        return not self.source or (
            icontains(rec["source_publisher"], self.source)
            or icontains(rec["source_url"], self.source)
        )


@dataclass
class PgPlan:
    """A WHERE clause with its parameters and the refine steps left for Python."""

    where: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    refine: Refine = field(default_factory=Refine)
    text: TextRefine = field(default_factory=TextRefine)
    empty: bool = False
    # A window-only filter runs as two index-only branches (short and long events):
    # (clause, params) of each, AND-ed with ``where`` and joined with UNION ALL.
    branches: list[tuple[str, list[Any]]] = field(default_factory=list)

    def add(self, clause: str, *params: Any) -> None:
        """Append one AND-ed clause."""
        self.where.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        """Return the WHERE expression (``true`` when there is no clause)."""
        return " AND ".join(f"({w})" for w in self.where) or "true"

    @property
    def needs_python(self) -> bool:
        """Whether rows must pass a Python test after SQL (then no SQL LIMIT)."""
        return self.refine.needed or self.text.needed


def _check_enum(name: str, values: Sequence[str], allowed: Sequence[str]) -> None:
    bad = [v for v in values if v not in allowed]
    if bad:
        msg = f"unknown {name} {', '.join(map(repr, bad))}; valid: {', '.join(allowed)}"
        raise ValidationError(msg, problems=[msg])


def _envelopes(boxes: list[Box]) -> tuple[str, list[float]]:
    parts = ["e.geom && ST_MakeEnvelope(%s, %s, %s, %s, 4326)" for _ in boxes]
    params: list[float] = []
    for w, s, e, n in boxes:
        params += [w, s, e, n]
    return " OR ".join(parts), params


def _exact_boxes(boxes: list[Box]) -> tuple[str, list[float]]:
    parts = ["(e.lon BETWEEN %s AND %s AND e.lat BETWEEN %s AND %s)" for _ in boxes]
    params: list[float] = []
    for w, s, e, n in boxes:
        params += [w, e, s, n]
    return " OR ".join(parts), params


def plan_filter(flt: EventFilter) -> PgPlan:
    """Return the PostGIS plan for ``flt`` over ``events e``.

    Raises
    ------
    ValidationError
        Unknown enum values, a window whose start is after its end, bad boxes or polygons
        (the same checks and messages as the SQLite store).
    """
    p = PgPlan()
    if not flt.include_deleted:
        p.add("NOT e.deleted")
    states = flt.review_states or DEFAULT_REVIEW_STATES
    _check_enum("review state", states, REVIEW_STATES)
    p.add("e.review_state = ANY(%s)", list(states))
    for name, col, vals, allowed in (
        ("status", "status", flt.statuses, STATUSES),
        ("event type", "event_type", flt.event_types, EVENT_TYPES),
        ("role", "role", flt.roles, ROLES),
    ):
        if vals:
            _check_enum(name, vals, allowed)
            p.add(f"e.{col} = ANY(%s)", list(vals))
    if flt.ids:
        p.add("e.id = ANY(%s)", list(flt.ids))
    if flt.report_id:
        p.add("e.report_id = %s", flt.report_id)
    if flt.place_id:
        p.add("e.place_id = %s", flt.place_id)
    p.text = TextRefine(actor=flt.actor, claimed_by=flt.claimed_by, source=flt.source)
    for tag in flt.tags:
        p.add("e.tags ? %s", tag)
    if flt.region is not None:
        _plan_region(p, flt)
    w0, w1 = flt.date_from, flt.date_to
    if w0 is not None and w1 is not None and w0 > w1:
        msg = f"--from {w0.isoformat()} is after --to {w1.isoformat()}"
        raise ValidationError(msg, problems=[msg])
    windowed = w0 is not None or w1 is not None
    area = flt.bbox is not None or flt.polygon_wkt or flt.near is not None or flt.region
    if windowed and not area:
        p.branches = _window_branches(w0, w1)
    elif windowed:
        p.add("e.days && daterange(%s, %s, '[]')", w0, w1)
    _plan_spatial(p, flt)
    return p


def _window_branches(w0: date | None, w1: date | None) -> list[tuple[str, list[Any]]]:
    """Return the short-event and long-event conditions of a window (both exact)."""
    short = [f"e.date_end - e.date_start <= {SHORT_SPAN}"]
    long = [f"e.date_end - e.date_start > {SHORT_SPAN}"]
    sp: list[Any] = []
    lp: list[Any] = []
    if w0 is not None:
        short.append("e.date_start >= %s")
        sp.append(w0 - timedelta(days=SHORT_SPAN))
    if w1 is not None:
        short.append("e.date_start <= %s")
        sp.append(w1)
        long.append("e.date_start <= %s")
        lp.append(w1)
    if w0 is not None:
        short.append("e.date_end >= %s")
        sp.append(w0)
        long.append("e.date_end >= %s")
        lp.append(w0)
    return [(" AND ".join(short), sp), (" AND ".join(long), lp)]


def _plan_spatial(p: PgPlan, flt: EventFilter) -> None:
    boxes: list[Box] | None = None
    if flt.bbox is not None:
        bb = spatial.split_bbox(flt.bbox)
        clause, params = _exact_boxes(bb)
        p.add(clause, *params)
        boxes = bb
    if flt.polygon_wkt:
        import shapely

        geom = spatial.polygon_from_wkt(flt.polygon_wkt)
        p.refine.polygon = geom
        p.add(
            "ST_DWithin(e.geom, ST_SetSRID(ST_GeomFromWKB(%s), 4326), %s)",
            shapely.to_wkb(geom),
            POLYGON_MARGIN_DEG,
        )
        pb = spatial.polygon_boxes(geom)
        boxes = pb if boxes is None else spatial.boxes_overlap(boxes, pb)
    if flt.near is not None:
        lon, lat, radius = flt.near
        rb = spatial.radius_boxes(lon, lat, radius)
        p.refine.near = (lon, lat, radius)
        p.add(
            "ST_DWithin(e.geom::geography, ST_SetSRID(ST_MakePoint(%s, %s), 4326)::geography, %s)",
            lon,
            lat,
            radius + RADIUS_MARGIN_M,
        )
        boxes = rb if boxes is None else spatial.boxes_overlap(boxes, rb)
    if boxes is None:
        return
    if not boxes:
        p.empty = True
        return
    clause, params = _envelopes(boxes)
    p.add(clause, *params)


def _plan_region(p: PgPlan, flt: EventFilter) -> None:
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
            coded.append(f"e.{col} = ANY(%s)")
            params.append(list(vals))
    terms = []
    if coded:
        terms.append("e.place_id IS NOT NULL AND (" + " OR ".join(coded) + ")")
    if rg.outline_wkt:
        geom = spatial.polygon_from_wkt(rg.outline_wkt)
        p.refine.outline = geom
        clause, bparams = _exact_boxes(spatial.polygon_boxes(geom))
        terms.append(f"e.place_id IS NULL AND ({clause})")
        params += bparams
    if not terms:
        p.empty = True
        return
    p.add(" OR ".join(f"({t})" for t in terms), *params)
