"""``tracker import`` and ``tracker export``: event files in and out (registered by events)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from tracker.cli.common import echo_err, store_option
from tracker.cli.events import build_filter_from_options, current_by, filter_options, open_cli_store

PROGRESS_MIN = 5000


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--skip-invalid", is_flag=True, help="Import the valid rows, report the bad ones.")
@click.option("--by", help="Who imports (default TRACKER_USER or the OS user).")
@store_option
def import_cmd(file: Path, skip_invalid: bool, by: str | None, store: str) -> None:
    """Add events from a CSV or GeoJSON file, with the same validation as `tracker add`.

    CSV columns are event field names (as `tracker export --format csv` writes them);
    GeoJSON is a FeatureCollection of points with the fields as properties. Rows with an
    `id` already in the store are skipped, so re-importing a file adds nothing. One bad
    row stops the whole import (each is listed with its line) unless --skip-invalid.

    \b
    Example:
      tracker import events.csv
      tracker import events.geojson --skip-invalid
    """
    from tracker.exchange_stream import open_import

    # The file is opened first: a missing or malformed file creates no store. A big file
    # goes to a worker process that reads it while this one writes the store (two cores).
    with (
        open_import(file, pipeline=None, progress_min=PROGRESS_MIN) as src,
        open_cli_store(store, create=True) as st,
    ):
        reason = f"import {file.name}"
        if src.large:
            with click.progressbar(
                length=src.total, label=f"importing {file.name}", file=sys.stderr
            ) as bar:
                res = src.run(
                    st,
                    by=current_by(by),
                    reason=reason,
                    skip_invalid=skip_invalid,
                    on_progress=bar.update,
                )
        else:
            res = src.run(st, by=current_by(by), reason=reason, skip_invalid=skip_invalid)
    if res.problems and skip_invalid:
        for p in res.problems:
            echo_err(f"skipped {file}: {p}")
    echo_err(
        f"{file}: {res.rows} row(s): {res.added} added, {res.already_present} already present, "
        f"{res.invalid} invalid"
    )


@click.command("export")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["geojson", "csv", "kml", "gpkg"]),
    required=True,
    help="geojson (RFC 7946), csv (re-importable), kml (2.2) or gpkg (a tracker store).",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (stdout when omitted; required for gpkg).",
)
@filter_options
@store_option
def export_cmd(fmt: str, output: Path | None, store: str, **kw: Any) -> None:
    """Export events (any query filters) with schema version, tracker version and snapshot id.

    \b
    Example:
      tracker export --format geojson -o events.geojson --region Siberia
      tracker export --format csv -o all.csv --include-deleted
    """
    from tracker.exchange import export_events

    flt = build_filter_from_options(store=store, **kw)
    with open_cli_store(store) as st:
        events = st.query(flt)
        n = export_events(st, events, fmt, output, sys.stdout)
    echo_err(f"exported {n} event(s) as {fmt}" + (f" to {output}" if output else ""))
