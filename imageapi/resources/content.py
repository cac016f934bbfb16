"""An image's bytes: streamed, cacheable, resumable."""

from __future__ import annotations

import falcon

from imageapi.schemas.images import ContentQuery
from imageapi.services.images import ImageService
from imageapi.web.conditional import etag_matches
from imageapi.web.conditional import requested_range
from imageapi.web.query import read_query


class ImageContent:
    def __init__(self, images: ImageService) -> None:
        self._images = images

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        query = read_query(req, ContentQuery)
        send_original(self._images, req, resp, image_id, download=query.download)


def send_original(
    images: ImageService,
    req: falcon.Request,
    resp: falcon.Response,
    image_id: str,
    *,
    download: bool,
) -> None:
    """Answer with the stored original, honouring If-None-Match and Range."""
    image = images.get(req.context.principal.user.id, image_id)
    etag = f'"{image.sha256}"'
    resp.set_header("ETag", etag)
    resp.last_modified = image.created_at
    resp.cache_control = ["private"]
    resp.set_header("X-Content-Type-Options", "nosniff")
    resp.accept_ranges = "bytes"
    if etag_matches(req, etag):
        resp.status = falcon.HTTP_304
        return
    byte_range = requested_range(req, image.size, etag)
    content = images.open_content(image, byte_range)
    resp.content_type = image.content_type
    if download:
        resp.downloadable_as = image.name
    if byte_range is not None:
        resp.status = falcon.HTTP_206
        resp.content_range = (byte_range[0], byte_range[1], image.size)
    resp.set_stream(content.stream, content.length)
