"""Who may register: anyone (open), nobody (closed) or holders of an invite."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from imageapi.auth.tokens import new_token
from imageapi.auth.tokens import token_hash
from imageapi.db import models
from imageapi.db.uow import Database
from imageapi.domain import User
from imageapi.errors import Forbidden
from imageapi.services.accounts import AccountService

INVITE_PREFIX = "inv_"


class RegistrationService:
    def __init__(
        self,
        db: Database,
        accounts: AccountService,
        mode: str,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self._accounts = accounts
        self._mode = mode
        self._clock = clock

    def register(self, email: str, password: str, invite_code: str | None) -> User:
        """Create a user account as the configured mode allows.

        Raises:
            Forbidden: registration is closed, or the invite code is missing,
                unknown or used.
            AlreadyExists, InvalidInput: as ``AccountService.register``.
        """
        if self._mode == "closed":
            raise Forbidden(
                "Registration is closed on this server; ask its administrator "
                "for an account."
            )
        if self._mode == "open":
            return self._accounts.register(email, password)
        code_hash = token_hash((invite_code or "").strip())
        with self._db.write() as uow:
            if not invite_code or not uow.invites.use(code_hash, self._clock()):
                raise Forbidden(
                    "Registration needs an invite: send a valid, unused "
                    "invite_code (ask the server's administrator for one)."
                )
            uow.commit()
        try:
            return self._accounts.register(email, password)
        except BaseException:
            with self._db.write() as uow:  # the code was not spent after all
                uow.invites.release(code_hash)
                uow.commit()
            raise

    def create_invite(self) -> str:
        """A new one-time code; only its hash is stored, so show it now."""
        code = new_token(INVITE_PREFIX)
        with self._db.write() as uow:
            uow.invites.add(
                models.Invite(code_hash=token_hash(code), created_at=self._clock())
            )
            uow.commit()
        return code
