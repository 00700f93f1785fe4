"""``tracker copy``: lossless, verified, re-runnable copies between GeoPackage and PostGIS."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tracker.model import REVIEW_STATES, Event, EventFilter, Report, report_id_for
from tracker.store import EventStore, open_store
from tracker.store.copy import CopyConflictError, copy_store, read_tables, table_digest

ALL = EventFilter(include_deleted=True, review_states=REVIEW_STATES)


def _filled_source(tmp_path: Path) -> Path:
    """A .gpkg store holding what :func:`_fill` writes."""
    src = tmp_path / "src.gpkg"
    with open_store(src, create=True) as st:
        _fill(st)
    return src


def _fill(st: EventStore) -> None:
    text = "NIS: 1,500 special forces shipped to Vladivostok, 8-13 October.\nÜmlaut ß 北"
    rep = Report(
        id=report_id_for(text), text=text, title="NIS", publisher="Yonhap", url="https://x/1"
    )
    evs = [
        Event(
            id=f"evt_{i}",
            event_type="movement",
            date_start=date(2024, 10, 8 + i),
            date_end=date(2024, 10, 13 + i),
            date_precision="range",
            lon=131.9 + i,
            lat=43.1,
            actor="North Korean special forces",
            count=1500 + i,
            tags=("nis", f"t{i}"),
            evidence="shipped to Vladivostok",
            evidence_start=4,
            evidence_end=26,
            confidence=0.123456789012345,
        )
        for i in range(5)
    ]
    st.add_events(evs, report=rep, by="ann")
    st.add_events([Event(id="evt_undated", source_publisher="HUR", review_state="pending")])
    st.edit_event("evt_1", {"count": 1200, "notes": "revised"}, reason="NIS revised", by="bob")
    st.delete_event("evt_2", reason="duplicate", by="bob")
    lk = st.add_link("evt_0", "evt_3", reason="same", score=0.9)
    st.add_link("evt_0", "evt_4", reason="same")
    st.remove_link(lk.id, reason="not the same")
    st.add_place_rule("Sergeevka", place_id="custom:1", context="RU", note="training ground")
    st.add_place_rule("May", action="not_place")
    st.set_meta("last_export", "x.geojson")


def _same(a: EventStore, b: EventStore) -> None:
    assert table_digest(read_tables(a)) == table_digest(read_tables(b))
    assert a.query(ALL) == b.query(ALL)
    assert a.snapshot_id() == b.snapshot_id()
    assert [a.history(e.id) for e in a.query(ALL)] == [b.history(e.id) for e in b.query(ALL)]
    assert a.list_links(include_removed=True) == b.list_links(include_removed=True)
    assert a.list_place_rules() == b.list_place_rules()
    assert a.list_reports() == b.list_reports()


def _back_and_compare(src: Path, mid: str, back: Path) -> None:
    """Copy ``mid`` to ``back``; all three stores must hold the same, and check clean."""
    copy_store(mid, back)
    with open_store(src) as a, open_store(mid) as b, open_store(back) as c:
        _same(a, b)
        _same(a, c)
        assert b.check() == [] and c.check() == []


def _gpkg_dest(tmp_path: Path) -> str:
    return str(tmp_path / "dst.gpkg")


@pytest.fixture(params=["gpkg", pytest.param("postgis", marks=pytest.mark.postgis)])
def dest(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """A factory of empty destinations of one kind."""
    if request.param == "postgis":
        server = request.getfixturevalue("pg_server")
        return server.fresh_schema_url  # type: ignore[no-any-return]
    counter = iter(range(100))
    return lambda: str(tmp_path / f"dst{next(counter)}.gpkg")


def test_copy_is_lossless_both_ways_and_rerun_adds_nothing(
    tmp_path: Path, dest: Callable[[], str]
) -> None:
    src = _filled_source(tmp_path)
    mid = dest()
    first = copy_store(src, mid)
    assert first.added["events"] == 6 and first.added["revisions"] == 8
    assert first.counts["links"] == 2 and first.counts["place_rules"] == 2
    _back_and_compare(src, mid, tmp_path / "back.gpkg")
    again = copy_store(src, mid)
    assert sum(again.added.values()) == 0 and sum(again.updated.values()) == 0
    assert again.hashes == first.hashes


def test_big_copy_both_ways_fills_the_spatial_indexes(
    tmp_path: Path, dest: Callable[[], str]
) -> None:
    """Thousands of events take each backend's bulk path (R*Trees, dropped keys)."""
    src = _filled_source(tmp_path)
    with open_store(src) as st:
        st.add_events(
            [
                Event(
                    id=f"evt_b{i:05d}",
                    lon=-170.0 + i * 0.1,
                    lat=-60.0 + i * 0.04,
                    date_start=date(2024, 1, 1 + i % 28),
                    date_end=date(2024, 1, 1 + i % 28),
                    date_precision="day",
                    source_url="https://x/b",
                )
                for i in range(2600)
            ]
        )
    mid = dest()
    assert copy_store(src, mid).added["events"] == 2606
    back = tmp_path / "back.gpkg"
    _back_and_compare(src, mid, back)
    box = EventFilter(bbox=(-150.0, -55.0, -100.0, 20.0), date_from=date(2024, 1, 5))
    with open_store(src) as a, open_store(mid) as b, open_store(back) as c:
        want = a.query_ids(box)
        assert len(want) > 100 and b.query_ids(box) == want and c.query_ids(box) == want
        assert b.add_events([Event(id="evt_b00007", source_url="u")]) == []  # keys hold
    assert sum(copy_store(src, mid).added.values()) == 0
    # A re-run bringing edits forward next to thousands of new events (bulk mode again).
    with open_store(src) as st:
        st.edit_event("evt_b00003", {"count": 7}, reason="update")
        st.add_events([Event(id=f"evt_c{i:05d}", source_url="https://x/c") for i in range(2500)])
    res = copy_store(src, mid)
    assert res.added["events"] == 2500 and res.updated["events"] == 1
    with open_store(src) as a, open_store(mid) as b:
        _same(a, b)
        assert b.get_event("evt_b00003").count == 7 and b.check() == []


