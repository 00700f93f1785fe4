"""How fast `tracker cluster` proposes links: blocked run at 100,000 events vs all pairs.

Synthetic events: happenings at ~2,000 Zipf-weighted towns in six countries (10 admin1
regions each), 2022-2025, each reported by 1-6 outlets with its own claimant, figure
(x0.7-1.5) and date/place precision (day/range/week/month/year; point/admin1/macro-region/
country), plus multi-event reports. The baseline compares every pair (naive=True) on a
smaller n in the same run; at that n both must give identical proposals, which checks
that blocking loses no pair. Target: 100,000 events in <= 30 s on this 2-core machine.
Then the same events go into a real GeoPackage store and `cluster_store` (what `tracker
cluster` runs: read, propose, write the links in one transaction) is timed, dry and not.
Run: python -m bench.cluster [--n 100000] [--naive-n 2000] [--long] [--no-store]
"""

from __future__ import annotations

import argparse
import itertools
import math
import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from tracker.cluster import ClusterRun, cluster_store, collapse, propose_links
from tracker.model import Event, Link
from tracker.store import open_store

TYPES = (
    "movement",
    "arrival",
    "presence",
    "training",
    "combat",
    "withdrawal",
    "casualties",
    "capture",
)
SIDES = (
    ("North Korean", "KP"),
    ("Russian", "RU"),
    ("Belarusian", "BY"),
    ("Ukrainian", "UA"),
    ("Chinese", "CN"),
    ("Iranian", "IR"),
)
KINDS = ("troops", "soldiers", "special forces", "marines", "fighters")
COUNTRIES = {
    "RU": (40.0, 55.0, 12.0, 6.0),
    "UA": (31.0, 49.0, 8.0, 3.0),
    "BY": (28.0, 53.5, 4.0, 2.0),
    "KP": (127.0, 40.0, 2.0, 1.5),
    "SY": (38.0, 35.0, 3.0, 2.0),
    "ML": (-4.0, 17.0, 6.0, 4.0),
}
CLAIMANTS = tuple(f"claimant {i}" for i in range(20))
OUTLETS = tuple(f"outlet {i}" for i in range(40))
START = date(2022, 1, 1).toordinal()
DAYS = 4 * 365


def _towns(rng: random.Random, n: int) -> list[tuple[str, str, str, float, float]]:
    out = []
    ccs = list(COUNTRIES)
    for i in range(n):
        cc = ccs[min(int(rng.paretovariate(1.2)) - 1, len(ccs) - 1)]
        lon0, lat0, dlon, dlat = COUNTRIES[cc]
        lon, lat = lon0 + rng.uniform(-dlon, dlon), lat0 + rng.uniform(-dlat, dlat)
        a1 = f"{cc}-{int((lon - lon0 + dlon) / (2 * dlon) * 5)}{int((lat - lat0 + dlat) / (2 * dlat) * 2)}"
        out.append((cc, a1, f"geonames:{i}", lon, lat))
    return out


def synth(n: int, seed: int = 8) -> list[Event]:
    rng = random.Random(seed)
    towns = _towns(rng, 2000)
    weights = [1.0 / (i + 1) ** 0.8 for i in range(len(towns))]
    events: list[Event] = []
    rep = 0
    hap = 0
    while len(events) < n:
        hap += 1
        cc, a1, pid, lon, lat = rng.choices(towns, weights)[0]
        day = START + rng.randrange(DAYS)
        etype = rng.choice(TYPES)
        side, _ = rng.choice(SIDES)
        actor = f"{side} {rng.choice(KINDS)}"
        count = int(math.exp(rng.uniform(2, 9))) if rng.random() < 0.6 else None
        for _k in range(min(1 + int(rng.expovariate(0.7)), 6)):
            rep += 1
            r = rng.random()
            d0 = day + rng.choice((-1, 0, 0, 1))
            if r < 0.6:
                d1, prec = d0, "day"
            elif r < 0.8:
                d1, prec = d0 + rng.randrange(1, 6), "range"
            elif r < 0.85:
                d0, d1, prec = d0 - d0 % 7, d0 - d0 % 7 + 6, "week"
            elif r < 0.97:
                dd = date.fromordinal(d0)
                m0 = dd.replace(day=1)
                m1 = (m0 + timedelta(days=32)).replace(day=1) - timedelta(days=1)
                d0, d1, prec = m0.toordinal(), m1.toordinal(), "month"
            else:
                dd = date.fromordinal(d0)
                d0, d1, prec = (
                    date(dd.year, 1, 1).toordinal(),
                    date(dd.year, 12, 31).toordinal(),
                    "year",
                )
            g = rng.random()
            if g < 0.7:
                place = {
                    "place_id": pid,
                    "place_name": pid,
                    "country_code": cc,
                    "admin1_code": a1,
                    "geo_precision": "point",
                    "lon": lon + rng.gauss(0, 0.02),
                    "lat": lat + rng.gauss(0, 0.02),
                }
            elif g < 0.85:
                place = {
                    "place_id": f"iso3166-2:{a1}",
                    "place_name": a1,
                    "country_code": cc,
                    "admin1_code": a1,
                    "geo_precision": "admin1",
                    "lon": lon,
                    "lat": lat,
                }
            elif g < 0.95:
                place = {
                    "place_id": f"country:{cc}",
                    "place_name": cc,
                    "country_code": cc,
                    "geo_precision": "country",
                    "lon": COUNTRIES[cc][0],
                    "lat": COUNTRIES[cc][1],
                }
            else:
                place = {
                    "place_id": f"region:{cc}-east",
                    "place_name": f"{cc} east",
                    "country_code": cc,
                    "geo_precision": "macro_region",
                    "lon": COUNTRIES[cc][0] + 2,
                    "lat": COUNTRIES[cc][1],
                }
            c = int(count * rng.uniform(0.7, 1.5)) if count and rng.random() < 0.8 else None
            events.append(
                Event(
                    id=f"evt_{len(events):07d}",
                    event_type=etype,
                    date_start=date.fromordinal(d0),
                    date_end=date.fromordinal(d1),
                    date_precision=prec,
                    actor=actor,
                    count=c,
                    claimed_by=rng.choice(CLAIMANTS),
                    report_id=f"rep_{rep // (1 + (rep % 3 == 0))}",
                    source_publisher=rng.choice(OUTLETS),
                    role="location",
                    notes=f"h{hap}",
                    **place,
                )
            )  # type: ignore[arg-type]
            if len(events) >= n:
                break
    return events


