"""Custom places kept in a PostGIS store: two analysts with their own data dirs share them.

Real subprocesses against the throwaway PostGIS server (``postgis_url``); skipped with a
how-to without one (failing under CI=true), as the other PostGIS tests.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import run_cli
from tracker.cli.team_places import TEAM_ID_PREFIX, team_place_id
from tracker.gazetteer import Gazetteer
from tracker.model import Place
from tracker.store import open_store

SERGEEVKA = ["Sergeyevka training ground", "--lon", "131.67", "--lat", "44.33", "--country", "RU"]
REPORT = """---
publisher: Test Wire
published: 2024-10-20
url: https://example.org/sergeevka
title: Troops at Sergeevka
---
About 1,500 North Korean soldiers arrived at Sergeevka on 12 October 2024, officials said.
"""


def _user(tmp_path: Path, who: str, url: str) -> dict[str, str]:
    data = tmp_path / who
    data.mkdir()
    return {"TRACKER_DATA_DIR": str(data), "TRACKER_STORE": url, "TRACKER_USER": who}


def test_team_place_ids_do_not_race() -> None:
    a = team_place_id("Sergeyevka training ground", 131.67, 44.33)
    assert a.startswith(TEAM_ID_PREFIX)
    assert a == team_place_id("sergeyevka  Training Ground", 131.67, 44.33)
    assert a != team_place_id("Sergeyevka training ground", 131.68, 44.33)


def test_gazetteer_add_places_joins_search_lookup_reverse(gazetteer: Gazetteer) -> None:
    gz = Gazetteer(gazetteer.path)  # a private instance: the fixture's stays untouched
    place = Place(id="custom:team-x1", name="Testgrad range", kind="custom", country_code="RU",
                  admin1_code="RU-PRI", lon=131.5, lat=44.0)  # fmt: skip
    assert gz.search("Testgrad range") == []
    assert gz.add_places([(place, ["Testgradsky"])]) == 1
    assert gz.add_places([(place, [])]) == 0  # the same id again is skipped
    hit = gz.resolve("Testgradsky")
    assert (hit.id, hit.matched_alias, hit.kind) == ("custom:team-x1", "Testgradsky", "custom")
    assert [p.id for p in gz.lookup("testgrad range")] == ["custom:team-x1"]
    assert gz.search("Testgr")[0].id == "custom:team-x1"  # partial
    assert gz.get("custom:team-x1") is not None
    assert "testgradsky" in gz.names()
    r = gz.reverse(131.5001, 44.0001)
    assert r.place is not None and r.place.id == "custom:team-x1"
    assert gazetteer.get("custom:team-x1") is None


def test_two_analysts_share_custom_places(postgis_url: str, tmp_path: Path) -> None:
    open_store(postgis_url, create=True).close()
    ann, bob = _user(tmp_path, "ann", postgis_url), _user(tmp_path, "bob", postgis_url)

    r = run_cli("places", "add", *SERGEEVKA, "--alias", "Sergeevka", "--format", "json", env=ann)
    assert r.returncode == 0, r.stderr
    added = json.loads(r.stdout)[0]
    assert added["id"].startswith(TEAM_ID_PREFIX)
    assert (added["kind"], added["country_code"], added["admin1_code"]) == (
        "custom",
        "RU",
        "RU-PRI",
    )
    assert not (tmp_path / "ann" / "custom_places.json").exists()  # in the server, not the data dir

    # Bob, with his own data dir, finds it through the store...
    r = run_cli("places", "search", "Sergeevka", "--format", "json", env=bob)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["id"] == added["id"]
    # ...and not without it.
    r = run_cli("places", "search", "Sergeevka", "--store", str(tmp_path / "b.gpkg"),
                "--format", "json", env=bob)  # fmt: skip
    assert r.returncode == 0, r.stderr  # villages named Sergeevka, but not the team's place
    assert added["id"] not in {p["id"] for p in json.loads(r.stdout)}

    # Adding it again with a new alias keeps one place.
    r = run_cli("places", "add", *SERGEEVKA, "--alias", "Sergeevsky", "--format", "json", env=bob)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)[0]["id"] == added["id"]
    with open_store(postgis_url) as st:
        assert [p.id for p in st.list_custom_places()] == [added["id"]]
        assert st.custom_place_aliases()[added["id"]] == ["Sergeevka", "Sergeevsky"]

    # add --place, query --near and ingest (geoparse) resolve it for Bob.
    r = run_cli("add", "--place", "Sergeevsky", "--date", "2024-10-12", "--source", "Test",
                "--url", "https://example.org/a", env=bob)  # fmt: skip
    assert r.returncode == 0, r.stderr
    r = run_cli("query", "--near", "Sergeevka", "--within", "5km", "--format", "json", env=bob)
    assert r.returncode == 0, r.stderr
    assert [e["place_id"] for e in json.loads(r.stdout)] == [added["id"]]
    doc = tmp_path / "report.md"
    doc.write_text(REPORT, encoding="utf-8")
    r = run_cli("ingest", str(doc), env=bob)
    assert r.returncode == 0, r.stderr
    r = run_cli("query", "--source", "Test Wire", "--format", "json", env=ann)
    assert r.returncode == 0, r.stderr
    assert added["id"] in {e["place_id"] for e in json.loads(r.stdout)}


def test_team_place_bad_input_writes_nothing(postgis_url: str, tmp_path: Path) -> None:
    open_store(postgis_url, create=True).close()
    ann = _user(tmp_path, "ann", postgis_url)
    for args, needle in [
        (["Somewhere", "--lon", "10", "--lat", "91"], "out of range"),
        (["Somewhere", "--lon", "10", "--lat", "9", "--country", "QQ"], "QQ"),
        ([" ", "--lon", "10", "--lat", "9"], "empty"),
    ]:
        r = run_cli("places", "add", *args, env=ann)
        assert r.returncode != 0 and needle in r.stderr
    with open_store(postgis_url) as st:
        assert st.list_custom_places() == []
