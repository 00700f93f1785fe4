"""PostGIS backend specifics: same results as SQLite, clear errors, secrets, privileges, races.

The shared behaviour is covered by the conformance suite (tests/test_store.py runs on both
backends). Every test here needs a server: the ``pg_server`` fixture starts a throwaway
one, or skips with a how-to (fails under CI=true).
"""

from __future__ import annotations

import itertools
import os
import random
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from tests.conftest import ROOT, run_cli
from tests.pg_server import PgServer, with_database, with_password
from tracker.errors import (
    ConflictError,
    ConnectionFailedError,
    NotATrackerStoreError,
    SchemaTooNewError,
    StoreError,
    StoreReadOnlyError,
    ValidationError,
)
from tracker.model import REVIEW_STATES, Event, EventFilter, RegionFilter
from tracker.store import open_store
from tracker.store.pg_bulk import PgBulkImport
from tracker.store.pg_conn import redact_url
from tracker.store.pg_write import COLS_SQL, encode_rows

pytestmark = pytest.mark.postgis

READER_GRANTS = """
GRANT CONNECT ON DATABASE {db} TO {reader};
GRANT USAGE ON SCHEMA {schema} TO {reader};
GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO {reader};
"""
WRITER_GRANTS = """
GRANT CONNECT ON DATABASE {db} TO {writer};
GRANT USAGE ON SCHEMA {schema} TO {writer};
GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA {schema} TO {writer};
GRANT UPDATE ON {schema}.events, {schema}.links, {schema}.tracker_meta TO {writer};
GRANT DELETE ON {schema}.place_rules, {schema}.custom_places TO {writer};
GRANT INSERT, UPDATE ON {schema}.place_rules, {schema}.custom_places TO {writer};
GRANT USAGE ON ALL SEQUENCES IN SCHEMA {schema} TO {writer};
"""


def _schema_of(url: str) -> str:
    return url.split("search_path%3D", 1)[1].split("%2C", 1)[0]


def _random_events(n: int, seed: int) -> list[Event]:
    rng = random.Random(seed)
    day0 = date(2024, 1, 1)
    actors = ["North Korean special forces", "Straße unit", "STRASSE brigade", "Wagner", None]
    out = []
    for i in range(n):
        start = day0 + timedelta(days=rng.randrange(400)) if rng.random() > 0.1 else None
        dur = rng.choice([0, 0, 2, 9, 30, 31, 32, 45, 300])  # 31/32: the short/long split
        near_180 = rng.random() < 0.15
        lon = rng.uniform(178.0, 180.0) * rng.choice([1, -1]) if near_180 else rng.uniform(20, 140)
        has_point = rng.random() > 0.05
        coded = rng.random() < 0.5
        out.append(
            Event(
                id=f"evt_{seed}_{i:05d}",
                event_type=rng.choice(["movement", "training", "combat"]),
                date_start=start,
                date_end=start + timedelta(days=dur) if start else None,
                date_precision="range" if start else "unknown",
                lon=lon if has_point else None,
                lat=rng.uniform(40, 70) if has_point else None,
                place_id="geonames:1" if coded else None,
                country_code=rng.choice(["RU", "UA", "KP"]) if coded else None,
                admin1_code=rng.choice(["RU-PRI", "RU-KRS", "UA-59"]) if coded else None,
                actor=rng.choice(actors),
                claimed_by=rng.choice(["South Korea NIS", "HUR", None]),
                status=rng.choice(["claimed", "confirmed", "denied"]),
                review_state=rng.choice(["accepted", "accepted", "pending", "rejected"]),
                tags=tuple(rng.sample(["a", "b", "c"], rng.randrange(3))),
                source_publisher=rng.choice(["Yonhap", "TASS", "The Guardian"]),
                count=rng.choice([None, 1500, 3000]),
                confidence=rng.random(),
                created_by="t",
                created_at="2024-01-01T00:00:00.000000Z",
                updated_at="2024-01-01T00:00:00.000000Z",
                deleted=rng.random() < 0.05,
            )
        )
    return out


