"""Per-user quotas: storage bytes, image count, uploads per UTC day.

Defaults come from config; a user's own value (set by an admin) wins. In both,
0 means unlimited. Counts come from the ``images`` table.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from datetime import time

from imageapi.config import QuotaConfig
from imageapi.db import models
from imageapi.db.uow import Database
from imageapi.db.uow import UnitOfWork
from imageapi.domain import User
from imageapi.errors import QuotaExceeded

QUOTA_NAMES = ("max_storage_bytes", "max_images", "max_uploads_per_day")


@dataclass(frozen=True)
class Quotas:
    """Effective limits for one user; 0 means unlimited."""

    max_storage_bytes: int
    max_images: int
    max_uploads_per_day: int

    @property
    def any(self) -> bool:
        """Whether at least one of them limits anything."""
        return bool(
            self.max_storage_bytes or self.max_images or self.max_uploads_per_day
        )


class QuotaService:
    def __init__(
        self, db: Database, defaults: QuotaConfig, clock: Callable[[], datetime]
    ) -> None:
        self._db = db
        self._defaults = defaults
        self._clock = clock

    def quotas_for(self, user: User) -> Quotas:
        values = {}
        for name in QUOTA_NAMES:
            own = getattr(user, name)
            values[name] = getattr(self._defaults, name) if own is None else own
        return Quotas(**values)

    def check_upload(
        self,
        user_id: str,
        incoming_bytes: int,
        uow: UnitOfWork | None = None,
        *,
        known: User | None = None,
    ) -> None:
        """Raise QuotaExceeded (403, naming the quota) if this upload would pass one.

        Pass the upload's own write ``uow`` to make the check exact under
        parallel uploads: the user's row is then locked (PostgreSQL) or the
        database is (SQLite's BEGIN IMMEDIATE) until that unit of work ends.
        Without it the check reads in its own transaction. The user's quotas
        are read fresh, so an admin's change applies to the next upload; a
        caller that read the user in this request already passes it as
        ``known``, and a user with no quota then costs no query at all, in
        the write transaction too: the lock only keeps parallel uploads from
        overshooting a quota, and there is none to overshoot.
        """
        if known is not None and not self.quotas_for(known).any:
            return
        if uow is not None:
            self._check(uow, uow.users.get_for_update(user_id), incoming_bytes)
            return
        with self._db.read() as own:
            self._check(own, own.users.get(user_id), incoming_bytes)

    def _check(
        self, uow: UnitOfWork, user: models.User | None, incoming_bytes: int
    ) -> None:
        if user is None:
            return  # nothing to count for; the caller's own checks fail it
        quotas = self.quotas_for(user.to_domain())
        if not quotas.any:
            return
        now = self._clock()
        day_start = datetime.combine(now.date(), time.min, tzinfo=now.tzinfo)
        images, stored, today = uow.usage.image_totals(user.id, day_start)
        if quotas.max_storage_bytes and stored + incoming_bytes > (
            quotas.max_storage_bytes
        ):
            raise QuotaExceeded(
                f"Storage quota exceeded (max_storage_bytes): {stored} of "
                f"{quotas.max_storage_bytes} bytes used; this upload needs "
                f"{incoming_bytes} more."
            )
        if quotas.max_images and images + 1 > quotas.max_images:
            raise QuotaExceeded(
                f"Image quota exceeded (max_images): you have {images} of "
                f"{quotas.max_images} images."
            )
        if quotas.max_uploads_per_day and today + 1 > quotas.max_uploads_per_day:
            raise QuotaExceeded(
                f"Daily upload quota exceeded (max_uploads_per_day): {today} of "
                f"{quotas.max_uploads_per_day} uploads today (UTC)."
            )
