"""Property tests (issue 7): the file and option parsers users feed never end in a traceback.

Each property feeds generated, often hostile input to one parser and accepts exactly two
outcomes: a result that obeys the parser's contract, or the typed error from
:mod:`tracker.errors`. Anything else (KeyError, TypeError, OverflowError, ...) fails.
Dates, counts and report documents have their own properties (test_dates.py,
test_counts.py, test_documents.py). PROPERTY_EXAMPLES examples each (1,000; 100,000 in
the long mode).
"""

from __future__ import annotations

import io
import json
import math
import string
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from tests.conftest import PROPERTY_EXAMPLES
from tracker.errors import ImportFileError, TrackerError, ValidationError
from tracker.exchange import import_events, read_csv, read_events_file, read_geojson
from tracker.model import EVENT_FIELDS, Event
from tracker.query import build_filter, load_polygon, parse_bbox, parse_distance
from tracker.store import open_store, rules

PROPS = settings(
    max_examples=PROPERTY_EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# Characters that break parsers: separators, quotes, signs, exponents, controls, bidi marks.
NASTY = "0123456789.,;-+eE_ \t\n\r\"'#[]{}:/\\\x00\x1b\u202e\u200b\ufeffNaNinfINF"
nasty_text = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=NASTY, max_size=40),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)
numbers = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
)
number_text = st.one_of(numbers.map(str), nasty_text)
json_scalars = st.one_of(
    st.none(), st.booleans(), numbers, st.text(max_size=20), st.sampled_from(EVENT_FIELDS)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=8,
)
# Flat record values (CSV cells, GeoJSON properties): scalars, sometimes a list or an object.
flat_values = st.one_of(
    json_scalars,
    st.lists(json_scalars, max_size=3),
    st.dictionaries(st.text(max_size=4), json_scalars, max_size=2),
)


@pytest.fixture(scope="module")
def scratch() -> Iterator[Path]:
    """A directory shared by the examples of a module (hypothesis forbids tmp_path here)."""
    with tempfile.TemporaryDirectory(prefix="tracker-hostile-") as d:
        yield Path(d)


# ------------------------------------------------------------------ events files


def _valid_events(events: list[Event]) -> None:
    for ev in events:
        assert rules.validate_event(ev) == [], ev


csv_cells = st.one_of(
    number_text,
    st.sampled_from(["movement", "claimed", "2024-10-08", "2024-02-30", "1500", "-3", "[]"]),
    st.sampled_from(['["a", 1]', "[1", "{}", "1e999", "nan", "  ", '"', "9" * 40]),
)


@st.composite
def csv_documents(draw: st.DrawFn) -> str:
    """A CSV file: a header of mostly real field names, then rows of hostile cells."""
    cols = draw(
        st.lists(
            st.one_of(st.sampled_from([*EVENT_FIELDS, "date"]), st.text(max_size=8)),
            min_size=0,
            max_size=12,
        )
    )
    if draw(st.booleans()):
        cols = ["event_type", "source_publisher", *cols]
    rows = draw(st.lists(st.lists(csv_cells, max_size=len(cols) + 2), max_size=6))
    out = io.StringIO()
    import csv

    w = csv.writer(out)
    w.writerow(cols)
    for r in rows:
        w.writerow(r)
    text = out.getvalue()
    if draw(st.booleans()):  # raw damage: unbalanced quotes, NULs, cut-off lines
        pos = draw(st.integers(min_value=0, max_value=len(text)))
        text = (
            text[:pos] + draw(st.sampled_from(['"', "\x00", "\r", "#", "\n,,\n", ""])) + text[pos:]
        )
    return text


@PROPS
@given(csv_documents())
def test_csv_import_gives_valid_events_or_a_typed_error(scratch: Path, text: str) -> None:
    path = scratch / "events.csv"
    path.write_text(text, encoding="utf-8")
    try:
        batch = read_events_file(path)
    except ImportFileError:
        return
    _valid_events(batch.events)
    assert batch.rows >= len(batch.events)
    # A line-numbered problem for each row that did not become an event.
    assert all(p.startswith("line ") for p in batch.problems)


@PROPS
@given(st.binary(max_size=200))
def test_csv_import_of_arbitrary_bytes(scratch: Path, data: bytes) -> None:
    path = scratch / "raw.csv"
    path.write_bytes(data)
    try:
        batch = read_events_file(path)
    except ImportFileError:
        return
    _valid_events(batch.events)


@st.composite
def geojson_documents(draw: st.DrawFn) -> Any:
    """Mostly FeatureCollections of Point features with hostile properties."""
    if draw(st.integers(min_value=0, max_value=9)) == 0:
        return draw(json_values)  # not a FeatureCollection at all
    feats: list[Any] = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        if draw(st.integers(min_value=0, max_value=7)) == 0:
            feats.append(draw(json_scalars))
            continue
        props = draw(
            st.dictionaries(
                st.one_of(st.sampled_from(EVENT_FIELDS), st.text(max_size=6)),
                flat_values,
                max_size=6,
            )
        )
        if draw(st.booleans()):
            props = {"event_type": "movement", "source_publisher": "x", **props}
        geom = draw(
            st.one_of(
                st.none(),
                st.lists(json_scalars, max_size=3).map(
                    lambda c: {"type": "Point", "coordinates": c}
                ),
                flat_values,
            )
        )
        feat: dict[str, Any] = {"type": "Feature", "properties": props, "geometry": geom}
        if draw(st.booleans()):
            feat["id"] = draw(json_scalars)
        feats.append(feat)
    return {"type": "FeatureCollection", "features": feats}


