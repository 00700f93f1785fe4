"""The user's own gazetteer additions, kept under ``settings.data_dir()``.

* ``custom_places.json``: places added with ``tracker places add``;
* ``geonames/``: GeoNames dumps (``RU.zip``, ``allCountries.zip`` or their ``.txt``) copied
  in by ``tracker places import`` after they were read completely;
* ``boundaries/``: region outlines converted by ``tracker regions import``.

They are inputs of the index build (never the other way round), so they survive upgrades
and cache wipes. Every write goes to a temporary file renamed into place. Imports: stdlib.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tracker.errors import GazetteerError, ImportFileError, ValidationError
from tracker.gazetteer.normalize import check_name, normalize_name
from tracker.gazetteer.sources import City

CUSTOM_FILE = "custom_places.json"
DUMPS_DIR = "geonames"
BOUNDARIES_DIR = "boundaries"
GEONAMES_COLUMNS = 19


def user_key(data_dir: Path) -> str:
    """Return a fingerprint of the user's additions (names, sizes, mtimes); "" when none."""
    h = hashlib.sha256()
    seen = False
    paths = [data_dir / CUSTOM_FILE]
    for sub in (DUMPS_DIR, BOUNDARIES_DIR):
        d = data_dir / sub
        if d.is_dir():
            paths += sorted(p for p in d.iterdir() if not p.name.startswith("."))
    for p in paths:
        with contextlib.suppress(FileNotFoundError):
            st = p.stat()
            seen = True
            h.update(f"{p.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:16] if seen else ""


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=path.suffix)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def check_lon_lat(lon: float, lat: float) -> None:
    """Raise :class:`ValidationError` unless ``-180 <= lon <= 180`` and ``-90 <= lat <= 90``."""
    for label, v, lim in (("longitude", lon, 180.0), ("latitude", lat, 90.0)):
        if not isinstance(v, int | float) or math.isnan(v) or not -lim <= v <= lim:
            msg = (
                f"{label} {v!r} is out of range; it must be between {-lim:g} and {lim:g} "
                "(coordinates are lon, lat in degrees)"
            )
            raise ValidationError(msg)


# ---------------------------------------------------------------- custom places


def read_custom_places(data_dir: Path) -> list[dict[str, Any]]:
    """Return the custom places (empty when none were added)."""
    path = data_dir / CUSTOM_FILE
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        msg = f"{path} is not valid JSON ({err}); fix or remove it, then run: tracker places build"
        raise GazetteerError(msg) from err
    places = raw.get("places") if isinstance(raw, dict) else None
    if not isinstance(places, list):
        msg = f"{path} has no 'places' list; fix or remove it, then run: tracker places build"
        raise GazetteerError(msg)
    return places


SAME_CUSTOM_KM = 1.0  # a custom place added again within this distance is the same place


def approx_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Approximate distance (equirectangular; fine below a few hundred km)."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6371.0 * math.hypot(x, math.radians(lat2 - lat1))


def add_custom_place(
    data_dir: Path,
    name: str,
    lon: float,
    lat: float,
    *,
    country_code: str | None,
    aliases: tuple[str, ...] = (),
    known_countries: set[str],
) -> dict[str, Any]:
    """Validate and append one custom place; return its record (with its ``custom:<n>`` id).

    Adding a place again (same normalized name, within ``SAME_CUSTOM_KM``) keeps the one
    place: new aliases and a country are added to it, and the record comes back with
    ``existing=True`` (and ``changed`` saying whether anything was added), so a setup script
    can run twice without creating namesakes that make the name ambiguous.
    """
    name = check_name(name)
    check_lon_lat(lon, lat)
    cc = None
    if country_code:
        cc = country_code.strip().upper()
        if cc not in known_countries:
            msg = (
                f"unknown country code {country_code!r}; use an ISO 3166-1 alpha-2 code "
                "such as RU, KP or UA"
            )
            raise ValidationError(msg)
    al = [check_name(a, what="alias") for a in aliases]
    places = read_custom_places(data_dir)
    for old in places:
        if normalize_name(str(old.get("name", ""))) != normalize_name(name):
            continue
        if approx_km(float(old["lon"]), float(old["lat"]), lon, lat) > SAME_CUSTOM_KM:
            continue
        if cc and old.get("country_code") not in (None, cc):
            continue
        known = list(old.get("aliases") or [])
        extra = [a for a in al if a not in known]
        changed = bool(extra) or bool(cc and old.get("country_code") != cc)
        if changed:
            old["aliases"] = known + extra
            old["country_code"] = cc or old.get("country_code")
            body = json.dumps({"places": places}, ensure_ascii=False, indent=1).encode("utf-8")
            write_atomic(data_dir / CUSTOM_FILE, body)
        return {**old, "existing": True, "changed": changed}
    n = 1 + max((int(p.get("n", 0)) for p in places), default=0)
    rec = {"n": n, "name": name, "lon": float(lon), "lat": float(lat), "country_code": cc}
    rec["aliases"] = al
    places.append(rec)
    body = json.dumps({"places": places}, ensure_ascii=False, indent=1).encode("utf-8")
    write_atomic(data_dir / CUSTOM_FILE, body)
    return rec


# ---------------------------------------------------------------- GeoNames dumps


