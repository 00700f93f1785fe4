"""The folium page around the event layer: an offline Map, inlined assets and the CSP.

folium's ``Map`` links jQuery, Bootstrap, Font Awesome and awesome-markers from CDNs; this
module's ``OfflineMap`` links nothing and inlines Leaflet from the installed
``xstatic-leaflet`` package (its CSS images as ``data:`` URIs) plus tracker's own JS/CSS
(package data under ``tracker/render/assets``). ``finalize_html`` then adds a
Content-Security-Policy that allows exactly the page's own inline scripts (by hash), so
nothing injected into the page could run even if escaping failed somewhere.
Imports: folium, branca, xstatic; stdlib.
"""

from __future__ import annotations

import base64
import hashlib
import re
from functools import cache
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import folium
from branca.element import Element

from tracker.errors import RenderError

TILES_OSM = "osm"
TILES_NONE = "none"
OSM_URL = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTR = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'

_SCRIPT_RE = re.compile(r"<script>(.*?)</script>", re.DOTALL)
_CSS_URL_RE = re.compile(r"url\(images/([\w.-]+\.png)\)")


class RawHtml(Element):
    """A header element whose text is used as is (not compiled as a Jinja template)."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self._html = html

    def render(self, **kwargs: object) -> str:
        """Return the HTML unchanged."""
        return self._html


class OfflineMap(folium.Map):
    """A folium ``Map`` that links no CDN asset (Leaflet is inlined by ``add_inline_assets``)."""

    default_js: list[tuple[str, str]] = []  # noqa: RUF012 (folium's class attribute)
    default_css: list[tuple[str, str]] = []  # noqa: RUF012


@cache
def _leaflet_dir() -> Path:
    try:
        import xstatic.pkg.leaflet as xleaflet
    except ImportError as err:  # pragma: no cover - a dependency
        msg = "xstatic-leaflet is not installed; reinstall tracker (pip install -e .)"
        raise RenderError(msg) from err
    return Path(xleaflet.BASE_DIR)


def leaflet_version() -> str:
    """Return the version of the inlined Leaflet (from the xstatic package)."""
    import xstatic.pkg.leaflet as xleaflet

    return str(xleaflet.VERSION)


@cache
def _leaflet_css() -> str:
    base = _leaflet_dir()

    def inline(m: re.Match[str]) -> str:
        data = base64.b64encode((base / "images" / m.group(1)).read_bytes()).decode("ascii")
        return f"url(data:image/png;base64,{data})"

    return _CSS_URL_RE.sub(inline, (base / "leaflet.css").read_text("utf-8"))


@cache
def own_asset(name: str) -> str:
    """Return the text of one of tracker's own map assets (``tracker/render/assets``)."""
    try:
        return resources.files("tracker.render").joinpath("assets", name).read_text("utf-8")
    except OSError as err:
        msg = f"map asset {name!r} is missing from the tracker package; reinstall tracker"
        raise RenderError(msg) from err


def _check_inline(name: str, text: str, closing: str) -> str:
    if closing in text.lower():
        msg = f"asset {name} contains {closing!r} and cannot be inlined"
        raise RenderError(msg)
    return text


def add_inline_assets(m: folium.Map, js_files: tuple[str, ...], css_files: tuple[str, ...]) -> None:
    """Add Leaflet and tracker's own CSS/JS to the page header, inline."""
    header = m.get_root().header  # type: ignore[attr-defined]
    leaflet_js = (_leaflet_dir() / "leaflet.js").read_text("utf-8")
    header.add_child(
        RawHtml(f"<style>{_check_inline('leaflet.css', _leaflet_css(), '</style')}</style>"),
        name="leaflet_css",
    )
    header.add_child(
        RawHtml(f"<script>{_check_inline('leaflet.js', leaflet_js, '</script')}</script>"),
        name="leaflet_js",
    )
    for name in css_files:
        css = _check_inline(name, own_asset(name), "</style")
        header.add_child(RawHtml(f"<style>{css}</style>"), name=name)
    for name in js_files:
        js = _check_inline(name, own_asset(name), "</script")
        header.add_child(RawHtml(f"<script>{js}</script>"), name=name)


def tile_layer(tiles: str) -> folium.TileLayer | None:
    """Return the folium tile layer for ``osm``, ``none`` or an http(s) URL template.

    Raises
    ------
    RenderError
        When ``tiles`` is neither ``osm``, ``none`` nor an http(s) URL with ``{z}``,
        ``{x}`` and ``{y}``.
    """
    if tiles == TILES_NONE:
        return None
    if tiles == TILES_OSM:
        return folium.TileLayer(
            OSM_URL, attr=OSM_ATTR, name="OpenStreetMap", max_zoom=19, control=True
        )
    parts = urlsplit(tiles)
    if parts.scheme not in ("http", "https") or not all(k in tiles for k in ("{z}", "{x}", "{y}")):
        msg = (
            f"--tiles must be 'osm', 'none' or an http(s) URL template with {{z}}, {{x}} and "
            f"{{y}}, got {tiles!r}; e.g. --tiles 'https://tile.example.org/{{z}}/{{x}}/{{y}}.png'"
        )
        raise RenderError(msg)
    host = parts.hostname or ""
    attr = f"Map tiles: {_html_text(host)}"
    return folium.TileLayer(tiles, attr=attr, name=host or "tiles", max_zoom=19, control=True)


def _html_text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def tile_origin(tiles: str) -> str | None:
    """Return the CSP source for the tile server (``{s}`` subdomains become ``*``)."""
    if tiles == TILES_NONE:
        return None
    url = OSM_URL if tiles == TILES_OSM else tiles
    parts = urlsplit(url)
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    if "*" in host and not host.startswith("*."):
        host = "*." + host.split(".", 1)[-1] if "." in host else "*"
    return f"{parts.scheme}://{host}"


def finalize_html(html: str, *, tiles: str) -> str:
    """Add a Content-Security-Policy allowing only this page's scripts and the tile server.

    Every inline ``<script>`` is allowed by its sha256 hash; inline event handlers,
    ``javascript:`` URLs, external scripts, fetches and frames are all refused by the browser.
    """
    if re.search(r"<script\s+src=|<link\s", html):
        msg = "the map page still links an external script or stylesheet"
        raise RenderError(msg)
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(s.encode("utf-8")).digest()).decode() + "'"
        for s in _SCRIPT_RE.findall(html)
    )
    img = "data: blob:" + (f" {origin}" if (origin := tile_origin(tiles)) else "")
    csp = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; "
        f"img-src {img}; connect-src 'none'; font-src 'none'; object-src 'none'; "
        "base-uri 'none'; form-action 'none'"
    )
    meta = f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
    return html.replace("<head>", "<head>\n    " + meta, 1)
