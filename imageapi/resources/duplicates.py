"""Near-duplicates: images like one of yours, and your groups of duplicates."""

from __future__ import annotations

from typing import TYPE_CHECKING

import falcon

from imageapi.schemas.duplicates import GroupsQuery
from imageapi.schemas.duplicates import SimilarQuery
from imageapi.services.duplicates import DuplicateService
from imageapi.web.query import read_query
from imageapi.web.representations import image_document

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls


class SimilarImages:
    def __init__(self, duplicates: DuplicateService, urls: Urls) -> None:
        self._duplicates = duplicates
        self._urls = urls

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        query = read_query(req, SimilarQuery)
        page = self._duplicates.similar(
            req.context.principal.user.id,
            image_id,
            max_distance=query.max_distance,
            limit=query.limit,
            cursor=query.cursor,
        )
        resp.media = {
            "items": [
                {
                    "image": image_document(item.image, self._urls),
                    "distance": item.distance,
                }
                for item in page.items
            ],
            "next": page.next_cursor,
        }


class DuplicateGroups:
    def __init__(self, duplicates: DuplicateService, urls: Urls) -> None:
        self._duplicates = duplicates
        self._urls = urls

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, GroupsQuery)
        page = self._duplicates.groups(
            req.context.principal.user.id, limit=query.limit, cursor=query.cursor
        )
        resp.media = {
            "items": [
                {
                    "images": [image_document(image, self._urls) for image in group],
                    "size": len(group),
                }
                for group in page.items
            ],
            "next": page.next_cursor,
        }
