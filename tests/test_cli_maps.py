"""``tracker map`` end to end: a real store, the real CLI in a subprocess, the file it prints."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli
from tracker.render.data import decode_payload


def _payload(path: Path) -> dict[str, object]:
    m = re.search(r'TrackerMap\.start\([^"]*"([A-Za-z0-9+/=]+)"', path.read_text("utf-8"))
    assert m
    return decode_payload(m.group(1))


def test_map_command_writes_slugged_file_with_filtered_events(isolated_env: Path) -> None:
    assert run_cli("init").returncode == 0
    for lon, lat, date, actor in [
        ("131.87", "43.11", "2024-10-08/2024-10-13", "North Korean special forces"),
        ("36.19", "51.74", "2024-11", "Russian marines"),
    ]:
        r = run_cli(
            "add",
            "--lon",
            lon,
            "--lat",
            lat,
            "--date",
            date,
            "--actor",
            actor,
            "--source",
            "Yonhap",
            "--url",
            "https://example.org/a",
        )
        assert r.returncode == 0, r.stderr
    r = run_cli("map", "--title", "North Korean troops in Russia", "--tiles", "none")
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path == Path("maps/north-korean-troops-in-russia.html")
    assert len(_payload(isolated_env / path)["id"]) == 2  # type: ignore[arg-type]
    r = run_cli("map", "--actor", "north korean", "-o", "out/nk.html", "--tiles", "none")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "out/nk.html"
    p = _payload(isolated_env / "out/nk.html")
    assert p["title"] == "Events: north korean" and len(p["id"]) == 1  # type: ignore[arg-type]


def test_map_command_bad_tiles_writes_nothing(isolated_env: Path) -> None:
    assert run_cli("init").returncode == 0
    r = run_cli("map", "--title", "x", "--tiles", "javascript:alert(1)")
    assert r.returncode == 1
    assert "--tiles must be" in r.stderr
    assert not (isolated_env / "maps").exists()
