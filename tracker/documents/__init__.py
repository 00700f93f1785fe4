"""Reading a report for ingestion: bytes or a file -> :class:`Document` (metadata + text).

Accepts ``.txt``, ``.md`` (YAML front matter: ``title``, ``publisher``, ``published``,
``url``, ``retrieved``, ``language``; other keys are kept in ``meta.extra``) and ``.html``
(article body kept, page furniture dropped, comment sections appended after the body).
Rejects empty and binary input with :class:`~tracker.errors.IngestError`; decodes invalid
UTF-8 with replacement characters and says so in ``warnings``. ``Document.text`` is
exactly the text stored as the report (its sha256 is the report id), and every offset
(``body_end``, ``dateline_span``) indexes into it. Line endings are normalised to ``\\n``
and a byte-order mark is dropped, so the same article saved on another system has the same id.
Imports: stdlib, yaml, tracker.model, tracker.errors, tracker.dates.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from tracker.dates import parse_date_arg
from tracker.documents.html import html_to_text
from tracker.documents.structure import find_comment_thread, find_dateline, find_title
from tracker.errors import DateError, IngestError
from tracker.model import report_id_for

__all__ = [
    "META_FIELDS",
    "Document",
    "DocumentMeta",
    "find_comment_thread",
    "find_dateline",
    "find_title",
    "parse_document",
    "parse_meta_date",
    "read_document",
]

META_FIELDS = ("title", "publisher", "published", "url", "retrieved", "language")
MAX_BYTES = 256 * 1024 * 1024
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_MAGIC = (
    (b"%PDF", "a PDF"),
    (b"PK\x03\x04", "a ZIP/Office document"),
    (b"\x89PNG", "a PNG image"),
    (b"GIF8", "a GIF image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"\x7fELF", "an executable"),
)
_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")
_LOOKS_HTML = re.compile(
    r"(?is)^\s*(?:<!doctype\s+html|<html\b|<head\b|<body\b|<!--)|<(?:p|div|article|body)\b[^>]*>"
)
_FM_CLOSE = frozenset({"---", "..."})
_FM_MAX_LINES = 2000


@dataclass(frozen=True, slots=True)
class DocumentMeta:
    """Report metadata from front matter or HTML meta tags (dates as ISO ``YYYY-MM-DD``)."""

    title: str | None = None
    publisher: str | None = None
    published: str | None = None
    url: str | None = None
    retrieved: str | None = None
    language: str | None = None
    extra: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True, slots=True)
class Document:
    """A report ready for extraction.

    Attributes
    ----------
    text
        The exact report text (sha256 = report id); all offsets index into it.
    meta
        Metadata from the file itself (the CLI's flags override it).
    title
        The headline: ``meta.title``, else the HTML ``<h1>``/``<title>``, else a leading
        heading line.
    body_end
        Offset where a scraped comment thread starts (``text[:body_end]`` is the article),
        or None when there is none.
    dateline_span
        ``(start, end)`` of a wire dateline ("SEOUL, Oct 18 (Reuters) -"), or None. The
        dateline says where the reporter is, not where an event happened.
    warnings
        Problems that did not stop reading (invalid UTF-8 replaced, future publication date).
        Unlike error messages they do not repeat the file name: callers show it once.
    kind
        ``"text"``, ``"markdown"`` or ``"html"``.
    source
        The path or name the document was read from.
    """

    text: str
    meta: DocumentMeta
    title: str | None = None
    body_end: int | None = None
    dateline_span: tuple[int, int] | None = None
    warnings: tuple[str, ...] = ()
    kind: str = "text"
    source: str = "<stdin>"

    @property
    def body(self) -> str:
        """The article without the comment thread."""
        return self.text if self.body_end is None else self.text[: self.body_end]

    @property
    def report_id(self) -> str:
        """The report id: sha256 of :attr:`text`."""
        return report_id_for(self.text)


# --------------------------------------------------------------------------- decoding


def _decode(data: bytes, name: str) -> tuple[str, list[str]]:
    if not data.strip():
        what = "empty" if not data else "only whitespace"
        msg = f"{name}: the file is {what}; nothing to ingest. Check the path, or the export that produced it."
        raise IngestError(msg)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace"), []
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for magic, what in _MAGIC:
        if data.startswith(magic):
            msg = f"{name}: this is {what}, not text. Convert it to .txt, .md or .html first (e.g. pdftotext for PDFs)."
            raise IngestError(msg)
    sample = data[:65536]
    if b"\x00" in sample or len(_CONTROL.findall(sample)) > 0.05 * len(sample):
        msg = f"{name}: looks like a binary file (NUL or control bytes), not text. Give tracker a .txt, .md or .html report."
        raise IngestError(msg)
    try:
        return data.decode("utf-8"), []
    except UnicodeDecodeError as err:
        text = data.decode("utf-8", errors="replace")
        bad = text.count("\ufffd") - data.count("\ufffd".encode())
        warning = (
            f"invalid UTF-8 (first at byte {err.start}); {bad} bad byte sequence(s) "
            "replaced with U+FFFD. Re-save the file as UTF-8 to keep the original characters."
        )
        return text, [warning]


# --------------------------------------------------------------------------- front matter


def _line_of_key(block: list[str], key: str, first_line: int) -> int:
    pat = re.compile(rf"^\s*['\"]?{re.escape(key)}['\"]?\s*:")
    for i, ln in enumerate(block):
        if pat.match(ln):
            return first_line + i
    return first_line


def parse_meta_date(value: object, field: str, *, where: str = "") -> str:
    """Return a metadata date (``published``/``retrieved``) as ISO ``YYYY-MM-DD``.

    Accepts a ``date``/``datetime`` (YAML gives these), an ISO timestamp
    (``2024-10-18T09:51:00Z``) or anything :func:`~tracker.dates.parse_date_arg` reads as a
    single day.

    Raises
    ------
    IngestError
        The value is not one day; the message names ``field``, ``where`` and the fix.
    """
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    text = str(value).strip() if isinstance(value, str | int) else None
    if text:
        try:
            return datetime.fromisoformat(text).date().isoformat()
        except ValueError:
            pass
        try:
            span = parse_date_arg(text)
        except DateError as err:
            msg = f"{where}{field} {text!r} is not a date: {err}"
            raise IngestError(msg) from None
        if span.precision == "day" and span.start is not None:
            return span.start.isoformat()
    msg = f"{where}{field} must be one day such as 2024-10-18, got {value!r}"
    raise IngestError(msg)


def _split_front_matter(text: str, name: str) -> tuple[dict[str, object], list[str], int, int]:
    """Return (mapping, block lines, first block line number, body offset); {} when none."""
    if not (text.startswith("---\n") or text.rstrip("\n") == "---" or text.startswith("--- \n")):
        return {}, [], 0, 0
    lines_end = 0
    pos = text.index("\n") + 1 if "\n" in text else len(text)
    block: list[str] = []
    while True:
        if len(block) > _FM_MAX_LINES or pos >= len(text):
            msg = (
                f"{name}: front matter opened with '---' on line 1 is never closed. Fix: add a "
                "line '---' after the last 'key: value' line (or remove the opening '---' if the "
                "file has no metadata)."
            )
            raise IngestError(msg)
        nl = text.find("\n", pos)
        end = len(text) if nl < 0 else nl
        line = text[pos:end]
        if line.strip() in _FM_CLOSE:
            lines_end = end + 1 if nl >= 0 else end
            break
        block.append(line)
        pos = end + 1
    import yaml  # pyyaml; lazy so plain-text reports do not pay for it

    try:
        data = yaml.load("\n".join(block), Loader=_text_dates_loader(yaml))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line_no = mark.line + 2 if mark is not None else 2
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        bad = block[line_no - 2] if 0 <= line_no - 2 < len(block) else ""
        msg = (
            f"{name}: broken front matter at line {line_no} ({bad.strip()[:80]!r}): {problem}. "
            "Fix: one 'key: value' per line, and quote values that contain ':' or '#', "
            'e.g. title: "Seoul: troops arrive".'
        )
        raise IngestError(msg) from None
    except RecursionError:
        msg = f"{name}: front matter is nested too deeply to read; use flat 'key: value' lines."
        raise IngestError(msg) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        msg = (
            f"{name}: front matter (lines 2-{len(block) + 1}) is a {type(data).__name__}, not "
            "'key: value' lines. Fix: write e.g. 'published: 2024-10-18' on its own line."
        )
        raise IngestError(msg)
    return data, block, 2, lines_end


def _text_dates_loader(yaml: Any) -> Any:
    """Return a safe YAML loader that keeps dates as text, so we validate them ourselves."""

    class _Loader(yaml.SafeLoader):
        pass

    _Loader.yaml_implicit_resolvers = {
        first: [r for r in resolvers if r[0] != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    return _Loader


def _meta_from_mapping(
    data: dict[str, object], block: list[str], first_line: int, name: str, warnings: list[str]
) -> DocumentMeta:
    values: dict[str, str | None] = dict.fromkeys(META_FIELDS)
    extra: list[tuple[str, str]] = []
    for key, value in data.items():
        k = str(key)
        line = _line_of_key(block, k, first_line)
        where = f"{name}: front matter line {line}: "
        if value is None:
            continue
        if k in ("published", "retrieved"):
            values[k] = parse_meta_date(value, k, where=where)
        elif k in META_FIELDS:
            if not isinstance(value, str | int | float):
                msg = f"{where}{k} must be plain text, got a {type(value).__name__}. Fix: write '{k}: some text'."
                raise IngestError(msg)
            values[k] = str(value).strip() or None
        elif isinstance(value, str | int | float | bool | date):
            extra.append((k, str(value)))
        else:
            note = f"front matter line {line}: {k!r} is a {type(value).__name__}"
            warnings.append(f"{note}, not a plain value; ignored")
    if values["published"] and values["published"] > datetime.now(UTC).date().isoformat():
        warnings.append(
            f"published date {values['published']} is in the future; check the front matter"
        )
    return DocumentMeta(**values, extra=tuple(extra))


# --------------------------------------------------------------------------- public


def _normalise(text: str) -> str:
    text = text.removeprefix("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


def parse_document(
    data: bytes | str, *, name: str = "<stdin>", kind: str | None = None
) -> Document:
    """Turn raw report content into a :class:`Document`.

    Parameters
    ----------
    data
        The file's bytes (or already decoded text).
    name
        Shown in messages (the path, or ``<stdin>``).
    kind
        ``"text"``, ``"markdown"`` or ``"html"``; None sniffs HTML from the content.

    Returns
    -------
    Document

    Raises
    ------
    IngestError
        Empty or binary input, broken front matter, or nothing left after the front matter.
    """
    if isinstance(data, str):
        if not data.strip():
            msg = f"{name}: the report is empty; nothing to ingest."
            raise IngestError(msg)
        raw, warnings = data, list[str]()
    else:
        raw, warnings = _decode(data, name)
    raw = _normalise(raw)
    if kind is None:
        kind = "html" if _LOOKS_HTML.search(raw[:4096]) else "text"
    if kind == "html":
        page = html_to_text(raw)
        if not page.body.strip():
            msg = f"{name}: no article text found in the HTML (only scripts, navigation or markup)."
            raise IngestError(msg)
        pmeta = dict(page.meta)
        published = None
        if pmeta.get("article:published_time") or pmeta.get("date") or pmeta.get("dc.date"):
            value = pmeta.get("article:published_time") or pmeta.get("date") or pmeta.get("dc.date")
            try:
                published = parse_meta_date(value, "published", where="HTML meta ")
            except IngestError as err:
                warnings.append(f"{err}; ignored")
        meta = DocumentMeta(
            title=page.title,
            publisher=pmeta.get("og:site_name"),
            published=published,
            url=pmeta.get("canonical") or pmeta.get("og:url"),
            language=pmeta.get("lang"),
        )
        text = page.body + ("\n\n" + page.comments if page.comments else "")
        body_end = find_comment_thread(page.body)
        if page.comments and body_end is None:
            body_end = len(page.body) + 2
        title = page.title
    else:
        mapping, block, first, offset = _split_front_matter(raw, name)
        meta = _meta_from_mapping(mapping, block, first, name, warnings)
        text = raw[offset:]
        if not text.strip():
            msg = f"{name}: there is front matter but no report text after it."
            raise IngestError(msg)
        body_end = find_comment_thread(text)
        title = meta.title or find_title(text)
    dateline = find_dateline(text, body_end)
    return Document(
        text=text,
        meta=meta,
        title=title,
        body_end=body_end,
        dateline_span=dateline,
        warnings=tuple(warnings),
        kind=kind if kind in ("html", "markdown") else "text",
        source=name,
    )


def read_document(path: str | Path) -> Document:
    """Read a report file (``.txt``, ``.md``, ``.html``; others are sniffed) into a Document.

    Raises
    ------
    IngestError
        The path is missing, a directory, unreadable, larger than 256 MB, empty or binary,
        or its front matter is broken.
    """
    p = Path(path)
    name = str(path)
    try:
        size = p.stat().st_size
        if p.is_dir():
            msg = f"{name} is a folder; give a file, or let the ingest command walk the folder."
            raise IngestError(msg)
        if size > MAX_BYTES:
            msg = f"{name}: {size / 1e6:.0f} MB is over the {MAX_BYTES // 2**20} MB limit for one report; split it."
            raise IngestError(msg)
        data = p.read_bytes()
    except OSError as err:
        msg = (
            f"{name}: cannot read the file ({err.strerror or err}). Check the path and permissions."
        )
        raise IngestError(msg) from None
    suffix = p.suffix.lower()
    kind = (
        "html" if suffix in HTML_SUFFIXES else "markdown" if suffix in MARKDOWN_SUFFIXES else None
    )
    return parse_document(data, name=name, kind=kind)
