"""Copy a store to another store, either way between GeoPackage and PostGIS, losslessly.

Everything a store holds travels: metadata (with the store uid, so snapshot ids stay the
same), reports with their full text, events with every field, the full revision history
(sequence numbers included), links and place rules. The copy is one transaction on the
destination, and before it commits, row counts and a content hash per table are compared
between source and destination; any difference rolls it back.

Re-running is safe: rows already there unchanged are skipped; events edited in the source
since the last copy are brought forward (the destination's history must be a prefix of the
source's); anything else that differs is a conflict and nothing is written. The
destination must be empty or an earlier copy of the same store (same store uid).
Imports: stdlib, tracker.model/errors, tracker.store.* (backends lazily).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tracker.errors import StoreError
from tracker.model import REVIEW_STATES, Event, EventFilter
from tracker.store import EventStore, gc_paused, is_url, open_store

REV_COLS = (
    "seq",
    "event_id",
    "revision",
    "action",
    "changed_at",
    "changed_by",
    "reason",
    "changes",
)
LINK_COLS = (
    "id",
    "event_a",
    "event_b",
    "reason",
    "method",
    "score",
    "created_by",
    "created_at",
    "active",
    "removed_by",
    "removed_at",
    "removed_reason",
)
RULE_COLS = ("id", "name", "action", "place_id", "context", "created_by", "created_at", "note")
REPORT_COLS = (
    "id",
    "title",
    "publisher",
    "url",
    "published",
    "retrieved",
    "language",
    "body_end",
    "source_path",
    "ingested_at",
    "text",
)
TABLES = ("meta", "reports", "events", "revisions", "links", "place_rules")
# Metadata that belongs to the destination itself, not to the records.
LOCAL_META = ("schema_version",)


class CopyConflictError(StoreError):
    """The destination holds records that differ from the source's (nothing was copied)."""


@dataclass(frozen=True)
class CopyResult:
    """What a copy did: rows added/updated per table, and the verified counts and hashes."""

    src: str
    dst: str
    added: dict[str, int]
    updated: dict[str, int]
    counts: dict[str, int]
    hashes: dict[str, str]
    notes: tuple[str, ...] = field(default=())


Row = dict[str, Any]


def _json_col(value: Any) -> Any:
    if isinstance(value, str):
        return json.loads(value) if value else []
    return value if value is not None else []


def read_tables(st: EventStore) -> dict[str, list[Row]]:
    """Return every record of a store, table by table, in a backend-neutral form.

    Keys are sorted per table (id, or seq for revisions); JSON columns are parsed,
    booleans are ``bool`` and dates ``datetime.date``, whatever the backend.
    """
    read: Callable[[str], list[Any]] = lambda q: st._read(q)  # type: ignore[attr-defined]  # noqa: E731
    meta = sorted((k, v) for k, v in read("SELECT key, value FROM tracker_meta"))
    reports = [
        dict(zip(REPORT_COLS, r, strict=True))
        for r in read(f"SELECT {', '.join(REPORT_COLS)} FROM reports ORDER BY id")
    ]
    flt = EventFilter(include_deleted=True, review_states=REVIEW_STATES)
    events = sorted(st.query(flt), key=lambda e: e.id)
    revisions = []
    for r in read(f"SELECT {', '.join(REV_COLS)} FROM revisions ORDER BY seq"):
        row = dict(zip(REV_COLS, r, strict=True))
        row["changes"] = _json_col(row["changes"])
        revisions.append(row)
    links = []
    for r in read(f"SELECT {', '.join(LINK_COLS)} FROM links ORDER BY id"):
        row = dict(zip(LINK_COLS, r, strict=True))
        row["active"] = bool(row["active"])
        links.append(row)
    rules = [
        dict(zip(RULE_COLS, r, strict=True))
        for r in read(f"SELECT {', '.join(RULE_COLS)} FROM place_rules ORDER BY id")
    ]
    return {
        "meta": [{"key": k, "value": v} for k, v in meta],
        "reports": reports,
        # an event row carries its Event; its values are read from it when hashed
        "events": [{"id": e.id, "_event": e} for e in events],
        "revisions": revisions,
        "links": links,
        "place_rules": rules,
    }


def _row_json(row: Row) -> str:
    """Return a row's canonical text: its values as a JSON array, in column order.

    Both backends build a table's rows with the same keys in the same order
    (:func:`read_tables`), so the values alone identify the content.
    """
    ev = row.get("_event")
    if ev is not None:
        values = list(ev.to_dict().values())
    else:
        values = [v for k, v in row.items() if not k.startswith("_")]
    return json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str)


