"""Backend-neutral store rules: validation, coercion, revision diffs, ids and ordering.

Every backend (SQLite here, PostGIS later) calls these, so an event is accepted, changed
and ordered the same way everywhere. Imports: stdlib and tracker.model/errors only.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import MISSING, fields, replace
from datetime import UTC, date, datetime
from operator import attrgetter
from typing import Any

from tracker.errors import ValidationError
from tracker.model import (
    COUNT_QUALIFIERS,
    DATE_PRECISIONS,
    EVENT_FIELDS,
    EVENT_TYPES,
    GEO_PRECISIONS,
    INFO_CREDIBILITY,
    REVIEW_STATES,
    ROLES,
    SOURCE_RELIABILITY,
    STATUSES,
    Event,
    Report,
    event_values,
    report_id_for,
)

SCHEMA_VERSION = 1  # the record format; each backend's schema level is its own LATEST
_ISO_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:\-]{0,199}$")
# Fields the store sets itself; edits may not touch them.
SYSTEM_FIELDS = ("id", "created_by", "created_at", "updated_at", "revision", "deleted")
EDITABLE_FIELDS = tuple(f for f in EVENT_FIELDS if f not in SYSTEM_FIELDS)
INT_FIELDS = frozenset(
    {"count", "count_low", "count_high", "info_credibility", "evidence_start", "evidence_end"}
)
FLOAT_FIELDS = frozenset({"lon", "lat", "confidence"})
DATE_FIELDS = frozenset({"date_start", "date_end"})
ENUMS: dict[str, tuple[Any, ...]] = {
    "event_type": EVENT_TYPES,
    "role": ROLES,
    "status": STATUSES,
    "date_precision": DATE_PRECISIONS,
    "geo_precision": GEO_PRECISIONS,
    "count_qualifier": COUNT_QUALIFIERS,
    "review_state": REVIEW_STATES,
    "source_reliability": SOURCE_RELIABILITY,
}
MAX_TEXT = 1_000_000
_TEXT_FIELDS = tuple(
    f.name
    for f in fields(Event)
    if f.type in ("str | None", "str") and f.name not in ENUMS and f.name not in ("id",)
)


def now_iso() -> str:
    """Return the current UTC time as ``YYYY-MM-DDTHH:MM:SS.fffZ`` (GeoPackage DATETIME form)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _enum_problem(name: str, value: Any) -> str | None:
    allowed = ENUMS[name]
    if value is None and name in ("count_qualifier", "source_reliability"):
        return None
    if value not in allowed:
        return f"{name}: {value!r} is not one of {', '.join(map(str, allowed))}"
    return None


def validate_event(ev: Event) -> list[str]:
    """Return every problem with ``ev`` (empty when it may be stored).

    Parameters
    ----------
    ev
        The event, with typed fields (dates as ``datetime.date``).

    Returns
    -------
    list of str
        One message per problem, each naming the field, the value and what is allowed.
    """
    p: list[str] = []
    if not isinstance(ev.id, str) or not ID_RE.match(ev.id):
        p.append(f"id: {ev.id!r} must be 1-200 letters, digits or _.:- (e.g. evt_1a2b)")
    for name, allowed in _ENUM_ITEMS:
        v = getattr(ev, name)
        if v.__class__ not in (str, type(None)) or v not in allowed:  # lists from JSON: unhashable
            msg = _enum_problem(name, v)
            if msg:
                p.append(msg)
    if ev.info_credibility is not None and ev.info_credibility not in INFO_CREDIBILITY:
        p.append(f"info_credibility: {ev.info_credibility!r} is not one of 1-6")
    ds, de = ev.date_start, ev.date_end
    if (ds is None) != (de is None):
        p.append("date_start/date_end: give both or neither")
    elif ds is not None and de is not None and de < ds:
        p.append(f"date_end {de.isoformat()} is before date_start {ds.isoformat()}")
    if ds is None and ev.date_precision != "unknown":
        p.append(f"date_precision: {ev.date_precision!r} needs a date (use 'unknown')")
    if ev.lon is not None or ev.lat is not None:
        p += _coordinate_problems(ev.lon, ev.lat)
    for name, v in zip(_COUNT_FIELDS, _COUNT_GETTER(ev), strict=True):
        if v is not None and (v.__class__ is not int or v < 0):
            p.append(f"{name}: {v!r} must be a whole number >= 0")
    lo, hi = ev.count_low, ev.count_high
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        p.append(f"count_low {lo} is greater than count_high {hi}")
    es, ee = ev.evidence_start, ev.evidence_end
    if isinstance(es, int) and isinstance(ee, int) and ee < es:
        p.append(f"evidence_end {ee} is before evidence_start {es}")
    c = ev.confidence
    if not isinstance(c, int | float) or isinstance(c, bool) or not 0.0 <= c <= 1.0:
        p.append(f"confidence: {c!r} must be a number from 0 to 1")
    tags = ev.tags
    if not isinstance(tags, tuple) or (tags and not all(isinstance(t, str) and t for t in tags)):
        p.append(f"tags: {tags!r} must be a list of non-empty strings")
    if not (ev.report_id or ev.source_publisher or ev.source_url):
        p.append("source: an event needs a report_id, source_publisher or source_url")
    texts = _TEXT_GETTER(ev)
    if any(v is not None and (v.__class__ is not str or len(v) > MAX_TEXT) for v in texts):
        for name, v in zip(_TEXT_FIELDS, texts, strict=True):
            if v is not None and (v.__class__ is not str or len(v) > MAX_TEXT):
                p.append(f"{name}: must be text of at most {MAX_TEXT} characters")
    return p


