"""``tracker places`` and ``tracker regions``: the offline gazetteer from the command line."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any

import click

from tracker import settings
from tracker.cli.common import echo_err, emit_rows, format_option, store_option
from tracker.errors import ImportFileError, PlaceNotFoundError

PLACE_FIELDS = (
    "id",
    "name",
    "kind",
    "country_code",
    "admin1_code",
    "lon",
    "lat",
    "population",
    "matched_alias",
    "score",
)
REVERSE_FIELDS = ("role", *PLACE_FIELDS[:-2], "distance_km", "method")
REGION_FIELDS = ("id", "name", "kind", "country_code", "members", "outline")


def register(cli: click.Group) -> None:
    """Add the ``places`` and ``regions`` groups to the root group."""
    cli.add_command(places)
    cli.add_command(regions)


def _open(store: str | None = None) -> Any:
    """Open the gazetteer; with a postgresql:// store, the team's custom places take part."""
    from tracker.query import open_gazetteer

    return open_gazetteer(store)


def _row(p: Any) -> dict[str, Any]:
    d = p.to_dict()
    return {k: d[k] for k in PLACE_FIELDS}


def _rebuild() -> Any:
    from tracker.gazetteer import Gazetteer, build_index

    t0 = time.perf_counter()
    echo_err("rebuilding the gazetteer index...")
    path = build_index(settings.cache_dir(), settings.data_dir())
    echo_err(f"index rebuilt in {time.perf_counter() - t0:.1f} s: {path}")
    return Gazetteer(path)


@click.group()
def places() -> None:
    """Search, add and import places in the offline gazetteer.

    \b
    Example:
      tracker places search Yakutia
      tracker places search Blagoveshchensk --country RU --limit 5 --format json
    """


@places.command("search")
@click.argument("name")
@click.option("--country", metavar="CC", help="Only places in this country (ISO 3166-1 alpha-2).")
@click.option(
    "--kind",
    "kinds",
    multiple=True,
    type=click.Choice(["city", "admin1", "country", "macro_region", "continent", "custom", "area"]),
    help="Only places of this kind (repeatable).",
)
@click.option("--limit", default=10, show_default=True, type=click.IntRange(1, 1000))
@store_option
@format_option(("table", "json", "jsonl", "csv"))
def search_cmd(
    name: str,
    country: str | None,
    kinds: tuple[str, ...],
    limit: int,
    store: str,
    fmt: str | None,
) -> None:
    """Find places by name, best candidates first (score 0..1).

    Case, accents, punctuation and administrative words ("Oblast", "Krai", "Republic of")
    do not matter; Latin, Cyrillic and Hangul names work. Exits 1 when nothing matches,
    printing the nearest spellings the gazetteer knows.

    \b
    Example:
      tracker places search "Primorskiy kray"
      tracker places search Blagoveshchensk --country RU --limit 5 --format json
      tracker places search Sergeevka --store postgresql://tracker@db/tracker   # + team places
    """
    gz = _open(store)
    hits = gz.search(name, country=country, kinds=kinds or None, limit=limit)
    if not hits:
        sugg = gz.suggest(name)
        where = f" in {country.upper()}" if country else ""
        hint = f"; nearest spellings: {', '.join(sugg)}" if sugg else ""
        raise PlaceNotFoundError(f"no place named {name.strip()!r}{where}{hint}", suggestions=sugg)
    emit_rows([_row(p) for p in hits], fmt, PLACE_FIELDS)


@places.command("add")
@click.argument("name")
@click.option("--lon", type=float, required=True, help="Longitude in degrees (-180..180).")
@click.option("--lat", type=float, required=True, help="Latitude in degrees (-90..90).")
@click.option("--country", metavar="CC", help="ISO 3166-1 alpha-2 country code.")
@click.option("--alias", "aliases", multiple=True, help="Another name for the place (repeatable).")
@store_option
@format_option(("table", "json", "jsonl", "csv"))
def add_cmd(
    name: str,
    lon: float,
    lat: float,
    country: str | None,
    aliases: tuple[str, ...],
    store: str,
    fmt: str | None,
) -> None:
    """Add a custom place and make it searchable.

    With a file store (the default) the place is kept in your data dir (it survives
    upgrades) and the index is rebuilt. With a postgresql:// store (--store or
    TRACKER_STORE) it is written into the server, where everyone using that store sees it.

    \b
    Example:
      tracker places add "Sergeyevka training ground" --lon 131.67 --lat 44.33 \\
          --country RU --alias Sergeevka
      tracker places add "Sergeyevka training ground" --lon 131.67 --lat 44.33 \\
          --store postgresql://tracker@db.example/tracker
    """
    from tracker.gazetteer import userdata
    from tracker.store import is_url

    if is_url(store):
        from tracker.cli.team_places import add_team_place

        place = add_team_place(store, name, lon, lat, country=country, aliases=aliases)
        emit_rows([_row(place)], fmt, PLACE_FIELDS)
        return
    gz = _open()
    rec = userdata.add_custom_place(
        settings.data_dir(),
        name,
        lon,
        lat,
        country_code=country,
        aliases=aliases,
        known_countries=set(gz.country_codes),
    )
    if rec.get("existing"):
        added = " (aliases or country added)" if rec["changed"] else ""
        echo_err(f"{rec['name']!r} is already custom:{rec['n']}{added}")
    gz = _rebuild() if rec.get("changed", True) else gz
    place = gz.get(f"custom:{rec['n']}")
    emit_rows([_row(place)], fmt, PLACE_FIELDS)


