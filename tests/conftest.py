"""Shared fixtures: isolated settings directories and the real CLI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Property-based tests (issue 7): examples per property; TRACKER_HYPOTHESIS_LONG=1 (the bench/long
# mode) raises it to 100,000. Use as @settings(max_examples=PROPERTY_EXAMPLES, deadline=None).
PROPERTY_EXAMPLES = (
    100_000 if os.environ.get("TRACKER_HYPOTHESIS_LONG", "") not in ("", "0") else 1_000
)


@pytest.fixture()
def isolated_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Point the store and the user's data dir at tmp_path (the gazetteer cache is shared)."""
    monkeypatch.setenv("TRACKER_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRACKER_STORE", str(tmp_path / "tracker.gpkg"))
    monkeypatch.setenv("TRACKER_USER", "tester")
    monkeypatch.chdir(tmp_path)
    yield tmp_path


@pytest.fixture(scope="session")
def gazetteer(tmp_path_factory: pytest.TempPathFactory) -> object:
    """The real gazetteer (issue 2), built once into the shared user cache.

    Opened with an empty data dir so the developer's own custom places and imported dumps
    never change test results; the index for "no user additions" is shared by all tests.
    """
    from tracker.gazetteer import Gazetteer

    return Gazetteer.open(data_dir=tmp_path_factory.mktemp("gazetteer-data"))


def run_cli(
    *args: str, input: str | None = None, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tracker ARGS`` in a real subprocess and capture its output."""
    full_env = dict(os.environ)
    if env:
        full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "tracker", *args],
        input=input,
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=600,
    )


# --- PostgreSQL + PostGIS (issue 6) -------------------------------------------------------
# `pg_server` finds (TRACKER_TEST_PG_URL) or starts a throwaway server once per session;
# `postgis_url` gives each test an empty schema on it. Without a server they skip with a
# how-to; with CI=true they fail instead.


@pytest.fixture(scope="session")
def pg_server() -> Iterator[object]:
    from tests.pg_server import PgUnavailable, find_or_start

    try:
        srv = find_or_start()
    except PgUnavailable as err:
        if IN_CI:
            pytest.fail(f"CI=true requires PostGIS: {err}")
        pytest.skip(str(err))
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture()
def postgis_url(pg_server: object) -> Iterator[str]:
    """A postgresql:// URL whose search_path starts with a fresh, empty schema."""
    url: str = pg_server.fresh_schema_url()  # type: ignore[attr-defined]
    yield url
    pg_server.drop_schema(url.split("search_path%3D", 1)[1].split("%2C", 1)[0])  # type: ignore[attr-defined]


# --- headless Chromium (issue 5) ------------------------------------------------------------
# `chromium` launches the Debian chromium through Playwright once per session (never
# `playwright install`). Without chromium or playwright, browser tests skip with a how-to;
# with CI=true they fail instead.

CHROMIUM = os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[object]:
    """A headless Chromium ``Browser`` (Playwright's sync API) shared by the session."""
    how = "install both with `make sysdeps` (apt-get install chromium) and pip install -e '.[test]'"
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        msg = f"playwright is not installed; {how}"
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests: {msg}")
        pytest.skip(msg)
    if not os.access(CHROMIUM, os.X_OK):
        msg = f"no chromium at {CHROMIUM} (set TRACKER_CHROMIUM); {how}"
        if IN_CI:
            pytest.fail(f"CI=true requires the browser tests: {msg}")
        pytest.skip(msg)
    with sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        except PlaywrightError as err:
            if IN_CI:
                pytest.fail(f"CI=true requires the browser tests: chromium failed to start: {err}")
            pytest.skip(f"chromium failed to start: {err}")
        yield browser
        browser.close()
