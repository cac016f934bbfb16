"""Domain objects -> JSON documents, in one place so every route agrees.

Every document goes through its response models (``schemas/``), the
same ones the OpenAPI document is generated from, so the two cannot drift.
"""

from __future__ import annotations

from typing import Any

from imageapi.db.models import Image
from imageapi.db.models import User
from imageapi.schemas.accounts import UserOut
from imageapi.schemas.images import ImageLinks
from imageapi.schemas.images import ImageOut
from imageapi.schemas.images import LegacyImageOut
from imageapi.schemas.tags import TagCount


def user_document(user: User) -> dict[str, Any]:
    return UserOut(
        id=user.id, email=user.email, role=user.role, created_at=user.created_at
    ).model_dump()


def _image_fields(image: Image) -> dict[str, Any]:
    base = f"/api/v1/images/{image.id}"
    return {
        "id": image.id,
        "name": image.name,
        "content_type": image.content_type,
        "format": image.format,
        "size": image.size,
        "width": image.width,
        "height": image.height,
        "sha256": image.sha256,
        "tags": image.tags,
        "created_at": image.created_at,
        "links": ImageLinks(self=base, content=f"{base}/content", tags=f"{base}/tags"),
    }


def image_document(image: Image) -> dict[str, Any]:
    return ImageOut(**_image_fields(image)).model_dump()


def legacy_image_document(image: Image) -> dict[str, Any]:
    """The earlier project's shape (``img_id`` ...) plus everything v1 has."""
    return LegacyImageOut(img_id=image.id, **_image_fields(image)).model_dump()


def tag_count_document(tag: str, count: int) -> dict[str, Any]:
    return TagCount(tag=tag, count=count).model_dump()
