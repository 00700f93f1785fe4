"""PostGIS store part for changes: edit, soft delete, restore and the revision history.

A mixin of :class:`tracker.store.postgis.PostGISStore`. Nothing is overwritten: every
change is a new revision with who, when, why and the field diffs. The event's row is locked
for the transaction (``SELECT ... FOR UPDATE``), so two edits of one event serialise, and
an ``expected_revision`` that no longer holds raises :class:`ConflictError`.
Imports: psycopg, stdlib, tracker.model/errors/settings, tracker.store.rules/pg_write.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import replace
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from tracker.errors import ConflictError, EventNotFoundError, ValidationError
from tracker.model import Event, Revision
from tracker.store import rules
from tracker.store.pg_write import (
    NUL_MSG,
    SELECT_SQL,
    UPDATE_SQL,
    event_params,
    has_nul,
    row_to_event,
)

_UPDATE = UPDATE_SQL + " AND revision = %s"


class PostGISRevisions:
    """``edit_event``, ``delete_event``, ``restore_event`` and ``history``."""

    con: psycopg.Connection[Any]

    def transaction(self) -> AbstractContextManager[None]:  # pragma: no cover - overridden
        """Group writes into one transaction (provided by the store)."""
        raise NotImplementedError

    def _read(self, query: str, params: Any = ()) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def get_event(self, event_id: str) -> Event:  # pragma: no cover - provided by the store
        """Return an event (provided by the store)."""
        raise NotImplementedError

    def _current(self, event_id: str, expected_revision: int | None) -> Event:
        rows = self.con.execute(
            f"SELECT {SELECT_SQL} FROM events e WHERE e.id = %s FOR UPDATE", (event_id,)
        ).fetchall()
        if not rows:
            msg = f"no event with id {event_id!r}; list ids with `tracker query --format csv`"
            raise EventNotFoundError(msg)
        ev = row_to_event(rows[0])
        if expected_revision is not None and ev.revision != expected_revision:
            msg = (
                f"event {event_id} is at revision {ev.revision}, not {expected_revision}: "
                "someone else changed it; run `tracker show` and retry"
            )
            raise ConflictError(msg)
        return ev

    def _write_revision(
        self, old: Event, new: Event, action: str, reason: str | None, by: str
    ) -> Event:
        if has_nul(new):
            raise ValidationError(NUL_MSG, problems=[NUL_MSG])
        changes = rules.diff_events(old, new)
        at = rules.now_iso()
        stamped = replace(new, revision=old.revision + 1, updated_at=at)
        params = event_params(stamped)[1:]
        cur = self.con.execute(_UPDATE, [*params, stamped.id, old.revision])
        if cur.rowcount != 1:  # the row lock makes this unreachable; keep the guarantee
            msg = f"event {old.id} changed while being edited; run `tracker show` and retry"
            raise ConflictError(msg)
        self.con.execute(
            "INSERT INTO revisions (event_id, revision, action, changed_at, changed_by, reason, "
            "changes) VALUES (%s, %s, %s, %s, %s, %s, %s)",
            (
                stamped.id,
                stamped.revision,
                action,
                at,
                by,
                reason,
                Jsonb([list(c) for c in changes]),
            ),
        )
        return stamped

    def edit_event(
        self,
        event_id: str,
        changes: Mapping[str, Any],
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Change fields of a live event as a new revision; return the new event.

        The row is locked for the transaction, so two edits of one event serialise; with
        ``expected_revision`` the later one raises :class:`ConflictError` instead of
        applying on top. Also :class:`ValidationError`, :class:`EventNotFoundError`.
        An edit that changes nothing returns the event unchanged (no revision).
        """
        from tracker.settings import current_user

        with self.transaction():
            old = self._current(event_id, expected_revision)
            if old.deleted:
                msg = f"event {event_id} is deleted; `tracker restore {event_id}` first"
                raise ValidationError(msg, problems=[msg])
            new = rules.check_event(rules.apply_changes(old, changes))
            if not rules.diff_events(old, new):
                return old
            return self._write_revision(old, new, "edit", reason, by or current_user())

    def delete_event(
        self,
        event_id: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Soft-delete an event (a revision; reversible with :meth:`restore_event`)."""
        return self._set_deleted(event_id, True, reason, by, expected_revision)

    def restore_event(
        self,
        event_id: str,
        *,
        reason: str | None = None,
        by: str | None = None,
        expected_revision: int | None = None,
    ) -> Event:
        """Undo a soft delete (a revision)."""
        return self._set_deleted(event_id, False, reason, by, expected_revision)

    def _set_deleted(
        self, event_id: str, value: bool, reason: str | None, by: str | None, expected: int | None
    ) -> Event:
        from tracker.settings import current_user

        with self.transaction():
            old = self._current(event_id, expected)
            if old.deleted == value:
                state = "already deleted" if value else "not deleted"
                msg = f"event {event_id} is {state}; nothing to do"
                raise ValidationError(msg, problems=[msg])
            action = "delete" if value else "restore"
            return self._write_revision(
                old, replace(old, deleted=value), action, reason, by or current_user()
            )

    def history(self, event_id: str) -> list[Revision]:
        """Return every revision of an event, oldest first."""
        rows = self._read(
            "SELECT event_id, revision, action, changed_at, changed_by, reason, changes "
            "FROM revisions WHERE event_id = %s ORDER BY revision",
            (event_id,),
        )
        if not rows:
            self.get_event(event_id)  # raises the not-found error
        return [
            Revision(*r[:6], changes=tuple(tuple(c) for c in (r[6] or [])))  # type: ignore[misc]
            for r in rows
        ]
