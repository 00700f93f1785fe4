"""``tracker ingest``, ``tracker review`` and ``tracker rules``.

Reports in, events proposed, analyst decisions and remembered place corrections.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from tracker.cli.common import echo_err, emit_rows, format_option, store_option
from tracker.textsafe import clean_terminal

INGEST_COLUMNS = (
    "place",
    "role",
    "dates",
    "count",
    "actor",
    "claimed_by",
    "status",
    "confidence",
    "type",
    "id",
)


def _dates(e: Any) -> str:
    if e.date_start is None:
        return "unknown"
    if e.date_end is None or e.date_end == e.date_start:
        return e.date_start.isoformat()
    return f"{e.date_start.isoformat()}/{e.date_end.isoformat()}"


def _count(e: Any) -> str:
    if e.count is None and e.count_low is None and e.count_high is None:
        return ""
    q = {"about": "~", "up_to": "<=", "at_least": ">=", "more_than": ">"}.get(
        e.count_qualifier or "", ""
    )
    n = f"{e.count:,}" if e.count is not None else f"{e.count_low or 0:,}-{e.count_high or 0:,}"
    return f"{q}{n} {e.count_unit or ''}".strip()


def event_row(e: Any) -> dict[str, Any]:
    """Return the short row shown for an event by ingest and review."""
    return {
        "place": e.place_name or "(no place)",
        "role": e.role,
        "dates": _dates(e),
        "count": _count(e),
        "actor": e.actor,
        "claimed_by": e.claimed_by,
        "status": e.status,
        "confidence": e.confidence,
        "type": e.event_type,
        "id": e.id,
    }


@click.command("ingest")
@click.argument("paths", nargs=-1, required=True)
@click.option("--published", help="Publication date YYYY-MM-DD (wins over front matter).")
@click.option("--publisher", help="Outlet or issuer, e.g. 'The Guardian'.")
@click.option("--url", help="Where the report was published.")
@click.option("--retrieved", help="Date the copy was taken, YYYY-MM-DD (comments' '2 months ago').")
@click.option("--title", help="Headline (default: front matter, HTML title or first heading).")
@click.option("--language", help="Language code, e.g. en.")
@click.option(
    "--include-comments",
    is_flag=True,
    help="Also read a scraped comment thread (events tagged 'comment', credibility 6).",
)
@click.option("--by", "by", help="Who ingests (default: TRACKER_USER or the OS user).")
@store_option
@format_option(("table", "json", "jsonl", "csv"))
def ingest_cmd(
    paths: tuple[str, ...],
    published: str | None,
    publisher: str | None,
    url: str | None,
    retrieved: str | None,
    title: str | None,
    language: str | None,
    include_comments: bool,
    by: str | None,
    store: str,
    fmt: str | None,
) -> None:
    """Read reports and propose the events in them (stored as pending, for review).

    PATHS are files (.txt, .md, .html), folders of them, or - for stdin. Metadata comes
    from YAML front matter or the flags (flags win). Prints what was found; messages go to
    stderr. Exits 1 if any file failed (the others are still ingested). Ingesting the same
    report twice changes nothing.

    \b
    Example:
      tracker ingest seeds/
      tracker ingest report.txt --published 2024-10-18 --publisher "The Guardian"
      curl -s https://example.org/a | tracker ingest - --published 2024-11-04
    """
    from tracker.ingest import IngestOptions, collect_sources, ingest_sources, make_geoparser
    from tracker.settings import current_user
    from tracker.store import open_store

    sources = collect_sources(paths)
    if not sources:
        raise click.UsageError(
            f"no report files (.txt, .md, .html) found in {', '.join(paths)}; give files or a folder with reports."
        )
    stdin = sys.stdin.buffer.read() if "-" in sources else None
    options = IngestOptions(
        published=published,
        publisher=publisher,
        url=url,
        retrieved=retrieved,
        title=title,
        language=language,
        include_comments=include_comments,
        by=by or current_user(),
    )
    rows: list[dict[str, Any]] = []
    failed = 0

    def report(r: Any) -> None:
        nonlocal failed
        if r.error:
            failed += 1
            echo_err(f"Error: {r.error}")
            return
        for w in r.warnings:
            echo_err(f"Warning: {r.source}: {w}")
        state = "new report" if r.new_report else "report already stored"
        echo_err(f"{r.source}: {len(r.events)} events proposed, {r.added} added ({state})")
        for e in r.events:
            rows.append({"file": r.source, **event_row(e)})

    with open_store(store, create=True) as st:
        gp = make_geoparser(st)
        ingest_sources(sources, st, gp, options, stdin=stdin, on_result=report)
    emit_rows(rows, fmt, ("file", *INGEST_COLUMNS) if len(sources) > 1 else INGEST_COLUMNS)
    if failed:
        if failed == len(sources):
            echo_err(f"{failed} of {len(sources)} files failed; nothing was ingested.")
        else:
            echo_err(f"{failed} of {len(sources)} files failed; the others were ingested.")
        sys.exit(1)


def register(cli: click.Group) -> None:
    """Add ``ingest``, ``review`` and ``rules`` to the root command group."""
    from tracker.cli.review import review_cmd, rules_group

    cli.add_command(ingest_cmd)
    cli.add_command(review_cmd)
    cli.add_command(rules_group)


__all__ = ["INGEST_COLUMNS", "clean_terminal", "event_row", "register"]