def table_digest(tables: dict[str, list[Row]]) -> tuple[dict[str, int], dict[str, str]]:
    """Return row counts and sha256 content hashes per table (local metadata excluded)."""
    counts, hashes = {}, {}
    for name in TABLES:
        rows = tables[name]
        if name == "meta":
            rows = [r for r in rows if r["key"] not in LOCAL_META]
        h = hashlib.sha256()
        for r in rows:
            h.update(_row_json(r).encode("utf-8"))
            h.update(b"\n")
        counts[name] = len(rows)
        hashes[name] = h.hexdigest()
    return counts, hashes


def _key(name: str, row: Row) -> Any:
    if name == "meta":
        return row["key"]
    if name == "revisions":
        return (row["event_id"], row["revision"])
    return row["id"]


def _is_empty(tables: dict[str, list[Row]]) -> bool:
    return not any(tables[t] for t in ("reports", "events", "revisions", "links", "place_rules"))


def plan_copy(
    src: dict[str, list[Row]], dst: dict[str, list[Row]]
) -> tuple[dict[str, list[Row]], dict[str, list[Row]]]:
    """Return the rows to insert and to update per table, or raise CopyConflictError."""
    src_uid = next((r["value"] for r in src["meta"] if r["key"] == "store_uid"), None)
    dst_uid = next((r["value"] for r in dst["meta"] if r["key"] == "store_uid"), None)
    if not _is_empty(dst) and src_uid != dst_uid:
        msg = (
            f"the destination already holds another store (uid {dst_uid}, source uid {src_uid}); "
            "copy into an empty database/schema or a new .gpkg file"
        )
        raise CopyConflictError(msg)
    inserts: dict[str, list[Row]] = {t: [] for t in TABLES}
    updates: dict[str, list[Row]] = {t: [] for t in TABLES}
    conflicts: list[str] = []
    dst_revs: dict[str, list[Row]] = {}
    for r in dst["revisions"]:
        dst_revs.setdefault(r["event_id"], []).append(r)
    src_revs: dict[str, list[Row]] = {}
    for r in src["revisions"]:
        src_revs.setdefault(r["event_id"], []).append(r)
    dst_seqs = {r["seq"]: _key("revisions", r) for r in dst["revisions"]}
    for name in TABLES:
        have = {_key(name, r): r for r in dst[name]}
        for row in src[name]:
            k = _key(name, row)
            old = have.get(k)
            if name == "meta":
                if k in LOCAL_META:
                    continue
                if old is None:
                    inserts[name].append(row)
                elif old["value"] != row["value"]:
                    updates[name].append(row)  # the source's uid and provenance win
                continue
            if old is None:
                if name == "revisions" and dst_seqs.get(row["seq"], k) != k:
                    conflicts.append(f"revision seq {row['seq']} is another revision here")
                inserts[name].append(row)
            elif _row_json(old) != _row_json(row):
                forward = name == "events" and _history_prefix(
                    dst_revs.get(row["id"], []), src_revs.get(row["id"], [])
                )
                removed = name == "links" and old["active"] and not row["active"]
                if forward or removed:
                    updates[name].append(row)
                else:
                    conflicts.append(f"{name} {k}: differs between source and destination")
    if conflicts:
        shown = "; ".join(conflicts[:10]) + (
            f"; ... ({len(conflicts)} in all)" if len(conflicts) > 10 else ""
        )
        msg = f"cannot copy: the destination was changed on its own: {shown}"
        raise CopyConflictError(msg)
    return inserts, updates


def _history_prefix(dst_revs: list[Row], src_revs: list[Row]) -> bool:
    """Whether the destination's history of an event is a proper prefix of the source's."""
    mine = [_row_json(r) for r in dst_revs]
    theirs = [_row_json(r) for r in src_revs]
    return len(mine) < len(theirs) and theirs[: len(mine)] == mine


