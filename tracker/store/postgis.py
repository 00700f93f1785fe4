"""The team event store: PostgreSQL 15 + PostGIS 3, the same records and results as SQLite.

Open with :func:`tracker.store.open_store` and a ``postgresql://`` URL (libpq options and
``PG*`` variables pass through; see :mod:`tracker.store.pg_conn`). Every write is one
transaction; ids are the same opaque strings as on SQLite; edits, deletes and restores
add revisions, and an edit racing another is caught by a revision check under a row lock.
Backend-neutral rules come from :mod:`tracker.store.rules`, query refinement from
:mod:`tracker.store.pgquery`. Imports: psycopg, stdlib, tracker.model/errors/settings,
tracker.store.*.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from functools import partial
from typing import Any

import psycopg

from tracker.errors import (
    ConnectionFailedError,
    EventNotFoundError,
    NotATrackerStoreError,
    SchemaTooNewError,
    StoreBusyError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    ValidationError,
)
from tracker.model import Event, EventFilter, Report
from tracker.store import pg_schema, rules
from tracker.store.pg_conn import check_postgis, connect, redact_url
from tracker.store.pg_reports import PostGISReports
from tracker.store.pg_revisions import PostGISRevisions
from tracker.store.pg_write import (
    EVENT_COLS,
    NUL_MSG,
    SELECT_SQL,
    SMALL_BATCH,
    copy_many,
    copy_revisions,
    copy_row,
    enter_bulk_mode,
    event_params,
    insert_few,
    nul_refused,
    row_to_event,
    select_col,
)
from tracker.store.pgquery import ORDER_SQL, plan_filter
from tracker.store.postgis_extras import PostGISExtras

logger = logging.getLogger(__name__)


def translate_error(err: psycopg.Error, location: str) -> StoreError:
    """Return the typed store error for a server error (privilege, disk, lock, link lost)."""
    where = redact_url(location)
    first = str(err).strip().split("\n")[0]
    if isinstance(
        err, psycopg.errors.InsufficientPrivilege | psycopg.errors.ReadOnlySqlTransaction
    ):
        return StoreReadOnlyError(
            f"{where}: not allowed ({first}); this user may only read, or needs the writer "
            "grants in docs/postgis.md"
        )
    if isinstance(err, psycopg.errors.DiskFull | psycopg.errors.OutOfMemory):
        return StoreFullError(f"{where}: the server is out of space ({first}); nothing was written")
    if isinstance(
        err,
        psycopg.errors.DeadlockDetected
        | psycopg.errors.LockNotAvailable
        | psycopg.errors.SerializationFailure
        | psycopg.errors.QueryCanceled,
    ):
        return StoreBusyError(f"{where}: another writer held the store too long ({first}); retry")
    if isinstance(
        err, psycopg.errors.CharacterNotInRepertoire | psycopg.errors.UntranslatableCharacter
    ):
        return StoreError(f"{where}: {first}. {NUL_MSG}")
    if isinstance(err, psycopg.OperationalError):
        return ConnectionFailedError(f"{where}: lost the connection to the server ({first}); retry")
    return StoreError(f"{where}: {first}")


class PostGISStore(PostGISRevisions, PostGISReports, PostGISExtras):
    """An event store in a PostgreSQL + PostGIS database; use :func:`open_postgis`."""

    backend = "postgis"
    # A psycopg connection serves one thread at a time, any one; the bulk writer has
    # encode/send halves for two threads (exchange._write_overlapped).
    writes_from_any_thread = True

    def __init__(self, url: str, *, create: bool = False) -> None:
        self.url = url  # with its secrets: never print or log this; use .location
        self.location = redact_url(url)
        self.display = self.location
        self._depth = 0
        self._before_commit: list[Callable[[], None]] = []
        self._bulk_tried = False
        # In bulk mode (see _try_bulk), every id in the locked events table; else None.
        self._bulk_ids: set[str] | None = None
        self.con = connect(url, autocommit=True)
        try:
            self._setup(create)
        except BaseException:
            self.con.close()
            raise

    # ------------------------------------------------------------------ opening
    def _setup(self, create: bool) -> None:
        try:
            self.postgis_version = check_postgis(self.con, self.url, create=create)
            version = self._read_version()
            if version is None and not create:
                msg = (
                    f"no tracker store in {self.display} (schema "
                    f"{self._current_schema()!r}): create one with `tracker init --store URL` "
                    "or add events with `tracker add`"
                )
                raise StoreError(msg)
            if version is not None and version > pg_schema.LATEST:
                msg = (
                    f"{self.display} has schema version {version}, newer than this tracker's "
                    f"{pg_schema.LATEST}: upgrade tracker to use it"
                )
                raise SchemaTooNewError(msg)
            if version is None or version < pg_schema.LATEST:
                self._migrate()
        except psycopg.Error as err:
            raise translate_error(err, self.location) from None

    def _current_schema(self) -> str:
        row = self.con.execute("SELECT current_schema()").fetchone()
        return str(row[0]) if row and row[0] else "(none)"

    def _has_table(self, name: str) -> bool:
        row = self.con.execute(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
            "AND table_name = %s",
            (name,),
        ).fetchone()
        return row is not None

    def _read_version(self) -> int | None:
        if not self._has_table("tracker_meta"):
            return None
        row = self.con.execute(
            "SELECT value FROM tracker_meta WHERE key = 'schema_version'"
        ).fetchone()
        return int(row[0]) if row else 0

    def _migrate(self) -> None:
        with self.transaction():
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.MIGRATION_LOCK_KEY,))
            current = self._read_version() or 0  # another process may have migrated
            if current == 0 and self._has_table("events"):
                msg = (
                    f"{self.display} already has an `events` table that is not a tracker store "
                    f"(schema {self._current_schema()!r}); use another database, or another "
                    "schema with ?options=-csearch_path%3DNAME"
                )
                raise NotATrackerStoreError(msg)
            for number, name, ddl in pg_schema.MIGRATIONS:
                if number <= current:
                    continue
                self.con.execute(ddl)  # our own constant DDL
                if number == 1:
                    self._meta_init()
                self.con.execute(
                    "INSERT INTO tracker_migrations (version, name, applied_at) VALUES (%s, %s, %s)",
                    (number, name, rules.now_iso()),
                )
                self.con.execute(
                    "INSERT INTO tracker_meta VALUES ('schema_version', %s) "
                    "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                    (str(number),),
                )

    def _meta_init(self) -> None:
        from tracker import __version__

        with self.con.cursor() as cur:
            cur.executemany(
                "INSERT INTO tracker_meta VALUES (%s, %s)",
                [
                    ("store_uid", secrets.token_hex(8)),
                    ("created_at", rules.now_iso()),
                    ("created_by_version", __version__),
                ],
            )

    # ------------------------------------------------------------------ basics
    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> PostGISStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Group writes into one transaction (nested calls join the outer one)."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._depth = 1
        try:
            with self.con.transaction():
                yield
                for hook in self._before_commit:  # e.g. rebuild indexes after a bulk load
                    hook()
        except psycopg.Error as err:
            raise translate_error(err, self.location) from None
        finally:
            self._depth = 0
            self._before_commit = []
            self._bulk_tried = False
            self._bulk_ids = None

    def _read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self.con.execute(query, params).fetchall()
        except psycopg.Error as err:
            raise translate_error(err, self.location) from None

    def schema_version(self) -> int:
        """Return the store's schema version (the highest applied migration)."""
        return self._read_version() or 0

    def meta(self) -> dict[str, str]:
        """Return the store's metadata (schema_version, store_uid, created_at, ...)."""
        return dict(self._read("SELECT key, value FROM tracker_meta"))

    def snapshot_id(self) -> str:
        """Return an id of the store's current state: ``<store uid>-r<last revision seq>``."""
        uid = self.meta().get("store_uid", "0")
        seq = self._read("SELECT coalesce(max(seq), 0) FROM revisions")[0][0]
        links = self._read("SELECT count(*) + count(removed_at) FROM links")[0][0]
        return f"{uid}-r{seq}" + (f"-l{links}" if links else "")

    def set_meta(self, key: str, value: str) -> None:
        """Record one metadata value (e.g. what an export was made from)."""
        if key in ("schema_version", "store_uid"):
            msg = f"{key} is managed by the store"
            raise ValidationError(msg, problems=[msg])
        with self.transaction():
            self.con.execute(
                "INSERT INTO tracker_meta VALUES (%s, %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def count_events(self, *, include_deleted: bool = False) -> int:
        """Return the number of events (live ones unless ``include_deleted``)."""
        where = "" if include_deleted else " WHERE NOT deleted"
        return int(self._read(f"SELECT count(*) FROM events{where}")[0][0])

    # ------------------------------------------------------------------ events
    def add_events(
        self,
        events: Iterable[Event],
        *,
        report: Report | None = None,
        by: str | None = None,
        reason: str | None = None,
        preserve: bool = False,
    ) -> list[str]:
        """Add events in one transaction; ids already stored are skipped (idempotent).

        Same contract as :meth:`tracker.store.sqlite.SQLiteStore.add_events`. Concurrent
        writers adding the same id are resolved by the primary key: exactly one adds it,
        the others skip it. Many events go through ``COPY`` (see :mod:`tracker.store.pg_write`).

        Raises
        ------
        ValidationError
            Any event is invalid: nothing is written; ``problems`` lists every problem.
        """
        from tracker.settings import current_user

        who = by or current_user()
        at = rules.now_iso()
        prepared: list[Event] = []
        problems: list[str] = []
        seen: set[str] = set()
        for ev in events:
            ev2 = rules.stamp_new(ev, by=who, at=at, report=report, preserve=preserve)
            errs = rules.validate_event(ev2)
            if errs:
                problems += [f"event {ev.id!r}: {e}" for e in errs]
                continue
            if ev2.id in seen:
                continue
            seen.add(ev2.id)
            prepared.append(ev2)
        if problems:
            raise ValidationError("invalid events: " + "; ".join(problems), problems=problems)
        rev = ("import" if preserve else "create", at, who, reason)
        if report is None and not self._depth and len(prepared) <= SMALL_BATCH:
            try:  # one statement: atomic, one round trip, one commit
                added = self._write_new(prepared, rev)
            except psycopg.Error as err:
                raise translate_error(err, self.location) from None
        else:
            with self.transaction():
                if report is not None:
                    self.add_report(report)
                added = self._write_new(prepared, rev)
        return [e.id for e in prepared if e.id in added]

    def _write_new(self, events: Sequence[Event], rev: tuple[Any, ...]) -> set[str]:
        with nul_refused():
            if len(events) > SMALL_BATCH:
                self._try_bulk(len(events))
            if len(events) <= SMALL_BATCH and self._bulk_ids is None:
                return insert_few(self.con, events, rev)
            added = copy_many(self.con, [copy_row(e) for e in events], known=self._bulk_ids)
            copy_revisions(self.con, [(e.id, e.revision, *rev) for e in events if e.id in added])
            return added

    def import_preparer(
        self, *, by: str, at: str, remote: bool = False
    ) -> Callable[[Sequence[Event]], list[Any]]:
        """Return a picklable function turning validated events into this store's COPY rows.

        :meth:`bulk_import` writes its output. ``remote``: it runs in the import's worker
        process, whose reading is the slowest stage: it then only packs the events' values
        (``pg_bulk.pack_events``) and the writer of ``bulk_import(..., remote=True)``
        stamps them.
        """
        from tracker.store.pg_bulk import pack_events, prepare_copy_rows

        return pack_events if remote else partial(prepare_copy_rows, by=by, at=at)

    @contextmanager
    def bulk_import(
        self, *, by: str, at: str, reason: str | None, remote: bool = False
    ) -> Iterator[Any]:
        """Open one transaction for a large import; yield the writer of prepared row windows.

        Everything written commits together when the block ends, or nothing on an error.
        ``remote``: the windows come from ``import_preparer(..., remote=True)``.

        Imports into one store take turns: each waits here for the one before to commit.
        Two imports writing the same events in different orders (windows of a file in its
        own order) would otherwise each wait for a row the other wrote: a deadlock.
        """
        from tracker.store.pg_bulk import PgBulkImport

        with self.transaction():
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", (pg_schema.IMPORT_LOCK_KEY,))
            bulk = PgBulkImport(self, by=by, at=at, reason=reason, packed=remote)
            yield bulk
            bulk.finish()

    def _try_bulk(self, batch: int) -> None:
        """On a transaction's first big write, enter bulk mode if the table allows it."""
        if not self._bulk_tried:
            self._bulk_tried = True
            rebuild = enter_bulk_mode(self.con, batch)
            if rebuild is not None:  # the table is small: reading its ids is cheap
                self._bulk_ids = {r[0] for r in self.con.execute("SELECT id FROM events")}
                self._before_commit.append(rebuild)

    def get_event(self, event_id: str) -> Event:
        """Return the event (deleted ones too, with ``deleted=True``).

        Raises :class:`EventNotFoundError` when no event has this id.
        """
        rows = self._read(f"SELECT {SELECT_SQL} FROM events e WHERE e.id = %s", (event_id,))
        if not rows:
            msg = f"no event with id {event_id!r}; list ids with `tracker query --format csv`"
            raise EventNotFoundError(msg)
        return row_to_event(rows[0])

    def query(self, flt: EventFilter | None = None) -> list[Event]:
        """Return the events matching ``flt``, ordered by date_start, date_end, id."""
        return [row_to_event(r) for r in self._select(flt or EventFilter(), full=True)]

    def query_ids(self, flt: EventFilter | None = None) -> list[str]:
        """Return only the ids of :meth:`query` (same filter, same order), cheaply."""
        return [r[0] for r in self._select(flt or EventFilter(), full=False)]

    def _select(self, flt: EventFilter, *, full: bool) -> list[Any]:
        plan = plan_filter(flt)
        if plan.empty:
            return []
        if flt.limit is not None and flt.limit < 0:
            msg = f"limit {flt.limit} must be >= 0"
            raise ValidationError(msg, problems=[msg])
        extra: tuple[str, ...] = ()
        if plan.refine.needed:
            extra += ("lon", "lat", "place_id")
        if plan.text.needed:
            extra += ("actor", "claimed_by", "source_publisher", "source_url")
        cols = list(EVENT_COLS) if full else ["id", *extra]
        limit = ""
        if flt.limit is not None and not plan.needs_python:
            limit = f" LIMIT {int(flt.limit)}"
        if plan.branches:  # window only: UNION ALL of index-only branches, all dated
            inner = ", ".join(map(select_col, cols)) + ", e.date_start AS _ds, e.date_end AS _de"
            parts, params = [], []
            for clause, bparams in plan.branches:
                parts.append(f"SELECT {inner} FROM events e WHERE {plan.sql()} AND {clause}")
                params += [*plan.params, *bparams]
            query = (
                f"SELECT {', '.join('x.' + c for c in cols)} FROM ("
                + " UNION ALL ".join(parts)
                + f") x ORDER BY x._ds, x._de, x.id{limit}"
            )
        else:
            query = (
                f"SELECT {', '.join(map(select_col, cols))} FROM events e "
                f"WHERE {plan.sql()} {ORDER_SQL}{limit}"
            )
            params = plan.params
        rows = self._read(query, params)
        if plan.needs_python and rows:
            idx = {c: cols.index(c) for c in extra}
            keep = [True] * len(rows)
            if plan.refine.needed:
                keep = plan.refine.keep(
                    [r[idx["lon"]] for r in rows],
                    [r[idx["lat"]] for r in rows],
                    [r[idx["place_id"]] for r in rows],
                )
            if plan.text.needed:
                keep = [
                    k and plan.text.keep({c: r[i] for c, i in idx.items()})
                    for r, k in zip(rows, keep, strict=True)
                ]
            rows = [r for r, k in zip(rows, keep, strict=True) if k]
            if flt.limit is not None:
                rows = rows[: flt.limit]
        return rows


def open_postgis(url: str, *, create: bool = False) -> PostGISStore:
    """Open (or with ``create`` make) the store in the database named by ``url``.

    Raises
    ------
    ConnectionFailedError
        Server down, login refused, database missing (the message says how to fix it).
    StoreError
        PostGIS missing (with the command to add it), no store there without ``create``;
        :class:`SchemaTooNewError` for a store written by a newer tracker.
    """
    return PostGISStore(url, create=create)


__all__ = ["PostGISStore", "event_params", "open_postgis", "row_to_event"]
