"""``tracker geoparse``: find and resolve place names in a JSONL file of documents."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import IO, Any

import click

from tracker.cli.common import echo_err, render_table, store_option
from tracker.errors import ValidationError

DEFAULT_KINDS = ("place", "demonym", "metonym", "embedded")
ALL_KINDS = ("place", "demonym", "metonym", "embedded", "person")
TABLE_COLUMNS = ("id", "start", "end", "name", "kind", "place_id", "lat", "lon", "score")


def register(cli: click.Group) -> None:
    """Add the ``geoparse`` command to the root group."""
    cli.add_command(geoparse_cmd)


def _read_docs(stream: IO[bytes]) -> Iterator[tuple[int, dict[str, Any] | None, str | None]]:
    """Yield (line number, document or None, problem or None) for each non-blank line."""
    for lineno, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as err:
            yield lineno, None, f"not UTF-8 ({err.reason} at byte {err.start})"
            continue
        try:
            doc = json.loads(line)
        except json.JSONDecodeError as err:
            yield lineno, None, f"not JSON ({err.msg} at column {err.colno})"
            continue
        if not isinstance(doc, dict):
            yield lineno, None, f"expected a JSON object, got {type(doc).__name__}"
            continue
        text = doc.get("text")
        if not isinstance(text, str):
            yield lineno, None, 'missing or non-string "text" field'
            continue
        doc_id = doc.get("id", lineno)  # a line without an id is named by its line number
        if not isinstance(doc_id, str | int) or isinstance(doc_id, bool):
            yield lineno, None, '"id" must be a string or an integer'
            continue
        yield lineno, {**doc, "id": doc_id}, None


@click.command("geoparse")
@click.argument("source", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["jsonl", "json", "table"]),
    default=None,
    help="Output format (default: table on a terminal, jsonl otherwise).",
)
@click.option(
    "--kinds",
    default=",".join(DEFAULT_KINDS),
    show_default=True,
    help="Comma-separated toponym kinds to output: place, demonym, metonym, embedded, person.",
)
@click.option(
    "--country",
    "countries",
    multiple=True,
    metavar="CC",
    help="ISO country code the documents are about (favours namesakes there); repeatable.",
)
@click.option(
    "--rules/--no-rules",
    default=False,
    help="Apply the place corrections remembered in the store (see --store).",
)
@store_option
def geoparse_cmd(
    source: str, fmt: str | None, kinds: str, countries: tuple[str, ...], rules: bool, store: str
) -> None:
    """Find place names in documents and resolve them with the offline gazetteer.

    SOURCE is a JSONL file (or - for stdin) with one {"id", "text"} object per line. Each
    output line is {"id", "toponyms": [{"start", "end", "name", "kind", "lat", "lon",
    "geonameid", "place_id", "score"}]}. Kinds: place (a location), demonym ("Russian",
    resolved to its country), metonym ("Moscow denied": a government), embedded (inside
    an organisation name: "New York Times"), person (not output unless asked). Bad lines
    are reported on stderr with their line number; the others are still parsed, and the
    exit code is 1.

    \b
    Example:
      tracker geoparse docs.jsonl --format jsonl > places.jsonl
      echo '{"id": "a", "text": "Troops left Wonsan for Vladivostok."}' | tracker geoparse -
    """
    from tracker.gazetteer import Gazetteer
    from tracker.geoparse import Geoparser

    wanted = {k.strip() for k in kinds.split(",") if k.strip()}
    unknown = wanted - set(ALL_KINDS)
    if unknown or not wanted:
        msg = f"--kinds: unknown kind(s) {sorted(unknown)}; choose from {', '.join(ALL_KINDS)}"
        raise click.UsageError(msg)
    ccs = tuple(c.upper() for c in countries)
    for c in ccs:
        if len(c) != 2 or not c.isalpha():
            msg = f"--country {c!r}: expected a two-letter ISO 3166-1 code such as RU or KP"
            raise click.UsageError(msg)
    place_rules = []
    if rules:
        from tracker.store import open_store

        with open_store(store) as st:
            place_rules = st.list_place_rules()
    gp = Geoparser(Gazetteer.open(), rules=place_rules)
    fmt = fmt or ("table" if sys.stdout.isatty() else "jsonl")
    stream = sys.stdin.buffer if source == "-" else _open(source)
    bad = 0
    collected: list[dict[str, Any]] = []
    out = sys.stdout
    try:
        for lineno, doc, problem in _read_docs(stream):
            if doc is None:
                bad += 1
                echo_err(f"{source}: line {lineno}: {problem}; skipped")
                continue
            tops = gp.parse(doc["text"], context_countries=ccs)
            rec = {"id": doc["id"], "toponyms": [t.to_dict() for t in tops if t.kind in wanted]}
            if fmt == "jsonl":
                out.write(json.dumps(rec, ensure_ascii=False) + "\n")
            else:
                collected.append(rec)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
    if fmt == "json":
        out.write(json.dumps(collected, ensure_ascii=False, indent=2) + "\n")
    elif fmt == "table":
        rows = [{"id": r["id"], **t} for r in collected for t in r["toponyms"]]
        out.write(render_table(rows, TABLE_COLUMNS) + "\n")
    if bad:
        echo_err(f"{bad} bad line(s) skipped; each line must be a JSON object with a text field")
        raise SystemExit(1)


def _open(path: str) -> IO[bytes]:
    try:
        return open(path, "rb")
    except OSError as err:
        msg = f"cannot read {path!r}: {err.strerror}; give a JSONL file or - for stdin"
        raise ValidationError(msg) from err
