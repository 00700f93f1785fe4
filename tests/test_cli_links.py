"""`tracker cluster`, `link` and `unlink` as a user runs them: real subprocesses, real stores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.cluster_eval import DATA, load_events
from tests.conftest import run_cli
from tracker.model import Report
from tracker.store import open_store


@pytest.fixture()
def store(isolated_env: Path) -> Path:
    path = isolated_env / "tracker.gpkg"
    reports = [json.loads(line) for line in (DATA / "reports.jsonl").read_text().splitlines()]
    with open_store(path, create=True) as st:
        for r in reports:
            st.add_report(Report(id=r["id"], text=r["text"], publisher=r["publisher"]))
        st.add_events(load_events(), by="tester")
    return path


def test_cluster_dry_run_then_write(store: Path) -> None:
    r = run_cli("cluster", "--dry-run", "--format", "json")
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["dry_run"] and doc["links_written"] == []
    assert doc["events"] == 53 and len(doc["proposals"]) >= 30
    assert all(p["reasons"] and 0.6 <= p["score"] <= 1 for p in doc["proposals"])
    assert "nothing written (dry run)" in r.stderr
    with open_store(store) as st:
        assert st.list_links() == []

    r = run_cli("cluster", "--actor", "wagner", "--format", "text")
    assert r.returncode == 0, r.stderr
    assert "evt_lab_gd_convoy ~ evt_lab_rt_convoy" in r.stdout
    assert "Asipovichy and Tsel field camp are 10 km apart" in r.stdout
    assert "north korean" not in r.stdout.lower()  # the filter applied
    with open_store(store) as st:
        links = st.list_links()
        assert links and all(ln.created_by == "tester" for ln in links)
        assert {ln.event_a for ln in links} <= {
            e.id for e in st.query() if "Wagner" in (e.actor or "")
        }


def test_link_unlink_by_hand(store: Path) -> None:
    r = run_cli(
        "link", "evt_lab_g_vlad", "evt_lab_ap_east", "--reason", "same shipment", "--by", "ana"
    )
    assert r.returncode == 0, r.stderr
    link = json.loads(r.stdout)
    assert link["method"] == "manual" and link["created_by"] == "ana" and link["active"]

    r = run_cli("unlink", "evt_lab_g_vlad", "--reason", "different claim")
    assert r.returncode == 0, r.stderr
    removed = json.loads(r.stdout)
    assert [x["id"] for x in removed] == [link["id"]] and not removed[0]["active"]
    assert removed[0]["removed_reason"] == "different claim"

    r = run_cli("cluster", "--format", "json")
    doc = json.loads(r.stdout)
    pairs = {(p["event_a"], p["event_b"]) for p in doc["proposals"]}
    assert ("evt_lab_ap_east", "evt_lab_g_vlad") not in pairs  # unlinked stays unlinked


def test_errors_are_clear_and_change_nothing(store: Path) -> None:
    r = run_cli("link", "evt_lab_g_vlad", "evt_missing", "--reason", "x")
    assert r.returncode == 1 and "evt_missing" in r.stderr
    r = run_cli("link", "evt_lab_g_vlad", "evt_lab_y_vlad")
    assert r.returncode == 2 and "--reason" in r.stderr
    r = run_cli("unlink", "evt_lab_g_vlad", "--reason", "x")
    assert r.returncode == 1 and "no active link" in r.stderr
    r = run_cli("cluster", "--status", "bogus")
    assert r.returncode != 0 and "bogus" in r.stderr
    with open_store(store) as st:
        assert st.list_links(include_removed=True) == []


def test_show_lists_every_linked_report_and_query_collapses(store: Path) -> None:
    assert run_cli("cluster", "--format", "json").returncode == 0
    r = run_cli("show", "evt_lab_g_vlad")
    assert r.returncode == 0, r.stderr
    assert "happening hap_" in r.stdout and "6 reports / 6 outlets, 8 events" in r.stdout
    assert "Pentagon: about 3,000 troops" in r.stdout
    assert "denied by Kremlin (Peskov) (acting side)" in r.stdout
    for outlet in ("Associated Press", "TASS", "Yonhap", "Korea JoongAng Daily", "Reuters"):
        assert outlet in r.stdout
    doc = json.loads(run_cli("show", "evt_lab_g_vlad", "--format", "json").stdout)
    assert len(doc["happening"]["linked_reports"]) == 8
    assert doc["happening"]["status"] == "disputed"

    r = run_cli("query", "--collapse", "--format", "json", "--region", "Kursk Oblast")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    kursk = next(x for x in rows if "evt_lab_rt_8k" in x["events"])
    assert kursk["sources"] == "3 reports / 3 outlets"
    assert kursk["figures"].count("troops") == 3  # each claimant's own figure
    alone = [x for x in rows if x["reports"] == 1]
    assert {e for x in alone for e in x["events"]} >= {"evt_lab_bbc_marines", "evt_lab_y_kia300"}
    r = run_cli("query", "--collapse", "--format", "geojson")
    assert r.returncode == 2 and "--collapse" in r.stderr