def pairwise(events: list[Event], run: ClusterRun) -> tuple[float, float]:
    """Pairwise precision and recall of the proposals against the synthetic truth."""
    links = [Link(str(i), p.event_a, p.event_b, "") for i, p in enumerate(run.proposals)]
    hap = {e.id: e.notes for e in events}
    tp = fp = 0
    for h in collapse(events, links):
        for a, b in itertools.combinations(h.event_ids, 2):
            if hap[a] == hap[b]:
                tp += 1
            else:
                fp += 1
    sizes: dict[str | None, int] = {}
    for e in events:
        sizes[e.notes] = sizes.get(e.notes, 0) + 1
    true_pairs = sum(k * (k - 1) // 2 for k in sizes.values())
    return tp / max(tp + fp, 1), tp / max(true_pairs, 1)


def store_run(evs: list[Event]) -> None:
    """Time what `tracker cluster` does on a real GeoPackage store: read, propose, write."""
    with tempfile.TemporaryDirectory() as tmp, open_store(Path(tmp) / "b.gpkg", create=True) as st:
        st.add_events(evs, by="bench")
        for dry in (True, False):
            load = os.getloadavg()[0]
            t0, c0 = time.perf_counter(), time.process_time()
            _run, written = cluster_store(st, dry_run=dry, by="bench")
            t, cpu = time.perf_counter() - t0, time.process_time() - c0
            what = "dry run" if dry else f"{len(written):,} links written"
            print(
                f"  store (cluster_store, {what}): {t:.2f} s wall, {cpu:.2f} s CPU, "
                f"load average {load:.1f}"
            )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.cluster")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--naive-n", type=int, default=2_000)
    ap.add_argument("--long", action="store_true", help="also run 200,000 events")
    ap.add_argument("--no-store", action="store_true", help="skip the run on a real store")
    args = ap.parse_args(argv or [])

    small = synth(args.naive_n)
    t0 = time.perf_counter()
    naive = propose_links(small, naive=True)
    t_naive = time.perf_counter() - t0
    t0 = time.perf_counter()
    blocked = propose_links(small)
    t_blocked_small = time.perf_counter() - t0
    same = naive.proposals == blocked.proposals and naive.held_back == blocked.held_back
    print(
        f"n={args.naive_n:,}: all pairs {t_naive:.2f} s ({naive.compared:,} pairs); "
        f"blocked {t_blocked_small:.2f} s ({blocked.compared:,} pairs); "
        f"proposals identical: {same} ({len(naive.proposals):,} links)"
    )

    sizes = [args.n] + ([200_000] if args.long else [])
    ok = same
    for n in sizes:
        t0 = time.perf_counter()
        evs = synth(n)
        t_gen = time.perf_counter() - t0
        load = os.getloadavg()[0]
        t0, c0 = time.perf_counter(), time.process_time()
        run = propose_links(evs)
        t, cpu = time.perf_counter() - t0, time.process_time() - c0
        prec, rec = pairwise(evs, run)
        per_pair = t_naive / max(naive.compared, 1)
        est_naive = per_pair * n * (n - 1) / 2
        print(
            f"n={n:,}: blocked {t:.2f} s wall, {cpu:.2f} s CPU, load average {load:.1f} "
            f"on {os.cpu_count()} cores ({run.compared:,} pairs compared, "
            f"{len(run.proposals):,} links, {len(run.held_back):,} held back; "
            f"synthesis {t_gen:.1f} s); all pairs would take ~{est_naive / 3600:.1f} h "
            f"(x{est_naive / t:,.0f})"
        )
        print(f"  synthetic truth: pairwise precision {prec:.3f}, recall {rec:.3f}")
        if n == 100_000:
            print(f"target <= 30 s at 100,000 events: {'met' if t <= 30 else 'NOT met'}")
            ok = ok and t <= 30
        if not args.no_store:
            store_run(evs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
