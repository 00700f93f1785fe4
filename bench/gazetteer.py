"""Gazetteer benchmark: build time, cold CLI search, warm lookups, coverage and outline fit.

Run with ``python -m bench.gazetteer`` (``--long`` adds more repetitions). Targets from
issue 2: build <= 60 s, cold ``tracker places search`` process <= 0.5 s, warm lookup
<= 1 ms, admin1 coverage >= 95 %, median outline holds >= 95 % of its own places and
<= 3 % of other regions' places. Each timing is printed with a baseline measured in the
same run (loading the raw cities500 JSON; a bare ``python -c pass`` and ``tracker --version``
process; an SQLite primary-key query on the same index).
"""

from __future__ import annotations

import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tracker.gazetteer import Gazetteer, build_index, normalize_name
from tracker.gazetteer.sources import load_cities

TARGET_BUILD_S = 60.0
TARGET_COLD_S = 0.5
TARGET_WARM_MS = 1.0
SPOT = ["Vladivostok", "Ussuriysk", "Ulan-Ude", "Yakutsk", "Kursk", "Sudzha", "Khabarovsk"]
SPOT += ["Blagoveshchensk", "Wonsan", "Chongjin"]


def _cold(args: list[str], env: dict[str, str], n: int) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        subprocess.run(args, env=env, capture_output=True, check=True)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def _flag(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def main(argv: list[str] | None = None) -> int:
    argv = list(argv or [])
    long_mode = "--long" in argv
    reps = 15 if long_mode else 5
    failed = False
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())} "
          f"({os.cpu_count()} CPUs)")  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        cache, data = Path(tmp) / "cache", Path(tmp) / "data"
        t0 = time.perf_counter()
        load_cities()
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        path = build_index(cache, data)
        t_build = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        print(f"build: {t_build:.1f} s ({size_mb:.0f} MB), target <= {TARGET_BUILD_S:.0f} s "
              f"[{_flag(t_build <= TARGET_BUILD_S)}]; baseline json.load(cities500) "
              f"{t_load:.1f} s, ratio {t_build / t_load:.1f}x")  # fmt: skip
        failed |= t_build > TARGET_BUILD_S

        env = dict(os.environ, TRACKER_CACHE_DIR=str(cache), TRACKER_DATA_DIR=str(data))
        py = sys.executable
        base_py = _cold([py, "-c", "pass"], env, reps)
        base_cli = _cold([py, "-m", "tracker", "--version"], env, reps)
        cold = _cold([py, "-m", "tracker", "places", "search", "Vladivostok", "--format",
                      "json"], env, reps)  # fmt: skip
        print(f"cold `tracker places search`: {cold * 1000:.0f} ms (median of {reps}), target "
              f"<= {TARGET_COLD_S * 1000:.0f} ms [{_flag(cold <= TARGET_COLD_S)}]; baselines: "
              f"python -c pass {base_py * 1000:.0f} ms, tracker --version {base_cli * 1000:.0f} ms "
              f"(search adds {(cold - base_cli) * 1000:.0f} ms)")  # fmt: skip
        failed |= cold > TARGET_COLD_S

        gz = Gazetteer.open(cache_dir=cache, data_dir=data)
        rng = random.Random(42)
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        names = [r[0] for r in con.execute("SELECT name FROM places WHERE kind='city'")]
        sample = [normalize_name(n) for n in rng.sample(names, 2000)]
        t0 = time.perf_counter()
        for n in sample:
            gz.lookup(n)
        t_lookup = (time.perf_counter() - t0) / len(sample) * 1000
        t0 = time.perf_counter()
        for n in sample:
            gz.lookup(n)
        t_cached = (time.perf_counter() - t0) / len(sample) * 1000
        raw = rng.sample(names, 500)
        t0 = time.perf_counter()
        for n in raw:
            gz.search(n, limit=10)
        t_search = (time.perf_counter() - t0) / len(raw) * 1000
        ids = [r[0] for r in con.execute("SELECT id FROM places LIMIT 2000")]
        t0 = time.perf_counter()
        for i in ids:
            con.execute("SELECT * FROM places WHERE id = ?", (i,)).fetchone()
        t_pk = (time.perf_counter() - t0) / len(ids) * 1000
        print(f"warm lookup(): {t_lookup:.3f} ms uncached, {t_cached:.4f} ms cached, "
              f"search(): {t_search:.3f} ms; target <= {TARGET_WARM_MS:.0f} ms "
              f"[{_flag(t_lookup <= TARGET_WARM_MS)}]; baseline SQLite id query "
              f"{t_pk:.3f} ms, ratio {t_lookup / t_pk:.1f}x")  # fmt: skip
        failed |= t_lookup > TARGET_WARM_MS

        meta = gz.meta
        cov = float(meta["admin1_coverage"])
        print(f"admin1 coverage: {cov:.2%} of {meta['admin1_cities']} cities500 entries in "
              f"countries with ISO 3166-2 subdivisions [{_flag(cov >= 0.95)}]")  # fmt: skip
        failed |= cov < 0.95
        spot = {s: gz.resolve(s) for s in SPOT}
        print("spot checks: " + ", ".join(f"{s} {p.admin1_code}" for s, p in spot.items()))
        for kind in ("admin1", "macro_region"):
            t0 = time.perf_counter()
            fit = gz.outline_fit(kind=kind)
            ok = fit.median_own_inside >= 0.95 and fit.median_other_share <= 0.03
            print(f"outlines ({kind}, {fit.regions} regions with >= 3 cities): median own "
                  f"places inside {fit.median_own_inside:.1%}, median share of other regions' "
                  f"places inside {fit.median_other_share:.2%} (90th percentile "
                  f"{fit.p90_other_share:.1%}) [{_flag(ok)}] ({time.perf_counter() - t0:.1f} s)")  # fmt: skip
            failed |= not ok
        gz.close()
        con.close()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
