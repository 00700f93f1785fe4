"""Large imports into the PostGIS store: rows prepared in a worker, written per window.

:func:`prepare_copy_rows` runs wherever the events are read (the import worker process of
:mod:`tracker.exchange_stream`, or this process while a writer thread sends the chunk
before): it stamps validated events the way ``PostGISStore.add_events(..., preserve=True)``
does and returns their values in column order, sorted by date. :class:`PgBulkImport`
writes them inside the store's open transaction through :func:`~tracker.store.pg_write.copy_many`,
as ``add_events`` does (bulk mode for a big load into a small table, else a temporary table
and ``INSERT ... ON CONFLICT DO NOTHING`` next to other writers); psycopg formats each row
in C.
Imports: stdlib, tracker.model, tracker.store.rules/pg_write.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING, Any

from tracker.model import Event
from tracker.store import rules
from tracker.store.pg_write import (
    EVENT_COLS,
    I_TAGS,
    copy_many,
    copy_revisions,
    nul_refused,
    tags_text,
)

if TYPE_CHECKING:
    from tracker.store.postgis import PostGISStore

# (event id, revision, the event's values in EVENT_COLS order, tags as JSON text)
CopyRow = tuple[str, int, tuple[Any, ...]]


def prepare_copy_rows(events: Sequence[Event], *, by: str, at: str) -> list[CopyRow]:
    """Return the COPY rows of validated events, stamped as an import keeps them, by date.

    Same stamping as ``add_events(..., preserve=True)``; an event whose stamping touches
    more than store-managed fields is validated again (see ``sqlite_bulk.prepare_rows``).
    The values are plain Python values (picklable); psycopg formats them as ``COPY`` text
    in C when they are written.

    Raises
    ------
    ValidationError
        An event is invalid after stamping.
    """
    keyed = []
    for ev in events:
        ev, ov = rules.stamp_import(ev, by=by, at=at)
        vals = rules.field_values(ev, ov)  # EVENT_COLS is the field order
        vals[I_TAGS] = tags_text(vals[I_TAGS])
        ds, de = vals[_I_START], vals[_I_END]
        key = (ds is None, ds or date.min, de is None, de or date.min, vals[_I_ID])  # sort_key
        keyed.append((key, vals))
    keyed.sort(key=lambda kv: kv[0])
    return [(vals[_I_ID], vals[_I_REV], tuple(vals)) for _, vals in keyed]


_I_ID, _I_REV = EVENT_COLS.index("id"), EVENT_COLS.index("revision")
_I_START, _I_END = EVENT_COLS.index("date_start"), EVENT_COLS.index("date_end")


class PgBulkImport:
    """Writes windows of :func:`prepare_copy_rows` output in the store's open transaction."""

    def __init__(self, store: PostGISStore, *, by: str, at: str, reason: str | None) -> None:
        self.store = store
        self.rev_tail = ("import", at, by, reason)
        self.seen: set[str] = set()

    def write(self, rows: Sequence[CopyRow]) -> int:
        """Write one window; return how many events were new (ids stored before are skipped).

        Raises
        ------
        ValidationError
            A text holds a NUL character (PostgreSQL cannot store it).
        """
        todo = []
        for r in rows:
            if r[0] not in self.seen:  # an id repeated in the file: its first (earliest) row
                self.seen.add(r[0])
                todo.append(r)
        if not todo:
            return 0
        store = self.store
        with nul_refused():
            store._try_bulk(len(todo))
            added = copy_many(store.con, [(i, vals) for i, _, vals in todo], known=store._bulk_ids)
            copy_revisions(
                store.con, [(i, rev, *self.rev_tail) for i, rev, _ in todo if i in added]
            )
        return len(added)

    def finish(self) -> None:
        """Nothing is left to do before commit (index rebuilds run as commit hooks)."""
