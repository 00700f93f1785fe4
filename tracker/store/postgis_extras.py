"""PostGIS store parts beside events: place rules, links, custom places and the integrity check.

A mixin of :class:`tracker.store.postgis.PostGISStore`, the counterpart of
:mod:`tracker.store.sqlite_extras` with the same behaviour and ordering (text sorts with
``COLLATE "C"``, i.e. by code point, as Python and SQLite do). Imports: psycopg, stdlib,
tracker.model/errors/settings, tracker.store.rules.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tracker.errors import EventNotFoundError, StoreError, ValidationError
from tracker.model import Link, Place, PlaceRule
from tracker.store import rules

PLACE_RULE_ACTIONS = ("place", "not_place")
_RULE_COLS = "id, name, action, place_id, context, created_by, created_at, note"
_LINK_COLS = (
    "id, event_a, event_b, reason, method, score, created_by, created_at, active, "
    "removed_by, removed_at, removed_reason"
)
_PLACE_COLS = (
    "id, name, kind, country_code, admin1_code, lon, lat, aliases, created_by, created_at, note"
)


class PostGISExtras:
    """Place rules (issue 4), links (issue 8), custom places (a team's gazetteer), ``check``."""

    con: psycopg.Connection[Any]
    location: str

    def transaction(self) -> AbstractContextManager[None]:  # pragma: no cover - overridden
        """Group writes into one transaction (provided by the store)."""
        raise NotImplementedError

    def _read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------------ place rules
    def list_place_rules(self) -> list[PlaceRule]:
        """Return every remembered geoparser correction, by name then context."""
        rows = self._read(f"SELECT {_RULE_COLS} FROM place_rules ORDER BY name, context, id")
        return [PlaceRule(*r) for r in rows]

    def add_place_rule(
        self,
        rule: PlaceRule | str,
        *,
        action: str = "place",
        place_id: str | None = None,
        context: str = "",
        by: str | None = None,
        note: str | None = None,
    ) -> PlaceRule:
        """Remember a correction; a rule for the same ``name`` and ``context`` is replaced."""
        from tracker.settings import current_user

        if isinstance(rule, str):
            rule = PlaceRule(
                id="", name=rule, action=action, place_id=place_id, context=context, note=note
            )
        problems = []
        if not rule.name or not rule.name.strip():
            problems.append("name: must not be empty")
        if rule.action not in PLACE_RULE_ACTIONS:
            problems.append(
                f"action: {rule.action!r} is not one of {', '.join(PLACE_RULE_ACTIONS)}"
            )
        if rule.action == "place" and not rule.place_id:
            problems.append("place_id: a 'place' rule needs the place id it resolves to")
        if problems:
            raise ValidationError("invalid place rule: " + "; ".join(problems), problems=problems)
        stored = PlaceRule(
            id=rule.id or "rule_" + secrets.token_hex(8),
            name=rule.name,
            action=rule.action,
            place_id=rule.place_id if rule.action == "place" else None,
            context=rule.context or "",
            created_by=rule.created_by or by or current_user(),
            created_at=rule.created_at or rules.now_iso(),
            note=rule.note,
        )
        with self.transaction():
            self.con.execute(
                "DELETE FROM place_rules WHERE name = %s AND context = %s",
                (stored.name, stored.context),
            )
            self.con.execute(
                f"INSERT INTO place_rules ({_RULE_COLS}) VALUES (%s,%s,%s,%s,%s,%s,%s,%s)",
                (
                    stored.id,
                    stored.name,
                    stored.action,
                    stored.place_id,
                    stored.context,
                    stored.created_by,
                    stored.created_at,
                    stored.note,
                ),
            )
        return stored

    def delete_place_rule(self, rule_id: str) -> bool:
        """Forget a rule by id; return whether one was deleted."""
        with self.transaction():
            cur = self.con.execute("DELETE FROM place_rules WHERE id = %s", (rule_id,))
            return cur.rowcount > 0

    # ------------------------------------------------------------------ links
    def add_link(
        self,
        event_a: str,
        event_b: str,
        *,
        reason: str,
        by: str | None = None,
        method: str = "manual",
        score: float | None = None,
    ) -> Link:
        """Record that two events describe one happening (idempotent for an active pair)."""
        from tracker.settings import current_user

        if event_a == event_b:
            msg = "cannot link an event to itself"
            raise ValidationError(msg, problems=[msg])
        a, b = sorted((event_a, event_b))
        with self.transaction():
            for eid in (a, b):
                if not self.con.execute("SELECT 1 FROM events WHERE id = %s", (eid,)).fetchone():
                    raise EventNotFoundError(f"no event with id {eid!r}")
            link = Link(
                id="lnk_" + secrets.token_hex(10),
                event_a=a,
                event_b=b,
                reason=reason,
                method=method,
                score=score,
                created_by=by or current_user(),
                created_at=rules.now_iso(),
            )
            # The partial unique index on active pairs makes a concurrent duplicate a no-op.
            cur = self.con.execute(
                f"INSERT INTO links ({_LINK_COLS}) VALUES "
                "(%s,%s,%s,%s,%s,%s,%s,%s,true,NULL,NULL,NULL) "
                "ON CONFLICT (event_a, event_b) WHERE active DO NOTHING",
                (
                    link.id,
                    link.event_a,
                    link.event_b,
                    link.reason,
                    link.method,
                    link.score,
                    link.created_by,
                    link.created_at,
                ),
            )
            if cur.rowcount == 0:
                row = self.con.execute(
                    f"SELECT {_LINK_COLS} FROM links WHERE event_a = %s AND event_b = %s "
                    "AND active",
                    (a, b),
                ).fetchone()
                if row:
                    return Link(*row)
        return link

    def remove_link(self, link_id: str, *, reason: str, by: str | None = None) -> Link:
        """Deactivate a link (kept, with who/when/why it was removed); return it."""
        from tracker.settings import current_user

        with self.transaction():
            row = self.con.execute(
                "UPDATE links SET active = false, removed_by = %s, removed_at = %s, "
                f"removed_reason = %s WHERE id = %s AND active RETURNING {_LINK_COLS}",
                (by or current_user(), rules.now_iso(), reason, link_id),
            ).fetchone()
            if row is None:
                msg = f"no active link with id {link_id!r}; list them with list_links"
                raise StoreError(msg)
            return Link(*row)

    def list_links(
        self, event_id: str | None = None, *, include_removed: bool = False
    ) -> list[Link]:
        """Return links (of one event, or all), oldest first; removed ones on request."""
        where: list[str] = []
        params: list[Any] = []
        if event_id is not None:
            where.append("(event_a = %s OR event_b = %s)")
            params += [event_id, event_id]
        if not include_removed:
            where.append("active")
        query = f"SELECT {_LINK_COLS} FROM links"
        if where:
            query += " WHERE " + " AND ".join(where)
        rows = self._read(query + ' ORDER BY created_at COLLATE "C", id', params)
        return [Link(*r) for r in rows]

    # ------------------------------------------------------------------ custom places
    def list_custom_places(self) -> list[Place]:
        """Return the team's custom places (shared gazetteer additions), by id."""
        rows = self._read(f"SELECT {_PLACE_COLS} FROM custom_places ORDER BY id")
        return [
            Place(
                id=r[0],
                name=r[1],
                kind=r[2],
                country_code=r[3],
                admin1_code=r[4],
                lon=r[5],
                lat=r[6],
                matched_alias=None,
            )
            for r in rows
        ]

    def custom_place_aliases(self) -> dict[str, list[str]]:
        """Return each custom place's aliases by place id."""
        return {r[0]: list(r[1]) for r in self._read("SELECT id, aliases FROM custom_places")}

    def add_custom_place(
        self, place: Place, *, aliases: Sequence[str] = (), by: str | None = None
    ) -> Place:
        """Store (or replace) a custom place so every analyst of the store sees it."""
        from tracker.settings import current_user

        problems = []
        if not place.id or not place.name or not place.name.strip():
            problems.append("a custom place needs an id and a name")
        if (place.lon is None) != (place.lat is None):
            problems.append("lon/lat: give both or neither")
        elif (
            place.lon is not None
            and place.lat is not None
            and not (-180 <= place.lon <= 180 and -90 <= place.lat <= 90)
        ):
            problems.append(f"coordinates out of range: {place.lon}, {place.lat}")
        if problems:
            raise ValidationError("invalid custom place: " + "; ".join(problems), problems=problems)
        with self.transaction():
            self.con.execute(
                f"INSERT INTO custom_places ({_PLACE_COLS}) VALUES "
                "(%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,NULL) ON CONFLICT (id) DO UPDATE SET "
                "name = excluded.name, kind = excluded.kind, country_code = excluded.country_code, "
                "admin1_code = excluded.admin1_code, lon = excluded.lon, lat = excluded.lat, "
                "aliases = excluded.aliases",
                (
                    place.id,
                    place.name,
                    place.kind or "custom",
                    place.country_code,
                    place.admin1_code,
                    place.lon,
                    place.lat,
                    Jsonb(list(aliases)),
                    by or current_user(),
                    rules.now_iso(),
                ),
            )
        return place

    def delete_custom_place(self, place_id: str) -> bool:
        """Remove a custom place; return whether one was removed."""
        with self.transaction():
            cur = self.con.execute("DELETE FROM custom_places WHERE id = %s", (place_id,))
            return cur.rowcount > 0

    # ------------------------------------------------------------------ integrity
    def check(self) -> list[str]:
        """Return every integrity problem found (empty when the store is sound).

        Checks that the indexes are valid, that geometry and date ranges follow lon/lat and
        the dates, and that each event's revisions run 1..revision with a create first.
        """
        problems: list[str] = []
        for (name,) in self._read(
            "SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "JOIN pg_class t ON t.oid = i.indrelid "
            "WHERE t.relnamespace = current_schema()::regnamespace "
            "AND NOT (i.indisvalid AND i.indisready)"
        ):
            problems.append(f"index {name} is not valid: REINDEX INDEX {name}")
        for label, query in (
            (
                "events whose geometry differs from lon/lat",
                "SELECT count(*) FROM events WHERE (geom IS NULL) != (lon IS NULL) OR "
                "(geom IS NOT NULL AND (ST_X(geom) != lon OR ST_Y(geom) != lat))",
            ),
            (
                "events whose date range differs from their dates",
                "SELECT count(*) FROM events WHERE (days IS NULL) != (date_start IS NULL) OR "
                "(days IS NOT NULL AND (lower(days) != date_start OR upper(days) - 1 != date_end))",
            ),
        ):
            n = self._read(query)[0][0]
            if n:
                problems.append(f"{label}: {n}")
        problems += list(self._check_revisions())
        return problems

    def _check_revisions(self) -> Iterator[str]:
        rows = self._read(
            "SELECT e.id, e.revision, r.c, r.lo, r.hi, r.first_action FROM events e LEFT JOIN "
            "(SELECT event_id, count(*) c, min(revision) lo, max(revision) hi, "
            " (array_agg(action ORDER BY revision))[1] first_action "
            " FROM revisions GROUP BY event_id) r ON r.event_id = e.id "
            "WHERE r.c IS NULL OR r.hi != e.revision OR r.c != r.hi - r.lo + 1 "
            "OR NOT (r.first_action = 'create' AND r.lo = 1 OR r.first_action = 'import') "
            "ORDER BY e.id LIMIT 20"
        )
        for eid, rev, c, lo, hi, first in rows:
            yield (
                f"event {eid}: revision {rev} but history has {c or 0} entries "
                f"({lo}..{hi}, first {first!r})"
            )
        orphans = self._read(
            "SELECT count(DISTINCT event_id) FROM revisions r WHERE NOT EXISTS "
            "(SELECT 1 FROM events e WHERE e.id = r.event_id)"
        )[0][0]
        if orphans:
            yield f"revisions of events that do not exist: {orphans} event ids"
