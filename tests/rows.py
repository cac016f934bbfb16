"""Rows inserted straight into the test database, for service-level tests."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime

from imageapi.auth.tokens import new_id
from imageapi.db.models import Image
from imageapi.db.models import User

NOW = datetime(2030, 6, 15, 10, 30, tzinfo=UTC)


def image_row(user_id: str, size: int, created_at: datetime = NOW) -> Image:
    return Image(
        id=new_id(),
        user_id=user_id,
        name="a.png",
        content_type="image/png",
        format="png",
        size=size,
        width=1,
        height=1,
        sha256="0" * 64,
        storage_key=new_id(),
        created_at=created_at,
    )


def add_image(db, user_id: str, size: int = 1, created_at: datetime = NOW) -> str:
    """Insert an image row (no stored bytes); its id."""
    row = image_row(user_id, size, created_at)
    with db.write() as uow:
        uow.session.add(row)
        uow.commit()
    return row.id


def add_user(db, role: str = "user", user_id: str | None = None, **quotas) -> User:
    email = f"{new_id().lower()}@example.com"
    user = User(
        id=user_id or new_id(),
        email=email,
        email_key=email,
        password_hash="x",
        role=role,
        disabled=False,
        created_at=NOW,
        **quotas,
    )
    with db.write() as uow:
        uow.users.add(user)
        uow.commit()
    return user
