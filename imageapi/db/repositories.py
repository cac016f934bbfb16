"""Repositories: the only place that writes queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm import raiseload

from imageapi.db.models import Image
from imageapi.db.models import ImageTag
from imageapi.db.models import Session
from imageapi.db.models import Tag
from imageapi.db.models import User


class UserRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, user: User) -> None:
        self._session.add(user)

    def get(self, user_id: str) -> User | None:
        return self._session.get(User, user_id)

    def get_by_email(self, email: str) -> User | None:
        key = email.strip().lower()
        if "\x00" in key:
            # PostgreSQL text cannot hold NUL, so the query would fail; and no
            # stored email has one (registration validates them).
            return None
        query = select(User).where(User.email_key == key)
        return self._session.scalars(query).one_or_none()

    def get_for_update(self, user_id: str) -> User | None:
        """The user row, locked until commit on PostgreSQL (SQLite locks on BEGIN)."""
        query = select(User).where(User.id == user_id).with_for_update()
        return self._session.scalars(query).one_or_none()

    def list_all_emails(self) -> list[tuple[str, str]]:
        query = select(User.id, User.email).order_by(User.created_at, User.id)
        return [(row.id, row.email) for row in self._session.execute(query)]

    def list(self, limit: int, offset: int) -> list[User]:
        query = select(User).order_by(User.created_at, User.id)
        return list(self._session.scalars(query.limit(limit).offset(offset)))


class SessionRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, login: Session) -> None:
        self._session.add(login)

    # Built once: this runs on every authenticated request, and building a
    # statement costs more Python time than executing it on SQLite.
    _ACTIVE = select(Session).where(
        Session.token_hash == bindparam("token_hash"),
        Session.revoked_at.is_(None),
        Session.expires_at > bindparam("now"),
    )

    def get_active(self, token_hash: str, now: datetime) -> Session | None:
        parameters = {"token_hash": token_hash, "now": now}
        return self._session.scalars(self._ACTIVE, parameters).one_or_none()

    def revoke(self, session_id: int, now: datetime) -> None:
        self._session.execute(
            update(Session)
            .where(Session.id == session_id, Session.revoked_at.is_(None))
            .values(revoked_at=now)
        )


@dataclass(frozen=True)
class ImageQuery:
    """What a listing asks for; every filter optional."""

    tags: tuple[str, ...] = ()  # compared by tag key (see services/tags.py)
    match_any_tag: bool = False
    created_after: datetime | None = None
    created_before: datetime | None = None
    taken_after: datetime | None = None
    taken_before: datetime | None = None
    format: str | None = None
    name_contains: str | None = None


class ImageRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def add(self, image: Image) -> None:
        self._session.add(image)

    def get(
        self,
        user_id: str,
        image_id: str,
        *,
        for_update: bool = False,
        with_tags: bool = True,
    ) -> Image | None:
        """The user's image; ``with_tags=False`` saves the tag query (reading
        ``tags`` then raises instead of silently loading)."""
        query = select(Image).where(Image.id == image_id, Image.user_id == user_id)
        if for_update:
            query = query.with_for_update()
        if not with_tags:
            query = query.options(raiseload(Image.tag_links))
        return self._session.scalars(query).one_or_none()

    def delete(self, image: Image) -> None:
        self._session.delete(image)

    def list(
        self,
        user_id: str,
        wanted: ImageQuery,
        limit: int,
        after: tuple[datetime, str] | None = None,
    ) -> list[Image]:
        """The user's images newest first, at most ``limit`` rows.

        ``wanted.tags`` are tag keys; ``after`` is a keyset position: only rows
        strictly older than (created_at, id) are returned.
        """
        if _has_nul(wanted.name_contains or ""):
            return []  # see _has_nul
        if wanted.tags:
            tag_ids = self._tag_ids(user_id, wanted.tags)
            if not tag_ids or (
                not wanted.match_any_tag and len(tag_ids) < len(wanted.tags)
            ):
                return []
            # Ownership comes from the tag ids, which are the user's own (links
            # only ever join a user's image to that user's tag). Not repeating
            # images.user_id here matters: SQLite, without statistics, would
            # otherwise walk the whole library newest-first through the
            # (user_id, created_at) index and probe every image for the tag.
            query = self._with_tags(select(Image), tag_ids, wanted.match_any_tag)
        else:
            query = select(Image).where(Image.user_id == user_id)
        if wanted.created_after is not None:
            query = query.where(Image.created_at > wanted.created_after)
        if wanted.created_before is not None:
            query = query.where(Image.created_at < wanted.created_before)
        if wanted.taken_after is not None:
            query = query.where(Image.taken_at > wanted.taken_after)
        if wanted.taken_before is not None:
            query = query.where(Image.taken_at < wanted.taken_before)
        if wanted.format is not None:
            query = query.where(Image.format == wanted.format)
        if wanted.name_contains:
            pattern = "%" + _escape_like(wanted.name_contains.lower()) + "%"
            query = query.where(func.lower(Image.name).like(pattern, escape="\\"))
        if after is not None:
            created_at, image_id = after
            query = query.where(
                or_(
                    Image.created_at < created_at,
                    and_(Image.created_at == created_at, Image.id < image_id),
                )
            )
        query = query.order_by(Image.created_at.desc(), Image.id.desc()).limit(limit)
        return list(self._session.scalars(query))

    def _tag_ids(self, user_id: str, keys: tuple[str, ...]) -> list[int]:
        keys = tuple(key for key in keys if not _has_nul(key))
        query = select(Tag.id).where(Tag.user_id == user_id, Tag.key.in_(keys))
        return list(self._session.scalars(query))

    @staticmethod
    def _with_tags(query: Select, tag_ids: list[int], match_any: bool) -> Select:
        # Drive the query from the tag index: a tag picks few images out of
        # many, so joining on image_tags beats scanning images newest-first.
        if match_any:
            matching = (
                select(ImageTag.image_id)
                .where(ImageTag.tag_id.in_(tag_ids))
                .distinct()
                .subquery()
            )
            return query.join(matching, matching.c.image_id == Image.id)
        first, *rest = tag_ids
        query = query.join(
            ImageTag, and_(ImageTag.image_id == Image.id, ImageTag.tag_id == first)
        )
        for tag_id in rest:
            link = aliased(ImageTag)
            query = query.join(
                link, and_(link.image_id == Image.id, link.tag_id == tag_id)
            )
        return query


class TagRepository:
    def __init__(self, session: DbSession) -> None:
        self._session = session

    def get_or_create(
        self, user_id: str, names: list[str], keys: list[str]
    ) -> list[Tag]:
        """The user's tags for ``keys``, created where missing; safe under races.

        INSERT .. ON CONFLICT DO NOTHING lets parallel requests that introduce
        the same new tag all succeed: the loser's insert is a no-op and the
        select below finds the winner's row (the first spelling stays).
        """
        if not keys:
            return []
        rows = [
            {"user_id": user_id, "name": name, "key": key}
            for name, key in zip(names, keys, strict=True)
        ]
        insert = _dialect_insert(self._session)(Tag).values(rows)
        self._session.execute(insert.on_conflict_do_nothing())
        query = select(Tag).where(Tag.user_id == user_id, Tag.key.in_(keys))
        found = {tag.key: tag for tag in self._session.scalars(query)}
        return [found[key] for key in keys]

    def counts(self, user_id: str, key_prefix: str | None) -> list[tuple[str, int]]:
        """(tag, number of images) for tags in use, most used first."""
        uses = func.count(ImageTag.image_id)
        query = (
            select(Tag.name, uses)
            .join(ImageTag, ImageTag.tag_id == Tag.id)
            .where(Tag.user_id == user_id)
            .group_by(Tag.id, Tag.name)
            .order_by(uses.desc(), Tag.key)
        )
        if key_prefix and _has_nul(key_prefix):
            return []
        if key_prefix:
            query = query.where(
                Tag.key.like(_escape_like(key_prefix) + "%", escape="\\")
            )
        return [(name, int(count)) for name, count in self._session.execute(query)]


def _dialect_insert(session: DbSession):
    dialect = session.get_bind().dialect.name
    return postgresql_insert if dialect == "postgresql" else sqlite_insert


def _has_nul(text: str) -> bool:
    """PostgreSQL text cannot hold NUL, so comparing with such a value fails
    (a 500, found by schemathesis); nothing stored has one, so a filter
    holding one matches nothing, without asking the database."""
    return "\x00" in text


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
