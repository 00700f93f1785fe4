"""The event store: the analyst's sourced, revisioned record of events.

``open_store(location)`` returns a backend behind the :class:`EventStore` protocol: a
GeoPackage file (:mod:`tracker.store.sqlite`) for a path, PostGIS for a
``postgresql://`` URL. Backend-neutral rules (validation, diffs, ordering) live in
:mod:`tracker.store.rules`, geometry in :mod:`tracker.store.spatial`.

Examples
--------
>>> from tracker.store import open_store            # doctest: +SKIP
>>> with open_store("tracker.gpkg", create=True) as st:
...     st.query(EventFilter(statuses=("claimed",)))

Imports: stdlib, tracker.model/errors/settings; backends lazily.
"""

from __future__ import annotations

import gc
import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from tracker.errors import StoreError
from tracker.model import Event, EventFilter, Link, PlaceRule, Report, Revision


@runtime_checkable
class EventStore(Protocol):
    """What every backend provides; one conformance suite (tests/test_store.py) checks it."""

    backend: str
    location: str

    def close(self) -> None:
        """Release the connection."""

    def __enter__(self) -> EventStore: ...

    def __exit__(self, *exc: object) -> None: ...

    def transaction(self) -> AbstractContextManager[None]:
        """Group writes into one transaction (nested calls join the outer one)."""

    def schema_version(self) -> int:
        """Return the store's schema version."""

    def meta(self) -> dict[str, str]:
        """Return the store's metadata (schema_version, store_uid, created_at, ...)."""

    def snapshot_id(self) -> str:
        """Return an id of the current state (changes with every revision or link)."""

    def set_meta(self, key: str, value: str) -> None:
        """Record one metadata value."""

    def count_events(self, *, include_deleted: bool = False) -> int:
        """Return the number of events."""

    def add_report(self, report: Report) -> bool:
        """Store a report unless its id exists; return True when added."""

    def get_report(self, report_id: str) -> Report | None:
        """Return a report by id, or None."""

    def find_report(self, *, url: str) -> Report | None:
        """Return a stored report with this URL, or None."""

    def list_reports(self) -> list[Report]:
        """Return every report."""

    def add_events(
        self,
        events: Iterable[Event],
        *,
        report: Report | None = None,
        by: str | None = None,
        reason: str | None = None,
        preserve: bool = False,
    ) -> list[str]:
        """Add events in one transaction, skipping stored ids; return the ids added."""

    def get_event(self, event_id: str) -> Event:
        """Return an event (deleted too); raise EventNotFoundError."""

    def query(self, flt: EventFilter | None = None) -> list[Event]:
        """Return matching events ordered by date_start, date_end (undated last), id."""

    def query_ids(self, flt: EventFilter | None = None) -> list[str]:
        """Return the ids :meth:`query` would return, in the same order."""

    def edit_event(
        self,
        event_id: str,
        changes: Mapping[str, Any],
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Apply changes as a new revision; raise ConflictError on a revision mismatch."""

    def delete_event(
        self,
        event_id: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Soft-delete (a revision)."""

    def restore_event(
        self,
        event_id: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Undo a soft delete (a revision)."""

    def history(self, event_id: str) -> list[Revision]:
        """Return an event's revisions, oldest first."""

    def list_place_rules(self) -> list[PlaceRule]:
        """Return the geoparser corrections."""

    def add_place_rule(
        self,
        rule: PlaceRule | str,
        *,
        action: str = "place",
        place_id: str | None = None,
        context: str = "",
        by: str | None = None,
        note: str | None = None,
    ) -> PlaceRule:
        """Store a correction (replacing one with the same name and context)."""

    def delete_place_rule(self, rule_id: str) -> bool:
        """Delete a correction by id."""

    def add_link(
        self,
        event_a: str,
        event_b: str,
        *,
        reason: str,
        by: str | None = None,
        method: str = "manual",
        score: float | None = None,
    ) -> Link:
        """Link two events (idempotent for an active pair)."""

    def remove_link(self, link_id: str, *, reason: str, by: str | None = None) -> Link:
        """Deactivate a link, keeping who/when/why."""

    def list_links(
        self, event_id: str | None = None, *, include_removed: bool = False
    ) -> list[Link]:
        """Return links (of one event or all)."""

    def check(self) -> list[str]:
        """Return integrity problems (empty when sound)."""


def is_url(location: str) -> bool:
    """Return whether ``location`` is a database URL rather than a file path."""
    return location.startswith(("postgresql://", "postgres://"))


def open_store(location: str | os.PathLike[str], *, create: bool = False) -> EventStore:
    """Open (or with ``create`` make) the store at a path or ``postgresql://`` URL.

    Parameters
    ----------
    location
        A GeoPackage file path, or a PostgreSQL URL.
    create
        Create the file (or schema) when it does not exist yet; existing stores are
        migrated to the current schema either way.

    Raises
    ------
    StoreError
        Missing store without ``create``; subclasses for a file that is not a tracker
        store, a newer schema, a corrupt file, a busy or read-only store.
    """
    loc = os.fspath(location)
    if is_url(loc):
        try:
            from tracker.store import postgis  # type: ignore[attr-defined,unused-ignore]
        except ModuleNotFoundError as err:
            msg = "the PostGIS backend is not available in this tracker yet"
            raise StoreError(msg) from err
        return postgis.open_postgis(loc, create=create)  # type: ignore[no-any-return,unused-ignore]
    if "://" in loc:
        msg = f"unsupported store URL {loc!r}: use a .gpkg path or postgresql://..."
        raise StoreError(msg)
    from tracker.store.sqlite import SQLiteStore

    path = Path(loc)
    if path.is_dir():
        msg = f"{loc} is a directory; give a .gpkg file path"
        raise StoreError(msg)
    return SQLiteStore(path, create=create)


@contextmanager
def gc_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while a bulk read, write or copy runs.

    A million-row import or copy holds millions of long-lived, acyclic objects (events,
    rows); the collector's repeated full passes over them cost about a third of an
    import's CPU time (1,000,000 rows) and over half of a copy's read time (250,000
    events: 9.1 s with it, 3.9 s without). Nothing here makes reference cycles, so
    pausing frees nothing late; the previous state is restored however the block ends.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


__all__ = ["EventStore", "gc_paused", "is_url", "open_store"]
