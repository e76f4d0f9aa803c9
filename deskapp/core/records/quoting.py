"""Values quoted in messages: cut short, one line, so a 50 MB cell or a million column names never become
a 50 MB error line (the message must say what and where, not repeat the file)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

VALUE_CHARS = 80
LISTED = 12


def shorten(value: Any, limit: int = VALUE_CHARS) -> str:
    """`value` as text on one line, at most `limit` characters, an ellipsis where it was cut."""
    text = str(value)
    if len(text) > limit * 4:
        text = text[: limit * 4]  # splitting a huge value only to keep 80 characters of it would cost
    text = " ".join(text.split()) if any(ch in text for ch in "\r\n\t\v\f\x85\u2028\u2029") else text
    return text if len(text) <= limit else text[: limit - 1] + "…"


def listed(names: Sequence[str], limit: int = LISTED) -> str:
    """ "a, b, c, ... (1,000 in all)": the first few names, and how many there are."""
    shown = ", ".join(shorten(n, 40) for n in names[:limit])
    return shown if len(names) <= limit else f"{shown}, ... ({len(names):,} in all)"
