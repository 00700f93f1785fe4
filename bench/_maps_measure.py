"""Measure one map page in headless Chromium (Playwright, Debian chromium, network blocked).

Definitions (performance.now(), 0 = navigation start), as in ../shared/bench/maps:
  ready_ms  "rendered and idle": the first animation frame from which frames keep coming
            with no gap > 100 ms for 500 ms, counted from ``load`` (folium layers) or from
            the moment tracker's page says its data is drawn (``body[data-ready]``).
  zoom_ms   map.setZoom(z + 1, {animate: false}) -> 'moveend' -> 2 frames.
  step_ms   one slider step (the window one day back) -> 2 frames, median of 5;
  step_js_ms  the JS part of that step alone (no frame wait).
  heap_mb   performance.memory.usedJSHeapSize once ready.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--enable-precise-memory-info",
    "--allow-file-access-from-files",
]

INIT = """
(function () {
  var B = window.__bench = {errors: []}, WAIT = %s;
  addEventListener('error', function (e) { B.errors.push(String(e.message)); });
  function quietLoop() {
    var last = performance.now(), quiet = null;
    function tick() {
      var now = performance.now();
      if (now - last > 100) quiet = null;
      if (quiet === null) quiet = now;
      last = now;
      if (now - quiet >= 500) { B.idleAt = quiet; return; }
      requestAnimationFrame(tick);
    }
    requestAnimationFrame(tick);
  }
  addEventListener('load', function () {
    if (!WAIT) { quietLoop(); return; }
    if (document.body.getAttribute('data-ready') === '1') { B.readyAt = performance.now(); quietLoop(); return; }
    new MutationObserver(function (recs, obs) {
      if (document.body.getAttribute('data-ready') === '1') { obs.disconnect(); B.readyAt = performance.now(); quietLoop(); }
    }).observe(document.body, {attributes: true});
  });
})();
"""

FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"
FRAMES2 = "new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
ZOOM = (
    "async () => { const m = " + FIND_MAP + "; const t0 = performance.now();"
    " await new Promise(r => { m.once('moveend', r); m.setZoom(m.getZoom() + 1, {animate: false}); });"
    " await " + FRAMES2 + "; const dt = performance.now() - t0;"
    " m.setZoom(m.getZoom() - 1, {animate: false}); await " + FRAMES2 + "; return dt; }"
)
TIMELINE = (
    "Object.keys(window).filter(k => k.startsWith('timeline_slider_')).map(k => window[k])[0]"
)
STEPS = {
    "ours": (
        "() => TrackerMap.setWindow(336, 365)",
        "() => TrackerMap.setWindow(TrackerMap.S.a - 1, TrackerMap.S.b - 1)",
    ),
    "timeline": (
        "() => { const c = " + TIMELINE + "; c.setTime(c.start + 365 * 864e5); }",
        "() => { const c = " + TIMELINE + "; c.setTime(c.time - 864e5); }",
    ),
}
STATS = (
    "() => ({heap_mb: performance.memory ? +(performance.memory.usedJSHeapSize / 1048576).toFixed(1) : null,"
    " dom_nodes: document.getElementsByTagName('*').length, errors: window.__bench.errors.slice(0, 3),"
    " drawn: window.TrackerMap && TrackerMap.drawnBuf ? TrackerMap.ndrawn : null})"
)


def measure(html: Path, kind: str, cap_s: float = 60.0) -> dict[str, Any]:
    """Open ``html`` in a fresh Chromium profile and return its figures (see module doc)."""
    from playwright.sync_api import TimeoutError as PWTimeout
    from playwright.sync_api import sync_playwright

    res: dict[str, Any] = {}
    requests: list[str] = []
    prof = tempfile.mkdtemp(prefix="tracker-bench-")
    try:
        with sync_playwright() as p:
            ctx = p.chromium.launch_persistent_context(
                prof,
                executable_path=os.environ.get("TRACKER_CHROMIUM", "/usr/bin/chromium"),
                headless=True,
                args=FLAGS,
                viewport={"width": 1280, "height": 800},
            )
            ctx.route(
                lambda url: not url.startswith("file:"),
                lambda r: (requests.append(r.request.url), r.abort()),
            )
            page = ctx.pages[0] if ctx.pages else ctx.new_page()
            page.add_init_script(INIT % ("true" if kind == "ours" else "false"))
            try:
                page.goto(html.as_uri(), wait_until="load", timeout=cap_s * 1000)
                page.wait_for_function(
                    "() => window.__bench.idleAt !== undefined", timeout=cap_s * 1000, polling=50
                )
            except PWTimeout:
                res["ready_ms"] = "timeout"
                return res
            res["ready_ms"] = round(page.evaluate("window.__bench.idleAt"), 1)
            res.update(page.evaluate(STATS))
            res["zoom_ms"] = round(page.evaluate(ZOOM), 1)
            if kind in STEPS:
                setup, step = STEPS[kind]
                page.evaluate(setup)
                page.evaluate(FRAMES2)
                times = page.evaluate(
                    "async () => { const f = " + step + ", ts = [], js = [];"
                    " for (let i = 0; i < 5; i++) { const t0 = performance.now(); f();"
                    " js.push(performance.now() - t0); await "
                    + FRAMES2
                    + "; ts.push(performance.now() - t0); }"
                    " return [ts.sort((a, b) => a - b), js.sort((a, b) => a - b)]; }"
                )
                res["step_ms"] = round(times[0][2], 1)
                res["step_js_ms"] = round(times[1][2], 1)
                res["drawn_after_step"] = page.evaluate(STATS)["drawn"]
            res["requests"] = len(requests)
            ctx.close()
    finally:
        shutil.rmtree(prof, ignore_errors=True)
    return res
