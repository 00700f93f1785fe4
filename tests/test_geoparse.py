"""Tests for tracker.geoparse: recognition cues, resolution context, rules, and the CLI.

Texts are written for these tests (not taken from the evaluation corpora). The logic tests
use a small hand-made gazetteer so each cue is checked in isolation; the tests at the end
run the real gazetteer and the real ``tracker geoparse`` command.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import run_cli
from tracker.geoparse import Geoparser, Toponym
from tracker.model import Place, PlaceRule


def _norm(s: str) -> str:
    s = s.lower().replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^\w]+", " ", s).split())


def _city(gid: int, name: str, cc: str, a1: str, lon: float, lat: float, pop: int) -> Place:
    return Place(f"geonames:{gid}", name, "city", cc, a1, lon, lat, pop, geonameid=gid)


PLACES = [
    Place("country:RU", "Russia", "country", "RU", None, 100.0, 60.0, 144_000_000),
    Place("country:KP", "North Korea", "country", "KP", None, 127.0, 40.0, 25_000_000),
    Place("country:KR", "South Korea", "country", "KR", None, 127.5, 37.0, 51_000_000),
    Place("country:UA", "Ukraine", "country", "UA", None, 32.0, 49.0, 41_000_000),
    Place("country:US", "United States", "country", "US", None, -98.5, 39.8, 327_000_000),
    Place("country:GE", "Georgia", "country", "GE", None, 43.5, 42.0, 3_700_000),
    Place("iso3166-2:US-GA", "Georgia", "admin1", "US", "US-GA", -83.5, 32.7, 10_000_000),
    Place("iso3166-2:US-KY", "Kentucky", "admin1", "US", "US-KY", -85.0, 37.5, 4_400_000),
    Place("iso3166-2:RU-PRI", "Primorsky Krai", "admin1", "RU", "RU-PRI", 134.0, 45.0, 1_900_000),
    _city(2013348, "Vladivostok", "RU", "RU-PRI", 131.87, 43.11, 600_000),
    _city(2013279, "Ussuriysk", "RU", "RU-PRI", 131.95, 43.8, 170_000),
    _city(524901, "Moscow", "RU", "RU-MOW", 37.62, 55.75, 12_000_000),
    _city(1835848, "Seoul", "KR", "KR-11", 126.98, 37.57, 10_000_000),
    _city(1873757, "Pyongyang", "KP", "KP-01", 125.75, 39.03, 3_200_000),
    _city(4180439, "Athens", "US", "US-GA", -83.38, 33.96, 115_000),
    _city(264371, "Athens", "GR", "GR-I", 23.72, 37.98, 660_000),
    _city(4297983, "Lexington", "US", "US-KY", -84.48, 38.05, 320_000),
    _city(5016494, "Lexington", "US", "US-MA", -71.23, 42.44, 33_000),
    _city(4744709, "Augusta", "US", "US-GA", -81.97, 33.47, 200_000),
    _city(4560349, "Volodymyr", "UA", "UA-07", 24.32, 50.85, 38_000),
    _city(5128581, "New York", "US", "US-NY", -74.0, 40.71, 8_000_000),
    _city(9000001, "Energy", "US", "US-IL", -89.03, 37.77, 1_100),
    _city(9000002, "Kent", "US", "US-OH", -81.36, 41.15, 30_000),
    _city(9000003, "Wonsan", "KP", "KP-07", 127.44, 39.15, 330_000),
]
PLACES[12] = Place(**{**PLACES[12].to_dict(), "feature_code": "PPLC"})
PLACES[11] = Place(**{**PLACES[11].to_dict(), "feature_code": "PPLC"})
PLACES[13] = Place(**{**PLACES[13].to_dict(), "feature_code": "PPLC"})
ALIASES = {"us": "country:US", "u s": "country:US"}
DEMONYMS = {"russian": "country:RU", "north korean": "country:KP", "ukrainian": "country:UA"}


class FakeGazetteer:
    """The three calls the geoparser uses, over the PLACES list above."""

    def __init__(self) -> None:
        self.by_id = {p.id: p for p in PLACES}
        self.index: dict[str, list[Place]] = {}
        for p in PLACES:
            self.index.setdefault(_norm(p.name), []).append(replace(p, matched_alias=p.name))
        for alias, pid in ALIASES.items():
            p = replace(self.by_id[pid], matched_alias=alias.upper().replace(" ", "."))
            self.index.setdefault(alias, []).append(p)
        self.lookups = 0

    def normalize_name(self, s: str) -> str:
        return _norm(s)

    def lookup(self, normalized_name: str) -> list[Place]:
        self.lookups += 1
        return list(self.index.get(normalized_name, []))

    def demonym(self, word: str) -> Place | None:
        pid = DEMONYMS.get(_norm(word))
        return self.by_id[pid] if pid else None

    def get(self, place_id: str) -> Place | None:
        return self.by_id.get(place_id)


@pytest.fixture()
def gp() -> Geoparser:
    return Geoparser(FakeGazetteer())


def by_name(tops: list[Toponym]) -> dict[str, Toponym]:
    return {t.name: t for t in tops}


def test_spans_are_exact_and_places_resolve(gp: Geoparser) -> None:
    text = "The troops were moved from Wonsan to Vladivostok, near Ussuriysk, in Russia's east."
    tops = gp.parse(text)
    assert [t.name for t in tops] == ["Wonsan", "Vladivostok", "Ussuriysk", "Russia"]
    for t in tops:
        assert text[t.start : t.end] == t.name
        assert t.kind == "place" and t.is_location
        assert t.place is not None and 0 < t.score <= 1
    assert by_name(tops)["Vladivostok"].place.id == "geonames:2013348"  # type: ignore[union-attr]


def test_longest_match_wins(gp: Geoparser) -> None:
    tops = gp.parse("Officials in North Korea and in New York disagreed.")
    assert [(t.name, t.place.id if t.place else None) for t in tops] == [
        ("North Korea", "country:KP"),
        ("New York", "geonames:5128581"),
    ]


def test_demonyms_are_reported_but_never_locations(gp: Geoparser) -> None:
    tops = by_name(gp.parse("A Russian officer met North Korean generals on Friday."))
    assert tops["Russian"].kind == "demonym" and not tops["Russian"].is_location
    assert tops["Russian"].place is not None and tops["Russian"].place.id == "country:RU"
    assert tops["North Korean"].place.id == "country:KP"  # type: ignore[union-attr]


def test_person_names_are_not_places(gp: Geoparser) -> None:
    text = (
        "Volodymyr Zelenskyy said 10,000 soldiers were preparing. President Kent visited "
        "Athens later. Mary Augusta arrived, and Augusta spoke first."
    )
    tops = by_name(gp.parse(text))
    assert tops["Volodymyr"].kind == "person" and not tops["Volodymyr"].is_location
    assert tops["Kent"].kind == "person"
    assert tops["Augusta"].kind == "person"  # surname seen in a full name in the same text
    assert tops["Athens"].kind == "place"


def test_organisations_embed_toponyms(gp: Geoparser) -> None:
    tops = by_name(gp.parse("The report ran in the New York Times on Monday."))
    assert tops["New York"].kind == "embedded"
    assert not tops["New York"].is_location


def test_government_metonyms(gp: Geoparser) -> None:
    tops = by_name(gp.parse("Moscow denied the report, and Pyongyang has decided to stay quiet."))
    assert tops["Moscow"].kind == "metonym" and not tops["Moscow"].is_location
    assert tops["Pyongyang"].kind == "metonym"
    literal = by_name(gp.parse("The convoy reached Moscow at dawn."))
    assert literal["Moscow"].kind == "place" and literal["Moscow"].is_location


def test_common_words_and_sentence_starts_are_filtered(gp: Geoparser) -> None:
    text = "Energy prices rose. The Energy Department said so. Prices are up across the Energy-rich states."
    assert gp.parse(text) == []
    tops = gp.parse("The family moved to Energy last year.")
    assert [t.name for t in tops] == ["Energy"]  # a preposition points to the town


def test_city_state_pattern_picks_the_namesake(gp: Geoparser) -> None:
    tops = by_name(gp.parse("The fair opened in Athens, Georgia, on Saturday."))
    assert tops["Athens"].place.id == "geonames:4180439"  # type: ignore[union-attr]
    assert tops["Georgia"].place.id == "iso3166-2:US-GA"  # type: ignore[union-attr]
    alone = by_name(gp.parse("Tourists flocked to Athens this summer."))
    assert alone["Athens"].place.id == "geonames:264371"  # type: ignore[union-attr]


def test_state_abbreviation_binds_city(gp: Geoparser) -> None:
    tops = by_name(gp.parse("LEXINGTON, Ky. - A storm hit the city on Tuesday."))
    assert tops["LEXINGTON"].place.id == "geonames:4297983"  # type: ignore[union-attr]


def test_document_context_picks_the_namesake(gp: Geoparser) -> None:
    text = "Storms hit Kentucky overnight. In Lexington, roads were closed."
    tops = by_name(gp.parse(text))
    assert tops["Lexington"].place.admin1_code == "US-KY"  # type: ignore[union-attr]
    georgia = by_name(gp.parse("Georgia and Russia fought in 2008 near Russia's border."))
    assert georgia["Georgia"].place.id == "country:GE"  # type: ignore[union-attr]
    us = by_name(gp.parse("Farmers in Kentucky and across the US say Georgia had a dry summer."))
    assert us["Georgia"].place.id == "iso3166-2:US-GA"  # type: ignore[union-attr]


def test_context_countries_parameter(gp: Geoparser) -> None:
    text = "Georgia reported rain."
    assert gp.parse(text)[0].place.id == "country:GE"  # type: ignore[union-attr]
    tops = gp.parse(text, context_countries=["US"])
    assert tops[0].place.id == "iso3166-2:US-GA"  # type: ignore[union-attr]


def test_one_sense_per_discourse(gp: Geoparser) -> None:
    tops = gp.parse("Athens, Georgia, is hot. Later, Athens cooled down.")
    ids = {t.place.id for t in tops if t.name == "Athens" and t.place}
    assert ids == {"geonames:4180439"}


def test_candidates_are_kept_for_review(gp: Geoparser) -> None:
    t = gp.parse("Troops were seen in Athens.")[0]
    assert {c.id for c in t.candidates} == {"geonames:4180439", "geonames:264371"}


def test_place_rules_override_and_remove() -> None:
    fake = FakeGazetteer()
    rules = [
        PlaceRule("r1", "athens", "place", place_id="geonames:4180439"),
        PlaceRule("r2", "wonsan", "not_place"),
        PlaceRule("r3", "lexington", "place", place_id="geonames:5016494", context="RU"),
    ]
    gp = Geoparser(fake, rules=rules)
    tops = by_name(gp.parse("Troops in Athens and Wonsan, then Lexington."))
    assert tops["Athens"].place.id == "geonames:4180439"  # type: ignore[union-attr]
    assert tops["Athens"].score == 1.0
    assert "Wonsan" not in tops
    # r3 only applies when the document is about Russia
    assert tops["Lexington"].place.id == "geonames:4297983"  # type: ignore[union-attr]
    ru = by_name(gp.parse("Troops in Lexington.", context_countries=["RU"]))
    assert ru["Lexington"].place.id == "geonames:5016494"  # type: ignore[union-attr]


def test_possessive_and_hyphen(gp: Geoparser) -> None:
    tops = gp.parse("Russia's army and the Moscow-Vladivostok railway.")
    assert [t.name for t in tops] == ["Russia", "Moscow", "Vladivostok"]


def test_empty_and_unicode_text(gp: Geoparser) -> None:
    assert gp.parse("") == []
    assert gp.parse("   \n ") == []
    tops = gp.parse("Войска в Vladivostok — «Ussuriysk» 🙂 рядом.")
    assert [t.name for t in tops] == ["Vladivostok", "Ussuriysk"]


def test_to_dict_has_the_contract_fields(gp: Geoparser) -> None:
    d = gp.parse("Troops reached Vladivostok.")[0].to_dict()
    assert set(d) == {
        "start",
        "end",
        "name",
        "kind",
        "lat",
        "lon",
        "geonameid",
        "place_id",
        "score",
    }
    assert d["geonameid"] == 2013348 and d["lon"] == 131.87 and d["lat"] == 43.11


# --- the real gazetteer -------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_gp(gazetteer: object) -> Geoparser:
    return Geoparser(gazetteer)  # type: ignore[arg-type]


def test_real_wire_story(real_gp: Geoparser) -> None:
    text = (
        "SEOUL, Nov 2 - North Korea has moved about 2,000 soldiers to Vladivostok and on to "
        "Ussuriysk in Primorsky Krai, the agency said. Pyongyang has decided to send more, "
        "Volodymyr Zelenskyy said, while Moscow denied it."
    )
    tops = by_name(real_gp.parse(text))
    assert tops["Vladivostok"].place.id == "geonames:2013348"  # type: ignore[union-attr]
    assert tops["Ussuriysk"].place.admin1_code == "RU-PRI"  # type: ignore[union-attr]
    assert tops["Primorsky Krai"].place.id == "iso3166-2:RU-PRI"  # type: ignore[union-attr]
    assert tops["North Korea"].place.id == "country:KP"  # type: ignore[union-attr]
    assert tops["Pyongyang"].kind == "metonym" and not tops["Pyongyang"].is_location
    assert tops["Moscow"].kind == "metonym"
    assert "Volodymyr" not in tops or not tops["Volodymyr"].is_location


def test_real_demonyms_resolve_to_their_country(real_gp: Geoparser) -> None:
    tops = by_name(real_gp.parse("North Korean and Russian officers met; Buryat conscripts too."))
    assert tops["North Korean"].kind == "demonym"
    assert tops["North Korean"].place.id == "country:KP"  # type: ignore[union-attr]
    assert tops["Russian"].place.id == "country:RU"  # type: ignore[union-attr]
    assert not any(t.is_location for t in tops.values())


def test_real_state_abbreviations(real_gp: Geoparser) -> None:
    tops = by_name(real_gp.parse("A storm hit Athens, Ga., and later Lexington, Ky., on Sunday."))
    assert tops["Athens"].place.admin1_code == "US-GA"  # type: ignore[union-attr]
    assert tops["Lexington"].place.admin1_code == "US-KY"  # type: ignore[union-attr]
    greece = by_name(real_gp.parse("Protesters marched through Athens and Thessaloniki."))
    assert greece["Athens"].place.country_code == "GR"  # type: ignore[union-attr]


# --- the command --------------------------------------------------------------------------


def test_cli_reads_stdin_and_writes_jsonl(isolated_env: object) -> None:
    docs = [
        {"id": "a", "text": "Troops left Wonsan for Vladivostok."},
        {"id": 7, "text": "Nothing to see here."},
    ]
    r = run_cli("geoparse", "-", "--format", "jsonl", input="\n".join(json.dumps(d) for d in docs))
    assert r.returncode == 0, r.stderr
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in lines] == ["a", 7]
    names = [t["name"] for t in lines[0]["toponyms"]]
    assert names == ["Wonsan", "Vladivostok"]
    t = lines[0]["toponyms"][1]
    assert set(t) == {
        "start",
        "end",
        "name",
        "kind",
        "lat",
        "lon",
        "geonameid",
        "place_id",
        "score",
    }
    assert t["geonameid"] == 2013348 and t["kind"] == "place"
    assert lines[1]["toponyms"] == []


def test_cli_reports_bad_lines_and_keeps_the_rest(isolated_env: object, tmp_path: object) -> None:
    from pathlib import Path

    src = Path(str(tmp_path)) / "docs.jsonl"
    src.write_bytes(
        b'{"id": "ok", "text": "Moscow is cold."}\n'
        b"not json\n"
        b"\n"
        b'{"id": "x"}\n'
        b'["a list"]\n'
        b'{"id": "bin", "text": "\xff\xfe"}\n'
        b'{"id": "ok2", "text": "Seoul is warm."}\n'
    )
    r = run_cli("geoparse", str(src), "--format", "jsonl")
    assert r.returncode == 1
    assert [json.loads(x)["id"] for x in r.stdout.splitlines()] == ["ok", "ok2"]
    for lineno in ("line 2:", "line 4:", "line 5:", "line 6:"):
        assert lineno in r.stderr
    assert "line 3" not in r.stderr  # blank lines are skipped silently
    assert "4 bad line(s)" in r.stderr


def test_cli_bad_options_and_missing_file(isolated_env: object) -> None:
    r = run_cli("geoparse", "-", "--kinds", "place,planet", input="{}")
    assert r.returncode == 2 and "planet" in r.stderr
    r = run_cli("geoparse", "-", "--country", "Russia", input="{}")
    assert r.returncode == 2 and "two-letter" in r.stderr
    r = run_cli("geoparse", "no-such-file.jsonl")
    assert r.returncode == 1 and "no-such-file.jsonl" in r.stderr


def test_cli_kinds_and_table(isolated_env: object) -> None:
    doc = json.dumps({"id": "d", "text": "Russian troops reached Kursk. Moscow denied it."})
    r = run_cli("geoparse", "-", "--format", "json", "--kinds", "place", input=doc)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [t["name"] for t in out[0]["toponyms"]] == ["Kursk"]
    r = run_cli("geoparse", "-", "--format", "table", input=doc)
    assert r.returncode == 0 and "demonym" in r.stdout and "metonym" in r.stdout


def test_long_text_is_read_in_blocks(gp: Geoparser) -> None:
    from tracker.geoparse import recognize

    unit = "Convoys crossed from Wonsan to Vladivostok overnight.\n"
    text = unit * (3 * recognize.BLOCK_CHARS // len(unit))
    tops = gp.parse(text)
    assert len(tops) == 2 * text.count("Convoys")
    assert all(text[t.start : t.end] == t.name for t in tops)


def test_real_region_words_pick_the_region(real_gp: Geoparser) -> None:
    tops = real_gp.parse("Fighting went on in the Kursk region, while Kursk itself was calm.")
    assert (tops[0].name, tops[0].place.id) == ("Kursk region", "iso3166-2:RU-KRS")  # type: ignore[union-attr]
    assert (tops[1].name, tops[1].place.kind) == ("Kursk", "city")  # type: ignore[union-attr]
    tops = real_gp.parse("Convoys passed Vladivostok, Ussuriysk and Khabarovsk.")
    assert [t.place.kind for t in tops] == ["city", "city", "city"]  # type: ignore[union-attr]


def test_cli_applies_the_stores_place_rules(isolated_env: object) -> None:
    from tracker.store import open_store

    with open_store("tracker.gpkg", create=True) as st:
        st.add_place_rule("Wonsan", action="not_place")
        st.add_place_rule("Athens", action="place", place_id="geonames:4180386")
    doc = json.dumps({"id": "d", "text": "Ships left Wonsan; others reached Athens."})
    plain = json.loads(run_cli("geoparse", "-", "--format", "json", input=doc).stdout)
    assert [t["name"] for t in plain[0]["toponyms"]] == ["Wonsan", "Athens"]
    r = run_cli("geoparse", "-", "--format", "json", "--rules", input=doc)
    assert r.returncode == 0, r.stderr
    tops = json.loads(r.stdout)[0]["toponyms"]
    assert [(t["name"], t["place_id"], t["score"]) for t in tops] == [
        ("Athens", "geonames:4180386", 1.0)
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "Wonsan",
                "Athens",
                "Georgia",
                "Ky.",
                "St.",
                "New",
                "York",
                "Times",
                "said",
                "in",
                "Mr.",
                "Russia's",
                "North",
                "Korean",
                "-",
                ",",
                ".",
                "\n",
                "I’ve",
                "Energy",
                "🙂",
                "Владивосток",
                "County",
                "the",
                "and",
                "Kursk",
                "region",
                "\x00",
                "U.S.",
            ]
        ),
        max_size=40,
    ),
    st.sampled_from([" ", "", "  ", "\t"]),
)
def test_any_text_gives_exact_spans(words: list[str], sep: str) -> None:
    text = sep.join(words)
    gp = Geoparser(FakeGazetteer())
    tops = gp.parse(text)
    assert all(text[t.start : t.end] == t.name for t in tops)
    assert all(0 <= t.score <= 1 for t in tops)
    assert [t.start for t in tops] == sorted(t.start for t in tops)


def test_feature_names_are_recognised_but_not_pinned_to_namesake_towns(gp: Geoparser) -> None:
    tops = by_name(gp.parse("Flooding closed roads in Kent County and along the Wonsan River."))
    assert tops["Kent County"].place is None  # Kent, Ohio is not Kent County
    assert tops["Kent County"].kind == "place"
    assert tops["Wonsan River"].place is None  # a river is not the town
    region = by_name(gp.parse("Storms crossed Kentucky County last night."))
    assert region["Kentucky County"].place.id == "iso3166-2:US-KY"  # type: ignore[union-attr]


def test_a_hamlet_abroad_is_not_pinned_in_a_text_about_elsewhere(gp: Geoparser) -> None:
    text = "Trains ran from Vladivostok to Ussuriysk and Moscow, then on to Energy."
    tops = by_name(gp.parse(text))
    assert tops["Energy"].kind == "place" and tops["Energy"].place is None
    alone = by_name(gp.parse("The family moved to Energy last year."))
    assert alone["Energy"].place is not None  # no other context: the only candidate stands


def _resolved(gp: Geoparser, text: str) -> dict[str, str | None]:
    return {t.name: (t.place.id if t.place else None) for t in gp.parse(text)}


def test_real_bare_name_is_the_city_not_its_namesake_region(real_gp: Geoparser) -> None:
    text = (
        "Missiles hit Lviv and Odesa overnight; trains to Kharkiv stopped. Belarusian units "
        "gathered near Gomel. In Syria, Russian ships left Tartus. A fair opened in Szeged."
    )
    kinds = {t.name: t.place.kind for t in real_gp.parse(text) if t.place and t.kind == "place"}
    for name in ("Lviv", "Odesa", "Kharkiv", "Gomel", "Tartus", "Szeged"):
        assert kinds[name] == "city", name
    # an administrative word before or after the name makes it the region
    got = real_gp.parse("Shelling hit the Lviv and Odesa regions and the province of Tartus.")
    regions = {t.name: t.place.kind for t in got if t.place}
    assert regions["Lviv"] == regions["Odesa"] == regions["Tartus"] == "admin1"


def test_real_document_context_beats_a_namesake_on_another_continent(real_gp: Geoparser) -> None:
    text = "Israeli jets struck the Gaza Strip as Hezbollah fired from southern Lebanon."
    top = next(t for t in real_gp.parse(text) if t.name == "Gaza Strip")
    assert top.kind == "place" and top.place is not None and top.place.country_code == "PS"
    alone = _resolved(real_gp, "Rain fell on the Bekaa Valley.")
    assert alone == {"Bekaa Valley": None}  # unknown to the gazetteer: recognised, not pinned
    # a "Ga." abbreviation is the US state, never the country Georgia
    assert _resolved(real_gp, "She lives in Athens, Ga., near the campus.")["Ga."] == (
        "iso3166-2:US-GA"
    )


def test_real_short_name_shared_by_two_countries_follows_the_context(real_gp: Geoparser) -> None:
    # "Congo" is both countries' short name (ISO writes the larger one inverted: "Congo,
    # The Democratic Republic of the"); the places around it decide.
    assert _resolved(real_gp, "He flew to Kinshasa, Congo.")["Congo"] == "country:CD"
    assert _resolved(real_gp, "He flew to Brazzaville, Congo.")["Congo"] == "country:CG"
    got = _resolved(real_gp, "Uganda sent a battalion to Bunia in eastern Congo.")
    assert got["Congo"] == "country:CD"
    assert _resolved(real_gp, "Talks in Iran.")["Iran"] == "country:IR"  # unchanged
    assert _resolved(real_gp, "Protests in Kosovo continued.")["Kosovo"] == "country:XK"


def test_real_article_compounds_are_one_name(real_gp: Geoparser) -> None:
    # "ez-Zor", "el-Mandeb": a hyphened article joins the words around it into one name;
    # a part of it is never a place of its own (Az Zawr, Al Bab, Numan in Nigeria).
    assert _resolved(real_gp, "Troops moved to Deir ez-Zor.") == {"Deir ez-Zor": "geonames:170794"}
    for text in (
        "The carrier sailed through the Bab el-Mandeb strait.",
        "Rebels entered Maarat al-Numan on Monday.",
    ):
        assert _resolved(real_gp, text) == {}, text
    assert _resolved(real_gp, "Fighting near al-Bab continued.")["Bab"] is not None


def test_real_transliteration_fallback_needs_a_strong_cue(real_gp: Geoparser) -> None:
    got = _resolved(real_gp, "Turkish-backed fighters advanced near Tal Rifaat, north of Aleppo.")
    assert got["Tal Rifaat"] is not None
    tal = real_gp.gazetteer.get(got["Tal Rifaat"])  # type: ignore[arg-type]
    assert tal is not None and tal.country_code == "SY"
    # no preposition and no ", Country": the unknown run is not guessed at
    assert "Tal Rifaat" not in _resolved(real_gp, "Tal Rifaat fighters rested.")
    # "X, Country" with X found only in another country: unresolved, not a foreign town
    got = _resolved(real_gp, "Shelling was reported in al-Khadim, Syria, on Monday.")
    assert got.get("Khadim", "missing") is None and got["Syria"] == "country:SY"


def test_translit_variants() -> None:
    from tracker.geoparse.translit import variants

    assert "tall rifat" in variants("tal rifaat")
    assert "bab" in variants("al bab") and "al khadim" in variants("khadim")
    assert "harkov" in variants("kharkov") and "tal rifaat" not in variants("tal rifaat")
    assert len(variants("abcdefghijklmnopqrstuvwxyz aeiouy kh")) <= 81


def test_real_region_names_and_common_words_need_their_own_evidence(real_gp: Geoparser) -> None:
    ny = "Officials in Albany, Buffalo and New York City met reporters from Florida"
    # the state, although towns named Florida exist in New York state ...
    assert _resolved(real_gp, ny + ".")["Florida"] == "iso3166-2:US-FL"
    # ... unless the text binds it: "Florida, N.Y."
    town = real_gp.gazetteer.get(_resolved(real_gp, ny + ", N.Y.")["Florida"] or "")
    assert town is not None and town.kind == "city" and town.admin1_code == "US-NY"
    # a common word is not pinned to a region on another continent
    text = "Storms hit Houston, Dallas and Austin in Texas, and fishermen in the Gulf stayed home."
    assert _resolved(real_gp, text)["Gulf"] is None


def test_cli_line_without_id_is_named_by_its_line_number(isolated_env: object) -> None:
    lines = [json.dumps({"text": "Troops arrived in Kursk."}), json.dumps({"id": "b", "text": "x"})]
    r = run_cli("geoparse", "-", "--format", "jsonl", input="\n".join(lines))
    assert r.returncode == 0, r.stderr
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, "b"]
    assert any(t["name"] == "Kursk" for t in out[0]["toponyms"])


def test_real_groups_of_countries_are_macro_regions(real_gp: Geoparser) -> None:
    text = (
        "Drones flew over the Gulf states. Fighting spread across the Middle East and "
        "West Africa, and militias crossed the Horn of Africa."
    )
    got = {t.name: t for t in real_gp.parse(text)}
    assert got["Gulf states"].place is not None
    assert got["Gulf states"].place.id == "region:gulf-states"
    assert "Gulf" not in got  # not Gulf Province, Papua New Guinea
    for name, pid in (
        ("Middle East", "region:middle-east"),
        ("West Africa", "region:west-africa"),
        ("Horn of Africa", "region:horn-of-africa"),
    ):
        place = got[name].place
        assert place is not None and place.id == pid and place.kind == "macro_region", name
    assert "Africa" not in got  # the longer name wins
    # A group word after a plain place name is not taken in: "Ohio states" is no region.
    assert "Ohio" in {t.name for t in real_gp.parse("Voters in Ohio states said no.")}


def test_real_towns_listed_in_a_region_stay_inside_it(real_gp: Geoparser) -> None:
    def place_of(text: str, name: str) -> Place | None:
        return next(t.place for t in real_gp.parse(text) if t.name == name)

    sumy = place_of("Shelling hit Vorozhba and Bilopillia in Sumy region on Monday.", "Vorozhba")
    assert sumy is not None and sumy.admin1_code == "UA-59"
    # The same name listed in a Russian region: the Ukrainian town is not pinned there.
    kursk = "Troops fought near the villages of Vorozhba, Zaoleshenka and Plekhovo in Kursk region."
    got = place_of(kursk, "Vorozhba")
    assert got is None or got.admin1_code == "RU-KRS"
    # A town the region holds is kept; a big city listed elsewhere is not unpinned.
    assert place_of("Drones hit Sudzha and Lgov in Kursk region.", "Sudzha").admin1_code == "RU-KRS"  # type: ignore[union-attr]
    assert place_of("Officials from Moscow in Texas said.", "Moscow").country_code == "RU"  # type: ignore[union-attr]


def test_real_common_word_region_needs_its_country_in_the_text(real_gp: Geoparser) -> None:
    def gulf(text: str) -> Place | None:
        return next(t.place for t in real_gp.parse(text) if t.name == "Gulf")

    assert gulf("US warships sailed into the Gulf on Monday.") is None  # not PNG's province
    png = gulf("Floods hit Kerema in Gulf, Papua New Guinea, and Port Moresby.")
    assert png is not None and png.country_code == "PG"


def test_real_names_starting_with_a_particle(real_gp: Geoparser) -> None:
    text = (
        "Shelling hit El Fasher and Al Hasakah; officials in Des Moines and Le Havre "
        "watched. The Pentagon and the New York Times said little."
    )
    got = {t.name: t for t in real_gp.parse(text)}
    for name, cc in (("El Fasher", "SD"), ("Al Hasakah", "SY"), ("Des Moines", "US")):
        place = got[name].place
        assert place is not None and place.country_code == cc, name
    assert got["Le Havre"].place is not None and got["Le Havre"].place.country_code == "FR"
    assert "The Pentagon" not in got and "El" not in got and "The" not in got


def test_real_arabic_town_names_without_their_article_and_towns_before_said(
    real_gp: Geoparser,
) -> None:
    text = (
        "A column left Qamishli on Saturday. Residents of villages outside Homs said troops "
        "had gone. Snyder said nothing."
    )
    got = {t.name: t for t in real_gp.parse(text)}
    qam, homs = got["Qamishli"].place, got["Homs"].place
    assert qam is not None and qam.country_code == "SY" and got["Qamishli"].is_location
    assert homs is not None and homs.country_code == "SY" and got["Homs"].is_location
    assert "Snyder" not in got or not got["Snyder"].is_location  # a surname before "said"


def test_region_name_is_not_a_town_that_has_it_only_as_an_alternate_name() -> None:
    gz = FakeGazetteer()
    # A small town next to Lexington, Kentucky, listing "Kentucky" among its other names.
    kenton = _city(9000010, "Kenton Vale", "US", "US-KY", -84.5, 38.1, 5000)
    gz.by_id[kenton.id] = kenton
    gz.index["kentucky"].append(replace(kenton, matched_alias="Kentucky"))
    gz.index["kenton vale"] = [replace(kenton, matched_alias="Kenton Vale")]
    gp = Geoparser(gz)  # type: ignore[arg-type]
    text = "Roads near Lexington and Kenton Vale were closed; crews from Kentucky helped."
    got = {t.name: t.place for t in gp.parse(text)}
    assert got["Kentucky"] is not None and got["Kentucky"].id == "iso3166-2:US-KY"
    assert got["Kenton Vale"] is not None and got["Kenton Vale"].id == kenton.id


def test_a_big_city_beats_a_small_region_of_its_name_elsewhere() -> None:
    gz = FakeGazetteer()
    # A small parish abroad named like Lexington, Kentucky (320,000 people).
    parish = Place("iso3166-2:JM-99", "Lexington", "admin1", "JM", "JM-99", -77.0, 18.2, 25_000)
    gz.by_id[parish.id] = parish
    gz.index["lexington"].append(replace(parish, matched_alias="Lexington"))
    got = {t.name: t.place for t in Geoparser(gz).parse("Officials in Lexington said so.")}  # type: ignore[arg-type]
    assert got["Lexington"] is not None and got["Lexington"].id == "geonames:4297983"
    # Named as a region, it is the region.
    got = {t.name: t.place for t in Geoparser(gz).parse("Floods hit the Lexington region.")}  # type: ignore[arg-type]
    assert got["Lexington"] is not None and got["Lexington"].kind == "admin1"
