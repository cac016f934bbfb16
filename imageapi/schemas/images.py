"""Query and body models of the image and tag routes."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Annotated
from typing import Literal

from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import field_validator

from imageapi.processing.probe import CONTENT_TYPES
from imageapi.services.images import MAX_PAGE_SIZE


def _timestamp(value: object) -> object:
    """Accept ISO 8601 or unix seconds; naive ISO values are taken as UTC."""
    if (
        isinstance(value, str)
        and value.strip().lstrip("-").replace(".", "", 1).isdigit()
    ):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError("is not a valid unix timestamp") from None
    return value


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


Timestamp = Annotated[datetime, BeforeValidator(_timestamp)]


class ImageListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag: list[str] = Field(
        default_factory=list, description="Only images with this tag; repeatable."
    )
    tag_mode: Literal["all", "any"] = Field(
        "all", description="With several tags: images with all of them, or any."
    )
    created_after: Timestamp | None = Field(
        None, description="ISO 8601 or unix seconds (exclusive)."
    )
    created_before: Timestamp | None = Field(
        None, description="ISO 8601 or unix seconds (exclusive)."
    )
    taken_after: Timestamp | None = Field(
        None, description="EXIF time taken; ISO 8601 or unix seconds (exclusive)."
    )
    taken_before: Timestamp | None = Field(
        None, description="EXIF time taken; ISO 8601 or unix seconds (exclusive)."
    )
    format: Literal[tuple(CONTENT_TYPES)] | None = Field(  # type: ignore[valid-type]
        None, description="Only images of this format."
    )
    name: str | None = Field(
        None, min_length=1, max_length=255, description="Case-insensitive substring."
    )
    limit: int = Field(50, ge=1, le=MAX_PAGE_SIZE, description="Page size.")
    cursor: str | None = Field(
        None, max_length=512, description="next_cursor of the previous page."
    )

    @field_validator("created_after", "created_before", "taken_after", "taken_before")
    @classmethod
    def _utc(cls, value: datetime | None) -> datetime | None:
        return None if value is None else _aware(value)


class LegacyImageListQuery(BaseModel):
    """The earlier project's filters: unix-second dates."""

    model_config = ConfigDict(extra="forbid")

    tag: list[str] = Field(default_factory=list)
    date: Timestamp | None = None
    start_date: Timestamp | None = None
    end_date: Timestamp | None = None


class TagList(BaseModel):
    """``PUT .../tags`` body: ``{"tags": [...]}`` (a bare array is accepted too)."""

    model_config = ConfigDict(extra="forbid")

    tags: list[str] = Field(max_length=1000)


class TagListQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    prefix: str | None = Field(None, max_length=64)


class ContentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    download: bool = Field(False, description="Answer as an attachment download.")
