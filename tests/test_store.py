"""Conformance suite for every store backend (the ``store`` fixture is parametrized).

To run it against another backend, add its name to ``STORE_BACKENDS`` and a branch to
``make_store``. Backend-specific checks (GeoPackage/GDAL, file errors) are at the end.
"""

from __future__ import annotations

import hashlib
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tracker.errors import (
    ConflictError,
    EventNotFoundError,
    NotATrackerStoreError,
    SchemaTooNewError,
    StoreError,
    ValidationError,
)
from tracker.model import Event, EventFilter, RegionFilter, Report, report_id_for
from tracker.store import EventStore, open_store, rules

STORE_BACKENDS = ["sqlite", pytest.param("postgis", marks=pytest.mark.postgis)]


def make_store(
    backend: str, tmp_path: Path, name: str = "t.gpkg", pg_url: str | None = None
) -> EventStore:
    if backend == "sqlite":
        return open_store(tmp_path / name, create=True)
    if backend == "postgis":  # pg_url: a fresh schema from the postgis_url fixture
        assert pg_url is not None
        return open_store(pg_url, create=True)
    raise AssertionError(backend)  # pragma: no cover


@pytest.fixture(params=STORE_BACKENDS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[EventStore]:
    pg_url = request.getfixturevalue("postgis_url") if request.param == "postgis" else None
    st = make_store(request.param, tmp_path, pg_url=pg_url)
    yield st
    st.close()


def ev(i: int | str, **kw: Any) -> Event:
    base: dict[str, Any] = {
        "id": f"evt_{i}",
        "source_publisher": "Test Wire",
        "event_type": "movement",
    }
    base.update(kw)
    if "date_start" in base and "date_end" not in base:
        base["date_end"] = base["date_start"]
    if base.get("date_start") and "date_precision" not in base:
        base["date_precision"] = "day"
    return Event(**base)


D = date.fromisoformat


# --------------------------------------------------------------------------- add / get


def test_add_and_get_round_trip_every_field(store: EventStore) -> None:
    e = ev(
        1,
        date_start=D("2024-10-08"),
        date_end=D("2024-10-13"),
        date_precision="range",
        date_text="8-13 October 2024",
        place_name="Vladivostok",
        place_id="geonames:2013348",
        country_code="RU",
        admin1_code="RU-PRI",
        geo_precision="point",
        role="destination",
        lon=131.87353,
        lat=43.10562,
        actor="North Korean special forces",
        unit="11th Corps",
        count=1500,
        count_low=1000,
        count_high=2000,
        count_qualifier="about",
        count_unit="troops",
        claimed_by="South Korea NIS",
        status="claimed",
        source_reliability="B",
        info_credibility=2,
        evidence="Russian navy ships transferred",
        evidence_start=10,
        evidence_end=40,
        confidence=0.75,
        review_state="pending",
        notes="Ω «quoted»",
        tags=("nk", "navy"),
    )
    assert store.add_events([e], by="alice") == ["evt_1"]
    got = store.get_event("evt_1")
    assert got.created_by == "alice" and got.revision == 1 and not got.deleted
    assert got.created_at and got.updated_at
    expected = replace(
        e, created_by=got.created_by, created_at=got.created_at, updated_at=got.updated_at
    )
    assert got == expected


def test_add_is_idempotent_by_id(store: EventStore) -> None:
    events = [ev(i, date_start=D("2024-01-01")) for i in range(5)]
    assert len(store.add_events(events)) == 5
    snap = store.snapshot_id()
    assert store.add_events(events) == []
    assert store.count_events() == 5
    assert store.snapshot_id() == snap


def test_invalid_batch_writes_nothing_and_lists_every_problem(store: EventStore) -> None:
    bad = [
        ev(1, date_start=D("2024-01-01")),
        ev(2, event_type="parade"),
        ev(3, date_start=D("2024-02-02"), date_end=D("2024-02-01")),
        ev(4, count=-5),
        ev(5, lon=200.0, lat=10.0),
        ev(6, source_publisher=None),
        ev(7, confidence=1.5),
    ]
    with pytest.raises(ValidationError) as info:
        store.add_events(bad)
    text = str(info.value)
    for needle in ("parade", "before date_start", "count", "lon", "source", "confidence"):
        assert needle in text
    assert "movement" in text  # lists the valid event types
    assert len(info.value.problems) == 6
    assert store.count_events() == 0


def test_get_missing_event_raises(store: EventStore) -> None:
    with pytest.raises(EventNotFoundError):
        store.get_event("evt_nope")


def test_reports_are_content_addressed(store: EventStore) -> None:
    text = "NIS said 1,500 troops moved to Vladivostok."
    rep = Report(id=report_id_for(text), text=text, publisher="NIS", url="https://x.test/a")
    assert store.add_report(rep) is True
    assert store.add_report(rep) is False
    got = store.get_report(rep.id)
    assert got is not None and got.text == text and got.publisher == "NIS"
    assert store.find_report(url="https://x.test/a") == got
    with pytest.raises(ValidationError):
        store.add_report(replace(rep, id="0" * 64))
    ids = store.add_events([Event(id="evt_r", event_type="arrival")], report=rep)
    assert ids == ["evt_r"]
    e = store.get_event("evt_r")
    assert e.report_id == rep.id and e.source_url == "https://x.test/a"


# --------------------------------------------------------------------------- revisions


def test_edit_delete_restore_keep_full_history(store: EventStore) -> None:
    store.add_events([ev(1, count=1500, date_start=D("2024-10-08"))], by="alice")
    e2 = store.edit_event("evt_1", {"count": 1200}, reason="NIS revised", by="bob")
    assert e2.count == 1200 and e2.revision == 2
    with pytest.raises(ConflictError):
        store.edit_event("evt_1", {"count": 1}, reason="late", expected_revision=1)
    store.delete_event("evt_1", reason="duplicate", by="carol", expected_revision=2)
    assert store.query() == []
    assert [e.id for e in store.query(EventFilter(include_deleted=True))] == ["evt_1"]
    with pytest.raises(ValidationError):
        store.edit_event("evt_1", {"count": 3}, reason="x")
    store.restore_event("evt_1", reason="not a duplicate")
    hist = store.history("evt_1")
    assert [(h.revision, h.action) for h in hist] == [
        (1, "create"),
        (2, "edit"),
        (3, "delete"),
        (4, "restore"),
    ]
    assert hist[1].changes == (("count", 1500, 1200),)
    assert hist[1].changed_by == "bob" and hist[1].reason == "NIS revised"
    assert hist[2].changes == (("deleted", False, True),)
    assert store.get_event("evt_1").revision == 4
    assert store.check() == []


def test_bad_edit_changes_nothing(store: EventStore) -> None:
    store.add_events([ev(1, count=10)])
    for changes in ({"count": "-3"}, {"status": "rumoured"}, {"id": "evt_x"}, {"lat": 95}):
        with pytest.raises(ValidationError):
            store.edit_event("evt_1", changes, reason="bad")
    assert store.get_event("evt_1").revision == 1
    assert len(store.history("evt_1")) == 1


def test_noop_edit_adds_no_revision(store: EventStore) -> None:
    store.add_events([ev(1, count=10)])
    assert store.edit_event("evt_1", {"count": 10}, reason="same").revision == 1


def test_preserved_import_keeps_revision_and_history_checks(store: EventStore) -> None:
    e = ev(9, revision=4, created_by="zoe", created_at="2024-01-01T00:00:00Z", updated_at="u")
    assert store.add_events([e], preserve=True) == ["evt_9"]
    got = store.get_event("evt_9")
    assert (got.revision, got.created_by, got.updated_at) == (4, "zoe", "u")
    assert [(h.revision, h.action) for h in store.history("evt_9")] == [(4, "import")]
    assert store.check() == []


def test_transaction_groups_writes(store: EventStore) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.add_events([ev(1)])
        store.add_events([ev(2)])
        raise RuntimeError("boom")
    assert store.count_events() == 0
    with store.transaction():
        store.add_events([ev(1)])
        store.edit_event("evt_1", {"notes": "x"}, reason="y")
    assert store.get_event("evt_1").revision == 2


# --------------------------------------------------------------------------- query semantics


def _ids(store: EventStore, **kw: Any) -> list[str]:
    return [e.id for e in store.query(EventFilter(**kw))]


def test_order_is_date_start_date_end_id_with_undated_last(store: EventStore) -> None:
    store.add_events(
        [
            ev("c", date_start=D("2024-01-02")),
            ev("b", date_start=D("2024-01-01"), date_end=D("2024-01-05"), date_precision="range"),
            ev("a", date_start=D("2024-01-01"), date_end=D("2024-01-05"), date_precision="range"),
            ev("z"),
            ev("d", date_start=D("2024-01-01")),
        ]
    )
    assert _ids(store) == ["evt_d", "evt_a", "evt_b", "evt_c", "evt_z"]
    assert store.query_ids(EventFilter()) == _ids(store)
    assert _ids(store, limit=2) == ["evt_d", "evt_a"]


def test_window_overlap_and_undated(store: EventStore) -> None:
    store.add_events(
        [
            ev(1, date_start=D("2024-09-25"), date_end=D("2024-10-02"), date_precision="range"),
            ev(2, date_start=D("2024-10-31")),
            ev(3, date_start=D("2024-11-01")),
            ev(4, date_start=D("2023-01-01"), date_end=D("2025-12-31"), date_precision="range"),
            ev(5),
        ]
    )
    got = _ids(store, date_from=D("2024-10-01"), date_to=D("2024-10-31"))
    assert got == ["evt_4", "evt_1", "evt_2"]
    assert _ids(store, date_from=D("2024-11-01")) == ["evt_4", "evt_3"]
    assert _ids(store, date_to=D("2024-09-25")) == ["evt_4", "evt_1"]
    with pytest.raises(ValidationError):
        _ids(store, date_from=D("2024-11-01"), date_to=D("2024-10-01"))


def test_rejected_hidden_unless_asked(store: EventStore) -> None:
    store.add_events(
        [
            ev(1, review_state="accepted"),
            ev(2, review_state="pending"),
            ev(3, review_state="rejected"),
        ]
    )
    assert _ids(store) == ["evt_1", "evt_2"]
    assert _ids(store, review_states=("rejected",)) == ["evt_3"]
    with pytest.raises(ValidationError, match="accepted"):
        _ids(store, review_states=("maybe",))


def test_text_enum_and_tag_filters(store: EventStore) -> None:
    store.add_events(
        [
            ev(
                1,
                actor="North Korean special forces",
                claimed_by="South Korea NIS",
                tags=("a", "b"),
            ),
            ev(
                2,
                actor="Северокорейские военные",
                status="denied",
                claimed_by="Kremlin",
                tags=("a",),
            ),
            ev(
                3,
                actor="Wagner",
                event_type="combat",
                role="origin",
                source_url="https://tass.ru/1",
            ),
        ]
    )
    assert _ids(store, actor="north KOREAN") == ["evt_1"]
    assert _ids(store, actor="СЕВЕРОКОРЕЙСКИЕ") == ["evt_2"]
    assert _ids(store, claimed_by="nis") == ["evt_1"]
    assert _ids(store, statuses=("denied", "confirmed")) == ["evt_2"]
    assert _ids(store, event_types=("combat",), roles=("origin",)) == ["evt_3"]
    assert _ids(store, source="TASS") == ["evt_3"]
    assert _ids(store, tags=("a",)) == ["evt_1", "evt_2"]
    assert _ids(store, tags=("a", "b")) == ["evt_1"]
    assert _ids(store, actor="korean", statuses=("claimed",)) == ["evt_1"]


def test_bbox_including_antimeridian(store: EventStore) -> None:
    pts = {"w": (179.5, 65.0), "e": (-179.5, 65.0), "mid": (0.0, 65.0), "out": (179.5, 80.0)}
    store.add_events([ev(k, lon=x, lat=y) for k, (x, y) in pts.items()])
    assert _ids(store, bbox=(179.0, 60.0, -179.0, 70.0)) == ["evt_e", "evt_w"]
    assert _ids(store, bbox=(-10.0, 60.0, 10.0, 70.0)) == ["evt_mid"]
    assert _ids(store, bbox=(179.5, 65.0, 179.5, 65.0)) == ["evt_w"]  # edges included


def test_within_is_geodesic_and_crosses_the_antimeridian(store: EventStore) -> None:
    from pyproj import Geod

    g = Geod(ellps="WGS84")
    rng = random.Random(3)
    centre = (179.8, 64.7)
    events = []
    for i in range(400):
        lon = rng.uniform(170, 190)
        lon = lon - 360 if lon > 180 else lon
        events.append(ev(i, lon=lon, lat=rng.uniform(58, 72)))
    store.add_events(events)
    radius = 300_000.0
    expected = sorted(
        e.id for e in events if g.inv(centre[0], centre[1], e.lon, e.lat)[2] <= radius
    )
    got = sorted(_ids(store, near=(*centre, radius)))
    assert got == expected
    assert any(e.lon < 0 for e in store.query(EventFilter(near=(*centre, radius))))  # type: ignore[operator]
    # Kyiv -> Kharkiv is 410.6 km on WGS84 (not 634 km as with swapped axes)
    store.add_events([ev("kharkiv", lon=36.2304, lat=49.9935)])
    kyiv = (30.5234, 50.4501)
    assert "evt_kharkiv" in _ids(store, near=(*kyiv, 411_000.0))
    assert "evt_kharkiv" not in _ids(store, near=(*kyiv, 410_000.0))


def test_polygon_filter(store: EventStore) -> None:
    store.add_events(
        [ev("in", lon=1.0, lat=1.0), ev("out", lon=3.0, lat=3.0), ev("hole", lon=2.5, lat=0.5)]
    )
    wkt = "POLYGON ((0 0, 2 0, 2 2, 0 2, 0 0))"
    assert _ids(store, polygon_wkt=wkt) == ["evt_in"]
    with pytest.raises(ValidationError):
        _ids(store, polygon_wkt="POLYGON ((0 0, 1")


def test_region_by_code_for_places_and_by_outline_for_raw_points(store: EventStore) -> None:
    store.add_events(
        [
            ev(
                "vlad",
                place_id="geonames:2013348",
                country_code="RU",
                admin1_code="RU-PRI",
                lon=131.9,
                lat=43.1,
            ),
            ev("russia", place_id="country:RU", country_code="RU", lon=97.7, lat=64.7),
            ev("raw_in", lon=132.5, lat=44.0),
            ev("raw_out", lon=100.0, lat=44.0),
            ev(
                "khab",
                place_id="geonames:2022890",
                country_code="RU",
                admin1_code="RU-KHA",
                lon=135.1,
                lat=48.5,
            ),
        ]
    )
    pri = RegionFilter(
        "Primorsky Krai",
        "admin1",
        admin1_codes=("RU-PRI",),
        place_ids=("iso3166-2:RU-PRI",),
        outline_wkt="POLYGON ((130 42, 139 42, 139 48, 130 48, 130 42))",
    )
    assert _ids(store, region=pri) == [
        "evt_raw_in",
        "evt_vlad",
    ]  # the claim about "Russia" does not match
    ru = RegionFilter("Russia", "country", country_codes=("RU",), place_ids=("country:RU",))
    assert _ids(store, region=ru) == ["evt_khab", "evt_russia", "evt_vlad"]


def test_filters_match_brute_force_on_random_events(store: EventStore) -> None:
    rng = random.Random(7)
    day0 = date(2024, 1, 1)
    events = []
    for i in range(600):
        has_date = rng.random() > 0.1
        start = day0 + timedelta(days=rng.randrange(365)) if has_date else None
        dur = rng.choice([0, 0, 0, 3, 10, 60, 400])
        events.append(
            ev(
                f"{i:04d}",
                lon=rng.uniform(20, 60),
                lat=rng.uniform(40, 60),
                date_start=start,
                date_end=start + timedelta(days=dur) if start else None,
                date_precision="range" if start else "unknown",
                status=rng.choice(["claimed", "confirmed", "denied"]),
            )
        )
    store.add_events(events)
    for _ in range(15):
        w0 = day0 + timedelta(days=rng.randrange(360))
        w1 = w0 + timedelta(days=rng.choice([1, 7, 30, 90]))
        box = (rng.uniform(20, 40), rng.uniform(40, 50), rng.uniform(40, 60), rng.uniform(50, 60))
        for kw in (
            {"date_from": w0, "date_to": w1},
            {"bbox": box},
            {"bbox": box, "date_from": w0, "date_to": w1},
        ):
            got = _ids(store, **kw)
            exp = [
                e
                for e in events
                if (
                    "date_from" not in kw
                    or (e.date_start and e.date_start <= w1 and e.date_end >= w0)
                )  # type: ignore[operator]
                and ("bbox" not in kw or (box[0] <= e.lon <= box[2] and box[1] <= e.lat <= box[3]))  # type: ignore[operator]
            ]
            assert got == [e.id for e in sorted(exp, key=rules.sort_key)], kw


def test_bulk_add_fills_indexes_like_single_adds(store: EventStore) -> None:
    rng = random.Random(5)
    many = [
        ev(
            f"bulk{i:05d}",
            lon=rng.uniform(-10, 10),
            lat=rng.uniform(-10, 10),
            date_start=D("2024-01-01") + timedelta(days=rng.randrange(60)),
        )
        for i in range(2500)
    ]
    store.add_events(many[:2400])
    store.add_events(many[2400:])  # small batch: per-row triggers
    assert store.check() == []
    box, w0, w1 = (-2.0, -3.0, 4.0, 5.0), D("2024-01-10"), D("2024-01-20")
    exp = [
        e.id
        for e in sorted(many, key=rules.sort_key)
        if box[0] <= e.lon <= box[2]
        and box[1] <= e.lat <= box[3]
        and e.date_start <= w1
        and e.date_end >= w0  # type: ignore[operator]
    ]
    assert _ids(store, bbox=box, date_from=w0, date_to=w1) == exp
    store.edit_event("evt_bulk00001", {"lon": 9.5}, reason="moved")  # triggers are back
    assert store.check() == []


def test_big_batch_then_small_writes_in_one_transaction_stay_unique(store: EventStore) -> None:
    """A first big load may drop the keys (PostGIS bulk mode); ids must still be unique."""
    store.add_events([ev(f"big{i:05d}", date_start=D("2024-02-01")) for i in range(0, 300, 3)])
    many = [ev(f"big{i:05d}", date_start=D("2024-02-02")) for i in range(2500)]
    with store.transaction():
        added = store.add_events(many)
        assert len(added) == 2500 - 100  # the ids stored before are skipped
        assert store.add_events([ev("big00001"), ev("small1")]) == ["evt_small1"]
        assert store.add_events(many[:300]) == []
        store.edit_event("evt_big00002", {"notes": "seen"}, reason="check")
    assert store.count_events() == 2501 and store.check() == []
    assert store.get_event("evt_big00003").date_start == D("2024-02-01")  # kept, not replaced
    assert [r.revision for r in store.history("evt_big00002")] == [1, 2]
    assert store.add_events([ev("big00004"), ev("small1")]) == []  # keys are back


# --------------------------------------------------------------------------- rules, links


def test_place_rules_api(store: EventStore) -> None:
    r = store.add_place_rule(
        "kursk", action="place", place_id="geonames:538560", context="RU", by="a"
    )
    store.add_place_rule("may", action="not_place")
    assert [x.name for x in store.list_place_rules()] == ["kursk", "may"]
    r2 = store.add_place_rule("kursk", action="place", place_id="geonames:1", context="RU")
    rules_now = store.list_place_rules()
    assert len(rules_now) == 2 and any(x.place_id == "geonames:1" for x in rules_now)
    assert store.delete_place_rule(r2.id) is True
    assert store.delete_place_rule(r.id) is False
    with pytest.raises(ValidationError):
        store.add_place_rule("x", action="place")


def test_links_have_their_own_history(store: EventStore) -> None:
    store.add_events([ev(1), ev(2)])
    lk = store.add_link("evt_2", "evt_1", reason="same arrival", by="ann")
    assert store.add_link("evt_1", "evt_2", reason="again") == lk
    assert [x.id for x in store.list_links("evt_1")] == [lk.id]
    removed = store.remove_link(lk.id, reason="wrong merge", by="bob")
    assert not removed.active and removed.removed_reason == "wrong merge"
    assert store.list_links("evt_1") == []
    assert len(store.list_links("evt_1", include_removed=True)) == 1
    assert store.get_event("evt_1").revision == 1  # linking never edits the events
    with pytest.raises(EventNotFoundError):
        store.add_link("evt_1", "evt_missing", reason="x")


def test_meta_and_snapshot(store: EventStore) -> None:
    from tracker.store import pg_schema, sqlite_schema

    latest = sqlite_schema.LATEST if store.backend == "sqlite" else pg_schema.LATEST
    assert store.schema_version() == latest
    s0 = store.snapshot_id()
    store.add_events([ev(1)])
    s1 = store.snapshot_id()
    store.edit_event("evt_1", {"notes": "n"}, reason="r")
    assert len({s0, s1, store.snapshot_id()}) == 3


# --------------------------------------------------------------------------- SQLite / GeoPackage


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


def test_gdal_reads_the_events_layer(tmp_path: Path) -> None:
    import pyogrio

    path = tmp_path / "g.gpkg"
    with open_store(path, create=True) as st:
        st.add_events(
            [
                ev(1, lon=131.9, lat=43.1, date_start=D("2024-10-08")),
                ev(2),
                ev(3, lon=-179.5, lat=-10.0),
            ]
        )
        st.edit_event("evt_3", {"lon": 179.25}, reason="fix")
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert "events" in layers and not any(
        n.startswith("rtree") or n.startswith("events_rtree3") for n in layers
    )
    df = pyogrio.read_dataframe(path, layer="events")
    assert df.crs.to_epsg() == 4326
    assert sorted(df["id"]) == ["evt_1", "evt_2", "evt_3"]
    row = df.set_index("id").loc["evt_3"]
    assert (row.geometry.x, row.geometry.y) == (179.25, -10.0)
    assert df.set_index("id").loc["evt_2"].geometry is None
    # GDAL's own spatial filter uses the R*Tree we keep
    sub = pyogrio.read_dataframe(path, layer="events", bbox=(179, -11, 180, -9))
    assert list(sub["id"]) == ["evt_3"]


def test_not_a_store_newer_schema_and_corrupt_leave_files_untouched(tmp_path: Path) -> None:
    text = tmp_path / "notes.gpkg"
    text.write_text("hello")
    other = tmp_path / "other.gpkg"
    con = sqlite3.connect(other)
    con.execute("CREATE TABLE t(a)")
    con.commit()
    con.close()
    for p in (text, other):
        before = _sha(p)
        with pytest.raises(NotATrackerStoreError):
            open_store(p, create=True)
        assert _sha(p) == before
    newer = tmp_path / "newer.gpkg"
    open_store(newer, create=True).close()
    con = sqlite3.connect(newer)
    con.execute("UPDATE tracker_meta SET value = '99' WHERE key = 'schema_version'")
    con.commit()
    con.close()
    before = _sha(newer)
    with pytest.raises(SchemaTooNewError, match="upgrade"):
        open_store(newer)
    assert _sha(newer) == before
    corrupt = tmp_path / "corrupt.gpkg"
    with open_store(corrupt, create=True) as st:
        st.add_events([ev(i, lon=1.0, lat=1.0) for i in range(2000)])
    data = bytearray(corrupt.read_bytes())
    data[4096 * 3 : 4096 * 6] = b"\xff" * (4096 * 3)
    corrupt.write_bytes(bytes(data))
    before = _sha(corrupt)
    with pytest.raises(StoreError):
        st2 = open_store(corrupt)
        try:
            st2.query()
            problems = st2.check()
            assert problems
            raise StoreError("; ".join(problems))
        finally:
            st2.close()
    assert _sha(corrupt) == before
    with pytest.raises(StoreError, match="tracker init"):
        open_store(tmp_path / "missing.gpkg")


def test_check_finds_a_broken_index_and_missing_history(tmp_path: Path) -> None:
    path = tmp_path / "c.gpkg"
    with open_store(path, create=True) as st:
        st.add_events(
            [ev(1, lon=1.0, lat=2.0, date_start=D("2024-01-01")), ev(2, lon=3.0, lat=4.0)]
        )
        assert st.check() == []
    con = sqlite3.connect(path)
    con.execute("DELETE FROM events_rtree3")
    con.execute("DELETE FROM revisions WHERE event_id = 'evt_2'")
    con.commit()
    con.close()
    with open_store(path) as st:
        problems = st.check()
    assert any("3-D index" in p for p in problems)
    assert any("evt_2" in p for p in problems)


_WRITER = """
import sys
from tracker.model import Event
from tracker.store import open_store
path, tag, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
with open_store(path, create=True) as st:
    for i in range(n):
        st.add_events([Event(id=f"evt_{tag}_{i}", source_publisher="w")], by=tag)
"""


def test_two_processes_adding_at_once_both_succeed(tmp_path: Path) -> None:
    path = tmp_path / "conc.gpkg"
    open_store(path, create=True).close()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(path), tag, "60"], stderr=subprocess.PIPE
        )
        for tag in ("a", "b")
    ]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with open_store(path) as st:
        assert st.count_events() == 120
        assert st.check() == []


