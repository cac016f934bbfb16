"""Query, form and response models of the image routes."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from typing import Annotated
from typing import Literal

from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import WithJsonSchema

from imageapi.datetimes import to_utc
from imageapi.processing.probe import CONTENT_TYPES
from imageapi.processing.probe import SUPPORTED
from imageapi.schemas.tags import Tags
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


Timestamp = Annotated[
    datetime,
    BeforeValidator(_timestamp),
    # In UTC, saturating at the ends of the range (year 1 at +14:00).
    AfterValidator(to_utc),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {"type": "string", "pattern": r"^\d{1,10}(\.\d{1,6})?$"},
            ]
        }
    ),
]


SIGN_NAMES = r"^[a-z0-9][a-z0-9_-]{0,31}(,[a-z0-9][a-z0-9_-]{0,31})*$"
SIGN = Field(
    None,
    pattern=SIGN_NAMES,
    description="Comma-separated presets: each image then carries `signed_urls` "
    "{preset: public URL}, ready for `srcset`.",
)
SIGN_EXPIRES_IN = Field(
    None,
    ge=1,
    description="With `sign`: the URLs' lifetime in seconds (else the default).",
)


class SignQuery(BaseModel):
    """Reading one image, optionally with signed URLs of presets."""

    model_config = ConfigDict(extra="forbid")

    sign: str | None = SIGN
    expires_in: int | None = SIGN_EXPIRES_IN


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
    sign: str | None = SIGN
    expires_in: int | None = SIGN_EXPIRES_IN


class LegacyImageListQuery(BaseModel):
    """The earlier project's filters: unix-second dates."""

    model_config = ConfigDict(extra="forbid")

    tag: list[str] = Field(default_factory=list)
    date: Timestamp | None = None
    start_date: Timestamp | None = None
    end_date: Timestamp | None = None


class ContentQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    download: bool = Field(False, description="Answer as an attachment download.")


# web/multipart.py streams the parts (an image never sits whole in memory), so
# this model names and describes them rather than parsing the form.
class ImageUpload(BaseModel):
    """multipart/form-data: one `image` part and any number of `tags` parts."""

    image: bytes = Field(
        description="The file. Its format is detected from its bytes: "
        f"{SUPPORTED}; anything else is refused with 415."
    )
    tags: Tags = Field(
        default_factory=list,
        description="Repeat the part for each tag, or send one part holding a "
        "JSON array of strings.",
    )


IMAGE_PART, TAGS_PART = ImageUpload.model_fields

OnDuplicate = Literal["allow", "reject"]
ON_DUPLICATE_DESCRIPTION = (
    "`reject`: refuse the image with 409 if it is a near-duplicate of one of "
    "yours (the same picture resized, re-encoded, brightened a little or "
    "cropped at the edges); nothing is stored. `allow` (the default) stores it."
)


class UploadQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    on_duplicate: OnDuplicate = Field("allow", description=ON_DUPLICATE_DESCRIPTION)


class NewImageUpload(ImageUpload):
    """The upload form of this API: also an `on_duplicate` part."""

    on_duplicate: OnDuplicate = Field(
        "allow",
        description="The same as the `on_duplicate` query parameter; the "
        "upload is refused if either says `reject`.",
    )


ON_DUPLICATE_PART = "on_duplicate"


class ImageLinks(BaseModel):
    model_config = ConfigDict(extra="forbid")

    self: str = Field(description="This image.")
    content: str = Field(description="Its bytes, or a transformed copy.")
    metadata: str = Field(description="What its analysis found.")
    tags: str = Field(description="Its tags.")


class ImageOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Opaque, stable id.")
    name: str = Field(description="The uploaded file's name, made safe to show.")
    content_type: Literal[tuple(CONTENT_TYPES.values())]  # type: ignore[valid-type]
    format: Literal[tuple(CONTENT_TYPES)]  # type: ignore[valid-type]
    size: int = Field(ge=0, description="Bytes.")
    width: int = Field(ge=1, description="Pixels, as displayed (after EXIF rotation).")
    height: int = Field(ge=1, description="Pixels, as displayed.")
    sha256: str = Field(pattern="^[0-9a-f]{64}$", description="Of the bytes; the ETag.")
    blurhash: str | None = Field(
        description="A tiny placeholder (blurha.sh); null for images stored "
        "before it was computed."
    )
    tags: list[str]
    created_at: datetime = Field(description="ISO 8601, UTC.")
    links: ImageLinks
    signed_urls: dict[str, str] | None = Field(
        None,
        description="Only when asked for with `sign=PRESET,...`: preset -> a "
        "signed public URL of it, ready for `srcset`.",
    )


class ImagePage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[ImageOut] = Field(description="Newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last one."
    )


class LegacyImageOut(ImageOut):
    """The earlier project's shape: ``img_id`` besides everything v1 has."""

    img_id: str = Field(description="The same as `id`.")


class GpsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)


class ExifOut(BaseModel):
    """From the image's EXIF; null where it says nothing."""

    model_config = ConfigDict(extra="forbid")

    make: str | None = Field(description="Camera maker.")
    model: str | None = Field(description="Camera model.")
    taken_at: datetime | None = Field(description="When the photo was taken.")
    gps: GpsOut | None


class MetadataOut(BaseModel):
    """What the upload analysis found; unknown values are null."""

    model_config = ConfigDict(extra="forbid")

    width: int = Field(ge=1, description="Pixels, as displayed.")
    height: int = Field(ge=1, description="Pixels, as displayed.")
    format: Literal[tuple(CONTENT_TYPES)]  # type: ignore[valid-type]
    pages: int = Field(ge=1, description="Frames or pages.")
    has_alpha: bool | None
    orientation: int = Field(ge=1, le=8, description="The EXIF orientation, 1-8.")
    colour_space: str | None = Field(description="libvips' interpretation.")
    exif: ExifOut
