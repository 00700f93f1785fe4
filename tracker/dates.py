"""Dates: command-line/CSV date arguments and date expressions in report text.

Two entry points. :func:`parse_date_arg` reads what a user types (``2024-10-08``,
``2024-10``, ``2024``, ``2024-W42``, ranges ``A/B``, text like ``8-13 October 2024``) and
raises :class:`~tracker.errors.DateError` for anything else. :func:`find_date_expressions`
scans report text for absolute and relative expressions and resolves them against the
publication date (the *anchor*), never against today. Every result is a
:class:`~tracker.model.DateSpan` (end inclusive) whose precision is one of
``model.DATE_PRECISIONS``. See ``docs/dates.md`` for every accepted form.
Imports: stdlib, tracker.model, tracker.errors.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta

from tracker.errors import DateError
from tracker.model import DateSpan

ACCEPTED_FORMS = (
    "2024-10-08 (day), 2024-10 (month), 2024 (year), 2024-W42 (ISO week), "
    "a range A/B of any of these (2024-10-08/2024-10-13, 2024-10/2024-12), "
    "or text such as '8 October 2024', '8-13 October 2024', 'October 2024', "
    "'8 Oct - 2 Nov 2024', 'October 8, 2024', 'early November 2024'"
)

MONTHS: dict[str, int] = {}
for _i, _name in enumerate(calendar.month_name):
    if _i:
        MONTHS[_name.lower()] = _i
        MONTHS[_name[:3].lower()] = _i
MONTHS["sept"] = 9

WEEKDAYS: dict[str, int] = {name.lower(): i for i, name in enumerate(calendar.day_name)}

# Thirds of a month for "early", "mid" and "late": (first day, last day or None = month end).
_PART_DAYS: dict[str, tuple[int, int | None]] = {
    "early": (1, 10),
    "mid": (11, 20),
    "late": (21, None),
}

# Thirds of a year for "early 2024", "mid-2024", "late last year": (first month, last month).
_PART_MONTHS: dict[str, tuple[int, int]] = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
# Parts of a month named in words: (first day, last day; None = month end, negative = from it).
_MONTH_PARTS: dict[str, tuple[int, int | None]] = {
    "first week": (1, 7),
    "second week": (8, 14),
    "third week": (15, 21),
    "fourth week": (22, 28),
    "last week": (-6, None),
    "final week": (-6, None),
    "first half": (1, 15),
    "second half": (16, None),
    "beginning": (1, 10),
    "start": (1, 10),
    "middle": (11, 20),
    "end": (21, None),
}
# How far back "in recent days/weeks/months" reaches from the publication date.
_RECENT_DAYS = {"days": 7, "weeks": 30, "months": 90}

_RANGE_WORDS = frozenset({"to", "until", "till", "through", "thru", "and"})
_FILLER_WORDS = frozenset({"of", "the", "between", "from", "on", "in"})


class _Bad(Exception):
    """Internal: a form was recognised but cannot be a date (reason in args[0])."""


@dataclass(frozen=True, slots=True)
class DateMention:
    """A date expression found in report text.

    Attributes
    ----------
    start, end
        Character offsets of the expression in the text (``text[start:end]``).
    text
        The expression as written.
    span
        The resolved interval; ``DateSpan(None, None, "unknown", text)`` when it is relative
        and no anchor was given.
    """

    start: int
    end: int
    text: str
    span: DateSpan


# --------------------------------------------------------------------------- small helpers


def month_end(year: int, month: int) -> date:
    """Return the last day of ``month`` in ``year``."""
    return date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, delta: int) -> tuple[int, int]:
    idx = year * 12 + (month - 1) + delta
    return idx // 12, idx % 12 + 1


def _iso_week(year: int, week: int) -> tuple[date, date]:
    try:
        monday = date.fromisocalendar(year, week, 1)
    except ValueError as err:
        raise _Bad(f"{year} has no ISO week {week}") from err
    return monday, monday + timedelta(days=6)


def _safe_date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError as err:
        mname = calendar.month_name[month] if 1 <= month <= 12 else f"month {month}"
        raise _Bad(f"{mname} {year} has no day {day}") from err


# --------------------------------------------------------------------------- ISO arguments

_ISO_DAY = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})", re.ASCII)
_ISO_MONTH = re.compile(r"(\d{4})-(\d{1,2})", re.ASCII)
_ISO_YEAR = re.compile(r"(\d{4})", re.ASCII)
_ISO_WEEK = re.compile(r"(\d{4})-?[Ww](\d{1,2})", re.ASCII)


def _parse_iso(s: str) -> DateSpan | None:
    """Parse one ISO-style endpoint; None when ``s`` is not ISO-shaped."""
    if m := _ISO_DAY.fullmatch(s):
        y, mo, d = (int(g) for g in m.groups())
        if not 1 <= mo <= 12:
            raise _Bad(f"there is no month {mo}")
        day = _safe_date(y, mo, d) if y else None
        if day is None:
            raise _Bad("year 0 does not exist")
        return DateSpan(day, day, "day", s)
    if m := _ISO_WEEK.fullmatch(s):
        y, w = int(m.group(1)), int(m.group(2))
        if not y:
            raise _Bad("year 0 does not exist")
        a, b = _iso_week(y, w)
        return DateSpan(a, b, "week", s)
    if m := _ISO_MONTH.fullmatch(s):
        y, mo = int(m.group(1)), int(m.group(2))
        if not 1 <= mo <= 12:
            raise _Bad(f"there is no month {mo}")
        if not y:
            raise _Bad("year 0 does not exist")
        return DateSpan(date(y, mo, 1), month_end(y, mo), "month", s)
    if m := _ISO_YEAR.fullmatch(s):
        y = int(m.group(1))
        if not y:
            raise _Bad("year 0 does not exist")
        return DateSpan(date(y, 1, 1), date(y, 12, 31), "year", s)
    return None


# --------------------------------------------------------------------------- text dates

_NUMBER = re.compile(r"(\d+)(?:st|nd|rd|th)?", re.ASCII)
_PART_DASH = re.compile(r"\b(early|mid|late)\s*[-\u2010-\u2015]\s*")
_TOKEN = re.compile(r"[^\W\d_]+\.?|\d+(?:st|nd|rd|th)?|[-\u2010-\u2015\u2212]|\S", re.UNICODE)


@dataclass(slots=True)
class _Side:
    day: int | None = None
    month: int | None = None
    year: int | None = None
    part: str | None = None  # early | mid | late
    year_inherited: bool = False


def _classify(tokens: list[str]) -> _Side:
    side = _Side()
    for tok in tokens:
        word = tok.rstrip(".")
        if digits := _NUMBER.fullmatch(word):
            num = digits.group(1)
            if len(num) == 4 and word == num:
                if side.year is not None:
                    raise _Bad("two years in one date")
                side.year = int(num)
                if not side.year:
                    raise _Bad("year 0 does not exist")
            elif len(num) <= 2:
                if side.day is not None:
                    raise _Bad("two day numbers in one date")
                side.day = int(num)
            else:
                raise _Bad(f"{tok!r} is neither a day (1-31) nor a four-digit year")
        elif word in MONTHS:
            if side.month is not None:
                raise _Bad("two months in one date")
            side.month = MONTHS[word]
        elif word in _PART_DAYS:
            side.part = word
        elif word in _FILLER_WORDS:
            continue
        else:
            raise _Bad(f"{tok!r} is not a day, month or year")
    return side


def _split_sides(text: str) -> list[list[str]]:
    norm = _PART_DASH.sub(r"\1 ", text.lower().replace(",", " "))
    sides: list[list[str]] = [[]]
    for tok in _TOKEN.findall(norm):
        is_dash = len(tok) == 1 and (tok == "-" or "\u2010" <= tok <= "\u2015" or tok == "\u2212")
        if is_dash or tok in _RANGE_WORDS:
            if tok == "and" and not sides[-1]:
                continue
            sides.append([])
        else:
            sides[-1].append(tok)
    if len(sides) > 2:
        raise _Bad("more than one range separator")
    if any(not s for s in sides):
        raise _Bad("a range needs a date on both sides")
    return sides


def _infer_year(side: _Side, anchor: date) -> int:
    """Return the most recent year in which the side's start is not after the anchor."""
    assert side.month is not None
    year = anchor.year
    first = side.day if side.day is not None else _PART_DAYS.get(side.part or "", (1, None))[0]
    if (side.month, first) > (anchor.month, anchor.day):
        year -= 1
    return year


