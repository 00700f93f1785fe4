"""Every exception tracker raises, in one place.

Each error subclasses :class:`TrackerError` and a builtin, so callers may catch either.
Messages say what was expected, what arrived and how to fix it. Only ``tracker.cli``
turns these into exit codes and printed messages. Imports: stdlib only.
"""

from __future__ import annotations


class TrackerError(Exception):
    """Base class of every error tracker raises on purpose."""


class ValidationError(TrackerError, ValueError):
    """Input (a flag, a field, a file row) is invalid; the message names it and the fix."""

    def __init__(self, msg: str, *, problems: list[str] | None = None) -> None:
        super().__init__(msg)
        self.problems = list(problems or [])


class DateError(ValidationError):
    """A date or date range cannot be parsed or is impossible (2024-02-30, end before start)."""


class GazetteerError(TrackerError, LookupError):
    """The gazetteer index is missing, stale, corrupt or cannot be built."""


class PlaceNotFoundError(GazetteerError):
    """No gazetteer place matches a name; ``suggestions`` holds the nearest spellings."""

    def __init__(self, msg: str, *, suggestions: list[str] | None = None) -> None:
        super().__init__(msg)
        self.suggestions = list(suggestions or [])


class AmbiguousPlaceError(GazetteerError):
    """Several places match a name equally well; ``candidates`` lists them."""

    def __init__(self, msg: str, *, candidates: list[object] | None = None) -> None:
        super().__init__(msg)
        self.candidates = list(candidates or [])


class ImportFileError(ValidationError):
    """A file given to an import command (GeoNames dump, boundaries, CSV, GeoJSON) is unusable."""


class StoreError(TrackerError, RuntimeError):
    """The event store cannot be opened, read or written."""


class NotATrackerStoreError(StoreError):
    """The file or database exists but is not a tracker store."""


class SchemaTooNewError(StoreError):
    """The store was written by a newer tracker (higher schema version)."""


class StoreCorruptError(StoreError):
    """The store fails an integrity check."""


class StoreBusyError(StoreError):
    """The store stayed locked by another writer past the busy timeout."""


class StoreReadOnlyError(StoreError):
    """The store cannot be written (read-only file or database, or no privilege)."""


class StoreFullError(StoreError):
    """The disk or the database's size limit is full; nothing was written."""


class EventNotFoundError(StoreError, LookupError):
    """No event has the given id (or it is deleted and the command needs a live one)."""


class ConflictError(StoreError):
    """An edit raced another edit of the same event (revision check failed)."""


class ConnectionFailedError(StoreError, ConnectionError):
    """A database server could not be reached or refused the login."""


class IngestError(TrackerError, ValueError):
    """A report could not be read or ingested (empty, binary, broken front matter...)."""


class RenderError(TrackerError, RuntimeError):
    """A map could not be built (missing assets, unwritable output path...)."""
