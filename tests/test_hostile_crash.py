"""Crash safety (issue 7): SIGKILL real `tracker` writes, full disks and read-only stores.

Kill rounds come from tests/hostile_crash.py: 20 here (a big CSV import, a folder ingest
and a run of edits, killed at random points), TRACKER_HYPOTHESIS_LONG=1 or
``python -m bench.hardening --long`` runs 200. After each kill `tracker check` passes,
every transaction is whole or absent, and repeating the work adds exactly what is missing.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_cli
from tests.hostile_crash import OPS, Workload, kill_round, prepare, write_csv
from tracker.errors import StoreFullError
from tracker.exchange import import_events, read_events_file
from tracker.store import open_store

LONG = os.environ.get("TRACKER_HYPOTHESIS_LONG", "") not in ("", "0")
ROUNDS = 200 if LONG else 20


@pytest.fixture(scope="module")
def workload(tmp_path_factory: pytest.TempPathFactory) -> Workload:
    return prepare(tmp_path_factory.mktemp("crash"), csv_rows=20_000 if LONG else 3000)


def test_kill_rounds_leave_a_sound_store(workload: Workload) -> None:
    rnd = random.Random(20241008)
    results = [kill_round(workload, rnd, i, cli_check=i % 3 == 0) for i in range(ROUNDS)]
    bad = [r for r in results if not (r.check_ok and r.whole and r.repeat_ok)]
    assert not bad, bad
    killed = [r for r in results if r.killed]
    # The signal really lands mid-run (a round that finished first proves less).
    assert len(killed) >= ROUNDS * 0.9, results
    assert {r.op for r in killed} == set(OPS)


def _mount_tmpfs(path: Path, size: str) -> bool:
    """Mount a small tmpfs at ``path`` when allowed (root); False otherwise."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    path.mkdir(exist_ok=True)
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True
    )
    return res.returncode == 0


@contextlib.contextmanager
def tmpfs(path: Path, size: str) -> Iterator[bool]:
    mounted = _mount_tmpfs(path, size)
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", str(path)], check=True)


def test_full_disk_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    big = tmp_path / "big.csv"
    write_csv(big, 8000, prefix="full")  # about 5 MB of store
    # The size limit of the database itself (PRAGMA max_page_count), through the library.
    store_path = tmp_path / "limited.gpkg"
    with open_store(store_path, create=True) as st:
        pages = st.con.execute("PRAGMA page_count").fetchone()[0]  # type: ignore[attr-defined]
        st.con.execute(f"PRAGMA max_page_count = {pages + 50}")  # type: ignore[attr-defined]
        with pytest.raises(StoreFullError, match="nothing was written"):
            import_events(st, read_events_file(big), by="t")
        assert st.count_events(include_deleted=True) == 0
        assert st.check() == []
    # A full file system, through the CLI (a 3 MB tmpfs when this runs as root).
    with tmpfs(tmp_path / "small", "3m") as mounted:
        if not mounted:
            pytest.skip("mounting a small tmpfs needs root; the max_page_count case ran")
        store = tmp_path / "small" / "t.gpkg"
        assert run_cli("init", "--store", str(store)).returncode == 0
        res = run_cli("import", str(big), "--store", str(store))
        assert res.returncode == 1 and "Traceback" not in res.stderr
        assert "full" in res.stderr and "nothing was written" in res.stderr
        check = run_cli("check", "--store", str(store))
        assert check.returncode == 0, check.stderr
        assert "0 events" in check.stderr


def test_read_only_store_is_a_clear_error_and_writes_nothing(tmp_path: Path) -> None:
    src = tmp_path / "src.csv"
    write_csv(src, 20, prefix="ro")
    store = tmp_path / "ro" / "t.gpkg"
    with tmpfs(tmp_path / "ro", "20m") as mounted:
        if not mounted:  # not root: file permissions make it read-only
            store.parent.mkdir(exist_ok=True)
        assert run_cli("import", str(src), "--store", str(store)).returncode == 0
        before = store.read_bytes()
        if mounted:
            subprocess.run(["mount", "-o", "remount,ro", str(store.parent)], check=True)
        else:
            store.chmod(0o444)
            store.parent.chmod(0o555)
        try:
            for args in (
                ("edit", "ro_1", "--count", "5", "--reason", "x"),
                ("import", str(src)),
                ("delete", "ro_2", "--reason", "x"),
            ):
                res = run_cli(*args, "--store", str(store))
                assert res.returncode == 1, res
                assert "Traceback" not in res.stderr
                assert "read-only" in res.stderr, res.stderr
            # Reading still works: query, show, check and map need no -wal/-shm files.
            res = run_cli("query", "--format", "csv", "--store", str(store))
            assert res.returncode == 0, res.stderr
            assert len([ln for ln in res.stdout.splitlines() if ln.startswith("ro_")]) == 20
            assert run_cli("show", "ro_1", "--store", str(store)).returncode == 0
            assert run_cli("check", "--store", str(store)).returncode == 0
            out = tmp_path / "ro-map.html"
            res = run_cli("map", "--tiles", "none", "-o", str(out), "--store", str(store))
            assert res.returncode == 0 and out.stat().st_size > 0, res.stderr
        finally:
            if not mounted:
                store.parent.chmod(0o755)
        assert store.read_bytes() == before
