"""Typed defaults and the environment variables that override them.

Settings
--------
store : str
    ``--store`` > ``TRACKER_STORE`` > ``./tracker.gpkg``. A path (GeoPackage file) or a
    ``postgresql://`` URL.
cache_dir : pathlib.Path
    ``TRACKER_CACHE_DIR`` > ``$XDG_CACHE_HOME/tracker`` > ``~/.cache/tracker``. Holds the
    compiled gazetteer index (rebuilt when its sources change; never committed).
data_dir : pathlib.Path
    ``TRACKER_DATA_DIR`` > ``$XDG_DATA_HOME/tracker`` > ``~/.local/share/tracker``. The user's
    own gazetteer additions (custom places, imported GeoNames dumps, boundaries) live
    here, so they survive upgrades and cache wipes.
user : str
    ``TRACKER_USER`` > the OS user name; recorded as ``created_by`` and in revisions.
maps_dir : pathlib.Path
    ``maps/`` under the working directory: where ``tracker map`` writes by default.

Imports: stdlib only.
"""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass, field
from pathlib import Path

CRS = "EPSG:4326"
DEFAULT_STORE = "tracker.gpkg"


def _xdg(var: str, fallback: str) -> Path:
    base = os.environ.get(var)
    return Path(base) if base else Path.home() / fallback


def default_store() -> str:
    """Return the store location from ``TRACKER_STORE`` or the default file name."""
    return os.environ.get("TRACKER_STORE") or DEFAULT_STORE


def cache_dir() -> Path:
    """Return the directory for rebuildable caches (the compiled gazetteer)."""
    env = os.environ.get("TRACKER_CACHE_DIR")
    return Path(env) if env else _xdg("XDG_CACHE_HOME", ".cache") / "tracker"


def data_dir() -> Path:
    """Return the directory for the user's own gazetteer additions."""
    env = os.environ.get("TRACKER_DATA_DIR")
    return Path(env) if env else _xdg("XDG_DATA_HOME", ".local/share") / "tracker"


def current_user() -> str:
    """Return ``TRACKER_USER`` or the OS login name (``unknown`` when neither is known)."""
    env = os.environ.get("TRACKER_USER")
    if env:
        return env
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@dataclass(frozen=True, slots=True)
class Settings:
    """A snapshot of the settings in force, resolved once per command."""

    store: str = field(default_factory=default_store)
    cache_dir: Path = field(default_factory=cache_dir)
    data_dir: Path = field(default_factory=data_dir)
    user: str = field(default_factory=current_user)
    maps_dir: Path = field(default_factory=lambda: Path("maps"))
