"""Event-file imports, optionally on two cores: a worker process reads, this one writes.

``open_import(path)`` returns an :class:`ImportSource`. By default the file is read whole in
this process (:func:`tracker.exchange.read_events_file`, then
:func:`tracker.exchange.import_events`). With ``pipeline=True`` (or ``None`` and a file of
``PIPELINE_MIN_BYTES`` or more: what ``tracker import`` asks for a file store) a worker
process reads it instead, with the same code (same problems,
same line and feature numbers), and, when the store offers it (``import_preparer(...,
remote=True)``), also builds the store's rows (SQLite's INSERT rows; for PostGIS only the
events' values, which its writer stamps), while this process writes earlier rows
(``bulk_import(..., remote=True)``): Python's parsing then runs on the second core while
the store writes (the GIL rules out a thread for this).

Everything is still one transaction. A bad row stops the writing (the rest of the file is
still read, so every bad row is listed) and the transaction is rolled back before the
error is raised, unless ``skip_invalid``. The cost: rows are stored in date order per
window (see the constants), not over the whole file, so the rows of a date window lie in
several runs on disk (a file within the first window is stored exactly as before); window
queries that read the rows pay a little for that (docs/store.md). Of an id repeated in one window the
earliest-dated row is kept, across windows the first window's. File problems found when
opening (missing file, unknown columns, broken JSON) raise before the caller opens the
store. Imports: stdlib, tracker.model/errors/settings/store/exchange.
"""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from tracker.errors import ImportFileError, ValidationError
from tracker.exchange import (
    CHUNK,
    IMPORT_SUFFIXES,
    ImportBatch,
    ImportResult,
    _date_order,
    bad_rows_error,
    geojson_features,
    import_events,
    iter_csv,
    iter_features,
    read_events_file,
)
from tracker.model import Event
from tracker.store import EventStore, gc_paused, rules

# The worker sends the file in windows, each sorted by date and written together: the
# first of WINDOW_ROWS rows (the writer starts after reading it), each next one
# WINDOW_GROWTH times bigger up to WINDOW_MAX. Measured at 1M events (bench.store CSV,
# dates in random file order), 7-day query (q4) against the whole file sorted, same
# conditions: 20 windows of 50,000: import 22,700/s, q4 +24 %; 6 windows from 100,000
# growing x1.25: 19,200/s, +13 %; 4 from 200,000 x1.5: 13,000/s (the writer waits).
WINDOW_ROWS = 50_000
WINDOW_GROWTH = 1.0
WINDOW_MAX = 500_000
READ_STEP = 10_000  # rows read between checks of the window's size
WRITE_SLICE = 50_000  # rows written between progress reports
QUEUE_MESSAGES = 1  # windows received ahead of the writer (the worker may have one more)
# ``pipeline=None`` (what ``tracker import`` asks for a file store) takes the worker from
# this file size on (about 5,000 rows). Measured with the bench CSV (tracker.gpkg, load ~1):
# 30,000 rows (one window) 17,000 -> 18,000/s; 120,000 rows 15,400 -> 22,200/s;
# 250,000 rows 14,000 -> 24,800/s.
PIPELINE_MIN_BYTES = 2_500_000


