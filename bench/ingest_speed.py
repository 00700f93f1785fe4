"""Cold ``tracker ingest`` of one article: wall time of a fresh process (target <= 2 s).

Run: ``python -m bench.ingest_speed`` (``--long`` repeats more). Each run starts a new
``tracker ingest`` process on the founding seed into a fresh store in a temporary folder,
with the gazetteer index already built (as after ``tracker places build``). Baseline, in the
same run: a cold ``tracker --version`` process (interpreter + CLI start-up only). Also
printed: in-process throughput of the extractor over the labelled reports.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "nis-north-korean-troops-vladivostok.md"
TRACKER = [sys.executable, "-m", "tracker"]


def _timed(args: list[str], cwd: Path) -> float:
    t0 = time.perf_counter()
    r = subprocess.run(args, cwd=cwd, capture_output=True, text=True, env=dict(os.environ))
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        msg = f"{' '.join(args)} failed: {r.stderr[-500:]}"
        raise RuntimeError(msg)
    return dt


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    runs = 10 if "--long" in argv else 4
    # warm the gazetteer index once (the first run of a fresh install builds it)
    with tempfile.TemporaryDirectory() as d:
        _timed([*TRACKER, "ingest", str(SEED), "--store", "w.gpkg", "--format", "json"], Path(d))
    base, cold = [], []
    for i in range(runs):
        with tempfile.TemporaryDirectory() as d:
            base.append(_timed([*TRACKER, "--version"], Path(d)))
            cold.append(
                _timed(
                    [*TRACKER, "ingest", str(SEED), "--store", f"s{i}.gpkg", "--format", "json"],
                    Path(d),
                )
            )
    b, c = statistics.median(base), statistics.median(cold)
    print(f"cold `tracker --version`         median {b:.2f} s  (baseline, {runs} runs)")
    print(
        f"cold `tracker ingest` one article median {c:.2f} s  max {max(cold):.2f} s  "
        f"({c / b:.1f}x baseline; target <= 2 s: {'ok' if max(cold) <= 2 else 'MISSED'})"
    )

    from tracker.documents import read_document
    from tracker.extract import extract_report
    from tracker.gazetteer import Gazetteer
    from tracker.geoparse import Geoparser
    from tracker.ingest import report_from_document

    gp = Geoparser(Gazetteer.open())
    files = sorted((ROOT / "tests" / "data" / "labelled").rglob("*.md"))
    files = [f for f in files if f.name != "README.md"] + [SEED]
    reports = [report_from_document(read_document(f)) for f in files]
    extract_report(reports[0], gp)
    t0 = time.perf_counter()
    n = 0
    for _ in range(5):
        for r in reports:
            n += len(extract_report(r, gp).events)
    dt = time.perf_counter() - t0
    print(f"extractor in process: {5 * len(reports) / dt:.0f} reports/s ({n // 5} events per pass)")
    return 0 if max(cold) <= 2 else 1


if __name__ == "__main__":
    sys.exit(main())
