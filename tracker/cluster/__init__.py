"""Corroboration (issue 8): link events that describe one happening, and collapse them.

``propose_links(events, links=...)`` scores pairs of events on explainable evidence and
proposes links (each with a score and its reasons); ``collapse(events, links)`` groups
events along active links into :class:`Happening` records that keep every claimant's
figure apart. The store functions in :mod:`tracker.cluster.service` run these against an
:class:`~tracker.store.EventStore`; linking never edits or deletes the events it joins.
Imports: stdlib, tracker.model/errors/settings, tracker.store (service only).
"""

from __future__ import annotations

from tracker.cluster.happening import (
    ClaimantFigure,
    Happening,
    collapse,
    components,
    format_figure,
    happening_of,
)
from tracker.cluster.propose import (
    CLUSTER_METHOD,
    THRESHOLD,
    ClusterRun,
    HeldBack,
    Proposal,
    propose_links,
)
from tracker.cluster.service import (
    cluster_store,
    collapse_store,
    happening_for_event,
    link_events,
    unlink_events,
)

__all__ = [
    "CLUSTER_METHOD",
    "THRESHOLD",
    "ClaimantFigure",
    "ClusterRun",
    "Happening",
    "HeldBack",
    "Proposal",
    "cluster_store",
    "collapse",
    "collapse_store",
    "components",
    "format_figure",
    "happening_for_event",
    "happening_of",
    "link_events",
    "propose_links",
    "unlink_events",
]
