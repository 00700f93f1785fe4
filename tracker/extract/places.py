"""Decide which toponyms of a sentence are troop places, and in which role.

The rules follow how news copy attaches places to forces: a preposition or verb right
before the name gives the role ("to the port city of X" destination, "from X" origin,
"through X" transit, "in/at/near X" location, "residents of X" related); a name used as
the subject of a saying verb is a government ("Moscow denied"); a possessive before an
institution is an owner ("Russia's defence ministry"); a coarser name right after a finer
one only locates it ("Fort Stewart, Georgia", "Bremerhaven in Germany", "Russia's Kursk
region"); a name the gazetteer lacks, located by a listed one ("Quiterajo, north of
Macomia"), is placed near it (:func:`unlisted_places`). Imports: stdlib, tracker.model,
tracker.gazetteer, tracker.geoparse, tracker.extract.lexicon.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tracker.extract import lexicon
from tracker.gazetteer import normalize_name
from tracker.geoparse import Toponym
from tracker.model import Place

_KIND_RANK = {
    "city": 0,
    "custom": 0,
    "area": 0,
    "admin2": 1,
    "admin1": 2,
    "macro_region": 3,
    "country": 4,
    "continent": 5,
}
_GOVERNMENT_VERB = re.compile(
    rf"^\s*(?:(?:has|have|had|is|was|will|would|also|did|does|then|later|has\s+not|had\s+not|"
    rf"did\s+not|does\s+not|has\s+also|had\s+also)\s+){{0,2}}(?:{lexicon.SAY_VERBS}|decided|"
    rf"decides|ordered|wants|accused|agreed|plans|planned|insisted|responded|refused|"
    rf"threatened|vowed|sent|dispatched|deployed|demanded|called|urged|hopes|signed)\b",
    re.I,
)
_POSSESSIVE = re.compile(r"^(?:['’]s?|['’])\s+(\S+)")
# "in eastern X", "in the north-western X": the part of a container named before it.
_PART_OF = rf"(?:{lexicon.COMPASS_PART}\s+)?"
_CONTAINER_GAP = re.compile(
    rf"^(?:,\s*(?:in\s+(?:the\s+)?{_PART_OF})?"
    r"|(?:\s+(?:area|region|district|province|city|town|port|base))?\s+(?:in|on)\s+(?:the\s+)?"
    rf"{_PART_OF}"
    r"|\s*\(\s*|,\s+(?:a|an|the|two|three|four|five|several|both)\s+"
    r"(?:[\w-]+\s+){0,3}(?:in|of)\s+(?:the\s+)?|['’]s\s+|\s+(?:region|province|state|oblast|"
    r"krai)\s+(?:of|in)\s+)$",
    re.I,
)
_COMPASS = frozenset(
    [
        "north",
        "south",
        "east",
        "west",
        "northeast",
        "northwest",
        "southeast",
        "southwest",
        "outside",
    ]
)
_LIST_GAP = re.compile(
    r"^\s*(?:,|,?\s+and|,?\s+or)\s+(?:the\s+)?(?:(?:city|town|port|village)\s+of\s+)?$", re.I
)
_WORD = re.compile(r"[A-Za-z][\w'’-]*|\d[\d,.]*")


# What the extractor reads from a geoparser toponym (a place it adds is an Unlisted one).
ToponymLike = Toponym


@dataclass(frozen=True, slots=True)
class PlaceRole:
    """A toponym kept as a troop place, with its role and how the role was found."""

    toponym: ToponymLike
    place: Place
    role: str
    cue: str  # the preposition or verb that gave the role ("" when defaulted)
    near: bool = False
    swapped: bool = False  # the geoparser's province was replaced by its namesake city


_REGION_AFTER = re.compile(
    r"^\s+(?:region|oblast|province|governorate|state|krai|district|county|prefecture|"
    r"voivodeship|department|raion)\b",
    re.I,
)


def city_over_province(text: str, t: ToponymLike) -> tuple[Place, bool]:
    """Prefer the namesake city when the geoparser chose a province the text does not name.

    "in Lviv", "the city of Odesa": a writer who means the province says "Lviv region" or
    "Lviv Oblast". When the geoparser resolved a bare name to an admin1 area and one of its
    candidates is a city of the same name in the same country, the city is the troop
    place. Returns the place and whether it was swapped.
    """
    p = t.place
    assert p is not None
    if p.kind != "admin1" or _REGION_AFTER.match(text[t.end : t.end + 20]):
        return p, False
    if re.search(r"(?i)\b(?:region|oblast|province|governorate|state)\b", t.name):
        return p, False
    key = normalize_name(t.name)
    for c in getattr(t, "candidates", ()) or ():
        if c.kind == "city" and c.country_code == p.country_code and normalize_name(c.name) == key:
            return c, True
    return p, False


def _rank(place: Place) -> int:
    return _KIND_RANK.get(place.kind, 0)


_OWNED_FORMATION = re.compile(
    r"^['’]s?\s+(?:\d+(?:st|nd|rd|th)\b|(?:[A-Z][\w-]*\s+){0,4}(?:Army|Corps|Fleet|Division|"
    r"Brigade|Regiment|Battalion|Forces|Guard|Guards|Navy|Air\s+Force|Legion|Group)\b)"
)


def _is_government(text: str, t: ToponymLike) -> bool:
    """Tell whether a name acts as a government or owner ("Seoul said", "China's military")."""
    after = text[t.end : t.end + 60]
    if _GOVERNMENT_VERB.match(after):
        return True
    if _OWNED_FORMATION.match(after):
        return True  # "Russia's 1st Guards Tank Army", "Russia's Baltic Fleet": an owner
    m = _POSSESSIVE.match(after)
    if m:
        nxt = m.group(1).strip(",.;:").lower()
        if nxt in lexicon.INSTITUTION_WORDS:
            return True
        if m.group(1)[:1].isupper() and nxt not in lexicon.PLACE_DESCRIPTORS:
            # "Ukraine's President ..." / "Yerevan's Zvartnots airport": a title is an owner.
            return nxt in {"president", "prime", "foreign", "defence", "defense", "leader"}
    return False


_STATE_ACTS = re.compile(
    r"^\s*(?:(?:has|have|had|also|then|later|reportedly)\s+){0,2}(?:moved|moves|transferred|"
    r"shipped|withdrew|withdrawn|pulled|sends|massed|stationed|brought|flew|airlifted)\b",
    re.I,
)


def acting_state(text: str, t: ToponymLike) -> bool:
    """Tell whether a name is a state acting as a sentence's subject ("North Korea has sent")."""
    after = text[t.end : t.end + 60]
    if _GOVERNMENT_VERB.match(after):
        return True
    return t.place is not None and t.place.kind == "country" and bool(_STATE_ACTS.match(after))


