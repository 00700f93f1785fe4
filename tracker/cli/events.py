"""Event commands: init, add, query, show, edit, delete, restore (import/export in event_io).

``filter_options`` and ``build_filter_from_options`` are shared with other commands that
take query filters (``tracker map``, ``tracker export``).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from tracker.cli.common import echo_err, emit_rows, store_option
from tracker.errors import AmbiguousPlaceError, ValidationError
from tracker.model import (
    COUNT_QUALIFIERS,
    EVENT_TYPES,
    GEO_PRECISIONS,
    REVIEW_STATES,
    ROLES,
    STATUSES,
    Event,
    EventFilter,
    Place,
    new_event_id,
)
from tracker.textsafe import clean_terminal

F = TypeVar("F", bound=Callable[..., Any])

FILTER_KEYS = (
    "date_from",
    "date_to",
    "region",
    "near",
    "within",
    "bbox",
    "polygon",
    "status",
    "event_type",
    "role",
    "actor",
    "claimed_by",
    "source",
    "review_state",
    "tag",
    "country",
    "limit",
    "include_deleted",
)
TABLE_COLUMNS = (
    "id",
    "date_start",
    "date_end",
    "event_type",
    "place_name",
    "actor",
    "count",
    "status",
    "claimed_by",
    "source_publisher",
)
_FILTER_OPTIONS = (
    click.option(
        "--from",
        "date_from",
        metavar="DATE",
        help="Window start (2024-10-08, 2024-10, 2024-W42...).",
    ),
    click.option(
        "--to", "date_to", metavar="DATE", help="Window end (inclusive; 2024-10 means 31 Oct)."
    ),
    click.option(
        "--region", metavar="NAME|CODE", help="Admin1, country, macro-region or boundary."
    ),
    click.option("--near", metavar="PLACE|LON,LAT", help="Centre of a --within radius."),
    click.option(
        "--within", metavar="DIST", help="Geodesic radius: 300km, 800m, 50mi (bare = km)."
    ),
    click.option("--country", metavar="CC", help="Disambiguate --near PLACE by country code."),
    click.option("--bbox", metavar="W,S,E,N", help="Box in degrees; W > E crosses 180°."),
    click.option("--polygon", metavar="FILE", help="GeoJSON file with the area of interest."),
    click.option("--status", metavar="LIST", help=f"Comma list of {', '.join(STATUSES)}."),
    click.option("--type", "event_type", metavar="LIST", help="Comma list of event types."),
    click.option("--role", metavar="LIST", help=f"Comma list of {', '.join(ROLES)}."),
    click.option("--actor", help="Case-insensitive substring of the actor."),
    click.option("--claimed-by", "claimed_by", help="Case-insensitive substring of the claimant."),
    click.option("--source", help="Case-insensitive substring of the publisher or URL."),
    click.option(
        "--review-state",
        "review_state",
        metavar="LIST",
        help="Comma list of pending, accepted, rejected (default: pending,accepted).",
    ),
    click.option(
        "--tag", multiple=True, help="Only events with this tag (repeatable: all needed)."
    ),
    click.option("--limit", type=click.IntRange(min=0), help="At most this many events."),
    click.option("--include-deleted", is_flag=True, help="Also soft-deleted events."),
)


def filter_options(f: F) -> F:
    """Add every query filter option (see FILTER_KEYS) to a click command."""
    for opt in reversed(_FILTER_OPTIONS):
        f = opt(f)
    return f


def build_filter_from_options(*, store: str | None = None, **kwargs: Any) -> EventFilter:
    """Return the EventFilter for the options :func:`filter_options` added (others ignored).

    ``store`` (the --store location) lets --near resolve the team's custom places.
    """
    from tracker.query import build_filter, open_gazetteer

    opts: dict[str, Any] = {k: kwargs.get(k) for k in FILTER_KEYS}
    opts["tag"] = tuple(opts["tag"] or ())
    opts["include_deleted"] = bool(opts["include_deleted"])
    return build_filter(**opts, gazetteer_factory=lambda: open_gazetteer(store))


def open_cli_store(location: str, *, create: bool = False) -> Any:
    """Open the store named by --store (create it on first write)."""
    from tracker.store import open_store

    return open_store(location, create=create)


def current_by(by: str | None) -> str:
    """Return --by, else TRACKER_USER, else the OS user."""
    from tracker.settings import current_user

    return by or current_user()


# --------------------------------------------------------------------------- init


@click.command("init")
@store_option
def init_cmd(store: str) -> None:
    """Create the event store (or migrate an existing one to this tracker's schema).

    \b
    Example:
      tracker init --store tracker.gpkg
    """
    with open_cli_store(store, create=True) as st:
        n = st.count_events()
        echo_err(f"store {st.location}: schema version {st.schema_version()}, {n} events")


# --------------------------------------------------------------------------- add / edit

_PRECISION_OF_KIND = {
    "city": "point",
    "custom": "point",
    "admin1": "admin1",
    "country": "country",
    "macro_region": "macro_region",
    "continent": "macro_region",
    "area": "admin2",
}
_FIELD_OPTIONS = (
    click.option("--place", metavar="NAME", help="Place name, resolved in the gazetteer."),
    click.option(
        "--place-id", "place_id", metavar="ID", help="Gazetteer id (geonames:..., iso3166-2:...)."
    ),
    click.option("--country", metavar="CC", help="Disambiguate --place by country code."),
    click.option("--lon", type=float, help="Raw longitude (with --lat) instead of a place."),
    click.option("--lat", type=float, help="Raw latitude (with --lon)."),
    click.option(
        "--date",
        "date_arg",
        metavar="DATE",
        help="2024-10-08, 2024-10, 2024-W42, A/B, '8-13 October 2024'.",
    ),
    click.option("--type", "event_type", type=click.Choice(EVENT_TYPES), help="Event type."),
    click.option("--role", type=click.Choice(ROLES), help="Role of the place."),
    click.option("--actor", help="Who (e.g. 'North Korean special forces')."),
    click.option("--unit", help="Formation (e.g. '11th Corps')."),
    click.option("--count", metavar="N", help="Number (whole, >= 0)."),
    click.option("--count-low", "count_low", metavar="N", help="Low end of a range."),
    click.option("--count-high", "count_high", metavar="N", help="High end of a range."),
    click.option("--count-qualifier", "count_qualifier", type=click.Choice(COUNT_QUALIFIERS)),
    click.option("--count-unit", "count_unit", help="troops (default), brigades, ..."),
    click.option("--claimed-by", "claimed_by", help="Who claims it (e.g. 'South Korea NIS')."),
    click.option("--status", type=click.Choice(STATUSES), help="Default: claimed."),
    click.option(
        "--reliability", "source_reliability", metavar="A-F", help="Admiralty source grade."
    ),
    click.option(
        "--credibility", "info_credibility", metavar="1-6", help="Admiralty information grade."
    ),
    click.option("--source", "source_publisher", metavar="NAME", help="Publisher of the source."),
    click.option("--url", "source_url", help="URL of the source."),
    click.option("--published", "source_published", metavar="DATE", help="Publication date."),
    click.option("--evidence", help="The words of the source that support the event."),
    click.option("--geo-precision", "geo_precision", type=click.Choice(GEO_PRECISIONS)),
    click.option("--confidence", type=float, help="0..1 (default 1)."),
    click.option("--review-state", "review_state", type=click.Choice(REVIEW_STATES)),
    click.option("--notes", help="Free notes."),
    click.option("--tag", "tags", multiple=True, help="A tag (repeatable)."),
    click.option("--by", help="Who makes the change (default TRACKER_USER or the OS user)."),
)
_PLAIN_FIELDS = (
    "event_type",
    "role",
    "actor",
    "unit",
    "count",
    "count_low",
    "count_high",
    "count_qualifier",
    "count_unit",
    "claimed_by",
    "status",
    "source_reliability",
    "info_credibility",
    "source_publisher",
    "source_url",
    "source_published",
    "evidence",
    "geo_precision",
    "confidence",
    "review_state",
    "notes",
)


def field_options(f: F) -> F:
    """Add the event field options shared by add and edit."""
    for opt in reversed(_FIELD_OPTIONS):
        f = opt(f)
    return f


def _place_fields(place: Place) -> dict[str, Any]:
    return {
        "place_name": place.name,
        "place_id": place.id,
        "country_code": place.country_code,
        "admin1_code": place.admin1_code,
        "lon": place.lon,
        "lat": place.lat,
        "geo_precision": _PRECISION_OF_KIND.get(place.kind, "unknown"),
    }


def _ambiguous_message(err: AmbiguousPlaceError, name: str) -> str:
    lines = [f"{name!r} matches several places; pick one:"]
    for c in err.candidates[:10]:
        if isinstance(c, Place):
            where = ", ".join(x for x in (c.admin1_code, c.country_code) if x)
            lines.append(f"  --place-id {c.id}   {c.name} ({c.kind}; {where}; pop {c.population})")
    lines.append("or narrow it with --country CC (e.g. --country RU).")
    return clean_terminal("\n".join(lines))


def resolve_place_options(kw: dict[str, Any], store: str | None = None) -> dict[str, Any]:
    """Return place fields from --place/--place-id/--lon/--lat (empty when none given).

    With a postgresql:// ``store``, the team's custom places kept there resolve too.
    """
    place, place_id, lon, lat = kw.get("place"), kw.get("place_id"), kw.get("lon"), kw.get("lat")
    if (lon is None) != (lat is None):
        raise click.UsageError("give both --lon and --lat (raw coordinates), or neither")
    if lon is not None and (place or place_id):
        raise click.UsageError("give a place (--place/--place-id) or raw --lon/--lat, not both")
    if lon is not None:
        return {"lon": lon, "lat": lat, "place_id": None, "geo_precision": "point"}
    if not (place or place_id):
        return {}
    from tracker.query import open_gazetteer

    gz = open_gazetteer(store)
    if place_id:
        found = gz.get(place_id)
        if found is None:
            raise ValidationError(
                f"no gazetteer place with id {place_id!r}; find ids with `tracker places search NAME`"
            )
        return _place_fields(found)
    try:
        return _place_fields(gz.resolve(place, country=kw.get("country")))
    except AmbiguousPlaceError as err:
        raise click.ClickException(_ambiguous_message(err, str(place))) from err


def collect_fields(kw: dict[str, Any], store: str | None = None) -> dict[str, Any]:
    """Return the event fields given on the command line (only those given).

    ``store`` (the --store location) lets --place resolve the team's custom places.
    """
    from tracker.store import rules

    out: dict[str, Any] = {}
    for name in _PLAIN_FIELDS:
        if kw.get(name) is not None:
            out[name] = rules.coerce_value(name, kw[name])
    if kw.get("tags"):
        out["tags"] = tuple(kw["tags"])
    if kw.get("date_arg"):
        from tracker.dates import parse_date_arg

        span = parse_date_arg(kw["date_arg"])
        out.update(
            date_start=span.start,
            date_end=span.end,
            date_precision=span.precision,
            date_text=kw["date_arg"],
        )
    out.update(resolve_place_options(kw, store))
    return out


_OPTION_OF = {
    "event_type": "type",
    "source_publisher": "source",
    "source_url": "url",
    "source_published": "published",
}


def option_problem(problem: str) -> str:
    """Name the command-line option in a validation message ("count: ..." -> "--count: ...")."""
    field, sep, rest = problem.partition(": ")
    if sep and field in _PLAIN_FIELDS:
        opt = _OPTION_OF.get(field, field.replace("_", "-"))
        return f"--{opt}: {rest}"
    return problem


def _emit_event(ev: Event, fmt: str | None) -> None:
    if fmt == "json":
        click.echo(json.dumps(ev.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(ev.id)


@click.command("add")
@field_options
@click.option("--id", "event_id", help="Explicit event id (default: a new random one).")
@click.option("--title", help="Title of the source document.")
@click.option("--format", "fmt", type=click.Choice(["id", "json"]), default="id", show_default=True)
@store_option
def add_cmd(store: str, fmt: str, event_id: str | None, title: str | None, **kw: Any) -> None:
    """Add one sourced event by hand (needs --source or --url).

    Defaults: status claimed, review state accepted, confidence 1, role location.
    Prints the new event id.

    \b
    Example:
      tracker add --place Vladivostok --date 2024-10-08/2024-10-13 --type movement \\
        --role destination --actor "North Korean special forces" --count 1500 \\
        --count-qualifier about --claimed-by "South Korea NIS" --source "The Guardian" \\
        --url https://example.org/a --published 2024-10-18 --evidence "Russian navy ships..."
      tracker add --lon 36.19 --lat 51.74 --date 2024-11 --source "HUR statement"
    """
    from tracker.store import rules

    fields = collect_fields(kw, store)
    if not (fields.get("source_publisher") or fields.get("source_url")):
        raise click.UsageError("add needs a source: --source NAME and/or --url URL")
    fields.setdefault("status", "claimed")
    fields.setdefault("review_state", "accepted")
    fields.setdefault("confidence", 1.0)
    fields.setdefault("event_type", "other")
    if any(fields.get(k) is not None for k in ("count", "count_low", "count_high")):
        fields.setdefault("count_unit", "troops")
    if fields.get("date_start") is None:
        fields["date_precision"] = "unknown"
    problems = rules.validate_event(Event(id=event_id or "evt_new", method="manual", **fields))
    if problems:
        raise click.UsageError("; ".join(option_problem(p) for p in problems))
    by = current_by(kw.get("by"))
    with open_cli_store(store, create=True) as st:
        report = None
        if fields.get("source_url"):
            report = st.find_report(url=fields["source_url"])
        if report is None:
            report = rules.citation_report(
                publisher=fields.get("source_publisher"),
                url=fields.get("source_url"),
                published=fields.get("source_published"),
                title=title,
            )
        ev = Event(id=event_id or new_event_id(), method="manual", **fields)
        added = st.add_events([ev], report=report, by=by, reason="tracker add")
        if not added:
            raise click.ClickException(f"an event with id {ev.id} already exists")
        stored = st.get_event(ev.id)
    where = stored.place_name or (
        f"{stored.lon},{stored.lat}" if stored.has_geometry else "no place"
    )
    when = stored.date_text or (stored.date_start.isoformat() if stored.date_start else "undated")
    echo_err(f"added {stored.id} ({where}, {when}) to {st.location}")  # no password
    _emit_event(stored, fmt)


@click.command("edit")
@click.argument("event_id")
@field_options
@click.option(
    "--set", "sets", multiple=True, metavar="FIELD=VALUE", help="Set any field (repeatable)."
)
@click.option("--reason", required=True, help="Why (kept in the history).")
@click.option(
    "--expected-revision", type=int, help="Fail if the event is no longer at this revision."
)
@click.option("--format", "fmt", type=click.Choice(["id", "json"]), default="id", show_default=True)
@store_option
def edit_cmd(
    event_id: str,
    sets: tuple[str, ...],
    reason: str,
    expected_revision: int | None,
    store: str,
    fmt: str,
    **kw: Any,
) -> None:
    """Change fields of an event; the old values stay in its history.

    \b
    Example:
      tracker edit evt_1a2b --count 1200 --reason "NIS revised the figure" --by analyst1
      tracker edit evt_1a2b --set notes="seen on satellite images" --reason "new imagery"
    """
    changes = collect_fields(kw, store)
    for item in sets:
        if "=" not in item:
            raise click.UsageError(f"--set {item!r}: use FIELD=VALUE")
        k, v = item.split("=", 1)
        changes[k.strip()] = v
    if not changes:
        raise click.UsageError("nothing to change: give field options (e.g. --count 1200)")
    with open_cli_store(store) as st:
        before = st.get_event(event_id)
        ev = st.edit_event(
            event_id,
            changes,
            reason=reason,
            by=current_by(kw.get("by")),
            expected_revision=expected_revision,
        )
    if ev.revision == before.revision:
        echo_err(f"{event_id}: nothing changed (revision {ev.revision})")
    else:
        echo_err(f"{event_id}: revision {ev.revision}")
    _emit_event(ev, fmt)


def _delete_restore(name: str, doc: str) -> click.Command:
    @click.command(name, help=doc)
    @click.argument("event_id")
    @click.option("--reason", help="Why (kept in the history).")
    @click.option("--by", help="Who (default TRACKER_USER or the OS user).")
    @click.option("--expected-revision", type=int, help="Fail if the event changed meanwhile.")
    @store_option
    def cmd(
        event_id: str, reason: str | None, by: str | None, expected_revision: int | None, store: str
    ) -> None:
        with open_cli_store(store) as st:
            fn = st.delete_event if name == "delete" else st.restore_event
            ev = fn(event_id, reason=reason, by=current_by(by), expected_revision=expected_revision)
        verb = "deleted (restore with `tracker restore`)" if name == "delete" else "restored"
        echo_err(f"{event_id}: {verb}, revision {ev.revision}")

    return cmd


delete_cmd = _delete_restore(
    "delete",
    "Soft-delete an event (kept in the store and its history; reversible).\n\n"
    "\b\nExample:\n  tracker delete evt_1a2b --reason duplicate",
)
restore_cmd = _delete_restore(
    "restore",
    "Undo a delete.\n\n\b\nExample:\n  tracker restore evt_1a2b --reason 'not a duplicate'",
)


# --------------------------------------------------------------------------- query / show


@click.command("query")
@filter_options
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["table", "json", "csv", "geojson"]),
    default=None,
    help="Output format (default: table on a terminal, json otherwise).",
)
@click.option(
    "--collapse",
    is_flag=True,
    help="One row per happening (events linked by `tracker cluster`/`link`), with report "
    "and outlet counts and each claimant's figure.",
)
@store_option
def query_cmd(store: str, fmt: str | None, collapse: bool, **kw: Any) -> None:
    """List events matching every filter, ordered by date, then id.

    \b
    Examples:
      tracker query --region "Primorsky Krai" --from 2024-10-01 --to 2024-10-31
      tracker query --near Vladivostok --within 300km --status claimed,confirmed --format csv
      tracker query --bbox 30,44,60,56 --actor "north korean" --type movement
      tracker query --collapse --actor "north korean"
    """
    flt = build_filter_from_options(store=store, **kw)
    if collapse:  # issue 8: one row per happening
        from tracker.cli.links import COLLAPSE_COLUMNS, collapse_rows

        if fmt == "geojson":
            raise click.UsageError("--collapse gives table, json or csv rows, not geojson")
        with open_cli_store(store) as st:
            rows = collapse_rows(st, flt)
        emit_rows(rows, fmt, COLLAPSE_COLUMNS)
        if (fmt or ("table" if sys.stdout.isatty() else "json")) == "table":
            echo_err(f"{len(rows)} happening(s)")
        return
    with open_cli_store(store) as st:
        events = st.query(flt)
        fmt = fmt or ("table" if sys.stdout.isatty() else "json")
        if fmt == "geojson":
            from tracker.exchange import export_meta, write_geojson

            write_geojson(events, sys.stdout, export_meta(st))
        elif fmt == "csv":
            from tracker.exchange import write_csv

            write_csv(events, sys.stdout, None)
        else:
            emit_rows([e.to_dict() for e in events], fmt, TABLE_COLUMNS)
    if fmt == "table":
        echo_err(f"{len(events)} event(s)")


@click.command("show")
@click.argument("event_id")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@store_option
def show_cmd(event_id: str, fmt: str, store: str) -> None:
    """Show an event, its report and its full revision history.

    \b
    Example:
      tracker show evt_1a2b
    """
    from tracker.cli.event_show import render_show

    with open_cli_store(store) as st:
        ev = st.get_event(event_id)
        report = st.get_report(ev.report_id) if ev.report_id else None
        hist = st.history(event_id)
        links = st.list_links(event_id, include_removed=True)
        happening = None
        if any(ln.active for ln in links):  # issue 8: every linked report, claimant, figure
            from tracker.cli.links import happening_json, happening_lines
            from tracker.cluster import happening_for_event

            detail = happening_for_event(st, event_id)
            happening = happening_json(detail) if fmt == "json" else happening_lines(detail)
    click.echo(render_show(ev, report, hist, links, fmt, happening=happening))


def register(cli: click.Group) -> None:
    """Add the event commands to the root group."""
    from tracker.cli.event_io import export_cmd, import_cmd

    for cmd in (
        init_cmd,
        add_cmd,
        query_cmd,
        import_cmd,
        show_cmd,
        edit_cmd,
        delete_cmd,
        restore_cmd,
        export_cmd,
    ):
        cli.add_command(cmd)
