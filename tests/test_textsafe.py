from __future__ import annotations

from tracker.textsafe import clean_terminal


def test_escape_sequences_are_neutralised() -> None:
    out = clean_terminal("ok\x1b[2J\x1b]0;pwned\x07 done")
    assert "\x1b" not in out and "\x07" not in out
    assert "\\u001b" in out and out.startswith("ok")


def test_bidi_overrides_are_made_visible() -> None:
    out = clean_terminal("Vladi\u202evostok")
    assert "\u202e" not in out
    assert "\\u202e" in out


def test_newlines_kept_or_flattened() -> None:
    assert clean_terminal("a\nb") == "a\nb"
    assert clean_terminal("a\nb\tc", keep_newlines=False) == "a b c"
    assert clean_terminal(None) == ""
