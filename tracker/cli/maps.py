"""``tracker map``: query the store with the usual filters and write one interactive HTML map."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from tracker.cli.common import echo_err, store_option
from tracker.cli.events import build_filter_from_options, filter_options, open_cli_store
from tracker.errors import GazetteerError


def _outlines(events: list[Any]) -> dict[str, Any]:
    """Return outlines by place id: areas of region-level events, and the countries involved.

    The country outlines become a plain basemap for maps whose tiles cannot load.
    """
    from tracker.render.data import AREA_PRECISIONS

    ids = {e.place_id for e in events if e.place_id and e.geo_precision in AREA_PRECISIONS}
    countries = {e.country_code for e in events if e.country_code}
    if not ids and not countries:
        return {}
    try:
        from tracker.gazetteer import Gazetteer

        gz = Gazetteer.open()
    except GazetteerError as err:
        echo_err(f"warning: no area outlines (gazetteer unavailable: {err}); areas drawn as rings")
        return {}
    out = {}
    for pid in sorted(ids | {f"country:{cc}" for cc in countries}):
        geom = gz.outline(pid)
        if geom is not None:
            out[pid] = geom
    return out


def _default_title(kw: dict[str, Any]) -> str:
    """Return a title naming the filters used, e.g. ``Events: Kursk Oblast, 2024-10-01 to 2025-06-30``."""
    bits = [str(kw[k]) for k in ("region", "actor", "claimed_by", "source") if kw.get(k)]
    if kw.get("status"):
        bits.append(str(kw["status"]).replace(",", "/"))
    if kw.get("date_from") or kw.get("date_to"):
        bits.append(f"{kw.get('date_from') or '…'} to {kw.get('date_to') or '…'}")
    return "Events" + (": " + ", ".join(bits) if bits else "")


@click.command("map")
@click.option(
    "--title",
    help="Map title; also names the file (maps/<slug>.html). Default: made from the filters.",
)
@click.option(
    "-o",
    "--output",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="HTML file to write (default: maps/<slug-of-title>.html).",
)
@click.option(
    "--tiles",
    default="osm",
    show_default=True,
    metavar="osm|none|URL",
    help="Basemap: OpenStreetMap tiles, none (fully offline), or an http(s) {z}/{x}/{y} URL template.",
)
@filter_options
@store_option
def map_cmd(title: str | None, output: Path | None, tiles: str, store: str, **kw: Any) -> None:
    """Write an interactive, self-contained HTML map of the events matching the filters.

    The page has a time window slider with play, a timeline strip, a linked event list,
    filters, search, cards with sources, permalinks and CSV/GeoJSON download. It opens
    from file:// with no network; the only requests it makes are map tiles. Prints the
    path it wrote.

    \b
    Examples:
      tracker map --title "North Korean troops in Russia"
      tracker map --region "Kursk Oblast" --from 2024-10-01 --to 2025-06-30 -o maps/kursk.html
      tracker map --title "Claims" --status confirmed,claimed --actor "north korean" --tiles none
    """
    from tracker.render import render_map, slugify

    flt = build_filter_from_options(store=store, **kw)
    title = title or _default_title(kw)
    with open_cli_store(store) as st:
        events = st.query(flt)
        report_ids = sorted({e.report_id for e in events if e.report_id})
        reports = {rid: r for rid in report_ids if (r := st.get_report(rid)) is not None}
        ids = {e.id for e in events}
        links = [ln for ln in st.list_links() if ln.event_a in ids and ln.event_b in ids]
    out = output or Path("maps") / f"{slugify(title)}.html"
    outlines = _outlines(events)
    path = render_map(
        events,
        title=title,
        tiles=tiles,
        out=out,
        outlines=outlines,
        reports=reports,
        links=links,
        background={k: v for k, v in outlines.items() if k.startswith("country:")},
    )
    echo_err(f"{len(events)} event(s), {len(links)} link(s)")
    click.echo(str(path))


def register(cli: click.Group) -> None:
    """Add ``tracker map`` to the root group."""
    cli.add_command(map_cmd)
