"""Store administration: ``tracker check`` (integrity) and ``tracker backup`` (online copy)."""

from __future__ import annotations

from pathlib import Path

import click

from tracker.cli.common import echo_err, store_option
from tracker.cli.events import open_cli_store


@click.command("check")
@store_option
def check_cmd(store: str) -> None:
    """Check the store: SQLite integrity, spatial indexes vs. table, complete revision history.

    Exits 1 and lists every problem when the store is not sound.

    \b
    Example:
      tracker check --store tracker.gpkg
    """
    with open_cli_store(store) as st:
        problems = st.check()
        n = st.count_events(include_deleted=True)
        version = st.schema_version()
        where = st.location  # never the raw --store: a URL may carry a password
    if problems:
        for p in problems:
            echo_err(f"problem: {p}")
        raise click.ClickException(f"{where}: {len(problems)} problem(s) found")
    echo_err(f"{where}: ok (schema {version}, {n} events, indexes and history consistent)")


@click.command("backup")
@click.argument("dest", type=click.Path(dir_okay=False, path_type=Path))
@store_option
def backup_cmd(dest: Path, store: str) -> None:
    """Copy a live store to DEST consistently (SQLite online backup), then check the copy.

    \b
    Example:
      tracker backup backups/tracker-2024-11-01.gpkg
    """
    with open_cli_store(store) as st:
        if not hasattr(st, "backup"):
            raise click.ClickException(
                "backup works on .gpkg stores; for PostGIS use `tracker copy URL FILE.gpkg`"
            )
        out = st.backup(dest)
    with open_cli_store(str(out)) as copy:
        problems = copy.check()
        n = copy.count_events(include_deleted=True)
    if problems:
        raise click.ClickException(f"backup {out} failed its check: {'; '.join(problems)}")
    echo_err(f"backed up {store} to {out} ({n} events, check ok)")


def register(cli: click.Group) -> None:
    """Add the admin commands to the root group."""
    cli.add_command(check_cmd)
    cli.add_command(backup_cmd)
