from __future__ import annotations

import io
import json
from datetime import date
from pathlib import Path

import pytest

from tracker import __version__
from tracker.errors import ImportFileError
from tracker.exchange import (
    export_events,
    import_events,
    read_csv,
    read_events_file,
    read_geojson,
    write_csv,
)
from tracker.model import EVENT_FIELDS, Event
from tracker.store import EventStore, open_store, rules


def sample_events() -> list[Event]:
    return [
        Event(
            id="evt_a",
            event_type="movement",
            date_start=date(2024, 10, 8),
            date_end=date(2024, 10, 13),
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
            actor='North Korean "special" forces, <b>',
            count=1500,
            count_qualifier="about",
            claimed_by="South Korea NIS",
            source_publisher="The Guardian",
            source_url="https://example.org/a?x=1&y=2",
            evidence="  line one\nline two, with comma\n",
            tags=("nk", "navy"),
            confidence=0.5,
        ),
        Event(id="evt_b", event_type="presence", lon=-179.99, lat=-12.5, source_publisher="HUR"),
        Event(id="evt_c", event_type="other", source_url="https://example.org/c", notes="Ünïcødé"),
    ]


@pytest.fixture()
def filled(tmp_path: Path) -> EventStore:
    st = open_store(tmp_path / "src.gpkg", create=True)
    for e in sample_events():  # as `tracker add` does: each cites a (citation) report
        rep = rules.citation_report(publisher=e.source_publisher, url=e.source_url, published=None)
        st.add_events([e], report=rep, by="alice")
    st.edit_event("evt_a", {"count": 1200}, reason="revised")
    return st


def _export(st: EventStore, fmt: str, path: Path) -> int:
    return export_events(st, st.query(), fmt, path, None)


def test_csv_round_trip_is_unchanged(filled: EventStore, tmp_path: Path) -> None:
    out1 = tmp_path / "a.csv"
    assert _export(filled, "csv", out1) == 3
    text1 = out1.read_text(encoding="utf-8")
    meta = json.loads(text1.splitlines()[0].removeprefix("# tracker export "))
    assert meta["schema_version"] == filled.schema_version() >= 1
    assert meta["tracker_version"] == __version__
    assert meta["snapshot_id"] == filled.snapshot_id()
    assert text1.splitlines()[1].split(",") == list(EVENT_FIELDS)
    with open_store(tmp_path / "dst.gpkg", create=True) as dst:
        res = import_events(dst, read_events_file(out1))
        assert (res.added, res.invalid) == (3, 0)
        assert dst.query() == filled.query()  # every field, revision included
        assert dst.check() == []
        again = import_events(dst, read_events_file(out1))
        assert (again.added, again.already_present) == (0, 3)
        out2 = tmp_path / "b.csv"
        _export(dst, "csv", out2)
    assert out2.read_text(encoding="utf-8").splitlines()[1:] == text1.splitlines()[1:]


def test_geojson_is_rfc7946_and_round_trips(filled: EventStore, tmp_path: Path) -> None:
    out = tmp_path / "e.geojson"
    _export(filled, "geojson", out)
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["type"] == "FeatureCollection" and doc["tracker"]["snapshot_id"]
    feats = {f["id"]: f for f in doc["features"]}
    assert feats["evt_a"]["geometry"] == {"type": "Point", "coordinates": [131.87353, 43.10562]}
    assert feats["evt_c"]["geometry"] is None
    assert feats["evt_a"]["properties"]["tags"] == ["nk", "navy"]
    with open_store(tmp_path / "g.gpkg", create=True) as dst:
        assert import_events(dst, read_events_file(out)).added == 3
        assert dst.query() == filled.query()


def test_kml_and_gpkg_read_back_through_gdal(filled: EventStore, tmp_path: Path) -> None:
    import pyogrio

    kml, gpkg = tmp_path / "e.kml", tmp_path / "e.gpkg"
    _export(filled, "kml", kml)
    _export(filled, "gpkg", gpkg)
    located = {e.id: (e.lon, e.lat) for e in filled.query() if e.has_geometry}
    for path, layer in ((kml, None), (gpkg, "events")):
        df = pyogrio.read_dataframe(path, layer=layer)
        pts = {
            (round(g.x, 6), round(g.y, 6)) for g in df.geometry if g is not None and not g.is_empty
        }
        assert pts == {(round(x, 6), round(y, 6)) for x, y in located.values()}, path
    df = pyogrio.read_dataframe(gpkg, layer="events")
    assert len(df) == 3 and df.crs.to_epsg() == 4326
    with open_store(gpkg) as copy:
        assert copy.query() == filled.query()
        assert copy.meta()["export_snapshot_id"] == filled.snapshot_id()
        assert copy.check() == []
    assert "&lt;b&gt;" in kml.read_text(encoding="utf-8")  # text is escaped


