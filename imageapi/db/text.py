"""Text values in queries: NUL characters and LIKE patterns."""

from __future__ import annotations


def has_nul(text: str) -> bool:
    """PostgreSQL text cannot hold NUL, so comparing with such a value fails
    (a 500, found by schemathesis); nothing stored has one, so a filter
    holding one matches nothing, without asking the database."""
    return "\x00" in text


def escape_like(text: str) -> str:
    """``text`` matched literally inside a LIKE pattern (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
