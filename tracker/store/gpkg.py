"""GeoPackage plumbing for the SQLite store: point blobs, SQL functions and the layer DDL.

The store is a normal GeoPackage 1.4 file (``application_id`` ``GPKG``), so GDAL and QGIS
open the ``events`` point layer directly. GDAL's spatial-index triggers call
``ST_IsEmpty``/``ST_MinX``/... ; plain ``sqlite3`` has no such functions, so
:func:`register_functions` provides them for point blobs. Imports: stdlib only.
"""

from __future__ import annotations

import math
import sqlite3
import struct

GPKG_APPLICATION_ID = 0x47504B47  # "GPKG"
GPKG_USER_VERSION = 10400  # GeoPackage 1.4
SRS_ID = 4326

_HEADER = struct.Struct("<2sBBi")  # magic, version, flags, srs_id
_POINT = struct.Struct("<BIdd")  # byte order, wkb type, x, y
_FLAGS_LE_NO_ENVELOPE = 0x01
_FLAGS_EMPTY = 0x10

WGS84_WKT = (
    'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,'
    'AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,'
    'AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],'
    'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]'
)


def point_blob(lon: float | None, lat: float | None) -> bytes | None:
    """Return the GeoPackage geometry blob of a WGS84 point, or ``None`` without one.

    Parameters
    ----------
    lon, lat
        Longitude and latitude in degrees; ``None`` for an event without a place.

    Returns
    -------
    bytes or None
        ``GP`` header (little-endian, no envelope, SRS 4326) followed by a WKB point.
    """
    if lon is None or lat is None:
        return None
    return _HEADER.pack(b"GP", 0, _FLAGS_LE_NO_ENVELOPE, SRS_ID) + _POINT.pack(1, 1, lon, lat)


def blob_xy(blob: bytes | None) -> tuple[float, float] | None:
    """Return ``(lon, lat)`` of a GeoPackage point blob (``None`` for null or empty).

    Handles either byte order and any envelope size, as written by GDAL or QGIS.
    """
    if blob is None or len(blob) < 8 or blob[:2] != b"GP":
        return None
    flags = blob[3]
    if flags & _FLAGS_EMPTY:
        return None
    env = (flags >> 1) & 0x07
    env_len = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}.get(env, 0)
    wkb = blob[8 + env_len :]
    if len(wkb) < 21:
        return None
    order = "<" if wkb[0] == 1 else ">"
    (wkb_type,) = struct.unpack(order + "I", wkb[1:5])
    if wkb_type % 1000 != 1:
        return None
    x, y = struct.unpack(order + "dd", wkb[5:21])
    if math.isnan(x) or math.isnan(y):
        return None
    return x, y


_FAST_HEADER = b"GP\x00\x01\xe6\x10\x00\x00\x01\x01\x00\x00\x00"  # our own point blobs
_XY = struct.Struct("<dd")


def _is_empty(blob: bytes | None) -> int:
    if blob is not None and blob[:13] == _FAST_HEADER:
        return 0
    return 1 if blob_xy(blob) is None else 0


def _coord(i: int) -> object:
    def f(blob: bytes | None) -> float | None:
        if blob is not None and blob[:13] == _FAST_HEADER:
            return float(_XY.unpack_from(blob, 13)[i])
        xy = blob_xy(blob)
        return None if xy is None else xy[i]

    return f


def register_functions(con: sqlite3.Connection) -> None:
    """Register the ``ST_*`` functions GeoPackage R*Tree triggers need on ``con``."""
    con.create_function("ST_IsEmpty", 1, _is_empty, deterministic=True)
    for name, i in (("ST_MinX", 0), ("ST_MaxX", 0), ("ST_MinY", 1), ("ST_MaxY", 1)):
        con.create_function(name, 1, _coord(i), deterministic=True)  # type: ignore[arg-type]


