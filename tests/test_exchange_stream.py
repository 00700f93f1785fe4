"""Large imports through the worker process (tracker.exchange_stream).

Each import here is run twice, read whole in this process (the path small files take) and
through the worker (``pipeline=True``, with tiny windows so several are written), and the
two stores must hold the same events, revisions, reports and problems.
"""

from __future__ import annotations

import csv
import itertools
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.hostile_crash import write_csv
from tracker import exchange_stream
from tracker.errors import ImportFileError, ValidationError
from tracker.exchange_stream import open_import
from tracker.store import open_store

# Fields that differ between two imports of the same file (stamped with the import time).
_STAMPED = ("created_at", "updated_at")


@pytest.fixture(autouse=True)
def small_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exchange_stream, "WINDOW_ROWS", 7)  # several windows per file
    monkeypatch.setattr(exchange_stream, "READ_STEP", 3)
    monkeypatch.setattr(exchange_stream, "WRITE_SLICE", 4)


def _csv(path: Path, rows: list[dict[str, Any]]) -> Path:
    cols = ["id", "event_type", "date_start", "date_end", "lon", "lat", "count", "source_url"]
    cols += ["source_publisher", "tags", "created_by"]
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(rows)
    return path


def _rows(n: int, *, prefix: str = "e") -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        day = 1 + (i * 7919) % 28  # dates out of file order
        out.append(
            {
                "id": f"{prefix}{i}" if i % 5 else "",  # some id-less rows: derived ids
                "event_type": "movement",
                "date_start": f"2024-03-{day:02d}" if i % 11 else "",
                "date_end": f"2024-04-{day:02d}" if i % 11 and i % 3 == 0 else "",
                "lon": str(30 + i / 10) if i % 13 else "",
                "lat": str(50 - i / 20) if i % 13 else "",
                "count": str(i),
                "source_url": f"https://example.org/{i % 4}",
                "source_publisher": f"Pub {i % 3}" if i % 2 else "",
                "tags": json.dumps(["a", f"t{i % 3}"]) if i % 4 == 0 else "",
                "created_by": "carol" if i % 6 == 0 else "",
            }
        )
    return out


def _dump(path: Path) -> dict[str, Any]:
    """Everything an import writes, without the stamped times and the feature ids."""
    con = sqlite3.connect(path)
    cols = [r[1] for r in con.execute("PRAGMA table_info(events)")]
    keep = [c for c in cols if c not in ("fid", *_STAMPED)]
    out = {
        "events": con.execute(f"SELECT {', '.join(keep)} FROM events ORDER BY id").fetchall(),
        "revisions": con.execute(
            "SELECT event_id, revision, action, changed_by, reason, changes FROM revisions "
            "ORDER BY event_id, revision"
        ).fetchall(),
        "reports": con.execute(
            "SELECT id, title, publisher, url, published, text FROM reports ORDER BY id"
        ).fetchall(),
        "rtree": con.execute(
            "SELECT e.id, r.minx, r.miny FROM rtree_events_geom r JOIN events e ON e.fid = r.id "
            "ORDER BY e.id"
        ).fetchall(),
        "rtree3": con.execute(
            "SELECT e.id, r.t0, r.t1 FROM events_rtree3 r JOIN events e ON e.fid = r.id "
            "ORDER BY e.id"
        ).fetchall(),
        "schema": con.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY name"
        ).fetchall(),
    }
    con.close()
    return out


def _import(file: Path, store: Path, *, pipeline: bool, **kw: Any) -> Any:
    with open_import(file, pipeline=pipeline) as src, open_store(store, create=True) as st:
        res = src.run(st, by="tester", reason=f"import {file.name}", **kw)
        assert st.check() == []
    return res


def test_worker_import_writes_what_the_whole_file_import_writes(tmp_path: Path) -> None:
    f = _csv(tmp_path / "ev.csv", _rows(40))
    a, b = tmp_path / "whole.gpkg", tmp_path / "worker.gpkg"
    ra = _import(f, a, pipeline=False)
    rb = _import(f, b, pipeline=True)
    assert ra == rb
    assert ra.added == 40
    assert _dump(a) == _dump(b)
    # Each window is stored in date order (undated last), so a date window's rows sit together.
    con = sqlite3.connect(b)
    fids = con.execute(
        "SELECT fid, date_start IS NULL, date_start, date_end FROM events ORDER BY fid"
    ).fetchall()
    con.close()
    keys = [(k[1], k[2] or "", k[3] or "") for k in fids]
    breaks = sum(1 for x, y in itertools.pairwise(keys) if y < x)
    assert breaks <= 4  # at most one per window boundary (5 windows), each in date order
    # Re-importing adds nothing, through either path.
    assert _import(f, b, pipeline=True).added == 0
    assert _import(f, b, pipeline=False).already_present == 40


