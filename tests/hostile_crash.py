"""Kill -9 rounds (issue 7): start a real ``tracker`` write, SIGKILL it at a random moment.

Each round copies a prepared store, starts one of three workloads as a real process
group and kills it with SIGKILL at a random point of its measured run time:

- ``import``: ``tracker import big.csv`` (one transaction for the whole file);
- ``ingest``: ``tracker ingest reports/`` (one transaction per report);
- ``edit``: a shell loop of ``tracker edit ID --count N`` (one transaction per edit).

Afterwards ``tracker check`` must pass and every transaction must be there whole or not
at all; then the interrupted work is repeated and must complete with no duplicates.
Used by tests/test_hostile_crash.py (20 rounds) and ``python -m bench.hardening --long``.
"""

from __future__ import annotations

import csv
import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

OPS = ("import", "ingest", "edit")
EDITS = 4
PLACES = ("Vladivostok", "Kursk", "Belgorod", "Khabarovsk", "Rostov-on-Don", "Novosibirsk")


@dataclass
class Workload:
    """Everything a round needs, prepared once."""

    root: Path
    base: Path  # a store holding the base events (ids base_0..)
    csv_path: Path
    csv_rows: int
    reports: Path
    base_events: int
    reference: dict[str, frozenset[str]]  # report id -> its event ids after a clean ingest
    durations: dict[str, float] = field(default_factory=dict)
    commit_at: dict[str, float] = field(default_factory=dict)  # start to first WAL write
    env: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RoundResult:
    """What one round did and found."""

    op: str
    killed_at: float
    killed: bool  # False when the process had finished before the signal
    check_ok: bool
    whole: bool  # every transaction whole or absent
    repeat_ok: bool  # the repeated work completed with no duplicates
    detail: str = ""


def tracker_cmd(*args: str) -> list[str]:
    """The argv of a real ``tracker`` process (this interpreter)."""
    return [sys.executable, "-m", "tracker", *args]


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, env=env, timeout=300)


def write_csv(path: Path, rows: int, *, prefix: str, seed: int = 7) -> None:
    """Write an events CSV of ``rows`` valid rows with ids ``<prefix>_<n>``."""
    rnd = random.Random(seed)
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "event_type", "date_start", "lon", "lat", "count", "actor",
                    "source_publisher", "evidence"])  # fmt: skip
        for i in range(rows):
            w.writerow([
                f"{prefix}_{i}", "movement",
                f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}",
                round(rnd.uniform(30, 140), 4), round(rnd.uniform(40, 60), 4),
                rnd.randint(1, 5000), f"unit {i % 50}", f"Publisher {i % 7}",
                f"row {i} of a bulk import",
            ])  # fmt: skip


def write_reports(dest: Path, n: int) -> None:
    """Write ``n`` small, distinct reports that each give events."""
    dest.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        a, b = PLACES[i % len(PLACES)], PLACES[(i + 2) % len(PLACES)]
        text = (
            f"---\ntitle: Report {i}\npublisher: Wire {i % 3}\npublished: 2024-11-0{1 + i % 9}\n---\n"
            f"About {100 + i} North Korean troops arrived in {a} on {1 + i % 27} October 2024, "
            f"officials said.\nRussian forces moved from {a} to {b} on {2 + i % 26} October 2024, "
            "the ministry said.\n"
        )
        (dest / f"report-{i:03d}.md").write_text(text, encoding="utf-8")


def _store_env(env: dict[str, str], store: Path) -> dict[str, str]:
    return {**env, "TRACKER_STORE": str(store)}


def prepare(
    root: Path, *, csv_rows: int = 5000, base_events: int = 200, reports: int = 30
) -> Workload:
    """Build the base store, the big CSV and the reports, and time each workload once."""
    root.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TRACKER_USER": "crash", "TRACKER_DATA_DIR": str(root / "data")}
    base = root / "base.gpkg"
    base_csv = root / "base.csv"
    write_csv(base_csv, base_events, prefix="base", seed=1)
    res = _run(tracker_cmd("import", str(base_csv), "--store", str(base)), env)
    assert res.returncode == 0, res.stderr
    big = root / "big.csv"
    write_csv(big, csv_rows, prefix="imp")
    write_reports(root / "reports", reports)
    w = Workload(root, base, big, csv_rows, root / "reports", base_events, {}, env=env)
    # Clean runs: the reference outcome of each workload and how long it takes.
    for op in OPS:
        store = root / f"ref-{op}.gpkg"
        shutil.copyfile(base, store)
        t0 = time.perf_counter()
        proc = subprocess.Popen(_op_argv(w, op), env=_store_env(env, store),
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)  # fmt: skip
        began = _wait_write(proc, store)
        _, err = proc.communicate()
        w.durations[op] = time.perf_counter() - t0
        w.commit_at[op] = (began - t0) if began else w.durations[op]
        assert proc.returncode == 0, err
        if op == "ingest":
            w.reference = _report_events(store)
    return w


def _op_argv(w: Workload, op: str) -> list[str]:
    if op == "import":
        return tracker_cmd("import", str(w.csv_path))
    if op == "ingest":
        return tracker_cmd("ingest", str(w.reports))
    edit = [*tracker_cmd("edit"), "{id}", "--count", "{count}", "--reason", "crash-round"]
    template = " ".join(map(_q, edit))
    loop = " ; ".join(template.format(id=f"base_{i}", count=10_000 + i) for i in range(EDITS))
    return ["sh", "-c", loop]


def _q(s: str) -> str:
    return "'" + s.replace("'", "'\\''") + "'"


