"""The records that cross module boundaries: frozen dataclasses and their vocabularies.

Field names are a contract (issues 2 and 3): exports, imports, tests and other tools rely
on them. Add fields freely; rename none. Coordinates are ``lon, lat`` everywhere.
Imports: stdlib only.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import asdict, dataclass
from datetime import date
from operator import attrgetter
from typing import Any

EVENT_TYPES = (
    "movement",
    "arrival",
    "presence",
    "training",
    "deployment_decision",
    "combat",
    "withdrawal",
    "casualties",
    "capture",
    "other",
)
ROLES = ("location", "origin", "destination", "transit", "related")
STATUSES = ("confirmed", "claimed", "unconfirmed", "denied")
DATE_PRECISIONS = ("day", "range", "week", "month", "year", "unknown")
GEO_PRECISIONS = ("point", "near", "admin2", "admin1", "macro_region", "country", "unknown")
COUNT_QUALIFIERS = ("about", "up_to", "at_least", "more_than", "exactly")
REVIEW_STATES = ("pending", "accepted", "rejected")
SOURCE_RELIABILITY = ("A", "B", "C", "D", "E", "F")
INFO_CREDIBILITY = (1, 2, 3, 4, 5, 6)
PLACE_KINDS = (
    "city",
    "admin1",
    "country",
    "macro_region",
    "continent",
    "custom",
    "area",
    "demonym",
)

# Order of the contract fields in exports (CSV columns add lon, lat after geometry's place).
EVENT_FIELDS = (
    "id",
    "event_type",
    "date_start",
    "date_end",
    "date_precision",
    "date_text",
    "place_name",
    "place_id",
    "country_code",
    "admin1_code",
    "geo_precision",
    "role",
    "lon",
    "lat",
    "actor",
    "unit",
    "count",
    "count_low",
    "count_high",
    "count_qualifier",
    "count_unit",
    "claimed_by",
    "status",
    "source_reliability",
    "info_credibility",
    "report_id",
    "source_publisher",
    "source_url",
    "source_published",
    "evidence",
    "evidence_start",
    "evidence_end",
    "method",
    "confidence",
    "review_state",
    "notes",
    "tags",
    "created_by",
    "created_at",
    "updated_at",
    "revision",
    "deleted",
)


def new_event_id() -> str:
    """Return a fresh opaque event id (``evt_`` + 20 random hex digits)."""
    return "evt_" + secrets.token_hex(10)


def derived_event_id(*parts: object) -> str:
    """Return a deterministic event id from its identifying parts.

    Used by ingestion so that ingesting the same report twice yields the same ids.
    """
    h = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return "evt_" + h[:20]


def report_id_for(text: str) -> str:
    """Return a report's id: the sha256 hex digest of its full text (UTF-8)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Place:
    """A gazetteer entry or candidate (the JSON fields of ``tracker places search``)."""

    id: str
    name: str
    kind: str
    country_code: str | None
    admin1_code: str | None
    lon: float | None
    lat: float | None
    population: int = 0
    matched_alias: str | None = None
    score: float = 0.0
    geonameid: int | None = None
    feature_code: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready dict of this place."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class DateSpan:
    """A calendar interval (end inclusive) with its precision and the raw wording."""

    start: date | None
    end: date | None
    precision: str = "unknown"
    text: str = ""


