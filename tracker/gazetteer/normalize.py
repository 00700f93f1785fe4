"""Name normalisation: the one function every gazetteer key and every query goes through.

``normalize_name`` folds case, accents and punctuation so that "Wŏnsan" finds "Wonsan" and
"P'yŏngyang" finds "Pyongyang"; Cyrillic and Hangul keep their script (Hangul syllables are
recomposed after accent stripping). ``core_name`` additionally drops administrative words
("oblast", "krai", "region", "Republic of", "область", "край"...) and folds Russian adjective
endings ("Primorskiy", "Primorsky", "Primorskij" -> "primorsk"), so "Primorsky Krai",
"Primorskiy kray" and "Primorskij kraj" share one key. Imports: stdlib only.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_LENGTH = 200

# Apostrophe-like marks vanish (P'yŏngyang -> pyongyang, Arkhangel'sk -> arkhangelsk).
_APOSTROPHES = re.compile(r"[\u0027\u2018\u2019\u02bc\u02bb\u02b9\u02be\u02bf\u0060\u00b4\u2032ʹ]")
# Everything that is not a letter, digit or combining mark becomes a space.
_NON_WORD = re.compile(r"[^\w]+|_+")

# Words that name the kind of an administrative area rather than the area itself.
ADMIN_WORDS = frozenset(
    [
        "oblast",
        "oblasti",
        "oblasts",
        "region",
        "regions",
        "regione",
        "province",
        "provincia",
        "provinz",
        "provincie",
        "krai",
        "kray",
        "kraj",
        "krayi",
        "territory",
        "territorial",
        "republic",
        "respublika",
        "respublikasy",
        "rep",
        "autonomous",
        "avtonomnyj",
        "avtonomnaya",
        "avtonomnaja",
        "autonomnyy",
        "avtonomnyy",
        "okrug",
        "okrugi",
        "district",
        "federal",
        "city",
        "gorod",
        "municipality",
        "governorate",
        "prefecture",
        "state",
        "county",
        "voivodeship",
        "raion",
        "rayon",
        "of",
        "the",
        "do",
        "область",
        "обл",
        "край",
        "республика",
        "автономный",
        "автономная",
        "автономной",
        "округ",
        "регион",
        "город",
        "федерального",
        "значения",
    ]
)

# Russian/Ukrainian adjective endings after -sk-/-ck- (Latin transliterations and Cyrillic).
_ADJ_LATIN = re.compile(
    r"(?<=[a-z])(sk|ck|tsk|zk)(aya|aja|aia|iy|ij|ii|yy|yi|y|i|oy|oj|oye|oe|a|e)$"
)
_ADJ_CYR = re.compile(r"(?<=[а-яй])(ск|цк)(ая|ий|ый|ой|ое|ие|а)$")


def normalize_name(s: str) -> str:
    """Return the matching key of a name: casefolded, accent- and punctuation-free.

    Parameters
    ----------
    s
        Any place name or query, in any script.

    Returns
    -------
    str
        Lower-case words separated by single spaces; empty when nothing is left.

    Examples
    --------
    >>> normalize_name("Wŏnsan")
    'wonsan'
    >>> normalize_name("  P'yŏngyang-si ")
    'pyongyang si'
    >>> normalize_name("Владивосток")
    'владивосток'
    """
    if s.isascii():
        s = s.replace("'", "").replace("`", "").lower()
    else:
        s = _APOSTROPHES.sub("", s).replace("й", "\ue000").replace("Й", "\ue000")
        s = unicodedata.normalize("NFKD", s).translate(_combining_table())
        s = unicodedata.normalize("NFC", s).casefold().translate(_FOLD)
    return " ".join(_NON_WORD.sub(" ", s).split())


_FOLD = str.maketrans(
    {"\ue000": "й", "ё": "е", "ø": "o", "ł": "l", "đ": "d", "ı": "i", "æ": "ae", "œ": "oe"}
)
_COMBINING: dict[int, None] = {}


def _combining_table() -> dict[int, None]:
    """Return a ``str.translate`` table deleting every combining mark (built on first use)."""
    if not _COMBINING:
        for cp in range(0x300, 0x20000):
            if unicodedata.combining(chr(cp)):
                _COMBINING[cp] = None
    return _COMBINING


def _stem(word: str) -> str:
    if len(word) > 5:
        word = _ADJ_LATIN.sub(r"\1", word)
        word = _ADJ_CYR.sub(r"\1", word)
        if word.endswith("ck"):
            word = word[:-2] + "sk"
        elif word.endswith("цк"):
            word = word[:-2] + "ск"
    return word


def core_name(normalized: str) -> tuple[str, bool]:
    """Return the administrative core of a normalized name and whether words were dropped.

    Parameters
    ----------
    normalized
        The output of :func:`normalize_name`.

    Returns
    -------
    tuple[str, bool]
        The core (administrative words removed, adjective endings folded) and ``True``
        when the name contained an administrative word.

    Examples
    --------
    >>> core_name(normalize_name("Primorsky Krai"))
    ('primorsk', True)
    >>> core_name(normalize_name("Kurskaja oblast'"))
    ('kursk', True)
    >>> core_name(normalize_name("Republic of Buryatia"))
    ('buryatia', True)
    """
    words = normalized.split()
    kept = [w for w in words if w not in ADMIN_WORDS]
    dropped = len(kept) != len(words)
    if not kept:
        return normalized, False
    return " ".join(_stem(w) for w in kept), dropped


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def check_name(s: object, *, what: str = "place name") -> str:
    """Return ``s`` stripped, or raise a :class:`ValidationError` saying what is wrong.

    Rejects non-strings, empty or whitespace-only names, names longer than
    ``MAX_NAME_LENGTH`` characters, control characters and names with no letter or digit.
    """
    from tracker.errors import ValidationError

    if not isinstance(s, str):
        msg = f"the {what} must be text, got {type(s).__name__}"
        raise ValidationError(msg)
    t = s.strip()
    if not t:
        msg = f"the {what} is empty; give a name such as 'Vladivostok'"
        raise ValidationError(msg)
    if len(t) > MAX_NAME_LENGTH:
        msg = (
            f"the {what} is {len(t)} characters long; the limit is {MAX_NAME_LENGTH}. "
            "Give only the place name"
        )
        raise ValidationError(msg)
    m = _CONTROL.search(t)
    if m:
        msg = (
            f"the {what} contains the control character U+{ord(m.group()):04X} at position "
            f"{m.start()}; remove it and retry"
        )
        raise ValidationError(msg)
    if not normalize_name(t):
        msg = f"the {what} {t!r} has no letters or digits"
        raise ValidationError(msg)
    return t
