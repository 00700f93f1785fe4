"""The extractor on the founding seed and on short texts written for each rule."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tracker.documents import parse_document, read_document
from tracker.extract import METHOD, extract_report
from tracker.extract.sentences import split_sentences
from tracker.geoparse import Geoparser
from tracker.ingest import IngestOptions, report_from_document
from tracker.model import Event

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "nis-north-korean-troops-vladivostok.md"


@pytest.fixture(scope="module")
def gp(gazetteer: Any) -> Geoparser:
    return Geoparser(gazetteer)


def run(gp: Geoparser, text: str, *, published: str | None = "2024-11-05", **kw: Any) -> Any:
    doc = parse_document(text.encode(), name="t.md")
    report = report_from_document(doc, IngestOptions(published=published, publisher="Test Wire"))
    skip = [doc.dateline_span] if doc.dateline_span else []
    return report, extract_report(report, gp, skip_spans=skip, **kw)


def places(ex: Any) -> dict[str | None, Event]:
    """Events by place name; a city's namesake province counts as the city's name too."""
    out: dict[str | None, Event] = {}
    for e in ex.events:
        out[e.place_name] = e
        if e.place_name:
            out.setdefault(e.place_name.split()[0], e)
        for part in (e.notes or "").split("; "):  # and by the name as the report wrote it
            if part.startswith("place as written: "):
                out.setdefault(part.removeprefix("place as written: "), e)
    return out


def has(got: set[tuple[str | None, str]], name: str, role: str) -> bool:
    return any(n and n.split()[0] == name and r == role for n, r in got)


# --------------------------------------------------------------------------- founding seed


@pytest.fixture(scope="module")
def seed(gp: Geoparser) -> tuple[Any, list[Event]]:
    doc = read_document(SEED)
    report = report_from_document(doc)
    skip = [doc.dateline_span] if doc.dateline_span else []
    return report, list(extract_report(report, gp, skip_spans=skip).events)


def test_seed_vladivostok_movement(seed: tuple[Any, list[Event]]) -> None:
    _, events = seed
    [e] = [e for e in events if e.place_name == "Vladivostok"]
    assert (e.role, e.event_type, e.count, e.count_unit) == (
        "destination",
        "movement",
        1500,
        "troops",
    )
    assert (e.date_start, e.date_end) == (date(2024, 10, 8), date(2024, 10, 13))
    assert e.date_precision == "range" and "8 and 13 October" in (e.date_text or "")
    assert "NIS" in (e.claimed_by or "") and e.status == "claimed"
    assert e.geo_precision == "point" and e.has_geometry
    assert e.actor == "North Korean special operation forces"


def test_seed_home_regions_are_related(seed: tuple[Any, list[Event]]) -> None:
    _, events = seed
    related = {e.place_id: e for e in events if e.role == "related"}
    assert set(related) == {"iso3166-2:RU-SA", "iso3166-2:RU-BU"}
    assert all(e.geo_precision == "admin1" for e in related.values())
    assert not any(e.place_id in related and e.role != "related" for e in events)


def test_seed_12000_unconfirmed_from_anonymous_media(seed: tuple[Any, list[Event]]) -> None:
    _, events = seed
    [e] = [e for e in events if e.count == 12000]
    assert (e.place_id, e.role, e.status) == ("country:RU", "destination", "unconfirmed")
    assert e.claimed_by is not None and "South Korean media" in e.claimed_by
    assert "anonymous" in e.claimed_by
    assert "4 brigades" in (e.notes or "")


def test_seed_zelenskyy_10000(seed: tuple[Any, list[Event]]) -> None:
    _, events = seed
    [e] = [e for e in events if e.count == 10000]
    assert "Zelenskyy" in (e.claimed_by or "")
    assert e.place_id is None and e.geo_precision == "unknown" and not e.has_geometry
    assert e.date_start == date(2024, 10, 17)  # "a day after" the 18 October statements


def test_seed_never_locates_metonyms_people_demonyms_or_comments(
    seed: tuple[Any, list[Event]],
) -> None:
    report, events = seed
    names = {e.place_name for e in events}
    for bad in (
        "Seoul",
        "Pyongyang",
        "Volodymyr",
        "Siberia",
        "Serbia",
        "South Korea",
        "North Korea",
    ):
        assert not any(bad in (n or "") for n in names), bad
    assert all(e.evidence_start is not None and e.evidence_start < report.body_end for e in events)


def test_seed_evidence_spans_ids_and_method(seed: tuple[Any, list[Event]], gp: Geoparser) -> None:
    report, events = seed
    for e in events:
        assert report.text[e.evidence_start : e.evidence_end] == e.evidence
        assert e.method == METHOD and e.review_state == "pending" and e.report_id == report.id
        assert 0 < e.confidence <= 1
    again = extract_report(report, gp).events
    assert [e.id for e in events] == [e.id for e in again]
    assert len({e.id for e in events}) == len(events)


# --------------------------------------------------------------------------- general rules

WIRE = """---
published: 2024-11-05
---
KYIV, Nov 5 (Test Wire) - About 300 Russian troops arrived in Kharkiv on Monday, the ministry said.

Moscow denied that its soldiers were in the Sumy region.

