"""Compare two events and explain the verdict: the evidence behind a proposed link.

Each event is first reduced to :class:`Features` (one pass, so that comparing 100,000
events stays cheap). :func:`compare` then checks, in order of cost, dates (overlapping
once each side's precision is allowed for, and never after the report was published),
place (the same place, nested places by admin1/country code, or points a few km apart),
role, event type, actor (side and kind), formation and unit of count, and the figures
(within a plausible range: claimants differ, but not tenfold). Any hard mismatch ends the
comparison with a reason; otherwise the evidence is weighted into a score in 0..1 with one
human-readable reason per piece of evidence.
Imports: stdlib, tracker.model, tracker.cluster.normalize.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from tracker.cluster.normalize import (
    actor_key,
    claimant_key,
    count_unit_class,
    formation_key,
)
from tracker.model import Event

# Extra days allowed on each side of a date, by precision (reports disagree by a day).
DATE_SLACK = {"day": 2, "range": 1, "week": 1, "month": 0, "year": 0}
# States that persist: a report "as of" one day describes the same presence a few days on.
PERSISTENT_TYPES = frozenset({"presence", "training"})
PERSISTENT_SLACK = 3
# Event types that can describe one happening though they differ.
TYPE_AFFINITY = {frozenset({"movement", "arrival"}): 0.8}
# Points of two fine places (point, near, admin2) at most this far apart can be one place.
NEAR_KM = 50.0
# A macro-region contains a point at most this far from its representative point.
MACRO_REACH_KM = 2500.0
# Two figures of one happening differ by at most this factor.
MAX_COUNT_RATIO = 3.0
FINE = frozenset({"point", "near", "admin2"})
PRECISE_DATES = frozenset({"day", "range", "week"})
WEIGHTS = {"date": 0.25, "place": 0.30, "actor": 0.15, "type": 0.15, "count": 0.15}
EARTH_KM = 6371.0088


@dataclass(slots=True)
class Features:
    """What :func:`compare` needs of one event, computed once."""

    id: str
    report_id: str
    d0: int | None  # ordinal of the (publication-clipped) start
    d1: int | None
    slack: int
    precise_date: bool
    event_type: str
    role: str
    place_id: str | None
    place_name: str
    country: str | None
    admin1: str | None
    geo: str
    xyz: tuple[float, float, float] | None
    side: str | None
    kind: str | None
    actor: str
    formation: str | None
    lo: float | None
    hi: float | None
    figure: str  # as reported, e.g. "about 1,500"
    count_class: str
    claimant: str
    evidence: tuple[object, ...] | None


def _ordinal(d: date | str | None) -> int | None:
    if d is None:
        return None
    if isinstance(d, str):
        try:
            return date.fromisoformat(d[:10]).toordinal()
        except ValueError:
            return None
    return d.toordinal()


def _xyz(lon: float | None, lat: float | None) -> tuple[float, float, float] | None:
    if lon is None or lat is None:
        return None
    la, lo = math.radians(lat), math.radians(lon)
    c = math.cos(la)
    return (c * math.cos(lo), c * math.sin(lo), math.sin(la))


def chord_km(a: tuple[float, float, float], b: tuple[float, float, float]) -> float:
    """Return the great-circle distance in km between two unit vectors."""
    d = math.sqrt((a[0] - b[0]) ** 2 + (a[1] - b[1]) ** 2 + (a[2] - b[2]) ** 2)
    return 2.0 * EARTH_KM * math.asin(min(1.0, d / 2.0))


def _count_range(e: Event) -> tuple[float | None, float | None]:
    lo = e.count_low if e.count_low is not None else e.count
    hi = e.count_high if e.count_high is not None else e.count
    if lo is None and hi is None:
        return None, None
    lo = lo if lo is not None else hi
    hi = hi if hi is not None else lo
    assert lo is not None and hi is not None
    flo, fhi = float(lo), float(hi)
    q = e.count_qualifier
    if q == "about":
        flo, fhi = flo * 0.8, fhi * 1.2
    elif q == "up_to":
        flo = fhi * 0.5
    elif q in ("at_least", "more_than"):
        fhi = flo * 1.5
    return flo, fhi


_QUALIFIER_WORDS = {"about": "about ", "up_to": "up to ", "at_least": "at least "}


def _figure(e: Event) -> str:
    q = _QUALIFIER_WORDS.get(e.count_qualifier or "", "")
    if e.count_qualifier == "more_than":
        q = "more than "
    if e.count_low is not None and e.count_high is not None:
        return f"{q}{e.count_low:,}-{e.count_high:,}"
    n = e.count if e.count is not None else e.count_low or e.count_high
    return f"{q}{n:,}"


def features(e: Event) -> Features:
    """Reduce an event to what :func:`compare` reads."""
    d0, d1 = _ordinal(e.date_start), _ordinal(e.date_end)
    if d0 is not None and d1 is None:
        d1 = d0
    if d0 is None and d1 is not None:
        d0 = d1
    pub = _ordinal(e.source_published)
    # A report cannot describe what happened after it was published (plans aside).
    if (
        pub is not None
        and d0 is not None
        and d1 is not None
        and e.event_type != "deployment_decision"
        and d0 <= pub < d1
    ):
        d1 = pub
    prec = e.date_precision
    slack = DATE_SLACK.get(prec, 0)
    if e.event_type in PERSISTENT_TYPES and prec in PRECISE_DATES:
        slack += PERSISTENT_SLACK
    side, kind = actor_key(e.actor)
    if kind is None and e.count_unit:
        kind = actor_key(e.count_unit)[1]  # "1,000 containers" are materiel
    lo, hi = _count_range(e)
    ev_key: tuple[object, ...] | None = None
    if e.evidence_start is not None and e.evidence_end is not None:
        ev_key = (e.evidence_start, e.evidence_end)
    elif e.evidence:
        ev_key = (e.evidence.strip().lower(),)
    geo = e.geo_precision
    if geo not in FINE and geo not in ("admin1", "macro_region", "country"):
        geo = "admin1" if e.admin1_code else "country" if e.country_code else "unknown"
    return Features(
        id=e.id,
        report_id=e.report_id or "",
        d0=d0,
        d1=d1,
        slack=slack,
        precise_date=prec in PRECISE_DATES,
        event_type=e.event_type,
        role=e.role,
        place_id=e.place_id,
        place_name=e.place_name or e.place_id or "?",
        country=e.country_code,
        admin1=e.admin1_code,
        geo=geo,
        xyz=_xyz(e.lon, e.lat) if geo in FINE or geo == "macro_region" else None,
        side=side,
        kind=kind,
        actor=e.actor or "",
        formation=formation_key(e.unit),
        lo=lo,
        hi=hi,
        figure=_figure(e) if lo is not None else "",
        count_class=count_unit_class(e.count_unit),
        claimant=claimant_key(e.claimed_by),
        evidence=ev_key,
    )


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of comparing two events: a score (None = cannot be one happening)."""

    score: float | None
    reasons: tuple[str, ...]
    same_report: bool = False
    blocker: str | None = None  # which evidence ruled the pair out: date, type, actor...