def _containers(text: str, tops: Sequence[ToponymLike]) -> set[int]:
    """Indexes of toponyms that only locate a neighbouring finer one."""
    out: set[int] = set()
    for i, a in enumerate(tops):
        for j, b in enumerate(tops):
            if i == j or a.place is None or b.place is None:
                continue
            if _rank(b.place) <= _rank(a.place):
                continue
            # b coarser than a: "a, b" / "a in b" / "a, two regions in b" / "b's a" / "a (b)"
            if (b.start >= a.end and _CONTAINER_GAP.match(text[a.end : b.start])) or (
                b.end <= a.start and re.fullmatch(r"['’]s\s+", text[b.end : a.start])
            ):
                out.add(j)
    return out


def _offset_of(before: str, i: int) -> int:
    """Offset in ``before`` of its i-th word counted among its last eight words."""
    words = list(_WORD.finditer(before))[-8:]
    return words[i].start() if i < len(words) else len(before)


_DIRECTION_WORDS = {
    "to": "destination",
    "into": "destination",
    "towards": "destination",
    "toward": "destination",
    "from": "origin",
    "take": "destination",  # "to take up positions around X"
    # "left the Russian position at Qamishli", "abandoned their base in X"
    "left": "origin",
    "abandoned": "origin",
    "vacated": "origin",
    "evacuated": "origin",
}
# Infinitives of purpose whose object is where the troops are sent ("to assist Russia").
_PURPOSE_VERBS = frozenset(["assist", "help", "support", "aid", "reinforce", "bolster", "back"])
_DETERMINERS = frozenset(["the", "a", "an", "its", "their", "new", "field", "railway", "army"])


