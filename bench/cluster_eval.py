"""Pairwise precision and recall of `tracker cluster` proposals on the labelled set.

The set (tests/data/corroboration/) was written, with its true groupings, before the
clustering code: 53 events from 39 reports, 18 happenings and 7 near-miss singletons.
Prints precision/recall over event pairs (a pair is predicted when the proposals put
both events in one happening, i.e. after union-find), the same over the proposed links
themselves, and every wrong or missed pair so a regression can be read off.
Run: python -m bench.cluster_eval
"""

from __future__ import annotations

import itertools
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from tracker.cluster import collapse, propose_links
from tracker.model import Event, Link

DATA = Path(__file__).resolve().parent.parent / "tests" / "data" / "corroboration"


def load_events(path: Path = DATA / "events.jsonl") -> list[Event]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row: dict[str, Any] = json.loads(line)
        for k in ("date_start", "date_end"):
            if row.get(k):
                row[k] = date.fromisoformat(row[k])
        row["tags"] = tuple(row.get("tags") or ())
        out.append(Event(**row))
    return out


def true_pairs(path: Path = DATA / "groups.json") -> set[tuple[str, str]]:
    groups = json.loads(path.read_text(encoding="utf-8"))["groups"]
    pairs: set[tuple[str, str]] = set()
    for members in groups.values():
        pairs.update(tuple(sorted(p)) for p in itertools.combinations(members, 2))  # type: ignore[misc]
    return pairs


def evaluate(threshold: float | None = None) -> dict[str, Any]:
    events = load_events()
    truth = true_pairs()
    kw = {} if threshold is None else {"threshold": threshold}
    run = propose_links(events, **kw)
    links = [Link(f"l{i}", p.event_a, p.event_b, p.reason) for i, p in enumerate(run.proposals)]
    pred: set[tuple[str, str]] = set()
    for hap in collapse(events, links):
        pred.update(tuple(sorted(p)) for p in itertools.combinations(hap.event_ids, 2))  # type: ignore[misc]
    link_pairs = {(p.event_a, p.event_b) for p in run.proposals}
    tp = len(pred & truth)
    return {
        "events": len(events),
        "reports": len({e.report_id for e in events}),
        "true_pairs": len(truth),
        "predicted_pairs": len(pred),
        "precision": tp / len(pred) if pred else 1.0,
        "recall": tp / len(truth) if truth else 1.0,
        "links": len(link_pairs),
        "link_precision": len(link_pairs & truth) / len(link_pairs) if link_pairs else 1.0,
        "false": sorted(pred - truth),
        "missed": sorted(truth - pred),
        "held_back": [(h.event_a, h.event_b, h.reason) for h in run.held_back],
        "run": run,
    }


def main(argv: list[str] | None = None) -> int:
    r = evaluate()
    print(
        f"labelled set: {r['events']} events, {r['reports']} reports, {r['true_pairs']} true pairs"
    )
    print(
        f"pairwise (after union-find): precision {r['precision']:.3f}  recall {r['recall']:.3f}"
        f"  ({r['predicted_pairs']} predicted pairs)"
    )
    print(f"proposed links: {r['links']}, of which true pairs: {r['link_precision']:.3f}")
    for a, b in r["false"]:
        print(f"  FALSE  {a} ~ {b}")
    for a, b in r["missed"]:
        print(f"  MISSED {a} ~ {b}")
    for a, b, why in r["held_back"]:
        print(f"  held back {a} ~ {b}: {why}")
    ok = r["precision"] >= 0.9 and r["recall"] >= 0.8
    print("target precision >= 0.9, recall >= 0.8:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
