"""Synthetic events and the three maps bench.maps compares (ours, folium Timeline, FastMarkerCluster).

The baselines are stock folium layers; their CDN assets are pointed at local npm copies
(``npm install`` into bench/out/npm on first use) and folium's unused defaults (jQuery,
Bootstrap, Font Awesome, awesome-markers) are dropped, which only makes the baselines
faster, so the ratios are conservative.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from tracker.model import Event

OUT = Path(__file__).resolve().parent / "out"
NPM_DIR = OUT / "npm"
NPM_PACKAGES = ("leaflet.timeline@1.6.0", "moment@2.18.1", "leaflet.markercluster@1.1.0")
ORIGIN = date(2023, 1, 1)
DAYS = 730
LOCAL = {  # CDN URL suffix -> file under NPM_DIR/node_modules ("leaflet" comes from xstatic)
    "leaflet.timeline.min.js": "leaflet.timeline/dist/leaflet.timeline.js",
    "moment.min.js": "moment/min/moment.min.js",
    "leaflet.markercluster.js": "leaflet.markercluster/dist/leaflet.markercluster.js",
    "MarkerCluster.css": "leaflet.markercluster/dist/MarkerCluster.css",
    "MarkerCluster.Default.css": "leaflet.markercluster/dist/MarkerCluster.Default.css",
}
WORDS = [
    "troops",
    "battalion",
    "brigade",
    "convoy",
    "rail",
    "station",
    "port",
    "arrived",
    "moved",
    "according",
    "officials",
    "said",
    "satellite",
    "imagery",
    "shows",
    "vehicles",
    "near",
    "border",
    "training",
    "ground",
    "reported",
    "sources",
    "claim",
    "ministry",
    "statement",
    "denied",
    "confirmed",
    "village",
    "bridge",
    "airfield",
    "corps",
    "marines",
    "artillery",
]
CPU: dict[str, float] = {}  # CPU seconds of the last build per method (the VM is shared)
STATUSES = ("confirmed", "claimed", "unconfirmed", "denied")
TYPES = ("movement", "arrival", "presence", "training", "combat", "withdrawal")


def make_events(n: int, seed: int = 42) -> list[Event]:
    """Random events over Russia/Ukraine (lat 44-62, lon 22-60), two years, 0-6 day spans."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        d0 = ORIGIN + timedelta(days=rng.randrange(DAYS))
        evidence = " ".join(rng.choice(WORDS) for _ in range(28))[:200]
        out.append(
            Event(
                id=f"evt_{i:07d}",
                event_type=rng.choice(TYPES),
                date_start=d0,
                date_end=d0 + timedelta(days=rng.randrange(7)),
                date_precision="range",
                place_name=f"Place {rng.randrange(3000)}",
                geo_precision="point",
                lon=round(rng.uniform(22, 60), 4),
                lat=round(rng.uniform(44, 62), 4),
                actor=f"Unit {rng.randrange(200)}",
                count=rng.choice((None, rng.randrange(50, 5000))),
                claimed_by=f"Claimant {rng.randrange(40)}",
                status=rng.choice(STATUSES),
                review_state=rng.choice(("accepted", "accepted", "pending")),
                report_id=f"rep{rng.randrange(5000)}",
                source_publisher=f"Outlet {rng.randrange(60)}",
                source_url=f"https://example.org/{rng.randrange(10**6)}",
                evidence=evidence,
            )
        )
    return out


def popup_text(e: Event) -> str:
    """The baselines' popup: the same facts as our card, as folium users write them."""
    return (
        f"<b>{e.place_name}</b> {e.event_type} {e.date_start}..{e.date_end}<br>{e.actor}, "
        f"{e.count or ''} ({e.status}), claimed by {e.claimed_by}; {e.source_publisher}: "
        f"{e.evidence}"
    )


def ensure_npm() -> str | None:
    """Install the baselines' JS into bench/out/npm once; return a reason when impossible."""
    if all((NPM_DIR / "node_modules" / rel).exists() for rel in LOCAL.values()):
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm not found (apt-get install npm) - baselines skipped"
    NPM_DIR.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        [npm, "install", "--prefix", str(NPM_DIR), "--no-audit", "--no-fund", *NPM_PACKAGES],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if r.returncode != 0:
        return f"npm install failed ({r.stderr.strip()[-200:]}) - baselines skipped"
    return None