def test_backup_is_a_checked_copy(tmp_path: Path) -> None:
    path = tmp_path / "live.gpkg"
    with open_store(path, create=True) as st:
        st.add_events([ev(i, lon=float(i), lat=1.0) for i in range(50)])
        dest = st.backup(tmp_path / "b.gpkg")  # type: ignore[attr-defined]
        with pytest.raises(StoreError):
            st.backup(dest)  # type: ignore[attr-defined]
    with open_store(dest) as copy:
        assert copy.count_events() == 50 and copy.check() == []


def test_reopen_migrates_nothing_and_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "r.gpkg"
    with open_store(path, create=True) as st:
        st.add_events([ev(1)])
        uid = st.meta()["store_uid"]
    with open_store(path) as st:
        assert st.meta()["store_uid"] == uid and st.count_events() == 1
    con = sqlite3.connect(path)
    from tracker.store import sqlite_schema

    applied = con.execute("SELECT count(*) FROM tracker_migrations").fetchone()[0]
    assert applied == len(sqlite_schema.MIGRATIONS)  # each applied once, not again on reopen
    assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert con.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47
    con.close()


def test_query_plan_probes_the_3d_rtree(tmp_path: Path) -> None:
    from tracker.store.sqlquery import ORDER_SQL, plan_filter

    with open_store(tmp_path / "p.gpkg", create=True) as st:
        plan = plan_filter(
            EventFilter(bbox=(30, 44, 60, 56), date_from=D("2024-01-01"), date_to=D("2024-01-31"))
        )
        rows = st.con.execute(  # type: ignore[attr-defined]
            f"EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE {plan.sql()} {ORDER_SQL}",
            plan.params,
        ).fetchall()
    detail = " ".join(str(r[-1]) for r in rows)
    assert "events_rtree3" in detail and "VIRTUAL TABLE INDEX" in detail
    with open_store(tmp_path / "p.gpkg") as st:
        plan = plan_filter(EventFilter(report_id="a" * 64))
        rows = st.con.execute(  # type: ignore[attr-defined]
            f"EXPLAIN QUERY PLAN SELECT e.id FROM events e WHERE {plan.sql()}", plan.params
        ).fetchall()
    assert "events_report" in " ".join(str(r[-1]) for r in rows)