def _wait_write(proc: subprocess.Popen[bytes], store: Path) -> float | None:
    """Return when ``store``'s WAL first grows (a write began), or None if ``proc`` ended."""
    wal = Path(f"{store}-wal")
    size0 = wal.stat().st_size if wal.exists() else 0
    while proc.poll() is None:
        if wal.exists() and wal.stat().st_size > size0:
            return time.perf_counter()
        time.sleep(0.002)
    return None


def _report_events(store: Path) -> dict[str, frozenset[str]]:
    con = sqlite3.connect(store)
    try:
        rows = con.execute(
            "SELECT r.id, e.id FROM reports r LEFT JOIN events e ON e.report_id = r.id "
            "WHERE r.text IS NOT NULL AND r.text != ''"
        ).fetchall()
    finally:
        con.close()
    out: dict[str, set[str]] = {}
    for rid, eid in rows:
        out.setdefault(rid, set())
        if eid:
            out[rid].add(eid)
    return {k: frozenset(v) for k, v in out.items()}


def _events(store: Path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(store)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _whole(w: Workload, op: str, store: Path) -> tuple[bool, str]:
    """Check each transaction of ``op`` is in ``store`` whole or not at all."""
    if op == "import":
        n = _events(store, "SELECT count(*) FROM events WHERE id LIKE 'imp_%'")[0][0]
        return n in (0, w.csv_rows), f"{n} of {w.csv_rows} imported rows"
    if op == "ingest":
        got = _report_events(store)
        bad = [r for r, ids in got.items() if ids != w.reference.get(r)]
        return not bad, f"{len(got)} reports, {len(bad)} partial"
    rows = _events(
        store,
        "SELECT e.id, e.count, e.revision, (SELECT count(*) FROM revisions r "
        "WHERE r.event_id = e.id) FROM events e WHERE e.id LIKE 'base_%'",
    )
    bad = []
    edited = 0
    for eid, count, rev, nrev in rows:
        i = int(str(eid).split("_")[1])
        if count == 10_000 + i:
            edited += 1
            ok = rev == 2 and nrev == 2
        else:
            ok = rev == 1 and nrev == 1
        if not ok:
            bad.append(eid)
    return not bad, f"{edited} edits applied, {len(bad)} torn"


def _repeat(w: Workload, op: str, store: Path) -> tuple[bool, str]:
    """Run the interrupted work again to completion; it must add exactly what was missing."""
    env = _store_env(w.env, store)
    res = _run(_op_argv(w, op), env)
    if res.returncode != 0 and op != "edit":
        return False, res.stderr[-300:]
    if op == "import":
        n = _events(store, "SELECT count(*), count(DISTINCT id) FROM events")[0]
        ok = n[0] == n[1] == w.base_events + w.csv_rows
        return ok, f"{n[0]} events after re-import"
    if op == "ingest":
        got = _report_events(store)
        return got == w.reference, f"{len(got)} reports after re-ingest"
    n = _events(store, "SELECT count(*) FROM events WHERE id LIKE 'base_%' AND count >= 10000")[0]
    whole, why = _whole(w, op, store)  # an edit repeated with the same value adds nothing
    return n[0] == EDITS and whole, f"{n[0]} of {EDITS} edits after re-run, {why}"


def kill_round(w: Workload, rnd: random.Random, i: int, *, cli_check: bool = True) -> RoundResult:
    """Run one round: copy the base store, start a workload, SIGKILL it, then verify."""
    op = OPS[i % len(OPS)]
    store = w.root / f"round-{i}.gpkg"
    env = _store_env(w.env, store)
    if op == "import":
        # One transaction, written to the WAL only at COMMIT after a long read: kill around
        # the commit time measured on the clean run (before it: nothing; after: all).
        frac = rnd.uniform(0.6, 1.15) * w.commit_at[op]
    else:  # one transaction per report or per edit, all along the run
        frac = rnd.uniform(0.1, 0.9) * w.durations[op]
    for _attempt in range(4):  # the run finished before the signal: again, sooner
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(w.base, store)
        proc = subprocess.Popen(
            _op_argv(w, op), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True,
        )  # fmt: skip
        t0 = time.perf_counter()
        time.sleep(frac)
        at = time.perf_counter() - t0
        killed = proc.poll() is None
        if killed:
            os.killpg(proc.pid, signal.SIGKILL)  # the group we started: shell and tracker
        proc.wait()
        if killed:
            break
        frac *= 0.6
    if cli_check:
        chk = _run(tracker_cmd("check"), env)
        check_ok = chk.returncode == 0
        detail = chk.stderr.strip()[-200:]
    else:
        from tracker.store import open_store

        with open_store(store) as st:
            problems = st.check()
        check_ok, detail = not problems, "; ".join(problems)
    whole, why = _whole(w, op, store)
    repeat_ok, rep = _repeat(w, op, store) if check_ok else (False, "not repeated")
    if repeat_ok:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{store}{suffix}").unlink(missing_ok=True)
    return RoundResult(
        op, round(at, 3), killed, check_ok, whole, repeat_ok, f"{detail} | {why} | {rep}"
    )


def main(argv: list[str]) -> int:
    """Run ``argv[0]`` rounds (default 20) in a temporary folder and print each."""
    import tempfile

    rounds = int(argv[0]) if argv else 20
    with tempfile.TemporaryDirectory(prefix="tracker-crash-") as d:
        w = prepare(Path(d))
        rnd = random.Random(20241008)
        for i in range(rounds):
            print(json.dumps(kill_round(w, rnd, i).__dict__))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