_ENUM_ITEMS = tuple(
    (k, frozenset(v) | ({None} if k in ("count_qualifier", "source_reliability") else set()))
    for k, v in ENUMS.items()
)
_TEXT_GETTER = attrgetter(*_TEXT_FIELDS)
_COUNT_FIELDS = ("count", "count_low", "count_high", "evidence_start", "evidence_end")
_COUNT_GETTER = attrgetter(*_COUNT_FIELDS)


def _coordinate_problems(lon: Any, lat: Any) -> list[str]:
    if lon is None and lat is None:
        return []
    if lon is None or lat is None:
        return ["lon/lat: give both or neither"]
    p = []
    if not isinstance(lon, int | float) or not math.isfinite(lon) or not -180 <= lon <= 180:
        p.append(f"lon: {lon!r} must be a number from -180 to 180")
    if not isinstance(lat, int | float) or not math.isfinite(lat) or not -90 <= lat <= 90:
        p.append(f"lat: {lat!r} must be a number from -90 to 90")
    return p


def check_event(ev: Event) -> Event:
    """Return ``ev`` unchanged, or raise :class:`ValidationError` listing every problem."""
    problems = validate_event(ev)
    if problems:
        msg = f"invalid event {ev.id!r}: " + "; ".join(problems)
        raise ValidationError(msg, problems=problems)
    return ev


def coerce_value(name: str, value: Any) -> Any:
    """Convert a text or JSON value of field ``name`` to the event's Python type.

    Empty strings become ``None``; dates are ISO ``YYYY-MM-DD``; ``tags`` take a JSON array
    or a comma list. Raises :class:`ValidationError` naming the field on bad input.
    """
    if isinstance(value, str):
        value = value.strip()
        if value == "" and name not in ("tags",):
            return None
    if value is None:
        return () if name == "tags" else None
    try:
        if name in DATE_FIELDS:
            if isinstance(value, date):
                return value
            if not _ISO_DAY.match(str(value)):
                raise ValueError(value)
            return date.fromisoformat(str(value))
        if name in INT_FIELDS:
            return _to_int(value)
        if name in FLOAT_FIELDS:
            if isinstance(value, bool):
                raise ValueError(value)
            f = float(value)
            if not math.isfinite(f):
                raise ValueError(value)
            return f
        if name == "tags":
            return _to_tags(value)
        if name == "deleted":
            return str(value).lower() in ("1", "true", "yes")
        if name == "revision":
            return _to_int(value)
    except (ValueError, TypeError) as err:
        msg = f"{name}: {value!r} is not a valid {_kind(name)}"
        raise ValidationError(msg, problems=[msg]) from err
    if name in ENUMS and name == "source_reliability" and isinstance(value, str):
        return value.upper()
    return value


def _kind(name: str) -> str:
    if name in DATE_FIELDS:
        return "date (YYYY-MM-DD)"
    if name in INT_FIELDS or name == "revision":
        return "whole number"
    if name in FLOAT_FIELDS:
        return "number"
    return "value"


def _to_int(value: Any) -> int:
    if value.__class__ is str and value.isdigit() and value.isascii():
        return int(value)
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    s = str(value).replace(",", "").replace("_", "").strip()
    if not re.fullmatch(r"[+-]?\d+", s):
        raise ValueError(value)
    return int(s)


