"""tracker.dates: CLI/CSV date arguments and date expressions in report text."""

from __future__ import annotations

import calendar
from datetime import date, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import PROPERTY_EXAMPLES
from tracker.dates import (
    DateMention,
    find_date_expressions,
    parse_date_arg,
    resolve_expression,
)
from tracker.errors import DateError
from tracker.model import DATE_PRECISIONS, DateSpan

D = date
PROPS = settings(
    max_examples=PROPERTY_EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


# ----------------------------------------------------------------------------- parse_date_arg


@pytest.mark.parametrize(
    ("arg", "start", "end", "precision"),
    [
        ("2024-10-08", D(2024, 10, 8), D(2024, 10, 8), "day"),
        ("2024-10", D(2024, 10, 1), D(2024, 10, 31), "month"),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month"),
        ("2023-02", D(2023, 2, 1), D(2023, 2, 28), "month"),
        ("2024", D(2024, 1, 1), D(2024, 12, 31), "year"),
        ("2024-W42", D(2024, 10, 14), D(2024, 10, 20), "week"),
        ("2020-W53", D(2020, 12, 28), D(2021, 1, 3), "week"),
        ("2024-10-08/2024-10-13", D(2024, 10, 8), D(2024, 10, 13), "range"),
        ("2024-10/2024-12", D(2024, 10, 1), D(2024, 12, 31), "month"),
        ("2023/2024", D(2023, 1, 1), D(2024, 12, 31), "year"),
        ("2024-W42/2024-W44", D(2024, 10, 14), D(2024, 11, 3), "week"),
        ("2024-10/2024-11-05", D(2024, 10, 1), D(2024, 11, 5), "range"),
        ("2024-10-08/2024-10-08", D(2024, 10, 8), D(2024, 10, 8), "day"),
        ("8-13 October 2024", D(2024, 10, 8), D(2024, 10, 13), "range"),
        ("8 October 2024", D(2024, 10, 8), D(2024, 10, 8), "day"),
        ("October 2024", D(2024, 10, 1), D(2024, 10, 31), "month"),
        ("8 Oct - 2 Nov 2024", D(2024, 10, 8), D(2024, 11, 2), "range"),
        ("8 Oct – 2 Nov 2024", D(2024, 10, 8), D(2024, 11, 2), "range"),
        ("October 8-13, 2024", D(2024, 10, 8), D(2024, 10, 13), "range"),
        ("Oct. 8, 2024", D(2024, 10, 8), D(2024, 10, 8), "day"),
        ("8th of October 2024", D(2024, 10, 8), D(2024, 10, 8), "day"),
        ("30 Dec 2024 - 2 Jan 2025", D(2024, 12, 30), D(2025, 1, 2), "range"),
        ("30 Dec - 2 Jan 2025", D(2024, 12, 30), D(2025, 1, 2), "range"),
        ("between 8 and 13 October 2024", D(2024, 10, 8), D(2024, 10, 13), "range"),
        ("early November 2024", D(2024, 11, 1), D(2024, 11, 10), "range"),
        ("mid-January 2025", D(2025, 1, 11), D(2025, 1, 20), "range"),
        ("late February 2024", D(2024, 2, 21), D(2024, 2, 29), "range"),
        ("  2024-10-08  ", D(2024, 10, 8), D(2024, 10, 8), "day"),
    ],
)
def test_parse_date_arg_accepts(arg: str, start: date, end: date, precision: str) -> None:
    span = parse_date_arg(arg)
    assert (span.start, span.end, span.precision) == (start, end, precision)
    assert span.text == arg


@pytest.mark.parametrize(
    ("arg", "why"),
    [
        ("2024-02-30", "no day 30"),
        ("2023-02-29", "no day 29"),
        ("31 February 2024", "no day 31"),
        ("2024-13", "no month 13"),
        ("2024-00-10", "no month 0"),
        ("2021-W53", "no ISO week 53"),
        ("2024-10-13/2024-10-08", "before the start"),
        ("13-8 October 2024", "before the start"),
        ("8 October", "no year"),
        ("", "empty"),
        ("   ", "empty"),
        ("yesterday", "not a day, month or year"),
        ("2024/2025/2026", "more than one"),
        ("2024-10-08/", "both sides"),
        ("0000", "year 0"),
        ("10/08/2024", "more than one"),
        ("2024-10-08T12:00:00Z", "time of day is not part of a date"),  # was "range separator"
        ("2024-10-08 09:51", "give the day alone (2024-10-08)"),
        ("2024-10-08..2024-10-13", "write a range as A/B"),
    ],
)
def test_parse_date_arg_rejects_with_reason_and_forms(arg: str, why: str) -> None:
    with pytest.raises(DateError) as err:
        parse_date_arg(arg)
    msg = str(err.value)
    assert repr(arg) in msg
    assert why in msg
    assert "2024-W42" in msg and "8-13 October 2024" in msg  # the accepted forms are listed


def test_date_error_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        parse_date_arg("2024-02-30")


@PROPS
@given(st.dates(min_value=D(1, 1, 1), max_value=D(9999, 12, 31)))
def test_iso_day_round_trip(d: date) -> None:
    span = parse_date_arg(f"{d.year:04d}-{d.month:02d}-{d.day:02d}")
    assert span.start == span.end == d and span.precision == "day"


@PROPS
@given(st.dates(min_value=D(1000, 1, 1), max_value=D(2999, 12, 31)))
def test_text_day_and_iso_week_round_trip(d: date) -> None:
    month = calendar.month_name[d.month]
    assert parse_date_arg(f"{d.day} {month} {d.year}").start == d
    assert parse_date_arg(f"{month} {d.day}, {d.year}").start == d
    y, w, _ = d.isocalendar()
    week = parse_date_arg(f"{y}-W{w:02d}")
    assert week.start is not None and week.end is not None
    assert week.start <= d <= week.end and week.start.weekday() == 0
    assert (week.end - week.start).days == 6


@PROPS
@given(
    st.dates(min_value=D(1000, 1, 1), max_value=D(2999, 12, 31)),
    st.integers(min_value=0, max_value=3000),
)
def test_range_round_trip(a: date, days: int) -> None:
    b = a + timedelta(days=days)
    span = parse_date_arg(f"{a.isoformat()}/{b.isoformat()}")
    assert (span.start, span.end) == (a, b)
    assert span.precision == ("day" if a == b else "range")
    if a != b:
        with pytest.raises(DateError):
            parse_date_arg(f"{b.isoformat()}/{a.isoformat()}")


DATE_ALPHABET = st.sampled_from([*"0123456789-/W ,.", "Oct", "October", "mid-", "and", "to"])


@PROPS
@given(st.one_of(st.text(max_size=40), st.lists(DATE_ALPHABET, max_size=12).map("".join)))
def test_parse_date_arg_never_crashes(s: str) -> None:
    try:
        span = parse_date_arg(s)
    except DateError as err:
        assert repr(s) in str(err)
        return
    assert span.start is not None and span.end is not None
    assert span.start <= span.end
    assert span.precision in DATE_PRECISIONS


# ----------------------------------------------------------------------------- report text

FRI = D(2024, 10, 18)  # a Friday


def spans(text: str, anchor: date | None = FRI) -> list[tuple[str, date | None, date | None, str]]:
    return [
        (m.text, m.span.start, m.span.end, m.span.precision)
        for m in find_date_expressions(text, anchor)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The ministry said on Friday", ("on Friday", D(2024, 10, 18), D(2024, 10, 18), "day")),
        ("officials said Tuesday", ("Tuesday", D(2024, 10, 15), D(2024, 10, 15), "day")),
        ("last Friday", ("last Friday", D(2024, 10, 11), D(2024, 10, 11), "day")),
        ("arrived yesterday", ("yesterday", D(2024, 10, 17), D(2024, 10, 17), "day")),
        (
            "the day before yesterday",
            ("the day before yesterday", D(2024, 10, 16), D(2024, 10, 16), "day"),
        ),
        (
            "it comes a day after the minister spoke",
            ("a day after", D(2024, 10, 17), D(2024, 10, 17), "day"),
        ),
        (
            "a day earlier the ships left",
            ("a day earlier", D(2024, 10, 17), D(2024, 10, 17), "day"),
        ),
        ("three days ago", ("three days ago", D(2024, 10, 15), D(2024, 10, 15), "day")),
        ("last week", ("last week", D(2024, 10, 7), D(2024, 10, 13), "week")),
        ("this week", ("this week", D(2024, 10, 14), D(2024, 10, 20), "week")),
        ("this month", ("this month", D(2024, 10, 1), D(2024, 10, 31), "month")),
        ("last month", ("last month", D(2024, 9, 1), D(2024, 9, 30), "month")),
        ("last year", ("last year", D(2023, 1, 1), D(2023, 12, 31), "year")),
        ("next week", ("next week", D(2024, 10, 21), D(2024, 10, 27), "week")),
        ("next month", ("next month", D(2024, 11, 1), D(2024, 11, 30), "month")),
        ("next year", ("next year", D(2025, 1, 1), D(2025, 12, 31), "year")),
        ("next Friday", ("next Friday", D(2024, 10, 25), D(2024, 10, 25), "day")),
        ("next Monday", ("next Monday", D(2024, 10, 21), D(2024, 10, 21), "day")),
        ("2 months ago", ("2 months ago", D(2024, 8, 1), D(2024, 8, 31), "month")),
        ("earlier this month", ("earlier this month", D(2024, 10, 1), D(2024, 10, 17), "range")),
        ("since January", ("since January", D(2024, 1, 1), D(2024, 10, 18), "range")),
        ("since 2022", ("since 2022", D(2022, 1, 1), D(2024, 10, 18), "range")),
        (
            "between 8 and 13 October",
            ("between 8 and 13 October", D(2024, 10, 8), D(2024, 10, 13), "range"),
        ),
        ("early November", ("early November", D(2023, 11, 1), D(2023, 11, 10), "range")),
        ("by mid-January", ("mid-January", D(2024, 1, 11), D(2024, 1, 20), "range")),
        ("late March", ("late March", D(2024, 3, 21), D(2024, 3, 31), "range")),
        (
            "between early and mid-October",
            ("between early and mid-October", D(2024, 10, 1), D(2024, 10, 20), "range"),
        ),
        ("fighting in October", ("October", D(2024, 10, 1), D(2024, 10, 31), "month")),
        ("on 8 October", ("8 October", D(2024, 10, 8), D(2024, 10, 8), "day")),
        ("on Oct. 8 the", ("Oct. 8", D(2024, 10, 8), D(2024, 10, 8), "day")),
        ("October 8-13", ("October 8-13", D(2024, 10, 8), D(2024, 10, 13), "range")),
        ("in December", ("December", D(2023, 12, 1), D(2023, 12, 31), "month")),
        ("28 Dec - 3 Jan", ("28 Dec - 3 Jan", D(2023, 12, 28), D(2024, 1, 3), "range")),
        ("on 2024-10-08.", ("2024-10-08", D(2024, 10, 8), D(2024, 10, 8), "day")),
        ("in 2023", ("2023", D(2023, 1, 1), D(2023, 12, 31), "year")),
        ("on 12 March 2022", ("12 March 2022", D(2022, 3, 12), D(2022, 3, 12), "day")),
    ],
)
def test_expressions_resolve_against_the_anchor(
    text: str, expected: tuple[str, date, date, str]
) -> None:
    assert spans(text) == [expected]


