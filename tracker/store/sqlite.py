"""The embedded event store: one GeoPackage file, written with the stdlib ``sqlite3``.

``events`` is a GeoPackage point layer (EPSG:4326) that GDAL and QGIS open directly, with
plain ``lon``/``lat`` columns, ISO dates, GDAL's 2-D R*Tree and our own 3-D R*Tree over
(lon, lat, day). The journal is WAL, every write is one ``BEGIN IMMEDIATE`` transaction
with a busy timeout, and nothing is ever overwritten: edits, deletes and restores add
revisions. Imports: stdlib, tracker.model/errors, tracker.store.*.
"""

from __future__ import annotations

import json
import logging
import os
import secrets
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import fields, replace
from datetime import date
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from tracker.errors import (
    ConflictError,
    EventNotFoundError,
    NotATrackerStoreError,
    SchemaTooNewError,
    StoreBusyError,
    StoreCorruptError,
    StoreError,
    StoreFullError,
    StoreReadOnlyError,
    ValidationError,
)
from tracker.model import Event, EventFilter, Report, Revision
from tracker.store import rules, sqlite_schema
from tracker.store.gpkg import (
    GPKG_APPLICATION_ID,
    GPKG_USER_VERSION,
    point_blob,
    register_functions,
)
from tracker.store.sqlite_extras import SQLiteExtras
from tracker.store.sqlquery import plan_filter, span_class

if TYPE_CHECKING:
    from tracker.store.sqlite_bulk import BulkImport

logger = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 30_000
PAGE_SIZE = 8192  # fewer half-empty pages for ~700-byte event rows than SQLite's 4096
MMAP_BYTES = 1 << 30  # reads map the file (no copy per page read); writes still go through WAL
EVENT_COLS = tuple(f.name for f in fields(Event))
_SELECT = ", ".join(f"e.{c}" for c in EVENT_COLS)
_INSERT = (
    f"INSERT INTO events (geom, {', '.join(EVENT_COLS)}, span_class) "
    f"VALUES (?, {', '.join('?' for _ in EVENT_COLS)}, ?)"
)
_UPDATE = (
    "UPDATE events SET geom = ?, "
    + ", ".join(f"{c} = ?" for c in EVENT_COLS if c != "id")
    + ", span_class = ? WHERE id = ?"
)
_I_DS, _I_DE, _I_TAGS, _I_DEL = (
    EVENT_COLS.index(c) for c in ("date_start", "date_end", "tags", "deleted")
)
_CHUNK = 500
_SYSTEM = frozenset(rules.SYSTEM_FIELDS)
BULK_MIN = 2000  # from this many new events on, fill the R*Trees in bulk


def _icontains(haystack: str | None, needle: str | None) -> int:
    if haystack is None or needle is None:
        return 0
    return 1 if needle.casefold() in haystack.casefold() else 0


def row_to_event(row: Sequence[Any]) -> Event:
    """Return the :class:`Event` of a row selected in ``EVENT_COLS`` order."""
    vals = list(row)
    ds, de = vals[_I_DS], vals[_I_DE]
    vals[_I_DS] = date.fromisoformat(ds) if ds else None
    vals[_I_DE] = date.fromisoformat(de) if de else None
    t = vals[_I_TAGS]
    vals[_I_TAGS] = tuple(json.loads(t)) if t and t != "[]" else ()
    vals[_I_DEL] = bool(vals[_I_DEL])
    return Event(*vals)


def event_to_row(ev: Event, overrides: Mapping[str, Any] | None = None) -> list[Any]:
    """Return the INSERT parameters of ``ev`` (geometry blob first, span_class last).

    ``overrides`` replaces store-managed fields (revision, timestamps...) on the way.
    """
    vals = rules.field_values(ev, overrides)  # EVENT_COLS is the field order
    vals[_I_DS] = ev.date_start.isoformat() if ev.date_start else None
    vals[_I_DE] = ev.date_end.isoformat() if ev.date_end else None
    tags = vals[_I_TAGS]
    vals[_I_TAGS] = json.dumps(list(tags), ensure_ascii=False) if tags else None
    vals[_I_DEL] = 1 if vals[_I_DEL] else 0
    return [point_blob(ev.lon, ev.lat), *vals, span_class(rules.span_days(ev))]