def _localize(html: str) -> str:
    import xstatic.pkg.leaflet as xl

    leaflet = Path(xl.BASE_DIR)

    def script(m: re.Match[str]) -> str:
        url = m.group(1)
        if url.endswith("/leaflet.js"):
            return f'<script src="{(leaflet / "leaflet.js").as_uri()}"></script>'
        for suffix, rel in LOCAL.items():
            if url.endswith(suffix):
                return f'<script src="{(NPM_DIR / "node_modules" / rel).as_uri()}"></script>'
        return ""  # jQuery, Bootstrap, awesome-markers: unused by these layers

    def css(m: re.Match[str]) -> str:
        url = m.group(1)
        if url.endswith("/leaflet.css"):
            return f'<link rel="stylesheet" href="{(leaflet / "leaflet.css").as_uri()}"/>'
        for suffix, rel in LOCAL.items():
            if url.endswith(suffix):
                return (
                    f'<link rel="stylesheet" href="{(NPM_DIR / "node_modules" / rel).as_uri()}"/>'
                )
        return ""

    html = re.sub(r'<script src="(https?://[^"]+)"></script>', script, html)
    return re.sub(r'<link rel="stylesheet" href="(https?://[^"]+)"\s*/>', css, html)


def build_baseline(kind: str, events: list[Event], out: Path) -> tuple[float, int]:
    """Write folium's ``timeline`` or ``fastmarkercluster`` map; return (build s, HTML bytes).

    The size is folium's own output, before its CDN links are pointed at local copies.
    """
    import folium
    from folium import plugins
    from folium.utilities import JsCode

    t0, c0 = time.perf_counter(), time.process_time()  # imports above are not counted
    m = folium.Map(location=[53, 41], zoom_start=4, tiles=None)
    m.options["max_zoom"] = 18  # Leaflet.markercluster needs a maxZoom
    if kind == "fastmarkercluster":
        cb = "function (r) { var m = L.marker(new L.LatLng(r[0], r[1])); m.bindPopup(r[2]); return m; }"
        data = [[e.lat, e.lon, popup_text(e)] for e in events]
        plugins.FastMarkerCluster(data=data, callback=cb).add_to(m)
    else:
        day = 86_400_000
        base = int(time.mktime(ORIGIN.timetuple())) * 1000
        feats = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [e.lon, e.lat]},
                "properties": {
                    "start": base + (e.date_start - ORIGIN).days * day,  # type: ignore[operator]
                    "end": base + ((e.date_end - ORIGIN).days + 1) * day,  # type: ignore[operator]
                    "popup": popup_text(e),
                },
            }
            for e in events
        ]
        tl = plugins.Timeline(
            {"type": "FeatureCollection", "features": feats},
            point_to_layer=JsCode(
                "function (f, ll) { return L.circleMarker(ll, {radius: 3, weight: 1}); }"
            ),
            on_each_feature=JsCode("function (f, l) { l.bindPopup(f.properties.popup); }"),
        ).add_to(m)
        plugins.TimelineSlider(
            auto_play=False, date_options="YYYY-MM-DD", steps=DAYS
        ).add_timelines(tl).add_to(m)
    m.save(str(out))
    seconds = time.perf_counter() - t0
    CPU[kind] = time.process_time() - c0
    size = out.stat().st_size
    out.write_text(_localize(out.read_text("utf-8")), "utf-8")
    return seconds, size


def build_ours(events: list[Event], out: Path) -> tuple[float, int]:
    """Write tracker's map (tiles none); return (build s, HTML bytes).

    Module imports (folium compiles its templates at import) are done before the clock
    starts, as for the baselines.
    """
    import tracker.render.data
    import tracker.render.element
    import tracker.render.page  # noqa: F401
    from tracker.render import render_map

    t0, c0 = time.perf_counter(), time.process_time()
    render_map(events, title="bench", tiles="none", out=out)
    CPU["ours"] = time.process_time() - c0
    return time.perf_counter() - t0, out.stat().st_size
