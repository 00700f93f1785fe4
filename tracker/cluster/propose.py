"""Propose links between events that describe one happening, fast enough for 100,000 events.

Blocking: every dated event is filed under its report and under keys made of its type
group, its actor's side, a week it may cover (its dates widened by the slack their
precision allows) and a place key: its gazetteer id, a 3-D grid cell of its point (cells as
wide as :data:`~tracker.cluster.evidence.NEAR_KM`), its admin1 code, its country. Fine
places look up their own and the 26 neighbouring cells, admin1 claims their admin1,
country and macro-region claims their country; so every pair that could pass
:func:`~tracker.cluster.evidence.compare` shares a key (the benchmark and the tests check
the result against comparing all pairs).

Linking is greedy on score with cannot-link checks, because a vague claim ("this month",
"Russia's Far East") may match two happenings that must stay apart. A link is held back
when it would put into one happening two events that one report tells apart, two events
of the same kind at places certainly apart, two precisely dated events at one place on
different dates, or two events a user unlinked by hand; and a vague claim that fits two
distinct happenings about equally (within :data:`AMBIGUITY_MARGIN`) is linked to neither.
Imports: stdlib, tracker.model, tracker.cluster.evidence.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tracker.cluster.evidence import (
    EARTH_KM,
    FINE,
    NEAR_KM,
    TYPE_AFFINITY,
    Features,
    compare,
    compare_dates,
    compare_places,
    features,
    places_apart,
)
from tracker.model import EVENT_TYPES, Event, Link

CLUSTER_METHOD = "cluster 1"
THRESHOLD = 0.6
AMBIGUITY_MARGIN = 0.05
_CELL = NEAR_KM / EARTH_KM  # grid cell edge on the unit sphere (chord <= arc)
_AT = frozenset({"location", "destination"})
_NEIGHBOURS = tuple((dx, dy, dz) for dx in (-1, 0, 1) for dy in (-1, 0, 1) for dz in (-1, 0, 1))


@dataclass(frozen=True, slots=True)
class Proposal:
    """A proposed link: two event ids (sorted), its score and why."""

    event_a: str
    event_b: str
    score: float
    reasons: tuple[str, ...]
    same_report: bool = False

    @property
    def reason(self) -> str:
        """Return the reasons as one line (what a stored link records as its ``reason``)."""
        return "; ".join(self.reasons)


@dataclass(frozen=True, slots=True)
class HeldBack:
    """A pair that scored above the threshold but was not linked, and why."""

    event_a: str
    event_b: str
    score: float
    rule: str  # unlinked | ambiguous | report | places | dates
    between: tuple[str, str]  # the two events the link would have put together

    @property
    def reason(self) -> str:
        """Return why the link was held back, in words."""
        x, y = self.between
        if self.rule == "unlinked":
            return f"{x} and {y} were unlinked by hand"
        if self.rule == "report":
            return f"would join {x} and {y}, which one report tells apart"
        if self.rule == "ambiguous":
            return f"a vague claim that fits {x} and {y}, two distinct happenings, about equally"
        if self.rule == "places":
            return f"would join {x} and {y}: the same kind of event at places apart"
        return f"would join {x} and {y}: one place, different dates"


@dataclass(frozen=True, slots=True)
class ClusterRun:
    """What :func:`propose_links` found."""

    proposals: tuple[Proposal, ...]
    held_back: tuple[HeldBack, ...]
    events: int
    compared: int


def _cell(xyz: tuple[float, float, float]) -> tuple[int, int, int]:
    return (
        math.floor(xyz[0] / _CELL),
        math.floor(xyz[1] / _CELL),
        math.floor(xyz[2] / _CELL),
    )


def _klass(f: Features) -> int:
    """0 fine place, 1 admin1, 2 macro-region/country: coarser claims look up finer ones."""
    if f.geo in FINE:
        return 0
    return 1 if f.geo == "admin1" else 2


def _type_groups() -> dict[str, str]:
    """Map each event type to its group: types that may describe one happening share one."""
    group = {t: t for t in EVENT_TYPES}
    for pair in TYPE_AFFINITY:
        first, *rest = sorted(pair)
        for t in rest:
            old = group[t]
            for k, v in group.items():
                if v == old:
                    group[k] = group[first]
    return group


_TYPE_GROUP = _type_groups()


def _weeks(f: Features) -> range:
    assert f.d0 is not None and f.d1 is not None
    return range((f.d0 - f.slack) // 7, (f.d1 + f.slack) // 7 + 1)


class _Blocks:
    """The blocking index: (place kind, type group, actor side, place) -> week -> events.

    An event whose actor's side is known is filed under that side and looks up its side
    and the unknown one ("?"); an event with no known side looks up every side.
    """

    def __init__(self, feats: Sequence[Features]) -> None:
        self.feats = feats
        index: dict[tuple[object, ...], dict[int, list[int]]] = defaultdict(dict)
        by_report: dict[str, list[int]] = defaultdict(list)
        cells: list[tuple[int, int, int] | None] = []
        klass = [_klass(f) for f in feats]
        sides_seen: set[str] = set()

        def put(key: tuple[object, ...], weeks: range, i: int) -> None:
            slot = index[key]
            for w in weeks:
                got = slot.get(w)
                if got is None:
                    slot[w] = [i]
                else:
                    got.append(i)

        for i, f in enumerate(feats):
            cell = _cell(f.xyz) if f.xyz is not None and f.geo in FINE else None
            cells.append(cell)
            if f.d0 is None:
                continue
            if f.report_id:
                by_report[f.report_id].append(i)
            t = _TYPE_GROUP.get(f.event_type, f.event_type)
            weeks = _weeks(f)
            side = f.side or "?"
            sides_seen.add(side)
            if f.place_id:
                put(("p", t, side, f.place_id), weeks, i)
            if cell is not None:
                put(("g", t, side, cell), weeks, i)
            if f.admin1:
                put(("a", t, side, f.admin1), weeks, i)
            if f.country:
                put(("c", t, side, f.country), weeks, i)
        empty: dict[int, list[int]] = {}
        occupied = {c for c in cells if c is not None}
        all_sides = tuple(sorted(sides_seen))
        around: dict[tuple[int, int, int], list[tuple[int, int, int]]] = {}
        self.index, self.by_report, self.cells, self.klass = index, by_report, cells, klass
        self.empty, self.occupied, self.all_sides, self.around = (
            empty,
            occupied,
            all_sides,
            around,
        )

    def pairs(self, part: int = 0, parts: int = 1) -> Iterable[tuple[int, int]]:
        """Yield index pairs (i, j) sharing a block, each once; i in this part of the events."""
        feats, index, by_report, cells, klass = (
            self.feats,
            self.index,
            self.by_report,
            self.cells,
            self.klass,
        )
        empty, occupied, all_sides, around = self.empty, self.occupied, self.all_sides, self.around
        for i in range(part, len(feats), parts):
            f = feats[i]
            if f.d0 is None:
                continue
            k = klass[i]
            t = _TYPE_GROUP.get(f.event_type, f.event_type)
            weeks = _weeks(f)
            sides = (f.side, "?") if f.side else all_sides
            slots: list[dict[int, list[int]]] = []
            for side in sides:
                if f.place_id:
                    slots.append(index.get(("p", t, side, f.place_id), empty))
                if k == 0:
                    cell = cells[i]
                    if cell is not None:
                        near = around.get(cell)
                        if near is None:
                            cx, cy, cz = cell
                            near = around[cell] = [
                                c
                                for c in ((cx + dx, cy + dy, cz + dz) for dx, dy, dz in _NEIGHBOURS)
                                if c in occupied
                            ]
                        for c in near:
                            cslot = index.get(("g", t, side, c))
                            if cslot:
                                slots.append(cslot)
                elif k == 1:
                    if f.admin1:
                        slots.append(index.get(("a", t, side, f.admin1), empty))
                elif f.country:
                    slots.append(index.get(("c", t, side, f.country), empty))
            cands: set[int] = set(by_report.get(f.report_id, ())) if f.report_id else set()
            for slot in slots:
                if slot:
                    for w in weeks:
                        hit = slot.get(w)
                        if hit:
                            cands.update(hit)
            cands.discard(i)
            for j in cands:
                kj = klass[j]
                # Same class: both sides find each other, keep i < j; else the coarser finds.
                if (kj == k and j > i) or kj < k:
                    yield i, j


def candidate_pairs(feats: Sequence[Features]) -> Iterable[tuple[int, int]]:
    """Yield index pairs (i, j) that share a block, each pair once."""
    return _Blocks(feats).pairs()


def all_pairs(n: int) -> Iterable[tuple[int, int]]:
    """Yield every index pair (the naive baseline the benchmark compares against)."""
    for i in range(n):
        for j in range(i + 1, n):
            yield i, j


class _Components:
    """Union-find that remembers each component's members, reports and precise events."""

    def __init__(self, feats: Sequence[Features]) -> None:
        self.feats = feats
        self.parent = list(range(len(feats)))
        self.members: dict[int, list[int]] = {}
        self.reports: dict[int, dict[str, list[int]]] = {}

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def _members(self, r: int) -> list[int]:
        return self.members.get(r) or [r]

    def _reports(self, r: int) -> dict[str, list[int]]:
        got = self.reports.get(r)
        if got is None:
            rid = self.feats[r].report_id
            got = {rid: [r]} if rid else {}
        return got

    def union(self, ra: int, rb: int) -> None:
        ma, mb = self._members(ra), self._members(rb)
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self.parent[rb] = ra
        self.members[ra] = ma + mb
        self.members.pop(rb, None)
        reps = self._reports(ra)
        for rid, idx in self._reports(rb).items():
            reps[rid] = reps.get(rid, []) + idx
        self.reports[ra] = reps
        self.reports.pop(rb, None)

    def conflict(
        self, ra: int, rb: int, forbidden: dict[int, set[int]]
    ) -> tuple[str, tuple[str, str]] | None:
        """Return (rule, the two events) that keep components ``ra`` and ``rb`` apart."""
        feats = self.feats
        if forbidden:
            sb = set(self._members(rb))
            for x in self._members(ra):
                hit = forbidden.get(x)
                if hit and not hit.isdisjoint(sb):
                    fx, fy = _ordered(feats[x], feats[min(hit & sb)])
                    return "unlinked", (fx.id, fy.id)
        repa, repb = self._reports(ra), self._reports(rb)
        if len(repb) < len(repa):
            repa, repb = repb, repa
        for rid, xs in repa.items():
            for y in repb.get(rid, ()):
                for x in xs:
                    fx, fy = _ordered(feats[x], feats[y])
                    # A report may name several places of one happening; it tells two
                    # events apart when their dates, type, actor or figures differ.
                    if compare(fx, fy, explain=False).blocker not in (None, "place", "role"):
                        return "report", (fx.id, fy.id)
        mb = [feats[y] for y in self._members(rb)]
        for gx in (feats[x] for x in self._members(ra)):
            tx = _TYPE_GROUP.get(gx.event_type)
            x0, x1 = gx.d0, gx.d1
            assert x0 is not None and x1 is not None
            for gy in mb:
                if tx != _TYPE_GROUP.get(gy.event_type):
                    continue
                fx, fy = _ordered(gx, gy)
                if fx.role in _AT and fy.role in _AT and places_apart(fx, fy):
                    return "places", (fx.id, fy.id)
                if not (fx.precise_date and fy.precise_date):
                    continue
                assert gy.d0 is not None and gy.d1 is not None
                gap = gx.slack + gy.slack
                if x0 - gap <= gy.d1 and gy.d0 - gap <= x1:
                    continue  # dates compatible
                if compare_places(fx, fy, False)[0] is not None:
                    return "dates", (fx.id, fy.id)
        return None