def _side_bounds(side: _Side) -> tuple[date, date, str]:
    assert side.year is not None
    if side.month is None:
        if side.day is not None or side.part is not None:
            raise _Bad("a day or 'early/mid/late' needs a month")
        return date(side.year, 1, 1), date(side.year, 12, 31), "year"
    if side.day is not None:
        if side.part is not None:
            raise _Bad("'early/mid/late' cannot qualify a single day")
        d = _safe_date(side.year, side.month, side.day)
        return d, d, "day"
    if side.part is not None:
        lo, hi = _PART_DAYS[side.part]
        end = month_end(side.year, side.month)
        return (
            date(side.year, side.month, lo),
            (end if hi is None else date(side.year, side.month, hi)),
            "range",
        )
    return date(side.year, side.month, 1), month_end(side.year, side.month), "month"


def _parse_text(text: str, anchor: date | None) -> DateSpan:
    """Parse a day/month/year expression written in words; raises _Bad."""
    parts = _split_sides(text)
    sides = [_classify(p) for p in parts]
    if not any(s.month is not None or s.year is not None for s in sides):
        raise _Bad("no month or year")
    if len(sides) == 2:
        left, right = sides
        if left.month is None and (left.day or left.part) and right.month is not None:
            left.month = right.month
        if right.month is None and (right.day or right.part) and left.month is not None:
            right.month = left.month
        if left.year is None and right.year is not None:
            left.year, left.year_inherited = right.year, True
        if right.year is None and left.year is not None:
            right.year, right.year_inherited = left.year, True
    if len(sides) == 2 and anchor is not None and sides[0].year is None is sides[1].year:
        left, right = sides
        if left.month is not None and right.month is not None:
            # One year for the whole range, from its start; "28 Dec - 3 Jan" wraps.
            left.year = _infer_year(left, anchor)
            right.year = left.year + (1 if right.month < left.month else 0)
    for side in sides:
        if side.year is None:
            if side.month is None:
                raise _Bad("a day needs a month")
            if anchor is None:
                raise _Bad("no year given")
            side.year = _infer_year(side, anchor)
    if len(sides) == 2 and sides[0].year == sides[1].year and sides[1].year is not None:
        left, right = sides
        # "28 Dec - 3 Jan 2025": the start belongs to the year before.
        if left.year_inherited and left.month and right.month and left.month > right.month:
            left.year = (left.year or 1) - 1
    if len(sides) == 1:
        start, end, precision = _side_bounds(sides[0])
        return DateSpan(start, end, precision, text)
    (s1, e1, p1), (s2, e2, p2) = _side_bounds(sides[0]), _side_bounds(sides[1])
    return _combine(s1, e1, p1, s2, e2, p2, text)