@dataclass(frozen=True, slots=True)
class Report:
    """A source document, stored whole so every evidence span can be re-read."""

    id: str
    text: str
    title: str | None = None
    publisher: str | None = None
    url: str | None = None
    published: str | None = None
    retrieved: str | None = None
    language: str | None = None
    body_end: int | None = None  # offset where a scraped comment thread starts, if any
    source_path: str | None = None
    ingested_at: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One sourced claim about troops at a place and time (issue 3's contract fields)."""

    id: str
    event_type: str = "other"
    date_start: date | None = None
    date_end: date | None = None
    date_precision: str = "unknown"
    date_text: str | None = None
    place_name: str | None = None
    place_id: str | None = None
    country_code: str | None = None
    admin1_code: str | None = None
    geo_precision: str = "unknown"
    role: str = "location"
    lon: float | None = None
    lat: float | None = None
    actor: str | None = None
    unit: str | None = None
    count: int | None = None
    count_low: int | None = None
    count_high: int | None = None
    count_qualifier: str | None = None
    count_unit: str | None = None
    claimed_by: str | None = None
    status: str = "claimed"
    source_reliability: str | None = None
    info_credibility: int | None = None
    report_id: str | None = None
    source_publisher: str | None = None
    source_url: str | None = None
    source_published: str | None = None
    evidence: str | None = None
    evidence_start: int | None = None
    evidence_end: int | None = None
    method: str = "manual"
    confidence: float = 1.0
    review_state: str = "accepted"
    notes: str | None = None
    tags: tuple[str, ...] = ()
    created_by: str | None = None
    created_at: str | None = None
    updated_at: str | None = None
    revision: int = 1
    deleted: bool = False

    @property
    def has_geometry(self) -> bool:
        """Whether the event has a point (``lon`` and ``lat`` both set)."""
        return self.lon is not None and self.lat is not None

    def to_dict(self) -> dict[str, Any]:
        """Return the event as a JSON-ready dict (ISO dates, tags as a list)."""
        d = dict(zip(EVENT_FIELDS, event_values(self), strict=True))
        for k in ("date_start", "date_end"):
            v = d[k]
            d[k] = v.isoformat() if v is not None else None
        d["tags"] = list(self.tags)
        return d


# An event's values as a tuple in EVENT_FIELDS order, which is the dataclass field order.
event_values = attrgetter(*EVENT_FIELDS)


@dataclass(frozen=True, slots=True)
class Revision:
    """One entry of an event's history: who changed what, when and why."""

    event_id: str
    revision: int
    action: str  # create | edit | delete | restore | link | unlink
    changed_at: str
    changed_by: str
    reason: str | None = None
    changes: tuple[tuple[str, Any, Any], ...] = ()  # (field, old, new)


@dataclass(frozen=True, slots=True)
class RegionFilter:
    """A resolved ``--region``: which codes and which outline count as inside it.

    An event matches when its ``admin1_code`` is in ``admin1_codes``, or its
    ``country_code`` is in ``country_codes``, or its ``place_id`` is in ``place_ids``, or
    (for raw coordinates, i.e. no gazetteer place) its point lies inside ``outline_wkt``.
    """

    name: str
    kind: str
    country_codes: tuple[str, ...] = ()
    admin1_codes: tuple[str, ...] = ()
    place_ids: tuple[str, ...] = ()
    outline_wkt: str | None = None


@dataclass(frozen=True, slots=True)
class EventFilter:
    """Every query filter; filters combine with AND. ``None`` or empty means no filter."""

    date_from: date | None = None
    date_to: date | None = None
    region: RegionFilter | None = None
    bbox: tuple[float, float, float, float] | None = None  # W, S, E, N; W > E crosses 180
    polygon_wkt: str | None = None
    near: tuple[float, float, float] | None = None  # lon, lat, radius in metres
    statuses: tuple[str, ...] = ()
    event_types: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    review_states: tuple[str, ...] = ()  # empty: pending + accepted (rejected hidden)
    actor: str | None = None
    claimed_by: str | None = None
    source: str | None = None
    report_id: str | None = None
    place_id: str | None = None
    tags: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
    include_deleted: bool = False
    limit: int | None = None


@dataclass(frozen=True, slots=True)
class PlaceRule:
    """A remembered review correction for the geoparser (issue 4: corrections stick).

    ``action`` is ``"place"`` (resolve ``name`` to ``place_id``) or ``"not_place"`` (never a
    place). ``context`` narrows where the rule applies: a country code the document is
    about (e.g. ``"RU"``), or empty for everywhere.
    """

    id: str
    name: str  # normalized surface form
    action: str
    place_id: str | None = None
    context: str = ""
    created_by: str | None = None
    created_at: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class Link:
    """A record that two events describe one happening (issue 8); never edits the events."""

    id: str
    event_a: str
    event_b: str
    reason: str
    method: str = "manual"  # or "cluster <version>"
    score: float | None = None
    created_by: str | None = None
    created_at: str | None = None
    active: bool = True
    removed_by: str | None = None
    removed_at: str | None = None
    removed_reason: str | None = None
