"""Writing new events to PostGIS fast: one statement for a few, COPY for many.

A few events (a ``tracker add``) go in with one ``INSERT ... ON CONFLICT DO NOTHING`` whose
``RETURNING`` feeds the revisions insert in the same statement: one round trip and, outside
an explicit transaction, one commit. Many events are streamed with ``COPY``. When a big
batch lands in a table that is small next to it (a first import), the B-tree indexes and
the keys are dropped under an exclusive lock and rebuilt before the transaction commits:
building them is far cheaper than updating them row by row (the ids stored are then read
once and kept in a set); the GiST index is kept (``BULK_KEEPS``). psycopg formats rows as
``COPY`` text in C, streamed (:func:`copy_many`: the server stores one block while the
next is formatted) or encoded apart from sending (:func:`encode_rows`, :func:`send_copy`:
one thread formats while another waits on the server). Ids already stored are skipped in
every path, so adds stay idempotent and concurrent writers never duplicate an event.
Imports: psycopg, stdlib, tracker.model/errors, tracker.store.pg_schema.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import sql
from psycopg.copy import FileWriter
from psycopg.types.json import Jsonb

from tracker.errors import ValidationError
from tracker.model import EVENT_FIELDS, Event, event_values
from tracker.store import pg_schema

EVENT_COLS = EVENT_FIELDS  # the table's columns are the event's fields, in order
COLS_SQL = ", ".join(EVENT_COLS)
# Every column but the id (the first) from parameters in EVENT_COLS order, then the id.
UPDATE_SQL = (
    "UPDATE events SET " + ", ".join(f"{c} = %s" for c in EVENT_COLS[1:]) + " WHERE id = %s"
)
I_TAGS = EVENT_COLS.index("tags")
REV_COLS_SQL = "event_id, revision, action, changed_at, changed_by, reason"
NUL_MSG = "PostgreSQL cannot store the NUL character (\\x00); remove it from the text"
SMALL_BATCH = 200  # up to this many events: one INSERT statement
BULK_MIN = 2000  # a batch this big may switch the transaction to bulk mode ...
BULK_RATIO = 10  # ... when the table holds at most this many times the batch
# Indexes bulk mode keeps: the server updates the spatio-temporal GiST row by row while it
# waits for the client to format the next rows (measured: 250,000 events 24.6 -> 21.9 us
# an event); building it after the load took 4.3 us an event more, on one core. The
# B-trees cost more to update than to build.
BULK_KEEPS = frozenset({"events_geom_days"})


def event_params(ev: Event) -> list[Any]:
    """Return the INSERT parameters of ``ev`` in ``EVENT_COLS`` order (tags as jsonb)."""
    vals = list(event_values(ev))
    vals[I_TAGS] = Jsonb(list(ev.tags))
    return vals


def tags_text(tags: Sequence[str]) -> str:
    """Return tags as the JSON text ``COPY`` sends for the jsonb column."""
    return json.dumps(list(tags), ensure_ascii=False) if tags else "[]"


def copy_row(ev: Event) -> tuple[str, list[Any]]:
    """Return ``(id, values)`` of ``ev`` for :func:`copy_many` (tags as JSON text)."""
    vals = list(event_values(ev))
    vals[I_TAGS] = tags_text(ev.tags)
    return ev.id, vals


@contextmanager
def nul_refused() -> Iterator[None]:
    """Turn the server's or psycopg's refusal of a NUL character into a ValidationError."""
    try:
        yield
    except psycopg.DataError as err:
        if "NUL" in str(err):
            raise ValidationError(NUL_MSG, problems=[NUL_MSG]) from None
        raise


def insert_few(
    con: psycopg.Connection[Any], events: Sequence[Event], rev: tuple[Any, ...]
) -> set[str]:
    """Insert up to ``SMALL_BATCH`` events and their first revisions in one statement.

    ``rev`` is ``(action, changed_at, changed_by, reason)``. Returns the ids inserted.
    """
    if not events:
        return set()
    one = "(" + ", ".join("%s" for _ in EVENT_COLS) + ")"
    params: list[Any] = []
    for e in events:
        params += event_params(e)
    query = (
        f"WITH ins AS (INSERT INTO events ({COLS_SQL}) VALUES "
        + ", ".join(one for _ in events)
        + " ON CONFLICT (id) DO NOTHING RETURNING id, revision) "
        f"INSERT INTO revisions ({REV_COLS_SQL}) "
        "SELECT id, revision, %s, %s, %s, %s FROM ins RETURNING event_id"
    )
    rows = con.execute(query, [*params, *rev]).fetchall()
    return {r[0] for r in rows}


def encode_rows(con: psycopg.Connection[Any], rows: Iterable[Sequence[Any]]) -> bytes:
    """Return ``rows`` as ``COPY`` text, formatted by psycopg (in C) without the server.

    Safe to call from one thread while another runs a statement on ``con``: the formatter
    only reads the connection's encoding and adapters (psycopg's documented ``Copy`` with
    a ``FileWriter``).
    """
    buf = io.BytesIO()
    with psycopg.Copy(con.cursor(), binary=False, writer=FileWriter(buf)) as cp:
        for r in rows:
            cp.write_row(r)
    return buf.getvalue()


def send_copy(con: psycopg.Connection[Any], table: str, cols_sql: str, data: bytes) -> None:
    """``COPY table (cols) FROM STDIN`` the text ``data`` (:func:`encode_rows`)."""
    if data:
        with con.cursor() as cur, cur.copy(f"COPY {table} ({cols_sql}) FROM STDIN") as cp:
            cp.write(data)  # our constants for table and columns


def insert_new(con: psycopg.Connection[Any]) -> set[str]:
    """Move the rows of :func:`incoming_table` into ``events``; return the ids inserted.

    ``INSERT ... ON CONFLICT DO NOTHING`` skips ids already stored, which is safe next to
    concurrent writers.
    """
    with con.cursor() as cur:
        cur.execute(
            f"INSERT INTO events ({COLS_SQL}) SELECT {COLS_SQL} FROM tracker_incoming "
            "ON CONFLICT (id) DO NOTHING RETURNING id"
        )
        added = {r[0] for r in cur.fetchall()}
        cur.execute("TRUNCATE tracker_incoming")
    return added


def incoming_table(con: psycopg.Connection[Any]) -> None:
    """Create the transaction's temporary table for new events if it is not there yet."""
    con.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS tracker_incoming ON COMMIT DROP AS "
        f"SELECT {COLS_SQL} FROM events WITH NO DATA"
    )


