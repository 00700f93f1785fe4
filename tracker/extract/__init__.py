"""Report text -> proposed events (issue 4): who moved where, when, how many, says whom.

:func:`extract_events` splits a report into sentences (keeping offsets), keeps sentences that
name forces, and turns each troop place of such a sentence into one pending
:class:`~tracker.model.Event` with its role, dates (resolved against the publication date),
count, actor, unit, claimant, status, evidence span and a confidence. Everything is decided by
general rules about how wire copy and official statements are written (see
``docs/ingest.md``); nothing is specific to one report. Event ids derive from the report id,
the extractor version, the evidence span, the role and the place, so re-ingesting a report
yields the same ids. Imports: tracker.geoparse (injected), tracker.dates, tracker.counts,
tracker.model and the submodules of this package.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Protocol

from tracker.counts import find_counts
from tracker.dates import DateMention, find_date_expressions
from tracker.extract import claims, forces, lexicon
from tracker.extract.places import (
    PlaceRole,
    ToponymLike,
    Unlisted,
    acting_state,
    assign_roles,
    unlisted_places,
)
from tracker.extract.sentences import Sentence, split_sentences
from tracker.model import DateSpan, Event, Place, Report, derived_event_id

__all__ = [
    "EXTRACTOR_NAME",
    "EXTRACTOR_VERSION",
    "Extraction",
    "extract_events",
    "extract_report",
    "geo_precision_of",
]

logger = logging.getLogger(__name__)

EXTRACTOR_NAME = "tracker-extract"
EXTRACTOR_VERSION = "0.1"
METHOD = f"{EXTRACTOR_NAME} {EXTRACTOR_VERSION}"

_GEO_PRECISION = {
    "city": "point",
    "custom": "point",
    "area": "point",
    "admin2": "admin2",
    "admin1": "admin1",
    "macro_region": "macro_region",
    "continent": "macro_region",
    "country": "country",
}
_STATE_ORGAN = re.compile(
    r"\b(?:military|army|navy|ministry|pentagon|armed\s+forces|forces|government|command|defen[cs]e|"
    r"president|prime\s+minister|general\s+staff|kremlin|white\s+house)\b",
    re.I,
)
# Militaries announce their own moves; when they speak of others they name them.
_MILITARY_ORGAN = re.compile(
    r"\b(?:military|army|navy|pentagon|armed\s+forces|defen[cs]e\s+(?:ministry|department)|"
    r"ministry\s+of\s+defen[cs]e|command|general\s+staff|forces)\b",
    re.I,
)
_OWN_FORCES = re.compile(
    r"\b(?:its|our|their\s+own|its\s+own)\s+(?:\w+\s+){0,3}?(?:troops|forces|soldiers|units|division|brigade)",
    re.I,
)


# A publisher that speaks for itself (a ministry's press release, a command's statement):
# its unattributed sentences are its own claims. A news outlet's are not anyone's claim.
_OFFICIAL_OUTLET = re.compile(
    r"\b(?:ministry|department|command|government|office|armed\s+forces|army|navy|"
    r"press\s+release|statement|embassy|mission|agency\s+for|headquarters)\b",
    re.I,
)
_PRONOUN_START = re.compile(r"^(?:They|These\s+(?:units|forces|troops))\b")
_NO_PLACE_DIRECTION = re.compile(
    r"\b(?P<p>to|into|towards|toward|from)\s+the\s+(?:[a-z-]+\s+){0,3}?"
    r"(?:border|front|frontier|front\s+line|north|south|east|west|coast|region|area)\b"
)


# A named sea, strait, shoal or island group the gazetteer has no entry for: an event with
# no place keeps its name ("in the southern Red Sea"), with no point.
_UNLISTED_FEATURE = re.compile(
    r"\b(?P<p>in|on|near|at|into|to|towards|toward|from|through|off|across|around)\s+(?:the\s+)?"
    rf"(?:{lexicon.COMPASS_PART}\s+)?(?P<name>(?:[A-Z][\w'’-]+\s+){{1,3}}"
    r"(?:Sea|Strait|Straits|Gulf|Bay|Shoal|Reef|Islands?|Channel|Corridor)\b|"
    r"(?:Gulf|Strait|Straits|Sea|Bay)\s+of\s+[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)?)"
)
_FEATURE_ROLES = {
    "into": "destination",
    "to": "destination",
    "towards": "destination",
    "toward": "destination",
    "from": "origin",
    "through": "transit",
    "across": "transit",
}


def _side_of_sentence(
    text: str,
    s: Sentence,
    tops: Sequence[ToponymLike],
    attribution: claims.Attribution | None,
    drafts: list[list[_Draft]],
    definite: bool = False,
) -> str | None:
    """Return the country of the forces when the actor phrase has none.

    A demonym or an owner of a formation outside the attribution ("from Russia's 1st Guards
    Tank Army", "Russian crews"), else the forces of the sentence before in the paragraph
    (or before it, for a ``definite`` phrase: "the troops").
    """
    a0 = s.start + attribution.start if attribution else -1
    a1 = s.start + attribution.end if attribution else -1
    for t in tops:
        if a0 <= t.start < a1 or t.place is None or not t.place.country_code:
            continue
        if t.kind == "demonym" or t.place.kind == "demonym":
            return t.place.country_code
        if re.match(r"['’]s?\s+(?:\d+(?:st|nd|rd|th)\b|[A-Z])", text[t.end : t.end + 8]) and (
            forces.force_strength(text[t.end : t.end + 60]) == 2
        ):
            return t.place.country_code
    prev = drafts[-1] if drafts else []
    if prev and (prev[0].sentence.paragraph == s.paragraph or definite):
        return prev[0].actor_cc
    return None


_DEFINITE = re.compile(r"(?i)\b(?:the|these|those)\s+$")


_SPEAKER_NOUN = re.compile(
    r"\b(?:spokes(?:man|woman|person)|officials?|sources?|officers?|press\s+service|"
    r"commander|chief|minister|adviser|analysts?)\b",
    re.I,
)


def _own_status(claimed_by: str | None) -> str:
    """Status of a denier's own counter-claim: an official speaking of its own forces confirms."""
    return "confirmed" if claimed_by and _STATE_ORGAN.search(claimed_by) else "claimed"


def _stand_in_actor(
    text: str, s: Sentence, tops: Sequence[ToponymLike], drafts: list[list[_Draft]]
) -> str | None:
    """Return forces named without a force noun: "the Russians", or "They" after forces."""
    for t in tops:
        if t.kind != "demonym" and (t.place is None or t.place.kind != "demonym"):
            continue
        if not re.search(r"(?i)\bthe\s+$", text[max(s.start, t.start - 4) : t.start]):
            continue
        if not t.name.endswith(("ns", "is", "ese", "ch")):
            continue
        after = text[t.end : t.end + 30]
        if re.match(rf"\s*(?:['’]|{lexicon.SAY_VERBS}\b|,)", after, re.I):
            continue  # "the Russians' claims", "the Russians said": speakers, not forces
        return text[max(s.start, t.start - 4) : t.end].strip()
    if _PRONOUN_START.match(s.text):
        prev = drafts[-1] if drafts else []
        if prev and prev[0].sentence.paragraph == s.paragraph and prev[0].actor:
            return prev[0].actor
    return None


class GeoparserLike(Protocol):
    """The part of :class:`tracker.geoparse.Geoparser` the extractor uses."""

    def parse(self, text: str) -> Sequence[Any]:
        """Return the toponyms of ``text``."""
        ...


@dataclass(frozen=True, slots=True)
class Extraction:
    """The events proposed for one report, and what the analyst should know about them."""

    events: tuple[Event, ...]
    warnings: tuple[str, ...] = ()
    sentences: int = 0


@dataclass(slots=True)
class _Draft:
    sentence: Sentence
    place: PlaceRole | None
    event_type: str
    actor: str | None
    actor_cc: str | None
    status: str
    claimed_by: str | None
    attributed: bool
    anonymous: bool
    count: forces.CountInfo | None
    other_counts: list[forces.CountInfo]
    span: DateSpan
    date_note: str | None
    unit: str | None
    comment: bool
    military_doc: bool = True
    claim_source: str = "sentence"  # sentence | paragraph | previous | outlet | none
    hedged: bool = False
    words: int = 0
    places_in_sentence: int = 0
    own_claim: int | None = None  # offset where a denial's own counter-claim starts
    notes: list[str] = field(default_factory=list)


def _anchor(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _is_statement_date(text: str, sentence: Sentence, m: DateMention) -> bool:
    before = text[sentence.start : m.start]
    return bool(
        re.search(rf"\b(?:{lexicon.SAY_VERBS}|announced|acknowledged)\s+(?:on\s+)?$", before, re.I)
    )


def _dates_in(
    sentence: Sentence, mentions: Sequence[DateMention], skip: Sequence[tuple[int, int]]
) -> list[DateMention]:
    """Return the date mentions inside ``sentence``, outside the ``skip`` spans (datelines)."""
    return [
        m
        for m in mentions
        if m.start >= sentence.start
        and m.end <= sentence.end
        and not any(a <= m.start < b for a, b in skip)
    ]


def _event_date(
    sentence: Sentence,
    event_dates: Sequence[DateMention],
    anchor: date | None,
    statement: DateMention | None = None,
) -> tuple[DateSpan, str | None]:
    """Return the event's date from the sentence's event dates (not its statement dates).

    Without any, the date of the ``statement`` ("said on Friday"), noted as such.
    """
    if event_dates:
        span = event_dates[0].span
        fm = _FUTURE.search(sentence.text)
        # Only a date after the plan's verb is the plan's: "left Osh on Thursday and were
        # due to take up positions" is last Thursday.
        future = fm is not None and (
            event_dates[0].start >= sentence.start + fm.start()
            or event_dates[0].start - sentence.start <= 5  # "From 22 to 25 April, ... will"
        )
        if (
            future
            and anchor is not None
            and span.start is not None
            and span.end is not None
            and span.end < anchor
            and not re.search(r"\b\d{4}\b", span.text)
        ):
            month = re.search(
                r"(?i)\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)", span.text
            )
            # A day without a year a few days back is rather a past day reported later
            # ("said troops would arrive on 3 March", published 10 March).
            near_past = span.precision == "day" and (anchor - span.start).days < 183
            if month and not near_past:
                # "expected to arrive in May", "would reach X the next day, 23 October".
                with contextlib.suppress(ValueError):  # 29 February has no next-year twin
                    span = replace(
                        span,
                        start=span.start.replace(year=span.start.year + 1),
                        end=span.end.replace(year=span.end.year + 1),
                    )
                return span, "date read as the next one: the sentence speaks of a plan"
            start, end = span.start, span.end
            if (
                start is not None
                and end is not None
                and re.search(r"(?i)\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b", span.text)
                and (anchor - start).days < 7
            ):
                # "will move on Wednesday": the coming Wednesday, not the last one.
                span = replace(
                    span,
                    start=start + timedelta(days=7),
                    end=end + timedelta(days=7),
                )
                return span, "date read as the coming one: the sentence speaks of a plan"
        return span, None
    if statement is not None:
        return statement.span, "date of the statement, not of the event"
    return DateSpan(None, None, "unknown", ""), None


_FUTURE = re.compile(
    r"\b(?:will|shall|would|is\s+to|are\s+to|expected\s+to|plans?\s+to|set\s+to|due\s+to|"
    r"scheduled\s+to|intends?\s+to)\b",
    re.I,
)
_CLAUSE_BREAK = re.compile(
    r",\s+(?:as|while|after|before|when|whereas|but|and\s+that|although)\b|;|\band\s+that\b"
)


def _outside_relative_clauses(row: list[_Draft], s: Sentence) -> list[_Draft]:
    """Drop places inside ", who/which ...," clauses when the sentence has others outside.

    "Ethiopian soldiers, who have fought in Somalia for two decades, remain around Baidoa":
    the clause describes the soldiers; Baidoa is where the sentence puts them.
    """
    spans = [
        (s.start + m.start(), s.start + m.end()) for m in forces.RELATIVE_CLAUSE.finditer(s.text)
    ]
    if not spans:
        return row

    def inside(d: _Draft) -> bool:
        return d.place is not None and any(a <= d.place.toponym.start < b for a, b in spans)

    outside = [d for d in row if not inside(d)]
    return outside if outside else row


def _waypoints(text: str, row: list[_Draft]) -> list[_Draft]:
    """Make a destination a transit when the forces go on from it ("to X and then to Y")."""
    dests = [d for d in row if d.place is not None and d.place.role == "destination"]
    for a, b in itertools.pairwise(dests):
        assert a.place is not None and b.place is not None
        gap = text[a.place.toponym.end : b.place.toponym.start]
        if re.search(r"\b(?:then|onward|onwards|before\s+(?:moving|heading|travell?ing))\b", gap):
            a.place = replace(a.place, role="transit")
            a.event_type = "movement"
    return row


def _drop_contributor_lists(row: list[_Draft]) -> list[_Draft]:
    """Drop the countries of "soldiers from A, B, C and D" when the sentence places them.

    Three or more countries of origin next to a place they go to or are in name the
    contingents of a multinational force, not where each one moves from.
    """
    origins = [
        d
        for d in row
        if d.place is not None and d.place.role == "origin" and d.place.place.kind == "country"
    ]
    placed = any(d.place is not None and d.place.role != "origin" for d in row)
    if len(origins) < 3 or not placed:
        return row
    return [d for d in row if not any(d is o for o in origins)]  # identity, not field equality


# Where one sentence tells two steps, each with its own day.
_STEP_BREAK = re.compile(r"\s(?:and|then|before|after)\s|;")


def _segment_dates(
    sentence: Sentence, event_dates: Sequence[DateMention], at: int
) -> list[DateMention]:
    """Return the event dates in the step of the sentence holding offset ``at``.

    Only when the sentence gives two or more event dates (not statement dates): it is cut
    at "and", "then", "before", "after" and ";" (not inside a date), and the dates of the
    piece around ``at`` are returned ("left Niamey on Tuesday | and reached Gaya on
    Wednesday").
    """
    if len(event_dates) < 2:
        return []
    cuts = [
        sentence.start + b.start()
        for b in _STEP_BREAK.finditer(sentence.text)
        if not any(m.start <= sentence.start + b.start() < m.end for m in event_dates)
    ]
    lo = max((c for c in cuts if c <= at), default=sentence.start)
    hi = min((c for c in cuts if c > at), default=sentence.end)
    return [m for m in event_dates if m.start >= lo and m.end <= hi]


def _same_clause(text: str, a: int, b: int) -> bool:
    """Whether offsets a and b are in one clause (no ", as" / "; " / "and that" between)."""
    lo, hi = min(a, b), max(a, b)
    return _CLAUSE_BREAK.search(text, lo, hi) is None


def _countries_in(tops: Sequence[ToponymLike], a: int, b: int) -> list[str]:
    out = []
    for t in tops:
        if (
            t.start >= a
            and t.end <= b
            and t.place is not None
            and t.place.country_code
            and (t.kind in ("demonym", "country") or t.place.kind in ("demonym", "country"))
        ):
            out.append(t.place.country_code)
    return out


def _has_proper_name(phrase: str, tops: Sequence[ToponymLike], offset: int) -> bool:
    """Whether an actor phrase names a specific group ("Wagner fighters", "Rapid Support Forces")."""
    for m in re.finditer(r"[\w’'-]+", phrase):
        w = m.group()
        if not w[:1].isupper():
            continue
        a = offset + m.start()
        if any(t.start <= a < t.end for t in tops):
            continue  # a nationality, not a group name
        if m.start() == 0 and w.lower() in lexicon.FORCE_NOUNS:
            continue
        return True
    return False


def _claim_clauses(sentences: list[Sentence]) -> list[Sentence]:
    """Split sentences that carry two claims by two claimants (:func:`claims.claim_split`)."""
    out: list[Sentence] = []
    for s in sentences:
        cut = claims.claim_split(s.text)
        while cut is not None:
            head = s.text[:cut].rstrip()
            out.append(replace(s, end=s.start + len(head), text=head))
            s = replace(s, start=s.start + cut, text=s.text[cut:])
            cut = claims.claim_split(s.text)
        out.append(s)
    return out


def extract_report(
    report: Report,
    geoparser: GeoparserLike,
    *,
    include_comments: bool = False,
    body_start: int = 0,
    skip_spans: Sequence[tuple[int, int]] = (),
) -> Extraction:
    """Propose the events of one report.

    Parameters
    ----------
    report
        The stored report (offsets of the evidence index into ``report.text``).
    geoparser
        A :class:`tracker.geoparse.Geoparser` (or anything with ``parse(text)``).
    include_comments
        Also read the comment thread after ``report.body_end`` (events tagged ``comment``,
        ``info_credibility=6``, relative dates resolved against the retrieval date).
    body_start
        Where the body starts in ``report.text`` (after front matter), if not 0.
    skip_spans
        Spans that give no places (datelines such as ``"SEOUL, Oct 18 (Reuters) -"``).

    Returns
    -------
    Extraction
        Events in text order (``review_state="pending"``) and warnings.
    """
    text = report.text
    warnings: list[str] = []
    anchor = _anchor(report.published)
    if anchor is None:
        warnings.append(
            "no publication date: relative dates ('on Friday', 'last week') are stored as "
            "unknown; give --published YYYY-MM-DD or a 'published:' front-matter line"
        )
    body_end = report.body_end if report.body_end is not None else len(text)
    sentences = split_sentences(text, body_start, body_end)
    comment_sentences: list[Sentence] = []
    if include_comments and body_end < len(text):
        comment_sentences = split_sentences(text, body_end, len(text))
    toponyms = [
        t
        for t in geoparser.parse(text)
        if not any(a <= t.start < b for a, b in skip_spans) and t.start >= body_start
    ]
    counts = [c for c in (forces.read_count(m, text) for m in find_counts(text)) if c is not None]
    body_dates = find_date_expressions(text[:body_end], anchor)
    comment_dates: list[DateMention] = []
    if comment_sentences:
        retrieved = _anchor(report.retrieved) or anchor
        comment_dates = [
            replace(m, start=m.start + body_end, end=m.end + body_end)
            for m in find_date_expressions(text[body_end:], retrieved)
        ]
    tracker = claims.ClaimantTracker()
    # A report about forces names them plainly somewhere; then equipment alone ("a column
    # of 200 vehicles") counts too. Elsewhere "units" or "aircraft" are rarely troops.
    military_doc = any(forces.force_strength(s.text) == 2 for s in sentences)
    drafts: list[list[_Draft]] = []
    prev_claim: tuple[int, str | None, bool, bool] = (-1, None, False, False)
    all_sentences = _claim_clauses([*sentences, *comment_sentences])
    last_paragraph: dict[int, int] = {}  # paragraph -> the paragraph before it
    for a, b in itertools.pairwise(all_sentences):
        if b.paragraph != a.paragraph:
            last_paragraph[b.paragraph] = a.paragraph
    official_outlet = bool(report.publisher and _OFFICIAL_OUTLET.search(report.publisher))
    claimant_cc: dict[str, str] = {}  # claimant -> its country, from its fullest form
    for s in all_sentences:
        comment = s.start >= body_end
        attribution = claims.find_attribution(s.text)
        claimed_by: str | None = None
        attributed = anonymous = False
        claim_source = "none"
        if attribution is not None:
            claimed_by = tracker.resolve(attribution.claimant)
            attributed, anonymous = True, attribution.anonymous
            claim_source = "sentence"
        elif prev_claim[0] == s.paragraph:
            claimed_by, anonymous = prev_claim[1], prev_claim[3]
            claim_source = "paragraph"
        elif prev_claim[0] >= 0 and prev_claim[0] == last_paragraph.get(s.paragraph):
            # Wire copy attributes once and goes on: "The Pentagon announced ...\n\nAbout
            # 600 soldiers will deploy ..." carries the previous paragraph's claimant.
            claimed_by, anonymous = prev_claim[1], prev_claim[3]
            claim_source = "previous"
        if attributed:
            prev_claim = (s.paragraph, claimed_by, True, anonymous)
        sent_tops = [t for t in toponyms if t.start >= s.start and t.end <= s.end]
        status = claims.sentence_status(s.text)
        # A status-only sentence ("The NIS did not immediately confirm these reports.")
        # qualifies the claims of the sentence before it.
        # A speaker is not the force: "a border guard spokesman said" names no troops (but
        # "the Wagner mercenary group said it was leaving" is a force speaking of itself).
        bare = s.text
        if attribution is not None and _SPEAKER_NOUN.search(attribution.claimant):
            bare = (
                bare[: attribution.start]
                + " " * (attribution.end - attribution.start)
                + bare[attribution.end :]
            )
        strength = forces.force_strength(bare)
        eligible = strength == 2 or (strength == 1 and military_doc)
        stand_in: str | None = None
        if not eligible and military_doc:
            # "The Russians are staying in X", "They moved to Y": forces named by their
            # nationality or by a pronoun for the forces of the sentence before.
            stand_in = _stand_in_actor(text, s, sent_tops, drafts)
            eligible = stand_in is not None
        if not eligible or (
            attribution is not None and attribution.verb in ("acknowledged", "confirmed")
        ):
            _back_reference(drafts, s, status, attribution, claimed_by, sent_tops)
            if not eligible:
                drafts.append([])
                continue
        # Names of sources are not event places: the claimant's, and those of any other
        # "according to X" in the sentence ("..., according to Minsk").
        spans = claims.according_spans(s.text)
        if attribution is not None:
            spans.append((attribution.start, attribution.end))
        sent_tops = [t for t in sent_tops if not any(a <= t.start - s.start < b for a, b in spans)]
        sent_tops = unlisted_places(text, s.start, s.end, sent_tops)
        places = [
            replace(pr, near=True) if isinstance(pr.toponym, Unlisted) else pr
            for pr in assign_roles(text, s.start, s.end, sent_tops)
        ]
        own = claims.own_claim_start(s.text)
        if own is not None:
            own += s.start
        etypes = forces.event_types_of(s.text)
        etype = forces.event_type_for(etypes, None)
        s_counts = [
            c
            for c in counts
            if c.start >= s.start
            and c.end <= s.end
            and not any(a <= c.start - s.start < b for a, b in spans)  # "Two aid workers said"
        ]
        main, others = forces.pick_count(s_counts)
        counted = (main.start - s.start, main.end - s.start) if main is not None else None
        actor = forces.find_actor(bare, counted) or stand_in
        actor_cc = None
        proper = False
        if actor:
            off = s.start + s.text.find(actor)
            ccs = _countries_in(toponyms, off, off + len(actor))
            actor_cc = ccs[0] if ccs else None
            proper = _has_proper_name(actor, toponyms, off)
        if actor_cc is None:
            # "North Korea has sent ... soldiers", "Turkey moved ...": the sending state.
            subj = [
                t.place.country_code
                for t in sent_tops
                if t.place is not None and t.place.country_code and acting_state(text, t)
            ]
            actor_cc = subj[0] if subj else None
        if actor_cc is None:
            # "The troops travelled ...": a definite force phrase refers back to the last
            # forces told of, even across a paragraph break.
            at = s.text.find(actor) if actor else -1
            definite = at > 0 and bool(_DEFINITE.search(s.text, 0, at))
            actor_cc = _side_of_sentence(text, s, sent_tops, attribution, drafts, definite)
        if claimed_by and claim_source != "none" and status is None and not anonymous:
            c_off = s.start + attribution.start if attribution else s.start
            c_cc = (
                _countries_in(toponyms, c_off, c_off + len(attribution.claimant))
                if attribution
                else []
            )
            if c_cc:
                claimant_cc.setdefault(claimed_by, c_cc[0])
            elif claimed_by in claimant_cc:
                c_cc = [claimant_cc[claimed_by]]  # "the ministry" -> "Belarus's defence ministry"
            organ = bool(_STATE_ORGAN.search(claimed_by)) or bool(
                attribution
                and c_cc
                and re.fullmatch(r"(?:the\s+)?[A-Z][\w’' -]+", attribution.claimant)
                and any(
                    t.start == c_off and t.end == c_off + len(attribution.claimant)
                    for t in toponyms
                )
            )  # a state named as speaker: "North Korea acknowledged ..."
            if organ and (
                (actor_cc and c_cc and actor_cc == c_cc[0])
                or (actor_cc is None and not proper and bool(_MILITARY_ORGAN.search(claimed_by)))
                or _OWN_FORCES.search(s.text)
                or (attribution is not None and attribution.verb == "ordered" and not proper)
            ):
                status = "confirmed"  # (an official's own order concerns the state's forces)
        dates_here = _dates_in(s, comment_dates if comment else body_dates, skip_spans)
        event_dates = [m for m in dates_here if not _is_statement_date(text, s, m)]
        span, note = _event_date(s, event_dates, anchor, dates_here[0] if dates_here else None)
        unit = forces.find_unit(s.text)
        base = {
            "sentence": s,
            "event_type": etype,
            "actor": " ".join(actor.split()) if actor else None,
            "actor_cc": actor_cc,
            "status": status or "claimed",
            "claimed_by": claimed_by
            or (report.publisher if official_outlet and not comment else None),
            "attributed": attributed or claimed_by is not None,
            "claim_source": claim_source
            if claimed_by
            else ("outlet" if official_outlet and not comment else "none"),
            "hedged": bool(lexicon.HEDGE_RE.search(s.text)),
            "words": len(s.text.split()),
            "places_in_sentence": len(places),
            "own_claim": own,
            "anonymous": anonymous,
            "count": main,
            "other_counts": others,
            "span": span,
            "date_note": note,
            "unit": unit,
            "comment": comment,
            "military_doc": military_doc,
        }
        row: list[_Draft] = []
        if places:
            seen: set[tuple[str, str]] = set()
            for pr in places:
                key = (pr.place.id, pr.role)
                if key in seen:
                    continue
                seen.add(key)
                d = _Draft(place=pr, **base)  # type: ignore[arg-type]
                d.event_type = forces.event_type_for(etypes, pr.role)
                own_dates = _segment_dates(s, event_dates, pr.toponym.start)
                if own_dates:  # "left X on Monday and reached Y the following day"
                    d.span, d.date_note = _event_date(s, own_dates, anchor)
                if own is not None and d.status == "denied" and pr.toponym.start >= own:
                    d.status = _own_status(d.claimed_by)  # the denier's own claim
                if main is not None and not _same_clause(text, main.start, pr.toponym.start):
                    near = [c for c in s_counts if _same_clause(text, c.start, pr.toponym.start)]
                    d.count, d.other_counts = forces.pick_count(near)
                row.append(d)
            row = _waypoints(text, _drop_contributor_lists(_outside_relative_clauses(row, s)))
        elif main is not None or etype not in ("other",):
            d = _Draft(place=None, **base)  # type: ignore[arg-type]
            if own is not None and d.status == "denied":
                d.status = _own_status(d.claimed_by)  # "denied ..., saying its troops ..."
            row.append(d)
        drafts.append(row)
    events = [_to_event(report, d) for row in drafts for d in row]
    return Extraction(tuple(events), tuple(warnings), len(sentences))


def _back_reference(
    drafts: list[list[_Draft]],
    s: Sentence,
    status: str | None,
    attribution: claims.Attribution | None,
    claimed_by: str | None,
    tops: Sequence[ToponymLike],
) -> None:
    prev = next((row for row in reversed(drafts) if row), None)
    acknowledges = attribution is not None and attribution.verb in ("acknowledged", "confirmed")
    if not prev or (
        prev[0].sentence.paragraph != s.paragraph and status != "unconfirmed" and not acknowledges
    ):
        return  # an acknowledgement or "did not confirm" may follow in the next paragraph
    if status == "unconfirmed":
        for d in prev:
            if d.status == "claimed":
                d.status = "unconfirmed"
                d.notes.append(f"not confirmed: {s.text[:160]}")
    elif status == "denied":
        for d in prev:
            d.notes.append(f"denied: {s.text[:160]}")
    elif attribution is not None and attribution.verb in ("acknowledged", "confirmed"):
        ccs = _countries_in(tops, s.start + attribution.start, s.start + attribution.end)
        for d in prev:
            if ccs and d.actor_cc == ccs[0] and d.status == "claimed":
                d.status = "confirmed"
                d.notes.append(f"acknowledged by {claimed_by}")


def geo_precision_of(place: Place) -> str:
    """Return the ``geo_precision`` an event at ``place`` gets (city point, admin1, ...)."""
    return _GEO_PRECISION.get(place.kind, "point")


def _confidence(d: _Draft) -> float:
    """Score an event; the reliability table is measured on the labelled sets (docs/ingest.md).

    Evidence adds up (an explicit role cue, the geoparser's score, a count in the place's
    clause, a claimant named in the sentence, an event verb); doubt takes away: a claimant
    carried from elsewhere or missing, a hedged or long sentence, many places in one
    sentence, a place resolution replaced or only "near" a named place, a border place
    whose side is unclear, a related place, comment text.
    """
    source_bonus = {"sentence": 0.1, "paragraph": 0.05, "previous": 0.0, "outlet": 0.05}
    if d.place is None:
        # No place: about half of these match an analyst's record (docs/ingest.md).
        c = 0.4 + (0.1 if d.count else 0.0) + (0.05 if d.claim_source == "sentence" else 0.0)
        c -= 0.0 if d.military_doc else 0.2
        c -= 0.05 if d.hedged else 0.0
        return round(max(0.05, min(c, 0.55)), 2)
    c = 0.4
    cue = d.place.cue
    c += 0.2 if cue not in ("", "near", "border with") else 0.05
    c += 0.15 * max(0.0, min(1.0, float(d.place.toponym.score)))
    c += 0.1 if d.count else 0.0
    c += source_bonus.get(d.claim_source, -0.05)
    c += 0.05 if d.event_type != "other" else 0.0
    if d.hedged:
        c -= 0.1
    if d.words > 35:
        c -= 0.05 * min(3, (d.words - 25) // 10)  # long sentences mix several claims
    if d.places_in_sentence > 2:
        c -= 0.05 * min(3, d.places_in_sentence - 2)
    if d.place.role == "location":
        c -= 0.05  # a static place is the role most often confused (venue, origin, target)
    if d.claim_source == "previous":
        c -= 0.05
    if d.place.swapped:
        c -= 0.1
    if d.place.near:
        c -= 0.05
    if d.place.role == "related":
        c -= 0.1
    if d.place.place.kind in ("macro_region", "continent"):
        c -= 0.15  # "troops from Central America": rarely a place an analyst records
    if d.comment:
        c -= 0.3
    if not d.military_doc:
        c -= 0.2  # a report that mentions forces only once is rarely about them
    return round(max(0.05, min(c, 0.95)), 2)


def _to_event(report: Report, d: _Draft) -> Event:
    s = d.sentence
    place: Place | None = d.place.place if d.place else None
    role = d.place.role if d.place else "location"
    if d.place is None:
        m = _NO_PLACE_DIRECTION.search(s.text)
        if m is not None:  # "ordered two brigades to the northern border"
            role = "origin" if m.group("p") == "from" else "destination"
        elif d.event_type in ("arrival", "deployment_decision"):
            role = "destination"  # as for a named place: where they arrive or are sent
    precision = _GEO_PRECISION.get(place.kind, "point") if place else "unknown"
    unlisted_name: str | None = None
    if d.place is None and (f := _UNLISTED_FEATURE.search(s.text)) is not None:
        unlisted_name = f.group("name")
        role = _FEATURE_ROLES.get(f.group("p"), role)
    if d.place is not None and d.place.near and precision == "point":
        precision = "near"
    if (
        d.place is not None
        and d.place.role == "location"
        and d.place.cue != "border with"  # "sent to its border with Belarus": not Belarus
        and d.event_type in ("arrival", "deployment_decision")
    ):
        role = "destination"  # where troops arrive or are to be sent
    notes = list(d.notes)
    if d.place is not None and d.place.toponym.name != (place.name if place else ""):
        notes.append(f"place as written: {d.place.toponym.name}")
    if d.place is not None and isinstance(d.place.toponym, Unlisted):
        notes.append(
            f"{d.place.toponym.name} is not in the gazetteer: drawn near {place.name if place else '?'}"
            f" (the report puts it {d.place.toponym.anchor})"
        )
    if unlisted_name:
        notes.append(f"{unlisted_name} is not in the gazetteer: no point")
    if d.date_note:
        notes.append(d.date_note)
    for oc in d.other_counts:
        notes.append(f"also counted: {oc.count or f'{oc.low}-{oc.high}'} {oc.unit}")
    if d.anonymous and d.claimed_by and "anonymous" not in d.claimed_by.lower():
        claimed_by: str | None = f"{d.claimed_by} (anonymous sources)"
    else:
        claimed_by = d.claimed_by
    if d.claim_source == "none":
        notes.append("unattributed: the report names no claimant for this")
    elif d.claim_source == "outlet":
        notes.append("unattributed: the publisher's own statement")
    elif d.claim_source == "previous":
        notes.append("claimant carried from the paragraph before")
    tags: tuple[str, ...] = ("comment",) if d.comment else ()
    c = d.count
    event = Event(
        id=derived_event_id(report.id, METHOD, s.start, s.end, role, place.id if place else "-"),
        event_type=d.event_type,
        date_start=d.span.start,
        date_end=d.span.end,
        date_precision=d.span.precision if d.span.start else "unknown",
        date_text=d.span.text or None,
        place_name=place.name if place else unlisted_name,
        place_id=place.id if place else None,
        country_code=place.country_code if place else None,
        admin1_code=place.admin1_code if place else None,
        geo_precision=precision,
        role=role,
        lon=place.lon if place else None,
        lat=place.lat if place else None,
        actor=d.actor,
        unit=d.unit,
        count=c.count if c else None,
        count_low=c.low if c else None,
        count_high=c.high if c else None,
        count_qualifier=c.qualifier if c else None,
        count_unit=c.unit if c else None,
        claimed_by=" ".join(claimed_by.split()) if claimed_by else claimed_by,
        status=d.status,
        info_credibility=6 if d.comment else None,
        report_id=report.id,
        source_publisher=report.publisher,
        source_url=report.url,
        source_published=report.published,
        evidence=s.text,
        evidence_start=s.start,
        evidence_end=s.end,
        method=METHOD,
        confidence=_confidence(d),
        review_state="pending",
        notes="; ".join(notes) or None,
        tags=tags,
    )
    return event


def extract_events(
    report: Report, geoparser: GeoparserLike, *, include_comments: bool = False
) -> list[Event]:
    """Return the proposed events of ``report`` (see :func:`extract_report`)."""
    return list(extract_report(report, geoparser, include_comments=include_comments).events)
