"""``tracker ingest``, ``tracker review`` and ``tracker rules`` as a user runs them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.conftest import run_cli
from tracker.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "nis-north-korean-troops-vladivostok.md"
GEORGIA = "---\npublished: 2024-03-01\n---\nRussian officials said 300 soldiers were sent to Georgia on Monday.\n"


@pytest.fixture()
def env(isolated_env: Path, gazetteer: Any) -> Path:
    return isolated_env


def invoke(*args: str, input: str | None = None) -> Any:
    return CliRunner().invoke(cli, list(args), input=input, catch_exceptions=False)


def rows(result: Any) -> list[dict[str, Any]]:
    return json.loads(result.stdout)


def test_ingest_seed_folder_prints_events_and_is_idempotent(env: Path) -> None:
    folder = env / "reports"
    folder.mkdir()
    shutil.copy(SEED, folder)
    (folder / "README.md").write_text("# not a report\n")
    r = invoke("ingest", str(folder), "--format", "json")
    assert r.exit_code == 0, r.output
    got = rows(r)
    vlad = [x for x in got if x["place"] == "Vladivostok"]
    assert vlad and vlad[0]["role"] == "destination" and vlad[0]["count"] == "1,500 troops"
    assert vlad[0]["dates"] == "2024-10-08/2024-10-13" and "NIS" in vlad[0]["claimed_by"]
    assert "events proposed" in r.stderr and "new report" in r.stderr
    again = invoke("ingest", str(folder), "--format", "json")
    assert again.exit_code == 0 and "0 added (report already stored)" in again.stderr
    listed = rows(invoke("review", "--list", "--format", "json"))
    assert sorted(x["id"] for x in listed) == sorted(x["id"] for x in got)


def test_ingest_table_escapes_report_text(env: Path) -> None:
    p = env / "evil.md"
    p.write_text(
        "---\npublished: 2024-10-01\n---\nThe \x1b[31mministry said 400 soldiers arrived in Lviv on Monday.\n"
    )
    r = invoke("ingest", str(p), "--format", "table")
    assert r.exit_code == 0
    assert "\x1b" not in r.stdout
    assert "Lviv" in r.stdout or "Lvivska" in r.stdout


def test_ingest_exits_nonzero_when_a_file_fails_but_ingests_the_others(env: Path) -> None:
    (env / "good.md").write_text(GEORGIA)
    (env / "empty.txt").write_text("")
    r = run_cli("ingest", "good.md", "empty.txt", "--format", "json", cwd=env)
    assert r.returncode == 1
    assert "empty.txt" in r.stderr and "1 of 2 files failed" in r.stderr
    assert [x["file"] for x in json.loads(r.stdout)] == ["good.md"]


def test_ingest_all_files_failing_says_nothing_was_ingested(env: Path) -> None:
    (env / "empty.txt").write_text("")
    r = run_cli("ingest", "empty.txt", "--format", "json", cwd=env)
    assert r.returncode == 1
    assert "1 of 1 files failed; nothing was ingested" in r.stderr
    assert "the others" not in r.stderr


def test_published_flag_silences_front_matter_future_date_warning(env: Path) -> None:
    (env / "future.md").write_text(GEORGIA.replace("2024-03-01", "2099-01-01"))
    r = run_cli("ingest", "future.md", "--published", "2024-03-01", "--format", "json", cwd=env)
    assert r.returncode == 0, r.stderr
    assert "in the future" not in r.stderr
    r = run_cli("ingest", "future.md", "--format", "json", cwd=env)
    assert r.returncode == 1 and "in the future" in r.stderr


def test_ingest_stdin_with_flags(env: Path) -> None:
    text = "Officials said about 400 soldiers were sent to Lviv on Monday.\n"
    r = invoke(
        "ingest",
        "-",
        "--published",
        "2024-10-18",
        "--publisher",
        "Test Wire",
        "--format",
        "json",
        input=text,
    )
    assert r.exit_code == 0, r.output
    [row] = rows(r)
    assert row["dates"] == "2024-10-14" and row["count"] == "~400 troops"


def test_ingest_bad_flag_date_is_a_clear_error(env: Path) -> None:
    (env / "good.md").write_text(GEORGIA)
    r = invoke("ingest", "good.md", "--published", "2024-02-30", "--format", "json")
    assert r.exit_code == 1 and "2024-02-30" in r.stderr
    # the flag is named once, as typed ("--published published '...'" read as a typo)
    assert "good.md: --published '2024-02-30' is not a date" in r.stderr
    r = invoke("ingest", "good.md", "--retrieved", "2024-10", "--format", "json")
    assert r.exit_code == 1
    assert "--retrieved must be one day such as 2024-10-18, got '2024-10'" in r.stderr


def test_review_accept_reject_scriptable(env: Path) -> None:
    shutil.copy(SEED, env)
    ids = [x["id"] for x in rows(invoke("ingest", SEED.name, "--format", "json"))]
    r = invoke("review", "--accept", ids[0], ids[1], "--reason", "matches the NIS statement")
    assert r.exit_code == 0 and f"{ids[0]}: accepted" in r.stderr
    assert invoke("review", "--reject", ids[2]).exit_code == 0
    pending = {x["id"] for x in rows(invoke("review", "--list", "--format", "json"))}
    assert pending == set(ids[3:])
    bad = invoke("review", "--accept", "evt_nosuchthing")
    assert bad.exit_code == 1 and "evt_nosuchthing" in bad.stderr
    shown = run_cli("show", ids[0], "--format", "json", cwd=env)
    if shown.returncode == 0:  # `tracker show` (issue 3) keeps the review in the history
        assert "matches the NIS statement" in shown.stdout


def test_review_interactive_through_stdin(env: Path) -> None:
    shutil.copy(SEED, env)
    invoke("ingest", SEED.name, "--format", "json")
    ids = [x["id"] for x in rows(invoke("review", "--list", "--format", "json"))]  # review order
    r = invoke("review", input="a\nr\ns\nq\n")
    assert r.exit_code == 0, r.output
    assert "[1/" in r.stdout and "evidence:" in r.stdout
    assert "1 accepted, 1 rejected" in r.stderr
    pending = {x["id"] for x in rows(invoke("review", "--list", "--format", "json"))}
    assert pending == set(ids[2:])
    # input ending early stops cleanly
    r2 = invoke("review", input="s\n")
    assert r2.exit_code == 0 and "end of input" in r2.stderr


def test_review_edit_place_makes_a_rule_that_sticks(env: Path) -> None:
    (env / "one.md").write_text(GEORGIA)
    [row] = rows(invoke("ingest", "one.md", "--format", "json"))
    assert row["place"] == "Georgia"
    # edit: place '-' (not a place), keep role, type, dates, count, status, claimant
    r = invoke("review", row["id"], input="e\n-\n\n\n\n\n\n\n")
    assert r.exit_code == 0, r.output
    assert "remembered: 'Georgia' -> not a place in reports about RU" in r.stdout
    rules = rows(invoke("rules", "list", "--format", "json"))
    assert [(x["name"], x["action"], x["context"]) for x in rules] == [
        ("Georgia", "not_place", "RU")
    ]
    edited = rows(invoke("review", row["id"], "--list", "--format", "json"))[0]
    assert edited["place"] == "(no place)"
    (env / "two.md").write_text(GEORGIA.replace("300", "350"))
    two = rows(invoke("ingest", "two.md", "--format", "json"))
    assert all(x["place"] != "Georgia" for x in two)
    # rules are editable: delete it and the name is a place again
    assert invoke("rules", "delete", rules[0]["id"]).exit_code == 0
    (env / "three.md").write_text(GEORGIA.replace("300", "375"))
    three = rows(invoke("ingest", "three.md", "--format", "json"))
    assert [x["place"] for x in three] == ["Georgia"]


def test_rules_add_list_delete(env: Path) -> None:
    r = invoke("rules", "add", "Georgia", "--place-id", "iso3166-2:US-GA", "--context", "us")
    assert r.exit_code == 0
    rid = r.stdout.strip()
    listed = rows(invoke("rules", "list", "--format", "json"))
    assert [(x["id"], x["place_id"], x["context"]) for x in listed] == [
        (rid, "iso3166-2:US-GA", "US")
    ]
    assert invoke("rules", "add", "X", "--not-place", "--place-id", "a:b").exit_code == 2
    # an id the gazetteer lacks would be stored and then silently ignored by the geoparser
    bad = invoke("rules", "add", "Kursk", "--place-id", "geonames:999999999")
    assert bad.exit_code == 2 and "no gazetteer place has id 'geonames:999999999'" in bad.stderr
    assert invoke("rules", "delete", rid).exit_code == 0
    assert invoke("rules", "delete", rid).exit_code == 1
    assert rows(invoke("rules", "list", "--format", "json")) == []


def test_help_has_examples() -> None:
    for cmd in (["ingest"], ["review"], ["rules"], ["rules", "add"]):
        r = invoke(*cmd, "--help")
        assert r.exit_code == 0 and "Example" in r.output
