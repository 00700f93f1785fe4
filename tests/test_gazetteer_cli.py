"""``tracker places`` and ``tracker regions`` in real subprocesses, with bad inputs."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tracker.cli.places import PLACE_FIELDS
from tracker.gazetteer import Gazetteer

CONTRACT = ["id", "name", "kind", "country_code", "admin1_code", "lon", "lat", "population"]
CONTRACT += ["matched_alias", "score"]

# Two rows in GeoNames' geoname-table layout (19 tab-separated columns), written for the test:
# a fictional hamlet near Ussuriysk and an alternate name for Primorsky Krai (ADM1, code 59).
DUMP_ROWS = [
    "9990001\tTestovka\tTestovka\tTestowka,Тестовка\t43.9\t131.9\tP\tPPL\tRU\t\t59\t\t\t\t120\t\t50\tAsia/Vladivostok\t2024-01-01",
    "9990002\tPrimorskiy Kray\tPrimorskiy Kray\tPrimorsky Testkrai\t45.0\t134.0\tA\tADM1\tRU\t\t59\t\t\t\t1900000\t\t200\tAsia/Vladivostok\t2024-01-01",
]


@pytest.fixture()
def env(isolated_env: Path, gazetteer: Gazetteer) -> Iterator[dict[str, str]]:
    """An isolated data dir; the shared base index is already built by ``gazetteer``.

    The user-variant index a test creates (a copy of the base) is removed afterwards.
    """
    data = isolated_env / "data"
    # A cache dir of the test's own holding the shared base index (a hard link: no copy, no
    # rebuild), so the index files a command writes are this test's, not another worker's.
    cache = isolated_env / "cache"
    cache.mkdir()
    try:
        os.link(gazetteer.path, cache / gazetteer.path.name)
    except OSError:  # another file system
        shutil.copyfile(gazetteer.path, cache / gazetteer.path.name)
    yield {"TRACKER_DATA_DIR": str(data), "TRACKER_CACHE_DIR": str(cache)}


def _index_files(env: dict[str, str]) -> dict[str, int]:
    cache = Path(env["TRACKER_CACHE_DIR"])
    return {p.name: p.stat().st_mtime_ns for p in cache.glob("gazetteer-*")}


def test_search_json_fields_are_the_contract(env: dict[str, str]) -> None:
    r = run_cli("places", "search", "Blagoveshchensk", "--country", "RU", "--limit", "5",
                "--format", "json", env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout)
    assert list(PLACE_FIELDS) == CONTRACT
    assert all(list(row) == CONTRACT for row in rows)
    assert rows[0]["admin1_code"] == "RU-AMU" and rows[0]["id"].startswith("geonames:")
    assert 0 < rows[1]["score"] < rows[0]["score"] <= 1


def test_search_spot_check_table(env: dict[str, str]) -> None:
    r = run_cli("places", "search", "Yakutia", "--format", "table", env=env)
    assert r.returncode == 0, r.stderr
    first = r.stdout.splitlines()[2]
    assert first.startswith("iso3166-2:RU-SA") and "Yakutia" in first


def test_unknown_place_prints_nearest_spellings(env: dict[str, str]) -> None:
    r = run_cli("places", "search", "Ussuriysq", env=env)
    assert r.returncode == 1
    assert "no place named 'Ussuriysq'" in r.stderr and "Ussuriysk" in r.stderr
    assert r.stdout == ""


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["places", "search", ""], "empty"),
        (["places", "search", "   "], "empty"),
        (["places", "search", "x" * 10_000], "10000 characters"),
        (["places", "search", "Kursk\x1b[31m"], "control character"),
        (["places", "search", "Kursk", "--country", "ZZ"], "unknown country code 'ZZ'"),
        (["places", "reverse", "--", "-181", "10"], "out of range"),
        (["places", "reverse", "10", "95"], "out of range"),
        (["places", "add", "Somewhere", "--lon", "10", "--lat", "91"], "out of range"),
        (["places", "add", "Somewhere", "--lon", "10", "--lat", "9", "--country", "QQ"], "QQ"),
        (["places", "add", " ", "--lon", "10", "--lat", "9"], "empty"),
    ],
)
def test_bad_input_fails_cleanly(
    env: dict[str, str], gazetteer: Gazetteer, args: list[str], message: str
) -> None:
    before = _index_files(env)
    r = run_cli(*args, env=env)
    assert r.returncode != 0
    assert message in r.stderr and "Traceback" not in r.stderr
    assert _index_files(env) == before
    assert not (Path(env["TRACKER_DATA_DIR"]) / "custom_places.json").exists()


def test_reverse(env: dict[str, str]) -> None:
    r = run_cli("places", "reverse", "131.87", "43.11", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    rows = {row["role"]: row for row in json.loads(r.stdout)}
    assert rows["place"]["name"] == "Vladivostok" and rows["place"]["distance_km"] < 2
    assert rows["admin1"]["id"] == "iso3166-2:RU-PRI"
    assert rows["country"]["id"] == "country:RU"
    assert [rows[k]["method"] for k in ("place", "admin1", "country")] == [
        "nearest",
        "outline",
        "outline",
    ]


def test_reverse_takes_negative_coordinates_without_dashes(env: dict[str, str]) -> None:
    # West longitudes and south latitudes are negative; they must not be read as options.
    r = run_cli("places", "reverse", "-74.006", "40.713", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    rows = {row["role"]: row for row in json.loads(r.stdout)}
    assert rows["place"]["country_code"] == "US" and rows["admin1"]["id"] == "iso3166-2:US-NY"
    r = run_cli("places", "reverse", "151.21", "-33.87", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    assert {row["role"]: row for row in json.loads(r.stdout)}["country"]["id"] == "country:AU"


def test_add_custom_place_then_search(env: dict[str, str]) -> None:
    r = run_cli("places", "add", "Sergeyevka training ground", "--lon", "131.67", "--lat",
                "44.33", "--country", "RU", "--alias", "Sergeevka", "--format", "json", env=env)  # fmt: skip
    assert r.returncode == 0, r.stderr
    added = json.loads(r.stdout)[0]
    assert added["id"] == "custom:1" and added["kind"] == "custom"
    assert added["admin1_code"] == "RU-PRI"  # inferred from the nearest city
    r = run_cli("places", "search", "Sergeevka", "--format", "json", env=env)
    rows = json.loads(r.stdout)
    assert rows[0]["id"] == "custom:1" and rows[0]["matched_alias"] == "Sergeevka"
    stored = json.loads((Path(env["TRACKER_DATA_DIR"]) / "custom_places.json").read_text())
    assert stored["places"][0]["name"] == "Sergeyevka training ground"


def test_adding_a_custom_place_again_keeps_one_place(env: dict[str, str]) -> None:
    # Two identical entries would make the name ambiguous for `tracker add --place`.
    args = ["places", "add", "Sergeyevka training ground", "--lon", "131.67", "--lat", "44.33"]
    assert run_cli(*args, "--format", "json", env=env).returncode == 0
    r = run_cli(*args, "--alias", "Sergeevka", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["id"] == "custom:1"
    assert "already custom:1 (aliases or country added)" in r.stderr
    r = run_cli(*args, "--alias", "Sergeevka", "--format", "json", env=env)
    assert r.returncode == 0 and "rebuilding" not in r.stderr  # nothing new: no rebuild
    stored = json.loads((Path(env["TRACKER_DATA_DIR"]) / "custom_places.json").read_text())
    assert [(p["n"], p["aliases"]) for p in stored["places"]] == [(1, ["Sergeevka"])]
    r = run_cli("places", "search", "Sergeevka", "--kind", "custom", "--format", "json", env=env)
    assert [row["id"] for row in json.loads(r.stdout)] == ["custom:1"]


def _write_dump(path: Path, rows: list[str]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(path.stem + ".txt", "\n".join(rows) + "\n")
    return path


def test_import_geonames_dump(env: dict[str, str], isolated_env: Path) -> None:
    dump = _write_dump(isolated_env / "XX.zip", DUMP_ROWS)
    r = run_cli("places", "import", str(dump), env=env)
    assert r.returncode == 0, r.stderr
    assert "2 rows" in r.stdout
    r = run_cli("places", "search", "Тестовка", "--format", "json", env=env)
    row = json.loads(r.stdout)[0]
    assert (row["id"], row["admin1_code"]) == ("geonames:9990001", "RU-PRI")
    r = run_cli("places", "search", "Primorsky Testkrai", "--format", "json", env=env)
    pri = json.loads(r.stdout)[0]
    assert pri["id"] == "iso3166-2:RU-PRI"  # ADM1 names join the admin1...
    assert (pri["lon"], pri["lat"]) == (134.0, 45.0)  # ...and its point becomes GeoNames' own


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("truncated", "corrupt or truncated"),
        ("columns", "expected 19"),
        ("coords", "out of range"),
        ("empty", "no GeoNames rows"),
        ("notzip", "not a zip file"),
    ],
)
def test_bad_geonames_dumps_change_nothing(
    env: dict[str, str], isolated_env: Path, gazetteer: Gazetteer, content: str, message: str
) -> None:
    path = isolated_env / "RU.zip"
    if content == "truncated":
        good = _write_dump(isolated_env / "good.zip", DUMP_ROWS * 200).read_bytes()
        path.write_bytes(good[: len(good) // 2])
    elif content == "columns":
        _write_dump(path, [*DUMP_ROWS, "123\tBroken\trow"])
    elif content == "coords":
        _write_dump(path, [DUMP_ROWS[0].replace("\t43.9\t131.9\t", "\t43.9\t231.9\t")])
    elif content == "empty":
        _write_dump(path, [""])
    else:
        path.write_text("geonameid\tname\n")
    before = _index_files(env)
    r = run_cli("places", "import", str(path), env=env)
    assert r.returncode == 1
    assert message in r.stderr and "Traceback" not in r.stderr
    assert _index_files(env) == before
    assert not (Path(env["TRACKER_DATA_DIR"]) / "geonames").exists() or not any(
        (Path(env["TRACKER_DATA_DIR"]) / "geonames").iterdir()
    )


def _geojson(path: Path, props: dict[str, str]) -> Path:
    square = [[[131.0, 42.5], [134.0, 42.5], [134.0, 46.0], [131.0, 46.0], [131.0, 42.5]]]
    fc = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": props,
             "geometry": {"type": "Polygon", "coordinates": square}},
        ],
    }  # fmt: skip
    path.write_text(json.dumps(fc))
    return path


def test_regions_import_replaces_outline(env: dict[str, str], isolated_env: Path) -> None:
    src = _geojson(isolated_env / "pri.geojson", {"iso_3166_2": "RU-PRI", "name": "Primorye"})
    r = run_cli("regions", "import", str(src), "--code-field", "iso_3166_2", env=env)
    assert r.returncode == 0, r.stderr
    r = run_cli("regions", "list", "--kind", "admin1", "--country", "RU", "--format", "json",
                env=env)  # fmt: skip
    rows = {row["id"]: row for row in json.loads(r.stdout)}
    assert rows["iso3166-2:RU-PRI"]["outline"] == "boundary"
    assert rows["iso3166-2:RU-KHA"]["outline"] == "derived"
    r = run_cli("regions", "list", "--format", "json", env=env)
    macro = {row["id"]: row["outline"] for row in json.loads(r.stdout)}
    assert macro["region:russian-far-east"] == "boundary"  # its union was redrawn
    assert macro["region:donbas"] == "derived"
    # At sea off Vladivostok no derived outline holds the point; the imported boundary does.
    r = run_cli("places", "reverse", "132.3", "42.6", "--format", "json", env=env)
    rows = {row["role"]: row for row in json.loads(r.stdout)}
    assert (rows["admin1"]["admin1_code"], rows["admin1"]["method"]) == ("RU-PRI", "boundary")


def test_regions_import_named_area(env: dict[str, str], isolated_env: Path) -> None:
    src = _geojson(isolated_env / "aoi.geojson", {"label": "Test Area of Interest"})
    r = run_cli("regions", "import", str(src), "--name-field", "label", env=env)
    assert r.returncode == 0, r.stderr
    r = run_cli("places", "search", "Test Area of Interest", "--format", "json", env=env)
    row = json.loads(r.stdout)[0]
    assert row["id"] == "boundary:test-area-of-interest" and row["kind"] == "area"


def test_regions_import_missing_field(
    env: dict[str, str], isolated_env: Path, gazetteer: Gazetteer
) -> None:
    src = _geojson(isolated_env / "x.geojson", {"name": "X"})
    before = _index_files(env)
    r = run_cli("regions", "import", str(src), "--code-field", "iso_3166_2", env=env)
    assert r.returncode == 1
    assert "no field 'iso_3166_2'" in r.stderr and "name" in r.stderr
    assert _index_files(env) == before


def test_build_reports_coverage(env: dict[str, str]) -> None:
    r = run_cli("places", "build", env=env)
    assert r.returncode == 0, r.stderr
    assert "admin1 coverage" in r.stdout


def test_regions_import_geopackage_in_web_mercator(env: dict[str, str], isolated_env: Path) -> None:
    import numpy as np
    import pyogrio
    import shapely
    from pyproj import Transformer

    tr = Transformer.from_crs("EPSG:4326", "EPSG:3857", always_xy=True)
    square = shapely.box(131.0, 42.5, 134.0, 46.0)
    merc = shapely.transform(square, lambda xy: np.column_stack(tr.transform(xy[:, 0], xy[:, 1])))
    src = isolated_env / "pri.gpkg"
    pyogrio.raw.write(
        src, np.array([shapely.to_wkb(merc)], dtype=object), [np.array(["RU-PRI"], dtype=object)],
        fields=["code"], geometry_type="Polygon", crs="EPSG:3857", driver="GPKG",
    )  # fmt: skip
    r = run_cli("regions", "import", str(src), "--code-field", "code", env=env)
    assert r.returncode == 0, r.stderr
    gz = Gazetteer.open(data_dir=Path(env["TRACKER_DATA_DIR"]))
    outline = shapely.geometry.shape(gz.outline("iso3166-2:RU-PRI"))
    assert outline.symmetric_difference(square).area < 1e-3  # back in lon/lat
    gz.close()


def test_regions_list_of_a_country_without_that_kind_says_which_kinds_it_has(
    env: dict[str, str],
) -> None:
    # The default kind is macro_region; North Korea has none, but it has admin1 regions.
    r = run_cli("regions", "list", "--country", "KP", "--format", "json", env=env)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == []
    assert "no macro_region regions in KP" in r.stderr and "--kind admin1" in r.stderr
    r = run_cli("regions", "list", "--country", "KP", "--kind", "admin1", "--format", "json",
                env=env)  # fmt: skip
    assert r.returncode == 0 and r.stderr == ""
    assert "iso3166-2:KP-01" in {row["id"] for row in json.loads(r.stdout)}
