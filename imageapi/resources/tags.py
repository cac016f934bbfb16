"""Tags: of one image, one tag on an image, and the user's tag cloud."""

from __future__ import annotations

import falcon

from imageapi.schemas.tags import TAGS_BODY
from imageapi.schemas.tags import TagList
from imageapi.schemas.tags import TagListQuery
from imageapi.services.tags import TagService
from imageapi.web.body import read_json
from imageapi.web.body import validate
from imageapi.web.query import read_query
from imageapi.web.representations import tag_count_document


def tags_from_body(req: falcon.Request) -> list[str]:
    """``{"tags": [...]}`` or a bare JSON array."""
    body = validate(TAGS_BODY, read_json(req), strict=True)
    return body.tags if isinstance(body, TagList) else body


class ImageTags:
    def __init__(self, tags: TagService) -> None:
        self._tags = tags

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        resp.media = self._tags.list_for(req.context.principal.user.id, image_id)

    def on_put(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        tags = tags_from_body(req)
        user_id = req.context.principal.user.id
        resp.media = self._tags.replace(user_id, image_id, tags)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        self._tags.replace(req.context.principal.user.id, image_id, [])
        resp.status = falcon.HTTP_204


class ImageTag:
    def __init__(self, tags: TagService) -> None:
        self._tags = tags

    def on_put(self, req, resp: falcon.Response, image_id: str, tag: str) -> None:
        user_id = req.context.principal.user.id
        tags, added = self._tags.add(user_id, image_id, tag)
        resp.status = falcon.HTTP_201 if added else falcon.HTTP_200
        resp.media = tags

    def on_delete(self, req, resp: falcon.Response, image_id: str, tag: str) -> None:
        self._tags.remove(req.context.principal.user.id, image_id, tag)
        resp.status = falcon.HTTP_204


class TagCollection:
    def __init__(self, tags: TagService) -> None:
        self._tags = tags

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, TagListQuery)
        counts = self._tags.counts(req.context.principal.user.id, query.prefix)
        resp.media = [tag_count_document(tag, count) for tag, count in counts]
