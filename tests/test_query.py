from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from tracker.errors import DateError, PlaceNotFoundError, ValidationError
from tracker.model import Event
from tracker.query import build_filter, load_polygon, parse_bbox, parse_distance, split_list
from tracker.store import open_store


@pytest.mark.parametrize(
    ("text", "metres"),
    [
        ("300km", 300_000.0),
        ("300 KM", 300_000.0),
        ("800m", 800.0),
        ("2.5mi", 4023.36),
        ("40", 40_000.0),
    ],
)
def test_parse_distance(text: str, metres: float) -> None:
    assert parse_distance(text) == metres


@pytest.mark.parametrize("text", ["", "-5km", "300 furlongs", "km", "1e9999"])
def test_parse_distance_rejects(text: str) -> None:
    with pytest.raises(ValidationError, match="--within"):
        parse_distance(text)


def test_parse_bbox() -> None:
    assert parse_bbox("30,44,60,56") == (30.0, 44.0, 60.0, 56.0)
    assert parse_bbox("170, 50, -170, 70") == (170.0, 50.0, -170.0, 70.0)
    for bad in ("1,2,3", "a,b,c,d", "0,60,10,50", "0,0,200,10", "nan,0,1,1"):
        with pytest.raises(ValidationError, match="--bbox"):
            parse_bbox(bad)


def test_load_polygon(tmp_path: Path) -> None:
    fc = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {},
                "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 0]]]},
            }
        ],
    }
    p = tmp_path / "aoi.geojson"
    p.write_text(json.dumps(fc))
    assert load_polygon(p).startswith("POLYGON ((0 0")
    (tmp_path / "pt.geojson").write_text(json.dumps({"type": "Point", "coordinates": [0, 0]}))
    (tmp_path / "bad.geojson").write_text("{not json")
    for name in ("pt.geojson", "bad.geojson", "missing.geojson"):
        with pytest.raises(ValidationError, match="--polygon"):
            load_polygon(tmp_path / name)


def test_split_list() -> None:
    assert split_list("claimed, confirmed") == ("claimed", "confirmed")
    assert split_list(("a,b", "c")) == ("a", "b", "c")
    assert split_list(None) == ()


def test_dates_use_whole_periods() -> None:
    f = build_filter(date_from="2024-10", date_to="2024-10")
    assert (f.date_from, f.date_to) == (date(2024, 10, 1), date(2024, 10, 31))
    f = build_filter(date_from="2024-W42")
    assert f.date_from == date(2024, 10, 14)
    with pytest.raises(DateError):
        build_filter(date_from="2024-02-30")
    with pytest.raises(ValidationError, match="after"):
        build_filter(date_from="2024-11-01", date_to="2024-10-01")


def test_near_needs_within_and_back() -> None:
    with pytest.raises(ValidationError, match="--within"):
        build_filter(near="Vladivostok")
    with pytest.raises(ValidationError, match="--near"):
        build_filter(within="300km")
    f = build_filter(near="131.9,43.1", within="300")
    assert f.near == (131.9, 43.1, 300_000.0)


def test_region_and_near_resolve_through_the_real_gazetteer(tmp_path: Path) -> None:
    f = build_filter(region="Primorsky Krai", near="Vladivostok", within="300km")
    assert f.region is not None and "RU-PRI" in f.region.admin1_codes
    assert f.near is not None and abs(f.near[0] - 131.87) < 0.1 and f.near[2] == 300_000.0
    siberia = build_filter(region="Siberia").region
    assert (
        siberia is not None and siberia.kind == "macro_region" and "RU-SA" in siberia.admin1_codes
    )
    with pytest.raises(PlaceNotFoundError):
        build_filter(region="Qqxzzv Wrrkt")
    with open_store(tmp_path / "q.gpkg", create=True) as st:
        st.add_events(
            [
                Event(
                    id="evt_vlad",
                    place_id="geonames:2013348",
                    country_code="RU",
                    admin1_code="RU-PRI",
                    lon=131.87,
                    lat=43.11,
                    source_publisher="x",
                ),
                Event(
                    id="evt_ru",
                    place_id="country:RU",
                    country_code="RU",
                    lon=97.7,
                    lat=64.7,
                    source_publisher="x",
                ),
                Event(id="evt_raw", lon=132.0, lat=43.8, source_publisher="x"),
                Event(
                    id="evt_yak",
                    place_id="iso3166-2:RU-SA",
                    country_code="RU",
                    admin1_code="RU-SA",
                    lon=129.7,
                    lat=62.0,
                    source_publisher="x",
                ),
            ]
        )
        assert [e.id for e in st.query(f)] == ["evt_raw", "evt_vlad"]
        sib = build_filter(region="Siberia")
        assert sib.region is not None
        expected = ["evt_raw", "evt_vlad"] if "RU-PRI" in sib.region.admin1_codes else []
        assert [e.id for e in st.query(sib)] == [*expected, "evt_yak"]
        ru = [e.id for e in st.query(build_filter(region="RU"))]
        assert ru == ["evt_raw", "evt_ru", "evt_vlad", "evt_yak"]
        # an outline drawn past 180° (Chukotka) still holds raw points given at -180..-170
        import shapely

        chu = build_filter(region="RU-CHU").region
        assert chu is not None and chu.outline_wkt
        east = shapely.from_wkt(chu.outline_wkt).intersection(shapely.box(180, -90, 200, 90))
        pt = east.representative_point()
        st.add_events([Event(id="evt_chukotka", lon=pt.x - 360, lat=pt.y, source_publisher="x")])
        assert "evt_chukotka" in [e.id for e in st.query(build_filter(region="RU-CHU"))]


def test_plain_query_does_not_import_heavy_modules(tmp_path: Path) -> None:
    code = (
        "import sys\n"
        "from tracker.cli import cli\n"
        "from tracker.query import build_filter\n"
        "from tracker.store import open_store\n"
        f"st = open_store({str(tmp_path / 'l.gpkg')!r}, create=True)\n"
        "st.query(build_filter(date_from='2024-10', status='claimed', bbox='30,44,60,56'))\n"
        "heavy = [m for m in ('geopandas', 'folium', 'pyogrio', 'pandas', 'tracker.gazetteer', 'shapely') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""