def _ordered(a: Features, b: Features) -> tuple[Features, Features]:
    return (a, b) if a.id <= b.id else (b, a)


def _vague(f: Features) -> bool:
    """Whether a claim is vague enough to match several happenings (coarse place or date)."""
    return f.geo not in FINE or not f.precise_date


def _ambiguous(
    feats: Sequence[Features], scored: Sequence[tuple[float, str, str, int, int]]
) -> dict[int, tuple[str, str]]:
    """Return the vague events that match two distinct happenings about equally well.

    A claim about "Russia" in "October" may fit two arrivals at two ports; linking it to
    either would be a guess, so it is left for an analyst: for each vague event, its best
    match and any match within :data:`AMBIGUITY_MARGIN` of it that is certainly another
    happening (places apart, or precise dates apart) make it ambiguous.
    """
    best: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for neg, _a, _b, i, j in scored:  # best first
        for x, y in ((i, j), (j, i)):
            if _vague(feats[x]):
                best[x].append((-neg, y))
    out: dict[int, tuple[str, str]] = {}
    for x, matches in best.items():
        top, y0 = matches[0]
        f0 = feats[y0]
        for score, y in matches[1:]:
            if score < top - AMBIGUITY_MARGIN:
                break
            fy = feats[y]
            if _TYPE_GROUP.get(f0.event_type) != _TYPE_GROUP.get(fy.event_type):
                continue
            apart = places_apart(f0, fy) if (f0.role in _AT and fy.role in _AT) else False
            if not apart and f0.precise_date and fy.precise_date:
                apart = compare_dates(f0, fy, False)[0] is None
            if apart:
                out[x] = (f0.id, fy.id) if f0.id <= fy.id else (fy.id, f0.id)
                break
    return out


