"""Tags: the tag type, the bodies that carry tags, and the tag cloud."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import TypeAdapter

from imageapi.services.tags import MAX_TAG_LENGTH
from imageapi.services.tags import MAX_TAGS_PER_IMAGE
from imageapi.services.tags import TAG_PATTERN

# services/tags.clean_tag enforces the rule (with a message that names the
# tag); the pattern states the same rule in the document.
Tag = Annotated[
    str,
    Field(
        description=f"1 to {MAX_TAG_LENGTH} letters (any script), digits, spaces "
        "and `- _ . : /` once trimmed and NFC-normalised; matched case-insensitively.",
        json_schema_extra={"pattern": TAG_PATTERN},
    ),
]
Tags = Annotated[list[Tag], Field(max_length=MAX_TAGS_PER_IMAGE)]


class TagList(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tags: Tags


# ``PUT .../tags`` takes ``{"tags": [...]}`` or a bare array.
TagsBody = TagList | Tags
TAGS_BODY = TypeAdapter(TagsBody)


class TagListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prefix: str | None = Field(
        None, max_length=MAX_TAG_LENGTH, description="Only tags starting with this."
    )


class TagCount(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: str
    count: int = Field(ge=1, description="How many of your images carry it.")


class TagPath(BaseModel):
    """``/images/{image_id}/tags/{tag}``: a tag in a path cannot hold ``/``, nor
    be a dot segment (``.``, ``..``) that clients resolve away."""

    image_id: str = Field(description="The image's id.")
    tag: str = Field(
        description="A tag, as in the body rules, without `/`.",
        json_schema_extra={"pattern": TAG_PATTERN.replace("/", "")},
    )


class LegacyTagPath(BaseModel):
    """The path fields of the earlier project's route for one tag of an image."""

    img_id: str = Field(description="The image's id.")
    tag: str = TagPath.model_fields["tag"]