GPKG_CORE_DDL = f"""
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
INSERT INTO gpkg_spatial_ref_sys VALUES
  ('Undefined Cartesian SRS', -1, 'NONE', -1, 'undefined', 'undefined Cartesian coordinate reference system'),
  ('Undefined geographic SRS', 0, 'NONE', 0, 'undefined', 'undefined geographic coordinate reference system'),
  ('WGS 84 geodetic', 4326, 'EPSG', 4326, '{WGS84_WKT}',
   'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid');
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id));
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_extensions (
  table_name TEXT, column_name TEXT, extension_name TEXT NOT NULL, definition TEXT NOT NULL,
  scope TEXT NOT NULL, CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name));
"""


def rtree_ddl(table: str, geom: str, pk: str) -> str:
    """Return the DDL of GeoPackage's ``gpkg_rtree_index`` extension for one point column.

    The trigger set follows GeoPackage 1.4 (insert, update2/4/5/6/7, delete), the same
    triggers GDAL writes, so GDAL, QGIS and this store keep the index in step.
    """
    rt = f"rtree_{table}_{geom}"
    g = f'"{geom}"'
    t = f'"{table}"'
    box = f"ST_MinX(NEW.{g}), ST_MaxX(NEW.{g}), ST_MinY(NEW.{g}), ST_MaxY(NEW.{g})"
    full_new = f"(NEW.{g} NOTNULL AND NOT ST_IsEmpty(NEW.{g}))"
    null_new = f"(NEW.{g} ISNULL OR ST_IsEmpty(NEW.{g}))"
    return f"""
CREATE VIRTUAL TABLE "{rt}" USING rtree(id, minx, maxx, miny, maxy);
CREATE TRIGGER "{rt}_insert" AFTER INSERT ON {t} WHEN {full_new}
BEGIN INSERT OR REPLACE INTO "{rt}" VALUES (NEW.{pk}, {box}); END;
CREATE TRIGGER "{rt}_update6" AFTER UPDATE OF {g} ON {t}
WHEN OLD.{pk} = NEW.{pk} AND {full_new} AND (OLD.{g} NOTNULL AND NOT ST_IsEmpty(OLD.{g}))
BEGIN UPDATE "{rt}" SET minx = ST_MinX(NEW.{g}), maxx = ST_MaxX(NEW.{g}),
  miny = ST_MinY(NEW.{g}), maxy = ST_MaxY(NEW.{g}) WHERE id = NEW.{pk}; END;
CREATE TRIGGER "{rt}_update7" AFTER UPDATE OF {g} ON {t}
WHEN OLD.{pk} = NEW.{pk} AND {full_new} AND (OLD.{g} ISNULL OR ST_IsEmpty(OLD.{g}))
BEGIN INSERT INTO "{rt}" VALUES (NEW.{pk}, {box}); END;
CREATE TRIGGER "{rt}_update2" AFTER UPDATE OF {g} ON {t}
WHEN OLD.{pk} = NEW.{pk} AND {null_new}
BEGIN DELETE FROM "{rt}" WHERE id = OLD.{pk}; END;
CREATE TRIGGER "{rt}_update5" AFTER UPDATE ON {t} WHEN OLD.{pk} != NEW.{pk} AND {full_new}
BEGIN DELETE FROM "{rt}" WHERE id = OLD.{pk};
  INSERT OR REPLACE INTO "{rt}" VALUES (NEW.{pk}, {box}); END;
CREATE TRIGGER "{rt}_update4" AFTER UPDATE ON {t} WHEN OLD.{pk} != NEW.{pk} AND {null_new}
BEGIN DELETE FROM "{rt}" WHERE id IN (OLD.{pk}, NEW.{pk}); END;
CREATE TRIGGER "{rt}_delete" AFTER DELETE ON {t} WHEN OLD.{g} NOT NULL
BEGIN DELETE FROM "{rt}" WHERE id = OLD.{pk}; END;
INSERT INTO gpkg_extensions VALUES ('{table}', '{geom}', 'gpkg_rtree_index',
  'http://www.geopackage.org/spec120/#extension_rtree', 'write-only');
"""


def register_layer_sql(table: str, geom: str, description: str) -> str:
    """Return the SQL that registers ``table`` as a WGS84 point feature layer."""
    return f"""
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
  VALUES ('{table}', 'features', '{table}', '{description}', {SRS_ID});
INSERT INTO gpkg_geometry_columns VALUES ('{table}', '{geom}', 'POINT', {SRS_ID}, 0, 0);
"""
