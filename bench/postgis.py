"""PostGIS store benchmark (issue 6): the SQLite benchmark's events, queries and reference.

Run: ``python -m bench.postgis`` (``--n 200000`` for a quicker pass; ``--url URL`` or
``TRACKER_TEST_PG_URL`` to use an existing server, else a throwaway durable one is started:
fsync and synchronous_commit on). In one run it
1. generates the same N events as ``bench.store`` (same generator and seed) as a tracker CSV;
2. bulk-imports them with full validation as ``tracker import`` does: a file this big is
   parsed, validated and stamped in a worker process while this one
   streams them (``open_import(pipeline=None)``, end to end only); ``--in-process``: read
   whole here first (``read_csv`` + ``import_events``), with the rate of the store part;
3. runs 20 queries of each kind (q1 bbox + 30 days, q2 12-vertex polygon + 90 days, q3 300
   km geodesic radius, q4 7-day window) through ``EventStore.query_ids`` and checks every
   answer equals the same brute-force numpy/shapely/pyproj scan as ``bench.store``;
4. times 200 single durable adds (each its own committed transaction).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from bench.store import DAY0, NDAYS, import_csv, make_events, star, timed, write_csv_file
from tracker.model import Event, EventFilter
from tracker.store import open_store

SERVER_SETTINGS = {
    "shared_buffers": "512MB",
    "maintenance_work_mem": "512MB",
    "work_mem": "64MB",
    "max_wal_size": "4GB",
    "effective_cache_size": "2GB",
}


def _server(url: str | None) -> tuple[str, Callable[[], None], Callable[[str], str]]:
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from tests.pg_server import find_or_start, start_server, use_existing

    if url:
        srv = use_existing(url)
    elif os.environ.get("TRACKER_TEST_PG_URL"):
        srv = find_or_start()
    else:
        srv = start_server(durable=True, extra=SERVER_SETTINGS)
    return srv.fresh_schema_url("bench"), srv.stop, srv.fresh_schema_url


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.postgis")
    ap.add_argument("--n", type=int, default=1_000_000)
    ap.add_argument("--queries", type=int, default=20)
    ap.add_argument("--url", default=None, help="an existing server (else a throwaway one)")
    ap.add_argument("--long", action="store_true", help="accepted for make bench-long (same run)")
    ap.add_argument(
        "--copy",
        action="store_true",
        help="also time tracker copy of the store to a .gpkg, back to a new schema, and a re-run",
    )
    ap.add_argument(
        "--in-process",
        action="store_true",
        help="read the CSV whole in this process, then write (open_import(pipeline=False))",
    )
    args = ap.parse_args(argv)
    import shapely
    from pyproj import Geod

    try:
        url, stop, fresh = _server(args.url)
    except Exception as err:  # no server here: say how to get one, do not fail make bench
        print(f"skipped: {err}")
        return 0
    try:
        args.fresh_url = fresh
        return _run(args, url, shapely, Geod)
    finally:
        stop()


def _run(args: argparse.Namespace, url: str, shapely: object, geod_cls: type) -> int:
    with tempfile.TemporaryDirectory(prefix="bench_postgis_") as tmp:
        return _measure(args, url, shapely, geod_cls, Path(tmp))


def _measure(
    args: argparse.Namespace, url: str, shapely: object, geod_cls: type, work: Path
) -> int:
    n = args.n
    print(f"N = {n:,} events; 2 cores; one run; server fsync=on synchronous_commit=on", flush=True)
    data = make_events(n)
    ids = np.array([f"evt_b{i:09d}" for i in range(n)])
    csv_path = work / "events.csv"
    write_csv_file(data, csv_path)

    st = open_store(url, create=True)
    t_read, t_import = import_csv(st, csv_path, n, pipeline=False if args.in_process else None)
    how = (
        "CSV parse+validate+stamping in a worker process, overlapped with the COPY"
        if t_read != t_read  # NaN: the worker read it
        else f"CSV parse+validate {t_read:.1f} s; store part alone "
        f"{n / (t_import - t_read):,.0f} events/s"
    )
    print(
        f"bulk import (COPY): {n / t_import:,.0f} events/s end to end ({t_import:.1f} s; {how})",
        flush=True,
    )
    con = st.con  # type: ignore[attr-defined]
    t = time.perf_counter()
    con.execute("VACUUM ANALYZE events")
    print(f"VACUUM ANALYZE {time.perf_counter() - t:.1f} s", flush=True)
    size = con.execute("SELECT pg_total_relation_size('events')").fetchone()[0]
    print(f"events table + indexes: {size / 1e6:.0f} MB ({size / n:.0f} B/event)")

    order = np.lexsort((ids, data["end"], data["start"]))
    lon, lat, s, e = data["lon"], data["lat"], data["start"], data["end"]
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    geod = geod_cls(ellps="WGS84")
    rng = np.random.default_rng(9)  # the same queries as bench.store
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
        box = (cx - 1.75, cy - 1.0, cx + 1.75, cy + 1.0)
        poly = shapely.Polygon(star(cx, cy, float(rng.uniform(150, 450)), rng))  # type: ignore[attr-defined]
        specs: dict[str, tuple[EventFilter, Callable[[], np.ndarray]]] = {
            "q1 bbox+30d": (
                EventFilter(bbox=box, date_from=day(w0), date_to=day(w0 + 29)),
                lambda box=box, w0=w0: (
                    (lon >= box[0])
                    & (lon <= box[2])
                    & (lat >= box[1])
                    & (lat <= box[3])
                    & (s <= w0 + 29)
                    & (e >= w0)
                ),
            ),
            "q2 polygon+90d": (
                EventFilter(polygon_wkt=poly.wkt, date_from=day(w0), date_to=day(w0 + 89)),
                lambda poly=poly, w0=w0: (
                    shapely.intersects_xy(poly, lon, lat)  # type: ignore[attr-defined]
                    & (s <= w0 + 89)
                    & (e >= w0)
                ),
            ),
            "q3 300km radius": (
                EventFilter(near=(cx, cy, 300_000.0)),
                lambda cx=cx, cy=cy: (
                    geod.inv(np.full(n, cx), np.full(n, cy), lon, lat)[2] <= 300_000.0
                ),
            ),
            "q4 7 days": (
                EventFilter(date_from=day(w0), date_to=day(w0 + 6)),
                lambda w0=w0: (s <= w0 + 6) & (e >= w0),
            ),
        }
        for name, (flt, ref) in specs.items():
            ms_store, got = timed(lambda flt=flt: st.query_ids(flt))
            ms_ref, mask = timed(ref, runs=1 if name.startswith("q3") else 3)
            exp = ref_ids(mask)
            if got != exp:
                mismatches += 1
                print(f"  MISMATCH {name} #{qi}: store {len(got)} vs reference {len(exp)}")
            r = results.setdefault(name, {"store": [], "ref": []})
            r["store"].append(ms_store)
            r["ref"].append(ms_ref)
            rows_seen.setdefault(name, []).append(len(got))
    print(
        f"\nqueries ({args.queries} each; min of 3 warm runs; median ms; ratio = store / numpy scan):"
    )
    print(f"  {'query':18} {'rows':>7} {'postgis':>9} {'numpy ref':>10} {'ratio':>7} {'p90':>8}")
    for name, r in results.items():
        med, ref = statistics.median(r["store"]), statistics.median(r["ref"])
        p90 = sorted(r["store"])[int(0.9 * (len(r["store"]) - 1))]
        print(
            f"  {name:18} {statistics.mean(rows_seen[name]):7.0f} {med:9.2f} {ref:10.2f} "
            f"{med / ref:6.2f}x {p90:8.2f}"
        )
    verdict = "ALL" if not mismatches else f"NO ({mismatches} mismatches)"
    print(f"  results equal to the brute-force reference: {verdict}")

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
        f"\nsingle durable add (own transaction, synchronous_commit=on): p50 {lat_ms[100]:.2f} ms, "
        f"p90 {lat_ms[180]:.2f} ms"
    )
    st.close()
    if args.copy:
        _time_copy(url, args.fresh_url("bench"), work / "copy.gpkg", n + 200, n / t_import)
    print(
        "\ntargets (issue 6): q1<=5 ms, q2<=60 ms, q3<=200 ms, q4<=30 ms, COPY import>=50k/s, "
        "add p50<=5 ms"
    )
    return 0 if not mismatches else 1


def _time_copy(url: str, url2: str, gpkg: Path, n: int, import_rate: float) -> None:
    """Time ``tracker copy`` PostGIS -> .gpkg -> a new schema, and a re-run (nothing new)."""
    from tracker.store.copy import copy_store

    print("\ntracker copy (verified: counts and content hashes of every table):")
    for label, a, b in (
        ("PostGIS -> .gpkg", url, str(gpkg)),
        (".gpkg -> new PostGIS schema", str(gpkg), url2),
        ("re-run .gpkg -> PostGIS (nothing to add)", str(gpkg), url2),
    ):
        t = time.perf_counter()
        res = copy_store(a, b)
        dt = time.perf_counter() - t
        print(
            f"  {label:42} {dt:6.1f} s  {n / dt:8,.0f} events/s  "
            f"({n / dt / import_rate:.2f}x the import above; {res.added['events']:,} added)",
            flush=True,
        )


if __name__ == "__main__":
    sys.exit(main())
