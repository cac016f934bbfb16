"""Publishing: sign public URLs, serve them to anyone, rotate the signing key."""

from __future__ import annotations

from typing import TYPE_CHECKING

import falcon

from imageapi.domain import Image
from imageapi.resources.content import send_derivative
from imageapi.resources.content import send_original
from imageapi.schemas.publishing import SignedUrlOut
from imageapi.schemas.publishing import SignedUrlRequest
from imageapi.schemas.publishing import SigningKeyOut
from imageapi.services.images import ImageService
from imageapi.services.publishing import PublishService
from imageapi.services.publishing import SignedUrl
from imageapi.services.renditions import RenditionService
from imageapi.web.body import read_body

if TYPE_CHECKING:
    from imageapi.routes.urls import Urls


def absolute_url(req: falcon.Request, urls: Urls, signed: SignedUrl) -> str:
    path = urls.url_for("signed_content", image_id=signed.image_id)
    return f"{req.prefix}{path}?{signed.query}"


def signed_presets(
    req: falcon.Request,
    publishing: PublishService,
    urls: Urls,
    images: list[Image],
    sign: str | None,
    expires_in: int | None,
) -> dict[str, dict[str, str]]:
    """image id -> preset -> absolute signed URL, for ``?sign=PRESET,...``."""
    if sign is None:
        return {}
    signed = publishing.sign_presets(
        req.context.principal.user.id, images, sign.split(","), expires_in
    )
    return {
        image_id: {
            name: absolute_url(req, urls, url) for name, url in by_preset.items()
        }
        for image_id, by_preset in signed.items()
    }


class SignedUrlCollection:
    def __init__(self, publishing: PublishService, urls: Urls) -> None:
        self._publishing = publishing
        self._urls = urls

    def on_post(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        body = read_body(req, SignedUrlRequest)
        signed = self._publishing.sign(
            req.context.principal.user.id,
            image_id,
            {name: _text(value) for name, value in body.params.items()},
            body.expires_in,
        )
        resp.status = falcon.HTTP_201
        resp.media = SignedUrlOut(
            url=absolute_url(req, self._urls, signed), expires_at=signed.expires_at
        ).model_dump(mode="json")


class SigningKey:
    def __init__(self, publishing: PublishService) -> None:
        self._publishing = publishing

    def on_post(self, req: falcon.Request, resp: falcon.Response) -> None:
        generation = self._publishing.rotate_key(req.context.principal.user.id)
        resp.media = SigningKeyOut(generation=generation).model_dump(mode="json")


class SignedContent:
    """An image's bytes for anyone holding a signed URL: no cookie, no token.

    The same answers as the owner's content route with the signed parameters,
    but public: cacheable by shared caches for the URL's remaining life, and
    readable from any origin.
    """

    public_methods = ("GET", "HEAD")
    # Credentials a browser sends along are not looked up: the URL is the grant.
    ignores_credentials = True

    def __init__(
        self,
        publishing: PublishService,
        images: ImageService,
        renditions: RenditionService,
    ) -> None:
        self._publishing = publishing
        self._images = images
        self._renditions = renditions

    def on_get(self, req: falcon.Request, resp: falcon.Response, image_id: str):
        resp.set_header("Access-Control-Allow-Origin", "*")  # errors too
        request = self._publishing.verify(image_id, req.query_string)
        # Counted in the owner's usage, like their own downloads.
        req.context.usage_user_id = request.owner
        prepared = self._renditions.prepare_signed(
            request.owner,
            image_id,
            dict(request.params),
            request.source_format,
            req.get_header("Accept") or "",
        )
        if prepared.options is None:
            assert prepared.image is not None
            send_original(self._images, req, resp, prepared.image, download=False)
        else:
            send_derivative(self._renditions, req, resp, prepared, download=False)
        remaining = self._publishing.remaining_seconds(request)
        resp.cache_control = ["public", f"max-age={remaining}"]

    on_head = on_get


def _text(value: str | int | float | bool) -> str:
    """A JSON parameter value as the query string would spell it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
