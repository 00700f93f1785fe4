"""tracker.counts: troop and formation figures in report text."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PROPERTY_EXAMPLES
from tracker.counts import find_counts
from tracker.model import COUNT_QUALIFIERS

PROPS = settings(
    max_examples=PROPERTY_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def one(text: str) -> tuple[int | None, int | None, int | None, str | None, str]:
    found = find_counts(text)
    assert len(found) == 1, found
    c = found[0]
    return c.count, c.count_low, c.count_high, c.qualifier, c.unit


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Officials counted 1,500.", (1500, None, None, None, "troops")),
        ("about 1,500 marines landed", (1500, None, None, "about", "troops")),
        ("Some 3,000 conscripts", (3000, None, None, "about", "troops")),
        ("an estimated 700 fighters", (700, None, None, "about", "troops")),
        ("up to 12,000 soldiers", (12000, None, 12000, "up_to", "troops")),
        ("as many as 8,000 troops", (8000, None, 8000, "up_to", "troops")),
        ("at least 10,000 personnel", (10000, 10000, None, "at_least", "troops")),
        ("more than 11,000 servicemen", (11000, 11000, None, "more_than", "troops")),
        ("over 400 paratroopers", (400, 400, None, "more_than", "troops")),
        ("11,000-12,000 troops", (None, 11000, 12000, None, "troops")),
        ("11,000 – 12,000 troops", (None, 11000, 12000, None, "troops")),
        ("between 11,000 and 12,000 soldiers", (None, 11000, 12000, None, "troops")),
        ("from 5,000 to 7,000 troops", (None, 5000, 7000, None, "troops")),
        ("11-12 thousand soldiers", (None, 11000, 12000, None, "troops")),
        ("10k troops", (10000, None, None, None, "troops")),
        ("1.5 million soldiers", (1_500_000, None, None, None, "troops")),
        ("four brigades", (4, None, None, None, "brigades")),
        ("two battalions of marines", (2, None, None, None, "battalions")),
        ("a regiment", (1, None, None, None, "regiments")),
        ("twelve thousand soldiers", (12000, None, None, None, "troops")),
        ("three hundred and fifty commandos", (350, None, None, None, "troops")),
        ("twenty-five sappers", (25, None, None, None, "troops")),
        ("a total of 9,000 troops", (9000, None, None, None, "troops")),
        ("thousands of troops", (None, 2000, 9999, None, "troops")),
        ("hundreds of soldiers", (None, 200, 999, None, "troops")),
        ("tens of thousands of reservists", (None, 20000, 99999, None, "troops")),
        ("several thousand fighters", (None, 2000, 9999, None, "troops")),
        ("2,400 Belarusian special operation forces", (2400, None, None, None, "troops")),
        ("2000 troops", (2000, None, None, None, "troops")),
    ],
)
def test_counts(
    text: str, expected: tuple[int | None, int | None, int | None, str | None, str]
) -> None:
    assert one(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "in 2023 the ministry",
        "the 11th Corps and the 3rd Brigade",
        "on 14 March 2023",
        "between 4 and 9 March",
        "March 4-9, 2023",
        "2023-03-04",
        "a 21-year-old conscript",
        "aged 34",
        "Unit 74455 and Brigade 155",
        "Su-25 and F-16 jets",
        "a $3,000 bonus",
        "40% of the fleet",
        "300 km from the border",
        "at 09:51 local time",
        "six months ago",
        "two regions of the country",
        "one of the soldiers",
        "4,000 civilians fled",
        "Resolution No. 1441",
    ],
)
def test_not_counts(text: str) -> None:
    assert find_counts(text) == []


def test_absurd_figures_are_not_counts() -> None:
    assert find_counts("9" * 400 + " troops") == []
    assert find_counts("1." + "9" * 400 + " million troops") == []
    assert find_counts("2,000,000,000 soldiers") == []


def test_several_counts_in_one_sentence_keep_their_offsets() -> None:
    text = (
        "Pyongyang sent a total of 8,000 troops, formed into three brigades, and 1,200 engineers."
    )
    found = find_counts(text)
    assert [(c.count, c.unit, c.noun) for c in found] == [
        (8000, "troops", "troops"),
        (3, "brigades", "brigades"),
        (1200, "troops", "engineers"),
    ]
    for c in found:
        assert text[c.start : c.end] == c.text


def test_noun_after_adjectives() -> None:
    (c,) = find_counts("moved 700 North Korean special operation forces to the port")
    assert (c.count, c.noun, c.text) == (700, "forces", "700 North Korean special operation forces")


def test_and_without_between_is_two_figures() -> None:
    assert [c.count for c in find_counts("1,200 and 3,400 soldiers")] == [1200, 3400]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 000 troops", (12000, None, None)),
        ("1\u00a0500 soldiers", (1500, None, None)),  # no-break space
        ("about 3\u202f000 North Korean soldiers", (3000, None, None)),  # narrow no-break
        ("between 11 000 and 12 000 troops", (None, 11000, 12000)),
        ("In 2024 500 troops crossed", (500, None, None)),  # a year, then the figure
    ],
)
def test_space_grouped_thousands(text: str, expected: tuple[int | None, ...]) -> None:
    # Written "12 000" in Ukrainian, Russian and French sources; was read as 12 and 0.
    (c,) = find_counts(text)
    assert (c.count, c.count_low, c.count_high) == expected


@PROPS
@given(
    st.integers(min_value=1000, max_value=999_999_999),
    st.sampled_from([" ", "\u00a0", "\u202f"]),
)
def test_space_grouped_figures_round_trip(n: int, sep: str) -> None:
    (c,) = find_counts(f"officials said {n:,} soldiers moved".replace(",", sep))
    assert c.count == n


@PROPS
@given(
    st.integers(min_value=1, max_value=999_999_999),
    st.sampled_from(["troops", "soldiers", "brigades"]),
)
def test_figures_round_trip(n: int, noun: str) -> None:
    (c,) = find_counts(f"officials said {n:,} {noun} moved")
    assert c.count == n
    assert c.unit == ("brigades" if noun == "brigades" else "troops")


@PROPS
@given(st.integers(min_value=1, max_value=10**8), st.integers(min_value=0, max_value=10**8))
def test_ranges_round_trip(low: int, extra: int) -> None:
    high = low + extra
    (c,) = find_counts(f"between {low:,} and {high:,} soldiers")
    assert (c.count, c.count_low, c.count_high) == (None, low, high)


TOKENS = st.sampled_from(
    [
        "about", "up", "to", "at", "least", "more", "than", "between", "and", "1,500", "12,000",
        "-", "four", "brigades", "troops", "thousands", "of", "2024", "11th", "October", "8",
        "k", "10k", "aged", "$", "%", "1.5", "million", "a", "regiment", ",", "tens",
    ]
)  # fmt: skip


@PROPS
@given(
    st.one_of(
        st.text(max_size=120),
        st.lists(TOKENS, max_size=20).map(" ".join),
        st.from_regex(r"[0-9.,]{1,40}( (thousand|million|k))? troops", fullmatch=True),
    )
)
def test_find_counts_never_crashes(text: str) -> None:
    last = 0
    for c in find_counts(text):
        assert 0 <= c.start < c.end <= len(text) and c.start >= last
        last = c.end
        assert text[c.start : c.end] == c.text
        assert c.qualifier is None or c.qualifier in COUNT_QUALIFIERS
        values = [v for v in (c.count, c.count_low, c.count_high) if v is not None]
        assert values and all(v >= 0 for v in values)
        if c.count_low is not None and c.count_high is not None:
            assert c.count_low <= c.count_high
        assert c.unit


def test_a_branch_before_a_formation_counts_the_formation() -> None:
    got = [
        (c.count, c.unit, c.text)
        for c in find_counts("It moved two infantry brigades and 3,000 infantry.")
    ]
    assert got == [(2, "brigades", "two infantry brigades"), (3000, "troops", "3,000 infantry")]


def test_equipment_is_counted_by_kind_and_people_come_first() -> None:
    got = [(c.count, c.unit) for c in find_counts("about 70 trucks and armoured vehicles")]
    assert got == [(70, "vehicles")]
    got = [(c.count, c.unit) for c in find_counts("three warships and 1,200 marines")]
    assert got == [(3, "ships"), (1200, "troops")]
