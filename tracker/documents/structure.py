"""Document structure in plain text: headline, wire dateline, start of a scraped comment thread.

The rules are about the *shape* of page furniture, not about any one site or report:

- A comment thread is a run of lines that look like comment furniture - user handles
  (``@name``, ``u/name``, a bullet followed by a short label), action links (``reply``,
  ``link``, ``permalink``, ``share``...), vote counts and relative timestamps (``3 hours
  ago``), language tags, "N comments" headings - dense enough that at least three of the
  next eight non-blank lines are furniture of at least two kinds. The thread starts at the
  first such line (or at a "Comments" heading just above it).
- A dateline is ``PLACE[, REGION][, Mon DD] [(AGENCY)] -`` at the start of one of the first
  lines of the body, the place written in capitals or followed by an agency in brackets
  ("SEOUL, Oct 18 (Reuters) -", "KYIV (AP) —", "Kyiv, Ukraine (CNN) —").
- A headline is the first Markdown ``#`` heading, else a short first line without final
  punctuation followed by a blank line.

Imports: stdlib only.
"""

from __future__ import annotations

import re

_BULLETS = "•·▪◦‣●○■*"
_HANDLE = re.compile(
    rf"^[{_BULLETS}]?\s*(?:@|/?u/)[\w.\-]{{1,64}}(?:@[\w.\-]{{1,253}})?\s*\S?$", re.UNICODE
)
_BULLET_LABEL = re.compile(rf"^[{_BULLETS}]\s*\S[^.!?]{{0,38}}$")
_ACTION_WORDS = frozenset(
    {
        "reply", "replies", "link", "permalink", "fedilink", "share", "save", "report", "edit",
        "delete", "parent", "context", "flag", "hide", "block", "quote", "embed", "source",
        "like", "upvote", "downvote", "vote", "award", "give award", "view source",
        "load more comments", "more replies", "show replies", "hide replies", "collapse",
        "expand", "translate", "follow", "mute", "↩", "↑", "↓", "▲", "▼", "|", "·", "•",
    }
)  # fmt: skip
_LANG_WORDS = frozenset(
    {
        "english", "deutsch", "español", "français", "italiano", "português", "русский",
        "українська", "polski", "nederlands", "svenska", "한국어", "日本語", "中文",
        "undetermined",
    }
)  # fmt: skip
_TIMESTAMP = re.compile(
    r"(?i)^(?:[-+−]?\d+\s*(?:points?|votes?)?\s*)?(?:posted\s+|edited\s+|submitted\s+)?"
    r"(?:\d+|an?|one)\s*(?:s|sec|secs|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|"
    r"weeks?|mo|mos|months?|y|yrs?|years?)\s+ago\b.{0,40}$"
)
_VOTES = re.compile(r"(?i)^[-+−]?\d{1,7}\s*(?:points?|votes?|upvotes?|likes?|karma|[↑↓▲▼])?$")
_AGO = re.compile(
    r"(?i)\b(?:\d+|an?|one)\s*(?:sec|secs|seconds?|mins?|minutes?|hrs?|hours?|days?|weeks?|"
    r"months?|years?)\s+ago\b"
)
_BARE_NUMBER = re.compile(r"^\d[\d,.]*$")
_HEADING = re.compile(
    r"(?i)^(?:#+\s*)?(?:\d[\d,]*\s+)?(?:comments?|replies|responses|discussion|reader comments|"
    r"join the discussion)\s*(?:\(\d[\d,]*\))?:?$"
)
_WINDOW = 8
_MIN_FURNITURE = 3


def _kind(line: str) -> str | None:
    """Return the furniture kind of one stripped line, or None for prose."""
    if not line or len(line) > 80:
        return None
    low = line.lower()
    if _HEADING.match(line):
        return "heading"
    if _BARE_NUMBER.match(line):
        return "number"  # counts as furniture, but alone never makes a thread (tables)
    if _TIMESTAMP.match(line) or _VOTES.match(line) or low in _LANG_WORDS:
        return "meta"
    words = [w for w in re.split(r"[\s|·•]+", low) if w]
    if words and all(w in _ACTION_WORDS for w in words):
        return "action"
    if low in _ACTION_WORDS:
        return "action"
    if _HANDLE.match(line) or _BULLET_LABEL.match(line):
        return "handle"
    if len(words) <= 12 and _AGO.search(line):
        return "header"  # "[-] user 12 points 3 hours ago", "Jane Doe • 2 days ago"
    return None


