"""Backend-neutral store rules: building and copying events by field position."""

from __future__ import annotations

from dataclasses import fields
from datetime import date

import pytest

from tracker.model import Event
from tracker.store import rules


def test_event_from_values_is_event_of_the_same_keywords() -> None:
    assert rules.event_from_values({"id": "e1"}) == Event(id="e1")  # every default
    full = Event(
        id="e2",
        event_type="movement",
        date_start=date(2024, 10, 8),
        date_end=date(2024, 10, 13),
        lon=131.9,
        lat=43.1,
        count=1500,
        tags=("nis",),
        deleted=True,
    )
    values = {f.name: getattr(full, f.name) for f in fields(Event)}
    assert rules.event_from_values(values) == full
    with pytest.raises(KeyError):
        rules.event_from_values({"id": "e3", "not_a_field": 1})


def test_field_values_and_evolve_apply_changes_by_name() -> None:
    ev = Event(id="e1", count=5)
    vals = rules.field_values(ev, {"count": 6, "notes": "n"})
    assert vals == [
        getattr(rules.evolve(ev, {"count": 6, "notes": "n"}), f.name) for f in fields(Event)
    ]
    assert rules.field_values(ev) == [getattr(ev, f.name) for f in fields(Event)]
