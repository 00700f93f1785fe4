"""Troop counts in report text: "about 1,500", "up to 12,000", "11,000-12,000", "four brigades".

:func:`find_counts` returns one :class:`CountMention` per figure, with the figure's
qualifier (one of ``model.COUNT_QUALIFIERS`` or None) and unit (``troops`` unless the noun
is a formation: ``brigades``, ``battalions``, ``regiments``, ``divisions``...). It does not
read years, dates (found with :func:`tracker.dates.find_date_spans`), ordinals and
designations ("11th Corps", "Unit 29155", "Su-34"), ages ("19-year-old", "aged 25"),
measures, money or percentages as counts.

Conventions (documented in docs/dates.md, "Counts"):

- A single figure sets ``count``; ``up to N`` also sets ``count_high = N``; ``at least N``
  and ``more than N`` set ``count_low = N``.
- A range ("11,000-12,000", "between 11,000 and 12,000") sets ``count_low``/``count_high``
  and leaves ``count`` None: the two ends are never averaged.
- Vague amounts set bounds only: "dozens of" 24-99, "hundreds of" 200-999, "thousands of"
  2,000-9,999, "tens of thousands of" 20,000-99,999 (also "several/a few thousand").
- Word numbers ("twelve thousand", "four brigades") and ``a``/``an`` before a formation
  ("a brigade") need a troop or formation noun after them; digit figures may stand alone
  (``noun`` is then None and the caller decides from context).

Imports: stdlib, tracker.dates.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from tracker.dates import find_date_spans


@dataclass(frozen=True, slots=True)
class CountMention:
    """A figure of troops or formations found in text.

    Attributes
    ----------
    start, end
        Offsets of the figure with its qualifier and noun (``text[start:end]``).
    text
        The words as written.
    count, count_low, count_high
        The figure and its bounds (see the module conventions).
    qualifier
        ``about``, ``up_to``, ``at_least``, ``more_than``, ``exactly`` or None.
    unit
        ``troops`` or the formation (``brigades``, ``battalions``...).
    noun
        The noun that followed the figure ("soldiers", "brigades"), or None for a bare figure.
    """

    start: int
    end: int
    text: str
    count: int | None
    count_low: int | None
    count_high: int | None
    qualifier: str | None
    unit: str
    noun: str | None = None


TROOP_NOUNS = frozenset(
    {
        "troops", "troop", "soldiers", "soldier", "forces", "servicemen", "serviceman",
        "servicemembers", "personnel", "fighters", "men", "marines", "commandos",
        "paratroopers", "mercenaries", "recruits", "conscripts", "reservists", "infantry",
        "infantrymen", "sappers", "snipers", "officers", "operatives", "volunteers",
        "militants", "combatants", "guards", "members", "workers", "engineers", "specialists",
        "instructors", "pilots", "sailors", "crew", "crews", "policemen", "gendarmes",
    }
)  # fmt: skip
FORMATION_NOUNS: dict[str, str] = {
    "brigade": "brigades", "brigades": "brigades", "battalion": "battalions",
    "battalions": "battalions", "regiment": "regiments", "regiments": "regiments",
    "division": "divisions", "divisions": "divisions", "company": "companies",
    "companies": "companies", "platoon": "platoons", "platoons": "platoons",
    "squad": "squads", "squads": "squads", "detachment": "detachments",
    "detachments": "detachments", "battlegroups": "battlegroups", "battlegroup": "battlegroups",
    "units": "units", "unit": "units", "corps": "corps", "army": "armies", "armies": "armies",
}  # fmt: skip
# Equipment counted by kind ("about 70 trucks and armoured vehicles", "two transport
# aircraft"); a sentence's headline count prefers people (extract.forces.pick_count).
EQUIPMENT_UNITS: dict[str, str] = {
    "vehicles": "vehicles", "trucks": "vehicles", "tanks": "tanks", "aircraft": "aircraft",
    "planes": "aircraft", "jets": "aircraft", "helicopters": "helicopters", "ships": "ships",
    "warships": "ships", "vessels": "ships", "boats": "ships", "drones": "drones",
    "frigates": "ships", "destroyers": "ships", "corvettes": "ships", "cruisers": "ships",
    "submarines": "ships", "carriers": "ships", "warplanes": "aircraft", "bombers": "aircraft",
}  # fmt: skip
_STOP = frozenset(
    {
        "the", "to", "in", "and", "or", "were", "was", "are", "is", "have", "has", "had", "from",
        "at", "on", "by", "with", "that", "which", "who", "for", "into", "as", "but", "their",
        "them", "they", "his", "her", "its", "this", "these", "those", "be", "been", "will",
        "would", "could", "per", "than", "more", "less", "kilometres", "km", "miles",
    }
)  # fmt: skip
_QUALIFIERS = {
    "about": "about", "around": "about", "roughly": "about", "some": "about",
    "approximately": "about", "approx.": "about", "an estimated": "about", "estimated": "about",
    "nearly": "about", "almost": "about", "close to": "about", "~": "about",
    "up to": "up_to", "as many as": "up_to", "no more than": "up_to", "at most": "up_to",
    "a maximum of": "up_to", "fewer than": "up_to", "less than": "up_to", "under": "up_to",
    "at least": "at_least", "no fewer than": "at_least", "no less than": "at_least",
    "a minimum of": "at_least", "more than": "more_than", "over": "more_than",
    "upwards of": "more_than", "in excess of": "more_than", "above": "more_than",
    "exactly": "exactly", "precisely": "exactly",
}  # fmt: skip
_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1000, "million": 1_000_000}
_VAGUE = {
    "dozens": (24, 99), "hundreds": (200, 999), "thousands": (2000, 9999),
    "tens of thousands": (20000, 99999), "several hundred": (200, 999),
    "a few hundred": (200, 999), "several thousand": (2000, 9999), "a few thousand": (2000, 9999),
}  # fmt: skip

_QUAL_RE = "|".join(re.escape(q) for q in sorted(_QUALIFIERS, key=len, reverse=True))
_WORD = "|".join(sorted([*_UNITS_WORDS, *_SCALES, "dozen"], key=len, reverse=True))
# Thousands grouped by commas ("12,000") or by spaces ("12 000", "12\u202f000": the SI and
# European convention, common in Ukrainian, Russian and French sources translated to English).
_GROUP_SPACE = "[ \u00a0\u2009\u202f]"
_DIGITS = (
    rf"(?:\d{{1,3}}(?:,\d{{3}})+|\d{{1,3}}(?:{_GROUP_SPACE}\d{{3}}(?!\d))+|\d+)"
    r"(?:\.\d+)?(?:\s*[kK]\b|\s+(?i:thousand|million)\b)?"
)
_WORDS = (
    rf"(?:(?:an?\s+(?:hundred|thousand|dozen)|(?:{_WORD}))(?:(?:\s+|-)(?:and\s+)?(?:{_WORD}))*)\b"
)
_NUM = rf"(?:{_DIGITS}|{_WORDS})"
_VAGUE_RE = "|".join(re.escape(v) for v in sorted(_VAGUE, key=len, reverse=True))
_COUNT = re.compile(
    rf"""(?<![\w.,$€£¥₩₽#/:])(?<![\w]-)
    (?:(?P<qual>{_QUAL_RE})\s+)?
    (?:
        (?P<vague>{_VAGUE_RE})(?:\s+of\b)?
      | (?:(?P<between>between|from)\s+)?(?P<n1>{_NUM})
        (?:(?P<sep>\s*[-\u2013\u2014]\s*|\s+to\s+|(?(between)\s+and\s+|(?!)))(?P<n2>{_NUM}))?
      | (?P<a>an?)(?=\s+(?:brigade|battalion|regiment|platoon|detachment)\b)
    )
    (?![\w]|[.,:-]\d)""",
    re.VERBOSE | re.IGNORECASE,
)
_TOKEN = re.compile(r"[A-Za-z][\w'’]*(?:-[A-Za-z][\w'’]*)*|\S")
_AFTER_EXCLUDE = re.compile(
    r"(?i)\s*-?\s*(?:years?|yrs?|year-olds?|months?|weeks?|days?|hours?|minutes?|seconds?|"
    r"km|kms|kilomet|miles?|mi\b|metres?|meters?|m\b|cm|mm|kg|kilograms?|tons?|tonnes?|"
    r"per\s*cent|percent|%|times|°|degrees|dollars|euros|won|rubles|roubles|yuan|pounds|"
    r"people|civilians|residents|children|refugees|votes?|points?|pages?|am\b|pm\b|a\.m|p\.m|"
    r"th\b|st\b|nd\b|rd\b)"
)
# The word just before a figure that makes it a designation, an age or money, not a count.
_BEFORE_WORDS = frozenset(
    {
        "aged", "age", "ages", "no.", "no", "nr.", "number", "page", "p.", "pp.", "article",
        "art.", "resolution", "flight", "route", "highway", "unit", "brigade", "battalion",
        "regiment", "division", "corps", "section", "chapter", "hill", "height", "object",
        "building", "room", "usd", "eur", "rub", "krw", "us$", "a$", "hk$",
    }
)  # fmt: skip
_MONEY = frozenset("$€£¥₩₽#")


def _word_number(words: str) -> int | None:
    total, current = 0, 0
    for w in re.split(r"[\s-]+", words.lower()):
        if w == "and" or not w:
            continue
        if w in ("a", "an"):
            current = 1
        elif w in _UNITS_WORDS:
            current += _UNITS_WORDS[w]
        elif w == "dozen":
            current = (current or 1) * 12
        elif w == "hundred":
            current = (current or 1) * 100
        elif w in _SCALES:
            total += (current or 1) * _SCALES[w]
            current = 0
        else:
            return None
    return total + current


def _number(s: str) -> tuple[int | None, int, bool]:
    """Return (value, multiplier, is_digits) of one figure; value None if not an integer."""
    s = s.strip()
    if s[0].isdigit():
        mult = 1
        low = s.lower()
        if low.endswith("k"):
            mult, s = 1000, s[:-1].strip()
        elif low.endswith("thousand"):
            mult, s = 1000, s[: -len("thousand")].strip()
        elif low.endswith("million"):
            mult, s = 1_000_000, s[: -len("million")].strip()
        digits = re.sub(_GROUP_SPACE, "", s.replace(",", ""))
        if len(digits) > 12:  # no army is that large; also keeps float() exact and finite
            return None, mult, True
        value = float(digits) * mult
        if value != int(value) or value > 10**9:
            return None, mult, True
        return int(value), mult, True
    return _word_number(s), 1, False


def _noun_after(text: str, pos: int, *, allow_of: bool) -> tuple[str | None, int]:
    """Return the troop/formation noun within five words after ``pos`` and its end."""
    for i, m in enumerate(_TOKEN.finditer(text, pos, min(len(text), pos + 120))):
        word = m.group(0).lower()
        if word == "of" and allow_of:
            continue
        if word in TROOP_NOUNS or word in FORMATION_NOUNS or word in EQUIPMENT_UNITS:
            # "two infantry brigades", "three tank battalions": the formation is counted
            nxt = _TOKEN.match(text, m.end() + 1) if text[m.end() : m.end() + 1] == " " else None
            if nxt is not None and nxt.group(0).lower() in FORMATION_NOUNS:
                return nxt.group(0).lower(), nxt.end()
            return word, m.end()
        if i >= 5 or word in _STOP or not word[0].isalpha():
            return None, pos
    return None, pos


def find_counts(text: str) -> list[CountMention]:
    """Find troop and formation counts in ``text``.

    Parameters
    ----------
    text
        Report text (the scan is linear in its length).

    Returns
    -------
    list[CountMention]
        In text order, non-overlapping.

    Examples
    --------
    >>> [(c.count, c.qualifier, c.unit) for c in find_counts("about 1,500 troops in four brigades")]
    [(1500, 'about', 'troops'), (4, None, 'brigades')]
    """
    date_spans = find_date_spans(text)
    starts = [s for s, _ in date_spans]
    out: list[CountMention] = []
    for m in _COUNT.finditer(text):
        mention = _mention(text, m, date_spans, starts)
        if mention is not None and (not out or mention.start >= out[-1].end):
            out.append(mention)
    return out


def _in_date(a: int, b: int, spans: list[tuple[int, int]], starts: list[int]) -> bool:
    i = bisect.bisect_right(starts, b) - 1
    while i >= 0 and spans[i][1] > a:
        if spans[i][0] < b:
            return True
        i -= 1
        if i >= 0 and spans[i][1] <= a:
            break
    return False


def _mention(
    text: str, m: re.Match[str], date_spans: list[tuple[int, int]], starts: list[int]
) -> CountMention | None:
    start, end = m.start(), m.end()
    qual_text = (m.group("qual") or "").lower()
    qualifier = _QUALIFIERS.get(re.sub(r"\s+", " ", qual_text)) if qual_text else None
    num_start = m.start("vague") if m.group("vague") else m.start("n1") if m.group("n1") else start
    window = text[max(0, num_start - 24) : num_start]
    if window[-1:] in _MONEY:
        return None
    before = window.split()
    if before and (before[-1].lower() in _BEFORE_WORDS or before[-1][-1] in _MONEY):
        return None
    if _AFTER_EXCLUDE.match(text, end, min(len(text), end + 20)):
        return None
    if _in_date(num_start, end, date_spans, starts):
        return None
    count = low = high = None
    if m.group("vague"):
        low, high = _VAGUE[re.sub(r"\s+", " ", m.group("vague").lower())]
        noun, noun_end = _noun_after(text, end, allow_of=True)
        if noun is None:
            return None
        qualifier = None
    elif m.group("a"):
        count = 1
        noun, noun_end = _noun_after(text, end, allow_of=False)
        if noun is None:
            return None
    else:
        v1, mult1, digits1 = _number(m.group("n1"))
        noun, noun_end = _noun_after(text, end, allow_of=False)
        if v1 is None or (not digits1 and noun is None):
            return None
        if m.group("n2"):
            v2, mult2, _ = _number(m.group("n2"))
            if v2 is None:
                return None
            if mult2 > 1 and mult1 == 1 and v1 * mult2 <= v2:
                v1 *= mult2  # "11-12 thousand"
            if v2 < v1:
                return None
            low, high = v1, v2
        else:
            if (
                digits1
                and noun is None
                and re.fullmatch(r"1[89]\d\d|20\d\d", m.group("n1").strip())
            ):
                return None  # a bare year
            count = v1
            if qualifier == "up_to":
                high = v1
            elif qualifier in ("at_least", "more_than"):
                low = v1
    unit = "troops"
    if noun is not None:
        unit = FORMATION_NOUNS.get(noun) or EQUIPMENT_UNITS.get(noun, "troops")
        end = noun_end
    return CountMention(start, end, text[start:end], count, low, high, qualifier, unit, noun)