def test_weekday_on_the_anchor_day_is_the_anchor_itself() -> None:
    # News convention: "on Friday" in a Friday paper is that Friday; "last Friday" is a week back.
    assert spans("on Friday", D(2024, 10, 18))[0][1] == D(2024, 10, 18)
    assert spans("on Saturday", D(2024, 10, 18))[0][1] == D(2024, 10, 12)


def test_no_anchor_gives_unknown_not_a_guess() -> None:
    found = find_date_expressions("On Friday, 8 October, two months ago, 8 October 2024", None)
    assert [m.span for m in found[:3]] == [
        DateSpan(None, None, "unknown", "On Friday"),
        DateSpan(None, None, "unknown", "8 October"),
        DateSpan(None, None, "unknown", "two months ago"),
    ]
    assert found[3].span.start == D(2024, 10, 8)  # an absolute date needs no anchor


def test_month_names_are_not_verbs_or_other_words() -> None:
    text = "Troops may march in May. The mark was 1,500. Augusta said."
    found = spans(text)
    assert found == [("May", D(2024, 5, 1), D(2024, 5, 31), "month")]


def test_counts_and_unit_numbers_are_not_dates() -> None:
    assert spans("1,500 troops of the 11th Corps, 12,000 in four brigades") == []


@pytest.mark.parametrize("anchor", [D(1, 1, 1), D(1, 3, 1), D(9999, 12, 31)])
def test_extreme_anchors_do_not_crash(anchor: date) -> None:
    text = "early November, 8 October, last week, 2 months ago, since January, 28 Dec - 3 Jan, next"
    _check_mentions(text, find_date_expressions(text, anchor), anchor)