def _day(o: int) -> str:
    return date.fromordinal(o).isoformat()


def _span(f: Features) -> str:
    assert f.d0 is not None and f.d1 is not None
    return _day(f.d0) if f.d0 == f.d1 else f"{_day(f.d0)}..{_day(f.d1)}"


def compare_dates(a: Features, b: Features, explain: bool = True) -> tuple[float | None, str, bool]:
    """Return (score or None, reason, overlap-without-slack) for two events' dates."""
    if a.d0 is None or b.d0 is None or a.d1 is None or b.d1 is None:
        return None, "no date on one side: link by hand", False
    raw = a.d0 <= b.d1 and b.d0 <= a.d1
    if not raw and not (a.d0 - a.slack - b.slack <= b.d1 and b.d0 - a.slack - b.slack <= a.d1):
        return None, (f"dates apart: {_span(a)} vs {_span(b)}" if explain else ""), False
    if a.precise_date and b.precise_date:
        s = 1.0 if raw else 0.8
    elif a.precise_date or b.precise_date:
        s = 0.6
    else:
        s = 0.5
    how = "overlap" if raw else "within the slack their precision allows"
    return s, (f"dates {how}: {_span(a)} and {_span(b)}" if explain else ""), raw


def compare_places(a: Features, b: Features, explain: bool = True) -> tuple[float | None, str]:
    """Return (score or None, reason) for two events' places."""
    if a.place_id and a.place_id == b.place_id:
        return 1.0, (f"same place: {a.place_name}" if explain else "")
    fa, fb = a.geo in FINE, b.geo in FINE
    if not a.country or not b.country:
        if not (fa and fb):
            return None, "country unknown on one side: link by hand"
    elif a.country != b.country:
        return None, (f"different countries: {a.country} vs {b.country}" if explain else "")
    if fa and fb:
        if a.xyz is None or b.xyz is None:
            return None, "a point without coordinates"
        km = chord_km(a.xyz, b.xyz)
        if km > NEAR_KM:
            return None, (
                f"{a.place_name} and {b.place_name} are {km:,.0f} km apart" if explain else ""
            )
        return (0.9 if km <= NEAR_KM / 2 else 0.7), (
            f"{a.place_name} and {b.place_name} are {km:,.0f} km apart" if explain else ""
        )
    # At least one side is coarse: nest the finer inside the coarser.
    c, f = (a, b) if _rank(a.geo) >= _rank(b.geo) else (b, a)
    if c.geo == "admin1":
        if c.admin1 and c.admin1 == f.admin1:
            return (0.9 if f.geo == "admin1" else 0.7), (
                f"{f.place_name} lies in {c.place_name}" if explain else ""
            )
        return None, (f"{f.place_name} is not in {c.place_name}" if explain else "")
    if c.geo == "macro_region":
        if c.xyz is not None and f.xyz is not None:
            km = chord_km(c.xyz, f.xyz)
            if km > MACRO_REACH_KM:
                return None, (
                    f"{f.place_name} is {km:,.0f} km from {c.place_name}" if explain else ""
                )
        if f.geo == "country":
            return 0.3, (f"{c.place_name} lies in {f.place_name}" if explain else "")
        return 0.5, (f"{f.place_name} lies in {c.place_name}" if explain else "")
    return 0.4, (f"{f.place_name} lies in {c.place_name} ({c.country})" if explain else "")


