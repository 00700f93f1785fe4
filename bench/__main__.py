"""Run every benchmark module in bench/ (``make bench``; ``make bench-long`` passes --long)."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path


def main() -> int:
    long_mode = "--long" in sys.argv[1:]
    only = [a for a in sys.argv[1:] if not a.startswith("-")]
    names = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]))
    failed = 0
    for name in names:
        if name.startswith("_") or (only and name not in only):
            continue
        mod = importlib.import_module(f"bench.{name}")
        run = getattr(mod, "main", None)
        if run is None:
            continue
        print(f"\n=== bench.{name} ===", flush=True)
        t0 = time.perf_counter()
        rc = run(["--long"] if long_mode else [])
        print(f"=== bench.{name}: {time.perf_counter() - t0:.1f} s, exit {rc or 0}", flush=True)
        failed += bool(rc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
