"""Tags: of one image, one tag on an image, and the user's tag cloud."""

from __future__ import annotations

import falcon

from imageapi.errors import InvalidInput
from imageapi.schemas.images import TagList
from imageapi.schemas.images import TagListQuery
from imageapi.services.images import ImageService
from imageapi.web.body import read_json
from imageapi.web.body import validate
from imageapi.web.query import read_query


def tags_from_body(req: falcon.Request) -> list[str]:
    """``{"tags": [...]}`` or a bare JSON array."""
    body = read_json(req)
    if isinstance(body, list):
        body = {"tags": body}
    if not isinstance(body, dict):
        raise InvalidInput('Send {"tags": [...]} or a JSON array of tags.')
    return validate(TagList, body).tags


class ImageTags:
    def __init__(self, images: ImageService) -> None:
        self._images = images

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        resp.media = self._images.tags_of(req.context.principal.user.id, image_id)

    def on_put(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        tags = tags_from_body(req)
        user_id = req.context.principal.user.id
        resp.media = self._images.replace_tags(user_id, image_id, tags)

    def on_delete(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        self._images.replace_tags(req.context.principal.user.id, image_id, [])
        resp.status = falcon.HTTP_204


class ImageTag:
    def __init__(self, images: ImageService) -> None:
        self._images = images

    def on_put(self, req, resp: falcon.Response, image_id: str, tag: str) -> None:
        user_id = req.context.principal.user.id
        tags, added = self._images.add_tag(user_id, image_id, tag)
        resp.status = falcon.HTTP_201 if added else falcon.HTTP_200
        resp.media = tags

    def on_delete(self, req, resp: falcon.Response, image_id: str, tag: str) -> None:
        self._images.remove_tag(req.context.principal.user.id, image_id, tag)
        resp.status = falcon.HTTP_204


class TagCollection:
    def __init__(self, images: ImageService) -> None:
        self._images = images

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, TagListQuery)
        counts = self._images.tag_counts(req.context.principal.user.id, query.prefix)
        resp.media = [{"tag": tag, "count": count} for tag, count in counts]