NEAR_CENTERS = ((179.9, 55.0), (60.0, 55.0), (131.9, 55.0))
RADII = (50e3, 300e3, 2e6)
POLY = "POLYGON((30 45, 60 42, 75 55, 50 68, 28 60, 30 45))"
WINDOW = (date(2024, 6, 10), date(2024, 6, 16))


def _boundary_events() -> list[Event]:
    """Events a hair inside, on and outside every radius and polygon edge used below."""
    from pyproj import Geod

    geod = Geod(ellps="WGS84")
    out = []
    for lon0, lat0 in NEAR_CENTERS:
        for r in RADII:
            for az in (0.0, 77.0, 200.0):
                for dr in (-0.01, 0.0, 0.01):
                    lon, lat, _ = geod.fwd(lon0, lat0, az, r + dr)
                    out.append((lon, lat))
    ring = [(30, 45), (60, 42), (75, 55), (50, 68), (28, 60), (30, 45)]
    for (x0, y0), (x1, y1) in itertools.pairwise(ring):
        for t in (0.25, 0.5):
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            out += [(x, y), (x + 1e-9, y), (x - 1e-9, y), (x0, y0)]
    out_events = []
    w0, w1 = WINDOW
    for dur in (0, 30, 31, 32, 33):
        for start in (
            w0 - timedelta(days=dur),
            w0 - timedelta(days=dur + 1),
            w1,
            w1 + timedelta(days=1),
        ):
            out_events.append(
                Event(
                    id=f"evt_win_{dur}_{start.isoformat()}",
                    date_start=start,
                    date_end=start + timedelta(days=dur),
                    date_precision="range",
                    source_url="u",
                    created_at="2024-01-01T00:00:00.000000Z",
                    updated_at="2024-01-01T00:00:00.000000Z",
                )
            )
    return out_events + [
        Event(
            id=f"evt_edge_{i:04d}",
            lon=(lon + 180) % 360 - 180,
            lat=lat,
            date_start=date(2024, 6, 1),
            date_end=date(2024, 6, 1),
            date_precision="day",
            source_url="u",
            created_at="2024-01-01T00:00:00.000000Z",
            updated_at="2024-01-01T00:00:00.000000Z",
        )
        for i, (lon, lat) in enumerate(out)
    ]


def _random_filters(rng: random.Random, k: int) -> list[EventFilter]:
    poly = POLY
    outline = "POLYGON((100 40, 140 40, 140 60, 100 60, 100 40))"
    region = RegionFilter(
        "mixed",
        "macro_region",
        admin1_codes=("RU-PRI",),
        country_codes=("UA",),
        outline_wkt=outline,
    )
    out = []
    for _ in range(k):
        w0 = date(2024, 1, 1) + timedelta(days=rng.randrange(400))
        kw: dict[str, Any] = {}
        if rng.random() < 0.6:
            kw["date_from"] = w0
            kw["date_to"] = w0 + timedelta(days=rng.choice([0, 7, 30, 90]))
        pick = rng.randrange(7)
        if pick == 0:
            w = rng.uniform(20, 120)
            kw["bbox"] = (w, rng.uniform(40, 55), w + rng.uniform(1, 30), rng.uniform(55, 70))
        elif pick == 1:
            kw["bbox"] = (179.0, 40.0, -179.0, 70.0)
        elif pick == 2:
            kw["near"] = (*rng.choice(NEAR_CENTERS), rng.choice(RADII))
        elif pick == 3:
            kw["polygon_wkt"] = poly
        elif pick == 4:
            kw["region"] = region
        elif pick == 5:
            kw["actor"] = rng.choice(["ss", "KOREAN", "straße"])
            kw["tags"] = ("a",)
        else:
            kw["statuses"] = ("claimed", "denied")
            kw["source"] = "guardian"
        if rng.random() < 0.2:
            kw["review_states"] = REVIEW_STATES
            kw["include_deleted"] = True
        if rng.random() < 0.2:
            kw["limit"] = rng.randrange(0, 30)
        out.append(EventFilter(**kw))
    return out


