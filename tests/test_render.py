"""tracker.render: the HTML structure in Python, then the real page in headless Chromium.

Browser tests open maps written with ``tiles="none"`` (and one with ``osm``) with every
network request aborted and counted, and check what a user sees and does: markers drawn,
the time slider, list <-> map <-> card, keyboard, permalinks, downloads, hostile text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker.errors import RenderError
from tracker.model import Event, Link, Report
from tracker.render import render_map, slugify
from tracker.render.data import decode_payload

KURSK = {
    "type": "Polygon",
    "coordinates": [[[34.5, 50.2], [38.5, 50.2], [38.5, 52.4], [34.5, 52.4], [34.5, 50.2]]],
}
HOSTILE = [
    "<script>window.__pwned = 'script'</script>",
    "<img src=x onerror=\"window.__pwned='img'\">",
    "<svg onload=\"window.__pwned='svg'\"><script>window.__pwned='svg2'</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__pwned='mathml'\">",
    '"><iframe srcdoc="<script>parent.__pwned=\'iframe\'</script>">',
    "‮evil‬ zero​width",
]


def ev(eid: str, day: int, **kw: Any) -> Event:
    base: dict[str, Any] = {
        "event_type": "presence",
        "date_start": date(2024, 10, day),
        "date_end": date(2024, 10, day),
        "date_precision": "day",
        "geo_precision": "point",
        "status": "claimed",
        "review_state": "accepted",
        "actor": "North Korean special forces",
        "report_id": "r1",
    }
    base.update(kw)
    return Event(id=eid, **base)


EVENTS = [
    ev(
        "evt_origin",
        8,
        event_type="movement",
        role="origin",
        place_name="Wonsan",
        lon=127.44,
        lat=39.15,
        count=1500,
        count_qualifier="about",
        claimed_by="NIS",
        date_end=date(2024, 10, 13),
        date_precision="range",
        date_text="8-13 October",
    ),
    ev(
        "evt_dest",
        8,
        event_type="movement",
        role="destination",
        place_name="Vladivostok",
        lon=131.87,
        lat=43.11,
        count=1500,
        claimed_by="NIS",
        review_state="pending",
        date_end=date(2024, 10, 13),
        evidence="shipped to Vladivostok",
    ),
    ev(
        "evt_pentagon",
        10,
        event_type="arrival",
        place_name="Vladivostok",
        lon=131.87,
        lat=43.11,
        count=3000,
        claimed_by="Pentagon",
        status="confirmed",
        report_id="r2",
    ),
    ev(
        "evt_yakutia",
        12,
        role="related",
        place_name="Yakutia",
        place_id="iso3166-2:RU-SA",
        geo_precision="admin1",
        lon=129.7,
        lat=62.0,
        status="unconfirmed",
    ),
    ev(
        "evt_kursk",
        20,
        place_name="Kursk Oblast",
        place_id="iso3166-2:RU-KRS",
        geo_precision="admin1",
        lon=36.2,
        lat=51.7,
        count=10000,
        status="confirmed",
        claimed_by="Pentagon",
        report_id="r2",
        date_end=date(2024, 10, 31),
    ),
    ev(
        "evt_buryatia",
        22,
        place_name="Buryatia",
        place_id="iso3166-2:RU-BU",
        geo_precision="admin1",
        lon=109.0,
        lat=53.0,
        status="denied",
        claimed_by="Kremlin",
    ),
    ev("evt_noplace", 25, place_name=None, status="claimed", claimed_by="HUR"),
    ev("evt_rejected", 26, place_name="Moscow", lon=37.6, lat=55.75, review_state="rejected"),
    ev("evt_deleted", 27, place_name="Omsk", lon=73.4, lat=55.0, deleted=True),
    ev(
        "evt_hostile",
        28,
        place_name=HOSTILE[0],
        actor=HOSTILE[1],
        unit=HOSTILE[2],
        evidence="\n".join(HOSTILE),
        claimed_by=HOSTILE[4],
        lon=40.0,
        lat=50.0,
        source_url="javascript:window.__pwned='link'",
        source_publisher=HOSTILE[3],
        date_text=HOSTILE[5],
        report_id="r3",
    ),
]
REPORTS = {
    "r1": Report(
        id="r1",
        text="...",
        title="NIS briefing",
        publisher="Yonhap",
        url="https://example.org/nis",
        published="2024-10-18",
    ),
    "r2": {
        "title": "Pentagon",
        "publisher": "DoD",
        "url": "https://example.org/dod",
        "published": "2024-10-28",
    },
    "r3": {"title": "<b>bold</b>", "publisher": "x", "url": "data:text/html,<script>1</script>"},
}
LINKS = [Link(id="l1", event_a="evt_dest", event_b="evt_pentagon", reason="same arrival")]
# what the events layer must draw by default: placed, not related, not rejected, not deleted
DRAWN = {"evt_origin", "evt_dest", "evt_pentagon", "evt_kursk", "evt_buryatia", "evt_hostile"}
LISTED = DRAWN | {"evt_yakutia", "evt_noplace"}


def decode(html: str) -> dict[str, Any]:
    b64 = re.search(r'TrackerMap\.start\([^"]*"([A-Za-z0-9+/=]+)"', html)
    assert b64, "payload not found"
    return decode_payload(b64.group(1))


@pytest.fixture(scope="module")
def map_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("maps") / "m.html"
    return render_map(
        EVENTS,
        title="Test <map>",
        tiles="none",
        out=out,
        outlines={"iso3166-2:RU-KRS": KURSK},
        reports=REPORTS,
        links=LINKS,
        background={"country:XX": KURSK, "bad": {"type": "Point", "coordinates": [1, 2]}},
    )


# ---- Python side ----------------------------------------------------------------------------


def test_slugify() -> None:
    assert slugify("North Korean troops in Russia") == "north-korean-troops-in-russia"
    assert slugify("Войска КНДР") == "map"
    assert slugify("  Kursk: 2024/25  ") == "kursk-2024-25"


def test_page_is_self_contained(map_html: Path) -> None:
    html = map_html.read_text("utf-8")
    assert not re.search(r"<(script|link|img|iframe)\b[^>]*\b(src|href)=", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)  # no CSS fetches
    assert "cdn.jsdelivr" not in html and "code.jquery" not in html
    assert (
        'http-equiv="Content-Security-Policy"' in html
        and "'unsafe-inline'" not in html.split("style-src")[0]
    )
    assert "<title>Test &lt;map&gt;</title>" in html
    for bad in HOSTILE[:3]:  # report text never appears as markup anywhere in the file
        assert bad not in html


def test_payload_columns(map_html: Path) -> None:
    p = decode(map_html.read_text("utf-8"))
    ids = p["id"]
    assert set(ids) == {e.id for e in EVENTS if not e.deleted}
    assert ids.index("evt_noplace") > ids.index("evt_origin")  # chronological
    g = dict(zip(ids, p["g"], strict=True))
    assert g["evt_kursk"] == 2 and g["evt_buryatia"] == 3 and g["evt_noplace"] == 0
    assert g["evt_origin"] == 1
    assert p["moves"] == [[ids.index("evt_origin"), ids.index("evt_dest")]]
    grp = dict(zip(ids, p["grp"], strict=True))
    assert grp["evt_dest"] == grp["evt_pentagon"] >= 0 and grp["evt_origin"] == -1
    assert p["bg"] == [KURSK]  # the Point is not an outline


@pytest.mark.parametrize(
    "tiles",
    ["ftp://x/{z}/{x}/{y}", "https://tiles.example/{z}/{x}.png", "javascript:1", "satellite"],
)
def test_bad_tiles_rejected(tmp_path: Path, tiles: str) -> None:
    with pytest.raises(RenderError, match="--tiles"):
        render_map(EVENTS, title="t", tiles=tiles, out=tmp_path / "m.html")
    assert list(tmp_path.iterdir()) == []


def test_hostile_title_stays_text(tmp_path: Path) -> None:
    title = "</script><script>window.__pwned=1</script><!--"
    html = render_map(EVENTS[:1], title=title, tiles="none", out=tmp_path / "m.html").read_text(
        "utf-8"
    )
    assert title not in html and "<script>window.__pwned" not in html
    assert "<title>&lt;/script&gt;&lt;script&gt;" in html


def test_csp_allows_only_the_tile_server(tmp_path: Path) -> None:
    url = "https://{s}.tiles.example.org/{z}/{x}/{y}.png"
    html = render_map(EVENTS[:2], title="t", tiles=url, out=tmp_path / "m.html").read_text("utf-8")
    csp = re.search(r'Content-Security-Policy" content="([^"]+)"', html)
    assert csp
    img = next(d for d in csp.group(1).split(";") if d.strip().startswith("img-src"))
    assert img.split() == ["img-src", "data:", "blob:", "https://*.tiles.example.org"]
    assert "connect-src 'none'" in csp.group(1) and "unsafe-eval" not in csp.group(1)
    assert len(re.findall(r"'sha256-", csp.group(1))) == html.count("<script>")


def test_unwritable_output(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(RenderError, match="cannot write"):
        render_map(EVENTS, title="t", tiles="none", out=tmp_path / "file" / "m.html")


# ---- in the browser -------------------------------------------------------------------------


class Opened:
    """A page with every non-file request aborted and recorded, and console errors kept."""

    def __init__(self, browser: Any, url: str, viewport: tuple[int, int] = (1280, 800)) -> None:
        self.requests: list[str] = []
        self.errors: list[str] = []
        self.ctx = browser.new_context(
            viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True
        )
        self.ctx.route(re.compile(r"^(?!file:)"), self._abort)
        self.page = self.ctx.new_page()
        self.page.on(
            "request", lambda r: None if r.url.startswith("file:") else self.requests.append(r.url)
        )
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.goto(url)
        self.page.wait_for_selector("body[data-ready='1']", timeout=20_000)

    def _abort(self, route: Any) -> None:
        route.abort()

    def js(self, expr: str, arg: Any = None) -> Any:
        return self.page.evaluate(expr, arg)

    def drawn(self) -> set[str]:
        return set(self.js("TrackerMap.drawnIds()"))

    def card_text(self) -> str:
        self.page.wait_for_selector("#tm-card:not([hidden]):not([data-loading])")
        return self.page.inner_text("#tm-card")

    def listed(self) -> list[str]:
        return self.js(
            "Array.from(TrackerMap.D.rows.slice(0, TrackerMap.D.nrows), i => TrackerMap.D.P.id[i])"
        )


@pytest.fixture()
def opened(chromium: Any, map_html: Path) -> Iterator[Opened]:
    o = Opened(chromium, map_html.as_uri())
    yield o
    assert o.errors == [], o.errors
    assert o.requests == [], o.requests
    o.ctx.close()


@pytest.mark.browser
def test_markers_match_events(opened: Opened) -> None:
    assert opened.drawn() == DRAWN
    assert set(opened.listed()) == LISTED
    # a marker is really painted: the canvas pixel at the Vladivostok point is not empty
    painted = opened.js("""() => { const m = TrackerMap.map, p = m.latLngToContainerPoint([43.11, 131.87]);
        const c = document.querySelector('canvas[data-layer=events]'), d = devicePixelRatio;
        return Array.from(c.getContext('2d').getImageData(p.x * d - 2, p.y * d - 2, 5, 5).data).some(v => v > 0); }""")
    assert painted
    assert (
        opened.js("document.querySelector('canvas[data-layer=related]')") is None
    )  # off by default
    # tiles none: the outline basemap is on, in its own pane below the events
    assert opened.js(
        "document.querySelector('.leaflet-tm-basemap-pane canvas[data-layer=background]') !== null"
    )


@pytest.mark.browser
def test_slider_changes_what_is_shown(opened: Opened) -> None:
    page = opened.page
    page.focus("#tm-from")
    for _ in range(12):  # 8 Oct + 12 days: from 20 Oct
        page.keyboard.press("ArrowRight")
    assert page.input_value("#tm-from") == "12"
    assert page.text_content("#tm-window").startswith("2024-10-20")
    assert opened.drawn() == {"evt_kursk", "evt_buryatia", "evt_hostile"}
    page.focus("#tm-to")
    page.keyboard.press("Home")  # "to" pushes "from" back with it: window 8 Oct .. 8 Oct
    assert page.input_value("#tm-from") == "0"
    assert opened.drawn() == {"evt_origin", "evt_dest"}
    assert set(opened.listed()) == {"evt_origin", "evt_dest", "evt_noplace"} - {"evt_noplace"}
    for _ in range(12):
        page.keyboard.press("ArrowRight")  # window 8 Oct .. 20 Oct
    assert opened.drawn() == {"evt_origin", "evt_dest", "evt_pentagon", "evt_kursk"}
    page.click("#tm-all")
    assert opened.drawn() == DRAWN


@pytest.mark.browser
def test_list_click_opens_card_and_keyboard(opened: Opened) -> None:
    page = opened.page
    page.click(".tm-row[data-id=evt_pentagon]")
    card = page.locator("#tm-card")
    assert card.get_attribute("data-id") == "evt_pentagon"
    text = opened.card_text()
    assert "Vladivostok" in text and "3,000" in text and "Pentagon" in text
    assert "2 reports / 2 outlets" in text and "NIS: 1,500" in text  # linked report, own figure
    assert card.locator("a[href='https://example.org/dod']").count() >= 1
    page.click("#tm-card-close")
    assert card.is_hidden()
    page.focus("#tm-list")
    page.keyboard.press("Home")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert card.get_attribute("data-id") == opened.listed()[1]
    # a marker click highlights its list item
    page.click("#tm-card-close")
    opened.js("TrackerMap.map.setView([51.7, 36.2], 6, {animate: false})")
    page.locator(".folium-map").click(
        position=opened.js(
            "(() => { const p = TrackerMap.map.latLngToContainerPoint([51.0, 35.0]); return {x: p.x, y: p.y}; })()"
        )
    )
    assert page.get_attribute(".tm-row[aria-selected=true]", "data-id") == "evt_kursk"


@pytest.mark.browser
def test_url_state_round_trips(opened: Opened, chromium: Any, map_html: Path) -> None:
    page = opened.page
    page.uncheck("#tm-f-status input[value=denied]")
    page.select_option("#tm-f-claimed", label="Pentagon")
    opened.js("TrackerMap.setWindow(2, 23)")
    page.click(".tm-row[data-id=evt_kursk]")
    opened.js("TrackerMap.map.setView([50, 40], 5, {animate: false})")
    page.wait_for_timeout(400)  # the fragment is written 200 ms after the last change
    url = page.url
    assert "#" in url and "e=evt_kursk" in url
    again = Opened(chromium, url)
    try:
        s = again.js(
            "({a: TrackerMap.S.a, b: TrackerMap.S.b, st: TrackerMap.S.st, sel: TrackerMap.S.sel,"
            " z: TrackerMap.map.getZoom(), c: TrackerMap.map.getCenter()})"
        )
        assert (s["a"], s["b"], s["st"], s["z"]) == (2, 23, [1, 1, 1, 0], 5)
        assert abs(s["c"]["lat"] - 50) < 0.01 and abs(s["c"]["lng"] - 40) < 0.01
        assert again.page.get_attribute("#tm-card", "data-id") == "evt_kursk"
        assert again.page.is_checked("#tm-f-status input[value=claimed]")
        assert not again.page.is_checked("#tm-f-status input[value=denied]")
        assert set(again.listed()) == {"evt_pentagon", "evt_kursk"}
        assert again.errors == [] and again.requests == []
    finally:
        again.ctx.close()


@pytest.mark.browser
def test_hostile_report_does_not_execute(opened: Opened) -> None:
    page = opened.page
    page.fill("#tm-search", "script")  # search over places finds the hostile place name
    page.wait_for_function("() => TrackerMap.D.nrows === 1")
    page.click(".tm-row[data-id=evt_hostile]")
    card = page.locator("#tm-card")
    text = opened.card_text()
    for payload in HOSTILE[:5]:
        assert payload in text  # shown literally, as text
    assert card.locator("img, svg, math, iframe, script, b").count() == 0
    assert card.locator("a").count() == 0  # javascript: and data: links never become links
    assert "(not an http/https link)" in text
    page.wait_for_timeout(300)
    assert opened.js("window.__pwned === undefined")
    assert (
        opened.js(
            "document.querySelectorAll('img[src=x], iframe, svg:not(.leaflet-attribution-flag), math').length"
        )
        == 0
    )


@pytest.mark.browser
def test_download_filtered_csv_and_geojson(opened: Opened) -> None:
    page = opened.page
    page.select_option("#tm-f-claimed", label="NIS")
    with page.expect_download() as dl:
        page.click("#tm-csv")
    rows = Path(dl.value.path()).read_text("utf-8").splitlines()
    assert rows[0].startswith("id,event_type,date_start")
    assert sorted(r.split(",")[0].strip('"') for r in rows[1:]) == ["evt_dest", "evt_origin"]
    with page.expect_download() as dl2:
        page.click("#tm-geojson")
    fc = json.loads(Path(dl2.value.path()).read_text("utf-8"))
    assert {f["id"] for f in fc["features"]} == {"evt_dest", "evt_origin"}
    assert fc["features"][0]["geometry"]["type"] == "Point"


@pytest.mark.browser
def test_phone_layout_puts_list_below_map(chromium: Any, map_html: Path) -> None:
    o = Opened(chromium, map_html.as_uri(), viewport=(390, 800))
    try:
        box_map = o.page.locator(".folium-map").bounding_box()
        box_list = o.page.locator("#tm-list").bounding_box()
        assert box_map and box_list and box_list["y"] >= box_map["y"] + box_map["height"]
        assert o.errors == []
    finally:
        o.ctx.close()


@pytest.mark.browser
def test_osm_tiles_are_the_only_requests(chromium: Any, tmp_path: Path) -> None:
    html = render_map(
        [replace(e) for e in EVENTS], title="osm", tiles="osm", out=tmp_path / "o.html"
    )
    o = Opened(chromium, html.as_uri())
    try:
        o.page.wait_for_timeout(300)
        assert o.requests, "the OSM tile layer should have asked for tiles"
        assert all(u.startswith("https://tile.openstreetmap.org/") for u in o.requests), o.requests
    finally:
        o.ctx.close()


@pytest.mark.browser
def test_tab_play_and_strip_drag(opened: Opened) -> None:
    page = opened.page
    reached = set()
    page.focus("#tm-search")
    for _ in range(40):
        reached.add(opened.js("document.activeElement.id || document.activeElement.className"))
        page.keyboard.press("Tab")
    controls = {
        "tm-search",
        "tm-play",
        "tm-speed",
        "tm-from",
        "tm-to",
        "tm-all",
        "tm-f-type",
        "tm-f-actor",
        "tm-f-claimed",
        "tm-f-source",
        "tm-reset",
        "tm-csv",
        "tm-geojson",
        "tm-list",
    }
    assert controls <= reached, controls - reached
    # play moves a fixed-width window forward; pause stops it
    page.select_option("#tm-speed", "1")
    opened.js("TrackerMap.setWindow(0, 3)")
    page.click("#tm-play")
    page.wait_for_function("() => TrackerMap.S.a >= 2", timeout=5000)
    page.click("#tm-play")
    s = opened.js("[TrackerMap.S.a, TrackerMap.S.b, TrackerMap.timer]")
    assert s[1] - s[0] == 3 and s[2] is None
    # dragging across the timeline strip picks a window
    box = page.locator("#tm-strip").bounding_box()
    assert box
    days = opened.js("TrackerMap.D.days")
    page.mouse.move(box["x"] + 1, box["y"] + 20)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 20, steps=4)
    page.mouse.up()
    a, b = opened.js("[TrackerMap.S.a, TrackerMap.S.b]")
    assert a == 0 and abs(b - days / 2) <= 1


@pytest.mark.browser
def test_country_cut_at_the_antimeridian_opens_on_the_country(
    chromium: Any, gazetteer: Any, tmp_path: Path
) -> None:
    # Russia's real outline has Chukotka pieces at -180..-170. The first view must frame
    # Russia, not the whole globe, and those pieces must join the rest (east of 180).
    russia = gazetteer.outline("country:RU")
    assert any(pt[0] < -170 for poly in russia["coordinates"] for pt in poly[0])
    events = [
        ev("evt_ru", 10, geo_precision="country", place_id="country:RU", lon=100.0, lat=60.0),
        ev("evt_vl", 11, lon=131.87, lat=43.11),
    ]
    out = render_map(events, title="t", tiles="none", out=tmp_path / "m.html",
                     outlines={"country:RU": russia})  # fmt: skip
    xs = [pt[0] for poly in decode(out.read_text())["outlines"][0]["coordinates"] for pt in poly[0]]
    assert min(xs) > 0 and max(xs) > 180
    o = Opened(chromium, out.as_uri())
    try:
        west, east = o.js(
            "[TrackerMap.map.getBounds().getWest(), TrackerMap.map.getBounds().getEast()]"
        )
        # (integer zoom: at 1280 px the best fit shows about 320 degrees of longitude)
        assert east - west < 360 and 60 < (west + east) / 2 < 160, (west, east)
        assert o.errors == [] and o.requests == []
    finally:
        o.ctx.close()


@pytest.mark.browser
def test_actor_tracks_join_points_only(chromium: Any, tmp_path: Path) -> None:
    # A country-level event has no position: no track line may run to the country's centre.
    def track_pixels(events: list[Event]) -> int:
        out = render_map(events, title="t", tiles="none", out=tmp_path / "m.html",
                         outlines={"iso3166-2:RU-KRS": KURSK})  # fmt: skip
        o = Opened(chromium, out.as_uri())
        try:
            o.js("TrackerMap.map.setView([47, 84], 3, {animate: false})")
            o.page.wait_for_timeout(200)
            return int(
                o.js("""() => { const c = document.querySelector('canvas[data-layer=tracks]');
                const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                let n = 0; for (let k = 3; k < d.length; k += 4) if (d[k]) n++; return n; }""")
            )
        finally:
            o.ctx.close()

    vlad = ev("evt_vl", 8, lon=131.87, lat=43.11)
    kursk_city = ev("evt_kc", 9, lon=36.19, lat=51.73)
    kursk_area = ev("evt_ka", 9, geo_precision="admin1", place_id="iso3166-2:RU-KRS",
                    lon=36.5, lat=51.5)  # fmt: skip
    assert track_pixels([vlad, kursk_city]) > 50  # two points of one actor: a track
    assert track_pixels([vlad, kursk_area]) == 0


@pytest.mark.browser
def test_arrow_to_a_region_stops_at_its_outline(chromium: Any, tmp_path: Path) -> None:
    # "moved to Kursk Oblast" is known only to the region: the arrow ends where it enters the
    # outline, not at the region's centre as if that were the destination.
    origin = ev("evt_o", 8, event_type="movement", role="origin", lon=127.4, lat=39.15)
    dest = ev("evt_d", 9, event_type="movement", role="destination", geo_precision="admin1",
              place_id="iso3166-2:RU-KRS", lon=36.5, lat=51.3)  # fmt: skip
    out = render_map([origin, dest], title="t", tiles="none", out=tmp_path / "m.html",
                     outlines={"iso3166-2:RU-KRS": KURSK})  # fmt: skip
    o = Opened(chromium, out.as_uri())
    try:
        painted = """([lat, lon]) => { const m = TrackerMap.map, p = m.latLngToContainerPoint([lat, lon]);
            const c = document.querySelector('canvas[data-layer=moves]'), d = devicePixelRatio;
            return Array.from(c.getContext('2d').getImageData(p.x * d - 3, p.y * d - 3, 7, 7).data)
                .some(v => v > 0); }"""
        assert not o.js(painted, [51.3, 36.5])  # nothing at the region's centre
        assert not o.js(painted, [51.3, 37.5])  # nor inside the outline
        assert o.js(painted, [39.15, 127.4])  # the arrow does leave the origin
        assert o.errors == []
    finally:
        o.ctx.close()
