"""Large imports into the PostGIS store: COPY lines built in a worker, written per window.

:func:`prepare_copy_rows` runs wherever the events are read (the import worker process of
:mod:`tracker.exchange_stream`): it stamps validated events the way
``PostGISStore.add_events(..., preserve=True)`` does and formats each as one line of
``COPY ... FROM STDIN`` text, so the writing process does no Python work per field: it
filters ids already stored and streams the lines. :class:`PgBulkImport` writes them inside
the store's open transaction, with the same bulk mode as ``add_events`` (secondary indexes
dropped for a big load into a small table and rebuilt before commit), or through a
temporary table and ``INSERT ... ON CONFLICT DO NOTHING`` next to other writers.
Imports: stdlib, psycopg, tracker.model/errors, tracker.store.rules/pg_write.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from operator import attrgetter
from typing import TYPE_CHECKING, Any

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
# COPY text format: backslash, tab, newline and carriage return are escaped; NULL is \N.
_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})

# (event id, revision, one COPY line of the event in EVENT_COLS order)
CopyRow = tuple[str, int, bytes]


def copy_text(value: Any) -> str:
    """Return ``value`` as a field of PostgreSQL's COPY text format.

    Raises
    ------
    ValidationError
        Text holding a NUL character (PostgreSQL cannot store it).
    """
    if value is None:
        return "\\N"
    if value is True or value is False:
        return "t" if value else "f"
    if isinstance(value, str):
        if "\x00" in value:
            raise ValidationError(NUL_MSG, problems=[NUL_MSG])
        return value.translate(_ESCAPES)
    if isinstance(value, float):
        return repr(value)  # shortest text that reads back as the same double
    if isinstance(value, int | date):
        return str(value)
    raise TypeError(f"no COPY text form for {type(value).__name__}")


def prepare_copy_rows(events: Sequence[Event], *, by: str, at: str) -> list[CopyRow]:
    """Return the COPY rows of validated events, stamped as an import keeps them, by date.

    Same stamping as ``add_events(..., preserve=True)``; an event whose stamping touches
    more than store-managed fields is validated again (see ``sqlite_bulk.prepare_rows``).

    Raises
    ------
    ValidationError
        An event is invalid after stamping, or holds a NUL character.
    """
    keyed = []
    for ev in events:
        ev, ov = rules.stamp_import(ev, by=by, at=at)
        vals = list(_GET(ev))
        for k, v in ov.items():
            vals[_POS[k]] = v
        ds, de = vals[_I_START], vals[_I_END]
        key = (ds is None, ds or date.min, de is None, de or date.min, vals[_I_ID])  # sort_key
        keyed.append((key, vals))
    keyed.sort(key=lambda kv: kv[0])
    return [(vals[_I_ID], vals[_I_REV], copy_line(vals)) for _, vals in keyed]


_POS = {name: i for i, name in enumerate(EVENT_COLS)}
_I_ID, _I_REV = _POS["id"], _POS["revision"]
_I_START, _I_END = _POS["date_start"], _POS["date_end"]
_NULL_MARK = "\x01"
_RAW: dict[type, Any] = {bool: lambda v: "t" if v else "f", int: str, float: repr}
_RAW[date] = date.isoformat


def copy_line(vals: list[Any]) -> bytes:
    """Return an event's values (``EVENT_COLS`` order) as one line of COPY text.

    The fast path joins raw fields with NUL (never in stored text), marks NULL with \\x01,
    escapes the whole line once, then puts the tabs and \\N in; a line whose text holds
    either control character goes field by field (:func:`copy_text`, which refuses NUL).
    """
    vals = list(vals)
    tags = vals[I_TAGS]
    vals[I_TAGS] = json.dumps(list(tags), ensure_ascii=False) if tags else "[]"
    try:
        raw = "\x00".join(
            [
                v if v.__class__ is str else _NULL_MARK if v is None else _RAW[v.__class__](v)
                for v in vals
            ]
        )
    except KeyError:
        raw = ""
    if raw and raw.count("\x00") == len(vals) - 1 and raw.count(_NULL_MARK) == vals.count(None):
        line = raw.translate(_ESCAPES).replace("\x00", "\t").replace(_NULL_MARK, "\\N")
    else:
        line = "\t".join(copy_text(v) for v in vals)
    return (line + "\n").encode("utf-8")


class PgBulkImport:
    """Writes windows of :func:`prepare_copy_rows` output in the store's open transaction."""

    def __init__(self, store: PostGISStore, *, by: str, at: str, reason: str | None) -> None:
        self.store = store
        self.rev_tail = ("import", at, by, reason)
        self.seen: set[str] = set()

    def write(self, rows: Sequence[CopyRow]) -> int:
        """Write one window; return how many events were new (ids stored before are skipped)."""
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
        data = b"".join(r[2] for r in todo)
        if store._bulk:  # the table is locked and has no secondary indexes
            ids = [r[0] for r in todo]
            have = {x[0] for x in con.execute("SELECT id FROM events WHERE id = ANY(%s)", (ids,))}
            if have:
                data = b"".join(r[2] for r in todo if r[0] not in have)
            with con.cursor() as cur, cur.copy(f"COPY events ({COLS_SQL}) FROM STDIN") as cp:
                cp.write(data)
            added = {r[0] for r in todo} - have
        else:
            con.execute(
                "CREATE TEMP TABLE IF NOT EXISTS tracker_incoming ON COMMIT DROP AS "
                f"SELECT {COLS_SQL} FROM events WITH NO DATA"
            )
            with con.cursor() as cur:
                with cur.copy(f"COPY tracker_incoming ({COLS_SQL}) FROM STDIN") as cp:
                    cp.write(data)
                cur.execute(
                    f"INSERT INTO events ({COLS_SQL}) SELECT {COLS_SQL} FROM tracker_incoming "
                    "ON CONFLICT (id) DO NOTHING RETURNING id"
                )
                added = {x[0] for x in cur.fetchall()}
                cur.execute("TRUNCATE tracker_incoming")
        tail = "\t".join(copy_text(v) for v in self.rev_tail)
        revs = "".join(f"{copy_text(i)}\t{rev}\t{tail}\n" for i, rev, _ in todo if i in added)
        with con.cursor() as cur, cur.copy(f"COPY revisions ({REV_COLS_SQL}) FROM STDIN") as cp:
            cp.write(revs.encode("utf-8"))
        return len(added)

    def finish(self) -> None:
        """Nothing is left to do before commit (index rebuilds run as commit hooks)."""
