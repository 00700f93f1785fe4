"""Normalise the fields clustering compares: actors, claimants, units of count, formations.

Report wording varies ("North Korean troops", "DPRK soldiers", "Korean People's Army
units"); these helpers map it onto a small vocabulary so two events can be compared and
the comparison explained. The tables are deliberately short and readable: extend them
when a theatre needs it.
Imports: stdlib only.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Phrase -> side (a country code, or an organisation key). Longest phrases first.
_SIDES: tuple[tuple[str, str], ...] = (
    ("korean people s army", "KP"),
    ("north korean", "KP"),
    ("north korea", "KP"),
    ("south korean", "KR"),
    ("south korea", "KR"),
    ("pyongyang", "KP"),
    ("dprk", "KP"),
    ("kpa", "KP"),
    ("kcna", "KP"),
    ("wagner", "WAGNER"),
    ("prigozhin", "WAGNER"),
    ("africa corps", "RU"),
    ("russian", "RU"),
    ("russia", "RU"),
    ("kremlin", "RU"),
    ("peskov", "RU"),
    ("gerasimov", "RU"),
    ("tass", "RU"),
    ("belarusian", "BY"),
    ("belarus", "BY"),
    ("lukashenko", "BY"),
    ("ukrainian", "UA"),
    ("ukraine", "UA"),
    ("zelenskyy", "UA"),
    ("zelensky", "UA"),
    ("umerov", "UA"),
    ("hur", "UA"),
    ("gur", "UA"),
    ("sbu", "UA"),
    ("nis", "KR"),
    ("jcs", "KR"),
    ("seoul", "KR"),
    ("pentagon", "US"),
    ("state department", "US"),
    ("white house", "US"),
    ("blinken", "US"),
    ("american", "US"),
    ("chinese", "CN"),
    ("china", "CN"),
    ("iranian", "IR"),
    ("iran", "IR"),
)

# The country a non-state side belongs to, for "is this the acting side?".
SIDE_COUNTRY = {"WAGNER": "RU"}

_KINDS: dict[str, str] = {}
for _word in [
    "troops",
    "troop",
    "soldiers",
    "soldier",
    "forces",
    "force",
    "army",
    "armies",
    "servicemen",
    "serviceman",
    "fighters",
    "fighter",
    "marines",
    "marine",
    "units",
    "unit",
    "brigade",
    "brigades",
    "battalion",
    "battalions",
    "regiment",
    "regiments",
    "division",
    "divisions",
    "corps",
    "military",
    "personnel",
    "columns",
    "column",
    "convoys",
    "convoy",
    "instructors",
    "instructor",
    "officers",
    "officer",
    "sappers",
    "special",
    "operation",
    "operations",
    "infantry",
    "paratroopers",
    "mercenaries",
    "contingent",
]:
    _KINDS[_word] = "military"
for _word in [
    "workers",
    "worker",
    "labourers",
    "laborers",
    "labourer",
    "laborer",
    "students",
    "student",
    "civilians",
    "civilian",
    "refugees",
    "refugee",
    "tourists",
    "diplomats",
    "delegation",
]:
    _KINDS[_word] = "civilian"
for _word in [
    "containers",
    "container",
    "shells",
    "shell",
    "munitions",
    "ammunition",
    "missiles",
    "missile",
    "weapons",
    "rockets",
    "drones",
    "artillery",
    "tanks",
    "vehicles",
]:
    _KINDS[_word] = "materiel"

# Unit of count -> class; two counts are comparable only within one class.
_COUNT_UNITS = {
    "": "troops",
    "troops": "troops",
    "soldiers": "troops",
    "personnel": "troops",
    "fighters": "troops",
    "servicemen": "troops",
    "men": "troops",
    "people": "troops",
    "killed": "killed",
    "dead": "killed",
    "deaths": "killed",
    "fatalities": "killed",
    "wounded": "wounded",
    "injured": "wounded",
    "casualties": "casualties",
    "killed or wounded": "casualties",
    "killed and wounded": "casualties",
}

_FORMATIONS = (
    "brigade",
    "division",
    "corps",
    "regiment",
    "battalion",
    "army",
    "company",
    "group",
    "fleet",
)
_WORD = re.compile(r"[a-z0-9]+")


def _words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower().replace("’", "'").replace("'", " ")))


@lru_cache(maxsize=65536)
def side_of(text: str | None) -> str | None:
    """Return the side (country code or organisation key) a phrase names, or None.

    Examples
    --------
    >>> side_of("DPRK soldiers"), side_of("Kremlin (Peskov)"), side_of("Belaruski Hajun")
    ('KP', 'RU', None)
    """
    if not text:
        return None
    padded = f" {_words(text)} "
    for phrase, side in _SIDES:
        if f" {phrase} " in padded:
            return side
    return None


@lru_cache(maxsize=65536)
def actor_key(actor: str | None) -> tuple[str | None, str | None]:
    """Return ``(side, kind)`` of an actor: kind is military, civilian, materiel or None.

    Examples
    --------
    >>> actor_key("North Korean special forces"), actor_key("North Korean workers")
    (('KP', 'military'), ('KP', 'civilian'))
    """
    if not actor:
        return None, None
    kind = None
    for w in _words(actor).split():
        k = _KINDS.get(w)
        if k is not None:
            kind = k
            if k != "military":
                break
    return side_of(actor), kind


@lru_cache(maxsize=4096)
def count_unit_class(unit: str | None) -> str:
    """Return the class of a unit of count (``troops`` when unset).

    Examples
    --------
    >>> count_unit_class(None), count_unit_class("Soldiers"), count_unit_class("containers")
    ('troops', 'troops', 'containers')
    """
    u = _words(unit or "")
    return _COUNT_UNITS.get(u, u)


@lru_cache(maxsize=65536)
def formation_key(unit: str | None) -> str | None:
    """Return a formation's comparable key: its number and type, else its words.

    Examples
    --------
    >>> formation_key("810th Naval Infantry Brigade"), formation_key("810 brigade")
    ('810 brigade', '810 brigade')
    """
    if not unit:
        return None
    words = _words(unit).split()
    num = next((re.sub(r"(st|nd|rd|th)$", "", w) for w in words if w[:1].isdigit()), None)
    kind = next((w for w in reversed(words) if w in _FORMATIONS), None)
    if num and kind:
        return f"{num} {kind}"
    return " ".join(words) or None


@lru_cache(maxsize=65536)
def claimant_key(claimed_by: str | None) -> str:
    """Return a claimant's comparable form (lower-case words; empty when unknown).

    Examples
    --------
    >>> claimant_key("South Korea's NIS") == claimant_key("south korea s nis")
    True
    """
    return _words(claimed_by or "")
