"""Large imports into the PostGIS store: rows prepared in a worker, written per window.

:func:`prepare_copy_rows` runs wherever the events are read (the import worker process of
:mod:`tracker.exchange_stream`, or this process while a writer thread sends the chunk
before): it stamps validated events the way ``PostGISStore.add_events(..., preserve=True)``
does and returns their values in column order, sorted by date. :class:`PgBulkImport`
writes them inside the store's open transaction as ``add_events`` does (bulk mode for a
big load into a small table, else a temporary table and ``INSERT ... ON CONFLICT DO
NOTHING`` next to other writers); psycopg formats the rows as ``COPY`` text in C. One
thread streams a window with :meth:`~PgBulkImport.write`; two split it: this one
formats the next window (:meth:`~PgBulkImport.encode`) while a writer thread sends the one
before (:meth:`~PgBulkImport.send`).
Imports: stdlib, tracker.model, tracker.store.rules/pg_write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from tracker.model import Event, event_values
from tracker.store import rules
from tracker.store.pg_write import (
    COLS_SQL,
    EVENT_COLS,
    I_TAGS,
    REV_COLS_SQL,
    copy_many,
    copy_revisions,
    encode_rows,
    incoming_table,
    insert_new,
    nul_refused,
    send_copy,
    tags_text,
)

if TYPE_CHECKING:
    from tracker.store.postgis import PostGISStore

# (event id, revision, the event's values in EVENT_COLS order, tags as JSON text)
CopyRow = tuple[str, int, list[Any]]


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
        key = (rules.date_order(ds, de), vals[_I_ID])  # sort_key's order
        keyed.append((key, vals))
    keyed.sort(key=itemgetter(0))
    return [(vals[_I_ID], vals[_I_REV], vals) for _, vals in keyed]


def pack_events(events: Sequence[Event]) -> list[tuple[Any, ...]]:
    """Return validated events as tuples of their field values, for another process.

    Cheaper to build and to pickle than :func:`prepare_copy_rows` rows (measured per
    event: 0.7 + 3.9 µs against 5 + 5.3 µs), so an import worker whose reading is the
    slowest stage leaves stamping and sorting to the writer (:meth:`PgBulkImport.window`).
    """
    return [event_values(e) for e in events]


_I_ID, _I_REV = EVENT_COLS.index("id"), EVENT_COLS.index("revision")
_I_START, _I_END = EVENT_COLS.index("date_start"), EVENT_COLS.index("date_end")


@dataclass(frozen=True)
class EncodedWindow:
    """A window of new rows as ``COPY`` text, ready to send (:meth:`PgBulkImport.encode`)."""

    ids: list[str]
    revs: list[int]  # each id's revision
    events: bytes
    revisions: bytes | None  # None: sent after the server says which ids were new


class PgBulkImport:
    """Writes windows of :func:`prepare_copy_rows` output in the store's open transaction.

    :meth:`write` streams a window (psycopg formats a block while the server stores the
    one before). :meth:`encode` and :meth:`send` do the same in two halves for two
    threads, one encoding the next window while the other sends this one: ``encode``
    holds the interpreter, ``send`` mostly waits for the server.
    """

    def __init__(
        self,
        store: PostGISStore,
        *,
        by: str,
        at: str,
        reason: str | None,
        packed: bool = False,
    ) -> None:
        self.store = store
        self.by, self.at = by, at
        self.packed = packed  # windows are pack_events output (see window())
        self.rev_tail = ("import", at, by, reason)
        self.seen: set[str] = set()
        self._tail: str | None = None  # the revision rows' common tail as COPY text

    def write(self, rows: Sequence[CopyRow]) -> int:
        """Write one window; return how many events were new (ids stored before are skipped).

        ``rows`` come from :func:`prepare_copy_rows` (or :meth:`window`).

        Raises
        ------
        ValidationError
            A text holds a NUL character (PostgreSQL cannot store it).
        """
        todo = self._unseen(rows)
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

    def window(self, rows: Sequence[Any]) -> Sequence[CopyRow]:
        """Return a whole window ready for :meth:`write` (which may get it in slices).

        With ``packed=True`` the window is :func:`pack_events` output, stamped and sorted
        by date here as a whole (so an id repeated in it keeps its earliest row); else it
        is already :func:`prepare_copy_rows` output.

        Raises
        ------
        ValidationError
            An event is invalid after stamping.
        """
        if self.packed:
            return prepare_copy_rows([Event(*v) for v in rows], by=self.by, at=self.at)
        return rows

    def _unseen(self, rows: Sequence[CopyRow]) -> list[CopyRow]:
        """Return the rows whose id no earlier window had (a file's first, earliest row)."""
        seen, todo = self.seen, []
        for r in rows:
            if r[0] not in seen:
                seen.add(r[0])
                todo.append(r)
        return todo

    def encode(self, rows: Sequence[CopyRow]) -> EncodedWindow:
        """Return a window's rows not written yet as ``COPY`` text.

        The first call may switch the transaction to bulk mode, so it must not run while
        :meth:`send` does; later calls may.

        Raises
        ------
        ValidationError
            A text holds a NUL character (PostgreSQL cannot store it).
        """
        todo = self._unseen(rows)
        store, con = self.store, self.store.con
        with nul_refused():
            store._try_bulk(len(todo))  # a no-op after the first window
            known = store._bulk_ids
            if known:  # bulk mode: every row not stored before is new
                todo = [r for r in todo if r[0] not in known]
            ids, revs = [r[0] for r in todo], [r[1] for r in todo]
            if known is not None:
                known.update(ids)
            return EncodedWindow(
                ids=ids,
                revs=revs,
                events=encode_rows(con, (vals for _, _, vals in todo)),
                # outside bulk mode the server says which ids were new; revisions follow
                revisions=self._revision_text(ids, revs) if known is not None else None,
            )

    def _revision_text(self, ids: list[str], revs: list[int]) -> bytes:
        """Return the first revisions of ``ids`` as ``COPY`` text.

        Valid ids (``rules.ID_RE``) need no escaping, so only the common tail (action,
        time, author, reason) goes through psycopg; any other id takes the general path.
        """
        con = self.store.con
        joined = "\n".join(ids)
        if any(c in joined for c in "\t\\\r") or joined.count("\n") != len(ids) - 1:
            return encode_rows(
                con, [(i, r, *self.rev_tail) for i, r in zip(ids, revs, strict=True)]
            )
        if self._tail is None:
            self._tail = encode_rows(con, [self.rev_tail]).decode()
        tail = self._tail
        return "".join([f"{i}\t{r}\t{tail}" for i, r in zip(ids, revs, strict=True)]).encode()

    def send(self, window: EncodedWindow) -> int:
        """Send an encoded window; return how many events were new.

        Raises
        ------
        ValidationError
            A text holds a NUL character (PostgreSQL cannot store it).
        """
        con = self.store.con
        with nul_refused():
            if window.revisions is not None:
                send_copy(con, "events", COLS_SQL, window.events)
                send_copy(con, "revisions", REV_COLS_SQL, window.revisions)
                return len(window.ids)
            incoming_table(con)
            send_copy(con, "tracker_incoming", COLS_SQL, window.events)
            added = insert_new(con)
            pairs = zip(window.ids, window.revs, strict=True)
            copy_revisions(con, [(i, r, *self.rev_tail) for i, r in pairs if i in added])
            return len(added)

    def finish(self) -> None:
        """Nothing is left to do before commit (index rebuilds run as commit hooks)."""