def test_a_file_within_one_window_is_stored_in_the_same_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exchange_stream, "WINDOW_ROWS", 1000)
    f = _csv(tmp_path / "ev.csv", _rows(60))
    a, b = tmp_path / "whole.gpkg", tmp_path / "worker.gpkg"
    _import(f, a, pipeline=False)
    _import(f, b, pipeline=True)
    q = "SELECT fid, id FROM events ORDER BY fid"
    orders = [sqlite3.connect(x).execute(q).fetchall() for x in (a, b)]
    assert orders[0] == orders[1]


def test_worker_import_of_geojson_matches(tmp_path: Path) -> None:
    feats = []
    for i, r in enumerate(_rows(20)):
        props = {k: v for k, v in r.items() if v and k not in ("lon", "lat")}
        props["count"] = i
        if "tags" in props:
            props["tags"] = json.loads(props["tags"])
        geom = (
            {"type": "Point", "coordinates": [float(r["lon"]), float(r["lat"])]}
            if r["lon"]
            else None
        )
        feats.append({"type": "Feature", "geometry": geom, "properties": props})
    feats.append({"type": "Feature", "geometry": {"type": "Line"}, "properties": {}})
    f = tmp_path / "ev.geojson"
    f.write_text(json.dumps({"type": "FeatureCollection", "features": feats}), encoding="utf-8")
    a, b = tmp_path / "whole.gpkg", tmp_path / "worker.gpkg"
    with pytest.raises(ImportFileError) as ea, open_store(a, create=True) as st:
        open_import(f, pipeline=False).run(st)
    with (
        pytest.raises(ImportFileError) as eb,
        open_store(b, create=True) as st,
        open_import(f, pipeline=True) as src,
    ):
        src.run(st)
    assert str(ea.value) == str(eb.value)
    assert "feature 21: geometry must be a Point" in str(eb.value)
    ra = _import(f, a, pipeline=False, skip_invalid=True)
    rb = _import(f, b, pipeline=True, skip_invalid=True)
    assert ra == rb and ra.added == 20 and ra.invalid == 1
    assert _dump(a) == _dump(b)


def test_a_bad_row_writes_nothing_and_every_bad_row_is_listed(tmp_path: Path) -> None:
    rows = _rows(30)
    rows[3]["count"] = "-4"
    rows[25]["lat"] = "95"
    f = _csv(tmp_path / "bad.csv", rows)
    store = tmp_path / "s.gpkg"
    _import(_csv(tmp_path / "first.csv", _rows(5, prefix="x")), store, pipeline=True)
    before = _dump(store)
    with open_store(store) as st:
        snap = st.snapshot_id()
    errors = []
    for pipeline in (False, True):
        with pytest.raises(ImportFileError) as err:
            _import(f, store, pipeline=pipeline)
        errors.append(str(err.value))
    assert errors[0] == errors[1]
    assert "2 bad row(s) of 30; nothing was imported" in errors[1]
    assert "line 5: count" in errors[1] and "line 27: lat" in errors[1]
    assert _dump(store) == before
    with open_store(store) as st:
        assert st.snapshot_id() == snap
    # --skip-invalid: the same rows imported by both paths
    a, b = tmp_path / "whole.gpkg", tmp_path / "worker.gpkg"
    ra = _import(f, a, pipeline=False, skip_invalid=True)
    rb = _import(f, b, pipeline=True, skip_invalid=True)
    assert ra == rb
    assert (rb.added, rb.invalid) == (28, 2)
    assert _dump(a) == _dump(b)


