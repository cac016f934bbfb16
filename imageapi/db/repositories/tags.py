"""Queries on a user's tags: create them race-free, count their uses."""

from __future__ import annotations

from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import Session as DbSession

from imageapi.db.models import ImageTag
from imageapi.db.models import Tag
from imageapi.db.text import escape_like
from imageapi.db.text import has_nul
from imageapi.db.upsert import insert_for


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
        insert = insert_for(self._session.get_bind().dialect.name)(Tag).values(rows)
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
        if key_prefix and has_nul(key_prefix):
            return []
        if key_prefix:
            query = query.where(
                Tag.key.like(escape_like(key_prefix) + "%", escape="\\")
            )
        return [(name, int(count)) for name, count in self._session.execute(query)]