def test_results_identical_to_sqlite(postgis_url: str, tmp_path: Path) -> None:
    events = _random_events(900, seed=3) + _boundary_events()
    with (
        open_store(tmp_path / "ref.gpkg", create=True) as lite,
        open_store(postgis_url, create=True) as pg,
    ):
        lite.add_events(events, preserve=True)
        pg.add_events(events, preserve=True)
        rng = random.Random(11)
        nonempty = 0
        edge = [EventFilter(near=(*c, r)) for c in NEAR_CENTERS for r in RADII]
        edge.append(EventFilter(polygon_wkt=POLY))
        edge += [
            EventFilter(date_from=WINDOW[0], date_to=WINDOW[1]),
            EventFilter(date_from=WINDOW[0]),
            EventFilter(date_to=WINDOW[1]),
        ]
        for flt in [EventFilter(), *edge, *_random_filters(rng, 60)]:
            a, b = lite.query(flt), pg.query(flt)
            assert a == b, flt
            assert lite.query_ids(flt) == pg.query_ids(flt) == [e.id for e in a]
            nonempty += bool(a)
        assert nonempty > 40  # the filters really select something
        assert [e.id for e in pg.query(EventFilter(actor="ss"))] == [
            e.id for e in lite.query(EventFilter(actor="ss"))
        ]
        assert len(pg.query(EventFilter(actor="ss"))) > 0  # casefold: "Straße" matches "ss"


def test_schema_has_gist_on_geometry_and_dates(postgis_url: str) -> None:
    with open_store(postgis_url, create=True) as st:
        con: psycopg.Connection[Any] = st.con  # type: ignore[attr-defined]
        idx = dict(
            con.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'events'"
            ).fetchall()
        )
        assert "USING gist (geom, days)" in idx["events_geom_days"]
        col = con.execute(
            "SELECT type, srid FROM geometry_columns WHERE f_table_schema = current_schema() "
            "AND f_table_name = 'events'"
        ).fetchone()
        assert col == ("POINT", 4326)
        st.add_events(
            [Event(id=f"e{i}", lon=10.0 + i / 1000, lat=50.0, source_url="u") for i in range(50)]
        )
        con.execute("SET enable_seqscan = off")
        plan = "\n".join(
            r[0]
            for r in con.execute(
                "EXPLAIN SELECT id FROM events e WHERE e.geom && ST_MakeEnvelope(9,49,11,51,4326)"
            ).fetchall()
        )
        assert "events_geom_days" in plan


def _indexes_and_keys(con: psycopg.Connection[Any]) -> list[tuple[str, ...]]:
    idx = con.execute(
        "SELECT tablename, indexname, indexdef FROM pg_indexes "
        "WHERE schemaname = current_schema() ORDER BY 1, 2"
    ).fetchall()
    keys = con.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE connamespace = current_schema()::regnamespace ORDER BY 1, 2"
    ).fetchall()
    return [tuple(r) for r in idx + keys]


def test_bulk_load_rebuilds_every_index_and_key(postgis_url: str) -> None:
    with open_store(postgis_url, create=True) as st:
        con: psycopg.Connection[Any] = st.con  # type: ignore[attr-defined]
        fresh = _indexes_and_keys(con)
        st.add_events([Event(id=f"b{i}", lon=1.0, lat=2.0, source_url="u") for i in range(3000)])
        assert _indexes_and_keys(con) == fresh
        for again in (  # the keys hold again
            f"INSERT INTO events ({COLS_SQL}) SELECT {COLS_SQL} FROM events WHERE id = 'b1'",
            "INSERT INTO revisions (event_id, revision, action, changed_at, changed_by) "
            "VALUES ('b1', 1, 'x', 'y', 'z')",
        ):
            with pytest.raises(psycopg.errors.UniqueViolation):
                con.execute(again)
            con.rollback()
        # A failed bulk load rolls back the dropped keys with everything else.
        bad = [
            Event(id=f"c{i}", actor="x" if i < 2990 else "a\x00b", source_url="u")
            for i in range(3000)
        ]
        with pytest.raises(ValidationError, match="NUL"):
            st.add_events(bad)
        assert _indexes_and_keys(con) == fresh and st.count_events() == 3000