def test_file_problems_raise_before_any_store_is_opened(tmp_path: Path) -> None:
    bad_cols = tmp_path / "cols.csv"
    bad_cols.write_text("id,colour\nx,red\n", encoding="utf-8")
    with pytest.raises(ImportFileError, match="unknown column"):
        open_import(bad_cols, pipeline=True)
    broken = tmp_path / "b.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [', encoding="utf-8")
    with pytest.raises(ImportFileError, match="not valid JSON"):
        open_import(broken, pipeline=True)
    with pytest.raises(ImportFileError, match="file not found"):
        open_import(tmp_path / "missing.csv", pipeline=True)
    # Not UTF-8 past the first window: found while writing, and nothing is kept.
    f = _csv(tmp_path / "late.csv", _rows(400))  # past the first 8 KiB the reader decodes
    with open(f, "ab") as fh:
        fh.write(b"zz,movement,,,,,1,https://x.org/\xff\xfe,,,\n")
    store = tmp_path / "s.gpkg"
    with pytest.raises(ImportFileError, match="not UTF-8"):
        _import(f, store, pipeline=True)
    with open_store(store) as st:
        assert st.count_events(include_deleted=True) == 0
        assert st.list_reports() == []
    assert not store.with_name("run.gpkg").exists()
    res = run_cli("import", str(bad_cols), "--store", str(store.with_name("run.gpkg")))
    assert res.returncode == 1 and "unknown column" in res.stderr
    assert not store.with_name("run.gpkg").exists()


