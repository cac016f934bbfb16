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
        "blurhash": image.blurhash,
        "tags": image.tags,
        "created_at": image.created_at,
        "links": {
            "self": base,
            "content": f"{base}/content",
            "metadata": f"{base}/metadata",
            "tags": f"{base}/tags",
        },
    }


def metadata_document(image: Image) -> dict[str, Any]:
    """Sizes are as displayed (after EXIF orientation); unknown values are null."""
    gps = None
    if image.latitude is not None and image.longitude is not None:
        gps = {"latitude": image.latitude, "longitude": image.longitude}
    return {
        "width": image.width,
        "height": image.height,
        "format": image.format,
        "pages": image.pages,
        "has_alpha": image.has_alpha,
        "orientation": image.orientation,
        "colour_space": image.colour_space,
        "exif": {
            "make": image.camera_make,
            "model": image.camera_model,
            "taken_at": image.taken_at,
            "gps": gps,
        },
    }


def legacy_image_document(image: Image) -> dict[str, Any]:
    """The earlier project's shape (``img_id`` ...) plus everything v1 has."""
    return {"img_id": image.id, **image_document(image)}