def _combine(s1: date, e1: date, p1: str, s2: date, e2: date, p2: str, text: str) -> DateSpan:
    del e1, s2
    start, end = s1, e2
    if end < start:
        raise _Bad(f"the end ({end.isoformat()}) is before the start ({start.isoformat()})")
    if start == end:
        return DateSpan(start, end, "day", text)
    precision = p1 if p1 == p2 and p1 in ("week", "month", "year") else "range"
    return DateSpan(start, end, precision, text)


# --------------------------------------------------------------------------- public: arguments


def _parse_endpoint(s: str) -> DateSpan:
    iso = _parse_iso(s)
    if iso is not None:
        return iso
    return _parse_text(s, None)


_ISO_WITH_TIME = re.compile(r"(\d{4}-\d{1,2}-\d{1,2})[T ]\d{1,2}:\d{2}\S*", re.IGNORECASE)


def parse_date_arg(s: str) -> DateSpan:
    """Parse a date or date range given on the command line or in a CSV cell.

    Parameters
    ----------
    s
        ``2024-10-08`` (day), ``2024-10`` (month), ``2024`` (year), ``2024-W42`` (ISO week),
        a range ``A/B`` of any of these, or text such as ``8-13 October 2024``,
        ``8 October 2024``, ``October 2024``, ``8 Oct - 2 Nov 2024``.

    Returns
    -------
    DateSpan
        Start and end (inclusive). Precision: the endpoint's own for one value; for a range
        ``week``/``month``/``year`` when both ends share it, ``day`` when both ends are the
        same day, else ``range``. ``text`` is the input as given.

    Raises
    ------
    DateError
        The input is not one of the accepted forms, names an impossible date
        (``2024-02-30``, ``31 February 2024``) or ends before it starts. The message names
        the input and lists the accepted forms.

    Examples
    --------
    >>> parse_date_arg("2024-10-08/2024-10-13")
    DateSpan(start=datetime.date(2024, 10, 8), end=datetime.date(2024, 10, 13), precision='range', text='2024-10-08/2024-10-13')
    >>> parse_date_arg("2024-W42").start
    datetime.date(2024, 10, 14)
    """
    if not isinstance(s, str):
        msg = f"expected a date as text, got {type(s).__name__}. Accepted forms: {ACCEPTED_FORMS}"
        raise DateError(msg)
    raw = s
    s = s.strip()
    if not s:
        msg = f"empty date {raw!r}. Accepted forms: {ACCEPTED_FORMS}"
        raise DateError(msg)
    try:
        if s.count("/") == 1:
            a, b = (p.strip() for p in s.split("/"))
            if not a or not b:
                raise _Bad("a range A/B needs a date on both sides")
            first, last = _parse_endpoint(a), _parse_endpoint(b)
            assert first.start and first.end and last.start and last.end
            return _combine(
                first.start, first.end, first.precision, last.start, last.end, last.precision, raw
            )
        if "/" in s:
            raise _Bad("more than one '/'")
        timed = _ISO_WITH_TIME.fullmatch(s)
        if timed:
            raise _Bad(f"a time of day is not part of a date here; give the day alone ({timed[1]})")
        if ".." in s:
            raise _Bad("write a range as A/B (2024-10-08/2024-10-13), not A..B")
        span = _parse_endpoint(s)
        return DateSpan(span.start, span.end, span.precision, raw)
    except _Bad as err:
        msg = f"invalid date {raw!r}: {err.args[0]}. Accepted forms: {ACCEPTED_FORMS}"
        raise DateError(msg) from None
    except (ValueError, OverflowError) as err:
        msg = f"invalid date {raw!r}: {err}. Accepted forms: {ACCEPTED_FORMS}"
        raise DateError(msg) from None


