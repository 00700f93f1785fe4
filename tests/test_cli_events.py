"""The event commands as a user runs them: real subprocesses on real store files."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tracker.errors import AmbiguousPlaceError
from tracker.model import Place
from tracker.store.sqlite_schema import LATEST

ADD_VLAD = (
    "add",
    "--place",
    "Vladivostok",
    "--date",
    "2024-10-08/2024-10-13",
    "--type",
    "movement",
    "--role",
    "destination",
    "--actor",
    "North Korean special forces",
    "--count",
    "1500",
    "--count-qualifier",
    "about",
    "--claimed-by",
    "South Korea NIS",
    "--status",
    "claimed",
    "--source",
    "The Guardian",
    "--url",
    "https://example.org/nk",
    "--published",
    "2024-10-18",
    "--evidence",
    "Russian navy ships transferred \x1b[31m troops",
)


def _ok(*args: str) -> str:
    r = run_cli(*args)
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_add_query_show_edit_delete_restore(isolated_env: Path) -> None:
    eid = _ok(*ADD_VLAD).strip()
    assert eid.startswith("evt_")
    raw = _ok(
        "add", "--lon", "36.19", "--lat", "51.74", "--date", "2024-11", "--source", "HUR statement"
    )
    raw_id = raw.strip()
    rows = json.loads(_ok("query", "--format", "json"))
    assert [r["id"] for r in rows] == [eid, raw_id]
    vlad = rows[0]
    assert vlad["place_id"] == "geonames:2013348" and vlad["admin1_code"] == "RU-PRI"
    assert (vlad["status"], vlad["review_state"], vlad["confidence"]) == (
        "claimed",
        "accepted",
        1.0,
    )
    assert vlad["created_by"] == "tester" and vlad["date_precision"] == "range"
    assert rows[1]["date_start"] == "2024-11-01" and rows[1]["date_end"] == "2024-11-30"

    got = _ok(
        "query",
        "--region",
        "Primorsky Krai",
        "--from",
        "2024-10-01",
        "--to",
        "2024-10-31",
        "--format",
        "csv",
    )
    assert [r["id"] for r in csv.DictReader(io.StringIO(got))] == [eid]
    near = _ok(
        "query",
        "--near",
        "Vladivostok",
        "--within",
        "300km",
        "--status",
        "claimed,confirmed",
        "--format",
        "geojson",
    )
    doc = json.loads(near)
    assert [f["id"] for f in doc["features"]] == [eid] and doc["tracker"][
        "schema_version"
    ] == LATEST

    r = run_cli("edit", eid, "--count", "1200", "--reason", "NIS revised the figure", "--by", "bob")
    assert r.returncode == 0 and "revision 2" in r.stderr
    r = run_cli("edit", eid, "--count", "7", "--reason", "stale", "--expected-revision", "1")
    assert r.returncode == 1 and "revision 2" in r.stderr
    assert _ok("delete", eid, "--reason", "duplicate") == ""
    assert [x["id"] for x in json.loads(_ok("query"))] == [raw_id]
    _ok("restore", eid)
    shown = _ok("show", eid)
    for needle in (
        "r1 create",
        "r2 edit",
        "by bob",
        "NIS revised the figure",
        "count: '1500' -> '1200'",
        "r3 delete",
        "r4 restore",
        "https://example.org/nk",
    ):
        assert needle in shown, needle
    assert "\x1b" not in shown and "\\u001b" in shown  # terminal escapes are neutralised
    js = json.loads(_ok("show", eid, "--format", "json"))
    assert len(js["history"]) == 4 and js["event"]["count"] == 1200
    r = run_cli("check")
    assert r.returncode == 0 and "ok" in r.stderr


def test_bad_add_input_is_a_clear_error_and_writes_nothing(isolated_env: Path) -> None:
    cases = [
        (("--date", "2024-02-30"), "2024-02-30"),
        (("--date", "2024-10-13/2024-10-08"), "before"),
        (("--count", "-5"), "--count: -5 must be a whole number >= 0"),
        (("--count-low", "9", "--count-high", "3"), "count_low 9 is greater than count_high 3"),
        (("--count", "many"), "count"),
        (("--lon", "200", "--lat", "10"), "lon"),
        (("--lon", "20"), "--lat"),
        (("--type", "parade"), "movement"),
        (("--place", "Qqxzzv Wrrkt"), "Qqxzzv"),
    ]
    for extra, needle in cases:
        r = run_cli("add", "--source", "Wire", *extra)
        assert r.returncode != 0, extra
        assert needle in r.stderr, (extra, r.stderr)
        assert "Traceback" not in r.stderr
    r = run_cli("add", "--place", "Vladivostok")
    assert r.returncode == 2 and "--source" in r.stderr
    assert "evt_" not in run_cli("add", "--source", "Wire", "--count", "-5").stderr
    assert not (isolated_env / "tracker.gpkg").exists() or json.loads(_ok("query")) == []


def test_add_count_defaults_to_troops_unless_a_unit_is_given(isolated_env: Path) -> None:
    troops = json.loads(_ok("add", "--source", "Wire", "--count", "1500", "--format", "json"))
    assert troops["count_unit"] == "troops"
    brig = ["add", "--source", "Wire", "--count", "4", "--count-unit", "brigades"]
    assert json.loads(_ok(*brig, "--format", "json"))["count_unit"] == "brigades"
    assert json.loads(_ok("add", "--source", "Wire", "--format", "json"))["count_unit"] is None


def test_ambiguous_place_message_lists_candidates() -> None:
    from tracker.cli.events import _ambiguous_message

    cands = [
        Place("geonames:1", "Kirovsk", "city", "RU", "RU-LEN", 30.0, 59.0, population=25000),
        Place("geonames:2", "Kirovsk", "city", "RU", "RU-MUR", 33.6, 67.6, population=25000),
    ]
    msg = _ambiguous_message(AmbiguousPlaceError("x", candidates=list(cands)), "Kirovsk")
    assert "--place-id geonames:1" in msg and "--place-id geonames:2" in msg and "--country" in msg


def test_import_export_round_trip_and_bad_csv(isolated_env: Path) -> None:
    _ok(*ADD_VLAD)
    _ok("export", "--format", "csv", "-o", "all.csv")
    _ok("export", "--format", "gpkg", "-o", "copy.gpkg")
    _ok("export", "--format", "kml", "-o", "all.kml")
    r = run_cli("import", "all.csv")
    assert r.returncode == 0 and "0 added, 1 already present" in r.stderr
    r = run_cli("import", "all.csv", "--store", "other.gpkg")
    assert r.returncode == 0 and "1 added" in r.stderr
    assert json.loads(_ok("query", "--store", "other.gpkg")) == json.loads(_ok("query"))

    bad = isolated_env / "bad.csv"
    bad.write_text(
        "event_type,date_start,count,source_publisher\n"
        "arrival,2024-10-08,5,Wire\n"
        "arrival,2024-13-01,5,Wire\n"
        "arrival,2024-10-08,-1,Wire\n"
    )
    r = run_cli("import", str(bad), "--store", "b.gpkg")
    assert r.returncode == 1 and "line 3" in r.stderr and "line 4" in r.stderr
    assert "--skip-invalid" in r.stderr
    r = run_cli("import", str(bad), "--store", "b.gpkg", "--skip-invalid")
    assert r.returncode == 0 and "1 added" in r.stderr and "2 invalid" in r.stderr
    r = run_cli("import", "nope.csv")
    assert r.returncode == 1 and "not found" in r.stderr


def test_store_errors_are_clear(isolated_env: Path) -> None:
    r = run_cli("query")
    assert r.returncode == 1 and "tracker init" in r.stderr
    (isolated_env / "notes.gpkg").write_text("hello")
    r = run_cli("query", "--store", "notes.gpkg")
    assert r.returncode == 1 and "not a tracker store" in r.stderr
    r = run_cli("init")
    assert r.returncode == 0 and f"schema version {LATEST}" in r.stderr
    con = sqlite3.connect(isolated_env / "tracker.gpkg")
    con.execute("UPDATE tracker_meta SET value = '7' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    r = run_cli("add", "--source", "x")
    assert r.returncode == 1 and "newer" in r.stderr
    r = run_cli("add", "--source", "x", "--store", "no/such/dir/t.gpkg")
    assert r.returncode == 1 and "the folder no/such/dir does not exist" in r.stderr
    assert "mkdir -p no/such/dir" in r.stderr and not (isolated_env / "no").exists()


def test_backup_and_check(isolated_env: Path) -> None:
    _ok(*ADD_VLAD)
    r = run_cli("backup", "copy.gpkg")
    assert r.returncode == 0 and "check ok" in r.stderr
    r = run_cli("backup", "copy.gpkg")
    assert r.returncode == 1 and "exists" in r.stderr
    con = sqlite3.connect(isolated_env / "copy.gpkg")
    con.execute("DELETE FROM rtree_events_geom")
    con.commit()
    con.close()
    r = run_cli("check", "--store", "copy.gpkg")
    assert r.returncode == 1 and "GeoPackage index" in r.stderr


@pytest.mark.parametrize(
    "cmd",
    [
        "init",
        "add",
        "query",
        "import",
        "show",
        "edit",
        "delete",
        "restore",
        "export",
        "check",
        "backup",
    ],
)
def test_help_has_an_example(cmd: str) -> None:
    r = run_cli(cmd, "--help")
    assert r.returncode == 0 and "Example" in r.stdout