def test_offsets_index_the_text() -> None:
    text = "Seoul said on Friday that ships sailed between 8 and 13 October."
    for m in find_date_expressions(text, FRI):
        assert text[m.start : m.end] == m.text == m.span.text


def test_resolve_expression_whole_text_only() -> None:
    assert resolve_expression("mid-January", FRI) == DateSpan(
        D(2024, 1, 11), D(2024, 1, 20), "range", "mid-January"
    )
    assert resolve_expression(" yesterday. ", FRI) == DateSpan(
        D(2024, 10, 17), D(2024, 10, 17), "day", "yesterday"
    )
    assert resolve_expression("troops yesterday", FRI) is None
    assert resolve_expression("nothing here", FRI) is None


def _check_mentions(text: str, found: list[DateMention], anchor: date | None) -> None:
    last = 0
    for m in found:
        assert 0 <= m.start < m.end <= len(text)
        assert m.start >= last
        last = m.end
        assert text[m.start : m.end] == m.text
        assert m.span.precision in DATE_PRECISIONS
        if m.span.start is None:
            assert m.span.precision == "unknown"
        else:
            assert m.span.end is not None and m.span.start <= m.span.end


WORDS = st.sampled_from(
    [
        "on", "Friday", "last", "week", "month", "8", "13", "October", "Oct.", "and", "between",
        "-", "–", "2024", "early", "mid-", "late", "since", "ago", "a", "day", "after", "May",
        "1,500", "2024-10-08", "yesterday", "this", "year", "31", "February", "to", "in", ",",
    ]
)  # fmt: skip


