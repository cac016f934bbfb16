"""The earlier project's routes, kept working on top of the same services."""

from __future__ import annotations

from datetime import datetime
from datetime import timedelta
from typing import TYPE_CHECKING

import falcon

from imageapi.datetimes import shifted
from imageapi.errors import InvalidParameter
from imageapi.resources.content import send_content
from imageapi.resources.images import upload_from
from imageapi.resources.sessions import SessionCollection
from imageapi.resources.tags import tags_from_body
from imageapi.resources.users import UserCollection
from imageapi.schemas.images import LegacyImageListQuery
from imageapi.services.images import ImageQuery
from imageapi.services.images import ImageService
from imageapi.services.renditions import RenditionService
from imageapi.services.tags import TagService
from imageapi.web.query import read_query
from imageapi.web.representations import legacy_image_document

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls

ONE_MICROSECOND = timedelta(microseconds=1)


class LegacyRegister(UserCollection):
    """Register: 201, or 409 when the email is taken."""


class LegacyLogin(SessionCollection):
    """Log in: 200 and the auth cookie, or 401."""


def deprecate(resp: falcon.Response, successor: str) -> None:
    """Tell clients the route is deprecated and where its v1 successor lives."""
    resp.set_header("Deprecation", "true")
    resp.append_link(successor, "successor-version")


class LegacyImageCollection:
    """``POST`` an image and ``GET`` them ``?tag=&date=&start_date=&end_date=``."""

    def __init__(self, images: ImageService, max_upload_bytes: int, urls: Urls) -> None:
        self._images = images
        self._max_upload_bytes = max_upload_bytes
        self._urls = urls

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        image = upload_from(req, self._images, self._max_upload_bytes)
        deprecate(resp, self._urls.url_for("images"))
        resp.status = falcon.HTTP_201
        resp.location = self._urls.url_for("legacy_image", img_id=image.id)
        resp.media = legacy_image_document(image, self._urls)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = legacy_query(read_query(req, LegacyImageListQuery))
        images = self._images.list_all(req.context.principal.user.id, query)
        deprecate(resp, self._urls.url_for("images"))
        resp.media = [legacy_image_document(image, self._urls) for image in images]


def legacy_query(query: LegacyImageListQuery) -> ImageQuery:
    """Unix-second dates: ``date`` is a whole UTC day, start/end are inclusive."""
    after = before = None
    if query.date is not None:
        day = query.date.replace(hour=0, minute=0, second=0, microsecond=0)
        after = shifted(day, -ONE_MICROSECOND)
        before = shifted(day, timedelta(days=1))
    if (query.start_date is None) != (query.end_date is None):
        raise InvalidParameter("Give start_date and end_date together.")
    if query.start_date is not None and query.end_date is not None:
        if query.end_date < query.start_date:
            raise InvalidParameter("end_date is before start_date.")
        after = _latest(after, shifted(query.start_date, -ONE_MICROSECOND))
        before = _earliest(before, shifted(query.end_date, timedelta(seconds=1)))
    return ImageQuery(tags=tuple(query.tag), created_after=after, created_before=before)


def _latest(current: datetime | None, other: datetime) -> datetime:
    return other if current is None else max(current, other)


def _earliest(current: datetime | None, other: datetime) -> datetime:
    return other if current is None else min(current, other)


class LegacyImage:
    """``GET`` an image's bytes (transforms too) and ``DELETE`` it."""

    def __init__(
        self, images: ImageService, renditions: RenditionService, urls: Urls
    ) -> None:
        self._images = images
        self._renditions = renditions
        self._urls = urls

    def on_get(self, req: falcon.Request, resp: falcon.Response, img_id: str):
        deprecate(resp, self._urls.url_for("image_content", image_id=img_id))
        send_content(self._images, self._renditions, req, resp, img_id)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, img_id: str):
        self._images.delete(req.context.principal.user.id, img_id)
        deprecate(resp, self._urls.url_for("image", image_id=img_id))
        resp.status = falcon.HTTP_204


class LegacyImageTags:
    """``GET``, ``PUT`` or ``DELETE`` an image's tags: 200 with the tag list."""

    def __init__(self, tags: TagService, urls: Urls) -> None:
        self._tags = tags
        self._urls = urls

    def on_get(self, req: falcon.Request, resp: falcon.Response, img_id: str):
        resp.media = self._tags.list_for(req.context.principal.user.id, img_id)
        deprecate(resp, self._urls.url_for("image_tags", image_id=img_id))

    def on_put(self, req: falcon.Request, resp: falcon.Response, img_id: str):
        tags = tags_from_body(req)
        user_id = req.context.principal.user.id
        resp.media = self._tags.replace(user_id, img_id, tags)
        deprecate(resp, self._urls.url_for("image_tags", image_id=img_id))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, img_id: str):
        resp.media = self._tags.replace(req.context.principal.user.id, img_id, [])
        deprecate(resp, self._urls.url_for("image_tags", image_id=img_id))


class LegacyImageTag:
    """``POST`` one tag (201 when new) and ``DELETE`` it."""

    def __init__(self, tags: TagService, urls: Urls) -> None:
        self._tags = tags
        self._urls = urls

    def on_post(self, req, resp: falcon.Response, img_id: str, tag: str) -> None:
        tags, added = self._tags.add(req.context.principal.user.id, img_id, tag)
        resp.status = falcon.HTTP_201 if added else falcon.HTTP_200
        resp.media = tags
        deprecate(resp, self._urls.url_for("image_tag", image_id=img_id, tag=tag))

    def on_delete(self, req, resp: falcon.Response, img_id: str, tag: str) -> None:
        user_id = req.context.principal.user.id
        resp.media = self._tags.remove(user_id, img_id, tag)
        deprecate(resp, self._urls.url_for("image_tag", image_id=img_id, tag=tag))
