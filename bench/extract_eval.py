"""Extractor accuracy on the labelled reports, and its confidence calibration.

Run: ``python -m bench.extract_eval`` (``make bench`` runs it with the others); ``-v``
lists the missed and wrong events; set names (``wire-dev2``) print only those sets.

Each labelled report in ``tests/data/labelled/`` (tuning set) and
``tests/data/labelled/heldout/`` and ``tests/data/labelled/wire/{dev,final,final2,dev2,dev3,dev4,final3}/``
(wire-style reports; ``final``, ``final2`` and ``final3`` are never tuned on) go through the real pipeline (documents ->
geoparser with the real gazetteer -> extractor). An extracted event matches a gold event of
the same report when the place agrees (by name, the name as written, or the gold name's
gazetteer resolution; no place on both sides also agrees, and so does the name of a place
the gazetteer lacks, kept on an event with no point), the role agrees and the count
agrees (none on both sides, or the same figure). Gold events marked ``optional`` count
neither for nor against. Printed: precision, recall, per-field agreement on matched pairs,
and the calibration table (share of events that match, by confidence bucket). The baseline
is a "every toponym is a troop location" extractor run on the same reports.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "labelled"
BUCKETS = ((0.0, 0.5), (0.5, 0.8), (0.8, 1.01))
# Reliability table: finer bins, with the mean confidence of each bin next to its share right.
BINS = ((0.0, 0.4), (0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 0.9), (0.9, 1.01))
WIRE = LABELLED / "wire"


@dataclass
class Score:
    """Counts behind the printed figures."""

    extracted: int = 0
    gold: int = 0
    matched_gold: int = 0
    matched_extracted: int = 0
    optional_hits: int = 0
    fields: dict[str, list[int]] = field(default_factory=dict)  # name -> [agree, total]
    buckets: dict[tuple[float, float], list[int]] = field(default_factory=dict)  # [right, n]
    scored: list[tuple[float, bool]] = field(default_factory=list)  # (confidence, right)
    misses: list[str] = field(default_factory=list)
    false_hits: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        n = self.extracted - self.optional_hits
        return self.matched_extracted / n if n else 1.0

    @property
    def recall(self) -> float:
        return self.matched_gold / self.gold if self.gold else 1.0


def _norm(s: str | None) -> str:
    from tracker.gazetteer import normalize_name

    return normalize_name(s) if s else ""


def _surface(ev: Any) -> str | None:
    for part in (ev.notes or "").split("; "):
        if part.startswith("place as written: "):
            return part.removeprefix("place as written: ")
    return ev.place_name


def _place_ok(gold: dict[str, Any], ev: Any, gz: Any) -> bool:
    names = gold["place"]
    if names is None:
        return ev.place_id is None
    if ev.place_id is None:  # no point; a place the gazetteer lacks may still be named
        named = ev.place_name and _norm(ev.place_name) in {_norm(n) for n in names if n}
        return bool(named) or None in names
    have = {_norm(ev.place_name), _norm(_surface(ev))}
    for name in names:
        if name is None:
            continue
        if _norm(name) in have:
            return not gold.get("country") or ev.country_code == gold["country"]
        for p in gz.search(name, country=gold.get("country"), limit=3):
            if p.id == ev.place_id:
                return True
    return False


def _count_ok(gold: dict[str, Any], ev: Any) -> bool:
    if gold["count"] is None:
        return ev.count is None
    return gold["count"] in (ev.count, ev.count_low)


def _matches(gold: dict[str, Any], ev: Any, gz: Any) -> bool:
    return gold["role"] == ev.role and _count_ok(gold, ev) and _place_ok(gold, ev, gz)


def load_gold(folder: Path) -> dict[str, list[dict[str, Any]]]:
    """Return gold events per report file name."""
    out: dict[str, list[dict[str, Any]]] = {}
    for line in (folder / "gold.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            g = json.loads(line)
            out.setdefault(g["report"], []).append(g)
    return out


def extract_file(path: Path, geoparser: Any, *, baseline: bool = False) -> list[Any]:
    """Run the real pipeline on one file and return its events."""
    from tracker.documents import read_document
    from tracker.extract import extract_report
    from tracker.ingest import report_from_document

    doc = read_document(path)
    report = report_from_document(doc)
    if baseline:
        return _baseline(report, geoparser)
    skip = [doc.dateline_span] if doc.dateline_span else []
    return list(extract_report(report, geoparser, skip_spans=skip).events)


def _baseline(report: Any, geoparser: Any) -> list[Any]:
    """Every located toponym of the body is a troop location (confidence 1)."""
    from tracker.model import Event

    out = []
    end = report.body_end or len(report.text)
    for i, t in enumerate(geoparser.parse(report.text[:end])):
        if t.is_location and t.place is not None:
            p = t.place
            out.append(
                Event(
                    id=f"b{i}",
                    place_name=p.name,
                    place_id=p.id,
                    country_code=p.country_code,
                    role="location",
                    notes=f"place as written: {t.name}",
                )
            )
    return out


def score_folder(folder: Path, geoparser: Any, gz: Any, *, baseline: bool = False) -> Score:
    """Score every labelled report of a folder."""
    sc = Score()
    for name, golds in sorted(load_gold(folder).items()):
        events = extract_file(folder / name, geoparser, baseline=baseline)
        sc.extracted += len(events)
        sc.gold += sum(not g["optional"] for g in golds)
        used: set[int] = set()
        for ev in events:
            # A gold event naming the place as the report wrote it goes first, then others.
            fits = [k for k, g in enumerate(golds) if k not in used and _matches(g, ev, gz)]
            written = _norm(_surface(ev))
            named = [k for k in fits if written in {_norm(n) for n in golds[k]["place"] or [] if n}]
            hit = (named or fits or [None])[0]
            right = hit is not None
            b = next(b for b in BUCKETS if b[0] <= ev.confidence < b[1])
            cell = sc.buckets.setdefault(b, [0, 0])
            cell[0] += right
            cell[1] += 1
            sc.scored.append((ev.confidence, right))
            if hit is None:
                sc.false_hits.append(
                    f"{name}: {ev.role} {ev.place_name} n={ev.count} ({ev.confidence})"
                )
                continue
            used.add(hit)
            g = golds[hit]
            if g["optional"]:
                sc.optional_hits += 1
                continue
            sc.matched_extracted += 1
            sc.matched_gold += 1
            where = f"{name}: {ev.place_name}"
            _field(sc, "event_type", g["event_type"] == ev.event_type, where, g, ev.event_type)
            _field(sc, "status", g["status"] == ev.status, where, g, ev.status)
            if g["claimed_key"]:
                ok = g["claimed_key"].lower() in (ev.claimed_by or "").lower()
                _field(sc, "claimed_by", ok, where, {"claimed_by": g["claimed_key"]}, ev.claimed_by)
            if g["date_start"]:
                got = (str(ev.date_start), str(ev.date_end))
                same = got == (g["date_start"], g["date_end"])
                _field(sc, "dates", same, where, {"dates": (g["date_start"], g["date_end"])}, got)
        for k, g in enumerate(golds):
            if k not in used and not g["optional"]:
                sc.misses.append(f"{name}: {g['role']} {g['place']} n={g['count']}")
    return sc


def _field(sc: Score, name: str, ok: bool, where: str, gold: dict[str, Any], got: Any) -> None:
    cell = sc.fields.setdefault(name, [0, 0])
    cell[0] += ok
    cell[1] += 1
    if not ok:
        sc.disagreements.append(f"{where}: {name} gold {gold.get(name)!r}, got {got!r}")


def _print(title: str, sc: Score, *, verbose: bool) -> None:
    print(f"\n{title}: {sc.extracted} events extracted, {sc.gold} gold (+ optional)")
    print(f"  precision {sc.precision:.2f}  recall {sc.recall:.2f}")
    for name, (ok, n) in sorted(sc.fields.items()):
        print(f"  {name:11} agrees on {ok}/{n} matched events ({ok / n:.0%})")
    print("  confidence   events  right  share right")
    for b in BUCKETS:
        right, n = sc.buckets.get(b, [0, 0])
        share = f"{right / n:.2f}" if n else "-"
        print(f"  [{b[0]:.1f}, {min(b[1], 1.0):.1f})  {n:6}  {right:5}  {share}")
    print("  reliability  events  right  share  mean confidence")
    for lo, hi in BINS:
        cell = [ok for c, ok in sc.scored if lo <= c < hi]
        confs = [c for c, _ in sc.scored if lo <= c < hi]
        if cell:
            print(
                f"  [{lo:.1f}, {min(hi, 1.0):.1f})  {len(cell):6}  {sum(cell):5}  "
                f"{sum(cell) / len(cell):.2f}   {sum(confs) / len(confs):.2f}"
            )
    if verbose:
        for m in sc.misses:
            print("  MISSED", m)
        for f in sc.false_hits:
            print("  WRONG ", f)
        for f in sc.disagreements:
            print("  FIELD ", f)


SETS = {
    "tuning": LABELLED,
    "heldout": LABELLED / "heldout",
    "wire-dev": WIRE / "dev",
    "wire-final": WIRE / "final",
    "wire-final2": WIRE / "final2",
    "wire-dev2": WIRE / "dev2",
    "wire-dev3": WIRE / "dev3",
    "wire-dev4": WIRE / "dev4",
    "wire-final3": WIRE / "final3",
}


def evaluate(only: list[str] | None = None) -> dict[str, Score]:
    """Score the labelled sets (``only``: those named) with the real gazetteer.

    Each set is scored by the extractor and by the baseline (``baseline-<set>``).
    """
    from tracker.gazetteer import Gazetteer
    from tracker.geoparse import Geoparser

    gz = Gazetteer.open()
    gp = Geoparser(gz)
    names = [n for n in SETS if not only or n in only or f"baseline-{n}" in only]
    out = {n: score_folder(SETS[n], gp, gz) for n in names}
    out |= {f"baseline-{n}": score_folder(SETS[n], gp, gz, baseline=True) for n in names}
    return out


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    t0 = time.perf_counter()
    only = [a for a in argv if not a.startswith("-")]  # set names to score (default: all)
    scores = evaluate(only)
    for name, sc in scores.items():
        if not only or name in only:
            _print(name, sc, verbose="-v" in argv)
    print()
    for name in [n for n in SETS if n in scores]:
        right, n = scores[name].buckets.get(BUCKETS[-1], [0, 0])
        print(
            f"confidence >= 0.8 on {name}: {right}/{n} right "
            f"({right / n if n else 0:.2f}; target >= 0.80)"
        )
    if "tuning" not in scores:
        print(f"({time.perf_counter() - t0:.1f} s)")
        return 0
    b, t = scores["baseline-tuning"], scores["tuning"]
    print(
        f"precision vs baseline (tuning set): {t.precision:.2f} / {b.precision:.2f} = {t.precision / max(b.precision, 1e-9):.1f}x"
    )
    print(f"({time.perf_counter() - t0:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