def copy_store(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> CopyResult:
    """Copy the store at ``src`` into ``dst`` (created when missing) and verify the copy.

    Parameters
    ----------
    src, dst
        A ``.gpkg`` path or a ``postgresql://`` URL each; any direction works.

    Returns
    -------
    CopyResult
        Rows added and updated per table, and the counts and content hashes that were
        checked equal on both sides before the destination committed.

    Raises
    ------
    CopyConflictError
        The destination holds another store, or records that differ (nothing written).
    StoreError
        The source is missing, either store cannot be opened, or verification failed.
    """
    s_loc, d_loc = os.fspath(src), os.fspath(dst)
    if s_loc == d_loc:
        msg = "source and destination are the same store"
        raise StoreError(msg)
    with gc_paused():
        return _copy(s_loc, d_loc)


def _copy(s_loc: str, d_loc: str) -> CopyResult:
    with open_store(s_loc) as s_st, _snapshot(s_st):
        s_tables = read_tables(s_st)
        s_name = s_st.location
        notes = _custom_place_notes(s_st, d_loc)
    counts, hashes = table_digest(s_tables)
    with open_store(d_loc, create=True) as d_st:
        writer = _writer_for(d_st)
        d_tables = read_tables(d_st)
        if not _is_empty(d_tables) and table_digest(d_tables) == (counts, hashes):
            # An up-to-date copy (a re-run with nothing new): nothing to plan or write.
            none = dict.fromkeys(TABLES, 0)
            return CopyResult(s_name, d_st.location, none, dict(none), counts, hashes, notes)
        inserts, updates = plan_copy(s_tables, d_tables)
        del s_tables, d_tables  # the plan holds what is written; free the rest first
        with d_st.transaction():
            writer.apply(inserts, updates)
            added = {t: len(inserts[t]) for t in TABLES}
            updated = {t: len(updates[t]) for t in TABLES}
            del inserts, updates
            d_counts, d_hashes = table_digest(read_tables(d_st))
            bad = [t for t in TABLES if (d_counts[t], d_hashes[t]) != (counts[t], hashes[t])]
            if bad:
                detail = ", ".join(f"{t} ({counts[t]} vs {d_counts[t]} rows)" for t in bad)
                msg = f"copy verification failed for {detail}; nothing was written"
                raise StoreError(msg)
        return CopyResult(
            src=s_name,
            dst=d_st.location,
            added=added,
            updated=updated,
            counts=counts,
            hashes=hashes,
            notes=notes,
        )


@contextmanager
def _snapshot(st: EventStore) -> Iterator[None]:
    """Read every table of a live store from one snapshot (a writer may be committing).

    PostgreSQL: a REPEATABLE READ, READ ONLY transaction; SQLite (WAL): one deferred read
    transaction. Neither blocks writers.
    """
    con: Any = getattr(st, "con", None)
    backend = getattr(st, "backend", None)
    if backend == "postgis" and con is not None:
        with con.transaction():
            con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield
    elif backend == "sqlite" and con is not None and not con.in_transaction:
        con.execute("BEGIN DEFERRED")
        try:
            yield
        finally:
            con.execute("COMMIT")
    else:
        yield


def _custom_place_notes(st: EventStore, dst: str) -> tuple[str, ...]:
    lister = getattr(st, "list_custom_places", None)
    if lister is None or is_url(dst):
        return ()
    n = len(lister())
    if not n:
        return ()
    return (
        f"{n} custom place(s) of the server store are not part of a .gpkg store (on a "
        "laptop they live in the gazetteer's data dir: add them with `tracker places add`)",
    )


class _Writer:
    """Inserts and updates raw rows on one backend, inside the caller's transaction."""

    def __init__(self, st: EventStore) -> None:
        self.st = st
        self.con: Any = st.con  # type: ignore[attr-defined]  # each backend's connection

    def apply(self, inserts: dict[str, list[Row]], updates: dict[str, list[Row]]) -> None:
        self.meta(inserts["meta"] + updates["meta"])
        self.rows("reports", REPORT_COLS, inserts["reports"])
        self.events(
            [r["_event"] for r in inserts["events"]], [r["_event"] for r in updates["events"]]
        )
        self.revisions(inserts["revisions"])
        for r in updates["links"]:
            self.update_link(r)
        self.rows("links", LINK_COLS, inserts["links"])
        self.rows("place_rules", RULE_COLS, inserts["place_rules"])
        self.finish()

    def meta(self, rows: Sequence[Row]) -> None:  # pragma: no cover - per backend
        raise NotImplementedError

    def rows(
        self, table: str, cols: Sequence[str], rows: Sequence[Row]
    ) -> None:  # pragma: no cover
        raise NotImplementedError

    def events(self, new: Sequence[Event], changed: Sequence[Event]) -> None:  # pragma: no cover
        raise NotImplementedError

    def revisions(self, rows: Sequence[Row]) -> None:  # pragma: no cover
        raise NotImplementedError

    def update_link(self, row: Row) -> None:  # pragma: no cover
        raise NotImplementedError

    def finish(self) -> None:
        """Backend housekeeping after the rows are in."""


class _SQLiteWriter(_Writer):
    def _many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            self.con.executemany(sql, params)

    def meta(self, rows: Sequence[Row]) -> None:
        self._many(
            "INSERT OR REPLACE INTO tracker_meta (key, value) VALUES (?, ?)",
            [(r["key"], r["value"]) for r in rows],
        )

    def rows(self, table: str, cols: Sequence[str], rows: Sequence[Row]) -> None:
        marks = ", ".join("?" for _ in cols)
        self._many(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})",
            [[r[c] for c in cols] for r in rows],
        )

    def events(self, new: Sequence[Event], changed: Sequence[Event]) -> None:
        from tracker.store import sqlite

        rows = [sqlite.event_to_row(e) for e in new]
        if len(rows) >= sqlite.BULK_MIN:  # R*Trees filled once, not by a trigger per row
            self.st._bulk_insert(rows)  # type: ignore[attr-defined]
        else:
            self._many(sqlite._INSERT, rows)
        for e in changed:
            p = sqlite.event_to_row(e)
            self.con.execute(sqlite._UPDATE, [p[0], *p[2:-1], p[-1], e.id])

    def revisions(self, rows: Sequence[Row]) -> None:
        self._many(
            f"INSERT INTO revisions ({', '.join(REV_COLS)}) VALUES ({', '.join('?' for _ in REV_COLS)})",
            [
                [*(r[c] for c in REV_COLS[:-1]), json.dumps(r["changes"], ensure_ascii=False)]
                for r in rows
            ],
        )

    def update_link(self, row: Row) -> None:
        self.con.execute(
            "UPDATE links SET active = ?, removed_by = ?, removed_at = ?, removed_reason = ? "
            "WHERE id = ?",
            (
                int(row["active"]),
                row["removed_by"],
                row["removed_at"],
                row["removed_reason"],
                row["id"],
            ),
        )


