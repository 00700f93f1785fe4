"""PostGIS store part for reports: the source documents with their full text.

A mixin of :class:`tracker.store.postgis.PostGISStore`, the counterpart of the report
methods of :class:`tracker.store.sqlite.SQLiteStore` (same ids, same order).
Imports: psycopg, stdlib, tracker.model/errors, tracker.store.rules/pg_write.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any

import psycopg

from tracker.errors import ValidationError
from tracker.model import Report
from tracker.store import rules
from tracker.store.pg_write import NUL_MSG

_REPORT_COLS = (
    "id, text, title, publisher, url, published, retrieved, language, body_end, "
    "source_path, ingested_at"
)


class PostGISReports:
    """``add_report``, ``add_reports``, ``get_report``, ``find_report``, ``list_reports``."""

    con: psycopg.Connection[Any]

    def transaction(self) -> AbstractContextManager[None]:  # pragma: no cover - overridden
        """Group writes into one transaction (provided by the store)."""
        raise NotImplementedError

    def _read(self, query: str, params: Sequence[Any] = ()) -> list[Any]:  # pragma: no cover
        raise NotImplementedError

    def add_report(self, report: Report) -> bool:
        """Store a report unless its id is already there; return True when it was added."""
        rules.check_report(report)
        if "\x00" in report.text:
            msg = f"report {report.id[:12]}: {NUL_MSG}"
            raise ValidationError(msg, problems=[msg])
        with self.transaction():
            cur = self.con.execute(
                "INSERT INTO reports (id, title, publisher, url, published, retrieved, language, "
                "body_end, source_path, ingested_at, text) "
                "VALUES (%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s) ON CONFLICT (id) DO NOTHING",
                (
                    report.id,
                    report.title,
                    report.publisher,
                    report.url,
                    report.published,
                    report.retrieved,
                    report.language,
                    report.body_end,
                    report.source_path,
                    report.ingested_at or rules.now_iso(),
                    report.text,
                ),
            )
            return cur.rowcount > 0

    def add_reports(self, reports: Iterable[Report]) -> int:
        """Store many reports in one transaction (existing ids kept); return how many were new.

        Streams them with ``COPY`` into a temporary table, then inserts the new ones.
        """
        at = rules.now_iso()
        rows = []
        seen: set[str] = set()
        for r in reports:
            rules.check_report(r)
            if r.id in seen:  # the first of duplicates wins, as on SQLite
                continue
            seen.add(r.id)
            if "\x00" in r.text:
                msg = f"report {r.id[:12]}: {NUL_MSG}"
                raise ValidationError(msg, problems=[msg])
            rows.append(
                (
                    r.id,
                    r.title,
                    r.publisher,
                    r.url,
                    r.published,
                    r.retrieved,
                    r.language,
                    r.body_end,
                    r.source_path,
                    r.ingested_at or at,
                    r.text,
                )
            )
        if not rows:
            return 0
        cols = (
            "id, title, publisher, url, published, retrieved, language, body_end, source_path, "
            "ingested_at, text"
        )
        with self.transaction(), self.con.cursor() as cur:
            cur.execute(
                f"CREATE TEMP TABLE IF NOT EXISTS tracker_reports_in ON COMMIT DROP AS "
                f"SELECT {cols} FROM reports WITH NO DATA"
            )
            with cur.copy(f"COPY tracker_reports_in ({cols}) FROM STDIN") as cp:
                for row in rows:
                    cp.write_row(row)
            cur.execute(
                f"INSERT INTO reports ({cols}) SELECT {cols} FROM tracker_reports_in "
                "ON CONFLICT (id) DO NOTHING"
            )
            added = cur.rowcount
            cur.execute("TRUNCATE tracker_reports_in")
            return int(added)

    def get_report(self, report_id: str) -> Report | None:
        """Return the report with this id, or None."""
        rows = self._read(f"SELECT {_REPORT_COLS} FROM reports WHERE id = %s", (report_id,))
        return Report(*rows[0]) if rows else None

    def find_report(self, *, url: str) -> Report | None:
        """Return the earliest stored report with this URL (full texts before citations)."""
        rows = self._read(
            f"SELECT {_REPORT_COLS} FROM reports WHERE url = %s "
            "ORDER BY starts_with(text, 'source: '), ingested_at COLLATE \"C\", id LIMIT 1",
            (url,),
        )
        return Report(*rows[0]) if rows else None

    def list_reports(self) -> list[Report]:
        """Return every report, oldest first."""
        rows = self._read(
            f'SELECT {_REPORT_COLS} FROM reports ORDER BY ingested_at COLLATE "C", id'
        )
        return [Report(*r) for r in rows]