def _direction_through_site(words: list[str]) -> str | None:
    """Return the direction before a site noun ("to training grounds in X"), or ``None``.

    ``words`` are the lower-cased words before "in"/"at"; the last one must be a site noun
    and a direction word must come at most four words before it, with only determiners,
    modifiers and site nouns between.
    """
    if not words or words[-1] not in lexicon.SITE_NOUNS:
        return None
    for k in range(len(words) - 2, max(-1, len(words) - 6), -1):
        w = words[k]
        if w in _DIRECTION_WORDS:
            return _DIRECTION_WORDS[w]
        if w in lexicon.ROLE_PREPOSITIONS or w in lexicon.EXCLUDING_PREPOSITIONS or w == "of":
            return None
    return None


_NOUN_DESCRIPTORS = frozenset(
    {"town", "city", "village", "region", "province", "district", "port", "capital", "state"}
)


# "moved troops to the border following the attack in X": X is what set the move off.
_AFTER_AN_ATTACK = re.compile(
    r"\b(?:after|following|amid|in\s+response\s+to)\s+(?:[\w'’-]+\s+){0,4}?"
    r"(?:attacks?|strikes?|bombings?|massacres?|killings?|shootings?|ambush(?:es)?|clashes|"
    r"fighting|battles?|raids?|violence|unrest)\s+"
    r"(?:in|on|at|near)\s+(?:the\s+)?$",
    re.I,
)


def _role_before(text: str, start: int, sentence_start: int) -> tuple[str | None, str]:
    """Return (role, cue) from the words right before a toponym; (None, "") when there is none.

    A role of ``"skip"`` means the place is the object of something that is not a troop
    position ("against X", "ambassador to X").
    """
    before = text[sentence_start:start]
    if _AFTER_AN_ATTACK.search(before):
        return "skip", "after an attack"  # the cause of a move, not where troops are
    words = _WORD.findall(before)[-8:]
    words_l = [w.lower().rstrip("'’") for w in words]
    i = len(words_l) - 1
    passed_of = False
    while i >= 0:
        w = words_l[i]
        two = f"{words_l[i - 1]} {w}" if i > 0 else ""
        if w == "of":
            head = words_l[i - 1] if i > 0 else ""
            if head in lexicon.RELATED_HEADS:
                return "related", f"{head} of"
            if two == "out of":
                return "origin", "out of"
            if head in _COMPASS:
                return "location", "near"  # "areas south of X"
            passed_of = True
            i -= 1
            continue
        if w in lexicon.ROLE_PREPOSITIONS:
            prev_w = words_l[i - 1] if i > 0 else ""
            if w in ("to", "for") and prev_w in lexicon.NOT_DIRECTION_BEFORE:
                return "skip", w
            if w == "from" and prev_w in lexicon.SOURCE_NOUNS:
                return "skip", w
            if w == "from" and re.search(
                r"\bacross\s+(?:the\s+)?(?:border|frontier|river|lake|line)\s+$",
                " ".join(words_l[max(0, i - 4) : i]) + " ",
            ):
                return "skip", "across from"  # "gathered at X, across the border from Y"
            if w in ("near", "outside"):
                # "to a base near X": the direction before "near" decides the role.
                inner, cue = _role_before(
                    text, start - len(before) + _offset_of(before, i), sentence_start
                )
                if inner in ("destination", "origin", "transit"):
                    return inner, f"{cue} near"
                return "location", w
            if w in ("in", "at", "around") and i > 0:
                carried = _direction_through_site(words_l[:i])
                if carried is not None:
                    return carried, f"{carried} site {w}"
            return lexicon.ROLE_PREPOSITIONS[w], w
        if w in lexicon.EXCLUDING_PREPOSITIONS:
            return "skip", w
        if w in lexicon.PLACE_DESCRIPTORS or w.endswith(("'s", "’s")):
            i -= 1
            continue
        if words[i][:1].isupper() and i + 1 < len(words_l) and words_l[i + 1] in _NOUN_DESCRIPTORS:
            i -= 1  # "near the Tajik town of Isfara": a nationality before the noun
            continue
        if w in lexicon.RELATED_HEADS and not passed_of:
            return "related", w
        return None, ""
    return None, ""


