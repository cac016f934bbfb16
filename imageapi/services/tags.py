"""The rules every tag obeys, wherever it comes from."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from imageapi.errors import InvalidInput

MAX_TAG_LENGTH = 64
MAX_TAGS_PER_IMAGE = 100
# Besides letters and digits of any script: space and a few separators.
ALLOWED_PUNCTUATION = frozenset(" -_.:/")


class InvalidTag(InvalidInput):
    title = "Invalid tag"


def tag_key(name: str) -> str:
    """What makes two tags the same: "Cat" and "cat" are one tag."""
    return unicodedata.normalize("NFC", name).casefold()


def clean_tag(value: object) -> str:
    if not isinstance(value, str):
        raise InvalidTag(f"Tag {value!r} is not a string.")
    name = unicodedata.normalize("NFC", value.strip())
    if not 1 <= len(name) <= MAX_TAG_LENGTH:
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
    seen: dict[str, str] = {}
    for value in values:
        name = clean_tag(value)
        seen.setdefault(tag_key(name), name)
    if len(seen) > MAX_TAGS_PER_IMAGE:
        raise InvalidTag(f"An image can have at most {MAX_TAGS_PER_IMAGE} tags.")
    return list(seen.values())