@PROPS
@given(
    st.one_of(st.text(max_size=120), st.lists(WORDS, max_size=20).map(" ".join)),
    st.one_of(st.none(), st.dates()),
)
def test_find_date_expressions_never_crashes(text: str, anchor: date | None) -> None:
    _check_mentions(text, find_date_expressions(text, anchor), anchor)


@PROPS
@given(
    st.dates(min_value=D(1900, 1, 1), max_value=D(2100, 12, 31)),
    st.sampled_from(list(calendar.day_name)),
    st.text(alphabet="abc .,", max_size=20),
)
def test_weekday_is_within_the_week_before_the_anchor(anchor: date, day: str, pad: str) -> None:
    text = f"{pad} on {day} {pad}"
    found = [m for m in find_date_expressions(text, anchor) if day in m.text]
    assert len(found) == 1
    resolved = found[0].span.start
    assert resolved is not None and resolved.strftime("%A") == day
    assert 0 <= (anchor - resolved).days <= 6


@PROPS
@given(st.dates(min_value=D(1900, 3, 1), max_value=D(2100, 12, 31)), st.dates())
def test_day_month_without_year_is_latest_not_after_anchor(anchor: date, d: date) -> None:
    if (d.month, d.day) == (2, 29):
        return
    text = f"on {d.day} {calendar.month_name[d.month]} troops"
    (m,) = find_date_expressions(text, anchor)
    got = m.span.start
    assert got is not None and (got.month, got.day) == (d.month, d.day)
    assert got <= anchor and (anchor - got).days < 366