def test_window_queries_sort_on_fewer_keys_in_the_same_order(tmp_path: Path) -> None:
    """A window rules out undated rows, so the sort drops the NULL tests: same order."""
    from tracker.store.rules import sort_key

    path = tmp_path / "o.gpkg"
    with open_store(path, create=True) as st:
        evs = []
        for i in range(60):
            start = D("2024-03-01") + timedelta(days=(i * 7) % 20)
            end = start + timedelta(days=(i * 5) % 9)
            evs.append(ev(f"{i % 7}_{i}", date_start=start, date_end=end, date_precision="range"))
        st.add_events([*evs, ev("undated")])
    from tracker.store.gpkg import register_functions

    con = sqlite3.connect(path)  # an edit from outside tracker (GDAL/QGIS) leaves no date_end
    register_functions(con)  # what GDAL provides to the layer's triggers
    con.execute("UPDATE events SET date_end = NULL WHERE id = 'evt_3_3'")
    con.commit()
    con.close()
    with open_store(path) as st:
        for lo, hi in (("2024-03-04", "2024-03-12"), (None, "2024-03-09"), ("2024-03-15", None)):
            flt = EventFilter(date_from=D(lo) if lo else None, date_to=D(hi) if hi else None)
            got = st.query(flt)
            assert [e.id for e in got] == [e.id for e in sorted(got, key=sort_key)]
            assert st.query_ids(flt) == [e.id for e in got]
            assert len(got) > 10
        to_only = st.query_ids(EventFilter(date_to=D("2024-03-09")))
        assert "evt_3_3" in to_only and "evt_undated" not in to_only
