"""Event files in and out: CSV/GeoJSON import; GeoJSON, CSV, KML and GeoPackage export.

Imports use the store's own validation (:mod:`tracker.store.rules`), report every bad row
with its line (CSV) or feature number (GeoJSON), and write nothing unless every row is
valid or ``skip_invalid`` is set. Exports carry every contract field plus the store's
schema version, tracker's version and a snapshot id. CSV columns are
``model.EVENT_FIELDS`` (``tags`` as a JSON array), so an exported CSV re-imports
unchanged. Nothing here imports geopandas: the writers are plain Python.
Imports: stdlib, tracker.model/errors/store.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape

from tracker import __version__
from tracker.errors import ImportFileError, StoreError, ValidationError
from tracker.model import EVENT_FIELDS, Event, Report, derived_event_id
from tracker.store import EventStore, gc_paused, open_store, rules

EXPORT_FORMATS = ("geojson", "csv", "kml", "gpkg")
IMPORT_SUFFIXES = (".csv", ".geojson", ".json")
# A file needs at least these columns (besides a source column).
REQUIRED_COLUMNS = ("event_type",)
SOURCE_COLUMNS = ("report_id", "source_publisher", "source_url")
CHUNK = 5000
OVERLAP_MIN = 2000  # events from which a store writable from any thread overlaps (below)
OVERLAP_CHUNK = 20_000
# A hand-written CSV may carry one free-form `date` column (any `--date` form) instead of
# date_start/date_end.
DATE_COLUMN = "date"


@dataclass
class ImportBatch:
    """The events read from a file, the citation reports they need, and the bad rows."""

    events: list[Event] = field(default_factory=list)
    reports: dict[str, Report] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)  # "line 7: count: ..." per bad row
    rows: int = 0
    citations: dict[tuple[Any, ...], Report] = field(default_factory=dict)


@dataclass(frozen=True)
class ImportResult:
    """What an import did."""

    rows: int
    added: int
    already_present: int
    invalid: int
    problems: tuple[str, ...] = ()


def export_meta(store: EventStore) -> dict[str, Any]:
    """Return what every export carries: schema version, tracker version, snapshot id."""
    return {
        "schema_version": store.schema_version(),
        "tracker_version": __version__,
        "snapshot_id": store.snapshot_id(),
        "store": store.meta().get("store_uid"),
    }


# --------------------------------------------------------------------------- reading


def _finish_record(rec: dict[str, Any], where: str, batch: ImportBatch) -> None:
    """Turn one flat record into a validated event (or a problem) in ``batch``."""
    try:
        ev = rules.event_from_record(rec, defaults={"id": ""})
    except ValidationError as err:
        batch.problems.append(f"{where}: " + "; ".join(err.problems or [str(err)]))
        return
    _finish_event(ev, where, batch, tuple(k for k in _FILLED if k not in rec))


def _citation(batch: ImportBatch, pub: Any, url: Any, published: Any) -> Report:
    key = (pub, url, published)
    report = batch.citations.get(key)
    if report is None:
        report = rules.citation_report(publisher=pub, url=url, published=published)
        batch.citations[key] = report
    return report


def _finish_values(
    values: dict[str, Any], where: str, batch: ImportBatch, absent: tuple[str, ...] = ()
) -> None:
    """:func:`_finish_event` on parsed CSV values, building the event only once."""
    if absent:
        values.update(_fill_absent(values, absent))
    report = None
    if not values.get("report_id"):
        pub, url = values.get("source_publisher"), values.get("source_url")
        if pub or url:
            report = _citation(batch, pub, url, values.get("source_published"))
            values["report_id"] = report.id
    ds = values.get("date_start")
    if ds is not None:
        de = values.get("date_end")
        if de is None:
            values["date_end"] = ds
        if values.get("date_precision", "unknown") == "unknown":
            values["date_precision"] = "day" if de is None or ds == de else "range"
    try:
        ev = rules.event_from_values(values)
    except KeyError as err:  # pragma: no cover - names are checked against the header
        batch.problems.append(f"{where}: unknown field {err}")
        return
    if not ev.id:
        ev = rules.evolve(ev, {"id": _derived_id(ev)})
    errs = rules.validate_event(ev)
    if errs:
        batch.problems.append(f"{where}: " + "; ".join(errs))
        return
    if report is not None:
        batch.reports.setdefault(report.id, report)
    batch.events.append(ev)


# Fields a file may leave out that then take `tracker add`'s default (an exported file has
# every column, so its records stay exactly as they were).
_FILLED = ("geo_precision", "count_unit")


def _fill_absent(v: dict[str, Any], absent: Iterable[str]) -> dict[str, Any]:
    """Return ``tracker add``'s defaults for the fields a file left out.

    Raw coordinates without a gazetteer place are a point; a count without a unit counts
    troops.
    """
    out: dict[str, Any] = {}
    point = v.get("lon") is not None and v.get("lat") is not None and not v.get("place_id")
    if "geo_precision" in absent and v.get("geo_precision") in (None, "unknown") and point:
        out["geo_precision"] = "point"
    counted = any(v.get(k) is not None for k in ("count", "count_low", "count_high"))
    if "count_unit" in absent and v.get("count_unit") is None and counted:
        out["count_unit"] = "troops"
    return out


def _derived_id(ev: Event) -> str:
    """Return the id of an id-less imported row: a hash of its content."""
    content = [(k, rules.jsonable(getattr(ev, k))) for k in rules.EDITABLE_FIELDS]
    return derived_event_id("import", json.dumps(content, sort_keys=True))


def _finish_event(ev: Event, where: str, batch: ImportBatch, absent: tuple[str, ...] = ()) -> None:
    """Fill what an imported event may leave out (report, end date, id), then validate."""
    changes: dict[str, Any] = {}
    if absent:
        keys = ("lon", "lat", "place_id", "count", "count_low", "count_high", *absent)
        changes.update(_fill_absent({k: getattr(ev, k) for k in keys}, absent))
    report = None
    if not ev.report_id and (ev.source_publisher or ev.source_url):
        report = _citation(batch, ev.source_publisher, ev.source_url, ev.source_published)
        changes["report_id"] = report.id
    if ev.date_start is not None and ev.date_end is None:
        changes["date_end"] = ev.date_start
    if ev.date_start is not None and ev.date_precision == "unknown":
        same = ev.date_end is None or ev.date_start == ev.date_end
        changes["date_precision"] = "day" if same else "range"
    if changes:
        ev = rules.evolve(ev, changes)
    if not ev.id:
        ev = rules.evolve(ev, {"id": _derived_id(ev)})
    errs = rules.validate_event(ev)
    if errs:
        batch.problems.append(f"{where}: " + "; ".join(errs))
        return
    if report is not None:
        batch.reports.setdefault(report.id, report)
    batch.events.append(ev)


def read_csv(fh: IO[str], *, name: str = "CSV") -> ImportBatch:
    """Read events from CSV text (header = field names; ``#`` lines before it are skipped)."""
    with gc_paused():
        return _read_csv(fh, name)


def _read_csv(fh: IO[str], name: str) -> ImportBatch:
    batch = ImportBatch()
    for _ in iter_csv(fh, name, batch):
        pass
    return batch


def iter_csv(fh: IO[str], name: str, batch: ImportBatch, every: int | None = None) -> Iterator[int]:
    """Read CSV rows into ``batch``; every ``every`` rows (and at the end) yield the characters read.

    The caller may take ``batch.events``/``problems``/``reports`` at each yield and empty
    them (the worker of :mod:`tracker.exchange_stream` does). File-level problems raise
    :class:`ImportFileError` before the first row is read.
    """
    lines = _skip_comments(fh)
    reader = csv.reader(lines)
    header = next(reader, None)
    if not header:
        raise ImportFileError(f"{name}: empty file, expected a header row of field names")
    header = [h.strip() for h in header]
    _check_columns(header, name)
    width = len(header)
    date_col = header.index(DATE_COLUMN) if DATE_COLUMN in header else None
    fields_ = [h for h in header if h != DATE_COLUMN]
    absent = tuple(k for k in _FILLED if k not in header)
    parse = rules.cells_parser(fields_)
    since = 0
    for cells in reader:
        if not cells:
            continue
        if since == every:
            since = 0
            yield lines.chars
        since += 1
        batch.rows += 1
        where = f"line {reader.line_num + lines.skipped}"
        if len(cells) != width:
            more = "more" if len(cells) > width else "fewer"
            batch.problems.append(f"{where}: {len(cells)} cells, {more} than the {width} columns")
            continue
        try:
            if date_col is None:
                values = parse(cells)
            else:
                rest = cells[:date_col] + cells[date_col + 1 :]
                ev = _with_date_cell(Event(**parse(rest)), cells[date_col])
        except ValidationError as err:
            batch.problems.append(f"{where}: " + "; ".join(err.problems or [str(err)]))
            continue
        if date_col is None:
            _finish_values(values, where, batch, absent)
        else:
            _finish_event(ev, where, batch, absent)
    yield lines.chars


def _with_date_cell(ev: Event, cell: str) -> Event:
    """Apply a free-form ``date`` cell (any ``--date`` form) to an event."""
    cell = cell.strip()
    if not cell:
        return ev
    if ev.date_start is not None:
        msg = "give either a date cell or date_start/date_end, not both"
        raise ValidationError(msg, problems=[msg])
    from tracker.dates import parse_date_arg

    span = parse_date_arg(cell)
    return rules.evolve(
        ev,
        {
            "date_start": span.start,
            "date_end": span.end,
            "date_precision": span.precision,
            "date_text": ev.date_text or cell,
        },
    )


class _CommentSkipper:
    """Iterate lines, dropping leading ``#`` comment lines and counting them."""

    def __init__(self, fh: IO[str]) -> None:
        self.fh = fh
        self.skipped = 0
        self.chars = 0  # characters read so far (progress)
        self.started = False

    def __iter__(self) -> Iterator[str]:
        for line in self.fh:
            self.chars += len(line)
            if not self.started:
                if line.startswith("#"):
                    self.skipped += 1
                    continue
                self.started = True
            yield line


def _skip_comments(fh: IO[str]) -> _CommentSkipper:
    return _CommentSkipper(fh)


def _check_columns(header: Iterable[str], name: str) -> None:
    cols = list(header)
    known = {*EVENT_FIELDS, DATE_COLUMN}
    problems = []
    extra = [c for c in cols if c not in known]
    if extra:
        problems.append(f"unknown column(s) {', '.join(map(repr, extra))}")
    missing = [c for c in REQUIRED_COLUMNS if c not in cols]
    if not any(c in cols for c in SOURCE_COLUMNS):
        missing.append(" or ".join(SOURCE_COLUMNS))
    if ("lon" in cols) != ("lat" in cols):
        missing.append("lat" if "lon" in cols else "lon")
    if missing:
        problems.append(f"missing column(s) {', '.join(missing)}")
    dup = rules.dedupe_ids(cols)
    if dup:
        problems.append(f"repeated column(s) {', '.join(dup)}")
    if problems:
        msg = f"{name}: " + "; ".join(problems) + f". Valid columns: {', '.join(EVENT_FIELDS)}"
        raise ImportFileError(msg, problems=problems)


def read_geojson(data: Any, *, name: str = "GeoJSON") -> ImportBatch:
    """Read events from a GeoJSON FeatureCollection of Point (or null-geometry) features."""
    batch = ImportBatch()
    for _ in iter_features(geojson_features(data, name), batch):
        pass
    return batch


def geojson_features(data: Any, name: str) -> list[Any]:
    """Return the features of a GeoJSON FeatureCollection (ImportFileError when it is none)."""
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise ImportFileError(f"{name}: expected a GeoJSON FeatureCollection")
    feats = data.get("features")
    if not isinstance(feats, list):
        raise ImportFileError(f"{name}: 'features' must be a list")
    return feats


def iter_features(feats: list[Any], batch: ImportBatch, every: int | None = None) -> Iterator[int]:
    """Read GeoJSON features into ``batch``, yielding like :func:`iter_csv` (features read)."""
    since = 0
    for i, feat in enumerate(feats, start=1):
        if since == every:
            since = 0
            yield i - 1
        since += 1
        batch.rows += 1
        where = f"feature {i}"
        if not isinstance(feat, dict) or feat.get("type") != "Feature":
            batch.problems.append(f"{where}: not a GeoJSON Feature")
            continue
        props = feat.get("properties") or {}
        if not isinstance(props, dict):
            batch.problems.append(f"{where}: properties must be an object")
            continue
        rec = {k: v for k, v in props.items() if k not in ("lon", "lat")}
        geom = feat.get("geometry")
        if geom is not None:
            coords = geom.get("coordinates") if isinstance(geom, dict) else None
            if (
                not isinstance(geom, dict)
                or geom.get("type") != "Point"
                or not isinstance(coords, list)
                or len(coords) < 2
            ):
                batch.problems.append(f"{where}: geometry must be a Point [lon, lat] or null")
                continue
            rec["lon"], rec["lat"] = coords[0], coords[1]
        if "id" not in rec and feat.get("id") is not None:
            rec["id"] = str(feat["id"])
        _finish_record(rec, where, batch)
    yield len(feats)


def read_events_file(path: str | Path) -> ImportBatch:
    """Read an events file by suffix: ``.csv``, ``.geojson`` or ``.json`` (GeoJSON)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ImportFileError(f"{p}: unsupported file type; give a .csv or .geojson file")
    try:
        if suffix == ".csv":
            with open(p, encoding="utf-8-sig", newline="") as fh:
                return read_csv(fh, name=str(p))
        data = json.loads(p.read_text(encoding="utf-8"))
    except FileNotFoundError as err:
        raise ImportFileError(f"{p}: file not found") from err
    except UnicodeDecodeError as err:
        raise ImportFileError(f"{p}: not UTF-8 text ({err.reason})") from err
    except json.JSONDecodeError as err:
        raise ImportFileError(f"{p}: not valid JSON (line {err.lineno}: {err.msg})") from err
    except csv.Error as err:
        raise ImportFileError(f"{p}: broken CSV ({err})") from err
    return read_geojson(data, name=str(p))


def import_events(
    store: EventStore,
    batch: ImportBatch,
    *,
    by: str | None = None,
    reason: str | None = None,
    skip_invalid: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Write a read batch in one transaction (nothing at all if a row is bad, unless skipping).

    Raises :class:`ImportFileError` listing every bad row when ``skip_invalid`` is false.
    """
    if batch.problems and not skip_invalid:
        raise bad_rows_error(batch.problems, batch.rows)
    with gc_paused():
        added = _write_batch(store, batch, by=by, reason=reason, on_progress=on_progress)
    return ImportResult(
        rows=batch.rows,
        added=added,
        already_present=len(batch.events) - added,
        invalid=len(batch.problems),
        problems=tuple(batch.problems),
    )


def bad_rows_error(problems: list[str], rows: int) -> ImportFileError:
    """Return the error of an import with bad rows (nothing imported), listing them."""
    n = len(problems)
    shown = "\n  ".join(problems[:50])
    more = f"\n  ... and {n - 50} more" if n > 50 else ""
    msg = (
        f"{n} bad row(s) of {rows}; nothing was imported "
        f"(fix them, or pass --skip-invalid to import the rest):\n  {shown}{more}"
    )
    return ImportFileError(msg, problems=problems)


def _write_batch(
    store: EventStore,
    batch: ImportBatch,
    *,
    by: str | None,
    reason: str | None,
    on_progress: Callable[[int], None] | None,
) -> int:
    """Write the batch's reports and events in one transaction; return how many were new."""
    added = 0
    # Written in date order: a store keeps rows in insertion order, so the rows of one
    # window then share disk pages.
    events = sorted(batch.events, key=_date_order)
    if getattr(store, "writes_from_any_thread", False) and len(events) >= OVERLAP_MIN:
        return _write_overlapped(
            store, batch, events, by=by, reason=reason, on_progress=on_progress
        )
    with store.transaction():
        many = getattr(store, "add_reports", None)  # optional batch API (SQLite has it)
        if many is not None:
            many(batch.reports.values())
        else:
            for rep in batch.reports.values():
                store.add_report(rep)
        for i in range(0, len(events), CHUNK):
            chunk = events[i : i + CHUNK]
            added += len(store.add_events(chunk, by=by, reason=reason, preserve=True))
            if on_progress:
                on_progress(len(chunk))
    return added


def _write_overlapped(
    store: Any,
    batch: ImportBatch,
    events: list[Event],
    *,
    by: str | None,
    reason: str | None,
    on_progress: Callable[[int], None] | None,
) -> int:
    """Write through the store's bulk writer, preparing the next rows while it writes.

    For a store whose connection another thread may use (PostGIS, whose bulk writer has
    ``encode``/``send`` halves): this thread stamps and formats a chunk (``encode``) while
    a writer thread sends the one before (``send``) and the server stores it; two threads
    that both formatted would only take turns on the interpreter. The events were
    validated when read, so they are not validated a second time.
    """
    from concurrent.futures import Future, ThreadPoolExecutor

    from tracker.settings import current_user

    who = by or current_user()
    at = rules.now_iso()
    prepare = store.import_preparer(by=who, at=at)
    added = 0
    pending: tuple[Future[int], int] | None = None
    with (
        store.bulk_import(by=who, at=at, reason=reason) as writer,
        ThreadPoolExecutor(1, thread_name_prefix="tracker-write") as pool,
    ):
        store.add_reports(batch.reports.values())
        for i in range(0, len(events), OVERLAP_CHUNK):
            rows = prepare(events[i : i + OVERLAP_CHUNK])
            job = writer.encode(rows)
            if pending is not None:
                added += pending[0].result()
                if on_progress:
                    on_progress(pending[1])
            pending = (pool.submit(writer.send, job), len(rows))
        if pending is not None:
            added += pending[0].result()
            if on_progress:
                on_progress(pending[1])
    return added


def _date_order(ev: Event) -> int:
    """Return an integer key ordering events by start, then end date, undated last.

    A million events sort about three times faster by it than by a tuple of dates.
    """
    return rules.date_order(ev.date_start, ev.date_end)


# --------------------------------------------------------------------------- writing


def _props(ev: Event) -> dict[str, Any]:
    d = ev.to_dict()
    return {k: d[k] for k in EVENT_FIELDS if k not in ("lon", "lat")}


def events_to_geojson(events: Iterable[Event], meta: dict[str, Any]) -> dict[str, Any]:
    """Return an RFC 7946 FeatureCollection ([lon, lat] points; null geometry when unknown)."""
    feats = [
        {
            "type": "Feature",
            "id": ev.id,
            "geometry": (
                {"type": "Point", "coordinates": [ev.lon, ev.lat]} if ev.has_geometry else None
            ),
            "properties": _props(ev),
        }
        for ev in events
    ]
    return {"type": "FeatureCollection", "tracker": meta, "features": feats}


def write_geojson(events: Iterable[Event], fh: IO[str], meta: dict[str, Any]) -> int:
    """Write a GeoJSON FeatureCollection; return the number of features."""
    doc = events_to_geojson(events, meta)
    json.dump(doc, fh, ensure_ascii=False, allow_nan=False)
    fh.write("\n")
    return len(doc["features"])


def csv_cell(value: Any) -> Any:
    """Return a CSV cell: '' for None, JSON for lists, ISO for dates, 1/0 for booleans."""
    v = rules.jsonable(value)
    if v is None:
        return ""
    if isinstance(v, list):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, bool):
        return "true" if v else "false"
    return v