def _to_tags(value: Any) -> tuple[str, ...]:
    if isinstance(value, list | tuple):
        items = list(value)
    else:
        s = str(value).strip()
        if s.startswith("["):
            items = json.loads(s)
            if not isinstance(items, list):
                raise ValueError(value)
        else:
            items = s.split(",")
    return tuple(str(t).strip() for t in items if str(t).strip())


def event_from_record(
    rec: Mapping[str, Any], *, defaults: Mapping[str, Any] | None = None
) -> Event:
    """Build an :class:`Event` from a flat record (a CSV row, GeoJSON properties, a dict).

    Unknown keys are an error; missing ones take ``defaults`` then the Event defaults.
    Raises :class:`ValidationError` with every problem listed in ``problems``.
    """
    problems: list[str] = []
    values: dict[str, Any] = dict(defaults) if defaults else {}
    for k, v in rec.items():
        conv = _CONVERTERS.get(k)
        if conv is None:
            if k not in _KNOWN:
                problems.append(f"unknown field {k!r}")
            continue
        if isinstance(v, list | dict) and k != "tags":  # JSON arrays/objects are no field value
            problems.append(f"{k}: {v!r:.60} must be a single value, not a list or object")
            continue
        if v.__class__ is str and k in FREE_TEXT_FIELDS and v:
            values[k] = v  # kept byte for byte (evidence spans, notes)
            continue
        if v.__class__ is str:
            v = v.strip()
            if not v:
                if k == "tags":
                    values[k] = ()
                elif k not in _NON_NULL_DEFAULTS and k != "id":
                    values[k] = None
                continue
            if conv is _keep:
                values[k] = v
                continue
        try:
            cv = coerce_value(k, v)
        except ValidationError as err:
            problems += err.problems
            continue
        if cv is None and (k in _NON_NULL_DEFAULTS or k == "id"):
            continue
        values[k] = cv
    if problems:
        raise ValidationError("; ".join(problems), problems=problems)
    return Event(**values)


def event_from_cells(names: Sequence[str], cells: Sequence[str]) -> Event:
    """Build an :class:`Event` from one CSV row: text cells under known field ``names``.

    Empty cells keep the field's default; the caller checks ``names`` are known fields.
    Raises :class:`ValidationError` with every problem of the row.
    """
    values: dict[str, Any] = {"id": ""}
    problems: list[str] = []
    for name, v in zip(names, cells, strict=True):
        if not v:
            continue
        if name in FREE_TEXT_FIELDS:  # kept byte for byte (evidence spans, notes)
            values[name] = v
            continue
        v = v.strip()
        if not v:
            continue
        conv = _CONVERTERS[name]
        if conv is _keep:
            values[name] = v
            continue
        fast = _FAST.get(name)
        if fast is not None:
            try:
                values[name] = fast(v)
                continue
            except ValueError:
                pass
        try:
            values[name] = coerce_value(name, v)
        except ValidationError as err:
            problems += err.problems
    if problems:
        raise ValidationError("; ".join(problems), problems=problems)
    return Event(**values)


def cells_parser(names: Sequence[str]) -> Callable[[Sequence[str]], dict[str, Any]]:
    """Return a function turning one CSV row under ``names`` into typed field values.

    The same conversions as :func:`event_from_cells`, looked up once per file instead of
    once per cell: free text kept byte for byte, plain text stripped, typed fields through
    their fast parser with :func:`coerce_value` as the fallback (for its messages). The
    result holds only the non-empty cells plus ``id`` (``""`` when absent); it raises
    :class:`ValidationError` with every problem of the row.
    """
    plan = []
    for name in names:
        if name in FREE_TEXT_FIELDS:
            plan.append((name, 0, None))
        elif _CONVERTERS[name] is _keep:
            plan.append((name, 1, None))
        else:
            plan.append((name, 2, _FAST.get(name)))

    def parse(cells: Sequence[str]) -> dict[str, Any]:
        values: dict[str, Any] = {"id": ""}
        problems: list[str] = []
        for (name, kind, fast), v in zip(plan, cells, strict=True):
            if not v:
                continue
            if kind == 0:
                values[name] = v
                continue
            v = v.strip()
            if not v:
                continue
            if kind == 1:
                values[name] = v
                continue
            if fast is not None:
                try:
                    values[name] = fast(v)
                    continue
                except ValueError:
                    pass
            try:
                values[name] = coerce_value(name, v)
            except ValidationError as err:
                problems += err.problems
        if problems:
            raise ValidationError("; ".join(problems), problems=problems)
        return values

    return parse


def _no(v: str) -> Any:
    raise ValueError(v)


