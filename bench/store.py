"""Event store benchmark (issue 3): 1M synthetic events, the issue's queries vs a numpy scan.

Run: ``python -m bench.store`` (``--n 200000`` for a quicker pass). In one run it
1. generates N events clustered around 2,000 towns (dates 2022-2024; 70 % one day, 25 % 1-7
   days, 4.5 % 8-29 days, 0.5 % 30-400 days), writes them as CSV (``tracker export`` format);
2. imports the CSV with full validation, one transaction, as ``tracker import`` does: a file
   this big is parsed and validated in a worker process while this one writes
   (``open_import(pipeline=None)``); ``--in-process``: read whole here first
   (``read_csv`` + ``import_events``, what smaller files take);
3. runs 20 queries of each kind through ``EventStore.query_ids`` (id list, store order) and
   checks every answer equals a brute-force numpy/shapely/pyproj scan of the same events:
   q1 bbox ~3.5x2 deg + 30 days, q2 12-vertex star polygon + 90 days, q3 300 km geodesic
   radius, q4 7-day window; also times ``EventStore.query`` (full Event records) once;
4. times 200 single durable adds into the big store, compares store size with the CSV;
5. builds a 100k store and times a cold ``tracker query`` process against ``python -c pass``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from tracker.exchange import import_events, read_csv
from tracker.exchange_stream import open_import
from tracker.model import Event, EventFilter
from tracker.store import open_store

DAY0 = date(2022, 1, 1)
NDAYS = 3 * 365
WORDS = [
    "troops",
    "convoy",
    "rail",
    "echelon",
    "brigade",
    "seen",
    "moving",
    "toward",
    "the",
    "border",
    "near",
    "village",
    "satellite",
    "images",
    "show",
    "tents",
    "vehicles",
    "artillery",
    "ammunition",
    "depot",
    "reported",
    "by",
    "locals",
    "officials",
    "said",
    "soldiers",
    "arrived",
    "trained",
    "drills",
    "equipment",
    "ship",
    "port",
    "airfield",
]


def make_events(n: int, seed: int = 42) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    ntown = 2000
    tlon = rng.uniform(20, 160, ntown)
    tlat = rng.uniform(40, 68, ntown)
    w = 1 / np.arange(1, ntown + 1) ** 0.8
    town = rng.choice(ntown, size=n, p=w / w.sum())
    sigma = rng.uniform(0.03, 0.15, ntown)[town]
    lon = np.clip(
        tlon[town] + rng.normal(0, 1, n) * sigma / np.cos(np.radians(tlat[town])), -180, 180
    )
    lat = np.clip(tlat[town] + rng.normal(0, 1, n) * sigma, -90, 90)
    start = rng.integers(0, NDAYS, n)
    u = rng.random(n)
    dur = np.where(
        u < 0.70,
        0,
        np.where(
            u < 0.95,
            rng.integers(1, 8, n),
            np.where(u < 0.995, rng.integers(8, 30, n), rng.integers(30, 401, n)),
        ),
    )
    return {
        "lon": np.round(lon, 5),
        "lat": np.round(lat, 5),
        "start": start,
        "end": start + dur,
        "town": town,
    }


def write_csv_file(data: dict[str, np.ndarray], path: Path, seed: int = 1) -> None:
    """Write the events as a tracker CSV (same columns and cell format as export)."""
    import csv

    from tracker.exchange import csv_cell
    from tracker.model import EVENT_FIELDS

    rng = np.random.default_rng(seed)
    n = len(data["lon"])
    words = np.array(WORDS)
    statuses = np.array(["claimed", "confirmed", "unconfirmed", "denied"])
    types = np.array(["movement", "arrival", "presence", "training", "combat"])
    with open(path, "w", encoding="utf-8", newline="") as fh:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(EVENT_FIELDS)
        idx = {k: i for i, k in enumerate(EVENT_FIELDS)}
        for i0 in range(0, n, 50_000):
            i1 = min(n, i0 + 50_000)
            ev_words = rng.integers(0, len(words), (i1 - i0, 45))
            st = rng.integers(0, 4, i1 - i0)
            ty = rng.integers(0, 5, i1 - i0)
            cnt = rng.integers(10, 5000, i1 - i0)
            for j, i in enumerate(range(i0, i1)):
                row: list[Any] = [""] * len(EVENT_FIELDS)
                ds = DAY0 + timedelta(days=int(data["start"][i]))
                de = DAY0 + timedelta(days=int(data["end"][i]))
                town = int(data["town"][i])
                row[idx["id"]] = f"evt_b{i:09d}"
                row[idx["event_type"]] = types[ty[j]]
                row[idx["date_start"]] = ds.isoformat()
                row[idx["date_end"]] = de.isoformat()
                row[idx["date_precision"]] = "day" if ds == de else "range"
                row[idx["place_name"]] = f"Town {town}"
                row[idx["country_code"]] = "RU" if town % 3 else "UA"
                row[idx["geo_precision"]] = "point"
                row[idx["role"]] = "location"
                row[idx["lon"]] = csv_cell(float(data["lon"][i]))
                row[idx["lat"]] = csv_cell(float(data["lat"][i]))
                row[idx["actor"]] = f"unit {town % 97}"
                row[idx["count"]] = int(cnt[j])
                row[idx["status"]] = statuses[st[j]]
                row[idx["source_publisher"]] = f"Outlet {i % 50}"
                row[idx["source_url"]] = (
                    f"https://news{i % 50}.example/{i // 500}"  # 10 events/report
                )
                row[idx["evidence"]] = " ".join(words[ev_words[j]])
                row[idx["method"]] = "manual"
                row[idx["confidence"]] = "1.0"
                row[idx["review_state"]] = "accepted"
                row[idx["tags"]] = "[]"
                row[idx["revision"]] = 1
                row[idx["deleted"]] = "false"
                wr.writerow(row)


def timed(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    out = fn()
    best = float("inf")
    for _ in range(runs):
        t = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t)
    return best * 1000, out


def star(
    lon: float, lat: float, r_km: float, rng: np.random.Generator
) -> list[tuple[float, float]]:
    pts = []
    for k in range(12):
        ang = 2 * np.pi * k / 12
        rr = r_km * (1.0 if k % 2 == 0 else rng.uniform(0.4, 0.7))
        pts.append(
            (
                lon + rr / (111.32 * np.cos(np.radians(lat))) * np.cos(ang),
                lat + rr / 110.57 * np.sin(ang),
            )
        )
    return [*pts, pts[0]]


def import_csv(st: Any, csv_path: Path, n: int, *, pipeline: bool | None) -> tuple[float, float]:
    """Import the bench CSV into ``st``; return (parse+validate seconds or NaN, total seconds).

    ``pipeline``: as :func:`tracker.exchange_stream.open_import` takes it (``None``: what
    ``tracker import`` does for a file store, the worker for big files; ``True`` the worker
    process, rows stored in date order per window; ``False`` read whole here, then written:
    the parse is timed apart).
    """
    t = time.perf_counter()
    if pipeline is not False:
        with open_import(csv_path, pipeline=pipeline) as src:
            res = src.run(st, by="bench", reason="bench import")
        t_read = float("nan")
    else:
        with open(csv_path, encoding="utf-8", newline="") as fh:
            batch = read_csv(fh)
        t_read = time.perf_counter() - t
        assert not batch.problems, batch.problems[:3]
        res = import_events(st, batch, by="bench", reason="bench import")
        del batch
    assert res.added == n and not res.problems, res.problems[:3]
    return t_read, time.perf_counter() - t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.store")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--cold-n", type=int, default=100_000)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--long", action="store_true", help="accepted for make bench-long (same run)")
    ap.add_argument("--workdir", default=None)
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="read the CSV whole in this process, then write (open_import(pipeline=False))",
    )
    args = ap.parse_args(argv)
    import shapely
    from pyproj import Geod

    work = Path(args.workdir or tempfile.mkdtemp(prefix="bench_store_"))
    work.mkdir(parents=True, exist_ok=True)
    n = args.n
    load = os.getloadavg()[0]
    print(
        f"workdir {work}; N = {n:,} events; 2 cores; one run; load average {load:.1f}", flush=True
    )
    data = make_events(n)
    ids = np.array([f"evt_b{i:09d}" for i in range(n)])
    csv_path = work / "events.csv"
    t = time.perf_counter()
    write_csv_file(data, csv_path)
    print(
        f"wrote CSV in {time.perf_counter() - t:.1f} s ({csv_path.stat().st_size / 1e6:.1f} MB)",
        flush=True,
    )

    store_path = work / "bench.gpkg"
    for suffix in ("", "-wal", "-shm"):
        Path(str(store_path) + suffix).unlink(missing_ok=True)
    st = open_store(store_path, create=True)
    cpu0 = time.process_time()
    t_read, t_import = import_csv(st, csv_path, n, pipeline=False if args.in_process else None)
    rate = n / t_import
    cpu = time.process_time() - cpu0
    how = (
        "parse+validate in a worker process, overlapped"
        if t_read != t_read  # NaN: the worker read it
        else f"parse+validate {t_read:.1f} s, write+index {t_import - t_read:.1f} s"
    )
    print(
        f"bulk import: {rate:,.0f} events/s wall ({t_import:.1f} s: {how}); {n / cpu:,.0f} "
        f"events per CPU-second of this process (load average now "
        f"{os.getloadavg()[0]:.1f} on 2 cores)",
        flush=True,
    )
    st.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
    st.con.execute("ANALYZE")  # type: ignore[attr-defined]

    # reference order: date_start, date_end, id (all events are dated)
    order = np.lexsort((ids, data["end"], data["start"]))
    lon, lat, s, e = data["lon"], data["lat"], data["start"], data["end"]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    geod = Geod(ellps="WGS84")
    rng = np.random.default_rng(9)
    centres = rng.choice(n, size=args.queries, replace=False)

    def day(i: int) -> date:
        return DAY0 + timedelta(days=int(i))

    def ref_ids(mask: np.ndarray) -> list[str]:
        sel = np.nonzero(mask)[0]
        return list(ids[sel[np.argsort(rank[sel])]])

    results: dict[str, dict[str, list[float]]] = {}
    rows_seen: dict[str, list[int]] = {}
    mismatches = 0
    for qi, c in enumerate(centres):
        cx, cy = float(lon[c]), float(lat[c])
        w0 = int(rng.integers(0, NDAYS - 100))
        specs: dict[str, tuple[EventFilter, Callable[[], np.ndarray]]] = {}
        box = (cx - 1.75, cy - 1.0, cx + 1.75, cy + 1.0)
        specs["q1 bbox+30d"] = (
            EventFilter(bbox=box, date_from=day(w0), date_to=day(w0 + 29)),
            lambda box=box, w0=w0: (
                (lon >= box[0])
                & (lon <= box[2])
                & (lat >= box[1])
                & (lat <= box[3])
                & (s <= w0 + 29)
                & (e >= w0)
            ),
        )
        poly = shapely.Polygon(star(cx, cy, float(rng.uniform(150, 450)), rng))
        specs["q2 polygon+90d"] = (
            EventFilter(polygon_wkt=poly.wkt, date_from=day(w0), date_to=day(w0 + 89)),
            lambda poly=poly, w0=w0: (
                shapely.intersects_xy(poly, lon, lat) & (s <= w0 + 89) & (e >= w0)
            ),
        )
        specs["q3 300km radius"] = (
            EventFilter(near=(cx, cy, 300_000.0)),
            lambda cx=cx, cy=cy: geod.inv(np.full(n, cx), np.full(n, cy), lon, lat)[2] <= 300_000.0,
        )
        specs["q4 7 days"] = (
            EventFilter(date_from=day(w0), date_to=day(w0 + 6)),
            lambda w0=w0: (s <= w0 + 6) & (e >= w0),
        )
        for name, (flt, ref) in specs.items():
            ms_store, got = timed(lambda flt=flt: st.query_ids(flt))
            ms_ref, mask = timed(ref, runs=1 if name.startswith("q3") else 3)
            exp = ref_ids(mask)
            if got != exp:
                mismatches += 1
                print(
                    f"  MISMATCH {name} #{qi}: store {len(got)} vs reference {len(exp)}", flush=True
                )
            r = results.setdefault(name, {"store": [], "ref": [], "full": []})
            r["store"].append(ms_store)
            r["ref"].append(ms_ref)
            rows_seen.setdefault(name, []).append(len(got))
            if qi < 5:
                ms_full, evs = timed(lambda flt=flt: st.query(flt), runs=1)
                assert [x.id for x in evs] == got
                r["full"].append(ms_full)
    print(
        f"\nqueries ({args.queries} each; min of 3 warm runs; median ms; ratio = store / numpy scan):"
    )
    print(
        f"  {'query':18} {'rows':>7} {'store ids':>10} {'numpy ref':>10} {'ratio':>7} {'p90':>8} {'full Events*':>13}"
    )
    for name, r in results.items():
        med = statistics.median(r["store"])
        ref = statistics.median(r["ref"])
        p90 = sorted(r["store"])[int(0.9 * (len(r["store"]) - 1))]
        full = statistics.median(r["full"])
        print(
            f"  {name:18} {statistics.mean(rows_seen[name]):7.0f} {med:10.2f} {ref:10.2f} {med / ref:7.2f}x {p90:8.2f} {full:13.1f}"
        )
    print("  * query() building full Event records, median of the first 5 queries, single run")
    print(
        f"  results equal to the brute-force reference: {'ALL' if not mismatches else f'NO ({mismatches} mismatches)'}"
    )

    # durable single adds
    lat_ms = []
    for i in range(200):
        ev = Event(
            id=f"evt_single{i}",
            event_type="arrival",
            lon=30.0,
            lat=50.0,
            date_start=date(2024, 1, 1),
            date_end=date(2024, 1, 1),
            date_precision="day",
            source_publisher="bench",
        )
        t = time.perf_counter()
        st.add_events([ev], by="bench")
        lat_ms.append((time.perf_counter() - t) * 1000)
    lat_ms.sort()
    print(
        f"\nsingle durable add (WAL, synchronous=FULL, own transaction): p50 {lat_ms[100]:.2f} ms, p90 {lat_ms[180]:.2f} ms"
    )
    st.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
    export_path = work / "export.csv"
    with open(export_path, "w", encoding="utf-8", newline="") as fh:
        from tracker.exchange import export_meta, write_csv

        write_csv(st.query(EventFilter(include_deleted=True)), fh, export_meta(st))
    st.close()
    size = store_path.stat().st_size
    csv_size = csv_path.stat().st_size
    exp_size = export_path.stat().st_size
    print(
        f"size: store {size / 1e6:.1f} MB ({size / n:.0f} B/event) vs the input CSV "
        f"{csv_size / 1e6:.1f} MB = {size / csv_size:.2f}x; vs `tracker export --format csv` of the "
        f"same events (adds report_id, created_*, updated_at) {exp_size / 1e6:.1f} MB = {size / exp_size:.2f}x"
    )

    # cold tracker query at cold-n
    cold = work / "cold.gpkg"
    for suffix in ("", "-wal", "-shm"):
        Path(str(cold) + suffix).unlink(missing_ok=True)
    with open(csv_path, encoding="utf-8", newline="") as fh:
        head = "".join(fh.readline() for _ in range(args.cold_n + 1))
    import io

    with open_store(cold, create=True) as cst:
        import_events(cst, read_csv(io.StringIO(head)))
        cst.con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[attr-defined]
    c = int(centres[0])
    bbox = f"{lon[c] - 1.75},{lat[c] - 1.0},{lon[c] + 1.75},{lat[c] + 1.0}"
    cmd = [
        sys.executable,
        "-m",
        "tracker",
        "query",
        "--store",
        str(cold),
        "--bbox",
        bbox,
        "--from",
        "2023-03-01",
        "--to",
        "2023-03-30",
        "--status",
        "claimed,confirmed",
        "--format",
        "json",
    ]
    # An installed tracker has compiled bytecode; this environment sets
    # PYTHONDONTWRITEBYTECODE, so give the timed processes a bytecode cache outside the tree.
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")

    def wall(c: list[str]) -> float:
        t = time.perf_counter()
        subprocess.run(c, check=True, capture_output=True, env=env)
        return (time.perf_counter() - t) * 1000

    wall(cmd)
    q = statistics.median(wall(cmd) for _ in range(7))
    base = statistics.median(wall([sys.executable, "-c", "pass"]) for _ in range(7))
    print(
        f"cold `tracker query` at {args.cold_n:,} events: {q:.0f} ms median of 7 (python -c pass: {base:.0f} ms; {q / base:.1f}x)"
    )
    ok = not mismatches
    print(
        "\ntargets (issue 3): q1<=2 ms, q2<=25 ms, q3<=200 ms, q4<=15 ms, add p50<=5 ms, import>=20k/s, size<=2x CSV, cold<=300 ms"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