def test_bad_rows_are_all_reported_with_line_numbers(tmp_path: Path) -> None:
    csv_text = (
        "id,event_type,date_start,date_end,count,lon,lat,source_publisher\n"
        "evt_1,movement,2024-10-08,2024-10-09,10,30,50,Wire\n"
        "evt_2,parade,2024-10-08,2024-10-09,10,30,50,Wire\n"
        "evt_3,movement,2024-02-30,2024-03-01,10,30,50,Wire\n"
        "evt_4,movement,2024-10-08,2024-10-09,-4,30,50,Wire\n"
        "evt_5,movement,2024-10-08,2024-10-09,ten,30,50,Wire\n"
        "evt_6,movement,2024-10-08,2024-10-09,1,300,50,Wire\n"
        "evt_7,movement,2024-10-09,2024-10-08,1,30,50,Wire\n"
        "evt_8,movement,2024-10-08,2024-10-09,1,30,50\n"
        "evt_9,movement,2024-10-08,2024-10-09,1,30,50,,\n"
    )
    batch = read_csv(io.StringIO(csv_text))
    lines = [p.split(":")[0] for p in batch.problems]
    assert lines == [f"line {n}" for n in range(3, 11)]
    assert "parade" in batch.problems[0] and "movement" in batch.problems[0]
    with open_store(tmp_path / "s.gpkg", create=True) as st:
        with pytest.raises(ImportFileError, match="nothing was imported"):
            import_events(st, batch)
        assert st.count_events() == 0
        res = import_events(st, batch, skip_invalid=True)
        assert (res.added, res.invalid) == (1, 8)


@pytest.mark.parametrize(
    ("header", "needle"),
    [
        ("id,event_type,colour,source_publisher", "unknown column"),
        ("id,date_start,source_publisher", "missing column(s) event_type"),
        ("id,event_type", "source_publisher"),
        ("id,event_type,lon,source_publisher", "lat"),
    ],
)
def test_missing_or_extra_columns(header: str, needle: str) -> None:
    with pytest.raises(ImportFileError, match="Valid columns") as info:
        read_csv(io.StringIO(header + "\n"))
    assert needle in str(info.value)


def test_rows_without_ids_import_idempotently(tmp_path: Path) -> None:
    p = tmp_path / "hand.csv"
    p.write_text(
        "event_type,date_start,place_name,lon,lat,source_publisher,tags\n"
        'arrival,2024-10-08,Vladivostok,131.9,43.1,NIS,"nk,navy"\n'
        "arrival,2024-10-09,Vladivostok,131.9,43.1,NIS,\n",
        encoding="utf-8",
    )
    with open_store(tmp_path / "h.gpkg", create=True) as st:
        assert import_events(st, read_events_file(p)).added == 2
        assert import_events(st, read_events_file(p)).added == 0
        evs = st.query()
        assert evs[0].tags == ("nk", "navy") and evs[0].date_end == date(2024, 10, 8)
        assert evs[0].report_id and st.get_report(evs[0].report_id) is not None


def test_free_form_date_column() -> None:
    batch = read_csv(
        io.StringIO(
            "event_type,date,source_publisher\n"
            "arrival,8-13 October 2024,NIS\n"
            "arrival,2024-W42,NIS\n"
            "arrival,2024-02-30,NIS\n"
        )
    )
    assert [(e.date_start, e.date_end, e.date_precision) for e in batch.events] == [
        (date(2024, 10, 8), date(2024, 10, 13), "range"),
        (date(2024, 10, 14), date(2024, 10, 20), "week"),
    ]
    assert batch.events[0].date_text == "8-13 October 2024"
    assert len(batch.problems) == 1 and batch.problems[0].startswith("line 4")


def test_bad_files(tmp_path: Path) -> None:
    for name, content, needle in (
        ("a.txt", "x", "unsupported"),
        ("b.geojson", "{", "not valid JSON"),
        ("c.geojson", '{"type": "Point"}', "FeatureCollection"),
        ("d.csv", "", "empty"),
    ):
        p = tmp_path / name
        p.write_text(content)
        with pytest.raises(ImportFileError, match=needle):
            read_events_file(p)
    with pytest.raises(ImportFileError, match="not found"):
        read_events_file(tmp_path / "missing.csv")
    (tmp_path / "bin.csv").write_bytes(b"\xff\xfe\x00bad")
    with pytest.raises(ImportFileError, match="UTF-8"):
        read_events_file(tmp_path / "bin.csv")


