"""An image's bytes: the original (cacheable, resumable) or a derivative."""

from __future__ import annotations

from datetime import datetime
from pathlib import PurePath

import falcon

from imageapi.domain import Image
from imageapi.processing.formats import EXTENSIONS
from imageapi.processing.parameters import BY_NAME
from imageapi.schemas.images import ContentQuery
from imageapi.services.images import ImageService
from imageapi.services.renditions import PreparedRendition
from imageapi.services.renditions import RenditionService
from imageapi.web.conditional import etag_matches
from imageapi.web.conditional import requested_range
from imageapi.web.disposition import attachment
from imageapi.web.query import read_query

TRANSFORM_PARAMETERS = frozenset(BY_NAME)
# Derivatives up to this size are answered as one piece of bytes, which the
# server writes without coming back into Python for every chunk of a stream
# (thumbnails are a few KiB to a few hundred).
WHOLE_BODY_MAX_BYTES = 512 * 1024


class ImageContent:
    def __init__(self, images: ImageService, renditions: RenditionService) -> None:
        self._images = images
        self._renditions = renditions

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        send_content(self._images, self._renditions, req, resp, image_id)


def send_content(
    images: ImageService,
    renditions: RenditionService,
    req: falcon.Request,
    resp: falcon.Response,
    image_id: str,
) -> None:
    """The original without transform parameters, else the derivative."""
    query = read_query(req, ContentQuery, ignore=TRANSFORM_PARAMETERS)
    transforms = {
        name: value
        for name, value in req.params.items()
        if name in TRANSFORM_PARAMETERS
    }
    prepared = renditions.prepare(
        req.context.principal.user.id,
        image_id,
        transforms,
        req.get_header("Accept") or "",
    )
    if prepared.options is None:
        send_original(images, req, resp, prepared.image, download=query.download)
    else:
        send_derivative(renditions, req, resp, prepared, download=query.download)


def send_original(
    images: ImageService,
    req: falcon.Request,
    resp: falcon.Response,
    image: Image,
    *,
    download: bool,
) -> None:
    """Answer with the stored original, honouring If-None-Match and Range."""
    etag = f'"{image.sha256}"'
    _common_headers(resp, etag, image.created_at)
    resp.accept_ranges = "bytes"
    if etag_matches(req, etag):
        resp.status = falcon.HTTP_304
        return
    byte_range = requested_range(req, image.size, etag)
    content = images.open_content(image, byte_range)
    resp.content_type = image.content_type
    if download:
        resp.set_header("Content-Disposition", attachment(image.name))
    if byte_range is not None:
        resp.status = falcon.HTTP_206
        resp.content_range = (byte_range[0], byte_range[1], image.size)
    resp.set_stream(content.stream, content.length)


def send_derivative(
    renditions: RenditionService,
    req: falcon.Request,
    resp: falcon.Response,
    prepared: PreparedRendition,
    *,
    download: bool,
) -> None:
    """Answer with a derivative; If-None-Match is checked before any decoding."""
    assert prepared.options is not None
    image = prepared.image  # None for a signed URL's cache hit: no upload time
    _common_headers(resp, prepared.etag, image.created_at if image else None)
    if prepared.options.vary_accept:
        resp.vary = ["Accept"]
    if etag_matches(req, prepared.etag):
        resp.status = falcon.HTTP_304
        return
    content = renditions.fetch(prepared)
    # Counted by the usage accounting: a derivative was sent (hit or miss).
    req.context.derivative_served = True
    resp.set_header("X-Cache", "HIT" if content.cache_hit else "MISS")
    resp.content_type = content.content_type
    if download and image is not None:
        name = _download_name(image.name, prepared.options.format)
        resp.set_header("Content-Disposition", attachment(name))
    if content.length > WHOLE_BODY_MAX_BYTES:
        resp.set_stream(content.stream, content.length)
        return
    with content.stream:
        resp.data = content.stream.read()


def _download_name(name: str, output_format: str) -> str:
    """The image's name with the extension of the format actually sent."""
    return (PurePath(name).stem or "image") + EXTENSIONS[output_format]


def _common_headers(
    resp: falcon.Response, etag: str, last_modified: datetime | None
) -> None:
    resp.set_header("ETag", etag)
    if last_modified is not None:
        resp.last_modified = last_modified
    resp.cache_control = ["private"]
    resp.set_header("X-Content-Type-Options", "nosniff")
