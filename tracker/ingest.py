"""Ingestion: report files, folders or stdin -> documents -> proposed events -> the store.

Each report is read (:mod:`tracker.documents`), its metadata merged (command-line values win
over front matter), its events proposed (:mod:`tracker.extract`) and stored with the report in
ONE transaction, so a failure leaves nothing half-stored. A failing file never stops the
others: every file gets a :class:`FileResult` with its error or warnings. Report ids are the
sha256 of the text and event ids derive from it, so ingesting the same report twice changes
nothing. Imports: tracker.documents, tracker.extract, tracker.geoparse, tracker.store
(injected), tracker.model, tracker.errors.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tracker.documents import Document, parse_document, parse_meta_date, read_document
from tracker.errors import IngestError, StoreError, TrackerError
from tracker.extract import extract_report
from tracker.model import Event, Report

__all__ = [
    "REPORT_SUFFIXES",
    "FileResult",
    "IngestOptions",
    "collect_sources",
    "ingest_path",
    "ingest_sources",
    "report_from_document",
]

logger = logging.getLogger(__name__)

REPORT_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm")
# A single report longer than this is almost surely a dump or a mistake; ask to split it.
MAX_REPORT_CHARS = 5_000_000
# Files in a folder that describe the folder rather than report on anything.
_NOT_REPORTS = ("readme", "changelog", "license", "licence", "contributing")


@dataclass(frozen=True, slots=True)
class IngestOptions:
    """Metadata given on the command line (each wins over front matter) and switches."""

    published: str | None = None
    publisher: str | None = None
    url: str | None = None
    retrieved: str | None = None
    title: str | None = None
    language: str | None = None
    include_comments: bool = False
    by: str | None = None
    today: date | None = None  # for tests; default: today's UTC date


@dataclass(frozen=True, slots=True)
class FileResult:
    """What happened to one input file."""

    source: str
    report_id: str | None = None
    title: str | None = None
    events: tuple[Event, ...] = ()
    added: int = 0
    new_report: bool = False
    warnings: tuple[str, ...] = ()
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the file was ingested (possibly with warnings)."""
        return self.error is None


