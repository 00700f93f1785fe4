"""Options and output helpers shared by every command module.

``format_option`` gives listing commands the same ``--format`` flag (table on a terminal,
json otherwise); ``emit_rows`` writes rows in that format to stdout with untrusted text
cleaned for the terminal; ``store_option`` is the shared ``--store``.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from tracker.textsafe import clean_terminal

F = TypeVar("F", bound=Callable[..., Any])

FORMATS = ("table", "json", "jsonl", "csv", "geojson")


def default_format() -> str:
    """Return ``table`` when stdout is a terminal, else ``json``."""
    return "table" if sys.stdout.isatty() else "json"


def format_option(choices: Sequence[str] = ("table", "json", "csv")) -> Callable[[F], F]:
    """Add ``--format`` with the given choices (default: table on a terminal, json otherwise)."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=None,
        help="Output format (default: table on a terminal, json otherwise).",
    )


def store_option(f: F) -> F:
    """Add ``--store PATH_OR_URL`` (else TRACKER_STORE, else ./tracker.gpkg)."""
    return click.option(
        "--store",
        "store",
        envvar="TRACKER_STORE",
        default="tracker.gpkg",
        show_default=True,
        help="Event store: a .gpkg file or a postgresql:// URL (env TRACKER_STORE).",
    )(f)


def echo_err(msg: str) -> None:
    """Write a message line to stderr (cleaned of control characters)."""
    click.echo(clean_terminal(msg), err=True)


def render_table(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], *, max_width: int = 40
) -> str:
    """Return rows as a plain-text table, each cell cleaned and cut to ``max_width``."""

    def cell(v: Any) -> str:
        if v is None:
            return ""
        if isinstance(v, float):
            s = f"{v:.4g}"
        elif isinstance(v, list | tuple):
            s = ",".join(str(x) for x in v)
        else:
            s = str(v)
        s = clean_terminal(s, keep_newlines=False)
        return s if len(s) <= max_width else s[: max_width - 1] + "…"

    body = [[cell(r.get(c)) for c in columns] for r in rows]
    widths = [max([len(c)] + [len(b[i]) for b in body]) for i, c in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(v.ljust(w) for v, w in zip(b, widths, strict=True)).rstrip() for b in body]
    return "\n".join(lines)


def emit_rows(rows: Iterable[dict[str, Any]], fmt: str | None, columns: Sequence[str]) -> None:
    """Write rows to stdout as table, json (a list), jsonl or csv."""
    fmt = fmt or default_format()
    out = sys.stdout
    rows = list(rows)
    if fmt == "json":
        out.write(json.dumps(rows, ensure_ascii=False, indent=2, default=str) + "\n")
    elif fmt == "jsonl":
        for r in rows:
            out.write(json.dumps(r, ensure_ascii=False, default=str) + "\n")
    elif fmt == "csv":
        w = csv.DictWriter(
            out, fieldnames=list(columns), extrasaction="ignore", lineterminator="\n"
        )
        w.writeheader()
        for r in rows:
            w.writerow({k: _csv_cell(r.get(k)) for k in columns})
    else:
        out.write(render_table(rows, columns) + "\n")


def _csv_cell(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return json.dumps(list(v), ensure_ascii=False)
    return "" if v is None else v
