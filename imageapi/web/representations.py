"""Domain objects -> JSON documents, in one place so every route agrees.

Every document goes through its response models (``schemas/``), the
same ones the OpenAPI document is generated from, so the two cannot drift.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from typing import Any

from imageapi.domain import Image
from imageapi.domain import User
from imageapi.schemas.accounts import UserOut
from imageapi.schemas.images import ExifOut
from imageapi.schemas.images import GpsOut
from imageapi.schemas.images import ImageLinks
from imageapi.schemas.images import ImageOut
from imageapi.schemas.images import LegacyImageOut
from imageapi.schemas.images import MetadataOut
from imageapi.schemas.tags import TagCount

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls


def user_document(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.id, email=user.email, role=user.role, created_at=user.created_at
    ).model_dump()


def _image_fields(image: Image, urls: Urls) -> dict[str, Any]:
    return {
        "id": image.id,
        "name": image.name,
        "content_type": image.content_type,
        "format": image.format,
        "size": image.size,
        "width": image.width,
        "height": image.height,
        "sha256": image.sha256,
        "blurhash": image.blurhash,
        "tags": image.tags,
        "created_at": image.created_at,
        "links": ImageLinks(
            self=urls.url_for("image", image_id=image.id),
            content=urls.url_for("image_content", image_id=image.id),
            metadata=urls.url_for("image_metadata", image_id=image.id),
            tags=urls.url_for("image_tags", image_id=image.id),
        ),
    }


def image_document(
    image: Image, urls: Urls, signed_urls: dict[str, str] | None = None
) -> dict[str, Any]:
    document = ImageOut(**_image_fields(image, urls), signed_urls=signed_urls)
    # signed_urls is there only when asked for (``?sign=``).
    return document.model_dump(exclude={"signed_urls"} if signed_urls is None else None)


def metadata_document(image: Image) -> dict[str, Any]:
    """Sizes are as displayed (after EXIF orientation); unknown values are null."""
    gps = None
    if image.latitude is not None and image.longitude is not None:
        gps = GpsOut(latitude=image.latitude, longitude=image.longitude)
    return MetadataOut(
        width=image.width,
        height=image.height,
        format=image.format,
        pages=image.pages,
        has_alpha=image.has_alpha,
        orientation=image.orientation,
        colour_space=image.colour_space,
        exif=ExifOut(
            make=image.camera_make,
            model=image.camera_model,
            taken_at=image.taken_at,
            gps=gps,
        ),
    ).model_dump()


def legacy_image_document(image: Image, urls: Urls) -> dict[str, Any]:
    """The earlier project's shape (``img_id`` ...) plus everything v1 has."""
    document = LegacyImageOut(img_id=image.id, **_image_fields(image, urls))
    return document.model_dump(exclude={"signed_urls"})


def tag_count_document(tag: str, count: int) -> dict[str, Any]:
    return TagCount(tag=tag, count=count).model_dump()