def find_comment_thread(text: str, start: int = 0) -> int | None:
    """Return the offset where a scraped comment thread starts in ``text``, or None.

    Parameters
    ----------
    text
        The document text.
    start
        Where the body starts (a thread cannot begin before it).

    Returns
    -------
    int or None
        The offset of the first character of the thread's first line.
    """
    lines: list[tuple[int, str | None]] = []  # (offset, kind) of each non-blank line
    pos = start
    for raw in text[start:].split("\n"):
        stripped = raw.strip()
        if stripped:
            lines.append((pos, _kind(stripped)))
        pos += len(raw) + 1
    n = len(lines)
    # Sliding window counts over the non-blank lines: linear time.
    count = 0
    kinds: dict[str, int] = {}
    for j in range(min(_WINDOW, n)):
        k = lines[j][1]
        if k:
            count += 1
            kinds[k] = kinds.get(k, 0) + 1
    for i in range(n):
        k = lines[i][1]
        if (
            k
            and k != "heading"
            and count >= _MIN_FURNITURE
            and (
                ("handle" in kinds and ("meta" in kinds or "action" in kinds))
                or kinds.get("header", 0) >= 2
            )
        ):
            begin = i
            if i > 0 and lines[i - 1][1] == "heading":
                begin = i - 1
            return lines[begin][0]
        # slide: drop line i, add line i + _WINDOW
        if k:
            count -= 1
            kinds[k] -= 1
            if not kinds[k]:
                del kinds[k]
        if i + _WINDOW < n:
            k2 = lines[i + _WINDOW][1]
            if k2:
                count += 1
                kinds[k2] = kinds.get(k2, 0) + 1
    return None


_CAPS_PLACE = r"[A-Z][A-Z'’.\-]+(?: [A-Z][A-Z'’.\-]+){0,3}"
_ANY_PLACE = r"[A-Z][\w'’.\-]+(?: [A-Z][\w'’.\-]+){0,3}"
_REGION = r"(?:,\s*[A-Z][\w'’.\-]+(?: [A-Z][\w'’.\-]+){0,3})?"
_DL_DATE = r"(?:,?\s*[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:,\s*\d{4})?)?"  # "Dec 16" / "Dec 16, 2024"
_AGENCY = r"\s*\([A-Z][\w.&'’\-]*(?: [A-Z][\w.&'’\-]*){0,3}\)"
_DASH = r"\s*(?:--|[-–—])\s*"
_DATELINE = re.compile(
    rf"(?:{_CAPS_PLACE}{_REGION}{_DL_DATE}(?:{_AGENCY})?|{_ANY_PLACE}{_REGION}{_DL_DATE}{_AGENCY}){_DASH}(?=\S)"
)
_TITLE_MD = re.compile(r"^#{1,2}\s+(\S.{0,300}?)\s*#*\s*$")


def find_dateline(
    text: str, body_end: int | None = None, *, max_lines: int = 5
) -> tuple[int, int] | None:
    """Return the ``(start, end)`` span of a wire dateline at the start of a body line.

    Only the first ``max_lines`` non-blank lines are examined (a dateline opens the story).
    The span covers the place, date and agency up to and including the dash.
    """
    limit = len(text) if body_end is None else body_end
    pos = 0
    seen = 0
    while pos < limit and seen < max_lines:
        nl = text.find("\n", pos, limit)
        end = limit if nl < 0 else nl
        line = text[pos:end]
        stripped = line.lstrip()
        if stripped:
            seen += 1
            offset = pos + len(line) - len(stripped)
            m = _DATELINE.match(text, offset, min(end, offset + 200))
            if m and not stripped.startswith("#"):
                return (m.start(), m.end())
        pos = end + 1
    return None


def find_title(text: str, *, max_lines: int = 5) -> str | None:
    """Return the headline: a leading Markdown heading, else a short first line on its own."""
    head = text[:4000].split("\n")
    nonblank = [(i, ln.strip()) for i, ln in enumerate(head) if ln.strip()][:max_lines]
    for _, line in nonblank:
        if m := _TITLE_MD.match(line):
            return m.group(1)
    if not nonblank:
        return None
    i, first = nonblank[0]
    followed_by_blank = i + 1 < len(head) and not head[i + 1].strip() and len(nonblank) > 1
    if len(first) <= 150 and first[-1] not in ".!?:;,\"”'" and followed_by_blank:
        return first
    return None
