"""The SQLite store's schema: numbered migrations, applied in order and recorded.

Each migration is a function ``(con) -> None`` run inside the opening transaction; its
number and name go into ``tracker_migrations`` and ``tracker_meta.schema_version``
follows the highest one. Imports: stdlib, tracker.store.gpkg.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from tracker.store.gpkg import GPKG_CORE_DDL, register_layer_sql, rtree_ddl

EVENT_COLUMNS_DDL = """
CREATE TABLE events (
  fid INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
  geom POINT,
  id TEXT NOT NULL UNIQUE,
  event_type TEXT NOT NULL,
  date_start DATE,
  date_end DATE,
  date_precision TEXT NOT NULL,
  date_text TEXT,
  place_name TEXT,
  place_id TEXT,
  country_code TEXT,
  admin1_code TEXT,
  geo_precision TEXT NOT NULL,
  role TEXT NOT NULL,
  lon REAL,
  lat REAL,
  actor TEXT,
  unit TEXT,
  count INTEGER,
  count_low INTEGER,
  count_high INTEGER,
  count_qualifier TEXT,
  count_unit TEXT,
  claimed_by TEXT,
  status TEXT NOT NULL,
  source_reliability TEXT,
  info_credibility INTEGER,
  report_id TEXT,
  source_publisher TEXT,
  source_url TEXT,
  source_published TEXT,
  evidence TEXT,
  evidence_start INTEGER,
  evidence_end INTEGER,
  method TEXT NOT NULL,
  confidence REAL NOT NULL,
  review_state TEXT NOT NULL,
  notes TEXT,
  tags TEXT,  -- JSON array; NULL when empty
  created_by TEXT,
  created_at TEXT,
  updated_at TEXT,
  revision INTEGER NOT NULL DEFAULT 1,
  deleted BOOLEAN NOT NULL DEFAULT 0,
  span_class INTEGER
);
-- span_class: 0 one day, 1 up to a week, 2 up to a month, 3 longer (see sqlquery.SPAN_CLASSES)
CREATE INDEX events_window ON events(span_class, date_start, date_end);
CREATE INDEX events_country ON events(country_code);
CREATE INDEX events_admin1 ON events(admin1_code);
CREATE INDEX events_place ON events(place_id);
CREATE INDEX events_report ON events(substr(report_id, 1, 8));  -- a prefix: small, selective
"""

# 3-D R*Tree (lon, lat, julian day) for "area + date window" in one probe; kept by triggers,
# so it also follows edits made by GDAL or QGIS.
RTREE3_DDL = """
CREATE VIRTUAL TABLE events_rtree3 USING rtree(id, minx, maxx, miny, maxy, t0, t1);
CREATE TRIGGER events_rtree3_insert AFTER INSERT ON events
WHEN NEW.lon IS NOT NULL AND NEW.lat IS NOT NULL AND NEW.date_start IS NOT NULL
BEGIN INSERT INTO events_rtree3 VALUES (NEW.fid, NEW.lon, NEW.lon, NEW.lat, NEW.lat,
  julianday(NEW.date_start), julianday(NEW.date_end)); END;
CREATE TRIGGER events_rtree3_update AFTER UPDATE OF fid, lon, lat, date_start, date_end ON events
BEGIN DELETE FROM events_rtree3 WHERE id IN (OLD.fid, NEW.fid);
  INSERT INTO events_rtree3 SELECT NEW.fid, NEW.lon, NEW.lon, NEW.lat, NEW.lat,
    julianday(NEW.date_start), julianday(NEW.date_end)
  WHERE NEW.lon IS NOT NULL AND NEW.lat IS NOT NULL AND NEW.date_start IS NOT NULL; END;
CREATE TRIGGER events_rtree3_delete AFTER DELETE ON events
BEGIN DELETE FROM events_rtree3 WHERE id = OLD.fid; END;
"""

OTHER_TABLES_DDL = """
CREATE TABLE tracker_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE reports (
  id TEXT PRIMARY KEY, title TEXT, publisher TEXT, url TEXT, published TEXT, retrieved TEXT,
  language TEXT, body_end INTEGER, source_path TEXT, ingested_at TEXT, text TEXT NOT NULL);
CREATE INDEX reports_url ON reports(url);
CREATE TABLE revisions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, event_id TEXT NOT NULL, revision INTEGER NOT NULL,
  action TEXT NOT NULL, changed_at TEXT NOT NULL, changed_by TEXT NOT NULL, reason TEXT,
  changes TEXT, UNIQUE (event_id, revision));  -- JSON [[field, old, new], ...]; NULL: none