_TAKE_VERBS = frozenset(
    {
        "captured",
        "capture",
        "seized",
        "seize",
        "retook",
        "retake",
        "retaken",
        "recaptured",
        "overran",
        "stormed",
        "liberated",
        "besieged",
    }
)  # not "shelled", "bombed": strikes from afar put no troops there


# The inside of an appositive that describes the place before it: ", the largest town in ".
_APPOSITIVE_GAP = re.compile(r",\s+(?:its|their|the|a|an)\s+[^,;()]*$|^\s*\([^()]*$")
# A country name used as an adjective of what follows it names the owner, not a place.
_ATTRIBUTIVE_AFTER = re.compile(
    r"-?\s*(?:[\w-]+\s+){0,2}?(?:aircraft\s+carriers?|carriers?|troops|forces|soldiers|"
    r"military|army|navy|officials?|defen[cs]e|embassy|warships?|destroyers?|frigates?|"
    r"jets|drones|personnel|diplomats?|ambassador|government|envoys?|delegation|marines)\b",
    re.I,
)


def assign_roles(
    text: str, sentence_start: int, sentence_end: int, toponyms: Sequence[ToponymLike]
) -> list[PlaceRole]:
    """Return the troop places of one sentence with their roles.

    Parameters
    ----------
    text
        The whole report text (toponym offsets index into it).
    sentence_start, sentence_end
        The sentence's span.
    toponyms
        The geoparser's toponyms inside that span, in text order.

    Returns
    -------
    list[PlaceRole]
        One entry per kept toponym (demonyms, governments, owners, containers and objects of
        "against"/"with" are dropped).
    """
    tops = [
        t
        for t in toponyms
        if t.place is not None
        and t.is_location
        and t.kind != "demonym"
        and t.place.kind != "demonym"
    ]
    drop = _containers(text, tops)
    out: list[PlaceRole] = []
    prev: PlaceRole | None = None
    for i, t in enumerate(tops):
        if i in drop or _is_government(text, t) or acting_state(text, t):
            continue
        before = max((u.end for u in toponyms if u.end <= t.start), default=None)
        if before is not None and _APPOSITIVE_GAP.match(text, before, t.start):
            continue  # "Adre, its main crossing into Sudan's Darfur": describes Adre
        if (
            t.place is not None
            and t.place.kind == "country"
            and _ATTRIBUTIVE_AFTER.match(text, t.end)
        ):
            continue  # "at the U.S. aircraft carrier", "a U.S. defence official": whose

        if lexicon.SPEAKER_BEFORE.search(text[sentence_start : t.start]):
            continue  # "Austin said in Rome": where the speaker was
        venue = lexicon.VENUE_BEFORE.search(text[sentence_start : t.start])
        if venue and not re.search(
            r"\b(?:to|into|towards|from|troops|forces|soldiers)\b", venue.group("gap"), re.I
        ):
            continue  # "a ceremony at the memorial in X", "talks in X": a venue
        if (
            re.fullmatch(r"\s*In\s+", text[sentence_start : t.start])
            and text[t.end : t.end + 1] == ","
        ):
            continue  # "In Seoul, a lawmaker said ...": the scene of a statement
        if re.search(
            r"\b(?:borders?|frontiers?)\s+with\s+(?:the\s+)?$",
            text[max(sentence_start, t.start - 24) : t.start],
        ):
            out.append(PlaceRole(t, t.place, "location", "border with", near=True))  # type: ignore[arg-type]
            continue
        if prev is not None and _LIST_GAP.match(text[prev.toponym.end : t.start]):
            # "Yakutia and Buryatia", "Adigrat, Shire": a list shares its role.
            place, swapped = city_over_province(text, t)
            prev = PlaceRole(t, place, prev.role, prev.cue, prev.near, swapped)
            out.append(prev)
            continue
        role, cue = _role_before(text, t.start, sentence_start)
        if role == "skip":
            continue
        if role is None:
            # Directly after a verb or at the start: "entered Tigray", "Rafah was shelled".
            words = [w.lower() for w in _WORD.findall(text[sentence_start : t.start])]
            while words and words[-1] in lexicon.PLACE_DESCRIPTORS:
                words.pop()  # "captured the village of X": the verb before the descriptors
            last2 = words[-2:]
            verb = last2[-1] if last2 else ""
            owner = text[t.end : t.end + 2] in ("'s", "’s")  # "to back Russia's war"
            if len(last2) == 2 and last2[0] == "to" and verb in _PURPOSE_VERBS and not owner:
                # "sent troops to assist Russia", "to reinforce Kursk": where they go.
                role, cue = "destination", f"to {verb}"
            elif verb in lexicon.ROLE_PREPOSITIONS:
                role, cue = lexicon.ROLE_PREPOSITIONS[verb], verb
            elif verb in {"invaded", "invade", "entering", "enter", "reach", "reaching"}:
                role, cue = "destination", verb
            elif verb in {"leave", "leaving", "quit", "evacuate", "evacuated"}:
                role, cue = "origin", verb
            elif verb in _TAKE_VERBS:  # "captured Wad Madani": where it happened
                role, cue = "location", verb
            else:
                continue
        assert t.place is not None
        place, swapped = city_over_province(text, t)
        prev = PlaceRole(
            t, place, role, cue, near=cue.endswith(("near", "outside")), swapped=swapped
        )
        out.append(prev)
    return out