def stored_ids(con: sqlite3.Connection, ids: Sequence[str]) -> set[str]:
    """Return which of ``ids`` the store already holds (deleted events included)."""
    out: set[str] = set()
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        rows = con.execute(
            f"SELECT id FROM events WHERE id IN ({','.join('?' for _ in chunk)})", chunk
        ).fetchall()
        out.update(r[0] for r in rows)
    return out


def _date_key(row: list[Any]) -> tuple[str, str]:
    """Sort key of an INSERT row: its dates (undated last)."""
    return (row[1 + _I_DS] or "9999", row[1 + _I_DE] or "9999")


def _read_only(location: str) -> bool:
    """Return whether the store file or its folder is unwritable (WAL writes -wal/-shm there)."""
    p = Path(location)
    return p.exists() and not (os.access(p, os.W_OK) and os.access(p.parent, os.W_OK))


def translate_error(err: sqlite3.Error, location: str) -> StoreError:
    """Return the typed store error for an ``sqlite3`` error (busy, read-only, full, corrupt)."""
    text = str(err).lower()
    if "locked" in text or "busy" in text:
        return StoreBusyError(f"{location}: another process kept the store locked too long; retry")
    if (
        "readonly" in text
        or "read-only" in text
        or ("unable to open" in text and _read_only(location))
    ):
        return StoreReadOnlyError(
            f"{location}: the store is read-only (file, folder or file system); check its permissions or copy it somewhere writable"
        )
    if "full" in text:
        return StoreFullError(f"{location}: disk or size limit full; nothing was written")
    if "malformed" in text or "not a database" in text or "corrupt" in text:
        return StoreCorruptError(
            f"{location}: the store is corrupt ({err}); restore a backup (tracker backup)"
        )
    return StoreError(f"{location}: {err}")