def test_geojson_bad_features_are_numbered() -> None:
    doc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [1, 2]},
                "properties": {"event_type": "arrival", "source_publisher": "x"},
            },
            {
                "type": "Feature",
                "geometry": {"type": "LineString", "coordinates": [[1, 2], [3, 4]]},
                "properties": {},
            },
            {"type": "Feature", "geometry": None, "properties": {"event_type": "arrival"}},
            "junk",
        ],
    }
    batch = read_geojson(doc)
    assert len(batch.events) == 1
    assert [p.split(":")[0] for p in batch.problems] == ["feature 2", "feature 3", "feature 4"]


def test_write_csv_without_meta_has_header_first() -> None:
    buf = io.StringIO()
    write_csv(sample_events()[:1], buf, None)
    assert buf.getvalue().splitlines()[0].startswith("id,event_type,")


def test_import_pauses_the_garbage_collector_and_restores_it(tmp_path: Path) -> None:
    import gc

    text = "event_type,source_publisher,date\nmovement,Wire,2024-10-08\nmovement,Wire,2024-13-40\n"
    assert gc.isenabled()
    batch = read_csv(io.StringIO(text))
    assert gc.isenabled() and len(batch.problems) == 1
    with open_store(tmp_path / "g.gpkg", create=True) as st:
        with pytest.raises(ImportFileError):
            import_events(st, batch)  # the bad row stops it: nothing written
        assert gc.isenabled() and st.count_events() == 0
        gc.disable()
        try:  # a caller that disabled it keeps it disabled
            assert import_events(st, batch, skip_invalid=True).added == 1
            assert not gc.isenabled()
        finally:
            gc.enable()


def test_left_out_columns_take_adds_defaults_but_exported_ones_stay() -> None:
    hand = read_csv(
        io.StringIO(
            "event_type,date,lon,lat,count,source_publisher\n"
            "movement,2024-10-08,131.9,43.1,1500,Wire\n"
            "movement,2024-10-08,,,,Wire\n"
        )
    )
    assert not hand.problems
    first, second = hand.events
    assert (first.geo_precision, first.count_unit) == ("point", "troops")  # as `tracker add`
    assert (second.geo_precision, second.count_unit) == ("unknown", None)
    # Columns given (an export carries them all, empty or not) are kept as they are.
    given = read_csv(
        io.StringIO(
            "event_type,date_start,lon,lat,geo_precision,count,count_unit,source_publisher\n"
            "movement,2024-10-08,131.9,43.1,,1500,,Wire\n"
        )
    )
    assert (given.events[0].geo_precision, given.events[0].count_unit) == ("unknown", None)
    feats = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [131.9, 43.1]},
                "properties": {"event_type": "movement", "count": 4, "source_publisher": "W"},
            }
        ],
    }
    ev = read_geojson(feats).events[0]
    assert (ev.geo_precision, ev.count_unit) == ("point", "troops")


def test_import_order_is_by_start_then_end_date_undated_last() -> None:
    from dataclasses import replace

    from tracker.exchange import _date_order

    base = Event(id="evt_x", event_type="movement", date_precision="day")
    dates = [
        (date(2024, 10, 8), date(2024, 10, 13)),
        (None, None),
        (date(2024, 10, 8), date(2024, 10, 9)),
        (date(1, 1, 1), date(9999, 12, 31)),
        (date(9999, 12, 31), date(9999, 12, 31)),
        (date(2024, 10, 7), date(2025, 1, 1)),
        (date(2024, 10, 8), date(2024, 10, 9)),
    ]
    evs = [replace(base, id=f"evt_{i}", date_start=s, date_end=e) for i, (s, e) in enumerate(dates)]
    got = [ev.id for ev in sorted(evs, key=_date_order)]
    # the same as sorting by (undated, start, end), ties kept in their order
    want = sorted(
        range(len(dates)),
        key=lambda i: (dates[i][0] is None, dates[i][0] or date.min, dates[i][1] or date.min),
    )
    assert got == [f"evt_{i}" for i in want]
    assert got[:3] == ["evt_3", "evt_5", "evt_2"] and got[-1] == "evt_1"