def _finite(v: str) -> float:
    f = float(v)
    if f - f != 0.0:  # nan or inf
        raise ValueError(v)
    return f


def _digits(v: str) -> int:
    if not v.isdigit():
        raise ValueError(v)
    return int(v)


_FAST: dict[str, Any] = {
    "date_start": lambda v: date.fromisoformat(v) if len(v) == 10 and v[4] == "-" else _no(v),
    "date_end": lambda v: date.fromisoformat(v) if len(v) == 10 and v[4] == "-" else _no(v),
    "lon": _finite,
    "lat": _finite,
    "confidence": _finite,
    "count": _digits,
    "revision": _digits,
    "tags": lambda v: () if v == "[]" else _to_tags(v),
    "deleted": lambda v: v == "true" or (v != "false" and coerce_value("deleted", v)),
}


# Free text is never stripped on import, so an exported file re-imports unchanged.
FREE_TEXT_FIELDS = frozenset(
    {
        "date_text",
        "place_name",
        "actor",
        "unit",
        "count_unit",
        "claimed_by",
        "source_publisher",
        "evidence",
        "notes",
    }
)


def _keep(value: Any) -> Any:
    return value


_KNOWN = frozenset(f.name for f in fields(Event))
_CONVERTERS: dict[str, Any] = {
    name: (
        coerce_value
        if name in DATE_FIELDS | INT_FIELDS | FLOAT_FIELDS | {"tags", "deleted", "revision"}
        or name == "source_reliability"
        else _keep
    )
    for name in _KNOWN
}


# Fields whose Event default is not None: an empty cell keeps that default.
_NON_NULL_DEFAULTS = frozenset(
    f.name for f in fields(Event) if f.default is not None and f.name != "id"
)


def apply_changes(ev: Event, changes: Mapping[str, Any]) -> Event:
    """Return ``ev`` with ``changes`` applied (coerced), or raise on a bad field or value."""
    bad = sorted(k for k in changes if k not in EDITABLE_FIELDS)
    if bad:
        msg = (
            f"cannot edit field(s) {', '.join(bad)}; editable fields: {', '.join(EDITABLE_FIELDS)}"
        )
        raise ValidationError(msg, problems=[msg])
    coerced = {}
    for k, v in changes.items():
        cv = coerce_value(k, v)
        if cv is None and k in _NON_NULL_DEFAULTS:
            msg = f"{k}: cannot be empty"
            raise ValidationError(msg, problems=[msg])
        coerced[k] = cv
    return replace(ev, **coerced)


def jsonable(value: Any) -> Any:
    """Return ``value`` as JSON-ready data (dates as ISO text, tuples as lists)."""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return value


def diff_events(old: Event, new: Event) -> tuple[tuple[str, Any, Any], ...]:
    """Return ``(field, old, new)`` for every contract field that differs (JSON-ready)."""
    out = []
    for name in EVENT_FIELDS:
        if name in ("updated_at", "revision"):
            continue
        a, b = getattr(old, name), getattr(new, name)
        if a != b:
            out.append((name, jsonable(a), jsonable(b)))
    return tuple(out)


_NO_DATE = 1 << 62
_NO_END = (1 << 22) - 1  # above every ordinal (date.max is 3,652,059)


def date_order(ds: date | None, de: date | None) -> int:
    """Return the date part of :func:`sort_key` as one integer (cheaper to sort by).

    The start's ordinal above the end's; a missing end after every end, undated last.
    """
    if ds is None:
        return _NO_DATE
    return (ds.toordinal() << 22) | (de.toordinal() if de is not None else _NO_END)


def sort_key(ev: Event) -> tuple[Any, ...]:
    """Return the query order key: date_start, date_end (undated last), then id."""
    return (
        ev.date_start is None,
        ev.date_start or date.min,
        ev.date_end is None,
        ev.date_end or date.min,
        ev.id,
    )


def span_days(ev: Event) -> int | None:
    """Return the event's duration in days (0 for a one-day event, None when undated)."""
    if ev.date_start is None or ev.date_end is None:
        return None
    return (ev.date_end - ev.date_start).days


def citation_report(
    *, publisher: str | None, url: str | None, published: str | None, title: str | None = None
) -> Report:
    """Return a report for a manually cited source with no full text.

    Its text is the citation itself, so the same publisher/URL/date gives the same id and
    is reused; a report ingested with its full text is preferred when the URL matches.
    """
    if not (publisher or url):
        msg = "a source is needed: give --source NAME or --url URL"
        raise ValidationError(msg, problems=[msg])
    lines = [f"source: {publisher or ''}", f"url: {url or ''}", f"published: {published or ''}"]
    text = "\n".join(lines) + "\n"
    return Report(
        id=report_id_for(text),
        text=text,
        title=title,
        publisher=publisher,
        url=url,
        published=published,
        retrieved=None,
    )