Volodymyr Zelenskyy said 500 soldiers had moved from Belgorod through Kursk to Bryansk.

The New York Times reported that marines were issued passports of residents of Crimea.
"""


def test_roles_datelines_metonyms_people(gp: Geoparser) -> None:
    _, ex = run(gp, WIRE)
    got = {(e.place_name, e.role) for e in ex.events}
    assert has(got, "Kharkiv", "destination")
    assert has(got, "Belgorod", "origin") and has(got, "Bryansk", "destination")
    assert has(got, "Kursk", "transit")
    assert any(r == "related" for n, r in got if n and "Crimea" in n)
    names = " ".join(n or "" for n, _ in got)
    for bad in ("Kyiv", "Kiev", "Moscow", "Volodymyr", "New York"):
        assert bad not in names
    kharkiv = places(ex)["Kharkiv"]
    assert kharkiv.date_start == date(2024, 11, 4) and kharkiv.count == 300
    assert kharkiv.count_qualifier == "about"
    denied = [e for e in ex.events if e.status == "denied"]
    assert denied and all("Moscow" in (e.claimed_by or "") for e in denied)


def test_status_from_wording(gp: Geoparser) -> None:
    text = (
        "Local media said on Friday that up to 2,000 troops had been sent to Minsk. "
        "The defence ministry did not immediately confirm the reports.\n\n"
        "Hungary's defence ministry said its soldiers arrived in Szeged on Thursday.\n"
    )
    _, ex = run(gp, text, published="2024-03-08")
    by = places(ex)
    assert by["Minsk"].status == "unconfirmed" and by["Minsk"].count_qualifier == "up_to"
    assert by["Szeged"].status == "confirmed"  # the acting side says so
    assert by["Szeged"].date_start == date(2024, 3, 7)


def test_ranges_and_formations(gp: Geoparser) -> None:
    text = (
        "Between 3,000 and 4,000 soldiers of the 5th Guards Brigade are in Donetsk, officials said."
    )
    _, ex = run(gp, text)
    e = places(ex)["Donetsk"]
    assert (e.count, e.count_low, e.count_high) == (None, 3000, 4000)
    assert e.unit == "5th Guards Brigade"


def test_no_publication_date_warns_and_keeps_dates_unknown(gp: Geoparser) -> None:
    _, ex = run(gp, "Tanks advanced into Rafah on Tuesday, witnesses said.", published=None)
    assert any("no publication date" in w for w in ex.warnings)
    e = places(ex)["Rafah"]
    assert e.date_start is None and e.date_precision == "unknown"


def test_comments_give_events_only_when_asked(gp: Geoparser) -> None:
    text = (
        "---\npublished: 2024-10-01\nretrieved: 2024-12-01\n---\n"
        "Officials said 400 soldiers were sent to Lviv on Monday.\n\n"
        "  • @someone\n    link\n    English\n    3 points 2 months ago\n\n"
        "    I saw 200 soldiers in Odesa yesterday.\n\n"
        "  • @other\n    link\n    English\n    1 point 2 months ago\n\n    lol\n"
    )
    report, ex = run(gp, text, published=None)
    assert report.body_end is not None
    assert [(e.place_name or "")[:4] for e in ex.events] == ["Lviv"]
    _, ex2 = run(gp, text, published=None, include_comments=True)
    com = [e for e in ex2.events if "comment" in e.tags]
    assert [(e.place_name or "")[:4] for e in com] == ["Odes"]
    assert com[0].info_credibility == 6 and com[0].confidence < 0.8
    assert com[0].date_start == date(2024, 11, 30)  # "yesterday" of the retrieval date


def test_sentences_keep_offsets_and_abbreviations() -> None:
    text = "Gen. Smith said U.S. troops moved. They left Oct. 3.\n\nNew paragraph here."
    ss = split_sentences(text)
    assert [s.text for s in ss] == [
        "Gen. Smith said U.S. troops moved.",
        "They left Oct. 3.",
        "New paragraph here.",
    ]
    assert all(text[s.start : s.end] == s.text for s in ss)
    assert [s.paragraph for s in ss] == [0, 0, 1]


def test_labelled_set_calibration_and_accuracy() -> None:
    from bench.extract_eval import BUCKETS, evaluate

    scores = evaluate()
    right = n = 0
    for name in ("tuning", "heldout", "wire-dev"):
        r, k = scores[name].buckets.get(BUCKETS[-1], [0, 0])
        right, n = right + r, n + k
    assert n >= 20 and right / n >= 0.8  # confidence >= 0.8 is right at least 80% of the time
    assert scores["tuning"].precision >= 0.75 and scores["tuning"].recall >= 0.7
    assert scores["tuning"].precision > 3 * scores["baseline-tuning"].precision
    # the untouched wire-style final set: far better than the baseline (its >= 0.8 bucket is
    # reported in docs/ingest.md, not asserted: it is below the 80% target)
    for name in ("wire-final", "wire-final2"):
        assert scores[name].precision > 3 * scores[f"baseline-{name}"].precision


# --------------------------------------------------------------------------- general rules
# (texts written for these tests; none comes from the labelled sets)


def test_forces_named_by_nationality_or_pronoun(gp: Geoparser) -> None:
    text = (
        "Officials said 2,000 troops arrived in Gomel on Monday.\n\n"
        "The Russians are now camped near Mozyr, a spokesman for the border service said. "
        "They later moved to Pinsk.\n"
    )
    _, ex = run(gp, text)
    by = places(ex)
    assert by["Mozyr"].actor == "The Russians" and by["Mozyr"].role == "location"
    assert by["Pinsk"].role == "destination" and by["Pinsk"].actor == "The Russians"
    # "the Russians said" is a speaker, not forces
    _, ex2 = run(
        gp, "Officials said 2,000 troops arrived in Gomel. The Russians said Pinsk was calm."
    )
    assert "Pinsk" not in places(ex2)


def test_venues_are_not_troop_places(gp: Geoparser) -> None:
    text = (
        "Officials said 500 soldiers were sent to Tartus on Monday. The minister, speaking at "
        "a ceremony at the war memorial in Damascus, said the troops would stay. Troops "
        "guarded a monument in Pyongyang during talks in Ankara.\n"
    )
    _, ex = run(gp, text)
    names = {e.place_name for e in ex.events}
    assert places(ex)["Tartus"].role == "destination"
    assert not names & {"Damascus", "Pyongyang", "Ankara"}


def test_denial_with_its_own_counter_claim(gp: Geoparser) -> None:
    text = (
        "The rebels said they had captured Kadugli.\n\n"
        "The army denied the claim, saying its troops remained in control of Kadugli.\n\n"
        "The ministry denied the reports, saying it has no troops in Kosti.\n"
    )
    _, ex = run(gp, text)
    own = [e for e in ex.events if "its troops remained" in e.evidence]
    assert own and all(e.status != "denied" for e in own)
    assert [e.status for e in ex.events if e.place_name and "Kost" in e.place_name] == ["denied"]


def test_unattributed_sentences_have_no_claimant_but_carry_the_previous_paragraph(
    gp: Geoparser,
) -> None:
    _, ex = run(gp, "Troops were seen moving towards Kupiansk on Monday.\n")
    [e] = ex.events
    assert e.claimed_by is None and "unattributed" in (e.notes or "")
    text = (
        "The defence ministry announced that 600 soldiers will deploy to Romania.\n\n"
        "About 400 soldiers will go to Constanta.\n\n"
        "Elsewhere, 300 troops were seen in Kupiansk.\n"
    )
    _, ex2 = run(gp, text)
    by = places(ex2)
    assert "defence ministry" in (by["Constanta"].claimed_by or "")
    assert by["Kupiansk"].claimed_by is None  # two paragraphs on: not carried
    # an official publisher speaks for itself
    doc = parse_document(b"Troops were seen moving towards Kupiansk on Monday.\n", name="t.md")
    rep = report_from_document(
        doc, IngestOptions(published="2024-11-05", publisher="Ministry of Defence (press release)")
    )
    [e3] = extract_report(rep, gp).events
    assert e3.claimed_by == "Ministry of Defence (press release)"


def test_future_days_without_a_year(gp: Geoparser) -> None:
    text = "Officials said a second battalion would reach Rivne the next day, 23 October."
    _, ex = run(gp, text, published="2024-10-22")
    assert places(ex)["Rivne"].date_start == date(2024, 10, 23)
    _, ex = run(
        gp, "Officials said 300 troops will arrive in Rzeszow on 3 January.", published="2024-12-28"
    )
    assert places(ex)["Rzeszów"].date_start == date(2025, 1, 3)
    _, ex = run(
        gp, "A battalion will move to Rivne on Wednesday, the army said.", published="2025-09-08"
    )
    assert places(ex)["Rivne"].date_start == date(2025, 9, 10)  # the coming Wednesday
    # a day just past, reported later, stays in the past
    _, ex = run(
        gp, "Officials said 300 troops would reach Rivne on 3 March.", published="2024-03-10"
    )
    assert places(ex)["Rivne"].date_start == date(2024, 3, 3)


def test_city_preferred_over_its_namesake_province(gp: Geoparser) -> None:
    _, ex = run(gp, "Officials said 300 soldiers were sent to Lviv and the city of Odesa.")
    kinds = {e.place_name: e.geo_precision for e in ex.events}
    assert kinds.get("Lviv") == "point" and kinds.get("Odesa") == "point"
    _, ex = run(gp, "Officials said 300 soldiers were sent to the Lviv region.")
    assert [e.geo_precision for e in ex.events] == ["admin1"]


def test_owner_of_a_formation_and_sites_keep_direction(gp: Geoparser) -> None:
    text = (
        "The soldiers, from Russia's 1st Guards Tank Army, were moving to training grounds in "
        "the Gomel region, the ministry said."
    )
    _, ex = run(gp, text)
    got = {(e.place_name, e.role) for e in ex.events}
    assert not any(n == "Russia" for n, _ in got)
    assert [r for n, r in got if n and "Gom" in n] == ["destination"]


def test_confidence_drops_with_doubt(gp: Geoparser) -> None:
    plain = "Officials said 400 soldiers arrived in Kupiansk on Monday."
    hedged = "400 soldiers may have arrived in Kupiansk, which is likely to be contested."
    _, a = run(gp, plain)
    _, b = run(gp, hedged)
    assert a.events[0].confidence >= 0.8 > b.events[0].confidence
    swapped = "Officials said 400 soldiers arrived in Lviv on Monday."
    _, c = run(gp, swapped)
    assert c.events[0].confidence < a.events[0].confidence  # province replaced by city


def test_the_claimant_is_not_the_force(gp: Geoparser) -> None:
    text = "Officials said 2,000 troops arrived in Gomel. Kupiansk was calm, a border guard spokesman said."
    _, ex = run(gp, text)
    assert not any("Kupiansk" in (e.evidence or "") for e in ex.events)
    # a force speaking of itself is still a force
    _, ex2 = run(gp, "The mercenary group said it was leaving Mali after three years.")
    assert [(e.place_name, e.role) for e in ex2.events] == [("Mali", "origin")]


def test_adverbs_before_the_saying_verb_are_not_the_claimant(gp: Geoparser) -> None:
    text = (
        "Ukraine's military intelligence said on 24 October 2024 that North Korean units had "
        "reached Kursk region.\n\nThe Kremlin had earlier dismissed reports of North Korean "
        "troops in Russia as fake news."
    )
    _, ex = run(gp, text)
    denied = [e for e in ex.events if e.status == "denied"]
    assert denied and {e.claimed_by for e in denied} == {"Kremlin"}
    _, ex = run(gp, "The ministry has repeatedly said 500 soldiers were moved to Kherson.")
    assert [e.claimed_by for e in ex.events] == ["ministry"]


def test_infinitive_of_purpose_names_the_destination(gp: Geoparser) -> None:
    _, ex = run(
        gp, "Officials said on Monday that Belarus has sent 2,000 troops to support Serbia."
    )
    got = places(ex)
    assert "Serbia" in got and got["Serbia"].role == "destination"
    _, ex = run(gp, "The ministry said 500 soldiers were moved to reinforce Kherson.")
    assert places(ex)["Kherson"].role == "destination"


def test_purpose_object_owned_by_a_possessive_is_not_a_destination(gp: Geoparser) -> None:
    text = (
        "The agency said on 18 October 2024 that Belarus has decided on a large-scale troop "
        "deployment to back Serbia's war against Kosovo."
    )
    _, ex = run(gp, text)
    assert all(e.actor != "troop" for e in ex.events)
    assert not any(e.place_name == "Serbia" and e.role == "destination" for e in ex.events)


def test_the_counted_force_is_the_actor_not_the_force_that_reports_it(gp: Geoparser) -> None:
    text = (
        "Moldova's border police said on Tuesday that they had detained 14 Transnistrian\n"
        "soldiers near Dubasari.\n\n"
        "The first units of Belarusian paratroopers arrived in Brest, the agency said.\n\n"
        "Army units of Georgia moved 300 soldiers to Gori, officials said."
    )
    _, ex = run(gp, text)
    by = places(ex)
    detained = by["Dubasari"]
    assert detained.actor == "Transnistrian soldiers"  # one line, not "Transnistrian\nsoldiers"
    assert detained.count == 14 and detained.status == "claimed"  # not the police confirming
    assert by["Brest"].actor == "Belarusian paratroopers"  # not "units of Belarusian"
    assert by["Gori"].actor == "Army units of Georgia"  # a bare "300 soldiers" says less


def test_find_actor_prefers_the_counted_noun_phrase() -> None:
    from tracker.extract.forces import find_actor

    s = "Ukraine's special forces said they had killed 12 North Korean soldiers."
    at = s.index("12")
    assert find_actor(s) == "Ukraine's special forces"
    assert find_actor(s, (at, at + len("12 North Korean soldiers"))) == "North Korean soldiers"


def test_find_actor_takes_a_formation_name_whole() -> None:
    from tracker.extract.forces import find_actor

    # a force noun before another modifies it ("Marine" was the actor)
    assert find_actor("The 155th Marine Brigade was redeployed to Kurakhove.") == "Marine Brigade"
    assert find_actor("Russia's 1st Guards Tank Army moved to Belgorod.") == "Guards Tank Army"
    assert find_actor("Ukrainian special forces units entered Kursk.") == (
        "Ukrainian special forces units"
    )


def test_two_claimants_in_one_sentence_keep_their_own_claims(gp: Geoparser) -> None:
    text = (
        "Georgian troops advanced into the Kodori Valley near Sukhumi, Tbilisi said, while "
        "Abkhaz officials denied that any soldiers had reached Gudauta."
    )
    _, ex = run(gp, text)
    by = {e.place_name: e for e in ex.events}
    gudauta = next(e for name, e in by.items() if name and name.startswith("Gudauta"))
    assert (gudauta.claimed_by, gudauta.status) == ("Abkhaz officials", "denied")
    assert gudauta.evidence is not None and gudauta.evidence.startswith("Abkhaz officials")
    others = [e for e in ex.events if e is not gudauta]
    assert others and all(e.claimed_by == "Tbilisi" and e.status != "denied" for e in others)
    # One claimant in both halves: the sentence stays whole.
    _, one = run(
        gp, "Troops reached Gori, officials said, but officials said none reached Kutaisi."
    )
    assert all((e.evidence or "").startswith("Troops reached Gori") for e in one.events)


def test_a_border_neighbour_is_not_a_destination(gp: Geoparser) -> None:
    _, ex = run(gp, "Lithuania said it would send 800 soldiers to its border with Belarus.")
    roles = {e.place_name: e.role for e in ex.events}
    assert roles.get("Belarus") != "destination"  # no arrow into the neighbour
    _, ex = run(
        gp, "Polish officials said 4,000 soldiers were deployed along its frontier with Belarus."
    )
    assert [(e.place_name, e.role, e.geo_precision) for e in ex.events] == [
        ("Belarus", "location", "country")
    ]  # as "border with": near the neighbour, never inside it as a destination
    _, ex = run(gp, "Lithuania said it would send 800 soldiers to Kaunas.")
    assert {e.place_name: e.role for e in ex.events}.get("Kaunas") == "destination"


def test_a_source_named_after_according_to_is_not_a_place(gp: Geoparser) -> None:
    text = (
        "Armenia and Russia began drills on Friday near Gyumri, Armenia's defence ministry "
        "said, with about 3,000 troops taking part according to Yerevan."
    )
    _, ex = run(gp, text)
    names = {e.place_name for e in ex.events}
    assert "Yerevan" not in names and "Gyumri" in names


def test_a_time_between_claimant_and_verb_keeps_the_claimant(gp: Geoparser) -> None:
    from tracker.extract.claims import find_attribution

    for text, who in (
        (
            "Japan's defence ministry on Friday denied that 200 troops were sent.",
            "Japan's defence ministry",
        ),
        ("The army late on Tuesday said 300 soldiers left Gao.", "The army"),
        ("NATO on 3 May said 4,000 troops reached Narva.", "NATO"),
    ):
        a = find_attribution(text)
        assert a is not None and a.claimant == who, text
    _, ex = run(gp, "The army late on Tuesday said 300 soldiers left Gao.")
    assert [e.claimed_by for e in ex.events] == ["army"]


def test_images_and_videos_that_show_a_move_are_its_source() -> None:
    from tracker.extract.claims import find_attribution

    for text, who in (
        ("Satellite images appear to show about 50 tanks near Belgorod.", "Satellite images"),
        (
            "A convoy was filmed heading west through Tambov, videos posted on Telegram show.",
            "videos posted on Telegram",
        ),
        ("Footage showed 300 soldiers in Gao, the army said.", "the army"),  # a sayer first
    ):
        a = find_attribution(text)
        assert a is not None and a.claimant == who, text
    assert find_attribution("Troops show no sign of leaving Gao.") is None
    # when the images were published is not who shows it
    for text, who in (
        ("Geolocated footage published on December 8 indicates that troops left Gao.",
         "Geolocated footage"),
        ("Videos posted by residents on Monday show troops in Gao.", "Videos posted by residents"),
    ):  # fmt: skip
        a = find_attribution(text)
        assert a is not None and a.claimant == who, text


def test_the_troops_of_a_new_paragraph_are_the_forces_told_of_before(gp: Geoparser) -> None:
    # "The troops" are the British soldiers: the Estonian ministry does not confirm its own
    text = (
        "About 1,200 British soldiers arrived in Narva on Monday, Estonia's defence ministry "
        "said.\n\nThe troops travelled by rail from Tapa, the ministry added."
    )
    _, ex = run(gp, text)
    assert {(e.place_name, e.status) for e in ex.events} == {
        ("Narva", "claimed"),
        ("Tapa", "claimed"),
    }


def test_a_place_taken_is_named_after_its_descriptor(gp: Geoparser) -> None:
    _, ex = run(gp, "Russian forces captured the town of Kupiansk, the ministry said.")
    assert [(e.place_name, e.role, e.event_type) for e in ex.events] == [
        ("Kupyansk", "location", "capture")
    ]


def test_military_engineers_and_coast_guards_are_forces(gp: Geoparser) -> None:
    text = (
        "Syrian troops shelled the area on Monday, officials said.\n\n"
        "About 800 Russian engineers will be sent to Syria's Latakia governorate to clear "
        "mines, the defence ministry said.\n\n"
        "Two Turkish coast guard vessels entered waters near Antalya, the navy said."
    )
    _, ex = run(gp, text)
    eng = [e for e in ex.events if e.actor == "Russian engineers"]
    assert [(e.admin1_code, e.count, e.role) for e in eng] == [("SY-LA", 800, "destination")]
    assert [e.actor for e in ex.events if e.place_name == "Antalya"] == ["Turkish coast guard"]
    # A report that never names forces plainly does not turn engineers into troops.
    _, civil = run(gp, "About 800 engineers will be sent to Latakia to rebuild the port.")
    assert civil.events == [] or all(e.confidence < 0.8 for e in civil.events)


def test_a_taken_town_is_where_it_happened_and_a_state_word_keeps_the_state(gp: Geoparser) -> None:
    text = (
        "The militia said on Tuesday it had captured Kadugli after heavy fighting.\n\n"
        "Some 2,000 fighters had massed in Kassala state, residents said."
    )
    _, ex = run(gp, text)
    got = {(e.place_id, e.role) for e in ex.events}
    assert any(pid and pid.startswith("geonames:") and role == "location" for pid, role in got)
    assert ("iso3166-2:SD-KA", "location") in got  # Kassala state, not the city
    _, ex = run(gp, "Russian artillery shelled Kupiansk on Monday, officials said.")
    assert not any(e.place_name == "Kupiansk" for e in ex.events)  # no troops put there


def test_an_indefinite_claimant_and_an_unobserved_claim(gp: Geoparser) -> None:
    text = (
        "Moldovan officials said on Monday that 200 soldiers had moved to Tiraspol.\n\n"
        "A Russian war correspondent claimed that the soldiers were redeployed from Tiraspol "
        "to Bender, but analysts have not observed confirmation of this claim."
    )
    _, ex = run(gp, text)
    second = [e for e in ex.events if e.evidence and e.evidence.startswith("A Russian")]
    assert second and {e.claimed_by for e in second} == {"A Russian war correspondent"}
    assert {e.status for e in second} == {"unconfirmed"}


def test_police_contingents_exchanges_of_fire_and_flights_out(gp: Geoparser) -> None:
    text = (
        "About 200 Kenyan police officers arrived in Haiti on Saturday to reinforce the "
        "mission fighting armed gangs, the mission said.\n\n"
        "Guatemala's defence ministry said 150 soldiers would deploy to Haiti next week.\n\n"
        "Kenya's interior ministry said a further 400 officers would fly out early next "
        "month once they had completed their training.\n\n"
        "On Thursday, Kenyan officers exchanged fire with gang members near Kenscoff, the "
        "mission said."
    )
    _, ex = run(gp, text, published="2025-01-20")
    first = [e for e in ex.events if e.count == 200]
    assert [(e.place_name, e.event_type, e.role) for e in first] == [
        ("Haiti", "arrival", "destination")
    ]
    later = [e for e in ex.events if e.count == 400]
    assert [(e.event_type, e.date_start, e.date_end) for e in later] == [
        ("deployment_decision", date(2025, 2, 1), date(2025, 2, 10))
    ]
    assert [e.event_type for e in ex.events if e.place_name == "Kenscoff"] == ["combat"]
    # Police in a report that names no forces stay out.
    _, civil = run(gp, "Police officers arrived in Kenscoff on Monday, residents said.")
    assert list(civil.events) == []


def test_a_relative_clause_describes_the_force_and_no_forces_sent_is_a_denial(
    gp: Geoparser,
) -> None:
    text = (
        "Ethiopian soldiers, who have fought al-Shabaab militants in Somalia for two "
        "decades, remain in the Bay region around Baidoa, residents there said.\n\n"
        "Egypt's defence ministry said in a statement that no Egyptian combat troops had "
        "been sent to Somalia."
    )
    _, ex = run(gp, text, published="2025-01-15")
    first = [e for e in ex.events if e.evidence and e.evidence.startswith("Ethiopian")]
    assert {e.event_type for e in first} == {"presence"}
    assert {e.claimed_by for e in first} == {"residents"}
    assert "Somalia" not in {e.place_name for e in first} and "Baidoa" in places(ex)
    denied = [e for e in ex.events if e.evidence and e.evidence.startswith("Egypt")]
    assert denied and {e.status for e in denied} == {"denied"}


def test_a_town_missing_from_the_gazetteer_is_placed_near_the_town_named_with_it(
    gp: Geoparser,
) -> None:
    text = (
        "Mozambican army units pulled out of Quiterajo, north of Macomia, over the weekend, "
        "local sources said.\n\n"
        "Rwandan troops clashed with insurgents near Mucojo, on the coast east of Macomia, "
        "the army said."
    )
    _, ex = run(gp, text, published="2024-06-05")
    got = {(e.notes or "").split(";")[0]: e for e in ex.events}
    q = got["place as written: Quiterajo"]
    assert (q.place_name, q.role, q.geo_precision) == ("Macomia", "origin", "near")
    assert "Quiterajo is not in the gazetteer: drawn near Macomia" in (q.notes or "")
    m = got["place as written: Mucojo"]
    assert (m.role, m.event_type, m.geo_precision) == ("location", "combat", "near")
    # Macomia itself is only the reference point of these sentences.
    assert all("place as written" in (e.notes or "") for e in ex.events if e.place_name)


def test_the_countries_of_a_multinational_force_are_not_its_origins(gp: Geoparser) -> None:
    text = (
        "About 7,000 soldiers from Finland, Norway, Sweden and the United States will "
        "train in Lapland from 3 to 14 March, the army said."
    )
    _, ex = run(gp, text, published="2025-02-24")
    assert {(e.role, e.count) for e in ex.events} == {("location", 7000)}


def test_owners_named_sea_features_totals_and_abandoned_sites(gp: Geoparser) -> None:
    text = (
        "Houthi forces said they fired missiles at the U.S. aircraft carrier in the northern "
        "Red Sea on Saturday.\n\n"
        "The new arrivals bring the number of Kenyan officers in Haiti to about 600, the "
        "mission said.\n\n"
        "A column of about 70 trucks and armoured vehicles left the Russian position at "
        "Qamishli airport on Saturday, a local official said."
    )
    _, ex = run(gp, text, published="2024-06-03")
    by_ev = {(e.evidence or "")[:12]: e for e in ex.events}
    sea = by_ev["Houthi force"]
    assert (sea.place_name, sea.place_id, sea.geo_precision, sea.event_type) == (
        "Red Sea",
        None,
        "unknown",
        "combat",
    )
    assert "United States" not in {e.place_name for e in ex.events}  # the carrier's owner
    total = by_ev["The new arri"]
    assert (total.place_name, total.event_type, total.count) == ("Haiti", "presence", 600)
    left = by_ev["A column of "]
    assert (left.role, left.count, left.count_unit) == ("origin", 70, "vehicles")


def test_an_order_names_its_author_and_a_statement_its_issuer(gp: Geoparser) -> None:
    text = (
        "Venezuelan President Nicolás Maduro on Thursday ordered more than 5,600 troops to "
        "deploy to the eastern states of Sucre and Delta Amacuro.\n\n"
        "About 200 Kenyan police officers arrived in Haiti on Saturday, the mission said in "
        "a statement. The arrivals bring the number of Kenyan officers in Haiti to about "
        "600, the statement said.\n\n"
        "Rwanda's contingent of about 4,000 soldiers deployed in Cabo Delgado is likely to "
        "grow once the regional mission completes its withdrawal from the province."
    )
    _, ex = run(gp, text, published="2023-12-29")
    order = [e for e in ex.events if e.count == 5600]
    assert {e.place_name for e in order} == {"Sucre", "Delta Amacuro"}
    assert {(e.claimed_by, e.status, e.role) for e in order} == {
        ("Venezuelan President Nicolás Maduro", "confirmed", "destination")
    }
    assert {e.claimed_by for e in ex.events if e.count == 600} == {"mission"}
    assert {e.event_type for e in ex.events if e.count == 4000} == {"presence"}


def test_appositives_waypoints_and_reference_points(gp: Geoparser) -> None:
    text = (
        "Chad has deployed about 1,500 soldiers to Adre, its main crossing point into "
        "Sudan's Darfur region, the army said.\n\n"
        "The units left Abeche on Monday and reached Adre the following day, the army said.\n\n"
        "About 600 Tajik soldiers had gathered near the Tajik town of Isfara, across the "
        "frontier from Batken, officials said."
    )
    _, ex = run(gp, text, published="2024-06-26")
    got = {(e.place_name, e.role, e.event_type) for e in ex.events}
    assert not {n for n, _, _ in got} & {"Sudan", "Darfur", "Batken"}
    # "left X and reached Y" is a journey from X; "left X" alone is a pull-out
    assert ("Adré", "destination", "arrival") in got and ("Abéché", "origin", "movement") in got
    assert ("Isfara", "location", "presence") in got
    _, ex = run(
        gp,
        "A battalion of 600 soldiers will be shipped to the Norwegian port of Narvik and will "
        "then travel by road to Rovaniemi, the army said.",
    )
    got = {(e.place_name, e.role, e.event_type) for e in ex.events}
    assert got == {("Narvik", "transit", "movement"), ("Rovaniemi", "destination", "movement")}


def test_places_passed_or_crossed_are_transit_and_a_column_is_a_force(gp: Geoparser) -> None:
    _, ex = run(
        gp,
        "A column of about 3,000 marines moved from Split towards Zagreb on Tuesday, passing "
        "Karlovac, the ministry said.\n\nA second column crossing Slovenia reached Ljubljana "
        "on Wednesday, officials said.",
        published="2024-05-09",
    )
    got = {(e.place_name, e.role) for e in ex.events}
    assert {("Split", "origin"), ("Zagreb", "destination"), ("Karlovac", "transit")} <= got
    assert {("Slovenia", "transit"), ("Ljubljana", "destination")} <= got


def test_a_container_named_by_its_part_is_not_an_event(gp: Geoparser) -> None:
    # "X in eastern Y" only locates X, like "X, Y"; "deployed N to X" is a movement there.
    _, ex = run(
        gp,
        "Croatia deployed an additional battalion to Karlovac in central Croatia on Monday, "
        "the army said.\n\nSome 2,000 troops are stationed near Split in southern Croatia, "
        "the ministry said.",
        published="2024-05-09",
    )
    got = {(e.place_name, e.role, e.event_type) for e in ex.events}
    assert got == {("Karlovac", "destination", "movement"), ("Split", "location", "presence")}


def test_warships_and_carriers_are_forces_with_counts(gp: Geoparser) -> None:
    _, ex = run(
        gp,
        "Russia moved three frigates and two submarines to Sevastopol on Monday, the navy said."
        "\n\nThe United States sent a second aircraft carrier to Cyprus, officials said.",
        published="2024-05-09",
    )
    got = {(e.place_name, e.role, e.count) for e in ex.events}
    assert ("Sevastopol", "destination", 3) in got
    assert ("Cyprus", "destination", None) in got
    # a carrier that is not a warship is no force
    _, ex = run(gp, "A mail carrier in Sevastopol was late on Monday, the post office said.")
    assert not ex.events


def test_a_convoy_of_military_vehicles_is_a_force(gp: Geoparser) -> None:
    # the qualifier after "of" makes the convoy military; an aid convoy stays none
    _, ex = run(gp, "A convoy of about 40 military trucks moved through Kharkiv on Monday.")
    assert [(e.place_name, e.role, e.count) for e in ex.events] == [("Kharkiv", "transit", 40)]
    _, ex = run(gp, "A convoy of aid trucks moved through Kharkiv on Monday.")
    assert not ex.events


def test_a_figure_in_the_claimant_is_not_the_count(gp: Geoparser) -> None:
    for text in (
        "Two aid workers said about 300 soldiers arrived in Kharkiv on Monday.",
        "About 300 soldiers arrived in Kharkiv on Monday, according to two aid workers.",
    ):
        _, ex = run(gp, text)
        assert [(e.place_name, e.count) for e in ex.events] == [("Kharkiv", 300)], text


def test_the_place_of_an_attack_that_set_a_move_off_is_no_position(gp: Geoparser) -> None:
    _, ex = run(
        gp,
        "India moved 2,000 more troops to Srinagar following the attack in Kharkiv, "
        "officials said.",
    )
    assert [(e.place_name, e.role) for e in ex.events] == [("Srinagar", "destination")]
    _, ex = run(gp, "Chadian troops were deployed to Adre after clashes in Kharkiv, the army said.")
    assert [e.place_name for e in ex.events] == ["Adré"]


def test_patrols_and_new_bases_are_presence(gp: Geoparser) -> None:
    _, ex = run(
        gp, "Russian military police began patrols in Kharkiv on Wednesday, officials said."
    )
    assert [(e.place_name, e.event_type) for e in ex.events] == [("Kharkiv", "presence")]
    _, ex = run(gp, "Turkish troops have set up three new bases near Mosul, officials said.")
    assert [(e.place_name, e.event_type) for e in ex.events] == [("Mosul", "presence")]


def test_an_adverb_inside_a_future_send_is_still_a_decision(gp: Geoparser) -> None:
    _, ex = run(gp, "France and Italy will each send about 500 troops to Romania, NATO said.")
    assert [(e.place_name, e.event_type, e.count) for e in ex.events] == [
        ("Romania", "deployment_decision", 500)
    ]


def test_whose_clauses_and_the_venue_of_a_statement_set_nothing(gp: Geoparser) -> None:
    text = (
        "Colombia has flown about 5,000 additional soldiers to Cucuta to confront rebels "
        "whose offensive has killed at least 80 people, the minister said.\n\n"
        "Junta spokesman Zaw Min Tun told state media in Naypyitaw that troops had repelled "
        "the attacks near Sittwe."
    )
    _, ex = run(gp, text, published="2025-01-20")
    first = [e for e in ex.events if e.count == 5000]
    assert {(e.event_type, e.role) for e in first} == {("movement", "destination")}
    assert "Nay Pyi Taw" not in {e.place_name for e in ex.events}


def test_em_dash_datelines_where_clauses_highlands_and_headquarters_venues(
    gp: Geoparser,
) -> None:
    text = (
        "JAKARTA, Indonesia (Example Press) — Indonesia's army said Wednesday it had flown "
        "about 400 additional soldiers to the highlands of Papua.\n\n"
        "The soldiers landed Tuesday at Timika and were being ferried to Dekai, where the "
        "attack took place, the army said.\n\n"
        "Wirawan told reporters at armed forces headquarters in Cilangkap that troops were "
        "ready.\n\n"
        "Ethiopia has moved 3,000 soldiers into the Amhara region, diplomats said."
    )
    _, ex = run(gp, text, published="2025-04-16")
    first = [e for e in ex.events if e.count == 400]
    assert [(e.place_name, e.claimed_by) for e in first] == [("Papua", "Indonesia's army")]
    assert {e.event_type for e in ex.events if e.place_name == "Timika"} == {"arrival"}
    assert "Cilangkap" not in {e.place_name for e in ex.events}
    assert {e.admin1_code for e in ex.events if e.count == 3000} == {"ET-AM"}


def test_each_step_of_a_sentence_keeps_its_own_day(gp: Geoparser) -> None:
    text = (
        "About 800 Malian soldiers left Kayes on Monday and reached Nioro du Sahel two days "
        "later, the army said.\n\n"
        "On Tuesday 300 Ukrainian troops moved to Sumy, and on Thursday to Kharkiv, "
        "officials said.\n\n"
        "Russia moved 2,000 troops to Kursk and Belgorod on Monday, the ministry said."
    )
    _, ex = run(gp, text, published="2024-06-14")  # a Friday
    day = {e.place_name: e.date_start.isoformat() for e in ex.events if e.date_start}
    assert day["Kayes"] == "2024-06-10" and day["Nioro"] == "2024-06-12"
    assert day["Sumy"] == "2024-06-11" and day["Kharkiv"] == "2024-06-13"
    assert day["Kursk"] == day["Belgorod"] == "2024-06-10"  # one day for the whole list
    _, ex = run(gp, "French soldiers left Abeche on Friday, the army said.", published="2024-06-14")
    assert [(e.place_name, e.role, e.event_type) for e in ex.events] == [
        ("Abéché", "origin", "withdrawal")
    ]
