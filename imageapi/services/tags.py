"""Tags: the rules every tag obeys, wherever it comes from, and the use cases
on an image's tags and the user's tag counts."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from imageapi.db.models import Image
from imageapi.db.models import ImageTag
from imageapi.db.uow import Database
from imageapi.db.uow import UnitOfWork
from imageapi.errors import InvalidInput
from imageapi.errors import TagNotFound

MAX_TAG_LENGTH = 64
MAX_TAGS_PER_IMAGE = 100
# Besides letters and digits of any script: space and a few separators.
ALLOWED_PUNCTUATION = frozenset(" -_.:/")
# The same rule as a regular expression, for the OpenAPI document: Python's
# ``\w`` is exactly ``str.isalnum()`` plus "_", and ``\s`` what ``strip()``
# removes. tests/unit/test_tags.py checks that both agree. "." and ".." are
# refused: in a URL path they are dot segments that clients and proxies resolve
# away, so such a tag could never be addressed on its own.
DOT_SEGMENTS = frozenset({".", ".."})
TAG_PATTERN = (
    r"^(?!\s*\.\.?\s*$)"
    rf"\s*[\w.:/-](?:[\w .:/-]{{0,{MAX_TAG_LENGTH - 2}}}[\w.:/-])?\s*$"
)


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
    if name in DOT_SEGMENTS:
        raise InvalidTag(f"Tag {value!r} is a dot segment; use other characters.")
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


def attach_tags(uow: UnitOfWork, image: Image, names: list[str], start: int = 0):
    """Link clean ``names`` to ``image`` at positions from ``start``, creating
    the user's tags that do not exist yet."""
    tags = uow.tags.get_or_create(
        image.user_id, names, [tag_key(name) for name in names]
    )
    for position, tag in enumerate(tags, start=start):
        image.tag_links.append(ImageTag(tag=tag, position=position))


class TagService:
    """An image's tags (read, replace, add one, remove one) and tag counts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list_for(self, user_id: str, image_id: str) -> list[str]:
        with self._db.read() as uow:
            return uow.images.get(user_id, image_id).tags

    def replace(self, user_id: str, image_id: str, tags: list) -> list[str]:
        names = clean_tags(tags)
        with self._db.write() as uow:
            image = uow.images.get(user_id, image_id, for_update=True)
            image.tag_links.clear()
            uow.flush()
            attach_tags(uow, image, names)
            uow.commit()
            return image.tags

    def add(self, user_id: str, image_id: str, tag: str) -> tuple[list[str], bool]:
        """Add one tag; returns the tags and whether it was new to the image."""
        (name,) = clean_tags([tag])
        with self._db.write() as uow:
            image = uow.images.get(user_id, image_id, for_update=True)
            current = image.tags
            if tag_key(name) in {tag_key(existing) for existing in current}:
                return current, False
            clean_tags([*current, name])  # enforces the per-image maximum
            attach_tags(uow, image, [name], start=len(current))
            uow.commit()
            return image.tags, True

    def remove(self, user_id: str, image_id: str, tag: str) -> list[str]:
        key = tag_key(tag.strip())
        with self._db.write() as uow:
            image = uow.images.get(user_id, image_id, for_update=True)
            link = next((x for x in image.tag_links if x.tag.key == key), None)
            if link is None:
                raise TagNotFound(f"Image {image_id!r} has no tag {tag!r}.")
            image.tag_links.remove(link)
            uow.commit()
            return image.tags

    def counts(self, user_id: str, prefix: str | None) -> list[tuple[str, int]]:
        """(tag, number of images) for the user's tags in use, most used first;
        ``prefix`` matches case-insensitively."""
        with self._db.read() as uow:
            return uow.tags.counts(user_id, tag_key(prefix) if prefix else None)