# --------------------------------------------------------------------------- report text


def _names(words: list[str]) -> str:
    """Alternation of capitalised and upper-case forms (report text capitalises names)."""
    forms = {w for word in words for w in (word.title(), word.upper())}
    return "(?:" + "|".join(sorted(forms, key=len, reverse=True)) + ")"


_MON = (
    "(?:"
    + _names([calendar.month_name[i] for i in range(1, 13)])
    + r"\b|"
    + _names([*calendar.month_abbr[1:], "Sept"])
    + r"\b\.?)"
)
_WDAY = _names(list(calendar.day_name)) + r"\b"
_DAY = r"(?<![\d,.])(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?(?![\d]|[,.]\d)"
_YEAR = r"(?:1[89]\d\d|2[01]\d\d)(?![\d]|[,.]\d)"
_YP = rf"(?:,?\s+{_YEAR})?"
_SEP = r"(?:\s*[-\u2010-\u2015\u2212]\s*|\s+(?i:to|and|until|till|through)\s+)"
_PART = r"(?:(?i:early|mid|late)(?:\s*-\s*|\s+))"
_DMON = rf"{_DAY}\s+(?:of\s+)?{_MON}"
_MOND = rf"{_MON}\s*{_DAY}"

_ABSOLUTE = re.compile(
    rf"""\b(?=\d|[A-Z]|(?i:between|from|since|early|mid|late)\b)(?P<since>(?i:since)\s+)?(?P<date>
        (?i:between\s+|from\s+)?(?:
            {_DAY}(?:\s+(?:of\s+)?{_MON}{_YP})?{_SEP}{_DMON}{_YP}       # 8-13 October, 8 Oct - 2 Nov 2024
          | {_MOND}{_YP}{_SEP}(?:{_MON}\s*)?{_DAY}{_YP}                 # October 8-13, Oct 8 - Nov 2, 2024
          | {_PART}?{_MON}(?:\s+{_YEAR})?{_SEP}{_PART}?{_MON}(?:\s+{_YEAR})?
          | (?i:early|mid|late){_SEP}{_PART}{_MON}(?:\s+{_YEAR})?  # early and mid-October
        )
        | {_DMON}{_YP}                                                  # 8 October (2024)
        | {_MOND}{_YP}                                                  # Oct. 8(, 2024)
        | {_PART}?{_MON}(?:\s+{_YEAR})?                                 # early November, October 2024
        | (?<![\d-])\d{{4}}-\d{{2}}-\d{{2}}(?![\d-])                    # 2024-10-08
    )""",
    re.VERBOSE,
)
# "the first week of October", "the end of March 2024", "mid-2024", "in recent weeks"
_PERIOD_PART = re.compile(
    rf"""\b(?:
        (?i:the)\s+(?P<mpart>(?i:(?:first|second|third|fourth|last|final)\s+week|
            (?:first|second)\s+half|beginning|start|middle|end))\s+(?i:of)\s+
            (?P<mon>{_MON})(?:,?\s+(?P<myear>{_YEAR}))?
      | (?P<ypart>(?i:early|mid|late))(?:\s*-\s*|\s+)(?P<year>{_YEAR})
      | (?i:in|over|during)\s+(?i:recent|the\s+past\s+few|the\s+last\s+few)\s+
            (?P<recent>(?i:days|weeks|months))
    )""",
    re.VERBOSE,
)
_YEAR_ONLY = re.compile(rf"\b(?P<prep>(?i:in|during|throughout|since|by))\s+(?P<year>{_YEAR})")
# Words before a bare month name that make "May" (and other months) a date, not a verb.
_MAY_OK = re.compile(
    r"(?i:\b(?:in|since|until|of|by|during|through|from|early|mid|late|last|this|next)\s*-?\s*)$"
)