def test_killing_the_writer_stops_the_worker_and_keeps_the_store_sound(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    write_csv(big, 60_000, prefix="k")
    store = tmp_path / "s.gpkg"
    assert run_cli("init", "--store", str(store)).returncode == 0
    script = (
        "import sys\n"
        "from tracker.exchange_stream import open_import\n"
        "from tracker.store import open_store\n"
        "with open_import(sys.argv[1], pipeline=True) as src, open_store(sys.argv[2]) as st:\n"
        "    src.run(st, by='t')\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(big), str(store)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = None
    deadline = time.monotonic() + 30
    while worker is None and time.monotonic() < deadline:
        kids = Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
        pids = kids.read_text().split() if kids.exists() else []
        worker = int(pids[0]) if pids else None
        time.sleep(0.05)
    assert worker is not None, "no worker process started"
    time.sleep(0.8)
    assert proc.poll() is None, "the import ended before the kill"
    os.kill(proc.pid, signal.SIGKILL)  # the writer only, not its process group
    proc.wait()
    for _ in range(100):  # the worker notices the closed pipe and ends
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            break
        with open(f"/proc/{worker}/stat") as fh:
            if fh.read().split(")")[-1].split()[0] == "Z":
                break  # ended, waiting to be reaped by init
        time.sleep(0.1)
    else:
        os.kill(worker, signal.SIGKILL)
        pytest.fail("the worker kept running after its writer was killed")
    check = run_cli("check", "--store", str(store))
    assert check.returncode == 0, check.stderr
    with open_store(store) as st:
        assert st.count_events(include_deleted=True) == 0  # one transaction: none of it
    with open_import(big, pipeline=True) as src, open_store(store) as st:
        res = src.run(st, by="t")
        assert st.check() == []
    assert (res.rows, res.added) == (60_000, 60_000)


def test_worker_import_into_postgis_matches_sqlite(postgis_url: str, tmp_path: Path) -> None:
    """A store without the row API (PostGIS) gets validated events from the worker."""
    rows = _rows(40)
    rows[9]["count"] = "x"
    f = _csv(tmp_path / "ev.csv", rows)
    with (
        pytest.raises(ImportFileError, match="line 11: count"),
        open_store(postgis_url, create=True) as pg,
        open_import(f, pipeline=True) as src,
    ):
        src.run(pg)
    with open_store(postgis_url) as pg:
        assert pg.count_events(include_deleted=True) == 0
    lite = tmp_path / "lite.gpkg"
    ra = _import(f, lite, pipeline=False, skip_invalid=True)
    with open_store(postgis_url) as pg, open_import(f, pipeline=True) as src:
        rb = src.run(pg, by="tester", reason="import ev.csv", skip_invalid=True)
        got = [(e.id, e.date_start, e.lon, e.count, e.tags, e.report_id) for e in pg.query()]
        assert pg.check() == []
    assert ra == rb and rb.added == 39
    with open_store(lite) as st:
        want = [(e.id, e.date_start, e.lon, e.count, e.tags, e.report_id) for e in st.query()]
    assert got == want


def test_worker_import_into_postgis_keeps_the_earliest_row_of_a_repeated_id(
    postgis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker sends bare event values; the writer stamps and sorts the whole window
    # before writing it in slices, so a repeated id keeps its earliest-dated row, as a
    # whole-file import does.
    monkeypatch.setattr(exchange_stream, "WINDOW_ROWS", 1000)  # one window ...
    monkeypatch.setattr(exchange_stream, "WRITE_SLICE", 4)  # ... written in slices
    rows = _rows(20)
    rows.append(dict(rows[16], id="e1", date_start="2024-01-02", date_end="", count="777"))
    f = _csv(tmp_path / "ev.csv", rows)
    lite = tmp_path / "lite.gpkg"
    _import(f, lite, pipeline=False)
    with open_store(postgis_url, create=True) as pg, open_import(f, pipeline=True) as src:
        res = src.run(pg, by="tester")
        got = [(e.id, e.date_start, e.count, e.created_by) for e in pg.query()]
        assert pg.check() == []
    with open_store(lite) as st:
        want = [(e.id, e.date_start, e.count, e.created_by) for e in st.query()]
    assert res.added == 20 and got == want and ("e1", date(2024, 1, 2), 777, "tester") in got


def test_tracker_import_takes_the_worker_for_big_files_into_a_file_store(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    f = _csv(tmp_path / "big.csv", _rows(60))
    size = f.stat().st_size
    opened: list[str] = []
    real_worker = exchange_stream._Worker

    def spy(*args: Any) -> Any:
        opened.append("worker")
        return real_worker(*args)

    monkeypatch.setattr(exchange_stream, "_Worker", spy)
    stores = {}
    for name, threshold in (("small", size + 1), ("big", size)):
        monkeypatch.setattr(exchange_stream, "PIPELINE_MIN_BYTES", threshold)
        store = tmp_path / f"{name}.gpkg"
        res = CliRunner().invoke(cli, ["import", str(f), "--store", str(store), "--by", "tester"])
        assert res.exit_code == 0, res.output
        assert "60 row(s): 60 added, 0 already present, 0 invalid" in res.stderr
        stores[name] = _dump(store)
        assert opened == (["worker"] if name == "big" else [])
    assert stores["small"] == stores["big"]  # same events, revisions, reports, indexes


def test_tracker_import_into_a_server_store_takes_the_worker_too(
    postgis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from tracker.cli import cli

    f = _csv(tmp_path / "big.csv", _rows(30))
    opened: list[str] = []
    real_worker = exchange_stream._Worker
    monkeypatch.setattr(
        exchange_stream, "_Worker", lambda *a: opened.append("worker") or real_worker(*a)
    )
    monkeypatch.setattr(exchange_stream, "PIPELINE_MIN_BYTES", 0)
    res = CliRunner().invoke(cli, ["import", str(f), "--store", postgis_url, "--by", "tester"])
    assert res.exit_code == 0, res.output
    assert "30 row(s): 30 added" in res.stderr and opened == ["worker"]
    lite = tmp_path / "lite.gpkg"
    _import(f, lite, pipeline=False)
    with open_store(postgis_url) as pg, open_store(lite) as st:
        got, want = pg.query(), st.query()
        assert pg.check() == []
    assert [replace(e, created_at=None, updated_at=None) for e in got] == [
        replace(e, created_at=None, updated_at=None) for e in want
    ]


def test_worker_copy_lines_keep_every_value_exactly(postgis_url: str, tmp_path: Path) -> None:
    """The worker formats COPY text itself: escapes, floats and NUL must survive or fail."""
    path = tmp_path / "tricky.csv"
    cols = ["id", "event_type", "date_start", "date_end", "lon", "lat", "count", "source_url"]
    cols += ["evidence", "tags", "confidence", "notes"]
    rows = []
    for i in range(12):
        rows.append(
            {
                "id": f"t{i}",
                "event_type": "movement",
                "date_start": f"2024-05-{i + 1:02d}",
                "date_end": f"2024-05-{i + 2:02d}",
                "lon": repr(30.123456789012345 + i / 7),
                "lat": repr(-0.1 - i / 3),
                "count": str(i * 1000),
                "source_url": f"https://example.org/{i}",
                "evidence": f"tab\there, new\nline, back\\slash \\N, “quotes” ё {i}",
                "tags": json.dumps(["a\tb", "ключ", f"t{i}"]),
                "confidence": repr(i / 11),
                "notes": "" if i % 2 else "\\t literal",
            }
        )
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows(rows)
    lite = tmp_path / "lite.gpkg"
    _import(path, lite, pipeline=False)
    with open_store(postgis_url, create=True) as pg, open_import(path, pipeline=True) as src:
        res = src.run(pg, by="tester", reason="import tricky.csv")
        got = pg.query()
        assert pg.check() == []
    assert res.added == 12
    with open_store(lite) as st:
        want = st.query()
    assert [replace(e, created_at=None, updated_at=None) for e in got] == [
        replace(e, created_at=None, updated_at=None) for e in want
    ]
    # A NUL character cannot be stored: the import says so and writes nothing.
    rows[5]["evidence"] = "bad\x00text"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, cols)
        w.writeheader()
        w.writerows([{**r, "id": "n" + r["id"]} for r in rows])
    with open_store(postgis_url) as pg, open_import(path, pipeline=True) as src:
        with pytest.raises((ImportFileError, ValidationError), match="NUL"):
            src.run(pg, by="tester")
        assert pg.count_events() == 12


def _small_bulk_mode(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Let 7-row windows take bulk mode; return the list of bulk-mode decisions made."""
    from tracker.store import pg_write, postgis

    monkeypatch.setattr(pg_write, "BULK_MIN", 5)
    real = pg_write.enter_bulk_mode
    entered: list[bool] = []

    def spy(con: Any, batch: int) -> Any:
        rebuild = real(con, batch)
        entered.append(rebuild is not None)
        return rebuild

    monkeypatch.setattr(postgis, "enter_bulk_mode", spy)
    return entered


@pytest.mark.parametrize("bulk", [False, True], ids=["ordinary", "bulk-mode"])
def test_whole_file_import_into_postgis_overlaps_and_matches_sqlite(
    postgis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bulk: bool
) -> None:
    """A file read whole goes to PostGIS through the bulk writer on a second thread."""
    from tracker import exchange

    monkeypatch.setattr(exchange, "OVERLAP_MIN", 0)
    monkeypatch.setattr(exchange, "OVERLAP_CHUNK", 7)  # several chunks in flight
    entered = _small_bulk_mode(monkeypatch) if bulk else []
    f = _csv(tmp_path / "ev.csv", _rows(40))
    lite = tmp_path / "lite.gpkg"
    ra = _import(f, lite, pipeline=False)
    steps: list[int] = []
    with open_store(postgis_url, create=True) as pg, open_import(f, pipeline=False) as src:
        rb = src.run(pg, by="tester", reason="import ev.csv", on_progress=steps.append)
        got = pg.query()
        assert pg.check() == []
        again = src.run(pg, by="tester", reason="import ev.csv")  # idempotent
    assert ra == rb and again.added == 0 and sum(steps) == rb.rows - rb.invalid
    with open_store(lite) as st:
        want = st.query()
    assert [replace(e, created_at=None, updated_at=None) for e in got] == [
        replace(e, created_at=None, updated_at=None) for e in want
    ]
    assert entered == ([True, True] if bulk else [])  # both runs took bulk mode


def test_a_nul_in_a_later_window_of_a_bulk_import_writes_nothing(
    postgis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A CSV cannot hold a NUL (the reader refuses it); events from elsewhere can, and the
    # server refuses it while earlier windows are already sent: nothing may remain.
    from tracker import exchange

    monkeypatch.setattr(exchange, "OVERLAP_MIN", 0)
    monkeypatch.setattr(exchange, "OVERLAP_CHUNK", 7)
    entered = _small_bulk_mode(monkeypatch)
    with open(_csv(tmp_path / "ev.csv", _rows(40)), encoding="utf-8", newline="") as fh:
        batch = exchange.read_csv(fh)
    good = list(batch.events)
    late = sorted(good, key=lambda e: (e.date_start is None, e.date_start, e.date_end))[30]
    batch.events = [replace(e, notes="bad\x00note") if e is late else e for e in good]
    with open_store(postgis_url, create=True) as pg:
        with pytest.raises(ValidationError, match="NUL"):
            exchange.import_events(pg, batch, by="tester")
        assert entered == [True] and pg.count_events() == 0 and pg.check() == []
        batch.events = good
        assert exchange.import_events(pg, batch, by="tester").added == 40