def copy_many(
    con: psycopg.Connection[Any],
    rows: Sequence[tuple[str, Sequence[Any]]],
    *,
    known: set[str] | None,
) -> set[str]:
    """COPY events in; return the ids inserted (those not stored before).

    ``rows`` are ``(id, values in EVENT_COLS order)`` (:func:`copy_row`), ids unique.
    ``known`` is given in bulk mode (the table is locked, has no B-tree indexes or keys,
    and ``known`` holds every id in it): the rows not in it are copied straight into
    ``events`` and their ids added to it. Otherwise they go through :func:`insert_new`.
    Rows are streamed: the server stores each block while psycopg formats the next.
    """
    if known is not None:
        added = set()
        with con.cursor() as cur, cur.copy(f"COPY events ({COLS_SQL}) FROM STDIN") as cp:
            for i, vals in rows:
                if i not in known:
                    cp.write_row(vals)
                    added.add(i)
        known |= added
        return added
    incoming_table(con)
    with con.cursor() as cur, cur.copy(f"COPY tracker_incoming ({COLS_SQL}) FROM STDIN") as cp:
        for _, vals in rows:
            cp.write_row(vals)
    return insert_new(con)


def copy_revisions(con: psycopg.Connection[Any], rows: Iterable[Sequence[Any]]) -> None:
    """COPY first revisions ``(event_id, revision, action, changed_at, changed_by, reason)``."""
    with con.cursor() as cur, cur.copy(f"COPY revisions ({REV_COLS_SQL}) FROM STDIN") as cp:
        for r in rows:
            cp.write_row(r)