def _run_at_once(fn: Any, args: list[Any]) -> None:
    """Run ``fn(arg)`` for each arg in its own thread at once; fail on any thread's error."""
    errors: list[BaseException] = []

    def run(arg: Any) -> None:
        try:
            fn(arg)
        except BaseException as err:  # reported by the main thread
            errors.append(err)

    threads = [threading.Thread(target=run, args=(a,)) for a in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors


def test_two_big_writes_that_both_read_first_do_not_deadlock(postgis_url: str) -> None:
    # Both transactions hold a share lock on events (they read it) when their big write
    # asks for bulk mode's exclusive lock: waiting for it would be a deadlock.
    with open_store(postgis_url, create=True):
        pass
    barrier = threading.Barrier(2, timeout=30)

    def writer(k: int) -> None:
        with open_store(postgis_url) as st, st.transaction():
            st.count_events()
            barrier.wait()
            st.add_events(
                [Event(id=f"w{k}-{i}", lon=1, lat=2, source_url="u") for i in range(3000)]
            )

    _run_at_once(writer, [0, 1])
    with open_store(postgis_url) as st:
        assert st.count_events() == 6000
        assert len(set(st.query_ids())) == 6000


def test_imports_of_the_same_events_in_opposite_orders_do_not_deadlock(
    postgis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Same-day events are written in each file's own order across windows: without turns,
    # each import would wait for a row the other wrote first.
    from tracker import exchange
    from tracker.store import pg_write

    monkeypatch.setattr(exchange, "OVERLAP_CHUNK", 500)
    monkeypatch.setattr(pg_write, "BULK_MIN", 10**9)  # the ordinary path, next to others
    with open_store(postgis_url, create=True):
        pass
    day = date(2024, 1, 1)
    evs = [
        Event(id=f"o{i:05d}", lon=1.0, lat=2.0, date_start=day, source_url="u") for i in range(4000)
    ]

    def importer(order: list[Event]) -> None:
        with open_store(postgis_url) as st:
            exchange.import_events(st, exchange.ImportBatch(events=order), by="t")

    _run_at_once(importer, [evs, evs[::-1]])
    with open_store(postgis_url) as st:
        assert st.count_events() == 4000 and st.check() == []


def test_bulk_revision_rows_are_the_copy_text_psycopg_writes(postgis_url: str) -> None:
    # The import writes revision rows by joining ids onto one encoded tail; it must give
    # psycopg's own COPY text, and fall back to psycopg for an id that would need escaping.
    with open_store(postgis_url, create=True) as st:
        con: psycopg.Connection[Any] = st.con  # type: ignore[attr-defined]
        bulk = PgBulkImport(st, by="ana\tlyst", at="2024-10-18T00:00:00Z", reason="a\nb\\c")
        for ids in (["evt_1", "e.2:x-y"], ["bad\tid", "x"], ["two\nlines"], []):
            revs = list(range(1, len(ids) + 1))
            want = encode_rows(
                con, [(i, r, *bulk.rev_tail) for i, r in zip(ids, revs, strict=True)]
            )
            assert bulk._revision_text(ids, revs) == want


def test_nul_characters_are_refused_and_nothing_is_written(postgis_url: str) -> None:
    with open_store(postgis_url, create=True) as st:
        for n in (1, 300):  # one INSERT statement, and the COPY path
            batch = [Event(id=f"n{n}_{i}", actor="a\x00b", source_url="u") for i in range(n)]
            with pytest.raises(ValidationError, match="NUL"):
                st.add_events(batch)
        assert st.count_events() == 0
        st.add_events([Event(id="ok", source_url="u")])
        with pytest.raises(ValidationError, match="NUL"):
            st.edit_event("ok", {"notes": "x\x00"})
        assert st.get_event("ok").revision == 1


def test_connection_errors_are_clear_and_never_show_the_password(pg_server: PgServer) -> None:
    url = pg_server.url
    secret = "not-the-password-0xC0FFEE"
    wrong = with_password(url, secret)
    with pytest.raises(ConnectionFailedError) as e1:
        open_store(wrong)
    assert "refused the login" in str(e1.value) and secret not in str(e1.value)
    with pytest.raises(ConnectionFailedError, match=r"does not exist.*createdb"):
        open_store(with_database(url, "no_such_db_here"))
    with pytest.raises(ConnectionFailedError, match="down or unreachable") as e3:
        open_store(f"postgresql://ann:{secret}@127.0.0.1:1/x?connect_timeout=2")
    assert secret not in str(e3.value)
    assert redact_url(f"postgresql://ann:{secret}@h/db?password={secret}").count(secret) == 0


def test_postgis_missing_says_how_to_add_it(pg_server: PgServer) -> None:
    bare = pg_server.fresh_database_url(postgis=False)
    with pytest.raises(StoreError, match="CREATE EXTENSION postgis"):
        open_store(bare)  # no create: never changes the database
    user, pw = pg_server.create_role("nopriv")
    weak = with_password(bare.replace("postgres:", f"{user}:", 1), pw)
    with pytest.raises(StoreError, match=r"cannot add the PostGIS extension.*CREATE EXTENSION"):
        open_store(weak, create=True)
    with open_store(bare, create=True) as st:  # a superuser may add it
        assert st.schema_version() >= 1


def test_schema_newer_foreign_table_and_missing_store(pg_server: PgServer) -> None:
    url = pg_server.fresh_schema_url()
    with pytest.raises(StoreError, match="no tracker store"):
        open_store(url)
    with open_store(url, create=True) as st:
        st.con.execute("UPDATE tracker_meta SET value = '99' WHERE key = 'schema_version'")  # type: ignore[attr-defined]
    with pytest.raises(SchemaTooNewError, match=r"99.*upgrade tracker"):
        open_store(url)
    other = pg_server.fresh_schema_url()
    with psycopg.connect(other, autocommit=True) as con:
        con.execute("CREATE TABLE events (x int)")
    with pytest.raises(NotATrackerStoreError, match="search_path"):
        open_store(other, create=True)


def test_password_from_pgpassword_and_pgpassfile(
    pg_server: PgServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if pg_server.password is None:
        pytest.skip("needs the throwaway server (password known)")
    url = pg_server.fresh_schema_url()
    bare = with_password(url, None)
    monkeypatch.setenv("PGPASSWORD", pg_server.password)
    with open_store(bare, create=True) as st:
        assert pg_server.password not in st.location
    monkeypatch.delenv("PGPASSWORD")
    passfile = tmp_path / "pgpass"
    passfile.write_text(f"127.0.0.1:{pg_server.port}:*:postgres:{pg_server.password}\n")
    passfile.chmod(0o600)
    monkeypatch.setenv("PGPASSFILE", str(passfile))
    with open_store(bare) as st:
        assert st.schema_version() >= 1
    monkeypatch.setenv("PGPASSFILE", str(tmp_path / "none"))
    with pytest.raises(ConnectionFailedError, match="PGPASSWORD"):
        open_store(bare)


def test_cli_output_never_contains_the_password(pg_server: PgServer, tmp_path: Path) -> None:
    url = pg_server.fresh_schema_url()
    pw = pg_server.password or "\x00no password known"
    env = {"TRACKER_STORE": url, "TRACKER_DATA_DIR": str(tmp_path)}
    runs = [
        run_cli("init", env=env, cwd=tmp_path),
        run_cli(
            "add",
            "--lon",
            "131.9",
            "--lat",
            "43.1",
            "--date",
            "2024-10",
            "--source",
            "NIS",
            env=env,
            cwd=tmp_path,
        ),
        run_cli("-vv", "query", "--format", "csv", env=env, cwd=tmp_path),
        run_cli("check", env=env, cwd=tmp_path),
    ]
    for r in runs:
        assert r.returncode == 0, r.stderr
        assert pw not in r.stdout + r.stderr
    assert "NIS" in runs[2].stdout
    bad = run_cli(
        "query", env={**env, "TRACKER_STORE": with_password(url, "Wr0ngSecret")}, cwd=tmp_path
    )
    assert bad.returncode == 1 and "refused the login" in bad.stderr
    assert "Wr0ngSecret" not in bad.stdout + bad.stderr


def test_libpq_options_pass_through(pg_server: PgServer) -> None:
    url = pg_server.fresh_schema_url()
    with open_store(url + "&application_name=tracker_test_app&sslmode=disable", create=True) as st:
        name = st.con.execute("SELECT current_setting('application_name')").fetchone()  # type: ignore[attr-defined]
        assert name == ("tracker_test_app",)
    if pg_server.owned:  # our throwaway server has no SSL: sslmode=require must fail clearly
        with pytest.raises(ConnectionFailedError, match=r"(?i)ssl"):
            open_store(url + "&sslmode=require")


def test_reader_and_writer_least_privileges(pg_server: PgServer) -> None:
    url = pg_server.fresh_schema_url()
    schema = _schema_of(url)
    db = url.split("/")[-1].split("?")[0]
    with open_store(url, create=True) as st:
        st.add_events([Event(id="e1", lon=30.0, lat=50.0, source_url="u")])
    reader, pw = pg_server.create_role("reader")
    writer, wpw = pg_server.create_role("writer")
    with pg_server.admin() as con:
        for tpl in (READER_GRANTS, WRITER_GRANTS):
            sql = tpl.format(reader=reader, writer=writer, db=db, schema=schema)
            for stmt in sql.split(";"):
                if stmt.strip():
                    con.execute(stmt)  # type: ignore[call-overload]
    as_reader = with_password(url.replace("postgres:", f"{reader}:", 1), pw)
    as_writer = with_password(url.replace("postgres:", f"{writer}:", 1), wpw)
    with open_store(as_reader) as st:
        assert [e.id for e in st.query()] == ["e1"]
        with pytest.raises(StoreReadOnlyError, match="writer grants"):
            st.add_events([Event(id="e2", source_url="u")])
    with open_store(as_writer) as st:
        st.add_events([Event(id="e2", lon=31.0, lat=50.0, source_url="u")])
        st.edit_event("e2", {"count": 5}, reason="r")
        st.delete_event("e1", reason="dup")
        st.restore_event("e1", reason="oops")
        lk = st.add_link("e1", "e2", reason="same")
        st.remove_link(lk.id, reason="no")
        rule = st.add_place_rule("Sergeevka", place_id="custom:1")
        st.delete_place_rule(rule.id)
        assert st.check() == []
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # no hard deletes
            st.con.execute("DELETE FROM events")  # type: ignore[attr-defined]


def test_racing_edits_are_detected_not_lost(postgis_url: str) -> None:
    with open_store(postgis_url, create=True) as a, open_store(postgis_url) as b:
        a.add_events([Event(id="e1", count=1, source_url="u")])
        first_in = threading.Event()
        errors: list[BaseException] = []

        def slow_edit() -> None:
            with a.transaction():
                a.edit_event("e1", {"count": 2}, reason="A", expected_revision=1)
                first_in.set()
                time.sleep(0.4)  # B waits on the row lock meanwhile

        t = threading.Thread(target=slow_edit)
        t.start()
        first_in.wait(5)
        try:
            b.edit_event("e1", {"count": 3}, reason="B", expected_revision=1)
        except ConflictError as err:
            errors.append(err)
        t.join()
        assert len(errors) == 1 and "revision 2" in str(errors[0])
        assert b.get_event("e1").count == 2
        b.edit_event(
            "e1", {"unit": "11th Corps"}, reason="B again"
        )  # no expectation: applies on top
        got = a.get_event("e1")
        assert (got.count, got.unit, got.revision) == (2, "11th Corps", 3)
        assert [r.reason for r in a.history("e1")] == [None, "A", "B again"]


_INIT = r"""
import sys
from tracker.store import open_store
with open_store(sys.argv[1], create=True) as st:
    print(st.schema_version())
"""


def test_concurrent_init_migrates_once_and_check_finds_broken_history(postgis_url: str) -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _INIT, postgis_url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(4)
    ]
    outs = [p.communicate(timeout=60) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e for _, e in outs]
    with open_store(postgis_url) as st:
        con: psycopg.Connection[Any] = st.con  # type: ignore[attr-defined]
        assert con.execute("SELECT count(*) FROM tracker_migrations").fetchone() == (1,)
        st.add_events([Event(id="e1", source_url="u"), Event(id="e2", source_url="u")])
        st.edit_event("e2", {"count": 3})
        assert st.check() == []
        con.execute("DELETE FROM revisions WHERE event_id = 'e2' AND revision = 1")
        con.execute(
            "INSERT INTO revisions (event_id, revision, action, changed_at, changed_by) VALUES ('ghost', 1, 'create', 'x', 'y')"
        )
        problems = st.check()
        assert any("event e2" in p for p in problems) and any("do not exist" in p for p in problems)


_WORKER = r"""
import sys
from tracker.model import Event
from tracker.store import open_store
url, k, go = sys.argv[1], int(sys.argv[2]), sys.argv[3]
import os, time
while not os.path.exists(go):
    time.sleep(0.01)
with open_store(url) as st:
    own = [Event(id=f"p{k}_{i:04d}", lon=30 + k, lat=50 + i / 1000, source_url="u") for i in range(1000)]
    shared = [Event(id=f"shared_{i:03d}", lon=10.0, lat=10.0, source_url="u") for i in range(100)]
    added = 0
    for j in range(0, 1000, 50):
        added += len(st.add_events(own[j:j + 50], by=f"w{k}"))
        if j == 500:
            added += len(st.add_events(shared, by=f"w{k}"))
print(added)
"""


def test_eight_processes_adding_at_once_lose_and_duplicate_nothing(
    postgis_url: str, tmp_path: Path
) -> None:
    with open_store(postgis_url, create=True):
        pass
    go = tmp_path / "go"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WORKER, postgis_url, str(k), str(go)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for k in range(8)
    ]
    time.sleep(0.5)
    go.write_text("go")
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
    added = sum(int(o.strip()) for o, _ in outs)
    assert added == 8 * 1000 + 100  # every shared event added by exactly one process
    with open_store(postgis_url) as st:
        assert st.count_events() == 8100
        con: psycopg.Connection[Any] = st.con  # type: ignore[attr-defined]
        assert con.execute(
            "SELECT count(*), count(DISTINCT event_id) FROM revisions"
        ).fetchone() == (8100, 8100)
        assert st.check() == []


def test_add_reports_batch_matches_sqlite(postgis_url: str, tmp_path: Path) -> None:
    from tracker.model import Report, report_id_for

    def rep(text: str, title: str) -> Report:
        return Report(id=report_id_for(text), text=text, title=title, ingested_at="2024-01-01")

    batch = [rep(f"text {i}", f"t{i}") for i in range(300)] + [rep("text 1", "second copy")]
    with (
        open_store(tmp_path / "r.gpkg", create=True) as lite,
        open_store(postgis_url, create=True) as pg,
    ):
        for st in (lite, pg):
            st.add_report(rep("text 0", "first"))
            assert st.add_reports(batch) == 299  # type: ignore[attr-defined]
            assert st.add_reports(batch[:5]) == 0  # type: ignore[attr-defined]
        assert lite.list_reports() == pg.list_reports()
        assert pg.get_report(report_id_for("text 1")).title == "t1"  # type: ignore[union-attr]
        with pytest.raises(ValidationError, match="NUL"):
            pg.add_reports([rep("bad \x00", "x")])  # type: ignore[attr-defined]
