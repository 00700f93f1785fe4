"""Split report text into sentences and paragraphs, keeping character offsets.

Wire copy is regular enough for rules: sentences end at ``.``, ``!`` or ``?`` (optionally
followed by a closing quote) before whitespace and an upper-case letter, digit or quote,
except after common abbreviations ("Gen.", "U.S.", "Oct.", "Ga."); a blank line always
ends a sentence and a paragraph. Imports: stdlib only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Abbreviations that end with a period but rarely end a sentence in news copy.
_ABBREVIATIONS = frozenset(
    [
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "gen",
        "lt",
        "col",
        "maj",
        "capt",
        "cpt",
        "sgt",
        "adm",
        "cmdr",
        "rep",
        "sen",
        "gov",
        "pres",
        "st",
        "ft",
        "mt",
        "jan",
        "feb",
        "mar",
        "apr",
        "jun",
        "jul",
        "aug",
        "sep",
        "sept",
        "oct",
        "nov",
        "dec",
        "no",
        "nos",
        "vs",
        "etc",
        "approx",
        "est",
        "dept",
        "ga",
        "fla",
        "ala",
        "ariz",
        "calif",
        "colo",
        "conn",
        "del",
        "ill",
        "ind",
        "kan",
        "ky",
        "la",
        "md",
        "mass",
        "mich",
        "minn",
        "miss",
        "mo",
        "mont",
        "neb",
        "nev",
        "okla",
        "ore",
        "pa",
        "tenn",
        "tex",
        "va",
        "wash",
        "wis",
        "wyo",
        "inc",
        "corp",
        "co",
        "ltd",
        "bros",
    ]
)

_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9])")
_PARA = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of a report: its offsets in the text and its paragraph number."""

    start: int
    end: int
    text: str
    paragraph: int


def _is_abbreviation(text: str, dot: int) -> bool:
    m = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 12) : dot])
    if not m:
        return False
    word = m.group(1)
    if "." in word.strip("."):  # U.S. / e.g. / a.m.
        return True
    if len(word) == 1 and word.isupper():  # initials: "Kim J. Un"
        return True
    return word.lower() in _ABBREVIATIONS


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Split ``text[start:end]`` into sentences with offsets into ``text``.

    Parameters
    ----------
    text
        The whole report text (offsets stay valid for it).
    start, end
        The part to split (default: all of it).

    Returns
    -------
    list[Sentence]
        Sentences stripped of surrounding whitespace, in order.

    Examples
    --------
    >>> [s.text for s in split_sentences("Troops moved. The U.S. Army said so.")]
    ['Troops moved.', 'The U.S. Army said so.']
    """
    stop = len(text) if end is None else end
    out: list[Sentence] = []
    para_no = 0
    pos = start
    paragraphs = [(m.start(), m.end()) for m in _PARA.finditer(text, start, stop)]
    bounds = [start] + [b for _, b in paragraphs]
    ends = [a for a, _ in paragraphs] + [stop]
    for para_no, (p_start, p_end) in enumerate(zip(bounds, ends, strict=True)):
        pos = p_start
        chunk = text[p_start:p_end]
        for m in _BOUNDARY.finditer(chunk):
            dot = p_start + m.start()
            if text[dot] == "." and _is_abbreviation(text, dot):
                continue
            _append(out, text, pos, p_start + m.end(), para_no)
            pos = p_start + m.end()
        _append(out, text, pos, p_end, para_no)
    return out


def _append(out: list[Sentence], text: str, a: int, b: int, para: int) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        out.append(Sentence(a, b, text[a:b], para))