_NUM = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}  # fmt: skip
_RELATIVE = re.compile(
    rf"""\b(?=\d|[A-Z]|(?i:the|yesterday|last|today|tonight|this|an?|one|two|three|four|five|six|
        seven|eight|nine|ten|eleven|twelve|earlier|past|previous|next|on|early|mid|late|over|at|
        during|overnight|in|within)\b)(?:
        (?P<night>(?i:overnight))
      | (?P<hours>(?i:(?:over|in|during|within)\s+the\s+(?:past|last|previous)\s+
        (?:(?P<hn>\d{{1,3}})\s+hours|day)))
      | (?P<wkend>(?i:(?:over|at|during|on)\s+the\s+weekend|(?:last|this|past)\s+weekend))
      |
        (?P<dby>(?i:the\s+day\s+before\s+yesterday))
      | (?P<yday>(?i:yesterday|last\s+night))
      | (?P<today>(?i:today|tonight|this\s+morning|this\s+afternoon|this\s+evening))
      | (?P<prevday>(?i:the\s+previous\s+day|the\s+day\s+before|the\s+preceding\s+day))
      | (?P<n>(?i:an?|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)|\d{{1,3}})
        \s+(?P<unit>(?i:day|week|month|year)s?)\s+(?P<dir>(?i:ago|earlier|before|after|previously))
      | (?P<earlier>(?i:earlier))\s+(?i:this)\s+(?P<eunit>(?i:week|month|year))
      | (?:(?P<part>(?i:early|mid|late))[\s-]+)?(?P<which>(?i:last|this|past|previous|next))
        \s+(?P<punit>(?i:week|month|year))
      | (?:(?P<wmod>(?i:on|last|this|past|next))\s+)?(?P<wday>{_WDAY})
    )\b""",
    re.VERBOSE,
)


