"""Domain objects -> JSON documents, in one place so every route agrees."""

from __future__ import annotations

from typing import Any

from imageapi.db.models import User


def user_document(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "role": user.role,
        "created_at": user.created_at,
    }