def test_rerun_brings_edits_forward_and_refuses_divergence(
    tmp_path: Path, dest: Callable[[], str]
) -> None:
    src = _filled_source(tmp_path)
    dst = dest()
    copy_store(src, dst)
    with open_store(src) as st:
        st.edit_event("evt_3", {"count": 9}, reason="update")
        st.add_events([Event(id="evt_new", source_url="https://x/2")])
        st.remove_link(st.list_links("evt_0")[0].id, reason="wrong")
    res = copy_store(src, dst)
    assert res.added["events"] == 1 and res.updated["events"] == 1 and res.updated["links"] == 1
    with open_store(src) as a, open_store(dst) as b:
        _same(a, b)
        b.edit_event("evt_4", {"count": 1}, reason="edited in the copy")
        before = table_digest(read_tables(b))
    with pytest.raises(CopyConflictError, match="evt_4"):
        copy_store(src, dst)
    with open_store(dst) as b:
        assert table_digest(read_tables(b)) == before  # nothing written


def test_destination_holding_another_store_is_refused(
    tmp_path: Path, dest: Callable[[], str]
) -> None:
    src = _filled_source(tmp_path)
    dst = dest()
    with open_store(dst, create=True) as other:
        other.add_events([Event(id="evt_other", source_url="u")])
    with pytest.raises(CopyConflictError, match="another store"):
        copy_store(src, dst)
    with pytest.raises(Exception, match="same store"):
        copy_store(src, src)


def test_cli_copy_reports_what_it_verified(tmp_path: Path) -> None:
    src = _filled_source(tmp_path)
    r = run_cli("copy", str(src), str(tmp_path / "out.gpkg"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "added 1 reports, 6 events, 8 revisions, 2 links, 2 place_rules" in r.stderr
    assert "verified: counts and content hashes equal" in r.stderr
    r2 = run_cli("copy", str(src), str(tmp_path / "out.gpkg"), cwd=tmp_path)
    assert r2.returncode == 0 and "added nothing new" in r2.stderr
    r3 = run_cli("copy", str(tmp_path / "missing.gpkg"), str(tmp_path / "o2.gpkg"), cwd=tmp_path)
    assert r3.returncode == 1 and "no store at" in r3.stderr