def places_apart(a: Features, b: Features) -> bool:
    """Return whether two places are certainly distinct (not one place, not nested).

    Different countries, different admin1 regions, or two fine places farther apart than
    :data:`NEAR_KM`; a coarser claim (a country, a macro-region) is never apart from
    the places inside it.
    """
    if a.place_id and a.place_id == b.place_id:
        return False
    if a.country and b.country and a.country != b.country:
        return True
    if a.admin1 and b.admin1 and a.admin1 != b.admin1:
        return True
    if a.geo in FINE and b.geo in FINE and a.xyz is not None and b.xyz is not None:
        return chord_km(a.xyz, b.xyz) > NEAR_KM
    return False


_RANK = {"point": 0, "near": 1, "admin2": 2, "admin1": 3, "macro_region": 4}


def _rank(geo: str) -> int:
    return _RANK.get(geo, 5)


def _roles_compatible(a: str, b: str) -> bool:
    if a == b:
        return True
    if "related" in (a, b):
        return False
    return not ({a, b} == {"origin", "destination"} or "transit" in (a, b))


def compare_actors(a: Features, b: Features, explain: bool = True) -> tuple[float | None, str]:
    """Return (score or None, reason) for two events' actors."""
    if not a.actor or not b.actor:
        return 0.4, "actor given on one side only" if (a.actor or b.actor) else "no actor"
    if a.side and b.side and a.side != b.side:
        return None, (f"different actors: {a.actor} vs {b.actor}" if explain else "")
    if a.kind and b.kind and a.kind != b.kind:
        return None, (
            f"different kinds of actor: {a.actor} ({a.kind}) vs {b.actor} ({b.kind})"
            if explain
            else ""
        )
    if a.actor.lower() == b.actor.lower():
        return 1.0, (f"same actor: {a.actor}" if explain else "")
    if a.side and a.side == b.side and a.kind == b.kind:
        return 0.9, (f"compatible actors: {a.actor} ~ {b.actor}" if explain else "")
    return 0.6, (f"actors may match: {a.actor} ~ {b.actor}" if explain else "")


def compare_counts(a: Features, b: Features, explain: bool = True) -> tuple[float | None, str]:
    """Return (score or None, reason) for two events' figures (never merged)."""
    if a.lo is None or b.lo is None or a.hi is None or b.hi is None:
        return 0.5, "figure given on one side only" if (a.lo or b.lo) else "no figures"
    if a.count_class != b.count_class:
        return None, (
            f"different units of count: {a.count_class} vs {b.count_class}" if explain else ""
        )
    if a.lo <= b.hi and b.lo <= a.hi:
        return 1.0, (f"figures agree: {a.figure} ~ {b.figure} {a.count_class}" if explain else "")
    small, big = (a, b) if a.hi < b.lo else (b, a)
    assert small.hi is not None and big.lo is not None
    ratio = big.lo / max(small.hi, 1.0)
    if ratio > MAX_COUNT_RATIO:
        return (
            None,
            (f"figures too far apart (x{ratio:.1f}): {a.figure} vs {b.figure}" if explain else ""),
        )
    return (0.8 if ratio <= 1.5 else 0.5), (
        f"figures differ ({a.figure} vs {b.figure}, x{ratio:.1f}), within the "
        f"x{MAX_COUNT_RATIO:g} claimants' estimates span"
        if explain
        else ""
    )


def compare(a: Features, b: Features, *, explain: bool = True) -> Verdict:
    """Compare two events; the verdict explains every piece of evidence it used.

    Events of one report are one happening only when the report restates the same claim
    or names the origin and destination of one movement in one passage; otherwise the
    report itself tells them apart.
    """
    same_report = bool(a.report_id) and a.report_id == b.report_id
    ds, dreason, _ = compare_dates(a, b, explain)
    if ds is None:
        return Verdict(None, (dreason,), same_report, "date")
    if a.event_type == b.event_type:
        ts, treason = 1.0, (f"same type: {a.event_type}" if explain else "")
    else:
        aff = TYPE_AFFINITY.get(frozenset((a.event_type, b.event_type)))
        if aff is None:
            return Verdict(
                None,
                ((f"types differ: {a.event_type} vs {b.event_type}" if explain else ""),),
                same_report,
                "type",
            )
        ts, treason = aff, (f"compatible types: {a.event_type} ~ {b.event_type}" if explain else "")
    acs, areason = compare_actors(a, b, explain)
    if acs is None:
        return Verdict(None, (areason,), same_report, "actor")
    if a.formation and b.formation and a.formation != b.formation:
        return Verdict(
            None,
            ((f"different formations: {a.formation} vs {b.formation}" if explain else ""),),
            same_report,
            "formation",
        )
    cs, creason = compare_counts(a, b, explain)
    if cs is None:
        return Verdict(None, (creason,), same_report, "count")
    legs = (
        same_report
        and a.evidence is not None
        and a.evidence == b.evidence
        and {a.role, b.role} in ({"origin", "destination"}, {"transit", "destination"})
    )
    if legs:
        leg_reasons = (
            (
                f"one passage of one report names {a.place_name} ({a.role}) and "
                f"{b.place_name} ({b.role}) of one movement"
                if explain
                else ""
            ),
            dreason,
            areason,
            "same report: adds no corroboration",
        )
        return Verdict(round(0.6 + 0.2 * (ds + acs) / 2, 3), leg_reasons, True)
    if not _roles_compatible(a.role, b.role):
        return Verdict(
            None, ((f"roles differ: {a.role} vs {b.role}" if explain else ""),), same_report, "role"
        )
    ps, preason = compare_places(a, b, explain)
    if ps is None:
        return Verdict(None, (preason,), same_report, "place")
    if same_report and a.claimant and b.claimant and a.claimant != b.claimant:
        return Verdict(None, ("same report, different claimants",), True, "claimant")
    w = WEIGHTS
    score = w["date"] * ds + w["place"] * ps + w["actor"] * acs + w["type"] * ts + w["count"] * cs
    reasons = [preason, dreason, treason, areason, creason]
    if a.formation and a.formation == b.formation:
        score = min(1.0, score + 0.05)
        reasons.append(f"same formation: {a.formation}" if explain else "")
    if same_report:
        reasons.append("the report restates one claim: adds no corroboration")
    elif a.claimant and a.claimant == b.claimant:
        reasons.append(
            f"both relay one claimant ({a.claimant}): not independent" if explain else ""
        )
    return Verdict(round(score, 3), tuple(reasons), same_report)
