"""Collapse linked events into happenings: who reported what, side by side, never averaged.

A happening is a connected component of active links (union-find). It keeps every
member's claim as it was: its figures are listed per claimant ("NIS: 1,500; Pentagon:
3,000"), its status follows from the claims (a denial, above all by the acting side, is
shown beside them), and it counts the distinct reports and outlets behind it.
Imports: stdlib, tracker.model, tracker.cluster.normalize.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.cluster.normalize import SIDE_COUNTRY, actor_key, side_of
from tracker.model import Event, Link

_GEO_ORDER = {"point": 0, "near": 1, "admin2": 2, "admin1": 3, "macro_region": 4, "country": 5}
_QUAL = {"about": "about ", "up_to": "up to ", "at_least": "at least ", "more_than": "more than "}


@dataclass(frozen=True, slots=True)
class ClaimantFigure:
    """One claimant's figure for a happening, with the events and reports that carry it."""

    claimant: str
    figure: str  # e.g. "about 1,500 troops"
    count: int | None
    count_low: int | None
    count_high: int | None
    count_qualifier: str | None
    count_unit: str | None
    event_ids: tuple[str, ...]
    reports: int


@dataclass(frozen=True, slots=True)
class Happening:
    """Events that describe one happening, with their claims kept apart."""

    id: str
    event_ids: tuple[str, ...]
    report_ids: tuple[str, ...]
    outlets: tuple[str, ...]
    figures: tuple[ClaimantFigure, ...]
    claimants: tuple[str, ...]
    date_start: date | None
    date_end: date | None
    places: tuple[str, ...]  # finest first
    event_types: tuple[str, ...]
    actors: tuple[str, ...]
    status: str  # confirmed | claimed | unconfirmed | denied | disputed
    status_summary: str
    denied_by: tuple[str, ...]

    @property
    def reports(self) -> int:
        """Return how many distinct reports back this happening."""
        return len(self.report_ids)

    @property
    def outlet_count(self) -> int:
        """Return how many distinct outlets (publishers) reported it."""
        return len(self.outlets)

    @property
    def figures_text(self) -> str:
        """Return each claimant's figure side by side, e.g. ``NIS: 1,500; Pentagon: 3,000``."""
        return "; ".join(f"{f.claimant}: {f.figure}" for f in self.figures)

    def to_row(self) -> dict[str, Any]:
        """Return a JSON-ready row (one per happening, for ``tracker query --collapse``)."""
        return {
            "happening": self.id,
            "date_start": self.date_start.isoformat() if self.date_start else None,
            "date_end": self.date_end.isoformat() if self.date_end else None,
            "places": list(self.places),
            "event_types": list(self.event_types),
            "actors": list(self.actors),
            "reports": self.reports,
            "outlets": self.outlet_count,
            "sources": f"{_n(self.reports, 'report')} / {_n(self.outlet_count, 'outlet')}",
            "figures": self.figures_text,
            "claimed_by": list(self.claimants),
            "status": self.status,
            "status_summary": self.status_summary,
            "events": list(self.event_ids),
        }


def _n(k: int, word: str) -> str:
    return f"{k} {word}" if k == 1 else f"{k} {word}s"


def format_figure(e: Event) -> str | None:
    """Return an event's figure as written, e.g. ``about 1,500 troops`` (None without one)."""
    if e.count_low is not None and e.count_high is not None:
        num = f"{e.count_low:,}-{e.count_high:,}"
    elif e.count is not None:
        num = f"{e.count:,}"
    elif e.count_low is not None:
        num = f"{e.count_low:,}+"
    elif e.count_high is not None:
        num = f"up to {e.count_high:,}"
    else:
        return None
    prefix = _QUAL.get(e.count_qualifier or "", "")
    unit = e.count_unit or "troops"
    return f"{prefix}{num} {unit}"


class _UnionFind:
    def __init__(self, ids: Iterable[str]) -> None:
        self.parent = {i: i for i in ids}

    def find(self, x: str) -> str:
        p = self.parent
        while p[x] != x:
            p[x] = p[p[x]]
            x = p[x]
        return x

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def components(event_ids: Iterable[str], links: Iterable[Link]) -> list[list[str]]:
    """Return the connected components of active links, as sorted id lists.

    Links that name an event outside ``event_ids`` are ignored; every event is in exactly
    one component (alone when it has no link).
    """
    uf = _UnionFind(event_ids)
    for ln in links:
        if ln.active and ln.event_a in uf.parent and ln.event_b in uf.parent:
            uf.union(ln.event_a, ln.event_b)
    groups: dict[str, list[str]] = {}
    for i in uf.parent:
        groups.setdefault(uf.find(i), []).append(i)
    return [sorted(g) for g in groups.values()]