def _dump_text(path: Path) -> Iterator[tuple[int, str]]:
    """Yield ``(line number, line)`` of a GeoNames dump (.txt, or .zip holding one)."""
    if path.suffix.lower() == ".zip":
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError) as err:
            msg = (
                f"{path} is corrupt or truncated, or not a zip file ({err}); "
                "download it again from GeoNames"
            )
            raise ImportFileError(msg) from err
        with zf:
            names = [n for n in zf.namelist() if n.endswith(".txt") and "readme" not in n.lower()]
            if len(names) != 1:
                msg = f"{path} should hold one GeoNames table (.txt), found {names or 'none'}"
                raise ImportFileError(msg)
            try:
                with zf.open(names[0]) as raw:
                    text = io.TextIOWrapper(raw, encoding="utf-8")
                    yield from enumerate(text, 1)
            except (zipfile.BadZipFile, EOFError, OSError, UnicodeDecodeError) as err:
                msg = f"{path} is corrupt or truncated ({err}); download it again from GeoNames"
                raise ImportFileError(msg) from err
    else:
        try:
            with path.open(encoding="utf-8") as f:
                yield from enumerate(f, 1)
        except UnicodeDecodeError as err:
            msg = f"{path} is not UTF-8 text ({err}); give a GeoNames dump such as RU.zip"
            raise ImportFileError(msg) from err


def iter_dump(path: Path) -> Iterator[City]:
    """Parse a GeoNames geoname table, raising :class:`ImportFileError` on the first bad row."""
    n = 0
    for lineno, line in _dump_text(path):
        if not line.strip():
            continue
        cols = line.rstrip("\n").split("\t")
        where = f"{path.name} line {lineno}"
        if len(cols) != GEONAMES_COLUMNS:
            msg = (
                f"{where} has {len(cols)} tab-separated columns, expected {GEONAMES_COLUMNS} "
                "(GeoNames 'geoname' table, e.g. RU.zip or allCountries.zip); the file is "
                "truncated or not a GeoNames dump"
            )
            raise ImportFileError(msg)
        try:
            gid, lat, lon = int(cols[0]), float(cols[4]), float(cols[5])
            pop = int(cols[14] or 0)
            check_lon_lat(lon, lat)
        except ValueError as err:
            msg = f"{where}: bad id, coordinates or population ({err}); the dump is corrupt"
            raise ImportFileError(msg) from err
        if not cols[1].strip() or not re.fullmatch(r"[A-Z]{2}|", cols[8]):
            msg = f"{where}: empty name or bad country code {cols[8]!r}; the dump is corrupt"
            raise ImportFileError(msg)
        n += 1
        yield City(
            geonameid=gid,
            name=cols[1],
            lon=lon,
            lat=lat,
            country_code=cols[8],
            gn_admin1=cols[10],
            population=pop,
            alternatenames=tuple(a for a in cols[3].split(",") if a),
            feature_code=cols[7] or None,
            feature_class=cols[6] or None,
        )
    if n == 0:
        msg = f"{path} holds no GeoNames rows; give a dump such as RU.zip or allCountries.zip"
        raise ImportFileError(msg)


def import_dump(data_dir: Path, path: Path) -> int:
    """Read a GeoNames dump completely, then copy it into the data dir; return its row count."""
    if not path.is_file():
        msg = f"{path} does not exist or is not a file"
        raise ImportFileError(msg)
    if path.suffix.lower() not in (".zip", ".txt"):
        msg = f"{path} is not a GeoNames dump; give the .zip or .txt from download.geonames.org"
        raise ImportFileError(msg)
    count = sum(1 for _ in iter_dump(path))
    dest = data_dir / DUMPS_DIR / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dest.parent, prefix=".tmp-", suffix=path.suffix)
    os.close(fd)
    try:
        shutil.copyfile(path, tmp)
        os.replace(tmp, dest)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return count


def dump_paths(data_dir: Path) -> list[Path]:
    """Return the imported dumps, in name order."""
    d = data_dir / DUMPS_DIR
    if not d.is_dir():
        return []
    return sorted(p for p in d.iterdir() if p.suffix.lower() in (".zip", ".txt"))


# ---------------------------------------------------------------- boundaries


def save_boundaries(data_dir: Path, stem: str, features: list[dict[str, Any]]) -> Path:
    """Store converted boundary features (``{"code"|"name", "geometry"}``) as one file."""
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-") or "boundaries"
    body = json.dumps({"type": "boundaries", "features": features}, ensure_ascii=False)
    dest = data_dir / BOUNDARIES_DIR / f"{slug}.json"
    write_atomic(dest, body.encode("utf-8"))
    return dest


def read_boundaries(data_dir: Path) -> list[dict[str, Any]]:
    """Return every stored boundary feature, later files overriding earlier ones."""
    d = data_dir / BOUNDARIES_DIR
    out: list[dict[str, Any]] = []
    if not d.is_dir():
        return out
    for p in sorted(d.glob("*.json")):
        try:
            out += json.loads(p.read_text(encoding="utf-8"))["features"]
        except (UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as err:
            msg = f"{p} is unreadable ({err}); remove it and run: tracker regions import again"
            raise GazetteerError(msg) from err
    return out
