from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from tracker.model import EVENT_FIELDS, Event, derived_event_id, new_event_id, report_id_for


def test_event_fields_match_export_order() -> None:
    names = {f.name for f in dataclasses.fields(Event)}
    assert set(EVENT_FIELDS) == names
    # event_values and positional construction rely on the order too
    assert tuple(f.name for f in dataclasses.fields(Event)) == EVENT_FIELDS


def test_event_is_frozen_and_serialises_dates() -> None:
    ev = Event(id="evt_1", date_start=date(2024, 10, 8), date_end=date(2024, 10, 13), tags=("a",))
    with pytest.raises(dataclasses.FrozenInstanceError):
        ev.count = 3  # type: ignore[misc]
    d = ev.to_dict()
    assert d["date_start"] == "2024-10-08" and d["date_end"] == "2024-10-13"
    assert d["tags"] == ["a"]


def test_ids() -> None:
    assert new_event_id() != new_event_id()
    assert new_event_id().startswith("evt_")
    assert derived_event_id("r", 1, "x") == derived_event_id("r", 1, "x")
    assert derived_event_id("r", 1, "x") != derived_event_id("r", 2, "x")
    assert (
        report_id_for("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )
