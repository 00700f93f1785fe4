"""SQLite store parts beside events: place rules, links, integrity check and backup.

A mixin of :class:`tracker.store.sqlite.SQLiteStore` (kept apart to keep files small).
Imports: stdlib, tracker.model/errors, tracker.store.rules.
"""

from __future__ import annotations

import secrets
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from tracker.errors import StoreError, ValidationError
from tracker.model import Link, PlaceRule
from tracker.store import rules

PLACE_RULE_ACTIONS = ("place", "not_place")
_RULE_COLS = "id, name, action, place_id, context, created_by, created_at, note"
_LINK_COLS = (
    "id, event_a, event_b, reason, method, score, created_by, created_at, active, "
    "removed_by, removed_at, removed_reason"
)


def _link(row: Sequence[Any]) -> Link:
    vals = list(row)
    vals[8] = bool(vals[8])
    return Link(*vals)


class SQLiteExtras:
    """Place rules (issue 4), links (issue 8), ``check`` and ``backup``."""

    con: sqlite3.Connection
    location: str

    def transaction(self) -> AbstractContextManager[None]:  # pragma: no cover - overridden
        """Group writes into one transaction (provided by the store)."""
        raise NotImplementedError

    def _read(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover
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
        """Remember a correction (a :class:`PlaceRule`, or its name plus keywords).

        A rule for the same ``name`` and ``context`` is replaced. Returns the stored rule.
        """
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
                "DELETE FROM place_rules WHERE name = ? AND context = ?",
                (stored.name, stored.context),
            )
            self.con.execute(
                f"INSERT INTO place_rules ({_RULE_COLS}) VALUES (?,?,?,?,?,?,?,?)",
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
            cur = self.con.execute("DELETE FROM place_rules WHERE id = ?", (rule_id,))
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
        """Record that two events describe one happening; the events are not changed.

        An active link between the same pair is returned as is (idempotent).
        """
        from tracker.settings import current_user

        if event_a == event_b:
            msg = "cannot link an event to itself"
            raise ValidationError(msg, problems=[msg])
        a, b = sorted((event_a, event_b))
        with self.transaction():
            for eid in (a, b):
                if not self.con.execute("SELECT 1 FROM events WHERE id = ?", (eid,)).fetchone():
                    from tracker.errors import EventNotFoundError

                    raise EventNotFoundError(f"no event with id {eid!r}")
            row = self.con.execute(
                f"SELECT {_LINK_COLS} FROM links WHERE event_a = ? AND event_b = ? AND active = 1",
                (a, b),
            ).fetchone()
            if row:
                return _link(row)
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
            self.con.execute(
                f"INSERT INTO links ({_LINK_COLS}) VALUES (?,?,?,?,?,?,?,?,1,NULL,NULL,NULL)",
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
        return link

    def remove_link(self, link_id: str, *, reason: str, by: str | None = None) -> Link:
        """Deactivate a link (kept, with who/when/why it was removed); return it."""
        from tracker.settings import current_user

        with self.transaction():
            cur = self.con.execute(
                "UPDATE links SET active = 0, removed_by = ?, removed_at = ?, removed_reason = ? "
                "WHERE id = ? AND active = 1",
                (by or current_user(), rules.now_iso(), reason, link_id),
            )
            if cur.rowcount == 0:
                msg = f"no active link with id {link_id!r}; list them with list_links"
                raise StoreError(msg)
            row = self.con.execute(f"SELECT {_LINK_COLS} FROM links WHERE id = ?", (link_id,))
            return _link(row.fetchone())

    def list_links(
        self, event_id: str | None = None, *, include_removed: bool = False
    ) -> list[Link]:
        """Return links (of one event, or all), oldest first; removed ones on request."""
        where, params = [], []
        if event_id is not None:
            where.append("(event_a = ? OR event_b = ?)")
            params += [event_id, event_id]
        if not include_removed:
            where.append("active = 1")
        sql = f"SELECT {_LINK_COLS} FROM links"
        if where:
            sql += " WHERE " + " AND ".join(where)
        return [_link(r) for r in self._read(sql + " ORDER BY created_at, id", params)]

    # ------------------------------------------------------------------ integrity
    def check(self) -> list[str]:
        """Return every integrity problem found (empty when the store is sound).

        Checks SQLite's ``integrity_check``, both R*Trees against the events table
        (same rows, boxes containing the points), geometry against lon/lat, and that
        each event's revisions run 1..revision with a create first.
        """
        problems = [f"sqlite: {r[0]}" for r in self._read("PRAGMA integrity_check") if r[0] != "ok"]
        if problems:
            return problems
        problems += self._check_rtrees()
        problems += list(self._check_revisions())
        return problems

    def _check_rtrees(self) -> list[str]:
        out = []
        for name, sql in (
            (
                "events without their GeoPackage index entry",
                "SELECT count(*) FROM events e LEFT JOIN rtree_events_geom r ON r.id = e.fid "
                "WHERE e.geom IS NOT NULL AND (r.id IS NULL OR NOT (e.lon BETWEEN r.minx AND r.maxx "
                "AND e.lat BETWEEN r.miny AND r.maxy))",
            ),
            (
                "GeoPackage index entries without an event",
                "SELECT count(*) FROM rtree_events_geom r LEFT JOIN events e ON e.fid = r.id "
                "WHERE e.fid IS NULL OR e.geom IS NULL",
            ),
            (
                "events without their 3-D index entry",
                "SELECT count(*) FROM events e LEFT JOIN events_rtree3 r ON r.id = e.fid "
                "WHERE e.lon IS NOT NULL AND e.date_start IS NOT NULL AND (r.id IS NULL OR NOT "
                "(e.lon BETWEEN r.minx AND r.maxx AND e.lat BETWEEN r.miny AND r.maxy AND "
                "julianday(e.date_start) BETWEEN r.t0 AND r.t1))",
            ),
            (
                "3-D index entries without a dated, located event",
                "SELECT count(*) FROM events_rtree3 r LEFT JOIN events e ON e.fid = r.id "
                "WHERE e.fid IS NULL OR e.lon IS NULL OR e.date_start IS NULL",
            ),
            (
                "events whose span_class does not match their dates",
                "SELECT count(*) FROM events WHERE span_class IS NOT (CASE "
                "WHEN date_start IS NULL OR date_end IS NULL THEN NULL "
                "WHEN julianday(date_end) - julianday(date_start) <= 0 THEN 0 "
                "WHEN julianday(date_end) - julianday(date_start) <= 6 THEN 1 "
                "WHEN julianday(date_end) - julianday(date_start) <= 31 THEN 2 ELSE 3 END)",
            ),
            (
                "events whose geometry differs from lon/lat",
                "SELECT count(*) FROM events WHERE (geom IS NULL) != (lon IS NULL) OR "
                "(geom IS NOT NULL AND (ST_MinX(geom) != lon OR ST_MinY(geom) != lat))",
            ),
        ):
            n = self._read(sql)[0][0]
            if n:
                out.append(f"{name}: {n}")
        return out

    def _check_revisions(self) -> Iterator[str]:
        rows = self._read(
            "SELECT e.id, e.revision, r.c, r.lo, r.hi, r.first_action FROM events e LEFT JOIN "
            "(SELECT event_id, count(*) c, min(revision) lo, max(revision) hi, "
            " (SELECT action FROM revisions r2 WHERE r2.event_id = revisions.event_id "
            "  ORDER BY r2.revision LIMIT 1) first_action FROM revisions GROUP BY event_id) r "
            "ON r.event_id = e.id WHERE r.c IS NULL "
            "OR r.hi != e.revision OR r.c != r.hi - r.lo + 1 "
            "OR NOT (r.first_action = 'create' AND r.lo = 1 OR r.first_action = 'import') LIMIT 20"
        )
        for eid, rev, c, lo, hi, first in rows:
            yield (
                f"event {eid}: revision {rev} but history has {c or 0} entries "
                f"({lo}..{hi}, first {first!r})"
            )
        orphans = self._read(
            "SELECT count(DISTINCT event_id) FROM revisions WHERE event_id NOT IN "
            "(SELECT id FROM events)"
        )[0][0]
        if orphans:
            yield f"revisions of events that do not exist: {orphans} event ids"

    def backup(self, dest: str | Path) -> Path:
        """Copy the live store to ``dest`` with SQLite's online backup API (consistent).

        Raises :class:`StoreError` when ``dest`` exists (choose a new file name).
        """
        out = Path(dest)
        if out.exists():
            msg = f"{out} exists; choose a new backup file name"
            raise StoreError(msg)
        tmp = out.with_name(out.name + ".partial")
        tmp.unlink(missing_ok=True)
        dst = sqlite3.connect(str(tmp))
        try:
            self.con.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")
        except sqlite3.Error as err:
            dst.close()
            tmp.unlink(missing_ok=True)
            msg = f"backup to {out} failed: {err}"
            raise StoreError(msg) from err
        dst.close()
        tmp.replace(out)
        return out
