"""The hostile corpus (tests/hostile_corpus.py) through the real CLI, terminal and browser.

`tracker ingest` reads every generated report into a real store, `tracker map --tiles none`
renders it, and headless Chromium opens the map: no payload may run (``window.__pwned``
stays unset, no dialog, no request leaves the page) while every payload still shows, as
text, in the cards. Terminal output (ingest, query, show, review tables and every error)
must carry none of the ESC, C1, bell/backspace or bidi characters the reports hold.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import run_cli
from tests.hostile_corpus import UNSAFE_TERMINAL, Hostile, write_corpus

# Files the reader refuses on purpose, with the words of their clear error.
REFUSED = {
    "big-line.txt": "more than one report can be",
    "term-011.txt": "binary file",  # backspaces and a bell: control bytes, not text
}


def _digest(items: list[Hostile]) -> str:
    h = hashlib.sha256()
    for it in sorted(items, key=lambda x: x.path.name):
        h.update(it.path.name.encode() + b"\0" + it.path.read_bytes())
    return h.hexdigest()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The corpus ingested into a real store and rendered to a map (once per module)."""
    root = tmp_path_factory.mktemp("hostile")
    items = write_corpus(root / "corpus")
    env = {
        "TRACKER_STORE": str(root / "hostile.gpkg"),
        "TRACKER_DATA_DIR": str(root / "data"),
        "TRACKER_USER": "tester",
    }
    ingest = run_cli("ingest", str(root / "corpus"), "--format", "table", env=env, cwd=root)
    mapped = run_cli("map", "--tiles", "none", "-o", str(root / "hostile.html"), env=env, cwd=root)
    events = json.loads(run_cli("query", "--format", "json", env=env, cwd=root).stdout)
    return {
        "root": root,
        "items": items,
        "env": env,
        "ingest": ingest,
        "map": mapped,
        "events": events,
        "html": root / "hostile.html",
    }


def test_corpus_is_big_varied_and_deterministic(tmp_path: Path, corpus: dict[str, Any]) -> None:
    items: list[Hostile] = corpus["items"]
    assert len(items) >= 100
    kinds = {it.where for it in items}
    assert {"body", "front-matter", "url", "html", "terminal", "size", "nesting"} <= kinds
    big = next(it for it in items if it.where == "size")
    assert big.path.stat().st_size >= 10_000_000 and big.path.read_text().count("\n") == 1
    again = write_corpus(tmp_path / "again")
    assert _digest(again) == _digest(items)


def test_ingest_keeps_every_report_it_can_and_names_the_rest(corpus: dict[str, Any]) -> None:
    res = corpus["ingest"]
    assert "Traceback" not in res.stderr
    # Only the refused files fail, each with its own clear error; the exit code says so.
    failed = re.findall(r"^Error: (\S+): (.*)$", res.stderr, re.M)
    names = {Path(f).name: msg for f, msg in failed}
    for name, words in REFUSED.items():
        assert words in names.pop(name)
    # HTML pages whose whole body is markup may hold no article text: a clear error too.
    for name, msg in names.items():
        assert name.startswith("page-") and "no article text" in msg, (name, msg)
    assert res.returncode == 1
    ingested = len(corpus["items"]) - len(failed)
    assert ingested >= 100
    assert len(corpus["events"]) >= 100
    check = run_cli("check", env=corpus["env"], cwd=corpus["root"])
    assert check.returncode == 0, check.stderr
    # Ingesting the same corpus again changes nothing.
    again = run_cli("ingest", str(corpus["root"] / "corpus"), env=corpus["env"])
    assert "Traceback" not in again.stderr
    after = json.loads(run_cli("query", "--format", "json", env=corpus["env"]).stdout)
    assert [e["id"] for e in after] == [e["id"] for e in corpus["events"]]


def _assert_clean(text: str, what: str) -> None:
    bad = sorted({f"U+{ord(c):04X}" for c in text if c in UNSAFE_TERMINAL})
    assert not bad, f"{what} printed raw control/bidi characters {bad}"


