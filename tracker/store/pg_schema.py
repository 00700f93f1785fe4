"""The PostGIS store's schema: numbered migrations, applied in order and recorded.

The tables mirror the SQLite store (:mod:`tracker.store.sqlite_schema`) column for column,
so both backends hold the same records: ``events`` (every contract field, plus a
``geometry(Point, 4326)`` and a ``daterange`` generated from lon/lat and the dates, under
one GiST index for "area + date window"), ``reports`` with their full text, ``revisions``,
``links``, ``place_rules``, ``custom_places`` (a team's shared gazetteer additions),
``tracker_meta`` and ``tracker_migrations``. Tables are created unqualified, i.e. in the
first schema of the connection's ``search_path`` (``?options=-csearch_path%3Dteam_a``
keeps several stores in one database). Migration numbers follow the SQLite store's, so a
schema version means the same records on both backends.
Imports: stdlib only (SQL text).
"""

from __future__ import annotations

# Columns in Event field order; types chosen so values round-trip exactly (ISO text for
# the timestamps and source dates, as on SQLite; ``id`` sorts bytewise like Python str).
EVENTS_DDL = """
CREATE TABLE events (
  id text COLLATE "C" PRIMARY KEY,
  event_type text NOT NULL,
  date_start date,
  date_end date,
  date_precision text NOT NULL,
  date_text text,
  place_name text,
  place_id text,
  country_code text,
  admin1_code text,
  geo_precision text NOT NULL,
  role text NOT NULL,
  lon double precision,
  lat double precision,
  actor text,
  unit text,
  count bigint,
  count_low bigint,
  count_high bigint,
  count_qualifier text,
  count_unit text,
  claimed_by text,
  status text NOT NULL,
  source_reliability text,
  info_credibility integer,
  report_id text,
  source_publisher text,
  source_url text,
  source_published text,
  evidence text,
  evidence_start bigint,
  evidence_end bigint,
  method text NOT NULL,
  confidence double precision NOT NULL,
  review_state text NOT NULL,
  notes text,
  tags jsonb NOT NULL DEFAULT '[]',
  created_by text,
  created_at text,
  updated_at text,
  revision integer NOT NULL DEFAULT 1,
  deleted boolean NOT NULL DEFAULT false,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (
    CASE WHEN lon IS NOT NULL AND lat IS NOT NULL
         THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED,
  days daterange GENERATED ALWAYS AS (
    CASE WHEN date_start IS NOT NULL
         THEN daterange(date_start, coalesce(date_end, date_start), '[]') END) STORED,
  CHECK ((lon IS NULL) = (lat IS NULL)),
  CHECK (date_end IS NULL OR date_start <= date_end)
);
"""
SHORT_SPAN = 31  # days; the literal 31 in the partial index predicates below must match
# Secondary indexes of events (name, DDL): created by migration 1, and dropped and rebuilt
# around a bulk load into a small table (building is far cheaper than row-by-row upkeep).
EVENT_INDEXES: tuple[tuple[str, str], ...] = (
    ("events_geom_days", "CREATE INDEX events_geom_days ON events USING gist (geom, days)"),
    # Window-only queries (``tracker query --from --to``): events up to SHORT_SPAN days long
    # overlap a window only if they start at most SHORT_SPAN days before it, a narrow range
    # of the first index; the few longer ones have their own. Both cover what the default
    # filter and the order need, so such a query reads no table rows.
    (
        "events_dates_short",
        "CREATE INDEX events_dates_short ON events (date_start, date_end, id) "
        "INCLUDE (deleted, review_state) WHERE date_end - date_start <= 31",
    ),
    (
        "events_dates_long",
        "CREATE INDEX events_dates_long ON events (date_start, date_end, id) "
        "INCLUDE (deleted, review_state) WHERE date_end - date_start > 31",
    ),
    ("events_country", "CREATE INDEX events_country ON events (country_code)"),
    ("events_admin1", "CREATE INDEX events_admin1 ON events (admin1_code)"),
    ("events_place", "CREATE INDEX events_place ON events (place_id)"),
    ("events_report", "CREATE INDEX events_report ON events (report_id)"),
)
EVENTS_DDL += "".join(ddl + ";\n" for _, ddl in EVENT_INDEXES)

OTHER_DDL = """
CREATE TABLE tracker_meta (key text PRIMARY KEY, value text NOT NULL);
CREATE TABLE tracker_migrations (
  version integer PRIMARY KEY, name text NOT NULL, applied_at text NOT NULL);
CREATE TABLE reports (
  id text COLLATE "C" PRIMARY KEY, title text, publisher text, url text, published text,
  retrieved text, language text, body_end bigint, source_path text, ingested_at text,
  text text NOT NULL);
CREATE INDEX reports_url ON reports (url);
CREATE TABLE revisions (
  seq bigserial PRIMARY KEY, event_id text COLLATE "C" NOT NULL, revision integer NOT NULL,
  action text NOT NULL, changed_at text NOT NULL, changed_by text NOT NULL, reason text,
  changes jsonb NOT NULL DEFAULT '[]', UNIQUE (event_id, revision));
CREATE TABLE links (
  id text COLLATE "C" PRIMARY KEY, event_a text COLLATE "C" NOT NULL,
  event_b text COLLATE "C" NOT NULL, reason text NOT NULL, method text NOT NULL,
  score double precision, created_by text, created_at text,
  active boolean NOT NULL DEFAULT true, removed_by text, removed_at text, removed_reason text);
CREATE INDEX links_a ON links (event_a);
CREATE INDEX links_b ON links (event_b);
CREATE UNIQUE INDEX links_active_pair ON links (event_a, event_b) WHERE active;
CREATE TABLE place_rules (
  id text COLLATE "C" PRIMARY KEY, name text COLLATE "C" NOT NULL, action text NOT NULL,
  place_id text, context text COLLATE "C" NOT NULL DEFAULT '', created_by text,
  created_at text, note text, UNIQUE (name, context));
CREATE TABLE custom_places (
  id text COLLATE "C" PRIMARY KEY, name text NOT NULL, kind text NOT NULL DEFAULT 'custom',
  country_code text, admin1_code text, lon double precision, lat double precision,
  aliases jsonb NOT NULL DEFAULT '[]', created_by text, created_at text, note text,
  geom geometry(Point, 4326) GENERATED ALWAYS AS (
    CASE WHEN lon IS NOT NULL AND lat IS NOT NULL
         THEN ST_SetSRID(ST_MakePoint(lon, lat), 4326) END) STORED);
"""

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "initial PostGIS layer, reports, revisions, links, place rules, custom places",
        EVENTS_DDL + OTHER_DDL,
    ),
)
LATEST = MIGRATIONS[-1][0]
# Tables a tracker store owns, in dependency order (copy, check and drop use it).
TABLES = (
    "tracker_meta",
    "tracker_migrations",
    "reports",
    "events",
    "revisions",
    "links",
    "place_rules",
    "custom_places",
)
# One advisory lock key serialises concurrent `tracker init` runs on one database.
MIGRATION_LOCK_KEY = 0x747261636B6572  # "tracker"
# Another makes large imports into one store take turns (see PostGISStore.bulk_import).
IMPORT_LOCK_KEY = MIGRATION_LOCK_KEY + 1