@PROPS
@given(geojson_documents())
def test_geojson_import_gives_valid_events_or_a_typed_error(data: Any) -> None:
    try:
        batch = read_geojson(data)
    except ImportFileError:
        return
    _valid_events(batch.events)
    assert all(p.startswith("feature ") for p in batch.problems)


@pytest.fixture(scope="module")
def shared_store(scratch: Path) -> Iterator[Any]:
    with open_store(scratch / "props.gpkg", create=True) as st_:
        yield st_


@PROPS
@given(csv_documents())
def test_imported_batches_store_whole_or_not_at_all(shared_store: Any, text: str) -> None:
    """import_events writes a batch whole (every event readable) or raises and writes none."""
    try:
        batch = read_csv(io.StringIO(text))
    except (ImportFileError, ValidationError):
        return
    except Exception as err:  # csv.Error: read_events_file turns it into ImportFileError
        import csv

        assert isinstance(err, csv.Error)
        return
    before = shared_store.count_events(include_deleted=True)
    try:
        res = import_events(shared_store, batch, by="prop")
    except ImportFileError:
        assert batch.problems
        assert shared_store.count_events(include_deleted=True) == before
        return
    assert res.added + res.already_present == len(batch.events)
    assert shared_store.count_events(include_deleted=True) == before + res.added
    for ev in batch.events:
        assert shared_store.get_event(ev.id).id == ev.id


# ------------------------------------------------------------------ event fields


@PROPS
@given(st.dictionaries(st.one_of(st.sampled_from(EVENT_FIELDS), st.text(max_size=8)), flat_values))
def test_event_records_validate_or_raise_validation_error(rec: dict[str, Any]) -> None:
    try:
        ev = rules.event_from_record(rec, defaults={"id": "evt_prop"})
    except ValidationError as err:
        assert err.problems
        return
    problems = rules.validate_event(ev)
    assert isinstance(problems, list)
    if not problems:
        assert rules.check_event(ev) is ev
        json.dumps(ev.to_dict(), default=str)  # a valid event is always exportable


# ------------------------------------------------------------------ query options


@PROPS
@given(
    st.one_of(
        nasty_text,
        st.lists(number_text, min_size=4, max_size=4).map(",".join),
        st.lists(numbers, min_size=4, max_size=4).map(lambda v: ",".join(map(str, v))),
    )
)
def test_bbox_option(text: str) -> None:
    try:
        w, s, e, n = parse_bbox(text)
    except ValidationError:
        return
    assert all(math.isfinite(v) for v in (w, s, e, n))
    assert -180 <= w <= 180 and -180 <= e <= 180 and -90 <= s <= n <= 90


@PROPS
@given(
    st.one_of(
        nasty_text,
        st.tuples(number_text, st.sampled_from(["", "km", "m", "mi", "KM", " km", "ft"])).map(
            "".join
        ),
    )
)
def test_within_option(text: str) -> None:
    try:
        metres = parse_distance(text)
    except ValidationError:
        return
    assert math.isfinite(metres) and metres >= 0


@PROPS
@given(
    st.one_of(
        st.tuples(number_text, number_text).map(",".join),
        st.text(alphabet="-.,0123456789 ", max_size=12),
    ),
    st.one_of(st.none(), st.sampled_from(["300km", "0", "1e3", "9" * 400, "-1km"])),
)
def test_near_lonlat_option(near: str, within: str | None) -> None:
    """``--near LON,LAT`` (no gazetteer involved when it looks like coordinates)."""
    assume(any(c.isdigit() for c in near) and "," in near)

    def no_gazetteer() -> Any:
        raise AssertionError("a lon,lat --near must not open the gazetteer")

    try:
        flt = build_filter(near=near, within=within or "10km", gazetteer_factory=no_gazetteer)
    except ValidationError:
        return
    except AssertionError:
        # Text that is not lon,lat falls back to a place name: fine, not a crash.
        return
    assert flt.near is not None
    lon, lat, metres = flt.near
    assert -180 <= lon <= 180 and -90 <= lat <= 90 and math.isfinite(metres)


ring = st.lists(st.tuples(numbers, numbers).map(list), min_size=0, max_size=6)
polygons = st.builds(
    lambda kind, rings: {"type": kind, "coordinates": rings},
    st.sampled_from(["Polygon", "MultiPolygon"]),
    st.one_of(st.lists(ring, max_size=3), st.lists(st.lists(ring, max_size=2), max_size=2)),
)