class ImportSource:
    """An events file opened for import; :meth:`run` writes it into a store.

    ``total`` is what the ``on_progress`` increments of :meth:`run` add up to (events for
    a file read whole, characters or features for one read by the worker); ``large``
    says whether a progress bar is worth showing.
    """

    total: int = 0
    large: bool = False

    def run(
        self,
        store: EventStore,
        *,
        by: str | None = None,
        reason: str | None = None,
        skip_invalid: bool = False,
        on_progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        """Write the file's events into ``store`` in one transaction (see the module doc)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the file (and the worker)."""

    def __enter__(self) -> ImportSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_import(
    path: str | Path, *, pipeline: bool | None = False, progress_min: int = 5000
) -> ImportSource:
    """Open an events file (``.csv``, ``.geojson``, ``.json``) for import.

    Parameters
    ----------
    path
        The file.
    pipeline
        Read it in a worker process while this one writes (faster, but rows are stored in
        date order per window, not over the whole file: see the module doc), else here;
        ``None``: the worker for files of ``PIPELINE_MIN_BYTES`` or more.
    progress_min
        A file read here is ``large`` from this many valid events on.

    Raises
    ------
    ImportFileError
        Unsupported type, missing file, not UTF-8, broken JSON or CSV, unknown or missing
        columns (for a large file, problems past its start are raised by :meth:`run`).
    """
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        raise ImportFileError(f"{p}: unsupported file type; give a .csv or .geojson file")
    try:
        size = p.stat().st_size
    except FileNotFoundError as err:
        raise ImportFileError(f"{p}: file not found") from err
    if pipeline is None:
        pipeline = size >= PIPELINE_MIN_BYTES
    if not pipeline or size == 0:
        return _WholeFile(read_events_file(p), progress_min)
    return _Worker(p, "csv" if suffix == ".csv" else "geojson")


class _WholeFile(ImportSource):
    def __init__(self, batch: ImportBatch, progress_min: int) -> None:
        self.batch = batch
        self.total = len(batch.events)
        self.large = self.total >= progress_min

    def run(
        self,
        store: EventStore,
        *,
        by: str | None = None,
        reason: str | None = None,
        skip_invalid: bool = False,
        on_progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        return import_events(
            store,
            self.batch,
            by=by,
            reason=reason,
            skip_invalid=skip_invalid,
            on_progress=on_progress,
        )


# --------------------------------------------------------------------------- worker side


def _work(conn: Any, path: str, kind: str, writer_end: Any = None) -> None:
    """Run the worker process: read, validate and prepare; send chunks; exit when done."""
    import gc

    if writer_end is not None:
        # A forked worker holds a copy of the writer's end of the pipe: close it, so that
        # the pipe breaks (and this process ends) when the writer dies, even by SIGKILL.
        writer_end.close()
    gc.disable()  # millions of acyclic objects; see store.gc_paused
    try:
        _serve(conn, path, kind)
    except (BrokenPipeError, EOFError, KeyboardInterrupt):
        pass  # the writer went away (error, kill): nothing to report to
    finally:
        conn.close()


def _chunks(path: str, kind: str, batch: ImportBatch) -> Iterator[int]:
    if kind == "csv":
        with open(path, encoding="utf-8-sig", newline="") as fh:
            yield from iter_csv(fh, path, batch, READ_STEP)
        return
    with open(path, encoding="utf-8") as fh:
        data = json.load(fh)
    feats = geojson_features(data, path)
    del data
    yield len(feats)  # the total, before any feature is read
    yield from iter_features(feats, batch, READ_STEP)


def _serve(conn: Any, path: str, kind: str) -> None:
    batch = ImportBatch()
    try:
        chunks = _chunks(path, kind, batch)
        if kind == "csv":
            total, done = os.path.getsize(path), next(chunks)
        else:
            total = next(chunks)
            done = next(chunks)
    except Exception as err:  # every error goes to the writer
        conn.send(("error", *_describe(err, path)))
        return
    conn.send(("ready", total))
    msg = conn.recv()
    if msg[0] != "go":
        return
    prepare, skip_invalid = msg[1], msg[2]
    sent: set[str] = set()
    last = 0
    bad = False  # a bad row seen: nothing will be written unless skip_invalid
    target = WINDOW_ROWS
    end = False
    while not end:
        try:
            while batch.rows < target:
                done = next(chunks)
        except StopIteration:
            end = True
        except Exception as err:
            conn.send(("error", *_describe(err, path)))
            return
        reports = [r for k, r in batch.reports.items() if k not in sent]
        sent.update(r.id for r in reports)
        events = batch.events
        try:
            bad = bad or bool(batch.problems)
            if bad and not skip_invalid:
                payload: list[Any] = []  # nothing will be written: skip the work
            else:
                payload = prepare(events) if prepare is not None else events
        except Exception as err:
            conn.send(("error", *_describe(err, path)))
            return
        conn.send(("rows", payload, batch.problems, batch.rows, reports, done - last, len(events)))
        last = done
        batch.events, batch.problems, batch.rows = [], [], 0
        target = min(int(target * WINDOW_GROWTH), WINDOW_MAX)
    conn.send(("done",))


def _describe(err: Exception, path: str) -> tuple[str, str, list[str]]:
    """Return (kind, message, problems) of a worker error, worded as read_events_file does."""
    if isinstance(err, ImportFileError):
        return "file", str(err), err.problems
    if isinstance(err, ValidationError):
        return "validation", str(err), err.problems
    if isinstance(err, FileNotFoundError):
        return "file", f"{path}: file not found", []
    if isinstance(err, UnicodeDecodeError):
        return "file", f"{path}: not UTF-8 text ({err.reason})", []
    if isinstance(err, json.JSONDecodeError):
        return "file", f"{path}: not valid JSON (line {err.lineno}: {err.msg})", []
    if isinstance(err, csv.Error):
        return "file", f"{path}: broken CSV ({err})", []
    return "file", f"{path}: import worker failed: {type(err).__name__}: {err}", []


def _raise(kind: str, msg: str, problems: list[str]) -> None:
    if kind == "validation":
        raise ValidationError(msg, problems=problems)
    raise ImportFileError(msg, problems=problems)


# --------------------------------------------------------------------------- writer side


class _Worker(ImportSource):
    def __init__(self, path: Path, kind: str) -> None:
        methods = multiprocessing.get_all_start_methods()
        # fork: the worker starts at once, without importing tracker again
        fork = "fork" in methods
        ctx: Any = multiprocessing.get_context("fork" if fork else "spawn")
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(
            target=_work,
            args=(child, str(path), kind, self.conn if fork else None),
            daemon=True,
            name="tracker-import",
        )
        self.proc.start()
        child.close()
        self.large = True
        self.stopping = False
        self.pump: threading.Thread | None = None
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=QUEUE_MESSAGES)
        try:
            msg = self._recv()
            if msg[0] == "error":
                _raise(*msg[1:])
            self.total = int(msg[1])
        except BaseException:
            self.close()
            raise

    def _recv(self) -> Any:
        try:
            return self.conn.recv()
        except (EOFError, OSError) as err:
            raise self._died() from err

    def _died(self) -> ImportFileError:
        self.proc.join(timeout=5)
        msg = f"the import worker ended unexpectedly (exit code {self.proc.exitcode})"
        return ImportFileError(msg)

    def _pump(self) -> None:
        """Thread: move the worker's messages into the queue as they come.

        The worker never waits for the writer (a pipe holds only 64 KiB) while SQLite,
        which releases the GIL, writes; unpickling is the only Python work here.
        """
        while True:
            try:
                msg = self.conn.recv()
            except (EOFError, OSError):
                msg = ("eof",)
            while not self.stopping:
                try:
                    self.queue.put(msg, timeout=0.2)
                    break
                except queue.Full:
                    continue
            if self.stopping or msg[0] in ("done", "error", "eof"):
                return

    def close(self) -> None:
        self.stopping = True
        if self.proc.is_alive():
            self.proc.terminate()  # our own worker, still reading: the import was abandoned
        self.proc.join()
        if self.pump is not None:
            self.pump.join()
        self.conn.close()

    def _messages(self) -> Iterator[tuple[Any, ...]]:
        self.pump = threading.Thread(target=self._pump, name="tracker-import-pump", daemon=True)
        self.pump.start()
        while True:
            msg = self.queue.get()
            if msg[0] == "done":
                return
            if msg[0] == "eof":
                raise self._died()
            if msg[0] == "error":
                _raise(*msg[1:])
            yield msg

    def run(
        self,
        store: EventStore,
        *,
        by: str | None = None,
        reason: str | None = None,
        skip_invalid: bool = False,
        on_progress: Callable[[int], None] | None = None,
    ) -> ImportResult:
        from tracker.settings import current_user

        who = by or current_user()
        at = rules.now_iso()
        preparer = getattr(store, "import_preparer", None)
        bulk = getattr(store, "bulk_import", None)
        rowwise = preparer is not None and bulk is not None
        prepare = preparer(by=who, at=at, remote=True) if preparer is not None and rowwise else None
        self.conn.send(("go", prepare, skip_invalid))
        problems: list[str] = []
        rows = valid = added = 0
        with gc_paused():
            if bulk is not None and prepare is not None:
                with bulk(by=who, at=at, reason=reason, remote=True) as writer:
                    for msg in self._messages():
                        rows, valid = rows + msg[3], valid + msg[6]
                        problems += msg[2]
                        if msg[4]:
                            store.add_reports(msg[4])  # type: ignore[attr-defined]
                        if problems and not skip_invalid:
                            _report(on_progress, msg[5])  # nothing will be written; read on
                        else:  # for every bad row
                            added += _write_window(writer, msg[1], msg[5], on_progress)
                    if problems and not skip_invalid:
                        raise bad_rows_error(problems, rows)  # rolls the transaction back
            else:
                with store.transaction():
                    for msg in self._messages():
                        rows, valid = rows + msg[3], valid + msg[6]
                        problems += msg[2]
                        for rep in msg[4]:
                            store.add_report(rep)
                        if not problems or skip_invalid:
                            added += _add_window(store, msg[1], who, reason)
                        _report(on_progress, msg[5])
                    if problems and not skip_invalid:
                        raise bad_rows_error(problems, rows)
        return ImportResult(
            rows=rows,
            added=added,
            already_present=valid - added,
            invalid=len(problems),
            problems=tuple(problems),
        )


def _report(on_progress: Callable[[int], None] | None, amount: int) -> None:
    if on_progress is not None and amount:
        on_progress(amount)


def _write_window(
    writer: Any, rows: list[Any], progress: int, on_progress: Callable[[int], None] | None
) -> int:
    """Write a window in slices (same order), sharing its progress out; return how many.

    A writer with a ``window`` method gets the whole window first (to finish preparing it).
    """
    prepare = getattr(writer, "window", None)
    if prepare is not None:
        rows = list(prepare(rows))
    added = reported = 0
    n = max(1, len(rows))
    for i in range(0, len(rows), WRITE_SLICE):
        added += writer.write(rows[i : i + WRITE_SLICE])
        share = progress * min(n, i + WRITE_SLICE) // n
        _report(on_progress, share - reported)
        reported = share
    _report(on_progress, progress - reported)
    return int(added)


def _add_window(store: EventStore, events: list[Event], by: str, reason: str | None) -> int:
    """Write one window of events through ``add_events``, in date order; return how many."""
    events.sort(key=_date_order)
    added = 0
    for i in range(0, len(events), CHUNK):
        added += len(store.add_events(events[i : i + CHUNK], by=by, reason=reason, preserve=True))
    return added


__all__ = ["WINDOW_MAX", "WINDOW_ROWS", "ImportSource", "open_import"]
