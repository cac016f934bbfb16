"""Queries on images: the user's own, and keyset-paginated filtered listings."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Session as DbSession
from sqlalchemy.orm import aliased
from sqlalchemy.orm import raiseload

from imageapi.db.models import Image
from imageapi.db.models import ImageTag
from imageapi.db.models import Tag
from imageapi.db.models import image_object_keys
from imageapi.db.text import escape_like
from imageapi.db.text import has_nul
from imageapi.domain import ImageQuery
from imageapi.errors import ImageNotFound


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
    ) -> Image:
        """The user's image; ``with_tags=False`` saves the tag query (reading
        ``tags`` then raises instead of silently loading).

        Raises:
            ImageNotFound: no such image, or another user's (the two are
                indistinguishable).
        """
        query = select(Image).where(Image.id == image_id, Image.user_id == user_id)
        if for_update:
            query = query.with_for_update()
        if not with_tags:
            query = query.options(raiseload(Image.tag_links))
        image = self._session.scalars(query).one_or_none()
        if image is None:
            raise ImageNotFound(image_id)
        return image

    def delete(self, image: Image) -> None:
        self._session.delete(image)

    def find(self, image_id: str) -> Image | None:
        """Any user's image by id, without its tags (for jobs), or None."""
        query = select(Image).where(Image.id == image_id)
        return self._session.scalars(query.options(raiseload(Image.tag_links))).first()

    def set_columns(self, image_id: str, **values: object) -> bool:
        """Update columns of an image; False if it is gone."""
        query = update(Image).where(Image.id == image_id).values(**values)
        return self._session.execute(query).rowcount > 0

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
        if has_nul(wanted.name_contains or ""):
            return []  # see has_nul
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
            pattern = "%" + escape_like(wanted.name_contains.lower()) + "%"
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
        keys = tuple(key for key in keys if not has_nul(key))
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

    def object_keys(self) -> list[tuple[str, list[str]]]:
        """(id, keys of its stored objects) of every image, for the
        consistency check: original, render source, pyramid levels."""
        query = select(
            Image.id,
            Image.storage_key,
            Image.render_source_key,
            Image.working_copy_key,
            Image.pyramid,
        )
        return [
            (image_id, image_object_keys(*columns))
            for image_id, *columns in self._session.execute(query)
        ]
