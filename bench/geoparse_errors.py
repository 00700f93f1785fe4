"""Break down the geoparser's resolution errors on the dev half of the corpora by category.

For every gold toponym that the geoparser recognised (overlap match, as in score.py), the
prediction is put in one category:

- ``ok``: within 161 km of the gold point;
- ``abstained``: recognised but left unresolved (not counted by Acc@161, only by R@161);
- ``country, right``: resolved to a country that contains the gold point (the country was
  right; its representative point is more than 161 km from the gold's);
- ``country, wrong``: a country that does not contain the gold point;
- ``admin1, right`` / ``admin1, wrong``: the same for first-level regions;
- ``city, same country`` / ``city, other country``: a town more than 161 km away, in the
  gold point's country or elsewhere;
- ``other``: continents, macro-regions, demonyms resolved to a country.

Containment uses the gazetteer's reverse geocoder on the gold point (its country and
first-level region). Only the dev half is ever analysed here.

Usage: python -m bench.geoparse_errors [--corpora geovirus,geowebnews] [--show CATEGORY]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import Any

from bench.geoparse_eval import CORPORA, DEFAULT_EVAL, load_docs, load_scorer

CATEGORIES = (
    "ok",
    "abstained",
    "country, right",
    "country, wrong",
    "admin1, right",
    "admin1, wrong",
    "city, same country",
    "city, other country",
    "other",
)


def categorise(gz: Any, tp: Any, g: dict[str, Any], km: float | None) -> str:
    """Return the error category of one matched (toponym, gold) pair."""
    if tp.place is None:
        return "abstained"
    assert km is not None
    if km <= 161:
        return "ok"
    p = tp.place
    rev = gz.reverse(float(g["lon"]), float(g["lat"]))
    gold_cc = rev.country.country_code if rev.country is not None else None
    gold_a1 = rev.admin1.admin1_code if rev.admin1 is not None else None
    if tp.kind == "demonym" or p.kind not in ("country", "admin1", "city"):
        return "other"
    if p.kind == "country":
        return "country, right" if p.country_code == gold_cc else "country, wrong"
    if p.kind == "admin1":
        return "admin1, right" if p.admin1_code == gold_a1 else "admin1, wrong"
    return "city, same country" if p.country_code == gold_cc else "city, other country"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--corpora", default="lgl,geovirus,trnews,geowebnews")
    ap.add_argument("--show", default="", help="print the examples of this category")
    a = ap.parse_args(argv)
    if not (DEFAULT_EVAL / "score.py").exists():
        print(f"no corpora at {DEFAULT_EVAL}; skipped")
        return 0
    from tracker.gazetteer import Gazetteer
    from tracker.geoparse import Geoparser

    scorer = load_scorer(DEFAULT_EVAL)
    gz = Gazetteer.open()
    gp = Geoparser(gz)
    print(f"{'corpus':11s} {'n':>5s} " + " ".join(f"{c:>10.10s}" for c in CATEGORIES))
    for name in a.corpora.split(","):
        if name not in CORPORA:
            continue
        counts: Counter[str] = Counter()
        for d in load_docs(DEFAULT_EVAL / "geoparse" / f"{name}.jsonl", "dev"):
            tops = [t for t in gp.parse(d["text"]) if t.kind != "person"]
            recs = [{"start": t.start, "end": t.end} for t in tops]
            gold = d.get("toponyms", [])
            for gi, pj in scorer.overlap_pairs(gold, recs):
                g, tp = gold[gi], tops[pj]
                if not scorer.has_coords(g):
                    continue
                km = None
                if tp.place is not None and tp.place.lat is not None and tp.place.lon is not None:
                    km = scorer.haversine_km(
                        float(g["lat"]), float(g["lon"]), tp.place.lat, tp.place.lon
                    )
                cat = categorise(gz, tp, g, km)
                counts[cat] += 1
                if a.show and cat == a.show:
                    p = tp.place
                    print(
                        f"  {d['id']}: {tp.name!r} -> {p.id if p else None} "
                        f"{p.name if p else ''} ({km or 0:.0f} km); gold {g['lat']},{g['lon']}"
                    )
        n = sum(counts.values())
        print(
            f"{name:11s} {n:5d} "
            + " ".join(f"{100 * counts[c] / max(n, 1):10.1f}" for c in CATEGORIES),
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