_FIELD_POS = {n: i for i, n in enumerate(EVENT_FIELDS)}
# Every field's default, in field order ("" for the id, the one field without one).
_DEFAULTS: tuple[Any, ...] = tuple("" if f.default is MISSING else f.default for f in fields(Event))


def field_values(ev: Event, changes: Mapping[str, Any] | None = None) -> list[Any]:
    """Return ``ev``'s values in field order, with ``changes`` applied."""
    vals = list(event_values(ev))
    if changes:
        for k, v in changes.items():
            vals[_FIELD_POS[k]] = v
    return vals


def evolve(ev: Event, changes: Mapping[str, Any]) -> Event:
    """Return a copy of ``ev`` with ``changes`` (a faster ``dataclasses.replace``)."""
    return Event(*field_values(ev, changes))


def event_from_values(values: Mapping[str, Any]) -> Event:
    """Return ``Event(**values)``, built positionally (a third of the cost, for imports).

    Raises
    ------
    KeyError
        A name that is not an event field.
    """
    vals = list(_DEFAULTS)
    for k, v in values.items():
        vals[_FIELD_POS[k]] = v
    return Event(*vals)


def stamp_overrides(
    ev: Event, *, by: str, at: str, report: Report | None, preserve: bool = False
) -> dict[str, Any]:
    """Return the field values the store sets on a new event (see :func:`stamp_new`)."""
    changes: dict[str, Any] = {
        "created_by": ev.created_by or by,
        "created_at": ev.created_at or at,
        "updated_at": (ev.updated_at or at) if preserve else at,
        "revision": max(1, ev.revision) if preserve else 1,
        "deleted": ev.deleted if preserve else False,
    }
    if report is not None:
        for name, value in (
            ("report_id", report.id),
            ("source_publisher", report.publisher),
            ("source_url", report.url),
            ("source_published", report.published),
        ):
            if not getattr(ev, name) and value:
                changes[name] = value
    if ev.date_start is not None and ev.date_end is None:
        changes["date_end"] = ev.date_start
    return changes


def stamp_import(ev: Event, *, by: str, at: str) -> tuple[Event, dict[str, Any]]:
    """Return ``ev`` stamped as an import keeps it, and the stamped values.

    Same as ``add_events(..., preserve=True)``. Stamping touches only store-managed fields,
    which validation does not judge, so a validated event stays valid; an event that needs
    more (an end date filled in) is validated again.

    Raises
    ------
    ValidationError
        The stamped event is invalid (it was not validated before).
    """
    ov = stamp_overrides(ev, by=by, at=at, report=None, preserve=True)
    if not ov.keys() <= _SYSTEM_SET:
        ev = evolve(ev, ov)
        errs = validate_event(ev)
        if errs:
            problems = [f"event {ev.id!r}: {e}" for e in errs]
            raise ValidationError("invalid events: " + "; ".join(problems), problems=problems)
    return ev, ov


_SYSTEM_SET = frozenset(SYSTEM_FIELDS)


def stamp_new(
    ev: Event, *, by: str, at: str, report: Report | None, preserve: bool = False
) -> Event:
    """Return ``ev`` ready to insert: creator, timestamps, revision 1 and report fields set.

    With ``preserve`` (an import of exported records) ``revision``, ``deleted`` and the
    timestamps already on the event are kept.
    """
    return evolve(ev, stamp_overrides(ev, by=by, at=at, report=report, preserve=preserve))


def check_report(report: Report) -> None:
    """Raise :class:`ValidationError` unless ``report.id`` is the sha256 of its text."""
    if not isinstance(report.text, str) or not report.text:
        msg = "report text is empty"
        raise ValidationError(msg, problems=[msg])
    if report.id != report_id_for(report.text):
        msg = f"report id {report.id!r} is not the sha256 of its text (use report_id_for)"
        raise ValidationError(msg, problems=[msg])


def dedupe_ids(ids: Iterable[str]) -> list[str]:
    """Return the ids that occur more than once, in first-seen order."""
    seen: set[str] = set()
    dup: list[str] = []
    for i in ids:
        if i in seen and i not in dup:
            dup.append(i)
        seen.add(i)
    return dup
