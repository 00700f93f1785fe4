"""Screenshot a generated map in headless Chromium (the browser the tests use), network blocked.

Usage: python scripts/map_screenshot.py MAP.html OUT.png [--fragment 'w=...&e=...'] [--open-first]

The fragment is the map's own permalink state (window, filters, selected event, view).
With --open-first the first event in the list is clicked so its card shows.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("html", type=Path)
    ap.add_argument("png", type=Path)
    ap.add_argument("--fragment", default="")
    ap.add_argument("--open-first", action="store_true")
    ap.add_argument("--size", default="1280x800")
    args = ap.parse_args(argv)
    from playwright.sync_api import sync_playwright

    w, h = (int(v) for v in args.size.split("x"))
    url = args.html.resolve().as_uri() + (f"#{args.fragment}" if args.fragment else "")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"),
            args=[
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
            ],
        )
        page = browser.new_page(viewport={"width": w, "height": h})
        page.route(lambda u: not u.startswith("file:"), lambda r: r.abort())
        page.goto(url)
        page.wait_for_selector("body[data-ready='1']", timeout=30_000)
        if args.open_first:
            page.click(".tm-row >> nth=0")
        if args.open_first or "e=" in args.fragment:
            page.wait_for_selector("#tm-card:not([hidden]):not([data-loading])")
        page.wait_for_timeout(800)  # let a fly-to animation settle
        args.png.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(args.png))
        browser.close()
    print(args.png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
