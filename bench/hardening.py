"""Hardening figures (issue 7): kill -9 rounds, hostile payloads, hypothesis properties.

Default: 20 kill rounds over `tracker import` / `tracker ingest` / `tracker edit` (each
SIGKILLed at a random point), the hostile corpus's size and what the store kept of it, and
the time of an uninterrupted run of each workload as the baseline the kill points are drawn
from (recovery cost = `tracker check` + repeat, as a ratio to that baseline).
``--long``: 200 kill rounds on a 20,000-row CSV, and the property tests of
tests/test_hostile_*.py with 100,000 examples each (TRACKER_HYPOTHESIS_LONG=1; hours).

Run: ``python -m bench.hardening [--long] [--rounds N] [--no-properties]``.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.hostile_corpus import MARKUP, TERMINAL, URLS, write_corpus  # noqa: E402
from tests.hostile_crash import kill_round, prepare, tracker_cmd  # noqa: E402


def _kill_rounds(rounds: int, csv_rows: int) -> int:
    with tempfile.TemporaryDirectory(prefix="tracker-hardening-") as d:
        t0 = time.perf_counter()
        w = prepare(Path(d), csv_rows=csv_rows)
        print(f"prepared: {csv_rows} CSV rows, 30 reports, 200 base events "
              f"({time.perf_counter() - t0:.1f} s)")  # fmt: skip
        for op, secs in w.durations.items():
            print(f"  baseline uninterrupted {op:<7} {secs:6.2f} s")
        rnd = random.Random(20241008)
        stats: Counter[str] = Counter()
        worst = 0.0
        t0 = time.perf_counter()
        for i in range(rounds):
            t = time.perf_counter()
            r = kill_round(w, rnd, i, cli_check=True)
            spent = time.perf_counter() - t - r.killed_at
            worst = max(worst, spent / w.durations[r.op])
            stats[f"{r.op} rounds"] += 1
            stats[f"{r.op} killed mid-run"] += r.killed
            stats["check passed"] += r.check_ok
            stats["whole or absent"] += r.whole
            stats["repeat completed, no duplicates"] += r.repeat_ok
            if r.op == "import" and r.killed:
                m = re.search(r"(\d+) of \d+ imported rows", r.detail)
                stats["import killed: 0 rows kept" if m and m.group(1) == "0"
                      else "import killed: all rows kept"] += 1  # fmt: skip
            if not (r.check_ok and r.whole and r.repeat_ok):
                print(f"  FAILED round {i}: {r}")
        total = time.perf_counter() - t0
    print(f"kill rounds: {rounds} in {total:.1f} s ({total / rounds:.2f} s per round)")
    for k in sorted(stats):
        print(f"  {k:<36} {stats[k]}")
    print(f"  worst recovery (check + repeat) / uninterrupted run: {worst:.2f}x")
    ok = stats["check passed"] == stats["whole or absent"] == rounds
    return 0 if ok and stats["repeat completed, no duplicates"] == rounds else 1


def _corpus() -> int:
    with tempfile.TemporaryDirectory(prefix="tracker-corpus-") as d:
        items = write_corpus(Path(d) / "corpus")
        env = {**os.environ, "TRACKER_STORE": f"{d}/h.gpkg", "TRACKER_DATA_DIR": f"{d}/data"}
        t0 = time.perf_counter()
        res = subprocess.run(tracker_cmd("ingest", f"{d}/corpus"), env=env, capture_output=True,
                             text=True)  # fmt: skip
        secs = time.perf_counter() - t0
        refused = len(re.findall(r"^Error: ", res.stderr, re.M))
        q = subprocess.run(tracker_cmd("query", "--format", "csv"), env=env, capture_output=True,
                           text=True)  # fmt: skip
        events = max(0, q.stdout.count("\n") - 1)
    kinds = Counter(it.where for it in items)
    print(
        f"hostile corpus: {len(items)} reports ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items()))})"
    )
    print(f"  payloads: {len(MARKUP)} markup/script, {len(URLS)} link, {len(TERMINAL)} terminal")
    print(f"  ingest: {secs:.1f} s, {len(items) - refused} reports stored, {refused} refused "
          f"with a clear error, {events} events; traceback: {'Traceback' in res.stderr}")  # fmt: skip
    return 1 if "Traceback" in res.stderr else 0


def _properties(long_mode: bool) -> int:
    env = {**os.environ, "TRACKER_HYPOTHESIS_LONG": "1" if long_mode else "0"}
    files = ["tests/test_hostile_properties.py"]
    t0 = time.perf_counter()
    res = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
         "--hypothesis-show-statistics", *files],
        cwd=ROOT, env=env, capture_output=True, text=True,
    )  # fmt: skip
    blocks = re.split(r"^(tests/\S+::\w+):$", res.stdout, flags=re.M)
    print(f"properties: {time.perf_counter() - t0:.0f} s, exit {res.returncode}")
    for name, block in zip(blocks[1::2], blocks[2::2], strict=True):
        passing = sum(int(n) for n in re.findall(r"(\d+) passing", block))
        failing = sum(int(n) for n in re.findall(r"(\d+) failing", block))
        print(f"  {name.split('::')[1]:<58} {passing:>7} passing, {failing} failing")
    print("  " + (res.stdout.strip().splitlines() or ["(no output)"])[-1])
    return res.returncode


def main(argv: list[str]) -> int:
    """Print the hardening figures; non-zero when any round or property failed."""
    ap = argparse.ArgumentParser(prog="python -m bench.hardening")
    ap.add_argument("--long", action="store_true", help="200 rounds, 100,000 examples")
    ap.add_argument("--rounds", type=int, help="kill rounds (default 20, 200 with --long)")
    ap.add_argument("--no-properties", action="store_true", help="skip the property tests")
    args = ap.parse_args(argv)
    rounds = args.rounds or (200 if args.long else 20)
    rc = _kill_rounds(rounds, 20_000 if args.long else 3000)
    rc |= _corpus()
    if not args.no_properties:
        rc |= _properties(args.long)
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