def _acting_sides(members: Sequence[Event]) -> set[str]:
    sides: set[str] = set()
    for e in members:
        side = actor_key(e.actor)[0]
        if side:
            sides.add(side)
            sides.add(SIDE_COUNTRY.get(side, side))
        if e.country_code and e.role != "related":
            sides.add(e.country_code)  # the host of a deployment is a party to it
    return sides


def _status(members: Sequence[Event]) -> tuple[str, str, tuple[str, ...]]:
    by_status: dict[str, list[str]] = {}
    for e in members:
        who = e.claimed_by or e.source_publisher or "unknown source"
        names = by_status.setdefault(e.status, [])
        if who not in names:
            names.append(who)
    acting = _acting_sides(members)
    denied = tuple(by_status.get("denied", ()))
    parts = []
    for st in ("confirmed", "claimed", "unconfirmed"):
        if by_status.get(st):
            parts.append(f"{st} by {', '.join(by_status[st])}")
    if denied:
        marked = [
            f"{d} (acting side)" if (side_of(d) and side_of(d) in acting) else d for d in denied
        ]
        parts.append(f"denied by {', '.join(marked)}")
    base = next((st for st in ("confirmed", "claimed", "unconfirmed") if by_status.get(st)), None)
    if base is None:  # every claim is a denial
        base = "denied" if denied else "claimed"
    status = "disputed" if denied and base != "denied" else base
    return status, "; ".join(parts), denied


def _figures(members: Sequence[Event]) -> tuple[ClaimantFigure, ...]:
    """One row per claimant and figure; one side's relays of one figure share a row."""
    grouped: dict[tuple[str, str], list[Event]] = {}
    for e in members:
        fig = format_figure(e)
        if fig is None:
            continue
        who = e.claimed_by or e.source_publisher or "unknown source"
        grouped.setdefault((side_of(who) or who, fig), []).append(e)
    out = []
    for (_key, fig), evs in grouped.items():
        first = evs[0]
        names = _uniq(e.claimed_by or e.source_publisher or "unknown source" for e in evs)
        out.append(
            ClaimantFigure(
                claimant=" / ".join(names),
                figure=fig,
                count=first.count,
                count_low=first.count_low,
                count_high=first.count_high,
                count_qualifier=first.count_qualifier,
                count_unit=first.count_unit,
                event_ids=tuple(sorted(e.id for e in evs)),
                reports=len({e.report_id or e.id for e in evs}),
            )
        )
    out.sort(key=lambda f: (-f.reports, f.count or f.count_low or 0, f.claimant))
    return tuple(out)


def _uniq(values: Iterable[str | None]) -> tuple[str, ...]:
    seen: dict[str, None] = {}
    for v in values:
        if v:
            seen.setdefault(v, None)
    return tuple(seen)


def happening_of(members: Sequence[Event]) -> Happening:
    """Summarise events already known to describe one happening."""
    ms = sorted(members, key=lambda e: e.id)
    ids = tuple(e.id for e in ms)
    # The date range comes from the precisely dated claims when there are any, so a
    # "this month" relay does not stretch a happening of 8-13 October to the whole month.
    precise = [e for e in ms if e.date_precision in ("day", "range", "week") and e.date_start]
    dated = precise or [e for e in ms if e.date_start is not None]
    starts = [e.date_start for e in dated if e.date_start is not None]
    ends = [e.date_end or e.date_start for e in dated if (e.date_end or e.date_start)]
    by_precision = sorted(ms, key=lambda e: (_GEO_ORDER.get(e.geo_precision, 6), e.id))
    status, summary, denied = _status(ms)
    hid = "hap_" + hashlib.sha256("\x1f".join(ids).encode()).hexdigest()[:16]
    return Happening(
        id=hid,
        event_ids=ids,
        report_ids=tuple(sorted({e.report_id for e in ms if e.report_id})),
        outlets=tuple(sorted({e.source_publisher for e in ms if e.source_publisher})),
        figures=_figures(ms),
        claimants=_uniq(e.claimed_by for e in ms),
        date_start=min(starts) if starts else None,
        date_end=max(d for d in ends if d is not None) if ends else None,
        places=_uniq(e.place_name for e in by_precision if e.role != "related")
        or _uniq(e.place_name for e in by_precision),
        event_types=_uniq(e.event_type for e in ms),
        actors=_uniq(e.actor for e in ms),
        status=status,
        status_summary=summary,
        denied_by=denied,
    )


def collapse(events: Sequence[Event], links: Iterable[Link]) -> list[Happening]:
    """Group events into happenings along active links; one happening per component.

    Parameters
    ----------
    events
        The events; an event with no link is a happening of its own.
    links
        Stored links (removed ones are ignored).

    Returns
    -------
    list[Happening]
        Ordered by start date (undated last), then id.
    """
    by_id = {e.id: e for e in events}
    haps = [happening_of([by_id[i] for i in comp]) for comp in components(by_id, links)]
    haps.sort(key=lambda h: (h.date_start is None, h.date_start or date.min, h.id))
    return haps
