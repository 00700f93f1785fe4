"""Stores made by an older schema level open with this tracker (migrated on open).

Level 1 was written by several development versions; the oldest kept a ``span_days``
column with ``events_dates``/``events_long_dates`` indexes and no ``events_window``, which
made `tracker query` fail with "no such index: events_window" before migration 2.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from datetime import date
from pathlib import Path

from tracker.model import Event, EventFilter
from tracker.store import open_store, sqlite_schema
from tracker.store.gpkg import register_functions


def _events() -> list[Event]:
    out = []
    for i, (d0, d1) in enumerate(
        [("2024-10-08", "2024-10-08"), ("2024-10-01", "2024-10-13"), ("2024-09-01", "2024-12-01")]
    ):
        out.append(
            Event(
                id=f"evt_old{i}",
                event_type="movement",
                date_start=date.fromisoformat(d0),
                date_end=date.fromisoformat(d1),
                date_precision="range",
                lon=131.9 + i,
                lat=43.1,
                country_code="RU",
                source_publisher="NIS",
            )
        )
    out.append(Event(id="evt_undated", event_type="other", source_publisher="NIS"))
    return out


def make_level1_store(path: Path) -> None:
    """Write a store in the first level-1 layout (span_days, events_dates, full report index)."""
    with open_store(path, create=True) as st:
        st.add_events(_events(), by="old tracker")
    con = sqlite3.connect(path, isolation_level=None)
    register_functions(con)  # GeoPackage's triggers call ST_* functions
    for name in ("events_window", "events_country", "events_admin1", "events_place"):
        con.execute(f"DROP INDEX {name}")
    con.execute("DROP INDEX events_report")
    con.execute("ALTER TABLE events DROP COLUMN span_class")
    con.execute("ALTER TABLE events ADD COLUMN span_days INTEGER")
    con.execute("UPDATE events SET span_days = julianday(date_end) - julianday(date_start)")
    con.executescript(
        """
        CREATE INDEX events_dates ON events(date_start, date_end);
        CREATE INDEX events_long_dates ON events(date_start, date_end) WHERE span_days > 31;
        CREATE INDEX events_country ON events(country_code);
        CREATE INDEX events_admin1 ON events(admin1_code);
        CREATE INDEX events_place ON events(place_id);
        CREATE INDEX events_report ON events(report_id);
        DELETE FROM tracker_migrations WHERE version > 1;
        UPDATE tracker_meta SET value = '1' WHERE key = 'schema_version';
        """
    )
    con.close()


def test_level1_store_is_migrated_on_open_and_answers_queries(tmp_path: Path) -> None:
    path = tmp_path / "old.gpkg"
    make_level1_store(path)
    con = sqlite3.connect(path)
    names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'index'")}
    con.close()
    assert "events_window" not in names and "events_dates" in names  # really the old layout

    # A plain reading command, as the engineer who reported the bug ran it.
    out = subprocess.run(
        [sys.executable, "-m", "tracker", "query", "--store", str(path), "--from", "2024-10-05",
         "--to", "2024-10-09", "--format", "csv"],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "no such index" not in out.stderr
    ids = [line.split(",")[0] for line in out.stdout.splitlines()[1:] if line]
    assert ids == ["evt_old2", "evt_old1", "evt_old0"]

    with open_store(path) as st:
        assert st.schema_version() == sqlite_schema.LATEST
        assert st.check() == []  # span_class filled from the dates, R*Trees intact
        cols = {r[1] for r in st.con.execute("PRAGMA table_info(events)")}  # type: ignore[attr-defined]
        assert "span_days" not in cols and "span_class" in cols
        applied = [r[0] for r in st.con.execute("SELECT version FROM tracker_migrations")]  # type: ignore[attr-defined]
        assert applied == [m[0] for m in sqlite_schema.MIGRATIONS]
        # New writes and window queries work on the migrated layout.
        st.add_events(
            [Event(id="evt_new", event_type="arrival", date_start=date(2024, 10, 9),
                   date_end=date(2024, 10, 9), date_precision="day", source_publisher="x")]
        )  # fmt: skip
        got = st.query_ids(EventFilter(date_from=date(2024, 10, 9), date_to=date(2024, 10, 9)))
        assert got == ["evt_old2", "evt_old1", "evt_new"]
        assert len(st.query(EventFilter(include_deleted=True))) == 5


def test_new_store_has_every_migration_and_lean_code_indexes(tmp_path: Path) -> None:
    with open_store(tmp_path / "new.gpkg", create=True) as st:
        st.add_events(_events())
        con = st.con  # type: ignore[attr-defined]
        plan = " ".join(
            r[3]
            for r in con.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM events WHERE country_code IN ('RU', 'UA')"
            )
        )
        assert "events_country" in plan  # the partial index still serves IN (...)
        assert st.query_ids(EventFilter(include_deleted=True))[-1] == "evt_undated"
        assert st.check() == []
