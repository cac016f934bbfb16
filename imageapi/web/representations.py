"""Domain objects -> JSON documents, in one place so every route agrees."""

from __future__ import annotations

from typing import Any

from imageapi.db.models import Image
from imageapi.db.models import User


def user_document(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "created_at": user.created_at,
    }


def image_document(image: Image) -> dict[str, Any]:
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
        "links": {"self": base, "content": f"{base}/content", "tags": f"{base}/tags"},
    }


def legacy_image_document(image: Image) -> dict[str, Any]:
    """The earlier project's shape (``img_id`` ...) plus everything v1 has."""
    return {"img_id": image.id, **image_document(image)}
