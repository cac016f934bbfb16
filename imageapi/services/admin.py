"""Administration: list users, disable them, change roles and quotas."""

from __future__ import annotations

from typing import Any

from imageapi.db.uow import Database
from imageapi.domain import User
from imageapi.errors import InvalidInput
from imageapi.errors import NotFound
from imageapi.services.quotas import QUOTA_NAMES

EDITABLE = ("disabled", "role", *QUOTA_NAMES)


class AdminService:
    def __init__(self, db: Database) -> None:
        self._db = db

    def list_users(self, limit: int, offset: int) -> list[User]:
        with self._db.read() as uow:
            return [user.to_domain() for user in uow.users.list(limit, offset)]

    def find_user(self, email_or_id: str) -> User:
        """The user with this email (any case) or id.

        Raises:
            NotFound: no such user.
        """
        with self._db.read() as uow:
            user = uow.users.get_by_email(email_or_id) or uow.users.get(email_or_id)
            if user is None:
                raise NotFound(f"No user with email or id {email_or_id!r}.")
            return user.to_domain()

    def delete_user(self, user_id: str) -> None:
        """Remove the account row and everything that cascades from it.

        The caller deletes the user's images first, through ``ImageService``,
        so that their stored objects go too.
        """
        with self._db.write() as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id!r}.")
            uow.users.delete(user)
            uow.commit()

    def update_user(
        self, acting_id: str, user_id: str, changes: dict[str, Any]
    ) -> User:
        """Apply ``changes`` (a subset of EDITABLE; a quota of None = default).

        Disabling takes effect on the user's next request: every session and
        API key is checked against the user's ``disabled`` flag each time.
        """
        unknown = set(changes) - set(EDITABLE)
        if unknown:
            raise InvalidInput(f"Cannot change {', '.join(sorted(unknown))}.")
        if user_id == acting_id and (
            changes.get("disabled") or changes.get("role", "admin") != "admin"
        ):
            raise InvalidInput("You cannot disable or demote your own account.")
        with self._db.write() as uow:
            user = uow.users.get(user_id)
            if user is None:
                raise NotFound(f"No user with id {user_id!r}.")
            for name, value in changes.items():
                setattr(user, name, value)
            uow.commit()
            return user.to_domain()
