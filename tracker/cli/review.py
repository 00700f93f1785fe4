"""``tracker review`` (accept / reject / edit pending events) and ``tracker rules``.

Registered by :mod:`tracker.cli.ingest`. Interactive review uses ``click.prompt`` only, so it
works on a terminal and when answers are piped through stdin.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from tracker.cli.common import echo_err, emit_rows, format_option, store_option
from tracker.model import EVENT_TYPES, ROLES, STATUSES
from tracker.textsafe import clean_terminal

RULE_COLUMNS = ("id", "name", "action", "place_id", "context", "created_by", "created_at", "note")


def _show(e: Any, i: int, n: int) -> None:
    from tracker.cli.ingest import event_row

    r = event_row(e)
    where = f"{r['place']} ({e.place_id}, {e.geo_precision})" if e.place_id else r["place"]
    lines = [
        f"[{i}/{n}] {e.id}  {e.event_type}  {e.role}  {where}",
        f"  dates {r['dates']} ({e.date_precision}; as written: {e.date_text or '-'})",
        f"  count {r['count'] or '-'}  actor {e.actor or '-'}  unit {e.unit or '-'}",
        f"  claimed by {e.claimed_by or '-'}  status {e.status}  confidence {e.confidence}",
        f"  evidence: {e.evidence or ''}",
    ]
    if e.notes:
        lines.append(f"  notes: {e.notes}")
    for line in lines:
        click.echo(clean_terminal(line, keep_newlines=False))


def _pick_place(gz: Any, answer: str) -> Any:
    """Return the place an analyst typed (an id, or a name with a numbered choice)."""
    if ":" in answer:
        p = gz.get(answer)
        if p is None:
            raise click.BadParameter(f"no gazetteer place has id {answer!r}")
        return p
    found = gz.search(answer, limit=6)
    if not found:
        raise click.BadParameter(
            f"no place called {answer!r}; try another spelling or a place id (geonames:...)"
        )
    if len(found) == 1:
        return found[0]
    for k, p in enumerate(found, 1):
        click.echo(
            clean_terminal(
                f"  {k}. {p.name} ({p.kind}, {p.country_code or '-'}, {p.admin1_code or '-'}) {p.id}",
                keep_newlines=False,
            )
        )
    k = click.prompt("Which one", type=click.IntRange(1, len(found)), default=1)
    return found[k - 1]


def _edit(st: Any, e: Any, by: str, gp_box: list[Any]) -> dict[str, Any]:
    """Prompt for each field; return the changes (place changes also store a rule)."""
    from tracker.dates import parse_date_arg
    from tracker.ingest import make_geoparser, place_changes, remember_correction

    changes: dict[str, Any] = {}
    cur_place = e.place_name or "-"
    answer = click.prompt(
        "Place (name, place id, or '-' for not a place)", default=cur_place
    ).strip()
    if answer != cur_place:
        if not gp_box:
            gp_box.append(make_geoparser(st))
        gp = gp_box[0]
        new_place = None if answer == "-" else _pick_place(gp.gazetteer, answer)
        changes.update(place_changes(new_place))
        if e.place_id is not None:
            rule = remember_correction(st, e, new_place, gp, by=by)
            where = f" in reports about {rule.context}" if rule.context else ""
            target = rule.place_id if rule.action == "place" else "not a place"
            click.echo(clean_terminal(f"  remembered: {rule.name!r} -> {target}{where}"))
    role = click.prompt("Role", type=click.Choice(ROLES), default=e.role)
    etype = click.prompt("Event type", type=click.Choice(EVENT_TYPES), default=e.event_type)
    cur_dates = "" if e.date_start is None else f"{e.date_start}/{e.date_end}"
    dates = click.prompt("Dates (YYYY-MM-DD[/YYYY-MM-DD], '-' unknown)", default=cur_dates or "-")
    count = click.prompt("Count ('-' none)", default=str(e.count) if e.count is not None else "-")
    status = click.prompt("Status", type=click.Choice(STATUSES), default=e.status)
    claimed = click.prompt("Claimed by", default=e.claimed_by or "-")
    if role != e.role:
        changes["role"] = role
    if etype != e.event_type:
        changes["event_type"] = etype
    if dates != (cur_dates or "-"):
        if dates.strip() == "-":
            changes.update(date_start=None, date_end=None, date_precision="unknown")
        else:
            span = parse_date_arg(dates)
            changes.update(date_start=span.start, date_end=span.end, date_precision=span.precision)
    new_count = None if count.strip() == "-" else int(count.replace(",", ""))
    if new_count != e.count:
        changes["count"] = new_count
    if status != e.status:
        changes["status"] = status
    if claimed != (e.claimed_by or "-"):
        changes["claimed_by"] = None if claimed == "-" else claimed
    return changes


@click.command("review")
@click.argument("ids", nargs=-1)
@click.option("--accept", "action", flag_value="accept", help="Accept the events IDS.")
@click.option("--reject", "action", flag_value="reject", help="Reject the events IDS.")
@click.option("--list", "action", flag_value="list", help="List pending events (or IDS).")
@click.option("--reason", help="Why (kept in each event's history).")
@click.option("--by", "by", help="Reviewer (default: TRACKER_USER or the OS user).")
@store_option
@format_option(("table", "json", "jsonl", "csv"))
def review_cmd(
    ids: tuple[str, ...],
    action: str | None,
    reason: str | None,
    by: str | None,
    store: str,
    fmt: str | None,
) -> None:
    """Accept, reject or edit the events ingestion proposed (review_state=pending).

    Without --accept/--reject/--list it asks about each pending event (or each of IDS):
    [a]ccept, [r]eject, [e]dit (then accepted), [s]kip, [q]uit. Changing a place in an edit
    (another namesake, or '-' for "not a place") is remembered as a place rule, so later
    reports with that name about the same country get the corrected answer (see
    `tracker rules list`).

    \b
    Example:
      tracker review
      tracker review --list
      tracker review --accept evt_1a2b3c evt_4d5e6f --reason "matches NIS statement"
      tracker review --reject evt_789abc
    """
    from tracker.cli.ingest import INGEST_COLUMNS, event_row
    from tracker.errors import TrackerError
    from tracker.model import EventFilter
    from tracker.settings import current_user
    from tracker.store import open_store

    who = by or current_user()
    with open_store(store, create=False) as st:
        if action in ("accept", "reject"):
            if not ids:
                raise click.UsageError(
                    f"--{action} needs event ids: tracker review --{action} ID..."
                )
            state = "accepted" if action == "accept" else "rejected"
            bad = 0
            for i in ids:
                try:
                    st.edit_event(
                        i, {"review_state": state}, reason=reason or f"review: {state}", by=who
                    )
                    echo_err(f"{i}: {state}")
                except TrackerError as err:
                    bad += 1
                    echo_err(f"Error: {i}: {err}")
            if bad:
                sys.exit(1)
            return
        flt = EventFilter(review_states=() if ids else ("pending",), ids=tuple(ids))
        events = st.query(flt)
        if action == "list":
            emit_rows([event_row(e) for e in events], fmt, INGEST_COLUMNS)
            return
        if not events:
            echo_err("Nothing to review: no pending events.")
            return
        done = {"accepted": 0, "rejected": 0, "edited": 0, "skipped": 0}
        gp_box: list[Any] = []
        for k, e in enumerate(events, 1):
            _show(e, k, len(events))
            try:
                choice = click.prompt(
                    "[a]ccept, [r]eject, [e]dit, [s]kip, [q]uit",
                    type=click.Choice(["a", "r", "e", "s", "q"]),
                    default="s",
                    show_choices=False,
                )
                if choice == "q":
                    break
                if choice == "s":
                    done["skipped"] += 1
                    continue
                if choice in ("a", "r"):
                    state = "accepted" if choice == "a" else "rejected"
                    st.edit_event(
                        e.id, {"review_state": state}, reason=reason or f"review: {state}", by=who
                    )
                    done[state] += 1
                    continue
                changes = _edit(st, e, who, gp_box)
                changes["review_state"] = "accepted"
                st.edit_event(e.id, changes, reason=reason or "review: edited", by=who)
                done["edited"] += 1
            except click.exceptions.Abort:
                echo_err("(end of input)")
                break
        echo_err(", ".join(f"{v} {k}" for k, v in done.items()))


@click.group("rules")
def rules_group() -> None:
    """Remembered place corrections used by the geoparser (made by review, or by hand).

    \b
    Example:
      tracker rules list
      tracker rules add Georgia --place-id iso3166-2:US-GA --context US
      tracker rules add Marines --not-place
      tracker rules delete rule_0123abcd
    """


@rules_group.command("list")
@store_option
@format_option(("table", "json", "jsonl", "csv"))
def rules_list(store: str, fmt: str | None) -> None:
    """List the place rules.

    \b
    Example:
      tracker rules list --format json
    """
    from tracker.store import open_store

    with open_store(store, create=False) as st:
        rows = [_rule_row(r) for r in st.list_place_rules()]
    emit_rows(rows, fmt, RULE_COLUMNS)


def _rule_row(r: Any) -> dict[str, Any]:
    return {c: getattr(r, c) for c in RULE_COLUMNS}


@rules_group.command("add")
@click.argument("name")
@click.option("--place-id", help="The gazetteer id NAME should resolve to (tracker places search).")
@click.option("--not-place", is_flag=True, help="NAME is never a place.")
@click.option(
    "--context", default="", help="Only in reports about this country (ISO code, e.g. US)."
)
@click.option("--note", help="Why.")
@click.option("--by", "by", help="Who (default: TRACKER_USER or the OS user).")
@store_option
def rules_add(
    name: str,
    place_id: str | None,
    not_place: bool,
    context: str,
    note: str | None,
    by: str | None,
    store: str,
) -> None:
    """Add (or replace) a place rule.

    \b
    Example:
      tracker rules add Georgia --place-id iso3166-2:US-GA --context US
    """
    from tracker.settings import current_user
    from tracker.store import open_store

    if not_place == bool(place_id):
        raise click.UsageError("give exactly one of --place-id ID or --not-place")
    if place_id:
        _check_place_id(place_id, store)
    with open_store(store, create=True) as st:
        rule = st.add_place_rule(
            name,
            action="not_place" if not_place else "place",
            place_id=place_id,
            context=context.upper(),
            by=by or current_user(),
            note=note,
        )
    click.echo(rule.id)


def _check_place_id(place_id: str, store: str) -> None:
    """Refuse a rule to an id the gazetteer (and a server store's team places) lacks.

    The geoparser ignores a rule whose place it cannot find, so an unchecked typo would be
    stored and silently do nothing.
    """
    from tracker.query import open_gazetteer

    if open_gazetteer(store).get(place_id) is None:
        raise click.BadParameter(
            f"no gazetteer place has id {place_id!r}; find ids with "
            "`tracker places search NAME` (e.g. geonames:2013348, iso3166-2:RU-PRI, country:RU)",
            param_hint="'--place-id'",
        )


@rules_group.command("delete")
@click.argument("rule_ids", nargs=-1, required=True)
@store_option
def rules_delete(rule_ids: tuple[str, ...], store: str) -> None:
    """Delete place rules by id.

    \b
    Example:
      tracker rules delete rule_0123abcd
    """
    from tracker.store import open_store

    missing = 0
    with open_store(store, create=False) as st:
        for rid in rule_ids:
            if st.delete_place_rule(rid):
                echo_err(f"{rid}: deleted")
            else:
                missing += 1
                echo_err(f"Error: no place rule has id {rid!r} (see tracker rules list)")
    if missing:
        sys.exit(1)