def write_csv(events: Iterable[Event], fh: IO[str], meta: dict[str, Any] | None) -> int:
    """Write CSV (one ``#`` metadata line when ``meta`` is given, then the header); return rows."""
    if meta:
        fh.write("# tracker export " + json.dumps(meta, sort_keys=True) + "\n")
    w = csv.writer(fh, lineterminator="\n")
    w.writerow(EVENT_FIELDS)
    n = 0
    for ev in events:
        w.writerow([csv_cell(getattr(ev, k)) for k in EVENT_FIELDS])
        n += 1
    return n


def write_kml(events: Iterable[Event], fh: IO[str], meta: dict[str, Any]) -> int:
    """Write KML 2.2: one Placemark per event with every field as ExtendedData."""
    fh.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    fh.write('<kml xmlns="http://www.opengis.net/kml/2.2"><Document>\n')
    fh.write(f"<name>{escape('tracker events')}</name>\n<ExtendedData>")
    for k, v in meta.items():
        fh.write(f'<Data name="{escape(str(k))}"><value>{escape(str(v))}</value></Data>')
    fh.write("</ExtendedData>\n")
    n = 0
    for ev in events:
        fh.write(f"<Placemark id={_attr(ev.id)}><name>{escape(ev.id)}</name><ExtendedData>")
        for k in EVENT_FIELDS:
            if k in ("lon", "lat"):
                continue
            v = csv_cell(getattr(ev, k))
            fh.write(f'<Data name="{k}"><value>{escape(str(v))}</value></Data>')
        fh.write("</ExtendedData>")
        if ev.has_geometry:
            fh.write(f"<Point><coordinates>{ev.lon!r},{ev.lat!r}</coordinates></Point>")
        fh.write("</Placemark>\n")
        n += 1
    fh.write("</Document></kml>\n")
    return n


