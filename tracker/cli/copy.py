"""``tracker copy SRC DST``: move a store between GeoPackage files and PostGIS, verified."""

from __future__ import annotations

import click

from tracker.cli.common import echo_err


@click.command("copy")
@click.argument("src")
@click.argument("dst")
def copy_cmd(src: str, dst: str) -> None:
    """Copy the store SRC into DST (a .gpkg path or postgresql:// URL each), losslessly.

    Everything travels: reports with their text, events with every field, the full
    revision history, links, place rules and the store's uid (so snapshot ids stay the
    same). DST is created when missing and must be empty or an earlier copy of SRC;
    re-running adds only what is new. Before DST commits, row counts and content hashes
    of every table are compared with SRC; any difference rolls the copy back.

    Give passwords through PGPASSWORD or ~/.pgpass (PGPASSFILE), not in the URL.

    \b
    Example:
      tracker copy tracker.gpkg postgresql://tracker@db.example/tracker
      tracker copy postgresql://tracker@db.example/tracker backup.gpkg
    """
    from tracker.store.copy import copy_store

    result = copy_store(src, dst)
    for note in result.notes:
        echo_err(f"note: {note}")
    added = (
        ", ".join(f"{n} {t}" for t, n in result.added.items() if n and t != "meta") or "nothing new"
    )
    updated = ", ".join(f"{n} {t}" for t, n in result.updated.items() if n and t != "meta")
    echo_err(
        f"copied {result.src} -> {result.dst}: added {added}"
        + (f"; brought forward {updated}" if updated else "")
    )
    counts = ", ".join(f"{t} {n}" for t, n in result.counts.items())
    echo_err(f"verified: counts and content hashes equal ({counts})")


def register(cli: click.Group) -> None:
    """Add ``tracker copy`` to the root group."""
    cli.add_command(copy_cmd)
