"""Run clustering against a store: propose and record links, link and unlink by hand, collapse.

Links are records of their own in the store (who, when, why, method, score), removed
rather than deleted, so every merge can be explained and undone; the events they join are
never edited. ``tracker cluster``, ``link``, ``unlink``, ``show`` and ``query --collapse``
call these functions.
Imports: stdlib, tracker.model/errors, tracker.store, tracker.cluster.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass
from typing import Any

from tracker.cluster.happening import Happening, collapse, format_figure, happening_of
from tracker.cluster.propose import CLUSTER_METHOD, THRESHOLD, ClusterRun, propose_links
from tracker.errors import StoreError, ValidationError
from tracker.model import Event, EventFilter, Link
from tracker.store import EventStore


def cluster_store(
    store: EventStore,
    flt: EventFilter | None = None,
    *,
    dry_run: bool = False,
    by: str | None = None,
    threshold: float = THRESHOLD,
) -> tuple[ClusterRun, list[Link]]:
    """Propose links among the events a filter selects and record them (one transaction).

    Parameters
    ----------
    store
        An open store.
    flt
        Which events to cluster (default: every live, non-rejected event).
    dry_run
        Only propose; write nothing.
    by
        Who runs it (recorded on each link).
    threshold
        Minimum score of a proposal.

    Returns
    -------
    tuple[ClusterRun, list[Link]]
        The proposals (and pairs held back), and the links written (empty on a dry run).
    """
    events = store.query(flt)
    links = store.list_links(include_removed=True)
    run = propose_links(events, links=links, threshold=threshold)
    written: list[Link] = []
    if not dry_run and run.proposals:
        with store.transaction():
            for p in run.proposals:
                written.append(
                    store.add_link(
                        p.event_a,
                        p.event_b,
                        reason=p.reason,
                        by=by,
                        method=CLUSTER_METHOD,
                        score=p.score,
                    )
                )
    return run, written


def _live(store: EventStore, event_id: str) -> Event:
    ev = store.get_event(event_id)
    if ev.deleted:
        msg = f"event {event_id!r} is deleted; restore it first with: tracker restore {event_id}"
        raise ValidationError(msg, problems=[msg])
    return ev


def link_events(
    store: EventStore, event_a: str, event_b: str, *, reason: str, by: str | None = None
) -> Link:
    """Link two events by hand (idempotent for a pair already linked).

    Raises
    ------
    ValidationError
        An empty reason, the same event twice, or a deleted event.
    EventNotFoundError
        An unknown id.
    """
    if not reason or not reason.strip():
        msg = 'a link needs a reason: add --reason "why these describe one happening"'
        raise ValidationError(msg, problems=[msg])
    if event_a == event_b:
        msg = f"cannot link {event_a!r} to itself: give two different event ids"
        raise ValidationError(msg, problems=[msg])
    with store.transaction():
        _live(store, event_a)
        _live(store, event_b)
        return store.add_link(event_a, event_b, reason=reason.strip(), by=by, method="manual")


def unlink_events(
    store: EventStore,
    event_a: str,
    event_b: str | None = None,
    *,
    reason: str,
    by: str | None = None,
) -> list[Link]:
    """Remove the link between two events, or every link of one event (kept as history).

    Raises
    ------
    ValidationError
        An empty reason, or no active link to remove (the message says what links exist).
    """
    if not reason or not reason.strip():
        msg = 'unlinking needs a reason: add --reason "why these are different happenings"'
        raise ValidationError(msg, problems=[msg])
    with store.transaction():
        store.get_event(event_a)
        if event_b is not None:
            store.get_event(event_b)
        mine = store.list_links(event_a)
        if event_b is not None:
            mine = [ln for ln in mine if event_b in (ln.event_a, ln.event_b)]
        if not mine:
            if event_b is None:
                msg = f"event {event_a!r} has no active link; nothing to unlink"
            else:
                others = sorted(_other(ln, event_a) for ln in store.list_links(event_a))
                hint = f" (its links: {', '.join(others)})" if others else ""
                msg = f"{event_a!r} and {event_b!r} are not linked directly{hint}"
            raise ValidationError(msg, problems=[msg])
        return [store.remove_link(ln.id, reason=reason.strip(), by=by) for ln in mine]


def _other(ln: Link, event_id: str) -> str:
    return ln.event_b if ln.event_a == event_id else ln.event_a


@dataclass(frozen=True, slots=True)
class HappeningDetail:
    """An event's happening with its member events and the links that join them."""

    happening: Happening
    events: tuple[Event, ...]
    links: tuple[Link, ...]

    def report_rows(self) -> list[dict[str, Any]]:
        """Return one row per member event: report, outlet, claimant, figure, status."""
        return [
            {
                "event": e.id,
                "report_id": e.report_id,
                "source": e.source_publisher,
                "published": e.source_published,
                "url": e.source_url,
                "claimed_by": e.claimed_by,
                "figure": format_figure(e),
                "status": e.status,
                "place": e.place_name,
                "dates": _dates(e),
            }
            for e in self.events
        ]

    def link_rows(self) -> list[dict[str, Any]]:
        """Return one row per link: the pair, who made it, how, with what score and why."""
        return [
            {
                "link": ln.id,
                "event_a": ln.event_a,
                "event_b": ln.event_b,
                "method": ln.method,
                "score": ln.score,
                "created_by": ln.created_by,
                "created_at": ln.created_at,
                "reason": ln.reason,
            }
            for ln in self.links
        ]


def _dates(e: Event) -> str | None:
    if e.date_start is None:
        return None
    if e.date_end is None or e.date_end == e.date_start:
        return e.date_start.isoformat()
    return f"{e.date_start.isoformat()}/{e.date_end.isoformat()}"


def happening_for_event(store: EventStore, event_id: str) -> HappeningDetail:
    """Return the happening an event belongs to (itself alone when it has no link).

    Raises
    ------
    EventNotFoundError
        An unknown id.
    """
    start = store.get_event(event_id)
    seen = {event_id}
    links: dict[str, Link] = {}
    todo = deque([event_id])
    while todo:
        cur = todo.popleft()
        for ln in store.list_links(cur):
            links[ln.id] = ln
            other = _other(ln, cur)
            if other not in seen:
                seen.add(other)
                todo.append(other)
    events = [start] + [store.get_event(i) for i in sorted(seen - {event_id})]
    events.sort(key=lambda e: (e.date_start is None, e.date_start, e.id))
    ordered = tuple(sorted(links.values(), key=lambda ln: (ln.created_at or "", ln.id)))
    return HappeningDetail(happening_of(events), tuple(events), ordered)


def collapse_store(store: EventStore, flt: EventFilter | None = None) -> list[Happening]:
    """Return one happening per group of linked events among those a filter selects.

    A happening with at least one member inside the filter is returned whole, with its
    members outside the filter too, so its report and outlet counts are complete.
    """
    events = store.query(flt)
    links = store.list_links()
    adj: dict[str, list[str]] = defaultdict(list)
    for ln in links:
        adj[ln.event_a].append(ln.event_b)
        adj[ln.event_b].append(ln.event_a)
    have = {e.id for e in events}
    reach = set(have)
    todo = deque(i for i in have if i in adj)
    while todo:
        cur = todo.popleft()
        for nxt in adj[cur]:
            if nxt not in reach:
                reach.add(nxt)
                todo.append(nxt)
    missing = sorted(reach - have)
    if missing:
        try:
            events = events + store.query(EventFilter(ids=tuple(missing)))
        except StoreError:
            raise
    return collapse(events, links)