def _attr(value: str) -> str:
    return '"' + escape(value, {'"': "&quot;"}) + '"'


def write_gpkg(store: EventStore, events: list[Event], dest: Path, meta: dict[str, Any]) -> int:
    """Write a new tracker store (a GeoPackage) holding these events and their reports."""
    if dest.exists():
        raise StoreError(f"{dest} exists; choose a new file name for the GeoPackage export")
    with open_store(dest, create=True) as out, out.transaction():
        for rid in sorted({e.report_id for e in events if e.report_id}):
            rep = store.get_report(rid)
            if rep is not None:
                out.add_report(rep)
        out.add_events(events, reason=f"export of {meta.get('snapshot_id')}", preserve=True)
        for k, v in meta.items():
            out.set_meta(f"export_{k}", str(v))
    return len(events)


def export_events(
    store: EventStore, events: list[Event], fmt: str, out: str | Path | None, fh: IO[str] | None
) -> int:
    """Write events in ``fmt`` to ``out`` (or to ``fh`` for text formats); return the count."""
    if fmt not in EXPORT_FORMATS:
        raise ValidationError(f"unknown export format {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}")
    meta = export_meta(store)
    if fmt == "gpkg":
        if out is None:
            raise ValidationError("--format gpkg needs -o FILE.gpkg")
        return write_gpkg(store, events, Path(out), meta)
    writer = {"geojson": write_geojson, "csv": write_csv, "kml": write_kml}[fmt]
    if out is None:
        assert fh is not None
        return writer(events, fh, meta)
    path = Path(out)
    tmp = path.with_name(path.name + ".partial")
    with open(tmp, "w", encoding="utf-8", newline="") as f:
        n = writer(events, f, meta)
    tmp.replace(path)
    return n