def test_terminal_output_never_carries_control_sequences(corpus: dict[str, Any]) -> None:
    env, root = corpus["env"], corpus["root"]
    ingest = corpus["ingest"]
    # The reports really carry them: the store holds the raw text, unchanged.
    raw = json.dumps([e["evidence"] for e in corpus["events"]], ensure_ascii=False)
    assert "\u202e" in raw and "\x9b" in raw and "\u2066" in raw
    _assert_clean(ingest.stdout + ingest.stderr, "tracker ingest")
    hostile = [
        e
        for e in corpus["events"]
        if any(c in json.dumps(e, ensure_ascii=False) for c in UNSAFE_TERMINAL)
    ]
    assert len(hostile) >= 5
    outputs = {
        "tracker query": run_cli("query", "--format", "table", env=env, cwd=root),
        "tracker review --list": run_cli("review", "--list", "--format", "table", env=env),
    }
    for ev in hostile[:8]:
        outputs[f"tracker show {ev['id']}"] = run_cli("show", ev["id"], env=env, cwd=root)
    for what, res in outputs.items():
        assert res.returncode == 0, (what, res.stderr)
        assert "Traceback" not in res.stderr
        _assert_clean(res.stdout + res.stderr, what)
    # The escapes stay visible as text, so the analyst still sees what the report said.
    shows = "".join(r.stdout for w, r in outputs.items() if w.startswith("tracker show"))
    assert "\\u202e" in shows or "\\u2066" in shows or "\\u009b" in shows
    # JSON output escapes ESC and the other C0 controls (json does), keeping the data exact.
    js = run_cli("query", "--format", "json", env=env, cwd=root).stdout
    assert "\x1b" not in js and "\x07" not in js


# ---- in the browser ------------------------------------------------------------------------


@pytest.mark.browser
def test_map_of_hostile_reports_runs_nothing_and_shows_the_text(
    chromium: Any, corpus: dict[str, Any]
) -> None:
    assert corpus["map"].returncode == 0, corpus["map"].stderr
    requests: list[str] = []
    dialogs: list[str] = []
    errors: list[str] = []
    ctx = chromium.new_context(viewport={"width": 1280, "height": 800})
    ctx.route(
        re.compile(r"^(?!file:)"), lambda route: (requests.append(route.request.url), route.abort())
    )
    try:
        page = ctx.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("popup", lambda p: requests.append(f"popup {p.url}"))
        page.goto(corpus["html"].as_uri())
        page.wait_for_selector("body[data-ready='1']", timeout=20_000)
        n = page.evaluate("TrackerMap.D.nrows")
        by_id = {e["id"]: e for e in corpus["events"]}
        assert n == len(by_id)
        own_scripts = page.evaluate("document.scripts.length")
        shown = 0
        for i in range(n):
            page.evaluate(
                "i => TrackerMap.select(TrackerMap.D.rows[i], {card: true, reveal: true})", i
            )
            page.wait_for_selector("#tm-card:not([hidden]):not([data-loading])")
            card = page.locator("#tm-card")
            ev = by_id[card.get_attribute("data-id")]
            text = card.inner_text()
            # The evidence quote shows literally (whitespace may be reflowed by layout).
            quote = " ".join(ev["evidence"].split())
            assert quote in " ".join(text.split()), (ev["id"], quote[:80])
            if "<" in quote:
                shown += 1
            url = ev["source_url"] or ""
            if url and not url.lower().startswith(("http://", "https://")):
                assert card.locator("a").count() == 0, url  # never a javascript:/data: link
            row = page.locator(f".tm-row[data-id='{ev['id']}']")
            assert row.count() >= 1  # the list shows it (as text: checked below)
        # Hover and focus every row and control once: onmouseover/onfocus payloads, if any
        # had become markup, would fire now.
        page.mouse.move(640, 400)
        page.keyboard.press("Tab")
        page.wait_for_timeout(500)
        # Every stored quote carrying markup was shown as text (the HTML pages' markup is
        # dropped by the reader, so those quotes hold the payload's text only).
        assert shown == sum("<" in (e["evidence"] or "") for e in by_id.values()) >= 30
        assert page.evaluate("window.__pwned") is None
        assert page.evaluate("document.scripts.length") == own_scripts
        injected = page.evaluate(
            """() => document.querySelectorAll(
              'img[src=x], img[src*="127.0.0.1"], iframe, object, embed, base, video, math, form,'
              + ' isindex, link[href*="127.0.0.1"], details:not(.tm-filters, .tm-legend), meta[http-equiv]'
              + ':not([http-equiv=Content-Security-Policy]):not([http-equiv=content-type]),'
              + ' #tm-card *:not(div, span, dl, dt, dd, h2, h3, p, blockquote, button, small, ul,'
              + ' li, a, strong, em, time), #tm-list img, #tm-list svg, #tm-list iframe,'
              + ' #tm-list script, #tm-list math, #tm-list a[href^="javascript"]').length"""
        )
        assert injected == 0
    finally:
        ctx.close()
    assert dialogs == []
    assert requests == []
    assert errors == []
