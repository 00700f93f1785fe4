"""Speed and memory of ``tracker geoparse`` (issue 4: >= 300 news documents/s, <= 1 GB).

Measured in one run, on the news corpora in ../shared/eval/geoparse/ (LGL, GeoVirus,
TR-News, GeoWebNews: ~1,100 articles of ~2,000 characters), or on generated text when the
corpora are absent:

- throughput after start-up: documents/s of ``Geoparser.parse`` on the first pass (cold
  lookup caches) and on repeated passes (warm caches, best of 3), by wall clock and per
  CPU-second of the process (the machine is shared: the load average is printed), against
  a baseline measured in the same run: tokenising the same documents only;
- cold start: wall time of a fresh ``tracker geoparse`` process on one document (gazetteer
  index already built);
- peak memory: max RSS of a ``tracker geoparse`` process over every document.

Usage: python -m bench.geoparse [--long] [--eval-dir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
NEWS = ("lgl", "geovirus", "trnews", "geowebnews")
TARGET_DOCS_PER_S = 300.0
TARGET_RSS_MB = 1024.0


def news_docs(eval_dir: Path) -> list[dict[str, object]]:
    docs: list[dict[str, object]] = []
    for name in NEWS:
        p = eval_dir / "geoparse" / f"{name}.jsonl"
        if p.exists():
            for line in p.open(encoding="utf-8"):
                d = json.loads(line)
                docs.append({"id": f"{name}:{d['id']}", "text": d["text"]})
    if not docs:  # no corpora here: generated wire-style text
        base = (
            "SEOUL, Oct 18 (Reuters) - North Korea has sent 1,500 special forces to Vladivostok, "
            "South Korea's spy agency said on Friday. Moscow denied the report. The troops were "
            "seen near Ussuriysk and Khabarovsk before moving west to the Kursk region. "
        )
        docs = [{"id": str(i), "text": base * 10} for i in range(500)]
    return docs


def _timed(fn: object, texts: list[str]) -> tuple[float, float]:
    """Return (wall seconds, CPU seconds of this process) to call fn on every text."""
    w0, c0 = time.perf_counter(), time.process_time()
    for t in texts:
        fn(t)  # type: ignore[operator]
    return time.perf_counter() - w0, time.process_time() - c0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    ap.add_argument("--long", action="store_true", help="5 passes instead of 3")
    a = ap.parse_args(argv)
    from tracker.gazetteer import Gazetteer
    from tracker.geoparse import Geoparser
    from tracker.geoparse.recognize import tokenize

    docs = news_docs(a.eval_dir)
    print(f"load average (1 min) at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    texts = [str(d["text"]) for d in docs]
    chars = sum(len(t) for t in texts)
    t0 = time.perf_counter()
    gp = Geoparser(Gazetteer.open())
    startup = time.perf_counter() - t0
    first, first_cpu = _timed(gp.parse, texts)  # first pass: lookup caches cold
    passes = 5 if a.long else 3
    warm = [_timed(gp.parse, texts) for _ in range(passes)]
    best, best_cpu = min(warm)
    base, base_cpu = _timed(tokenize, texts)
    n = len(texts)
    print(f"documents: {n} news articles, {chars / n:.0f} characters on average")
    print(f"in-process start-up (Gazetteer.open + Geoparser): {startup:.2f} s")
    print("throughput after start-up (docs/s; wall clock, and per CPU-second of this process,")
    print("which is what an otherwise idle core gives when other work shares the machine):")
    for label, wall, cpu in (
        ("first pass, cold lookup caches", first, first_cpu),
        (f"warm caches, best of {passes}", best, best_cpu),
        ("baseline: tokenising only", base, base_cpu),
    ):
        print(
            f"  {label:32s} {n / wall:6.0f} wall  {n / cpu:6.0f} per CPU-s"
            f"  (target {TARGET_DOCS_PER_S:.0f}: {n / wall / TARGET_DOCS_PER_S:.2f}x wall,"
            f" {n / cpu / TARGET_DOCS_PER_S:.2f}x CPU)"
        )
    print(f"geoparse costs {best_cpu / base_cpu:.1f}x tokenising (CPU time, warm)")
    cold_rate = n / first_cpu

    with tempfile.TemporaryDirectory() as tmp:
        one = Path(tmp) / "one.jsonl"
        one.write_text(json.dumps(docs[0]) + "\n", encoding="utf-8")
        allp = Path(tmp) / "all.jsonl"
        allp.write_text("".join(json.dumps(d) + "\n" for d in docs), encoding="utf-8")
        cmd = [sys.executable, "-m", "tracker", "geoparse", "--format", "jsonl"]
        env = dict(os.environ)
        t0 = time.perf_counter()
        r = subprocess.run([*cmd, str(one)], capture_output=True, text=True, env=env, check=False)
        cold = time.perf_counter() - t0
        if r.returncode != 0:
            print(f"cold run failed: {r.stderr.strip()}")
            return 1
        t0 = time.perf_counter()
        r = subprocess.run([*cmd, str(allp)], capture_output=True, text=True, env=env, check=False)
        whole = time.perf_counter() - t0
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        if r.returncode != 0:
            print(f"full run failed: {r.stderr.strip()}")
            return 1
    print(f"cold start: `tracker geoparse` on 1 document: {cold:.2f} s wall")
    print(
        f"whole set through the CLI: {whole:.1f} s wall = {len(docs) / whole:.0f} docs/s including start-up"
    )
    print(
        f"peak memory (max RSS of the CLI process): {peak_mb:.0f} MB; target {TARGET_RSS_MB:.0f} MB -> {peak_mb / TARGET_RSS_MB:.2f}x"
    )
    ok = cold_rate >= TARGET_DOCS_PER_S and peak_mb <= TARGET_RSS_MB
    print("targets met" if ok else "TARGETS NOT MET")
    return 0


if __name__ == "__main__":
    sys.exit(main())