CREATE TABLE links (
  id TEXT PRIMARY KEY, event_a TEXT NOT NULL, event_b TEXT NOT NULL, reason TEXT NOT NULL,
  method TEXT NOT NULL, score REAL, created_by TEXT, created_at TEXT,
  active BOOLEAN NOT NULL DEFAULT 1, removed_by TEXT, removed_at TEXT, removed_reason TEXT);
CREATE INDEX links_a ON links(event_a);
CREATE INDEX links_b ON links(event_b);
CREATE TABLE place_rules (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, action TEXT NOT NULL, place_id TEXT,
  context TEXT NOT NULL DEFAULT '', created_by TEXT, created_at TEXT, note TEXT,
  UNIQUE (name, context));
"""


def _m001_initial(con: sqlite3.Connection) -> None:
    has_gpkg = con.execute("SELECT 1 FROM sqlite_master WHERE name = 'gpkg_contents'").fetchone()
    script = "" if has_gpkg else GPKG_CORE_DDL
    script += EVENT_COLUMNS_DDL
    script += register_layer_sql("events", "geom", "tracker events (one sourced claim each)")
    script += rtree_ddl("events", "geom", "fid")
    script += RTREE3_DDL + OTHER_TABLES_DDL
    # Registering one attributes table makes GDAL list only registered tables (not the
    # R*Tree shadow tables), and QGIS shows the revision log as a table.
    script += (
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
        "VALUES ('revisions', 'attributes', 'revisions', 'every change to every event');\n"
    )
    for stmt in _split(script):
        con.execute(stmt)


def _split(script: str) -> list[str]:
    """Split a DDL script into statements (``sqlite3.complete_statement`` aware)."""
    out, buf = [], ""
    for line in script.splitlines(keepends=True):
        buf += line
        if sqlite3.complete_statement(buf):
            if buf.strip():
                out.append(buf.strip())
            buf = ""
    if buf.strip():
        out.append(buf.strip())
    return out


def _columns(con: sqlite3.Connection, table: str) -> set[str]:
    return {r[1] for r in con.execute(f"PRAGMA table_info({table})")}


# The CASE form of ``sqlquery.span_class`` (``tracker check`` compares with the same bounds).
SPAN_CLASS_SQL = (
    "CASE WHEN date_start IS NULL OR date_end IS NULL THEN NULL "
    "WHEN julianday(date_end) - julianday(date_start) <= 0 THEN 0 "
    "WHEN julianday(date_end) - julianday(date_start) <= 6 THEN 1 "
    "WHEN julianday(date_end) - julianday(date_start) <= 31 THEN 2 ELSE 3 END"
)

EVENT_INDEXES_V2 = """
CREATE INDEX events_window ON events(span_class, date_start, date_end);
CREATE INDEX events_country ON events(country_code) WHERE country_code IS NOT NULL;
CREATE INDEX events_admin1 ON events(admin1_code) WHERE admin1_code IS NOT NULL;
CREATE INDEX events_place ON events(place_id) WHERE place_id IS NOT NULL;
CREATE INDEX events_report ON events(substr(report_id, 1, 8));
"""


def _m002_event_indexes(con: sqlite3.Connection) -> None:
    """Bring every level-1 events layout to one: span_class and its window index, lean indexes.

    Level-1 stores were created by several development versions of migration 1 (a
    ``span_days`` column with ``events_dates``/``events_long_dates``, or ``span_class``
    with ``events_window``; a full or prefix ``report_id`` index). Whatever a store has,
    it ends with ``span_class`` filled and the indexes above; code indexes skip NULLs
    (raw-coordinate events have no place, admin1 or country code), which makes them
    smaller and cheaper to keep, and ``col = ?``/``col IN (...)`` still use them.
    """
    for name in (
        "events_dates",
        "events_long_dates",
        "events_window",
        "events_country",
        "events_admin1",
        "events_place",
        "events_report",
    ):
        con.execute(f"DROP INDEX IF EXISTS {name}")
    cols = _columns(con, "events")
    if "span_days" in cols:
        con.execute("ALTER TABLE events DROP COLUMN span_days")
    if "span_class" not in cols:
        con.execute("ALTER TABLE events ADD COLUMN span_class INTEGER")
    con.execute(
        f"UPDATE events SET span_class = {SPAN_CLASS_SQL} WHERE span_class IS NOT ({SPAN_CLASS_SQL})"
    )
    for stmt in _split(EVENT_INDEXES_V2):
        con.execute(stmt)


# Applied in order and never edited once released: a schema change is a new number.
MIGRATIONS: tuple[tuple[int, str, Callable[[sqlite3.Connection], None]], ...] = (
    (1, "initial GeoPackage layer, reports, revisions, links, place rules", _m001_initial),
    (2, "span_class window index; code indexes without NULLs", _m002_event_indexes),
)
LATEST = MIGRATIONS[-1][0]
