"""Large imports into the SQLite store: rows built in a worker, written in sorted windows.

:func:`prepare_rows` runs wherever the events are read (the import worker process of
:mod:`tracker.exchange_stream`): it stamps validated events the way
``SQLiteStore.add_events(..., preserve=True)`` does and returns their INSERT rows, so the
writing process only binds and inserts. :class:`BulkImport` writes those rows inside the
store's open transaction, one window at a time: each window is sorted by date (a window's
rows then share disk pages, as :meth:`SQLiteStore.add_events` stores them), ids already
stored or already seen are skipped, and both R*Trees and the revision rows are filled with
one ``INSERT ... SELECT`` each per window (no Python per row). The R*Tree triggers are
lifted while it runs and put back, same SQL, before the caller commits.
Imports: stdlib, tracker.model/errors, tracker.store.rules/sqlite.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from tracker.errors import StoreError
from tracker.model import Event
from tracker.store import rules
from tracker.store.sqlite import _INSERT, EVENT_COLS, _date_key, event_to_row, stored_ids

_ID = 1 + EVENT_COLS.index("id")  # position of the id in an INSERT row (geometry first)


def prepare_rows(events: Sequence[Event], *, by: str, at: str) -> list[list[Any]]:
    """Return the INSERT rows of validated events, stamped as an import keeps them, by date.

    Same as ``add_events(..., preserve=True)``: creator and timestamps default to ``by``
    and ``at``; revision, deleted and given timestamps are kept. Stamping touches only
    store-managed fields, which validation does not judge, so a validated event stays
    valid; an event that would need more is validated again.

    Raises
    ------
    ValidationError
        An event is invalid after stamping (it was not validated before).
    """
    rows = []
    for ev in events:
        ev, ov = rules.stamp_import(ev, by=by, at=at)
        rows.append(event_to_row(ev, ov))
    rows.sort(key=_date_key)  # stable: equal dates keep the file order
    return rows


def lift_rtree_triggers(con: sqlite3.Connection) -> list[tuple[str, str]]:
    """Drop the two R*Trees' triggers on ``events`` (in the open transaction); return them."""
    trigs: list[tuple[str, str]] = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'events' "
        "AND (name LIKE 'rtree_events_geom_%' OR name LIKE 'events_rtree3_%')"
    ).fetchall()
    for name, _ in trigs:
        con.execute(f'DROP TRIGGER "{name}"')
    return trigs


def fill_rtrees(con: sqlite3.Connection, last: int) -> None:
    """Index every event after fid ``last`` in both R*Trees, from the lon/lat columns.

    Every geom was built from lon/lat by ``event_to_row``, so the box comes from the
    plain columns (no ST_* callback into Python per row); the count check proves each new
    point got its GeoPackage entry before the transaction may commit.
    """
    geo = con.execute(
        "INSERT INTO rtree_events_geom SELECT fid, lon, lon, lat, lat FROM events "
        "WHERE fid > ? AND lon IS NOT NULL AND lat IS NOT NULL",
        (last,),
    ).rowcount
    want = con.execute(
        "SELECT count(*) FROM events WHERE fid > ? AND geom IS NOT NULL", (last,)
    ).fetchone()[0]
    if geo != want:
        msg = f"bulk insert: {geo} GeoPackage index entries for {want} new points"
        raise StoreError(msg)
    con.execute(
        "INSERT INTO events_rtree3 SELECT fid, lon, lon, lat, lat, julianday(date_start), "
        "julianday(date_end) FROM events WHERE fid > ? AND lon IS NOT NULL "
        "AND lat IS NOT NULL AND date_start IS NOT NULL",
        (last,),
    )


class BulkImport:
    """Write prepared rows into an open store transaction, window by window.

    Use :meth:`SQLiteStore.bulk_import` (it opens the transaction and calls
    :meth:`finish`). Ids already stored, or written earlier by this import, are skipped.
    """

    def __init__(self, con: sqlite3.Connection, *, by: str, at: str, reason: str | None) -> None:
        self.con = con
        self.by, self.at, self.reason = by, at, reason
        self.seen: set[str] = set()
        # An empty store holds no id but the ones this import writes (tracked in seen).
        self.check_stored = con.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
        self.trigs = lift_rtree_triggers(con)

    def write(self, rows: list[list[Any]]) -> int:
        """Write one window of rows (as :func:`prepare_rows` returns them, in date order).

        Returns how many were added (ids stored before or seen earlier are skipped).
        """
        seen = self.seen
        new = []
        for r in rows:
            i = r[_ID]
            if i not in seen:
                seen.add(i)
                new.append(r)
        if self.check_stored and new:
            stored = stored_ids(self.con, [r[_ID] for r in new])
            if stored:
                new = [r for r in new if r[_ID] not in stored]
        if not new:
            return 0
        con = self.con
        last = con.execute("SELECT coalesce(max(fid), 0) FROM events").fetchone()[0]
        con.executemany(_INSERT, new)
        fill_rtrees(con, last)
        con.execute(
            "INSERT INTO revisions (event_id, revision, action, changed_at, changed_by, reason) "
            "SELECT id, revision, 'import', ?, ?, ? FROM events WHERE fid > ? ORDER BY fid",
            (self.at, self.by, self.reason, last),
        )
        return len(new)

    def finish(self) -> None:
        """Put the R*Tree triggers back (same SQL); call before the transaction commits."""
        for _, sql in self.trigs:
            self.con.execute(sql)
        self.trigs = []


__all__ = ["BulkImport", "fill_rtrees", "lift_rtree_triggers", "prepare_rows"]
