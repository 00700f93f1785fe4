"""Corroboration commands: cluster (propose links), link and unlink by hand (issue 8).

Links are records of their own (who, when, why, method, score); unlinking keeps them as
history. The events they join are never edited. ``tracker show`` and ``tracker query
--collapse`` display the resulting happenings.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from tracker.cli.common import echo_err, store_option
from tracker.cli.events import (
    build_filter_from_options,
    current_by,
    filter_options,
    open_cli_store,
)
from tracker.textsafe import clean_terminal

HELD_BACK_SHOWN = 20


def _link_dict(ln: Any) -> dict[str, Any]:
    return {
        k: getattr(ln, k)
        for k in (
            "id",
            "event_a",
            "event_b",
            "reason",
            "method",
            "score",
            "created_by",
            "created_at",
            "active",
            "removed_by",
            "removed_at",
            "removed_reason",
        )
    }


@click.command("cluster")
@filter_options
@click.option("--dry-run", is_flag=True, help="Only show the proposals; write no link.")
@click.option(
    "--threshold",
    type=click.FloatRange(0.0, 1.0),
    default=None,
    help="Minimum score of a proposal (default 0.6).",
)
@click.option("--by", help="Who runs it (default TRACKER_USER or the OS user).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default=None,
    help="Output format (default: text on a terminal, json otherwise).",
)
@store_option
def cluster_cmd(
    dry_run: bool,
    threshold: float | None,
    by: str | None,
    fmt: str | None,
    store: str,
    **kw: Any,
) -> None:
    """Propose links between events that describe one happening, each with a score and why.

    Evidence: overlapping dates (given their precision), the same or nested place, a
    compatible actor, event type, formation and unit of count, and figures within a
    plausible range. Links already made are kept; pairs unlinked by hand are never
    proposed again. Without --dry-run the proposals are stored as links (method
    "cluster 1"), all in one transaction; undo one with `tracker unlink`.

    \b
    Examples:
      tracker cluster --dry-run
      tracker cluster --actor "north korean" --from 2024-10-01 --to 2024-12-31
    """
    from tracker.cluster import THRESHOLD, cluster_store

    flt = build_filter_from_options(store=store, **kw)
    with open_cli_store(store) as st:
        run, written = cluster_store(
            st,
            flt,
            dry_run=dry_run,
            by=current_by(by),
            threshold=THRESHOLD if threshold is None else threshold,
        )
    fmt = fmt or ("text" if sys.stdout.isatty() else "json")
    if fmt == "json":
        doc = {
            "dry_run": dry_run,
            "events": run.events,
            "pairs_compared": run.compared,
            "proposals": [
                {
                    "event_a": p.event_a,
                    "event_b": p.event_b,
                    "score": p.score,
                    "same_report": p.same_report,
                    "reasons": list(p.reasons),
                }
                for p in run.proposals
            ],
            "links_written": [ln.id for ln in written],
            "held_back": [
                {"event_a": h.event_a, "event_b": h.event_b, "score": h.score, "reason": h.reason}
                for h in run.held_back
            ],
        }
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        lines = []
        for p in run.proposals:
            lines.append(f"{p.event_a} ~ {p.event_b}  score {p.score:.2f}")
            lines.extend(f"    {r}" for r in p.reasons)
        if run.held_back:
            lines.append(f"held back ({len(run.held_back)}):")
            for h in run.held_back[:HELD_BACK_SHOWN]:
                lines.append(f"  {h.event_a} ~ {h.event_b}  score {h.score:.2f}: {h.reason}")
            if len(run.held_back) > HELD_BACK_SHOWN:
                lines.append(f"  ... {len(run.held_back) - HELD_BACK_SHOWN} more (--format json)")
        if lines:
            click.echo(clean_terminal("\n".join(lines)))
    done = "nothing written (dry run)" if dry_run else f"{len(written)} link(s) written"
    echo_err(
        f"{run.events} event(s), {run.compared} pair(s) compared: "
        f"{len(run.proposals)} proposal(s), {len(run.held_back)} held back; {done}"
    )


@click.command("link")
@click.argument("event_a")
@click.argument("event_b")
@click.option("--reason", required=True, help="Why these events describe one happening.")
@click.option("--by", help="Who links them (default TRACKER_USER or the OS user).")
@store_option
def link_cmd(event_a: str, event_b: str, reason: str, by: str | None, store: str) -> None:
    """Link two events by hand: they describe one happening (the events stay as they are).

    Prints the link as JSON. Linking a pair that is already linked changes nothing.

    \b
    Example:
      tracker link evt_1a2b evt_3c4d --reason "same arrival at Vladivostok"
    """
    from tracker.cluster import link_events

    with open_cli_store(store) as st:
        ln = link_events(st, event_a, event_b, reason=reason, by=current_by(by))
    click.echo(json.dumps(_link_dict(ln), ensure_ascii=False, indent=2))
    echo_err(f"linked {ln.event_a} ~ {ln.event_b} ({ln.id})")


@click.command("unlink")
@click.argument("event_a")
@click.argument("event_b", required=False)
@click.option("--reason", required=True, help="Why the link was wrong.")
@click.option("--by", help="Who unlinks (default TRACKER_USER or the OS user).")
@store_option
def unlink_cmd(event_a: str, event_b: str | None, reason: str, by: str | None, store: str) -> None:
    """Remove the link between two events, or every link of one event.

    The link is kept as history (who removed it, when, why), and `tracker cluster` will
    not propose that pair again.

    \b
    Examples:
      tracker unlink evt_1a2b evt_3c4d --reason "different batches"
      tracker unlink evt_1a2b --reason "a separate happening"
    """
    from tracker.cluster import unlink_events

    with open_cli_store(store) as st:
        removed = unlink_events(st, event_a, event_b, reason=reason, by=current_by(by))
    click.echo(json.dumps([_link_dict(ln) for ln in removed], ensure_ascii=False, indent=2))
    echo_err(f"{len(removed)} link(s) removed")


# ---------------------------------------------------------------- for `show` and `query`

COLLAPSE_COLUMNS = (
    "happening",
    "date_start",
    "date_end",
    "places",
    "event_types",
    "sources",
    "figures",
    "status",
)


def happening_json(detail: Any) -> dict[str, Any]:
    """Return the happening of ``tracker show --format json``: every linked report and link."""
    return detail.happening.to_row() | {
        "linked_reports": detail.report_rows(),
        "links": detail.link_rows(),
    }


def happening_lines(detail: Any) -> list[str]:
    """Return the text lines ``tracker show`` adds for an event's happening.

    Lists every linked report (outlet, date, claimant, figure as claimed, status) and the
    figures side by side per claimant; the caller cleans them for the terminal.
    """
    h = detail.happening
    lines = [
        f"happening {h.id}: {h.to_row()['sources']}, {len(h.event_ids)} events",
        f"  status   {h.status} ({h.status_summary})",
    ]
    if h.figures:
        lines.append(f"  figures  {h.figures_text}")
    lines.append("  linked reports:")
    for r in detail.report_rows():
        parts = [
            r["event"],
            r["source"] or "?",
            r["published"] or "",
            r["claimed_by"] or "",
            r["figure"] or "",
            r["status"],
            r["place"] or "",
            r["dates"] or "",
        ]
        lines.append("    " + " | ".join(str(p) for p in parts))
    return lines


def collapse_rows(store: Any, flt: Any) -> list[dict[str, Any]]:
    """Return one row per happening for ``tracker query --collapse``."""
    from tracker.cluster import collapse_store

    return [h.to_row() for h in collapse_store(store, flt)]


def register(cli: click.Group) -> None:
    """Add cluster, link and unlink to the root group."""
    for cmd in (cluster_cmd, link_cmd, unlink_cmd):
        cli.add_command(cmd)