_Scored = list[tuple[float, str, str, int, int]]


def _score(
    feats: Sequence[Features], pairs: Iterable[tuple[int, int]], threshold: float
) -> tuple[_Scored, int]:
    """Score pairs; keep those at or above the threshold as (-score, id_a, id_b, i, j)."""
    scored: _Scored = []
    compared = 0
    for i, j in pairs:
        compared += 1
        if feats[j].id < feats[i].id:
            i, j = j, i
        score = compare(feats[i], feats[j], explain=False).score
        if score is None or score < threshold:
            continue
        scored.append((-score, feats[i].id, feats[j].id, i, j))
    return scored, compared


def propose_links(
    events: Sequence[Event],
    *,
    links: Sequence[Link] = (),
    threshold: float = THRESHOLD,
    naive: bool = False,
) -> ClusterRun:
    """Propose links between events that describe one happening.

    Parameters
    ----------
    events
        The events to cluster (deleted and rejected ones should be left out by the caller).
    links
        Links already stored, active and removed: active ones are kept (not proposed
        again) and seed the happenings; removed ones are never proposed again and keep
        their two events apart.
    threshold
        Minimum score of a proposal.
    naive
        Compare every pair instead of blocking (the benchmark's baseline; O(n^2)).

    Returns
    -------
    ClusterRun
        Proposals (best first) and the pairs held back by a cannot-link rule.
    """
    feats = [features(e) for e in events]
    pos = {f.id: i for i, f in enumerate(feats)}
    comps = _Components(feats)
    active: set[tuple[int, int]] = set()
    forbidden: dict[int, set[int]] = defaultdict(set)
    for ln in links:
        ia, ib = pos.get(ln.event_a), pos.get(ln.event_b)
        if ia is None or ib is None:
            continue
        if ln.active:
            active.add((min(ia, ib), max(ia, ib)))
            ra, rb = comps.find(ia), comps.find(ib)
            if ra != rb:
                comps.union(ra, rb)
        else:
            forbidden[ia].add(ib)
            forbidden[ib].add(ia)
    for ia, ib in active:  # an active link overrides an older removal of the same pair
        forbidden[ia].discard(ib)
        forbidden[ib].discard(ia)
    if naive:
        scored, compared = _score(feats, all_pairs(len(feats)), threshold)
    else:
        scored, compared = _score(feats, _Blocks(feats).pairs(), threshold)
    scored.sort()
    ambiguous = _ambiguous(feats, scored)
    proposals: list[Proposal] = []
    held: list[HeldBack] = []
    known: dict[tuple[int, int], tuple[str, tuple[str, str]]] = {}
    told: set[int] = set()
    for neg, a, b, i, j in scored:
        if (min(i, j), max(i, j)) in active:
            continue
        x = i if i in ambiguous else j if j in ambiguous else None
        if x is not None:
            if x not in told:  # one entry per ambiguous claim: its best match
                told.add(x)
                held.append(HeldBack(a, b, -neg, "ambiguous", ambiguous[x]))
            continue
        if j in forbidden.get(i, ()):
            held.append(HeldBack(a, b, -neg, "unlinked", (a, b)))
            continue
        ri, rj = comps.find(i), comps.find(j)
        if ri != rj:
            key = (ri, rj) if ri < rj else (rj, ri)
            why = known.get(key)
            if why is None:
                why = comps.conflict(ri, rj, forbidden)
            if why is not None:
                known[key] = why  # components only grow: a conflict stays a conflict
                held.append(HeldBack(a, b, -neg, why[0], why[1]))
                continue
            comps.union(ri, rj)
        v = compare(feats[i], feats[j])  # again, with its reasons written out
        proposals.append(Proposal(a, b, -neg, v.reasons, v.same_report))
    return ClusterRun(tuple(proposals), tuple(held), len(feats), compared)
