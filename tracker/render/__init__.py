"""Render event records as one self-contained interactive HTML map (issue 5).

``render_map`` takes event records (never a store) and writes a single HTML file: a folium
``Map`` (tile layer, layer control, scale) plus tracker's own event layer, a
``MacroElement`` with one gzip+base64 columnar data blob drawn on canvas with its own
interval-aware time filter, a linked virtualised event list, timeline strip, filters,
cards and URL-fragment permalinks. Every script, style and datum is inline; the only
requests the page can make are map tiles. Imports: folium, branca, xstatic, tracker.model,
tracker.errors; stdlib.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
import unicodedata
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tracker.errors import RenderError
from tracker.model import Event, Link

__all__ = ["TILES_CHOICES", "render_map", "slugify"]

TILES_CHOICES = ("osm", "none")
JS_FILES = ("tm-core.js", "tm-draw.js", "tm-ui.js", "tm-list.js", "tm-state.js")
CSS_FILES = ("tracker-map.css",)


def slugify(title: str) -> str:
    """Return a file-name slug for a map title (``"North Korean troops"`` -> ``north-korean-troops``).

    Examples
    --------
    >>> slugify("North Korean troops in Russia!")
    'north-korean-troops-in-russia'
    """
    s = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    s = re.sub(r"[^A-Za-z0-9]+", "-", s).strip("-").lower()
    return s[:80].strip("-") or "map"


def render_map(
    events: Sequence[Event],
    *,
    title: str,
    out: Path,
    tiles: str = "osm",
    outlines: Mapping[str, Mapping[str, Any]] | None = None,
    reports: Mapping[str, Any] | None = None,
    links: Sequence[Link] = (),
    background: Mapping[str, Mapping[str, Any]] | None = None,
) -> Path:
    """Write an interactive, self-contained HTML map of ``events`` to ``out``.

    Parameters
    ----------
    events
        Event records; deleted ones are skipped. Events without a place appear in the
        list only; region- or country-level events are drawn as their outline (or an
        approximate-area ring when no outline is given), never as a pin.
    title
        Map title (shown in the page header and the browser tab).
    out
        Output HTML path; parent folders are created. Written atomically.
    tiles
        ``"osm"`` (OpenStreetMap tiles), ``"none"`` (no basemap: no request at all) or an
        http(s) URL template with ``{z}``, ``{x}``, ``{y}``.
    outlines
        GeoJSON geometries (lon, lat) by place id, e.g. from ``Gazetteer.outline``.
    reports
        Report records (or mappings with ``title``, ``publisher``, ``url``, ``published``)
        by report id, for the cards' source blocks.
    links
        Link records (issue 8): linked events are one happening; each card lists every
        linked report and the list shows "N reports / M outlets".
    background
        GeoJSON geometries (e.g. the outlines of the countries involved) drawn as a plain
        basemap layer: on by default with ``tiles="none"``, switchable when tiles cannot load.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    RenderError
        Bad ``tiles`` value, missing package assets, or the file cannot be written.
    """
    import folium

    from tracker.render.data import INT_COLUMNS, build_payload, encode_payload
    from tracker.render.element import EventMapElement
    from tracker.render.page import (
        OfflineMap,
        add_inline_assets,
        finalize_html,
        leaflet_version,
        tile_layer,
    )

    layer = tile_layer(tiles)
    payload = build_payload(
        events,
        title=title,
        outlines=outlines or {},
        reports=reports or {},
        links=links,
        background=background,
    )
    m = OfflineMap(location=(50.0, 60.0), zoom_start=3, tiles=None, control_scale=True)
    m.options["maxZoom"] = 19
    m.get_root().title = html.escape(title)  # type: ignore[attr-defined]
    if layer is not None:
        layer.add_to(m)
    control = folium.LayerControl(collapsed=True, position="topright")
    control.add_to(m)
    options = {
        "title": title,
        "slug": slugify(title),
        "tiles": "none" if layer is None else "on",
        "leaflet": leaflet_version(),
    }
    text = {"ev": payload.pop("ev"), "url": payload.pop("url")}  # decoded only when needed
    with ThreadPoolExecutor(2) as pool:  # zlib releases the GIL: compress both at once
        text_job = pool.submit(encode_payload, text)
        core = encode_payload(payload, binary=INT_COLUMNS)
        text_b64 = text_job.result()
    EventMapElement(core, text_b64, control, options).add_to(m)
    add_inline_assets(m, JS_FILES, CSS_FILES)
    page = finalize_html(m.get_root().render(), tiles=tiles)
    return _write_atomic(Path(out), page)


def _write_atomic(out: Path, text: str) -> Path:
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".map-", suffix=".html.tmp", dir=out.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(tmp, 0o644)
            os.replace(tmp, out)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as err:
        msg = f"cannot write the map to {str(out)!r}: {err.strerror or err}; choose another -o path"
        raise RenderError(msg) from err
    return out
