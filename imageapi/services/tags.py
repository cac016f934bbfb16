"""The rules every tag obeys, wherever it comes from."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from imageapi.errors import InvalidInput

MAX_TAG_LENGTH = 64
MAX_TAGS_PER_IMAGE = 100
# Besides letters and digits of any script: space and a few separators.
ALLOWED_PUNCTUATION = frozenset(" -_.:/")
# The same rule as a regular expression, for the OpenAPI document: Python's
# ``\w`` is exactly ``str.isalnum()`` plus "_", and ``\s`` what ``strip()``
# removes. tests/unit/test_tags.py checks that both agree.
TAG_PATTERN = rf"^\s*[\w.:/-](?:[\w .:/-]{{0,{MAX_TAG_LENGTH - 2}}}[\w.:/-])?\s*$"


class InvalidTag(InvalidInput):
    title = "Invalid tag"


def tag_key(name: str) -> str:
    """What makes two tags the same: "Cat" and "cat" are one tag."""
    return unicodedata.normalize("NFC", name).casefold()


def clean_tag(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidTag(f"Tag {value!r} is not a string.")
    name = unicodedata.normalize("NFC", value.strip())
    # The key is stored too, and case folding can lengthen it ("ß" -> "ss").
    if not 1 <= max(len(name), len(tag_key(name))) <= MAX_TAG_LENGTH:
        raise InvalidTag(
            f"Tag {value!r} must be 1 to {MAX_TAG_LENGTH} characters after trimming."
        )
    if not all(char.isalnum() or char in ALLOWED_PUNCTUATION for char in name):
        raise InvalidTag(
            f"Tag {value!r} may hold only letters, digits, spaces and - _ . : /"
        )
    return name


def clean_tags(values: Iterable[object]) -> list[str]:
    """Trim, check and de-duplicate (case-insensitively, first spelling wins)."""
    values = list(values)
    # Counted before de-duplication too, so a request is refused or accepted
    # for what it sends, whatever its letter case.
    if len(values) > MAX_TAGS_PER_IMAGE:
        raise InvalidTag(f"An image can have at most {MAX_TAGS_PER_IMAGE} tags.")
    seen: dict[str, str] = {}
    for value in values:
        name = clean_tag(value)
        seen.setdefault(tag_key(name), name)
    return list(seen.values())