class SQLiteStore(SQLiteExtras):
    """An event store in one GeoPackage file; use :func:`tracker.store.open_store`."""

    backend = "sqlite"

    def __init__(self, path: str | os.PathLike[str], *, create: bool = False) -> None:
        self.path = Path(path)
        self.location = str(self.path)
        self._depth = 0
        existed = self.path.exists() and self.path.stat().st_size > 0
        if not existed and not create:
            msg = (
                f"no store at {self.location}: add events with `tracker add`, "
                "create one with `tracker init`, or pass --store"
            )
            raise StoreError(msg)
        if not existed and not self.path.parent.is_dir():
            parent = self.path.parent
            msg = (
                f"cannot create {self.location}: the folder {parent} does not exist; "
                f"create it first (mkdir -p {parent}) or pass another --store"
            )
            raise StoreError(msg)
        if existed:
            self._check_header()
        # A store on read-only media or in a folder we cannot write is opened for reading
        # (writes then fail with StoreReadOnlyError); WAL needs -wal/-shm files beside it.
        self.read_only = existed and _read_only(self.location)
        try:
            self.con = self._connect()
        except sqlite3.Error as err:
            raise translate_error(err, self.location) from err
        try:
            self._setup(existed)
        except BaseException:
            self.con.close()
            raise

    def _connect(self) -> sqlite3.Connection:
        timeout = BUSY_TIMEOUT_MS / 1000
        if not self.read_only:
            return sqlite3.connect(self.location, isolation_level=None, timeout=timeout)
        uri = "file:" + quote(str(self.path.resolve())) + "?mode=ro"
        con = sqlite3.connect(uri, uri=True, isolation_level=None, timeout=timeout)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return con
        except sqlite3.OperationalError:
            con.close()
            wal = Path(self.location + "-wal")
            if wal.exists() and wal.stat().st_size > 0:
                raise  # unmerged writes: reading without them would show an old state
        # No -shm can be made here and there is no unmerged WAL: nothing can change the
        # file while the folder is read-only, so it may be read as immutable.
        return sqlite3.connect(uri + "&immutable=1", uri=True, isolation_level=None)

    # ------------------------------------------------------------------ opening
    def _check_header(self) -> None:
        with open(self.path, "rb") as fh:
            head = fh.read(100)
        if not head.startswith(b"SQLite format 3\x00"):
            msg = f"{self.location} is not a tracker store (not an SQLite/GeoPackage file)"
            raise NotATrackerStoreError(msg)

    def _setup(self, existed: bool) -> None:
        con = self.con
        register_functions(con)
        con.create_function("tracker_icontains", 2, _icontains, deterministic=True)
        try:
            con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            con.execute("PRAGMA cache_size = -131072")  # 128 MiB of page cache
            con.execute("PRAGMA temp_store = MEMORY")
            con.execute(f"PRAGMA mmap_size = {MMAP_BYTES}")
            if existed:
                version = self._read_version()
                if version is None:
                    msg = (
                        f"{self.location} is an SQLite file but not a tracker store "
                        "(no tracker_meta table); pass a different --store"
                    )
                    raise NotATrackerStoreError(msg)
                if version > sqlite_schema.LATEST:
                    msg = (
                        f"{self.location} has schema version {version}, newer than this "
                        f"tracker's {sqlite_schema.LATEST}: upgrade tracker to use it"
                    )
                    raise SchemaTooNewError(msg)
                if self.read_only:
                    if version < sqlite_schema.LATEST:
                        self._migrate()  # says it cannot, and how to fix it
                    return
            if not existed:
                con.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # only possible before WAL
            mode = con.execute("PRAGMA journal_mode").fetchone()[0]
            if mode != "wal":
                con.execute("PRAGMA journal_mode = WAL")
            con.execute("PRAGMA synchronous = FULL")
            self._migrate()
        except sqlite3.Error as err:
            raise translate_error(err, self.location) from err

    def _read_version(self) -> int | None:
        row = self.con.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tracker_meta'"
        ).fetchone()
        if row is None:
            return None
        v = self.con.execute(
            "SELECT value FROM tracker_meta WHERE key = 'schema_version'"
        ).fetchone()
        return int(v[0]) if v else 0

    def _migrate(self) -> None:
        current = self._read_version() or 0
        if current >= sqlite_schema.LATEST:
            return
        try:
            self._apply_migrations()
        except StoreReadOnlyError as err:
            msg = (
                f"{self.location} has schema version {current} and this tracker needs "
                f"{sqlite_schema.LATEST}; the store is read-only, so it cannot be migrated: "
                "make it writable (or copy it somewhere writable) and open it once, e.g. "
                "`tracker init --store PATH`"
            )
            raise StoreReadOnlyError(msg) from err

    def _apply_migrations(self) -> None:
        with self.transaction():
            current = self._read_version() or 0  # another process may have migrated
            if current == 0:
                if self.con.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] and not (
                    self.con.execute(
                        "SELECT 1 FROM sqlite_master WHERE name = 'gpkg_contents'"
                    ).fetchone()
                ):
                    msg = (
                        f"{self.location} is an SQLite file with other tables, not a tracker store"
                    )
                    raise NotATrackerStoreError(msg)
                self.con.execute(f"PRAGMA application_id = {GPKG_APPLICATION_ID}")
                self.con.execute(f"PRAGMA user_version = {GPKG_USER_VERSION}")
            for number, name, fn in sqlite_schema.MIGRATIONS:
                if number <= current:
                    continue
                fn(self.con)
                if number == 1:
                    self._meta_init()
                self.con.execute(
                    "INSERT INTO tracker_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                    (number, name, rules.now_iso()),
                )
                self.con.execute(
                    "INSERT OR REPLACE INTO tracker_meta VALUES ('schema_version', ?)",
                    (str(number),),
                )

    def _meta_init(self) -> None:
        from tracker import __version__

        self.con.execute(
            "CREATE TABLE tracker_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, "
            "applied_at TEXT NOT NULL)"
        )
        self.con.executemany(
            "INSERT INTO tracker_meta VALUES (?, ?)",
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

    def __enter__(self) -> SQLiteStore:
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
        try:
            self.con.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as err:
            raise translate_error(err, self.location) from err
        self._depth = 1
        try:
            yield
        except BaseException as exc:
            self._depth = 0
            try:
                self.con.execute("ROLLBACK")
            except sqlite3.Error:
                logger.warning("rollback failed on %s", self.location)
            if isinstance(exc, sqlite3.Error):
                raise translate_error(exc, self.location) from exc
            raise
        self._depth = 0
        try:
            self.con.execute("COMMIT")
        except sqlite3.Error as err:
            try:
                self.con.execute("ROLLBACK")
            except sqlite3.Error:
                logger.warning("rollback failed on %s", self.location)
            raise translate_error(err, self.location) from err

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        try:
            return self.con.execute(sql, params).fetchall()
        except sqlite3.Error as err:
            raise translate_error(err, self.location) from err

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
            self.con.execute("INSERT OR REPLACE INTO tracker_meta VALUES (?, ?)", (key, value))

    def count_events(self, *, include_deleted: bool = False) -> int:
        """Return the number of events (live ones unless ``include_deleted``)."""
        where = "" if include_deleted else " WHERE deleted = 0"
        return int(self._read(f"SELECT count(*) FROM events{where}")[0][0])

    # ------------------------------------------------------------------ reports
    def add_report(self, report: Report) -> bool:
        """Store a report unless its id is already there; return True when it was added."""
        rules.check_report(report)
        with self.transaction():
            cur = self.con.execute(
                "INSERT OR IGNORE INTO reports (id, title, publisher, url, published, retrieved, "
                "language, body_end, source_path, ingested_at, text) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    report.id,
                    report.title,
                    report.publisher,
                    report.url,
                    report.published,
                    report.retrieved,
                    report.language,
                    report.body_end,
                    report.source_path,
                    report.ingested_at or rules.now_iso(),
                    report.text,
                ),
            )
            return cur.rowcount > 0

    def add_reports(self, reports: Iterable[Report]) -> int:
        """Store many reports in one transaction (existing ids kept); return how many were new."""
        at = rules.now_iso()
        rows = []
        for r in reports:
            rules.check_report(r)
            rows.append(
                (
                    r.id,
                    r.title,
                    r.publisher,
                    r.url,
                    r.published,
                    r.retrieved,
                    r.language,
                    r.body_end,
                    r.source_path,
                    r.ingested_at or at,
                    r.text,
                )
            )
        with self.transaction():
            before = self.con.total_changes
            self.con.executemany(
                "INSERT OR IGNORE INTO reports (id, title, publisher, url, published, retrieved, "
                "language, body_end, source_path, ingested_at, text) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                rows,
            )
            return int(self.con.total_changes - before)

    _REPORT_COLS = (
        "id, text, title, publisher, url, published, retrieved, language, body_end, "
        "source_path, ingested_at"
    )

    def get_report(self, report_id: str) -> Report | None:
        """Return the report with this id, or None."""
        rows = self._read(f"SELECT {self._REPORT_COLS} FROM reports WHERE id = ?", (report_id,))
        return Report(*rows[0]) if rows else None

    def find_report(self, *, url: str) -> Report | None:
        """Return the earliest stored report with this URL (full texts before citations)."""
        rows = self._read(
            f"SELECT {self._REPORT_COLS} FROM reports WHERE url = ? "
            "ORDER BY text LIKE 'source: %' , ingested_at, id LIMIT 1",
            (url,),
        )
        return Report(*rows[0]) if rows else None

    def list_reports(self) -> list[Report]:
        """Return every report, oldest first."""
        rows = self._read(f"SELECT {self._REPORT_COLS} FROM reports ORDER BY ingested_at, id")
        return [Report(*r) for r in rows]

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

        Parameters
        ----------
        events
            Events to add; ``created_by``/``created_at`` default to ``by``/now, and fields
            ``report_id``/``source_*`` default to ``report``'s.
        report
            The source document, stored first (reused when its id is already there).
        by
            Who adds them (recorded in each create revision).
        reason
            Why (e.g. ``import events.csv``), recorded in each create revision.
        preserve
            Keep ``revision``, ``deleted``, ``created_*`` and ``updated_at`` as given (an
            import of exported records); the history then starts with one ``import``
            revision at that number instead of ``create`` at 1.

        Returns
        -------
        list of str
            The ids actually added, in input order.

        Raises
        ------
        ValidationError
            Any event is invalid: nothing is written; ``problems`` lists every problem.
        """
        from tracker.settings import current_user

        who = by or current_user()
        at = rules.now_iso()
        prepared: list[tuple[str, int, list[Any]]] = []  # id, revision, row
        problems: list[str] = []
        seen: set[str] = set()
        for ev in events:
            ov = rules.stamp_overrides(ev, by=who, at=at, report=report, preserve=preserve)
            if not ov.keys() <= _SYSTEM:
                ev = rules.evolve(ev, ov)
            errs = rules.validate_event(ev)
            if errs:
                problems += [f"event {ev.id!r}: {e}" for e in errs]
                continue
            if ev.id in seen:
                continue
            seen.add(ev.id)
            prepared.append((ev.id, ov.get("revision", ev.revision), event_to_row(ev, ov)))
        if problems:
            raise ValidationError("invalid events: " + "; ".join(problems), problems=problems)
        with self.transaction():
            if report is not None:
                self.add_report(report)
            existing = stored_ids(self.con, [p[0] for p in prepared])
            new = [p for p in prepared if p[0] not in existing]
            if len(new) >= BULK_MIN:
                # Stored in date order, so a window's rows sit together on disk.
                rows = sorted((p[2] for p in new), key=_date_key)
                self._bulk_insert(rows)
            else:
                self.con.executemany(_INSERT, (p[2] for p in new))
            action = "import" if preserve else "create"
            self.con.executemany(
                "INSERT INTO revisions (event_id, revision, action, changed_at, changed_by, reason) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                ((p[0], p[1], action, at, who, reason) for p in new),
            )
        return [p[0] for p in new]

    def _bulk_insert(self, rows: list[list[Any]]) -> None:
        """Insert many rows with the R*Tree triggers lifted, then fill both R*Trees in bulk.

        Runs inside the caller's transaction: the triggers come back (same SQL) before
        commit, and a failure rolls everything back, triggers included.
        """
        from tracker.store.sqlite_bulk import fill_rtrees, lift_rtree_triggers

        con = self.con
        last = con.execute("SELECT coalesce(max(fid), 0) FROM events").fetchone()[0]
        trigs = lift_rtree_triggers(con)
        con.executemany(_INSERT, rows)
        fill_rtrees(con, last)
        for _, sql in trigs:
            con.execute(sql)

    def import_preparer(
        self, *, by: str, at: str, remote: bool = False
    ) -> Callable[[Sequence[Event]], list[Any]]:
        """Return a picklable function turning validated events into this store's import rows.

        It may run in another process (the import worker, ``remote``: the same rows
        either way here); :meth:`bulk_import` writes its output.
        """
        from tracker.store.sqlite_bulk import prepare_rows

        return partial(prepare_rows, by=by, at=at)

    @contextmanager
    def bulk_import(
        self, *, by: str, at: str, reason: str | None, remote: bool = False
    ) -> Iterator[BulkImport]:
        """Open one transaction for a large import; yield the writer of prepared row windows.

        Everything written commits together when the block ends, or nothing on an error.
        ``remote`` (the rows come from the import worker) changes nothing here.
        """
        from tracker.store.sqlite_bulk import BulkImport

        with self.transaction():
            bulk = BulkImport(self.con, by=by, at=at, reason=reason)
            yield bulk
            bulk.finish()

    def get_event(self, event_id: str) -> Event:
        """Return the event (deleted ones too, with ``deleted=True``).

        Raises :class:`EventNotFoundError` when no event has this id.
        """
        rows = self._read(f"SELECT {_SELECT} FROM events e WHERE e.id = ?", (event_id,))
        if not rows:
            msg = f"no event with id {event_id!r}; list ids with `tracker query --format csv`"
            raise EventNotFoundError(msg)
        return row_to_event(rows[0])

    def query(self, flt: EventFilter | None = None) -> list[Event]:
        """Return the events matching ``flt``, ordered by date_start, date_end, id."""
        return [row_to_event(r) for r in self._select(flt or EventFilter(), _SELECT, full=True)]

    def query_ids(self, flt: EventFilter | None = None) -> list[str]:
        """Return only the ids of :meth:`query` (same filter, same order), cheaply."""
        rows = self._select(flt or EventFilter(), "e.id", full=False)
        return [r[0] for r in rows]

    def _select(self, flt: EventFilter, cols: str, *, full: bool) -> list[Any]:
        """Run the filter's query; ``cols`` (when not ``full``) gets the refine's columns."""
        plan = plan_filter(flt)
        if plan.empty:
            return []
        refine = plan.refine
        if refine.needed and not full:
            cols += ", e.lon, e.lat, e.place_id"
        limit = ""
        if flt.limit is not None:
            if flt.limit < 0:
                msg = f"limit {flt.limit} must be >= 0"
                raise ValidationError(msg, problems=[msg])
            if not refine.needed:
                limit = f" LIMIT {int(flt.limit)}"
        sql = f"SELECT {cols} FROM events e WHERE {plan.sql()} {plan.order()}{limit}"
        rows = self._read(sql, plan.params)
        if refine.needed and rows:
            if full:
                ilon, ilat, ipl = (EVENT_COLS.index(c) for c in ("lon", "lat", "place_id"))
            else:
                ilon, ilat, ipl = 1, 2, 3
            keep = refine.keep(
                [r[ilon] for r in rows], [r[ilat] for r in rows], [r[ipl] for r in rows]
            )
            rows = [r for r, k in zip(rows, keep, strict=True) if k]
            if flt.limit is not None:
                rows = rows[: flt.limit]
        return rows

    def _current(self, event_id: str, expected_revision: int | None) -> Event:
        ev = self.get_event(event_id)
        if expected_revision is not None and ev.revision != expected_revision:
            msg = (
                f"event {event_id} is at revision {ev.revision}, not {expected_revision}: "
                "someone else changed it; run `tracker show` and retry"
            )
            raise ConflictError(msg)
        return ev

    def _write_revision(
        self, old: Event, new: Event, action: str, reason: str | None, by: str
    ) -> Event:
        changes = rules.diff_events(old, new)
        at = rules.now_iso()
        stamped = replace(new, revision=old.revision + 1, updated_at=at)
        params = event_to_row(stamped)
        ev_vals = params[1:-1]
        self.con.execute(_UPDATE, [params[0], *ev_vals[1:], params[-1], stamped.id])
        self.con.execute(
            "INSERT INTO revisions (event_id, revision, action, changed_at, changed_by, reason, "
            "changes) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                stamped.id,
                stamped.revision,
                action,
                at,
                by,
                reason,
                json.dumps([list(c) for c in changes], ensure_ascii=False),
            ),
        )
        return stamped

    def edit_event(
        self,
        event_id: str,
        changes: Mapping[str, Any],
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Change fields of a live event as a new revision; return the new event.

        Raises :class:`ConflictError` when ``expected_revision`` is given and differs,
        :class:`ValidationError` for bad fields or values, :class:`EventNotFoundError`.
        An edit that changes nothing returns the event unchanged (no revision).
        """
        from tracker.settings import current_user

        with self.transaction():
            old = self._current(event_id, expected_revision)
            if old.deleted:
                msg = f"event {event_id} is deleted; `tracker restore {event_id}` first"
                raise ValidationError(msg, problems=[msg])
            new = rules.check_event(rules.apply_changes(old, changes))
            if not rules.diff_events(old, new):
                return old
            return self._write_revision(old, new, "edit", reason, by or current_user())

    def delete_event(
        self,
        event_id: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Soft-delete an event (a revision; reversible with :meth:`restore_event`)."""
        return self._set_deleted(event_id, True, reason, by, expected_revision)

    def restore_event(
        self,
        event_id: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Undo a soft delete (a revision)."""
        return self._set_deleted(event_id, False, reason, by, expected_revision)

    def _set_deleted(
        self, event_id: str, value: bool, reason: str | None, by: str | None, expected: int | None
    ) -> Event:
        from tracker.settings import current_user

        with self.transaction():
            old = self._current(event_id, expected)
            if old.deleted == value:
                state = "already deleted" if value else "not deleted"
                msg = f"event {event_id} is {state}; nothing to do"
                raise ValidationError(msg, problems=[msg])
            action = "delete" if value else "restore"
            return self._write_revision(
                old, replace(old, deleted=value), action, reason, by or current_user()
            )

    def history(self, event_id: str) -> list[Revision]:
        """Return every revision of an event, oldest first."""
        rows = self._read(
            "SELECT event_id, revision, action, changed_at, changed_by, reason, changes "
            "FROM revisions WHERE event_id = ? ORDER BY revision",
            (event_id,),
        )
        if not rows:
            self.get_event(event_id)  # raises the not-found error
        return [
            Revision(*r[:6], changes=tuple(tuple(c) for c in json.loads(r[6] or "[]")))  # type: ignore[misc]
            for r in rows
        ]


__all__ = ["SQLiteStore", "event_to_row", "row_to_event", "translate_error"]
