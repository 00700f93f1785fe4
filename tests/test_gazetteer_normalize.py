"""Name normalisation and name validation (pure logic, no index needed)."""

from __future__ import annotations

import re

import pytest

from tracker.errors import ValidationError
from tracker.gazetteer.normalize import MAX_NAME_LENGTH, check_name, core_name, normalize_name


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Wŏnsan", "wonsan"),
        ("  VLADIVOSTOK ", "vladivostok"),
        ("P'yŏngyang", "pyongyang"),
        ("Arkhangel’sk", "arkhangelsk"),
        ("Ulan-Ude", "ulan ude"),
        ("Sakha (Yakutia)", "sakha yakutia"),
        ("Владивосток", "владивосток"),
        ("Йошкар-Ола", "йошкар ола"),  # й keeps its breve: it is a letter, not an accent
        ("Орёл", "орел"),
        ("블라디보스토크", "블라디보스토크"),  # Hangul syllables survive NFKD and recompose
        ("São Paulo", "sao paulo"),
        ("U.S.", "u s"),
    ],
)
def test_normalize_name(raw: str, expected: str) -> None:
    assert normalize_name(raw) == expected


@pytest.mark.parametrize(
    "variants",
    [
        ("Primorsky Krai", "Primorskiy kray", "Primorskij kraj", "Приморский край"),
        ("Kursk Oblast", "Kursk region", "Kurskaja oblast'", "Kurskaya oblast"),
        ("Republic of Buryatia", "Buryatia Republic", "Buryatia"),
    ],
)
def test_core_name_folds_administrative_variants(variants: tuple[str, ...]) -> None:
    cores = {core_name(normalize_name(v))[0] for v in variants if v.isascii()}
    assert len(cores) == 1, cores


def test_core_name_reports_dropped_words() -> None:
    assert core_name("kursk oblast") == ("kursk", True)
    assert core_name("kursk") == ("kursk", False)
    assert core_name("oblast") == ("oblast", False)  # nothing but an admin word: keep it


def test_check_name_accepts_and_strips() -> None:
    assert check_name("  Vladivostok ") == "Vladivostok"


@pytest.mark.parametrize(
    ("bad", "fragment"),
    [
        ("", "empty"),
        ("   \t ", "empty"),
        ("x" * 10_000, "10000 characters"),
        ("Vladi\x1b[31mvostok", "control character U+001B"),
        ("Kursk\x00", "control character U+0000"),
        ("---", "no letters"),
    ],
)
def test_check_name_rejects_bad_input(bad: str, fragment: str) -> None:
    with pytest.raises(ValidationError, match=re.escape(fragment)):
        check_name(bad)


def test_max_length_is_enforced_exactly() -> None:
    assert check_name("a" * MAX_NAME_LENGTH)
    with pytest.raises(ValidationError):
        check_name("a" * (MAX_NAME_LENGTH + 1))
