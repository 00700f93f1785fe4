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


def test_date_order_sorts_like_sort_key() -> None:
    import random
    from datetime import timedelta

    rng = random.Random(7)
    events = []
    for i in range(400):
        if rng.random() < 0.1:
            ds = de = None
        else:
            ds = date(1, 1, 1) + timedelta(
                days=rng.choice([0, 3_652_058, rng.randrange(3_652_059)])
            )
            de = ds + timedelta(days=min(rng.choice([0, 0, 5, 400]), (date.max - ds).days))
        events.append(
            Event(
                id=f"evt_{rng.randrange(50):03d}_{i}",
                event_type="other",
                date_start=ds,
                date_end=de,
            )
        )
    by_int = sorted(events, key=lambda e: (rules.date_order(e.date_start, e.date_end), e.id))
    assert by_int == sorted(events, key=rules.sort_key)
    # a start without an end (not valid when stored) sorts after every end of that start
    d = date(2024, 10, 8)
    assert rules.date_order(d, None) > rules.date_order(d, date.max) > rules.date_order(d, d)
    assert rules.date_order(None, None) > rules.date_order(date.max, None)
