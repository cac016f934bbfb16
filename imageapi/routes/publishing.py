"""Publishing: signed public URLs of images, and the key that signs them."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.publishing import SignedContent
from imageapi.resources.publishing import SignedUrlCollection
from imageapi.resources.publishing import SigningKey
from imageapi.routes.images import CONTENT_REQUEST_HEADERS
from imageapi.routes.images import IMAGE_NOT_FOUND
from imageapi.routes.images import content_responses
from imageapi.routes.route import Route
from imageapi.routes.route import v1
from imageapi.schemas.publishing import SignedContentQuery
from imageapi.schemas.publishing import SignedUrlOut
from imageapi.schemas.publishing import SignedUrlRequest
from imageapi.schemas.publishing import SigningKeyOut

PUBLIC_HEADERS = {
    "Access-Control-Allow-Origin": Header("`*`: any page may use the image."),
}
SIGNED_ERRORS = {
    403: error(
        "The URL was changed (any part), or its owner rotated the signing key "
        "or was disabled.",
        PUBLIC_HEADERS,
    ),
    404: error("The image was deleted.", PUBLIC_HEADERS),
    410: error("The URL has expired.", PUBLIC_HEADERS),
}


def signed_content_responses() -> dict:
    responses = content_responses(PUBLIC_HEADERS)
    for status in (200, 206, 304):
        original = responses[status]
        headers = dict(original.headers)
        headers["Cache-Control"] = Header(
            "`public, max-age=N`, N at most the URL's remaining lifetime."
        )
        headers["Last-Modified"] = Header(
            "When the image was uploaded (not sent for a cached transformed copy).",
            required=False,
        )
        responses[status] = Response(
            original.description, content=original.content, headers=headers
        )
    return {**responses, **SIGNED_ERRORS}


def without_bodies(responses: dict) -> dict:
    """The answers to HEAD: the same statuses and headers, no image bytes
    (errors keep the shared schema of the GET they mirror)."""
    return {
        status: response
        if status >= 400
        else Response(response.description, headers=response.headers)
        for status, response in responses.items()
    }


SIGNED_CONTENT_DESCRIPTION = (
    "What the owner gets from `GET /api/v1/images/{image_id}/content` with the "
    "signed parameters, for anyone holding the URL: no cookie, no token. Made "
    "by `POST /api/v1/images/{image_id}/signed-urls`; every part of the URL is "
    "signed, so it cannot be edited, and shared caches (CDNs) may keep the "
    "answer until it expires."
)

ROUTES = (
    Route(
        "signed_urls",
        v1("/images/{image_id}/signed-urls"),
        lambda ctx: SignedUrlCollection(ctx.services.publishing, ctx.urls),
        (
            Operation(
                "POST",
                operation_id="signImageUrl",
                summary="Publish an image: a signed URL anyone can fetch",
                description="The URL serves the original, or the copy the "
                "`params` describe, until it expires, its owner rotates the "
                "signing key, is disabled or deletes the image.",
                tags=("publishing",),
                body=Body(SignedUrlRequest),
                responses={
                    201: Response("The signed URL.", model=SignedUrlOut),
                    400: error(
                        "A parameter is invalid (the description names it), or "
                        "`expires_in` is not between 1 and the maximum."
                    ),
                    404: IMAGE_NOT_FOUND,
                    422: error(
                        "The body is not valid, or the image cannot be "
                        "transformed as asked (too many pixels)."
                    ),
                },
            ),
        ),
    ),
    Route(
        "signing_key",
        v1("/users/me/signing-key"),
        lambda ctx: SigningKey(ctx.services.publishing),
        (
            Operation(
                "POST",
                operation_id="rotateSigningKey",
                summary="Rotate your signing key: revoke every signed URL",
                description="Within a few seconds, on every server, every URL "
                "you signed before answers 403.",
                tags=("publishing",),
                responses={200: Response("The new key.", model=SigningKeyOut)},
            ),
        ),
    ),
    Route(
        "signed_content",
        v1("/signed/images/{image_id}"),
        lambda ctx: SignedContent(
            ctx.services.publishing, ctx.services.images, ctx.services.renditions
        ),
        tuple(
            Operation(
                method,
                operation_id=operation_id,
                summary=summary,
                description=SIGNED_CONTENT_DESCRIPTION,
                tags=("publishing",),
                public=True,
                query=SignedContentQuery,
                transforms=True,
                request_headers=CONTENT_REQUEST_HEADERS,
                responses=responses,
            )
            for method, operation_id, summary, responses in (
                (
                    "GET",
                    "getSignedContent",
                    "An image, by signed URL",
                    signed_content_responses(),
                ),
                (
                    "HEAD",
                    "headSignedContent",
                    "An image's headers, by signed URL",
                    without_bodies(signed_content_responses()),
                ),
            )
        ),
    ),
)
