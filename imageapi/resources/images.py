"""The image collection and single images."""

from __future__ import annotations

from typing import TYPE_CHECKING

import falcon

from imageapi.domain import Image
from imageapi.resources.publishing import signed_presets
from imageapi.schemas.images import ImageListQuery
from imageapi.schemas.images import SignQuery
from imageapi.schemas.images import UploadQuery
from imageapi.services.images import ImageQuery
from imageapi.services.images import ImageService
from imageapi.services.publishing import PublishService
from imageapi.web.multipart import read_upload_form
from imageapi.web.query import read_query
from imageapi.web.representations import image_document
from imageapi.web.representations import metadata_document

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls


def upload_from(req: falcon.Request, images: ImageService, max_bytes: int) -> Image:
    """Stream the multipart form to the upload service; the stored image."""
    form = read_upload_form(req, images, max_bytes)
    user = req.context.principal.user
    return images.upload(user.id, form.upload, form.filename, form.tags, uploader=user)


class ImageCollection:
    def __init__(
        self,
        images: ImageService,
        max_upload_bytes: int,
        urls: Urls,
        publishing: PublishService,
    ) -> None:
        self._images = images
        self._max_upload_bytes = max_upload_bytes
        self._urls = urls
        self._publishing = publishing

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, UploadQuery)
        form = read_upload_form(req, self._images, self._max_upload_bytes)
        image = self._images.upload(
            req.context.principal.user.id,
            form.upload,
            form.filename,
            form.tags,
            reject_duplicates="reject" in (query.on_duplicate, form.on_duplicate),
            uploader=req.context.principal.user,
        )
        resp.status = falcon.HTTP_201
        resp.location = self._urls.url_for("image", image_id=image.id)
        resp.media = image_document(image, self._urls)

    def on_get(self, req: falcon.Request, resp: falcon.Response) -> None:
        query = read_query(req, ImageListQuery)
        page = self._images.list(
            req.context.principal.user.id,
            ImageQuery(
                tags=tuple(query.tag),
                match_any_tag=query.tag_mode == "any",
                created_after=query.created_after,
                created_before=query.created_before,
                taken_after=query.taken_after,
                taken_before=query.taken_before,
                format=query.format,
                name_contains=query.name,
            ),
            limit=query.limit,
            cursor=query.cursor,
        )
        signed = signed_presets(
            req, self._publishing, self._urls, page.items, query.sign, query.expires_in
        )
        resp.media = {
            "items": [
                image_document(image, self._urls, signed.get(image.id))
                for image in page.items
            ],
            "next_cursor": page.next_cursor,
        }


class ImageItem:
    def __init__(
        self, images: ImageService, urls: Urls, publishing: PublishService
    ) -> None:
        self._images = images
        self._urls = urls
        self._publishing = publishing

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        query = read_query(req, SignQuery)
        image = self._images.get(req.context.principal.user.id, image_id)
        signed = signed_presets(
            req, self._publishing, self._urls, [image], query.sign, query.expires_in
        )
        resp.media = image_document(image, self._urls, signed.get(image.id))

    def on_delete(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        self._images.delete(req.context.principal.user.id, image_id)
        resp.status = falcon.HTTP_204


class ImageMetadata:
    """An image's metadata: what the upload analysis found."""

    def __init__(self, images: ImageService) -> None:
        self._images = images

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        image = self._images.get(req.context.principal.user.id, image_id)
        resp.media = metadata_document(image)
