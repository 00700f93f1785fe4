"""Accuracy of ``tracker geoparse`` on the public corpora in ../shared/eval/geoparse/.

Each corpus is split deterministically by a hash of the document id into a *dev* half
(looked at while building the geoparser) and a *held-out* half (only scored). For every
corpus and part, the geoparser's output is scored with ../shared/eval/score.py (overlap
recognition F1, Acc@161km on recognised gold toponyms) and printed as a table next to the
issue-4 targets and a baseline measured in the same run (the bare population prior: the
most populous gazetteer candidate of each recognised name, no context). ``gid`` is the share of
resolved toponyms whose GeoNames id equals the gold's (where both have one: it does not
depend on which representative point the gazetteer uses), ``R@161`` the end-to-end share of
all gold toponyms found and placed within 161 km.

Usage: python -m bench.geoparse_eval [--part dev|held|all] [--corpora lgl,geovirus,...]
       [--eval-dir DIR] [--limit N] [--json OUT]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_EVAL = ROOT.parent / "shared" / "eval"
# corpus -> (score options, F1 target, Acc@161 target)
CORPORA: dict[str, tuple[dict[str, bool], float | None, float | None]] = {
    "lgl": ({}, 0.65, 0.78),
    "geovirus": ({}, 0.78, 0.82),
    "trnews": ({}, 0.72, 0.80),
    "geowebnews": ({}, 0.68, 0.85),
    "wiktor": ({"partial": True}, None, 0.35),
}
OUTPUT_KINDS = ("place", "demonym", "metonym", "embedded")


def is_dev(doc_id: object) -> bool:
    """Return whether a document is in the dev half (sha1 of its id, even -> dev)."""
    return int(hashlib.sha1(str(doc_id).encode()).hexdigest()[:8], 16) % 2 == 0


def load_scorer(eval_dir: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("geoparse_score", eval_dir / "score.py")
    if spec is None or spec.loader is None:
        raise SystemExit(f"cannot load {eval_dir / 'score.py'}")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def load_docs(path: Path, part: str) -> list[dict[str, Any]]:
    docs = [json.loads(line) for line in path.open(encoding="utf-8") if line.strip()]
    if part == "dev":
        return [d for d in docs if is_dev(d["id"])]
    if part == "held":
        return [d for d in docs if not is_dev(d["id"])]
    return docs


def predict(gp: Any, docs: list[dict[str, Any]], *, baseline: bool = False) -> dict[str, Any]:
    preds: dict[str, Any] = {}
    for d in docs:
        tops = [t for t in gp.parse(d["text"]) if t.kind in OUTPUT_KINDS]
        recs = []
        for t in tops:
            r = t.to_dict()
            if baseline and t.kind != "demonym":
                pool = [c for c in t.candidates if c.lat is not None]
                best = max(pool, key=lambda c: c.population, default=None)
                r["lat"], r["lon"] = (best.lat, best.lon) if best else (None, None)
            recs.append(r)
        preds[str(d["id"])] = {"id": d["id"], "toponyms": recs}
    return preds


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--part", choices=["dev", "held", "all", "both"], default="both")
    ap.add_argument("--corpora", default=",".join(CORPORA))
    ap.add_argument("--eval-dir", type=Path, default=DEFAULT_EVAL)
    ap.add_argument("--limit", type=int, default=0, help="at most N documents per corpus part")
    ap.add_argument("--json", type=Path)
    ap.add_argument("--long", action="store_true", help="(make bench-long) no document limit")
    a = ap.parse_args(argv)
    if not (a.eval_dir / "score.py").exists():
        print(f"no corpora at {a.eval_dir} (expected score.py and geoparse/*.jsonl); skipped")
        return 0
    from tracker.gazetteer import Gazetteer
    from tracker.geoparse import Geoparser

    scorer = load_scorer(a.eval_dir)
    gp = Geoparser(Gazetteer.open())
    parts = ["dev", "held"] if a.part == "both" else [a.part]
    limit = 0 if a.long else a.limit
    results: list[dict[str, Any]] = []
    hdr = f"{'corpus':11s} {'part':5s} {'docs':>5s} {'P':>5s} {'R':>5s} {'F1':>5s} {'F1 tgt':>6s} {'Acc161':>6s} {'n':>5s} {'tgt':>4s} {'prior':>5s} {'gid':>5s} {'R@161':>5s} {'docs/s':>6s}"
    print(hdr)
    print("-" * len(hdr))
    for name in a.corpora.split(","):
        opts, f1_target, acc_target = CORPORA[name]
        path = a.eval_dir / "geoparse" / f"{name}.jsonl"
        if not path.exists():
            print(f"{name}: {path} missing; skipped")
            continue
        for part in parts:
            docs = load_docs(path, part)
            if name == "wiktor" and not a.long:
                docs = docs[:1000]  # 2,500 per half is slow; --long scores all
            if limit:
                docs = docs[:limit]
            gold = {str(d["id"]): d for d in docs}
            t0 = time.perf_counter()
            preds = predict(gp, docs)
            dt = time.perf_counter() - t0
            res = scorer.score(gold, preds, opts.get("partial", False))
            base = scorer.score(gold, predict(gp, docs, baseline=True), opts.get("partial", False))
            ov, rs = res["recognition_overlap"], res["resolution"]
            pct = lambda x: "  n/a" if x is None else f"{100 * x:5.1f}"  # noqa: E731
            tgt_f1 = "" if f1_target is None else f"{f1_target:.2f}"
            tgt_acc = "" if acc_target is None else f"{100 * acc_target:.0f}"
            print(
                f"{name:11s} {part:5s} {len(docs):5d} {pct(ov['precision'])} {pct(ov['recall'])} "
                f"{pct(ov['f1'])} {tgt_f1:>6s} {pct(rs['acc161']):>6s} {rs['n']:5d} {tgt_acc:>4s} "
                f"{pct(base['resolution']['acc161'])} {pct(rs['geonameid_acc'])} "
                f"{pct(res['end_to_end']['recall161'])} {len(docs) / dt:6.0f}",
                flush=True,
            )
            results.append(
                {
                    "corpus": name,
                    "part": part,
                    "docs": len(docs),
                    "result": res,
                    "prior_baseline": base,
                }
            )
    if a.json:
        a.json.write_text(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