def test_early_mid_late_next_or_last_month_is_a_third_of_it() -> None:
    anchor = date(2025, 1, 20)
    got = [
        (m.span.start, m.span.end, m.span.precision)
        for m in find_date_expressions(
            "fly out early next month; back by mid-last month; late this month", anchor
        )
    ]
    assert got == [
        (date(2025, 2, 1), date(2025, 2, 10), "range"),
        (date(2024, 12, 11), date(2024, 12, 20), "range"),
        (date(2025, 1, 21), date(2025, 1, 31), "range"),
    ]


def test_over_the_weekend_is_the_weekend_before_publication() -> None:
    monday = date(2024, 12, 16)
    got = [(m.span.start, m.span.end) for m in find_date_expressions("over the weekend", monday)]
    assert got == [(date(2024, 12, 14), date(2024, 12, 15))]
    saturday = date(2024, 12, 14)
    got = [
        (m.span.start, m.span.end, m.span.precision)
        for m in find_date_expressions("this weekend", saturday)
    ]
    assert got == [(saturday, saturday, "day")]


def test_overnight_and_the_past_hours_reach_back_from_publication() -> None:
    pub = date(2025, 4, 3)
    cases = {
        "Troops crossed into Iraq overnight, officials said.": (date(2025, 4, 2), "overnight"),
        "Planes flew around Taiwan over the past 24 hours.": (date(2025, 4, 2), "over the past"),
        "In the last 48 hours, two brigades moved.": (date(2025, 4, 1), "In the last 48"),
        "It repelled 14 attacks over the past day.": (date(2025, 4, 2), "over the past day"),
    }
    for text, (start, words) in cases.items():
        got = find_date_expressions(text, pub)
        assert [(m.span.start, m.span.end, m.span.precision) for m in got] == [
            (start, pub, "range")
        ], text
        assert text[got[0].start : got[0].end].startswith(words), text


def test_parts_of_months_and_years_and_recent_days() -> None:
    pub = date(2024, 11, 5)
    cases = {
        "in the first week of October": (date(2024, 10, 1), date(2024, 10, 7)),
        "at the end of October": (date(2024, 10, 21), date(2024, 10, 31)),
        "in the second half of October": (date(2024, 10, 16), date(2024, 10, 31)),
        "the last week of February 2024": (date(2024, 2, 23), date(2024, 2, 29)),
        "in mid-2024": (date(2024, 5, 1), date(2024, 8, 31)),
        "late last year": (date(2023, 9, 1), date(2023, 12, 31)),
        "in recent days": (date(2024, 10, 29), pub),
    }
    for text, (start, end) in cases.items():
        got = [
            (m.span.start, m.span.end, m.span.precision) for m in find_date_expressions(text, pub)
        ]
        assert got == [(start, end, "range")], text
    # without a publication date a month part has no year: unknown, not a guess
    (m,) = find_date_expressions("at the end of October", None)
    assert m.span.precision == "unknown" and m.span.start is None


def test_following_day_and_days_later_count_from_the_day_before_them() -> None:
    text = (
        "The convoy left on 3 June and arrived the following day; a second one "
        "left on 10 June and arrived three days later.\n\nThe next day was quiet."
    )
    got = [(m.text, m.span.start) for m in find_date_expressions(text, date(2024, 6, 20))]
    assert got == [
        ("3 June", date(2024, 6, 3)),
        ("the following day", date(2024, 6, 4)),
        ("10 June", date(2024, 6, 10)),
        ("three days later", date(2024, 6, 13)),
    ]  # "The next day" after a paragraph break, with no day before it there: not guessed
    assert find_date_expressions("Troops arrived two days later.", date(2024, 6, 20)) == []