@dataclass(frozen=True, slots=True)
class Unlisted(Toponym):
    """A place the gazetteer lacks, placed near the named place the report locates it by.

    "pulled out of Quiterajo, north of Macomia": ``name`` is "Quiterajo", ``place`` is
    Macomia's, and the event is drawn "near" Macomia.
    """

    anchor: str = ""  # how the report locates it ("north of Macomia")


_DIRECTION = (
    r"(?:(?:north|south)(?:-?(?:east|west))?|east|west|"
    r"(?:north|south|east|west)(?:ern)?\s+outskirts)"
)
_NAME = r"(?P<name>[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+){0,2})"
_DISTANCE = (
    r"(?:(?:about|some|around|roughly)\s+)?(?:\d[\d,.]*\s*(?:km|kilometres|kilometers|miles)\s+)?"
)
# "<prep> X, (a town) (on the coast) north of Y" / "<prep> (the) X training area north of Y"
_UNLISTED = re.compile(
    r"\b(?:in|near|at|into|from|to|towards|toward|around|outside|of|through)\s+(?:the\s+)?"
    + _NAME
    + r"(?:(?:,\s+|\s*\()(?:in\s+)?(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,4}?)?"
    + r"(?:on\s+the\s+[\w-]+\s+)?"
    + r"|\s+(?:training\s+(?:area|ground|range)|air\s?base|airfield|base|camp|district|area)\s+)"
    + r"(?P<rel>"
    + _DISTANCE
    + _DIRECTION
    + r"\s+of|near)\s+(?:the\s+)?(?=[A-Z])"
)


def unlisted_places(
    text: str, start: int, end: int, toponyms: Sequence[ToponymLike]
) -> list[ToponymLike]:
    """Return ``toponyms`` with unlisted names located by a listed one put in its place.

    A capitalised name after a preposition that the gazetteer does not know, described as
    "north of Y" (or "near Y") where Y is a resolved place, becomes an :class:`Unlisted`
    at Y's point; Y itself is then only a reference, not a troop place.
    """
    sentence = text[start:end]
    out = list(toponyms)
    for m in _UNLISTED.finditer(sentence):
        a, b = start + m.start("name"), start + m.end("name")
        inner = [t for t in out if t.start < b and a < t.end]
        if any(t.is_location and t.place is not None for t in inner):
            continue  # the gazetteer knows the name
        anchor_at = start + m.end()
        anchor = next((t for t in out if t.start == anchor_at), None)
        if anchor is None or anchor.place is None or not anchor.is_location:
            continue
        rel = " ".join(m.group("rel").split())
        u = Unlisted(
            a,
            b,
            m.group("name"),
            "place",
            anchor.place,
            0.8 * float(anchor.score),
            True,
            anchor=f"{rel} {anchor.name}",
        )
        gone = [anchor, *inner]  # a word of the name read as a person ("Base") goes too
        out = sorted([t for t in out if not any(t is g for g in gone)] + [u], key=lambda t: t.start)
    return out