class _PostGISWriter(_Writer):
    def _many(self, sql: str, params: Sequence[Sequence[Any]]) -> None:
        if params:
            with self.con.cursor() as cur:
                cur.executemany(sql, params)

    def _copy(self, table: str, cols: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        with (
            self.con.cursor() as cur,
            cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp,
        ):
            for r in rows:
                cp.write_row(r)

    def meta(self, rows: Sequence[Row]) -> None:
        self._many(
            "INSERT INTO tracker_meta (key, value) VALUES (%s, %s) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [(r["key"], r["value"]) for r in rows],
        )

    def rows(self, table: str, cols: Sequence[str], rows: Sequence[Row]) -> None:
        self._copy(table, cols, [[r[c] for c in cols] for r in rows])

    def events(self, new: Sequence[Event], changed: Sequence[Event]) -> None:
        from tracker.store import pg_write

        if changed:  # first, while the primary key still finds them
            with self.con.cursor() as cur:
                cur.executemany(
                    pg_write.UPDATE_SQL, [[*pg_write.event_params(e)[1:], e.id] for e in changed]
                )
        # A big copy into a small table takes bulk mode (indexes and keys rebuilt before
        # commit), as an import does.
        self.st._try_bulk(len(new))  # type: ignore[attr-defined]
        pg_write.copy_many(
            self.con,
            [pg_write.copy_row(e) for e in new],
            known=self.st._bulk_ids,  # type: ignore[attr-defined]
        )

    def revisions(self, rows: Sequence[Row]) -> None:
        from psycopg.types.json import Jsonb

        self._copy(
            "revisions",
            REV_COLS,
            [[*(r[c] for c in REV_COLS[:-1]), Jsonb(r["changes"])] for r in rows],
        )

    def update_link(self, row: Row) -> None:
        self.con.execute(
            "UPDATE links SET active = %s, removed_by = %s, removed_at = %s, removed_reason = %s "
            "WHERE id = %s",
            (row["active"], row["removed_by"], row["removed_at"], row["removed_reason"], row["id"]),
        )

    def finish(self) -> None:
        self.con.execute(
            "SELECT setval(pg_get_serial_sequence('revisions', 'seq'), "
            "coalesce((SELECT max(seq) FROM revisions), 0) + 1, false)"
        )


def _writer_for(st: EventStore) -> _Writer:
    if st.backend == "sqlite":
        return _SQLiteWriter(st)
    if st.backend == "postgis":
        return _PostGISWriter(st)
    msg = f"copy does not know how to write a {st.backend!r} store"
    raise StoreError(msg)
