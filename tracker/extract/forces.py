"""The force a sentence is about: actor phrase, formation (unit), event type and count.

Imports: stdlib, tracker.extract.lexicon.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from tracker.extract import lexicon

_WORD = re.compile(r"(?:[A-Z]\.){2,}|[\w’'-]+")
_ACTOR_MODIFIERS = frozenset(
    [
        "special",
        "operation",
        "operations",
        "forces",
        "military",
        "elite",
        "armed",
        "paramilitary",
        "airborne",
        "naval",
        "navy",
        "army",
        "border",
        "coast",  # "coast guard vessels"
        "regular",
        "additional",
        "more",
        "new",
        "fresh",
        "combat",
        "ground",
        "assault",
        "reserve",
        "mechanised",
        "mechanized",
        "motorised",
        "motorized",
        "rifle",
        "infantry",
        "tank",
        "armoured",
        "armored",
        "rocket",
        "missile",
        "air",
        "marine",
        "light",
        "heavy",
        "its",
        "their",
        "own",
        "his",
        "her",
        "government",
        "rebel",
    ]
)
_NOT_ACTOR_START = frozenset(
    [
        "the",
        "a",
        "an",
        "of",
        "some",
        "and",
        "or",
        "with",
        "about",
        "on",
        "in",
        "at",
        "by",
        "from",
        "to",
        "for",
        "earlier",
        "later",
        "also",
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "dozens",
        "hundreds",
        "thousands",
        "several",
        "many",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
)


@dataclass(frozen=True, slots=True)
class CountInfo:
    """A troop count read from a counts mention."""

    count: int | None
    low: int | None
    high: int | None
    qualifier: str | None
    unit: str
    start: int
    end: int


_STRONG_EQUIPMENT = frozenset({"tanks", "tank", "warships", "artillery"}) | (
    lexicon.WARCRAFT - {"carrier", "carriers"}
)
_WEAK = (lexicon.EQUIPMENT_NOUNS - _STRONG_EQUIPMENT) | frozenset(
    {"unit", "units", "guard", "guards", "force", "engineers", "police", "officers"}
)
_MILITARY = r"military|armou?red|army|navy|naval|combat|troop"  # qualifiers of a force
_MILITARY_BEFORE = re.compile(
    rf"(?i)\b(?:{_MILITARY}|fighter|attack|war|air\s+force|missile|patrol|aircraft)\s+"
    r"(?:[\w-]+\s+){0,1}$"
)
# "a convoy of about 40 military trucks": the qualifier after "of" makes it military
_MILITARY_OF = re.compile(rf"(?i)\s+of\s+(?:[\w,-]+\s+){{0,3}}?(?:{_MILITARY})\b")


def force_strength(sentence: str) -> int:
    """Return how plainly a sentence names forces: 2, 1 (equipment only) or 0.

    2: troops, soldiers, brigades...; 1: only equipment or ambiguous words (vehicles,
    aircraft, units, guard) without a military qualifier; 0: neither. A capitalised noun followed by a number ("Troop 198") is a name, not a force.
    """
    best = 0
    for m in _WORD.finditer(sentence):
        w = m.group()
        wl = w.lower()
        if wl not in lexicon.FORCE_NOUNS:
            continue
        if w[:1].isupper() and re.match(r"\s+\d", sentence[m.end() : m.end() + 3]):
            continue
        weak = (
            wl in _WEAK
            and not _MILITARY_BEFORE.search(sentence[max(0, m.start() - 40) : m.start()])
            and not _MILITARY_OF.match(sentence, m.end())
        )
        best = max(best, 1 if weak else 2)
        if best == 2:
            break
    return best


def has_force_noun(sentence: str) -> bool:
    """Tell whether the sentence names forces or their equipment (strength >= 1)."""
    return force_strength(sentence) > 0


_DIRECTIONAL = ("deployment_decision", "withdrawal", "arrival", "movement")


# A relative clause describes the force, it is not what the sentence reports: "Ethiopian
# soldiers, who have fought al-Shabaab for two decades, remain in Baidoa" is presence.
RELATIVE_CLAUSE = re.compile(r",\s+(?:who|which|where)\s+[^,;]*(?:,|$)|\bwhose\s+[^,;]*")


# "... is likely to take on a larger role once the mission completes its withdrawal": what
# a condition waits for is not what the sentence reports.
_CONDITION_CLAUSE = re.compile(
    r"\b(?:once|until|unless)\s+[^;]*$|\b(?:after|amid|following)\s+[^,;]*", re.I
)
_TOTAL = re.compile(
    r"\b(?:bring|brings|brought|bringing|raise|raises|raised|raising|take|takes|took|taking)\s+"
    r"(?:the\s+)?(?:total\s+)?(?:number|total|strength|size)\s+of\b",
    re.I,
)


def event_types_of(sentence: str) -> list[str]:
    """Return every event type the sentence's verbs signal, strongest first.

    Cues inside ", who ...," / ", which ...," clauses count only when the rest has none.
    """
    main = _CONDITION_CLAUSE.sub(" ", RELATIVE_CLAUSE.sub(" ", sentence.rstrip(" .")))
    if _TOTAL.search(main):
        return ["presence"]  # "the arrivals bring the number of officers in X to 600"
    types = [name for name, pattern in lexicon.EVENT_CUES if pattern.search(main)]
    return types or [name for name, pattern in lexicon.EVENT_CUES if pattern.search(sentence)]


def event_type_for(types: list[str], role: str | None) -> str:
    """Pick the event type for one place: a direction (to/from/through) needs a motion type."""
    if role in ("origin", "destination", "transit"):
        # Where they went is not where they withdrew ("left X and reached Y"): a
        # destination takes another motion type when the sentence has one.
        moving = [t for t in types if t in _DIRECTIONAL]
        if role == "destination" and moving[:1] == ["withdrawal"] and len(moving) > 1:
            return moving[1]
        if role == "origin" and moving[:1] == ["withdrawal"] and "arrival" in moving:
            return "movement"  # "left X and reached Y": a journey, not a pull-out from X
        if moving:
            return moving[0]
    return types[0] if types else "other"


_NOT_HEADS = frozenset({"force", "unit", "army", "troop"})  # "troop deployment"


def find_actor(sentence: str, counted: tuple[int, int] | None = None) -> str | None:
    """Return the force phrase ("North Korean special operation forces"), or ``None``.

    The phrase is the force noun a troop count counts (``counted``: the count's span in
    the sentence; "Ukraine's special forces said they killed 12 North Korean soldiers" is
    about the soldiers), else the first force noun, with the capitalised words and
    modifiers right before it (numbers and articles excluded).

    Examples
    --------
    >>> find_actor("Ships moved 1,500 North Korean special operation forces to the port.")
    'North Korean special operation forces'
    """
    toks = list(_WORD.finditer(sentence))
    heads = [
        i
        for i, t in enumerate(toks)
        if t.group().lower() in lexicon.FORCE_NOUNS and t.group().lower() not in _NOT_HEADS
    ]
    # "Marine Brigade", "Guards Tank Army": a force noun before another is its modifier
    heads = [i for i in heads if not _before_force_noun(sentence, toks, i)]
    people = [i for i in heads if toks[i].group().lower() not in lexicon.EQUIPMENT_NOUNS]
    if counted is not None:
        of_count = [i for i in people if counted[0] <= toks[i].start() < counted[1]]
        if of_count:
            phrase, bare = _actor_phrase(sentence, toks, of_count[-1])
            if not bare:  # "30 soldiers" alone says less than "North Korean army units"
                return phrase
    for i in people[:1] or heads[:1]:
        return _actor_phrase(sentence, toks, i)[0]
    return None


def _before_force_noun(sentence: str, toks: list[re.Match[str]], i: int) -> bool:
    """Whether force noun ``i`` is followed, one space on, by another that can head."""
    return (
        i + 1 < len(toks)
        and sentence[toks[i].end() : toks[i + 1].start()] == " "
        and toks[i + 1].group().lower() in lexicon.FORCE_NOUNS
        and toks[i + 1].group().lower() not in _NOT_HEADS
    )


def _actor_phrase(sentence: str, toks: list[re.Match[str]], i: int) -> tuple[str, bool]:
    """Return the actor phrase ending at force noun ``i``, and whether it is the bare noun."""
    t = toks[i]
    j = i
    while j > 0:
        prev = toks[j - 1].group()
        pl = prev.lower()
        gap = sentence[toks[j - 1].end() : toks[j].start()]
        if gap.strip() not in ("", "-"):
            break
        if pl in _NOT_ACTOR_START or prev[:1].isdigit():
            break
        if prev[:1].isupper() or pl in _ACTOR_MODIFIERS:
            j -= 1
            continue
        break
    end = t.end()
    if i + 1 < len(toks) and sentence[end : toks[i + 1].start()] == " ":
        nxt = toks[i + 1].group()
        if nxt[:1].isupper() and nxt.lower() in _NOT_HEADS:
            end = toks[i + 1].end()  # "Guards Tank Army"
    tail = re.match(r"\s+of\s+(?:the\s+)?(?:[A-Z][\w’'.-]*\s*){1,6}", sentence[end:])
    if tail:  # "soldiers of North Korea"
        end += len(tail.group().rstrip())
        k = next((n for n in range(i + 1, len(toks)) if toks[n].start() >= end), None)
        if k is not None and toks[k].group().lower() in lexicon.FORCE_NOUNS:
            return _actor_phrase(sentence, toks, k)  # "units of North Korean soldiers"
    # A capitalised sentence-initial word that is not a name ("Additionally") is dropped.
    phrase = sentence[toks[j].start() : end]
    if j == 0 and toks[0].group().lower() in _NOT_ACTOR_START:
        phrase = sentence[toks[1].start() : t.end()]
    return phrase, j == i and end == t.end()


def find_unit(sentence: str) -> str | None:
    """Return a named formation ("98th Division", "45th Panzer Brigade"), or ``None``."""
    m = lexicon.UNIT_RE.search(sentence)
    return m.group(0).strip() if m else None


def _get(obj: Any, *names: str) -> Any:
    for n in names:
        if hasattr(obj, n):
            return getattr(obj, n)
    return None


_NOUN_MODIFIERS = frozenset(
    [
        "military",
        "armored",
        "armoured",
        "navy",
        "naval",
        "combat",
        "fighter",
        "transport",
        "attack",
        "war",
        "special",
        "elite",
        "additional",
        "more",
        "regular",
        "fresh",
        "new",
    ]
)
_AFTER_WORD = re.compile(r"\s+((?:[A-Z]\.){2,}|[\w’'-]+)")


def _force_noun_after(text: str, end: int) -> tuple[str, int] | None:
    """Return the force noun within four words after a bare figure, and where it ends."""
    pos = end
    for _ in range(4):
        m = _AFTER_WORD.match(text, pos)
        if m is None:
            return None
        w = m.group(1)
        if w.lower() in lexicon.FORCE_NOUNS:
            return w.lower(), m.end()
        if not (w[:1].isupper() or w.lower() in _NOUN_MODIFIERS):
            return None
        pos = m.end()
    return None


_NUMBER_OF = re.compile(
    r"(?i)\bnumber\s+of\s+(?:[\w'’-]+\s+){0,3}?(?:troops|soldiers|officers|personnel|"
    r"servicemen|forces|police|peacekeepers)\b[^.;]{0,60}?\bto\s+(?:about\s+|around\s+|some\s+|"
    r"nearly\s+|almost\s+|more\s+than\s+|over\s+)?$"
)


def read_count(mention: Any, text: str) -> CountInfo | None:
    """Turn a :func:`tracker.counts.find_counts` mention into a :class:`CountInfo`.

    Only counts of forces or their equipment are kept (not kilometres, years, ordinals or
    bare figures). A bare figure followed by equipment ("71 Chinese military aircraft")
    counts that equipment.
    """
    unit = (_get(mention, "unit", "count_unit") or "").lower()
    if unit and unit not in lexicon.FORCE_UNITS:
        return None
    end = int(_get(mention, "end"))
    if re.match(r"(?i)an?\s", str(_get(mention, "text") or "")):
        return None  # "a brigade returning home": an article, not a figure
    if _get(mention, "noun") is None:
        found = _force_noun_after(text, end)
        start = int(_get(mention, "start"))
        if found is None and _NUMBER_OF.search(text, max(0, start - 120), start):
            found = ("troops", end)  # "bring the number of Kenyan officers in Haiti to 600"
        if found is None:
            return None
        noun, end = found
        unit = noun if noun in lexicon.EQUIPMENT_NOUNS else "troops"
    value = _get(mention, "count", "value")
    low = _get(mention, "count_low", "low")
    high = _get(mention, "count_high", "high")
    if value is None and low is None and high is None:
        return None
    return CountInfo(
        count=value,
        low=low,
        high=high,
        qualifier=_get(mention, "qualifier", "count_qualifier"),
        unit=unit or "troops",
        start=int(_get(mention, "start")),
        end=end,
    )


def pick_count(counts: list[CountInfo]) -> tuple[CountInfo | None, list[CountInfo]]:
    """Return the headline count (people before formations and kit) and the others."""
    if not counts:
        return None, []

    def key(c: CountInfo) -> tuple[int, int]:
        kit = c.unit in lexicon.FORMATION_UNITS or c.unit in lexicon.EQUIPMENT_NOUNS
        return int(kit), c.start

    ordered = sorted(counts, key=key)
    return ordered[0], ordered[1:]