@PROPS
@given(
    st.one_of(
        polygons,
        json_values,
        st.builds(lambda g: {"type": "Feature", "geometry": g}, st.one_of(polygons, json_values)),
    )
)
def test_polygon_option(scratch: Path, data: Any) -> None:
    path = scratch / "aoi.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        wkt = load_polygon(path)
    except ValidationError:
        return
    assert wkt.startswith(("POLYGON", "MULTIPOLYGON", "GEOMETRYCOLLECTION"))


# ------------------------------------------------------------------ GeoNames dumps

GEONAMES_ROW = [
    "524901", "Moscow", "Moscow", "Moskva,Moscou", "55.75222", "37.61556", "P", "PPLC", "RU",
    "", "48", "", "", "", "10381222", "", "144", "Europe/Moscow", "2022-12-10",
]  # fmt: skip


@st.composite
def geonames_lines(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        cols = list(GEONAMES_ROW)
        for _ in range(draw(st.integers(min_value=0, max_value=4))):
            i = draw(st.integers(min_value=0, max_value=len(cols) - 1))
            cols[i] = draw(number_text)
        if draw(st.booleans()):
            cols = cols[: draw(st.integers(min_value=0, max_value=len(cols)))]
        lines.append("\t".join(cols))
    return "\n".join(lines) + draw(st.sampled_from(["", "\n", "\n\n"]))


@PROPS
@given(geonames_lines(), st.booleans())
def test_geonames_dump(scratch: Path, text: str, zipped: bool) -> None:
    from tracker.gazetteer import userdata

    if zipped:
        path = scratch / "RU.zip"
        with zipfile.ZipFile(path, "w") as zf:
            zf.writestr("RU.txt", text)
    else:
        path = scratch / "RU.txt"
        path.write_text(text, encoding="utf-8")
    try:
        cities = list(userdata.iter_dump(path))
    except ImportFileError:
        return
    assert cities
    for c in cities:
        assert -180 <= c.lon <= 180 and -90 <= c.lat <= 90 and c.name.strip()


@PROPS
@given(st.binary(max_size=300), st.sampled_from([".zip", ".txt"]))
def test_geonames_dump_of_arbitrary_bytes(scratch: Path, data: bytes, suffix: str) -> None:
    from tracker.gazetteer import userdata

    path = scratch / f"dump{suffix}"
    path.write_bytes(data)
    try:
        list(userdata.iter_dump(path))
    except ImportFileError:
        return


# ------------------------------------------------------------------ boundary files


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # GDAL's notes on unclosed rings etc.
@PROPS
@given(
    st.one_of(
        json_values,
        st.builds(
            lambda geoms, names: {
                "type": "FeatureCollection",
                "features": [
                    {"type": "Feature", "properties": {"iso": n}, "geometry": g}
                    for g, n in zip(geoms, names, strict=False)
                ],
            },
            st.lists(
                st.one_of(
                    json_values,
                    st.builds(
                        lambda kind, rings: {"type": kind, "coordinates": rings},
                        st.sampled_from(["Polygon", "MultiPolygon", "Point"]),
                        st.lists(ring, max_size=2),
                    ),
                ),
                max_size=3,
            ),
            st.lists(st.one_of(st.text(max_size=8), numbers, st.none()), max_size=3),
        ),
    )
)
def test_boundary_file(scratch: Path, data: Any) -> None:
    from tracker.cli.places import _read_boundaries

    path = scratch / "bounds.geojson"
    path.write_text(json.dumps(data), encoding="utf-8")
    try:
        feats = _read_boundaries(path, "iso", None, None)
    except TrackerError:
        return
    for f in feats:
        assert f["geometry"]["type"] in ("Polygon", "MultiPolygon")


def test_alphabet_covers_controls() -> None:
    """The hostile alphabet really contains what the properties claim to try."""
    assert "\x1b" in NASTY and "\u202e" in NASTY and set(string.digits) <= set(NASTY)


# ------------------------------------------------------------------ `tracker add` coordinates


@pytest.fixture(scope="module")
def add_env(scratch: Path) -> Iterator[dict[str, str]]:
    env = {
        "TRACKER_STORE": str(scratch / "add.gpkg"),
        "TRACKER_DATA_DIR": str(scratch / "add-data"),
        "TRACKER_USER": "prop",
    }
    yield env


@PROPS
@given(number_text, number_text)
def test_add_coordinates(add_env: dict[str, str], lon: str, lat: str) -> None:
    """``tracker add --lon X --lat Y``: stored in range, or a clear error, never a traceback."""
    from click.testing import CliRunner

    from tracker.cli import cli

    args = ["add", "--lon", lon, "--lat", lat, "--date", "2024-10", "--type", "movement"]
    res = CliRunner().invoke(cli, [*args, "--source", "prop"], env=add_env)
    if res.exit_code == 0:
        event_id = res.output.strip().splitlines()[-1]
        with open_store(add_env["TRACKER_STORE"]) as st_:
            ev = st_.get_event(event_id)
        assert ev.lon is not None and ev.lat is not None
        assert -180 <= ev.lon <= 180 and -90 <= ev.lat <= 90
        return
    # click's usage errors exit 2; tracker's typed errors surface as TrackerError.
    exc = res.exception
    assert res.exit_code == 2 or isinstance(exc, TrackerError), (lon, lat, repr(exc))
