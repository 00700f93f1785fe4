from __future__ import annotations

from tests.conftest import run_cli
from tracker import __version__


def test_version_prints_package_version() -> None:
    r = run_cli("--version")
    assert r.returncode == 0
    assert __version__ in r.stdout


def test_help_lists_examples() -> None:
    r = run_cli("--help")
    assert r.returncode == 0
    assert "Examples" in r.stdout


def test_unknown_command_is_usage_error() -> None:
    r = run_cli("no-such-command")
    assert r.returncode == 2
    assert "No such command" in r.stderr
