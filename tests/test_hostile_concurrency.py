"""Concurrency (issue 7): several processes ingest, import, edit and query one store at once.

Real processes start together (a file barrier): two `tracker ingest` runs over
overlapping report folders, two `tracker import` runs of the same CSV, two editors
changing disjoint events many times each, and a reader querying throughout. Afterwards
nothing is lost or doubled: every report holds exactly the events a quiet, sequential
ingest gives, every CSV row is there once, every edit is applied with its revision, the
reader never saw the store go backwards, and `tracker check` passes. The same runs on
SQLite (WAL, busy timeout) and PostGIS (test_postgis.py covers 8 parallel adders and
racing edits of one event; this adds the mixed workload through the CLI).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, run_cli
from tests.hostile_crash import tracker_cmd, write_csv, write_reports
from tracker.store import open_store

EDITS = 15  # edits per event
PER_EDITOR = 6  # events per editor

_EDITOR = r"""
import sys, time
from pathlib import Path
from tracker.errors import StoreBusyError
from tracker.store import open_store
url, k, go = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
while not go.exists():
    time.sleep(0.01)
retries = 0
with open_store(url) as st:
    for v in range(1, EDITS + 1):
        for i in range(k * PER_EDITOR, (k + 1) * PER_EDITOR):
            while True:
                try:
                    st.edit_event(f"base_{i}", {"count": 100000 + v}, reason=f"edit {v}", by=f"e{k}")
                    break
                except StoreBusyError:
                    retries += 1
                    time.sleep(0.05)
print(retries)
""".replace("EDITS", str(EDITS)).replace("PER_EDITOR", str(PER_EDITOR))

_READER = r"""
import sys, time
from pathlib import Path
from tracker.store import open_store
url, go, stop = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
while not go.exists():
    time.sleep(0.01)
seen, queries = 0, 0
with open_store(url) as st:
    while not stop.exists():
        n = len(st.query_ids())
        assert n >= seen, f"the store went backwards: {n} after {seen}"
        seen, queries = n, queries + 1
print(queries)
"""


def _wait_go(cmd: list[str], go: Path) -> list[str]:
    """Wrap a CLI argv so it starts when the barrier file appears."""
    wait = f'while [ ! -e {go} ]; do sleep 0.01; done; exec "$@"'
    return ["sh", "-c", wait, "sh", *cmd]


def _report_events(url: str) -> dict[str, set[str]]:
    with open_store(url) as st:
        out: dict[str, set[str]] = {r.id: set() for r in st.list_reports() if r.text}
        for ev in st.query(_all()):
            if ev.report_id in out:
                out[ev.report_id].add(ev.id)
    return out


def _all() -> Any:
    from tracker.model import EventFilter

    return EventFilter(review_states=("pending", "accepted", "rejected"), include_deleted=True)


def _run_mixed(url: str, tmp_path: Path) -> None:
    env = {**os.environ, "TRACKER_USER": "conc", "TRACKER_DATA_DIR": str(tmp_path / "data")}
    env["PYTHONPATH"] = str(ROOT)
    base = tmp_path / "base.csv"
    write_csv(base, 2 * PER_EDITOR, prefix="base", seed=3)
    assert run_cli("import", str(base), "--store", url, env=env).returncode == 0
    reports = tmp_path / "reports"
    write_reports(reports, 24)
    halves = [tmp_path / "r1", tmp_path / "r2"]
    for h in halves:
        h.mkdir()
    for i, p in enumerate(sorted(reports.iterdir())):
        for j, h in enumerate(halves):  # 0..15 and 8..23: the middle third is in both
            if (j == 0 and i < 16) or (j == 1 and i >= 8):
                shutil.copy(p, h / p.name)
    big = tmp_path / "big.csv"
    write_csv(big, 3000, prefix="imp")
    # The reference: the same reports ingested alone, one after the other.
    ref_store = str(tmp_path / "ref.gpkg")
    assert run_cli("ingest", str(reports), "--store", ref_store, env=env).returncode == 0
    reference = _report_events(ref_store)

    go, stop = tmp_path / "go", tmp_path / "stop"
    senv = {**env, "TRACKER_STORE": url}
    procs: dict[str, subprocess.Popen[str]] = {}
    for j, h in enumerate(halves):
        procs[f"ingest{j}"] = subprocess.Popen(
            _wait_go(tracker_cmd("ingest", str(h)), go), env=senv, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        procs[f"import{j}"] = subprocess.Popen(
            _wait_go(tracker_cmd("import", str(big)), go), env=senv, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
        procs[f"edit{j}"] = subprocess.Popen(
            [sys.executable, "-c", _EDITOR, url, str(j), str(go)], env=senv, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        )  # fmt: skip
    reader = subprocess.Popen(
        [sys.executable, "-c", _READER, url, str(go), str(stop)], env=senv, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    time.sleep(0.3)
    go.write_text("go")
    outs = {name: p.communicate(timeout=240) for name, p in procs.items()}
    stop.write_text("stop")
    r_out, r_err = reader.communicate(timeout=60)
    for name, p in procs.items():
        assert p.returncode == 0, (name, outs[name][1][-2000:])
        assert "Traceback" not in outs[name][1]
    assert reader.returncode == 0, r_err[-2000:]
    assert int(r_out.strip()) > 0

    # Nothing lost, nothing doubled.
    got = _report_events(url)
    assert {k: got.get(k) for k in reference} == reference
    for k in set(got) - set(reference):  # the CSV rows' citation reports
        assert all(e.startswith(("imp_", "base_")) for e in got[k])
    with open_store(url) as st:
        ids = st.query_ids(_all())
        assert len(ids) == len(set(ids))
        imported = [i for i in ids if i.startswith("imp_")]
        assert len(imported) == 3000
        for i in range(2 * PER_EDITOR):
            ev = st.get_event(f"base_{i}")
            assert ev.count == 100000 + EDITS and ev.revision == 1 + EDITS
            assert len(st.history(ev.id)) == 1 + EDITS
        assert st.check() == []
    check = run_cli("check", "--store", url, env=env)
    assert check.returncode == 0, check.stderr


def test_mixed_processes_on_sqlite_lose_nothing(tmp_path: Path) -> None:
    store = tmp_path / "shared.gpkg"
    _run_mixed(str(store), tmp_path)
    con = sqlite3.connect(store)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


@pytest.mark.postgis
def test_mixed_processes_on_postgis_lose_nothing(postgis_url: str, tmp_path: Path) -> None:
    with open_store(postgis_url, create=True):
        pass
    _run_mixed(postgis_url, tmp_path)
