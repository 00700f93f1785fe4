"""Throughput of the text parsers: dates, counts and report reading (issue 4's 50 MB input).

Prints MB/s for ``find_date_expressions``, ``find_counts`` and ``parse_document`` (text and
HTML) on a synthetic news-like corpus written here, each with its ratio to a baseline
measured in the same run (one ``re.findall(r"\\w+")`` tokenising pass over the same text).
``--long`` also runs the hypothesis properties of tests/test_dates.py, test_counts.py and
test_documents.py with 100,000 examples each (TRACKER_HYPOTHESIS_LONG=1).

Run: ``python -m bench.textparse [--long]``.
"""

from __future__ import annotations

import os
import random
import re
import resource
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from tracker.counts import find_counts
from tracker.dates import find_date_expressions
from tracker.documents import parse_document

ROOT = Path(__file__).resolve().parent.parent
SENTENCES = [
    "Officials in Riga said on Friday that about {n} troops had moved to the border.",
    "The ministry said between {d} and {d2} October that up to {n} soldiers crossed near Narva.",
    "A convoy of {k} trucks was seen last week, and {w} brigades were placed on alert.",
    "The agency, citing anonymous sources, said {n}-{n2} personnel arrived in early November.",
    "The statement came a day after the president said the 11th Corps had lost {k} tanks.",
    "In 2023 the army recruited more than {n} volunteers aged 18 to 25, the report said.",
    "Residents told reporters that thousands of soldiers passed through the town yesterday.",
]
WORDS = ["two", "three", "four", "five", "six"]


def corpus(size: int, seed: int = 7) -> str:
    rnd = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size:
        para = " ".join(
            rnd.choice(SENTENCES).format(
                n=f"{rnd.randint(1, 30) * 500:,}",
                n2=f"{rnd.randint(31, 60) * 500:,}",
                d=rnd.randint(1, 14),
                d2=rnd.randint(15, 28),
                k=rnd.randint(2, 99),
                w=rnd.choice(WORDS),
            )
            for _ in range(rnd.randint(2, 5))
        )
        parts.append(para)
        total += len(para) + 2
    return "\n\n".join(parts)


def timed(fn: Callable[..., object], *args: object) -> float:
    t0 = time.perf_counter()
    fn(*args)
    return time.perf_counter() - t0


def main(argv: list[str]) -> int:
    long_mode = "--long" in argv
    text = corpus(2_000_000)
    mb = len(text.encode()) / 1e6
    base = timed(re.findall, r"\w+", text)
    print(
        f"corpus: {mb:.1f} MB of synthetic news text; baseline re.findall(r'\\w+'): {mb / base:.1f} MB/s"
    )
    rows = [
        ("find_date_expressions", timed(find_date_expressions, text, date(2024, 10, 18))),
        ("find_counts", timed(find_counts, text)),
        ("parse_document (text)", timed(parse_document, text.encode())),
    ]
    html = (
        "<html><body><nav>menu</nav><article>"
        + "".join(f"<p>{p}</p><!-- c --><script>x()</script>" for p in text.split("\n\n"))
        + "</article></body></html>"
    )
    html_mb = len(html.encode()) / 1e6
    t0 = time.perf_counter()
    parse_document(html.encode(), name="bench.html", kind="html")
    t_html = time.perf_counter() - t0
    for name, secs in rows:
        print(f"{name:24s} {mb / secs:7.1f} MB/s   {secs / base:6.1f}x baseline time")
    print(f"{'parse_document (html)':24s} {html_mb / t_html:7.1f} MB/s   ({html_mb:.1f} MB page)")

    small = (text + "\n\n") * 3  # about 6 MB
    big = (text + "\n\n") * 25  # about 50 MB
    small_mb, big_mb = len(small.encode()) / 1e6, len(big.encode()) / 1e6
    t_small = min(timed(parse_document, small.encode()) for _ in range(3))
    t_big = timed(parse_document, big.encode())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"parse_document of a {big_mb:.0f} MB report: {t_big:.2f} s; per-MB time "
        f"{(t_big / big_mb) / (t_small / small_mb):.2f}x that at {small_mb:.0f} MB "
        f"(1.00 = linear); peak RSS {rss:.0f} MB"
    )
    if not long_mode:
        return 0
    print("long mode: hypothesis properties with 100,000 examples each ...", flush=True)
    env = dict(os.environ, TRACKER_HYPOTHESIS_LONG="1")
    tests = ["tests/test_dates.py", "tests/test_counts.py", "tests/test_documents.py"]
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-k", "never_crashes or fuzz or round_trip or any_bytes "
         "or weekday_is or latest_not_after", *tests],
        cwd=ROOT, env=env, check=False,
    )  # fmt: skip
    print(f"long properties: exit {proc.returncode} in {time.perf_counter() - t0:.0f} s")
    return proc.returncode