class _NoBulk(Exception):
    """Raised inside :func:`enter_bulk_mode`'s savepoint to back out of bulk mode."""


def enter_bulk_mode(con: psycopg.Connection[Any], batch: int) -> Callable[[], None] | None:
    """Drop the event indexes and keys for a big load into a small table, if allowed.

    The secondary indexes of ``events`` (but ``BULK_KEEPS``), its primary key and the
    ``(event_id, revision)`` key of ``revisions`` go, under exclusive locks on both tables;
    the returned function (to run before commit) builds them again, which fails, and so
    rolls everything back, if a duplicate got in. Until then the caller must find stored
    ids without the key (the table is small: read them once) and use no ``ON CONFLICT
    (id)``. Returns ``None`` when a table is too big next to the batch, another transaction
    is using one (the lock is not waited for), or this user does not own both (a
    least-privilege writer); the caller then takes the ordinary path.
    """
    if batch < BULK_MIN:
        return None
    rows = con.execute(
        "SELECT pg_has_role(c.relowner, 'USAGE'), c.reltuples FROM pg_class c "
        "WHERE c.oid IN ('events'::regclass, 'revisions'::regclass)"
    ).fetchall()
    if len(rows) != 2 or not all(r[0] for r in rows):
        return None
    if any(r[1] is not None and r[1] > BULK_RATIO * batch for r in rows):  # clearly big
        return None
    try:
        # A savepoint, so that backing out releases the lock. The lock is taken before the
        # tables are counted, and without waiting: a count first holds a share lock, and
        # two writers that both counted would each wait for the other's (a deadlock).
        with con.transaction():
            try:
                con.execute("LOCK TABLE events, revisions IN ACCESS EXCLUSIVE MODE NOWAIT")
            except psycopg.errors.LockNotAvailable:
                raise _NoBulk from None  # another transaction uses a table: ordinary path
            for table in ("events", "revisions"):
                n = int(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])  # type: ignore[index]
                if n > BULK_RATIO * batch:
                    raise _NoBulk
    except _NoBulk:
        return None
    keys = con.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid IN ('events'::regclass, 'revisions'::regclass) AND contype IN ('p', 'u') "
        "ORDER BY contype, conname"
    ).fetchall()
    for name, _ in _bulk_dropped():
        con.execute(f"DROP INDEX IF EXISTS {name}")  # our constants
    for table, name, _ in keys:
        con.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )

    def rebuild() -> None:
        con.execute("SET LOCAL maintenance_work_mem = '256MB'")
        for table, name, definition in keys:
            con.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} ").format(
                    sql.Identifier(table), sql.Identifier(name)
                )
                + sql.SQL(definition)
            )
        for _, ddl in _bulk_dropped():
            con.execute(ddl)  # our constants
        con.execute("ANALYZE events")

    return rebuild


def _bulk_dropped() -> list[tuple[str, str]]:
    return [(n, ddl) for n, ddl in pg_schema.EVENT_INDEXES if n not in BULK_KEEPS]


def select_col(name: str, alias: str = "e") -> str:
    """Return the SELECT expression of an event column (tags as text: see row_to_event)."""
    if name == "tags":  # psycopg's jsonb loader cost 8.6 us a row; most tags are "[]"
        return f"{alias}.tags::text AS tags"
    return f"{alias}.{name}"


SELECT_SQL = ", ".join(select_col(c) for c in EVENT_COLS)


def row_to_event(row: Sequence[Any]) -> Event:
    """Return the :class:`Event` of a row selected in ``EVENT_COLS`` order.

    Tags come as JSON text (:func:`select_col`) or already parsed.
    """
    vals = list(row)
    t = vals[I_TAGS]
    if isinstance(t, str):
        t = json.loads(t) if t != "[]" else ()
    vals[I_TAGS] = tuple(t) if t else ()
    return Event(*vals)


def has_nul(ev: Event) -> bool:
    """Whether any text field of ``ev`` holds a NUL character (PostgreSQL refuses it)."""
    return any(isinstance(v, str) and "\x00" in v for v in (getattr(ev, c) for c in EVENT_COLS))
