"""Corroboration logic: evidence, proposals, cannot-link rules, happenings, and the store side."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bench.cluster import synth
from bench.cluster_eval import DATA, evaluate, load_events
from tracker.cluster import (
    CLUSTER_METHOD,
    cluster_store,
    collapse,
    collapse_store,
    happening_for_event,
    link_events,
    propose_links,
    unlink_events,
)
from tracker.cluster.evidence import compare, features
from tracker.cluster.normalize import actor_key, count_unit_class, formation_key
from tracker.errors import EventNotFoundError, ValidationError
from tracker.model import Event, EventFilter, Link, Report
from tracker.store import open_store

VLAD = Event(
    id="evt_a",
    event_type="arrival",
    date_start=date(2024, 10, 8),
    date_end=date(2024, 10, 13),
    date_precision="range",
    place_name="Vladivostok",
    place_id="geonames:2013348",
    country_code="RU",
    admin1_code="RU-PRI",
    geo_precision="point",
    role="destination",
    lon=131.8735,
    lat=43.1056,
    actor="North Korean special forces",
    count=1500,
    claimed_by="NIS",
    report_id="r1",
    source_publisher="The Guardian",
    source_published="2024-10-18",
)


def ev(**kw: object) -> Event:
    return replace(VLAD, **kw)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def labelled() -> list[Event]:
    return load_events()


# ----------------------------------------------------------------------------- normalise


def test_actor_variants_normalise_to_one_side_and_kind() -> None:
    for a in ("North Korean troops", "DPRK soldiers", "Korean People's Army units", "KPA"):
        assert actor_key(a)[0] == "KP", a
    assert actor_key("North Korean special forces") == ("KP", "military")
    assert actor_key("North Korean construction workers") == ("KP", "civilian")
    assert actor_key("Russian marines") == ("RU", "military")
    assert count_unit_class("Soldiers") == "troops"
    assert formation_key("810th Naval Infantry Brigade") == formation_key("810 brigade")


# ----------------------------------------------------------------------------- evidence


def test_same_arrival_from_two_outlets_scores_with_reasons() -> None:
    other = ev(
        id="evt_b",
        report_id="r2",
        actor="DPRK soldiers",
        count=3000,
        claimed_by="Pentagon",
        place_name="Russian Far East",
        place_id="region:russian-far-east",
        admin1_code=None,
        geo_precision="macro_region",
        lon=134.0,
        lat=56.0,
        event_type="movement",
        date_start=date(2024, 10, 1),
        date_end=date(2024, 10, 15),
    )
    v = compare(features(VLAD), features(other))
    assert v.score is not None and v.score >= 0.6
    text = " | ".join(v.reasons)
    assert "Vladivostok lies in Russian Far East" in text
    assert "movement" in text and "arrival" in text
    assert "1,500 vs 3,000" in text


@pytest.mark.parametrize(
    ("change", "blocker"),
    [
        ({"actor": "Russian marines"}, "actor"),
        ({"actor": "North Korean workers"}, "actor"),
        ({"count": 1000, "count_unit": "containers", "actor": "North Korea"}, "actor"),
        ({"count": 15000}, "count"),
        ({"event_type": "training"}, "type"),
        ({"date_start": date(2024, 10, 22), "date_end": date(2024, 10, 24)}, "date"),
        ({"unit": "11th Corps"}, None),  # a formation on one side only is no mismatch
        (
            {
                "place_id": "geonames:538560",
                "place_name": "Kursk",
                "admin1_code": "RU-KRS",
                "lon": 36.19,
                "lat": 51.74,
            },
            "place",
        ),
        ({"role": "related"}, "role"),
    ],
)
def test_near_misses_are_ruled_out_by_the_right_evidence(
    change: dict[str, object], blocker: str | None
) -> None:
    other = ev(id="evt_b", report_id="r2", **change)
    v = compare(features(VLAD), features(other))
    assert v.blocker == blocker, v
    assert (v.score is None) == (blocker is not None)


def test_a_report_cannot_describe_what_happened_after_it() -> None:
    vague = ev(
        id="evt_b",
        report_id="r2",
        date_start=date(2024, 10, 1),
        date_end=date(2024, 10, 31),
        date_precision="month",
        source_published="2024-10-18",
    )
    later = ev(
        id="evt_c", report_id="r3", date_start=date(2024, 10, 22), date_end=date(2024, 10, 24)
    )
    assert compare(features(vague), features(VLAD)).score is not None
    assert compare(features(vague), features(later)).blocker == "date"


def test_same_report_links_only_restatements_and_legs() -> None:
    restated = ev(id="evt_b", place_id="region:x", geo_precision="macro_region", admin1_code=None)
    v = compare(features(VLAD), features(restated))
    assert v.same_report and v.score is not None
    assert any("adds no corroboration" in r for r in v.reasons)
    other_claimant = ev(id="evt_c", claimed_by="Pentagon")
    assert compare(features(VLAD), features(other_claimant)).score is None
    origin = ev(
        id="evt_d",
        role="origin",
        place_id="geonames:2044757",
        place_name="Chongjin",
        country_code="KP",
        admin1_code="KP-09",
        evidence="from Chongjin to Vladivostok",
    )
    dest = replace(VLAD, evidence="from Chongjin to Vladivostok")
    v = compare(features(origin), features(dest))
    assert v.score is not None and "one movement" in v.reasons[0]
    assert compare(features(origin), features(VLAD)).score is None  # other passage


# ----------------------------------------------------------------------------- proposals


def test_labelled_set_meets_precision_and_recall() -> None:
    r = evaluate()
    assert r["events"] >= 40 and r["reports"] >= 15
    assert r["precision"] >= 0.9, r["false"]
    assert r["recall"] >= 0.8, r["missed"]
    groups = json.loads((DATA / "groups.json").read_text())
    run = r["run"]
    linked = {i for p in run.proposals for i in (p.event_a, p.event_b)}
    assert not linked & set(groups["singletons"])  # the near-misses stay alone


def test_blocking_finds_every_pair_all_pairs_find() -> None:
    events = synth(1200, seed=3)
    naive = propose_links(events, naive=True)
    blocked = propose_links(events)
    assert blocked.compared < naive.compared / 50
    assert blocked.proposals == naive.proposals
    assert blocked.held_back == naive.held_back


def test_vague_claim_joins_one_happening_not_two() -> None:
    first = ev(id="evt_1", report_id="r1")
    vague = ev(
        id="evt_3",
        report_id="r3",
        date_start=date(2024, 10, 1),
        date_end=date(2024, 10, 31),
        date_precision="month",
        source_published="2024-10-30",
    )
    # A second arrival at the same port two weeks later, reported with less detail.
    second = ev(
        id="evt_2",
        report_id="r2",
        date_start=date(2024, 10, 22),
        date_end=date(2024, 10, 24),
        actor=None,
        count=None,
    )
    run = propose_links([first, second, vague])
    assert [(p.event_a, p.event_b) for p in run.proposals] == [("evt_1", "evt_3")]
    assert [h.rule for h in run.held_back] == ["dates"]
    assert "one place, different dates" in run.held_back[0].reason

    # Equally good fits for two distinct arrivals: a guess either way, so no link.
    twin = replace(second, actor=VLAD.actor, count=VLAD.count)
    run = propose_links([first, twin, vague])
    assert run.proposals == ()
    assert {h.rule for h in run.held_back} == {"ambiguous"}
    assert "evt_1 and evt_2" in run.held_back[0].reason


def test_links_made_are_kept_and_unlinked_pairs_never_come_back(labelled: list[Event]) -> None:
    first = propose_links(labelled)
    p = first.proposals[0]
    made = [Link("l1", p.event_a, p.event_b, "by hand")]
    again = propose_links(labelled, links=made)
    assert (p.event_a, p.event_b) not in {(q.event_a, q.event_b) for q in again.proposals}
    removed = [Link("l1", p.event_a, p.event_b, "x", active=False, removed_reason="wrong")]
    after = propose_links(labelled, links=removed)
    assert (p.event_a, p.event_b) not in {(q.event_a, q.event_b) for q in after.proposals}
    assert any(h.rule == "unlinked" for h in after.held_back)


# ----------------------------------------------------------------------------- happenings


def test_collapse_keeps_claimants_apart_and_shows_the_denial(labelled: list[Event]) -> None:
    run = propose_links(labelled)
    links = [Link(str(i), p.event_a, p.event_b, p.reason) for i, p in enumerate(run.proposals)]
    haps = collapse(labelled, links)
    assert sum(len(h.event_ids) for h in haps) == len(labelled)
    vlad = next(h for h in haps if "evt_lab_g_vlad" in h.event_ids)
    assert "Pentagon: about 3,000 troops" in vlad.figures_text
    assert "1,500 troops" in vlad.figures_text
    assert "2,250" not in vlad.figures_text  # never averaged
    assert vlad.status == "disputed"
    assert "denied by Kremlin (Peskov) (acting side)" in vlad.status_summary
    assert vlad.reports == 6 and vlad.outlet_count == 6
    kursk = next(h for h in haps if "evt_lab_rt_8k" in h.event_ids)
    assert [f.figure for f in kursk.figures] == [
        "8,000 troops",
        "about 10,000 troops",
        "11,000 troops",
    ]
    assert kursk.to_row()["sources"] == "3 reports / 3 outlets"


# ----------------------------------------------------------------------------- store


@pytest.fixture()
def store_path(tmp_path: Path, labelled: list[Event]) -> Path:
    path = tmp_path / "t.gpkg"
    reports = [json.loads(line) for line in (DATA / "reports.jsonl").read_text().splitlines()]
    with open_store(path, create=True) as st:
        for r in reports:
            st.add_report(Report(id=r["id"], text=r["text"], publisher=r["publisher"]))
        st.add_events(labelled, by="tester")
    return path


def test_cluster_link_unlink_on_a_real_store(store_path: Path) -> None:
    with open_store(store_path) as st:
        before = {e.id: e for e in st.query()}
        dry, written = cluster_store(st, dry_run=True, by="tester")
        assert dry.proposals and not written and not st.list_links()
        run, written = cluster_store(st, by="tester")
        assert len(written) == len(run.proposals) == len(dry.proposals)
        assert {ln.method for ln in written} == {CLUSTER_METHOD}
        assert all(ln.score is not None and ln.reason for ln in written)
        assert {e.id: e for e in st.query()} == before  # linking edits no event

        detail = happening_for_event(st, "evt_lab_g_vlad")
        assert len(detail.events) == 8
        rows = detail.report_rows()
        assert {r["claimed_by"] for r in rows} >= {"Pentagon", "Kremlin (Peskov)", "NIS"}
        assert "about 3,000 troops" in {r["figure"] for r in rows}

        removed = unlink_events(st, "evt_lab_tass_deny", reason="a denial, not a report", by="ana")
        assert removed and all(not ln.active and ln.removed_by == "ana" for ln in removed)
        history = st.list_links("evt_lab_tass_deny", include_removed=True)
        assert {ln.removed_reason for ln in history} == {"a denial, not a report"}
        assert (
            "evt_lab_tass_deny" not in happening_for_event(st, "evt_lab_g_vlad").happening.event_ids
        )

        rerun, rewritten = cluster_store(st, by="tester")
        assert not rewritten  # nothing new, and the unlinked pairs are not proposed again
        assert {h.rule for h in rerun.held_back} == {"unlinked"}

        ln = link_events(st, "evt_lab_tass_deny", "evt_lab_g_vlad", reason="same claim", by="ana")
        assert ln.method == "manual" and ln.created_by == "ana"
        assert "evt_lab_tass_deny" in happening_for_event(st, "evt_lab_g_vlad").happening.event_ids

        haps = collapse_store(st)
        assert sum(len(h.event_ids) for h in haps) == 53
        kursk_only = collapse_store(st, EventFilter(ids=("evt_lab_rt_8k",)))
        assert len(kursk_only) == 1 and kursk_only[0].reports == 3  # whole happening


def test_link_and_unlink_refuse_bad_input(store_path: Path) -> None:
    with open_store(store_path) as st:
        with pytest.raises(ValidationError, match="reason"):
            link_events(st, "evt_lab_g_vlad", "evt_lab_y_vlad", reason=" ")
        with pytest.raises(ValidationError, match="itself"):
            link_events(st, "evt_lab_g_vlad", "evt_lab_g_vlad", reason="x")
        with pytest.raises(EventNotFoundError):
            link_events(st, "evt_lab_g_vlad", "evt_nope", reason="x")
        with pytest.raises(ValidationError, match="not linked directly"):
            unlink_events(st, "evt_lab_g_vlad", "evt_lab_y_vlad", reason="x")
        st.delete_event("evt_lab_y_vlad", reason="dup", by="ana")
        with pytest.raises(ValidationError, match="restore"):
            link_events(st, "evt_lab_g_vlad", "evt_lab_y_vlad", reason="x")
        assert st.list_links() == []


@pytest.mark.postgis
def test_same_links_and_happenings_on_postgis(postgis_url: str, store_path: Path) -> None:
    labelled = load_events()
    with open_store(postgis_url, create=True) as pg, open_store(store_path) as lite:
        for line in (DATA / "reports.jsonl").read_text().splitlines():
            d = json.loads(line)
            pg.add_report(Report(id=d["id"], text=d["text"], publisher=d["publisher"]))
        pg.add_events(labelled, by="tester")
        runs = [cluster_store(st, by="tester")[0] for st in (pg, lite)]
        assert runs[0].proposals == runs[1].proposals
        unlink_events(pg, "evt_lab_tass_deny", reason="not a report", by="ana")
        assert not happening_for_event(pg, "evt_lab_tass_deny").links
        assert any(not ln.active for ln in pg.list_links(include_removed=True))
        rows_pg = [h.to_row() for h in collapse_store(pg)]
        unlink_events(lite, "evt_lab_tass_deny", reason="not a report", by="ana")
        assert rows_pg == [h.to_row() for h in collapse_store(lite)]


def test_status_follows_from_the_claims() -> None:
    confirmed = ev(id="evt_c", report_id="r2", status="confirmed", claimed_by="KCNA")
    denial = ev(id="evt_d", report_id="r3", status="denied", claimed_by="Pentagon", count=None)
    links = [Link("l1", "evt_a", "evt_c", "x"), Link("l2", "evt_a", "evt_d", "x")]
    (hap,) = collapse([VLAD, confirmed, denial], links)
    assert hap.status == "disputed"
    assert hap.status_summary == "confirmed by KCNA; claimed by NIS; denied by Pentagon"
    (alone,) = collapse([denial], [])
    assert alone.status == "denied" and alone.reports == 1
    (ok,) = collapse([VLAD, confirmed], links)
    assert ok.status == "confirmed"
    assert ok.figures_text == "KCNA: 1,500 troops; NIS: 1,500 troops"  # apart, by name
