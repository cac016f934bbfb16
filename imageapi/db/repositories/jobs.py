"""Jobs owed to images: enqueue, claim under a lease, finish, retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import Job

# Every upload adds a job inside its write transaction: built once, on the
# table rather than the mapped class, so no ORM insert is compiled per call.
_ADD = insert(Job.__table__).values(
    kind=bindparam("kind"),
    image_id=bindparam("image_id"),
    created_at=bindparam("created_at"),
    run_after=bindparam("created_at"),
    attempts=0,
)


@dataclass(frozen=True)
class ClaimedJob:
    id: int
    kind: str
    image_id: str
    attempts: int  # including this one
    created_at: datetime  # when its upload enqueued it


@dataclass(frozen=True)
class QueueDepth:
    waiting: int  # runnable or held back after a failure
    running: int  # claimed, lease not expired


class JobRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, kind: str, image_id: str, now: datetime) -> None:
        self._session.execute(
            _ADD, {"kind": kind, "image_id": image_id, "created_at": now}
        )

    def claim(
        self, now: datetime, lease_until: datetime, image_id: str | None = None
    ) -> ClaimedJob | None:
        """Take the oldest runnable job (of ``image_id`` if given) until
        ``lease_until``: one nobody holds, or whose holder's lease ran out.

        PostgreSQL skips rows another transaction is claiming (``SKIP
        LOCKED``); SQLite writers are serialised by ``BEGIN IMMEDIATE``, so
        the select and the update cannot interleave there either.
        """
        query = (
            select(Job.id)
            .where(
                Job.run_after <= now,
                or_(Job.claimed_until.is_(None), Job.claimed_until < now),
            )
            .order_by(Job.id)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        if image_id is not None:
            query = query.where(Job.image_id == image_id)
        job_id = self._session.scalar(query)
        if job_id is None:
            return None
        row = self._session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(claimed_until=lease_until, attempts=Job.attempts + 1)
            .returning(Job.id, Job.kind, Job.image_id, Job.attempts, Job.created_at)
        ).one()
        return ClaimedJob(*row)

    def finish(self, job_id: int) -> None:
        self._session.execute(delete(Job).where(Job.id == job_id))

    def retry_later(self, job_id: int, run_after: datetime) -> None:
        self._session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(claimed_until=None, run_after=run_after)
        )

    def release_claims(self) -> int:
        """Make every claimed job claimable at once (at start: jobs are
        idempotent, so one still running elsewhere only runs twice)."""
        query = update(Job).where(Job.claimed_until.is_not(None))
        return self._session.execute(query.values(claimed_until=None)).rowcount

    def pending_for(self, image_id: str) -> bool:
        return (
            self._session.scalar(
                select(Job.id).where(Job.image_id == image_id).limit(1)
            )
            is not None
        )

    def depth(self, now: datetime) -> QueueDepth:
        running = func.count().filter(Job.claimed_until >= now)
        row = self._session.execute(select(func.count(), running)).one()
        return QueueDepth(waiting=row[0] - row[1], running=row[1])

    def unfinished(self) -> list[ClaimedJob]:
        query = select(
            Job.id, Job.kind, Job.image_id, Job.attempts, Job.created_at
        ).order_by(Job.id)
        return [ClaimedJob(*row) for row in self._session.execute(query)]
