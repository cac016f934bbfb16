"""The limits: declared once, each with a unit, listed in docs/security.md."""

from __future__ import annotations

import re
from pathlib import Path

from imageapi.config import ENV_PREFIX
from imageapi.config import Config
from imageapi.limits import LimitRow
from imageapi.limits import limit_rows

SECURITY_DOC = Path(__file__).parents[2] / "docs" / "security.md"
BEGIN = "<!-- limits table: generated from imageapi/limits.py, checked by tests -->"
# A limit's name says what it counts: a unit, or a thing counted.
UNIT_SUFFIXES = (
    "_bytes",
    "_pixels",
    "_seconds",
    "_minute",
    "_parts",
    "_frames",
    "_renders",
    "_hashes",
    "_reads",
    "_percent",
)
COUNTED = ("login_failures", "login_failures_per_address", "login_failures_per_account")


def render_table(rows: list[LimitRow]) -> str:
    lines = [
        BEGIN,
        "| limit | meaning | setting | default | when exceeded |",
        "| --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        setting = f"`{row.key}`<br>`{row.variable}`" if row.key else "fixed"
        lines.append(
            f"| `{row.name}` | {row.description} | {setting} | "
            f"{_default(row.name, row.default)} | {row.exceeded} |"
        )
    return "\n".join(lines) + "\n"


def _default(name: str, value: float) -> str:
    shown = f"`{value:g}`" if isinstance(value, float) else f"`{value}`"
    if name.endswith("_bytes") and value >= 1024:
        for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
            if value % size == 0:
                return f"{shown} ({value // size} {unit})"
    return shown


def test_security_doc_lists_every_limit_as_declared():
    expected = render_table(limit_rows(Config, ENV_PREFIX))
    text = SECURITY_DOC.read_text()
    start = text.index(BEGIN)
    end = text.find("\n\n", start)
    actual = text[start : end + 1 if end != -1 else len(text)]
    assert actual == expected, f"docs/security.md should read:\n{expected}"


def test_limits_include_those_enforced_outside_the_limits_section():
    keys = {row.key for row in limit_rows(Config, ENV_PREFIX)}
    assert {
        "limits.max_pixels",
        "limits.max_upload_bytes",
        "limits.max_request_memory_bytes",
        "processing.timeout_seconds",
        "processing.max_parallel_renders",
    } <= keys


def test_every_limit_name_carries_its_unit():
    for row in limit_rows(Config, ENV_PREFIX):
        assert row.name.endswith(UNIT_SUFFIXES) or row.name in COUNTED, row.name
        assert row.description and row.exceeded, row.name
        assert re.match(r"^\d{3}", row.exceeded), f"{row.name}: say the status"