def collect_sources(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    """Expand folders into their report files (sorted); keep ``-`` (stdin) and plain files.

    Folders are walked recursively for ``.txt``, ``.md``, ``.html`` (and ``.markdown``,
    ``.htm``) files; hidden files and README/CHANGELOG/LICENSE files are skipped. A missing
    path is kept so that it is reported as an error for that path.
    """
    out: list[str] = []
    for raw in paths:
        p = str(raw)
        if p == "-":
            out.append(p)
            continue
        path = Path(p)
        if path.is_dir():
            for f in sorted(path.rglob("*")):
                rel = f.relative_to(path).parts
                if any(part.startswith((".", "_")) for part in rel):
                    continue
                if f.is_file() and f.suffix.lower() in REPORT_SUFFIXES:
                    if f.stem.lower() in _NOT_REPORTS:
                        continue
                    out.append(str(f))
        else:
            out.append(p)
    return out


def _check_date(value: str | None, what: str) -> str | None:
    if value is None:
        return None
    return parse_meta_date(value, f"--{what}")


def report_from_document(doc: Document, options: IngestOptions | None = None) -> Report:
    """Build the stored report from a document; command-line metadata wins.

    Raises
    ------
    IngestError
        A date flag is not a real date, or the publication date is in the future.
    """
    o = options or IngestOptions()
    m = doc.meta
    published = _check_date(o.published, "published") or m.published
    retrieved = _check_date(o.retrieved, "retrieved") or m.retrieved
    today = o.today or datetime.now(UTC).date()
    if published and date.fromisoformat(published[:10]) > today:
        msg = (
            f"{doc.source}: publication date {published} is in the future (today is "
            f"{today.isoformat()}); relative dates would resolve after today. Fix the "
            f"'published:' line or pass --published YYYY-MM-DD."
        )
        raise IngestError(msg)
    return Report(
        id=doc.report_id,
        text=doc.text,
        title=o.title or doc.title or m.title,
        publisher=o.publisher or m.publisher,
        url=o.url or m.url,
        published=published,
        retrieved=retrieved,
        language=o.language or m.language,
        body_end=doc.body_end,
        source_path=None if doc.source == "<stdin>" else doc.source,
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def _read(source: str, stdin: bytes | None) -> Document:
    if source == "-":
        if stdin is None:
            msg = "<stdin>: no input was piped in; pipe a report or give a file path."
            raise IngestError(msg)
        return parse_document(stdin, name="<stdin>")
    return read_document(source)


def ingest_one(
    source: str,
    store: Any,
    geoparser: Any,
    options: IngestOptions | None = None,
    *,
    stdin: bytes | None = None,
) -> FileResult:
    """Ingest one file (or ``-``) and return its result; never raises for bad input."""
    o = options or IngestOptions()
    name = "<stdin>" if source == "-" else source
    try:
        doc = _read(source, stdin)
        if len(doc.text) > MAX_REPORT_CHARS:
            msg = (
                f"{name}: {len(doc.text) / 1e6:.0f} million characters is more than one report "
                f"can be ({MAX_REPORT_CHARS / 1e6:.0f} million); split it into its reports."
            )
            raise IngestError(msg)
        report = report_from_document(doc, o)
        skip = [doc.dateline_span] if doc.dateline_span else []
        ex = extract_report(report, geoparser, include_comments=o.include_comments, skip_spans=skip)
        with store.transaction():
            new = store.add_report(report)
            added = store.add_events(ex.events, report=report, by=o.by)
    except (TrackerError, OSError, ValueError) as err:
        # ValueError: a reader below us let a parse error through; still one file's problem.
        if isinstance(err, StoreError):
            logger.warning("%s: store error: %s", name, err)
        text = str(err)
        if name not in text:
            text = f"{name}: {text}"
        return FileResult(source=name, error=text)
    doc_warnings = tuple(doc.warnings)
    if o.published:  # the flag overrides the front matter, so its date warnings do not apply
        doc_warnings = tuple(w for w in doc_warnings if not w.startswith("published date"))
    warnings = doc_warnings + tuple(ex.warnings)
    return FileResult(
        source=name,
        report_id=report.id,
        title=report.title,
        events=ex.events,
        added=len(added),
        new_report=bool(new),
        warnings=warnings,
    )


def ingest_sources(
    sources: Sequence[str],
    store: Any,
    geoparser: Any,
    options: IngestOptions | None = None,
    *,
    stdin: bytes | None = None,
    on_result: Callable[[FileResult], None] | None = None,
) -> list[FileResult]:
    """Ingest each source in turn (see :func:`ingest_one`); one result per source."""
    results = []
    for s in sources:
        r = ingest_one(s, store, geoparser, options, stdin=stdin)
        if on_result is not None:
            on_result(r)
        results.append(r)
    return results


def ingest_path(
    path: str | os.PathLike[str],
    store: Any,
    geoparser: Any,
    options: IngestOptions | None = None,
    *,
    stdin: bytes | None = None,
) -> list[FileResult]:
    """Ingest a file, a folder of reports or ``-`` (stdin) into ``store``.

    Parameters
    ----------
    path
        A report file, a folder (walked for .txt/.md/.html) or ``-``.
    store
        An open event store (:func:`tracker.store.open_store`).
    geoparser
        A :class:`tracker.geoparse.Geoparser`, built with the store's place rules.
    options
        Metadata overrides and switches.
    stdin
        The bytes piped in, when ``path`` is ``-``.

    Returns
    -------
    list[FileResult]
        One per file; failed files carry ``error`` and stored nothing.
    """
    return ingest_sources(collect_sources([path]), store, geoparser, options, stdin=stdin)


def with_overrides(options: IngestOptions, **changes: Any) -> IngestOptions:
    """Return ``options`` with some fields changed."""
    return replace(options, **changes)


# --------------------------------------------------------------------------- review support


def make_geoparser(store: Any, gazetteer: Any | None = None) -> Any:
    """Return a geoparser with the real gazetteer and the store's place rules."""
    from tracker.gazetteer import Gazetteer
    from tracker.geoparse import Geoparser

    if gazetteer is None:
        gazetteer = Gazetteer.open()
        # A server store's shared custom places (PostGIS) take part like the data dir's.
        if (lister := getattr(store, "list_custom_places", None)) is not None:
            aliases = store.custom_place_aliases()
            gazetteer.add_places((p, aliases.get(p.id, [])) for p in lister())
    return Geoparser(gazetteer, rules=store.list_place_rules())


def surface_name(event: Event) -> str | None:
    """Return the place name as the report wrote it (else the gazetteer name)."""
    for part in (event.notes or "").split("; "):
        if part.startswith("place as written: "):
            return part.removeprefix("place as written: ")
    return event.place_name


def document_country(text: str, geoparser: Any) -> str:
    """Return the country a report is mostly about, by its demonyms ("" when none).

    This is the *context* a review correction is remembered in: the geoparser applies a
    rule with a context only to documents whose demonyms name that country.
    """
    counts: dict[str, int] = {}
    for t in geoparser.parse(text):
        if t.kind == "demonym" and t.place is not None and t.place.country_code:
            counts[t.place.country_code] = counts.get(t.place.country_code, 0) + 1
    if not counts:
        return ""
    return max(sorted(counts), key=lambda k: counts[k])


def place_changes(place: Any | None) -> dict[str, Any]:
    """Return the event fields that follow from a (new) place, or from "not a place"."""
    if place is None:
        return {
            "place_name": None,
            "place_id": None,
            "country_code": None,
            "admin1_code": None,
            "lon": None,
            "lat": None,
            "geo_precision": "unknown",
        }
    from tracker.extract import geo_precision_of

    return {
        "place_name": place.name,
        "place_id": place.id,
        "country_code": place.country_code,
        "admin1_code": place.admin1_code,
        "lon": place.lon,
        "lat": place.lat,
        "geo_precision": geo_precision_of(place),
    }


def remember_correction(
    store: Any,
    event: Event,
    new_place: Any | None,
    geoparser: Any,
    *,
    by: str | None = None,
) -> Any:
    """Store the place rule a review correction implies and return it.

    ``new_place=None`` means "not a place": the name is never a place again in reports
    about the same country. Otherwise the name resolves to ``new_place`` in such reports.
    """
    name = surface_name(event)
    if not name:
        msg = f"event {event.id} has no place name to remember a correction for."
        raise IngestError(msg)
    report = store.get_report(event.report_id) if event.report_id else None
    context = document_country(report.text, geoparser) if report is not None else ""
    note = f"review of {event.id}"
    if new_place is None:
        return store.add_place_rule(name, action="not_place", context=context, by=by, note=note)
    return store.add_place_rule(
        name, action="place", place_id=new_place.id, context=context, by=by, note=note
    )
