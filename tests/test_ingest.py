"""Ingestion into a real GeoPackage store: idempotence, bad input, transactions, rules."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker.errors import StoreError
from tracker.geoparse import Geoparser
from tracker.ingest import (
    IngestOptions,
    collect_sources,
    ingest_one,
    ingest_path,
    ingest_sources,
    make_geoparser,
    remember_correction,
)
from tracker.model import EventFilter
from tracker.store import open_store

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "nis-north-korean-troops-vladivostok.md"
GOOD = "---\npublished: 2024-10-01\npublisher: Test Wire\n---\nAbout 400 soldiers were sent to Lviv on Monday, officials said.\n"
TODAY = IngestOptions(today=date(2026, 1, 1), by="tester")


@pytest.fixture()
def store(tmp_path: Path) -> Any:
    with open_store(tmp_path / "t.gpkg", create=True) as st:
        yield st


@pytest.fixture()
def gp(gazetteer: Any) -> Geoparser:
    return Geoparser(gazetteer)


def test_same_report_twice_changes_nothing(tmp_path: Path, store: Any, gp: Geoparser) -> None:
    first = ingest_path(SEED, store, gp, TODAY)
    assert first[0].ok and first[0].new_report and first[0].added == len(first[0].events) > 3
    snap = store.snapshot_id()
    n = store.count_events()
    again = ingest_path(SEED, store, gp, TODAY)
    assert again[0].ok and again[0].added == 0 and not again[0].new_report
    assert (store.snapshot_id(), store.count_events()) == (snap, n)
    stored = store.query(EventFilter(report_id=first[0].report_id))
    assert {e.id for e in stored} == {e.id for e in first[0].events}
    assert all(e.review_state == "pending" for e in stored)


def test_an_edited_report_is_a_new_report(tmp_path: Path, store: Any, gp: Geoparser) -> None:
    p = tmp_path / "a.md"
    p.write_text(GOOD)
    a = ingest_path(p, store, gp, TODAY)[0]
    p.write_text(GOOD + "\nUpdated.\n")
    b = ingest_path(p, store, gp, TODAY)[0]
    assert a.report_id != b.report_id and b.new_report and b.added == 1
    assert len(store.list_reports()) == 2


def test_flags_win_over_front_matter(tmp_path: Path, store: Any, gp: Geoparser) -> None:
    p = tmp_path / "a.md"
    p.write_text(GOOD)
    opts = IngestOptions(published="2024-10-08", publisher="Flag Wire", today=date(2026, 1, 1))
    r = ingest_path(p, store, gp, opts)[0]
    report = store.get_report(r.report_id)
    assert (report.published, report.publisher) == ("2024-10-08", "Flag Wire")
    [e] = r.events
    assert e.date_start == date(2024, 10, 7)  # "on Monday" before the flag's date
    assert e.source_publisher == "Flag Wire"


def test_folder_skips_readme_and_other_suffixes(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# about these files\n")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "b.html").write_text("x")
    (tmp_path / "c.csv").write_text("x")
    (tmp_path / ".hidden.md").write_text("x")
    assert [Path(s).name for s in collect_sources([tmp_path, "-"])] == ["a.txt", "b.html", "-"]


def test_bad_inputs_each_get_a_message_and_store_nothing(
    tmp_path: Path, store: Any, gp: Geoparser
) -> None:
    files = {
        "good.md": GOOD.encode(),
        "empty.txt": b"",
        "binary.txt": bytes(range(256)) * 8,
        "badfront.md": b"---\ntitle: [unclosed\npublished: 2024-10-01\n---\nTroops moved to Lviv.\n",
        "feb31.md": b"---\npublished: 2024-02-31\n---\nTroops moved to Lviv.\n",
        "future.md": b"---\npublished: 2099-01-01\n---\nTroops moved to Lviv.\n",
        "latin1.txt": "Soldiers moved to Lviv, officials said. Caf\xe9.".encode("latin-1"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    big = tmp_path / "big.txt"
    with big.open("w") as f:
        line = "Troops were seen near the border. " * 30 + "\n"
        while f.tell() < 50 * 2**20:
            f.write(line)
    results = {Path(r.source).name: r for r in ingest_path(tmp_path, store, gp, TODAY)}
    assert results["good.md"].ok and results["good.md"].added == 1
    assert results["latin1.txt"].ok and any("UTF-8" in w for w in results["latin1.txt"].warnings)
    for name, word in [
        ("empty.txt", "empty"),
        ("binary.txt", "binary"),
        ("badfront.md", "front matter"),
        ("feb31.md", ""),
        ("future.md", "future"),
        ("big.txt", "split"),
    ]:
        r = results[name]
        assert not r.ok and name in (r.error or "") and word in (r.error or ""), (name, r.error)
    ids = {r.report_id for r in results.values() if r.ok}
    assert {rep.id for rep in store.list_reports()} == ids


def test_stdin_and_missing_path(store: Any, gp: Geoparser) -> None:
    [r] = ingest_sources(["-"], store, gp, TODAY, stdin=GOOD.encode())
    assert r.ok and r.source == "<stdin>" and r.added == 1
    [m] = ingest_sources(["/no/such/file.md"], store, gp, TODAY)
    assert not m.ok and "/no/such/file.md" in (m.error or "")


def test_one_transaction_per_report(
    tmp_path: Path, store: Any, gp: Geoparser, monkeypatch: pytest.MonkeyPatch
) -> None:
    p = tmp_path / "a.md"
    p.write_text(GOOD)

    def boom(*a: Any, **k: Any) -> list[str]:
        raise StoreError("disk full while adding events")

    monkeypatch.setattr(store, "add_events", boom)
    r = ingest_one(str(p), store, gp, TODAY)
    assert not r.ok and "disk full" in (r.error or "")
    assert store.list_reports() == []  # the report written before the failure was rolled back


def test_corrections_stick_in_the_same_context(tmp_path: Path, store: Any, gazetteer: Any) -> None:
    one = tmp_path / "one.md"
    one.write_text(
        "---\npublished: 2024-03-01\n---\nRussian officials said 300 soldiers were sent to Georgia on Monday.\n"
    )
    gp = make_geoparser(store, gazetteer)
    [e] = ingest_path(one, store, gp, TODAY)[0].events
    assert e.place_id == "country:GE"
    # The analyst says this "Georgia" is not a troop place at all (e.g. a unit's name).
    rule = remember_correction(store, e, None, gp, by="tester")
    assert (rule.name, rule.action, rule.context) == ("Georgia", "not_place", "RU")
    two = tmp_path / "two.md"
    two.write_text(
        "---\npublished: 2024-03-05\n---\nRussian media said 500 troops moved to Georgia on Sunday.\n"
    )
    three = tmp_path / "three.md"
    three.write_text(
        "---\npublished: 2024-03-05\n---\nTurkish media said 500 troops moved to Georgia on Sunday.\n"
    )
    gp2 = make_geoparser(store, gazetteer)
    r2 = ingest_path(two, store, gp2, TODAY)[0]
    r3 = ingest_path(three, store, gp2, TODAY)[0]
    assert all(ev.place_id != "country:GE" for ev in r2.events)
    assert any(ev.place_id == "country:GE" for ev in r3.events)  # another context: untouched
    # A wrong namesake: point the name at the US state instead, everywhere.
    gp3 = make_geoparser(store, gazetteer)
    us = gazetteer.get("iso3166-2:US-GA")
    rule2 = remember_correction(store, r3.events[0], us, gp3, by="tester")
    assert rule2.place_id == "iso3166-2:US-GA"
    four = tmp_path / "four.md"
    four.write_text(three.read_text().replace("Sunday", "Saturday"))
    r4 = ingest_path(four, store, make_geoparser(store, gazetteer), TODAY)[0]
    assert [ev.place_id for ev in r4.events] == ["iso3166-2:US-GA"]


def test_seed_folder_demo(tmp_path: Path, store: Any, gp: Geoparser) -> None:
    shutil.copy(SEED, tmp_path / SEED.name)
    [r] = ingest_path(tmp_path, store, gp, TODAY)
    assert r.ok and not r.warnings
    vlad = store.query(
        EventFilter(
            date_from=date(2024, 10, 1), date_to=date(2024, 10, 31), place_id="geonames:2013348"
        )
    )
    assert [e.count for e in vlad] == [1500]


def test_html_keeps_the_article_and_drops_furniture(
    tmp_path: Path, store: Any, gp: Geoparser
) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><head><title>Troops</title><script>var s='500 troops moved to Kyiv';</script></head>"
        "<body><nav><a href='/'>Moscow bureau</a> <a>Tanks in Warsaw</a></nav><article>"
        "<p>The ministry said 400 soldiers were sent to Lviv on Monday.</p></article>"
        "<footer>Soldiers in Berlin newsletter</footer></body></html>"
    )
    [r] = ingest_path(
        page, store, gp, IngestOptions(published="2024-10-01", today=date(2026, 1, 1))
    )
    assert r.ok
    assert [(e.place_name or "")[:4] for e in r.events] == ["Lviv"]
    report = store.get_report(r.report_id)
    assert "<script" not in report.text and "Warsaw" not in report.text
