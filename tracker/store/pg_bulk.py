"""Large imports into the PostGIS store: rows prepared in a worker, written per window.

:func:`prepare_copy_rows` runs wherever the events are read (the import worker process of
:mod:`tracker.exchange_stream`, or this process while a writer thread sends the chunk
before): it stamps validated events the way ``PostGISStore.add_events(..., preserve=True)``
does and returns their values in column order, sorted by date. :class:`PgBulkImport`
writes them inside the store's open transaction with ``COPY`` (psycopg formats each row in
C), in the same bulk mode as ``add_events`` (indexes and keys dropped for a big load into
a small table and rebuilt before commit; ids already stored are known from one read), or
through a temporary table and ``INSERT ... ON CONFLICT DO NOTHING`` next to other writers.
Imports: stdlib, psycopg, tracker.model/errors, tracker.store.rules/pg_write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import psycopg

from tracker.errors import ValidationError
from tracker.model import Event
from tracker.store import rules
from tracker.store.pg_write import (
    COLS_SQL,
    EVENT_COLS,
    I_TAGS,
    NUL_MSG,
    REV_COLS_SQL,
)

if TYPE_CHECKING:
    from tracker.store.postgis import PostGISStore

_GET = attrgetter(*EVENT_COLS)

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
        vals = list(_GET(ev))
        for k, v in ov.items():
            vals[_POS[k]] = v
        tags = vals[I_TAGS]
        vals[I_TAGS] = json.dumps(list(tags), ensure_ascii=False) if tags else "[]"
        ds, de = vals[_I_START], vals[_I_END]
        key = (ds is None, ds or date.min, de is None, de or date.min, vals[_I_ID])  # sort_key
        keyed.append((key, vals))
    keyed.sort(key=lambda kv: kv[0])
    return [(vals[_I_ID], vals[_I_REV], tuple(vals)) for _, vals in keyed]


_POS = {name: i for i, name in enumerate(EVENT_COLS)}
_I_ID, _I_REV = _POS["id"], _POS["revision"]
_I_START, _I_END = _POS["date_start"], _POS["date_end"]


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
        try:
            return self._write(rows)
        except psycopg.DataError as err:
            if "NUL" in str(err):
                raise ValidationError(NUL_MSG, problems=[NUL_MSG]) from None
            raise

    def _write(self, rows: Sequence[CopyRow]) -> int:
        con = self.store.con
        todo = []
        for r in rows:
            if r[0] not in self.seen:  # an id repeated in the file: its first (earliest) row
                self.seen.add(r[0])
                todo.append(r)
        if not todo:
            return 0
        store = self.store
        store._try_bulk(len(todo))
        known = store._bulk_ids
        if known is not None:  # bulk mode: the table is locked, its ids are all in `known`
            added = set()
            with con.cursor() as cur, cur.copy(f"COPY events ({COLS_SQL}) FROM STDIN") as cp:
                for r in todo:
                    if r[0] not in known:
                        cp.write_row(r[2])
                        added.add(r[0])
            known |= added
        else:
            con.execute(
                "CREATE TEMP TABLE IF NOT EXISTS tracker_incoming ON COMMIT DROP AS "
                f"SELECT {COLS_SQL} FROM events WITH NO DATA"
            )
            with con.cursor() as cur:
                with cur.copy(f"COPY tracker_incoming ({COLS_SQL}) FROM STDIN") as cp:
                    for r in todo:
                        cp.write_row(r[2])
                cur.execute(
                    f"INSERT INTO events ({COLS_SQL}) SELECT {COLS_SQL} FROM tracker_incoming "
                    "ON CONFLICT (id) DO NOTHING RETURNING id"
                )
                added = {x[0] for x in cur.fetchall()}
                cur.execute("TRUNCATE tracker_incoming")
        tail = self.rev_tail
        with con.cursor() as cur, cur.copy(f"COPY revisions ({REV_COLS_SQL}) FROM STDIN") as cp:
            for i, rev, _ in todo:
                if i in added:
                    cp.write_row((i, rev, *tail))
        return len(added)

    def finish(self) -> None:
        """Nothing is left to do before commit (index rebuilds run as commit hooks)."""
