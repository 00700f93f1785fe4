"""Backups of a live store (issue 7): consistent while another process writes.

A writer process imports several CSV files one after the other (one transaction each)
and edits events; meanwhile `tracker backup` (SQLite online backup) or `tracker copy`
(PostGIS to a .gpkg file) takes copies. Each copy must pass `tracker check` and hold
each import whole or not at all: a consistent snapshot, never a torn one.
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.hostile_crash import tracker_cmd, write_csv

FILES = 6
ROWS = 1500


def _writer(store: str, tmp_path: Path, env: dict[str, str]) -> subprocess.Popen[str]:
    """Start a shell that imports FILES CSVs in turn (each one transaction)."""
    paths = []
    for k in range(FILES):
        p = tmp_path / f"part{k}.csv"
        write_csv(p, ROWS, prefix=f"p{k}", seed=k)
        paths.append(p)
    script = " && ".join(
        " ".join(f"'{a}'" for a in tracker_cmd("import", str(p), "--store", store)) for p in paths
    )
    return subprocess.Popen(
        ["sh", "-c", script], env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def _assert_consistent(copy: Path, env: dict[str, str]) -> int:
    """The copy passes `tracker check` and holds each import whole or not at all."""
    check = run_cli("check", "--store", str(copy), env=env)
    assert check.returncode == 0, check.stderr
    con = sqlite3.connect(copy)
    try:
        per = [
            con.execute("SELECT count(*) FROM events WHERE id LIKE ?", (f"p{k}_%",)).fetchone()[0]
            for k in range(FILES)
        ]
        # One snapshot: no revision without its event, no event without its report.
        orphans = con.execute(
            "SELECT (SELECT count(*) FROM revisions r WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.id = r.event_id)), "
            "(SELECT count(*) FROM events e WHERE e.report_id IS NOT NULL AND NOT EXISTS "
            "(SELECT 1 FROM reports p WHERE p.id = e.report_id))"
        ).fetchone()
    finally:
        con.close()
    assert orphans == (0, 0), f"torn copy: {orphans[0]} orphan revisions, {orphans[1]} events"
    assert all(n in (0, ROWS) for n in per), per
    return sum(1 for n in per if n)


def _copies_while_writing(
    store: str, tmp_path: Path, env: dict[str, str], copy_args: list[str]
) -> list[int]:
    writer = _writer(store, tmp_path, env)
    seen = []
    i = 0
    try:
        while writer.poll() is None and i < 12:
            dest = tmp_path / f"copy-{i}.gpkg"
            res = run_cli(*[a.replace("DEST", str(dest)) for a in copy_args], env=env)
            assert res.returncode == 0, res.stderr
            assert "Traceback" not in res.stderr
            seen.append(_assert_consistent(dest, env))
            i += 1
            time.sleep(0.1)
    finally:
        _out, err = writer.communicate(timeout=300)
    assert writer.returncode == 0, err
    return seen


def test_backup_of_a_live_sqlite_store_is_consistent(tmp_path: Path) -> None:
    env = {**os.environ, "TRACKER_USER": "b", "TRACKER_DATA_DIR": str(tmp_path / "data")}
    store = str(tmp_path / "live.gpkg")
    assert run_cli("init", "--store", store, env=env).returncode == 0
    seen = _copies_while_writing(store, tmp_path, env, ["backup", "DEST", "--store", store])
    assert len(set(seen)) >= 2, seen  # the copies caught the writer at different points
    # A backup refuses to overwrite, clearly.
    again = run_cli("backup", str(tmp_path / "copy-0.gpkg"), "--store", store, env=env)
    assert again.returncode == 1 and "exists" in again.stderr
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.postgis
def test_copy_of_a_live_postgis_store_is_consistent(postgis_url: str, tmp_path: Path) -> None:
    env = {**os.environ, "TRACKER_USER": "b", "TRACKER_DATA_DIR": str(tmp_path / "data")}
    assert run_cli("init", "--store", postgis_url, env=env).returncode == 0
    seen = _copies_while_writing(postgis_url, tmp_path, env, ["copy", postgis_url, "DEST"])
    assert len(set(seen)) >= 2, seen
