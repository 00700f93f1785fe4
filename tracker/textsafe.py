"""Make untrusted text safe to show: terminal output without control sequences.

Report text comes from the open internet. Before any of it reaches a terminal, escape
sequences, other C0/C1 controls and Unicode bidi overrides are neutralised so a report
cannot move the cursor, recolour the screen or reorder what the analyst reads.
Imports: stdlib only.
"""

from __future__ import annotations

import re

# C0 controls except \t and \n, DEL, C1 controls, and the bidi embedding/override/isolate marks.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def clean_terminal(text: object, *, keep_newlines: bool = True) -> str:
    """Return ``text`` as a string with control and bidi characters made visible.

    Parameters
    ----------
    text
        Anything; ``None`` becomes an empty string.
    keep_newlines
        Keep ``\\n`` and ``\\t``; when false they become spaces (for table cells).

    Returns
    -------
    str
        The text with each unsafe character replaced by its ``\\uXXXX`` escape.

    Examples
    --------
    >>> clean_terminal("a\\x1b[31mb")
    'a\\\\u001b[31mb'
    """
    if text is None:
        return ""
    s = str(text)
    if not keep_newlines:
        s = s.replace("\r", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", s)