@places.command("import")
@click.argument("dump", type=click.Path(path_type=Path))
def import_cmd(dump: Path) -> None:
    """Import a GeoNames dump (RU.zip, allCountries.zip or the .txt inside) you downloaded.

    The file is read completely first; a corrupt or truncated dump is rejected and the
    existing index is left untouched. The dump is copied into the data dir.

    \b
    Example:
      tracker places import RU.zip
    """
    from tracker.gazetteer import userdata

    n = userdata.import_dump(settings.data_dir(), dump)
    echo_err(f"read {n} GeoNames rows from {dump}")
    gz = _rebuild()
    click.echo(f"imported {dump.name}: {n} rows; gazetteer now holds {gz.meta['places']} places")


@places.command("reverse", context_settings={"ignore_unknown_options": True})
@click.argument("lon", type=float)
@click.argument("lat", type=float)
@store_option
@format_option(("table", "json", "jsonl", "csv"))
def reverse_cmd(lon: float, lat: float, store: str, fmt: str | None) -> None:
    """Show which place, admin region and country a point (LON LAT) is in or nearest to.

    \b
    Example:
      tracker places reverse 131.87 43.11
      tracker places reverse -74.006 40.713     # west and south are negative

    The admin region is the one whose outline (an imported boundary, else the outline
    derived from its places) contains the point, within the country whose outline contains
    it; only when none does is it the nearest place's. The method column says which:
    outline, boundary or nearest_city.
    """
    r = _open(store).reverse(lon, lat)
    rows = []
    for role, p in (("place", r.place), ("admin1", r.admin1), ("country", r.country)):
        if p is not None:
            d = _row(p)
            d.update(
                role=role,
                distance_km=r.distance_km if role == "place" else None,
                method={"place": "nearest", "admin1": r.method}.get(role, r.country_method),
            )
            rows.append(d)
    if not rows:
        raise PlaceNotFoundError(f"no known place within 300 km of lon {lon}, lat {lat}")
    emit_rows(rows, fmt, REVERSE_FIELDS)


@places.command("build")
@click.option("--force", is_flag=True, help="Rebuild even when the index is up to date.")
def build_cmd(force: bool) -> None:
    """Compile the gazetteer index into the cache dir (done automatically on first use).

    \b
    Example:
      tracker places build
    """
    from tracker.gazetteer import Gazetteer, build_index

    t0 = time.perf_counter()
    path = build_index(settings.cache_dir(), settings.data_dir(), force=force)
    meta = Gazetteer(path).meta
    click.echo(
        f"{path}\nplaces {meta['places']}, names {meta['names']}, admin1 coverage "
        f"{float(meta['admin1_coverage']):.2%} of {meta['admin1_cities']} cities; "
        f"{time.perf_counter() - t0:.1f} s"
    )


_REGION_LIST_KINDS = ["macro_region", "admin1", "country", "area"]


@click.group()
def regions() -> None:
    """List regions and replace their derived outlines with real boundaries.

    \b
    Example:
      tracker regions list --kind macro_region
      tracker regions import ne_10m_admin_1.shp --code-field iso_3166_2
    """


@regions.command("list")
@click.option(
    "--kind",
    type=click.Choice(_REGION_LIST_KINDS),
    default="macro_region",
    show_default=True,
)
@click.option("--country", metavar="CC", help="Only regions of this country.")
@format_option(("table", "json", "jsonl", "csv"))
def list_cmd(kind: str, country: str | None, fmt: str | None) -> None:
    """List the regions of one kind with their members and outline source.

    \b
    Example:
      tracker regions list
      tracker regions list --kind admin1 --country KP
    """
    gz = _open()
    rows = gz.list_regions(kind, country=country)
    if not rows and country:
        others = [
            k for k in _REGION_LIST_KINDS if k != kind and gz.list_regions(k, country=country)
        ]
        hint = f"; try --kind {' or --kind '.join(others)}" if others else ""
        echo_err(f"no {kind} regions in {country.upper()}{hint}")
    emit_rows(rows, fmt, REGION_FIELDS)