def _period(anchor: date, unit: str, back: int) -> tuple[date, date, str]:
    """Return the calendar week/month/year ``back`` periods before the anchor's."""
    if unit == "week":
        monday = anchor - timedelta(days=anchor.weekday() + 7 * back)
        return monday, monday + timedelta(days=6), "week"
    if unit == "month":
        y, m = _add_months(anchor.year, anchor.month, -back)
        return date(y, m, 1), month_end(y, m), "month"
    y = anchor.year - back
    return date(y, 1, 1), date(y, 12, 31), "year"


def _resolve_relative(m: re.Match[str], anchor: date) -> DateSpan:
    text = m.group(0)
    one_day = timedelta(days=1)
    if m.group("night"):  # the night before the publication date
        return DateSpan(anchor - one_day, anchor, "range", text)
    if m.group("hours"):  # "over the past 24 hours", "the past day": the days it reaches
        reach = timedelta(days=-(-int(m.group("hn") or 24) // 24))
        return DateSpan(anchor - reach, anchor, "day" if not reach else "range", text)
    if m.group("wkend"):
        # The Saturday and Sunday before the publication date (its own weekend if it is one).
        sat = anchor - timedelta(days=(anchor.weekday() - 5) % 7)
        end = min(sat + one_day, anchor)
        return DateSpan(sat, end, "day" if end == sat else "range", text)
    if m.group("dby"):
        d = anchor - 2 * one_day
    elif m.group("yday") or m.group("prevday"):
        d = anchor - one_day
    elif m.group("today"):
        d = anchor
    elif m.group("n"):
        word = m.group("n").lower()
        n = _NUM[word] if word in _NUM else int(word)
        unit = m.group("unit").lower().rstrip("s")
        # "ago/earlier/before/previously" count back from the publication date; so does
        # "after", as in "the statements come a day after X said": X is the earlier event.
        if unit == "day":
            d = anchor - timedelta(days=n)
        elif unit == "week":
            start, end, _ = _period(anchor - timedelta(weeks=n), "week", 0)
            return DateSpan(start, end, "week", text)
        else:
            back = n if unit == "month" else 12 * n
            y, mo = _add_months(anchor.year, anchor.month, -back)
            if unit == "month":
                return DateSpan(date(y, mo, 1), month_end(y, mo), "month", text)
            return DateSpan(date(y, 1, 1), date(y, 12, 31), "year", text)
    elif m.group("earlier"):
        start, _, _ = _period(anchor, m.group("eunit").lower(), 0)
        end = max(start, anchor - one_day)
        return DateSpan(start, end, "day" if start == end else "range", text)
    elif m.group("which"):
        which, unit = m.group("which").lower(), m.group("punit").lower()
        if which == "past":
            days = {"week": 7, "month": 30, "year": 365}[unit]
            return DateSpan(anchor - timedelta(days=days - 1), anchor, "range", text)
        back = {"this": 0, "next": -1}.get(which, 1)  # "next month": one period on
        start, end, precision = _period(anchor, unit, back)
        part = (m.group("part") or "").lower()
        if part and unit == "month":  # "early next month": its first third
            first, last = _PART_DAYS[part]
            start, end = start.replace(day=first), end if last is None else start.replace(day=last)
            precision = "range"
        elif part and unit == "year":  # "late last year": its last third
            lo, hi = _PART_MONTHS[part]
            start, end, precision = date(start.year, lo, 1), month_end(start.year, hi), "range"
        return DateSpan(start, end, precision, text)
    else:
        wday = WEEKDAYS[m.group("wday").lower()]
        if (m.group("wmod") or "").lower() == "next":  # the first such day after the anchor
            d = anchor + timedelta(days=(wday - anchor.weekday()) % 7 or 7)
            return DateSpan(d, d, "day", text)
        back = (anchor.weekday() - wday) % 7
        if (m.group("wmod") or "").lower() in ("last", "past") and back == 0:
            back = 7
        d = anchor - timedelta(days=back)
    return DateSpan(d, d, "day", text)


def _resolve_period_part(m: re.Match[str], anchor: date | None) -> DateSpan:
    """Resolve a :data:`_PERIOD_PART` match (a part of a month or year, recent days)."""
    text = m.group(0)
    unknown = DateSpan(None, None, "unknown", text)
    if m.group("recent"):
        if anchor is None:
            return unknown
        back = _RECENT_DAYS[m.group("recent").lower()]
        return DateSpan(anchor - timedelta(days=back), anchor, "range", text)
    if m.group("ypart"):
        year = int(m.group("year"))
        lo, hi = _PART_MONTHS[m.group("ypart").lower()]
        return DateSpan(date(year, lo, 1), month_end(year, hi), "range", text)
    month = MONTHS[m.group("mon").lower().rstrip(".")]
    first, last = _MONTH_PARTS[" ".join(m.group("mpart").lower().split())]
    if m.group("myear"):
        year = int(m.group("myear"))
    elif anchor is None:
        return unknown
    else:
        year = _infer_year(_Side(day=max(first, 1), month=month), anchor)
    end = month_end(year, month)
    lo = end.day + first if first < 0 else first
    hi = end.day if last is None else last
    return DateSpan(date(year, month, lo), date(year, month, hi), "range", text)


def _resolve_absolute(m: re.Match[str], anchor: date | None) -> DateSpan | None:
    text = m.group(0)
    body = m.group("date")
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", body, re.ASCII):
        span = _parse_iso(body)
    else:
        if re.fullmatch(r"(?:May|MAY)\.?", body) and not _MAY_OK.search(
            m.string, 0, m.start("date")
        ):
            return None
        try:
            span = _parse_text(re.sub(r"^(?i:between|from)\s+", "", body), anchor)
        except _Bad as err:
            if anchor is None and err.args[0] == "no year given":
                return DateSpan(None, None, "unknown", text)
            return None
        except (ValueError, OverflowError):  # an inferred year outside 1..9999
            return None
    if span is None or span.start is None:
        return None
    if m.group("since"):
        if anchor is None or anchor < span.start:
            return DateSpan(None, None, "unknown", text)
        return DateSpan(span.start, anchor, "range", text)
    return DateSpan(span.start, span.end, span.precision, text)


def find_date_expressions(text: str, anchor: date | None) -> list[DateMention]:
    """Find and resolve the date expressions in report text.

    Parameters
    ----------
    text
        Report text (any length; the scan is linear).
    anchor
        The publication date. Relative expressions ("on Friday", "yesterday", "last week",
        "2 months ago") and dates without a year ("8 October") resolve against it: a
        weekday is the most recent one on or before the anchor, a day and month the most
        recent such date not after it. With ``None`` they give
        ``DateSpan(None, None, "unknown", text)`` instead of a guess.

    Returns
    -------
    list[DateMention]
        Non-overlapping mentions in text order; the longest wins where several overlap.

    Examples
    --------
    >>> [m.span.start.isoformat() for m in find_date_expressions("on Friday", date(2024, 10, 18))]
    ['2024-10-18']
    """
    found: list[tuple[int, int, DateSpan]] = []
    for m in _ABSOLUTE.finditer(text):
        span = _resolve_absolute(m, anchor)
        if span is not None:
            found.append((m.start(), m.end(), span))
    for m in _PERIOD_PART.finditer(text):
        found.append((m.start(), m.end(), _resolve_period_part(m, anchor)))
    for m in _YEAR_ONLY.finditer(text):
        year = int(m.group("year"))
        since = m.group("prep").lower() == "since"
        a, b = (m.start(), m.end()) if since else (m.start("year"), m.end("year"))
        words = text[a:b]
        if since:
            ok = anchor is not None and anchor.year >= year
            span = (
                DateSpan(date(year, 1, 1), anchor, "range", words)
                if ok
                else DateSpan(None, None, "unknown", words)
            )
        else:
            span = DateSpan(date(year, 1, 1), date(year, 12, 31), "year", words)
        found.append((a, b, span))
    for m in _RELATIVE.finditer(text):
        if anchor is None:
            span = DateSpan(None, None, "unknown", m.group(0))
        else:
            try:
                span = _resolve_relative(m, anchor)
            except (ValueError, OverflowError):
                span = DateSpan(None, None, "unknown", m.group(0))
        found.append((m.start(), m.end(), span))
    found.sort(key=lambda f: (f[0], -(f[1] - f[0])))
    result: list[DateMention] = []
    last_end = -1
    for start, end, span in found:
        if start >= last_end:
            result.append(DateMention(start, end, text[start:end], span))
            last_end = end
    return _chain(text, result)


# Days counted from the day told just before: "left on Monday and arrived the following day".
_CHAINED = re.compile(
    r"(?i)\b(?:the\s+(?:following|next)\s+(?P<part>day|morning|afternoon|evening|night)"
    r"|(?P<n>an?|one|two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+days?\s+later)\b"
)
CHAIN_REACH = 300  # characters back, within the paragraph, to the day counted from


def _chain(text: str, mentions: list[DateMention]) -> list[DateMention]:
    """Add "the following day" / "two days later" counted from the day named before it.

    Without a single day named shortly before, in the same paragraph, nothing is added
    (no guess from the publication date).
    """
    out = list(mentions)
    for m in _CHAINED.finditer(text):
        if any(x.start < m.end() and m.start() < x.end for x in mentions):
            continue
        before = [
            x
            for x in mentions
            if x.end <= m.start()
            and m.start() - x.end <= CHAIN_REACH
            and "\n\n" not in text[x.end : m.start()]
        ]
        if not before:
            continue
        base = before[-1].span
        if base.precision != "day" or base.start is None:
            continue
        n = m.group("n")
        days = 1 if n is None else _NUM.get(n.lower()) or int(n)
        day = base.start + timedelta(days=days)
        out.append(
            DateMention(m.start(), m.end(), m.group(0), DateSpan(day, day, "day", m.group(0)))
        )
    out.sort(key=lambda x: x.start)
    return out


def find_date_spans(text: str) -> list[tuple[int, int]]:
    """Return the ``(start, end)`` offsets of calendar-date wording, without resolving it.

    A fast pass for other parsers (counts) that must not read "8 October" or
    "2024-10-08" as numbers: day/month/year forms and ISO dates, in text order.
    """
    return [(m.start(), m.end()) for m in _ABSOLUTE.finditer(text)]


def resolve_expression(text: str, anchor: date | None) -> DateSpan | None:
    """Resolve one date expression (the whole of ``text``) against ``anchor``.

    Returns
    -------
    DateSpan or None
        The span when ``text`` (stripped of surrounding spaces and punctuation) is exactly
        one expression :func:`find_date_expressions` understands, else ``None``.
    """
    core = text.strip().strip(".,;:()")
    mentions = find_date_expressions(core, anchor)
    if len(mentions) == 1 and mentions[0].start == 0 and mentions[0].end == len(core):
        return mentions[0].span
    return None