@regions.command("import")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--code-field", help="Field holding ISO 3166-2 codes (e.g. iso_3166_2).")
@click.option("--name-field", help="Field holding names (for custom areas of interest).")
@click.option("--layer", help="Layer to read (GeoPackage with several layers).")
def import_regions_cmd(
    path: Path, code_field: str | None, name_field: str | None, layer: str | None
) -> None:
    """Replace derived region outlines with boundaries from GeoJSON, Shapefile or GeoPackage.

    Features whose code field holds a known ISO 3166-2 code replace that region's outline;
    with --name-field, other features become named areas usable with --region.

    \b
    Example:
      tracker regions import ne_10m_admin_1.shp --code-field iso_3166_2 --name-field name
    """
    from tracker.gazetteer import userdata

    if not code_field and not name_field:
        raise click.UsageError("give --code-field (ISO 3166-2 codes) and/or --name-field")
    gz = _open()
    feats = _read_boundaries(path, code_field, name_field, layer)
    known = gz.admin1_codes()
    out = []
    unknown = []
    for f in feats:
        code = (f.get("code") or "").strip().upper() or None
        if code and code not in known:
            unknown.append(code)
            code = None
        if code is None and not f.get("name"):
            continue
        out.append({"code": code, "name": f.get("name"), "geometry": f["geometry"]})
    if not out:
        msg = f"{path}: no feature has a known ISO 3166-2 code"
        if unknown:
            msg += f" (e.g. {', '.join(sorted(set(unknown))[:5])})"
        msg += "; check --code-field, or give --name-field to import named areas"
        raise ImportFileError(msg)
    dest = userdata.save_boundaries(settings.data_dir(), path.stem, out)
    n_codes = sum(1 for f in out if f["code"])
    echo_err(f"stored {len(out)} boundaries in {dest}")
    if unknown:
        echo_err(f"{len(unknown)} features had codes that are not ISO 3166-2 codes; skipped")
    _rebuild()
    click.echo(f"imported {len(out)} boundaries ({n_codes} ISO 3166-2 regions) from {path.name}")


def _read_boundaries(
    path: Path, code_field: str | None, name_field: str | None, layer: str | None
) -> list[dict[str, Any]]:
    """Read polygons and the chosen fields with pyogrio, reprojected to EPSG:4326."""
    if not path.exists():
        raise ImportFileError(f"{path} does not exist")
    import pyogrio
    import shapely
    from pyogrio.errors import DataLayerError, DataSourceError

    try:
        meta, _fids, geoms, values = pyogrio.raw.read(path, layer=layer)
    except (DataSourceError, DataLayerError, OSError, ValueError) as err:
        msg = f"{path} is not a readable GeoJSON, Shapefile or GeoPackage ({err})"
        raise ImportFileError(msg) from err
    fields = [str(f) for f in meta["fields"]]
    for label, fld in (("--code-field", code_field), ("--name-field", name_field)):
        if fld and fld not in fields:
            msg = f"{path} has no field {fld!r} ({label}); its fields are: {', '.join(fields)}"
            raise ImportFileError(msg)
    try:
        shapes = shapely.from_wkb(geoms)
    except shapely.errors.GEOSException as err:
        raise ImportFileError(f"{path} holds an invalid geometry ({err})") from err
    crs = meta.get("crs")
    if crs and not re.fullmatch(r"(EPSG|OGC):(4326|CRS84)", str(crs)):
        from pyproj import Transformer

        tr = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
        import numpy as np

        def fwd(xy: Any) -> Any:
            return np.column_stack(tr.transform(xy[:, 0], xy[:, 1]))

        shapes = [shapely.transform(g, fwd) if g is not None else None for g in shapes]
    code_vals = values[fields.index(code_field)] if code_field else None
    name_vals = values[fields.index(name_field)] if name_field else None
    out = []
    for i, g in enumerate(shapes):
        if g is None or g.is_empty or g.geom_type not in ("Polygon", "MultiPolygon"):
            continue
        out.append(
            {
                "code": str(code_vals[i]) if code_vals is not None and code_vals[i] else None,
                "name": str(name_vals[i]) if name_vals is not None and name_vals[i] else None,
                "geometry": shapely.geometry.mapping(g),
            }
        )
    if not out:
        raise ImportFileError(f"{path} holds no polygon features")
    return out
