"""The earlier project's routes: deprecated, served by the same services."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.legacy import LegacyImage
from imageapi.resources.legacy import LegacyImageCollection
from imageapi.resources.legacy import LegacyImageTag
from imageapi.resources.legacy import LegacyImageTags
from imageapi.resources.legacy import LegacyLogin
from imageapi.resources.legacy import LegacyRegister
from imageapi.routes.accounts import EMAIL_TAKEN
from imageapi.routes.accounts import LOGIN_THROTTLED
from imageapi.routes.accounts import NO_STORE
from imageapi.routes.accounts import PASSWORD_LOGIN_OFF
from imageapi.routes.accounts import REGISTRATION_REFUSED
from imageapi.routes.accounts import SET_COOKIE
from imageapi.routes.accounts import WRONG_CREDENTIALS
from imageapi.routes.images import CONTENT_REQUEST_HEADERS
from imageapi.routes.images import IMAGE_NOT_FOUND
from imageapi.routes.images import UPLOAD
from imageapi.routes.images import UPLOAD_ERRORS
from imageapi.routes.images import content_responses
from imageapi.routes.images import image_links
from imageapi.routes.route import Route
from imageapi.routes.tags import BODY_ERRORS
from imageapi.routes.tags import TAGS_BODY
from imageapi.schemas.accounts import Credentials
from imageapi.schemas.accounts import NewUser
from imageapi.schemas.accounts import TokenOut
from imageapi.schemas.accounts import UserOut
from imageapi.schemas.images import ContentQuery
from imageapi.schemas.images import LegacyImageListQuery
from imageapi.schemas.images import LegacyImageOut
from imageapi.schemas.tags import LegacyTagPath

DEPRECATION = {
    "Deprecation": Header("`true`: this route is deprecated."),
    "Link": Header('Its successor: `</api/v1/...>; rel="successor-version"`.'),
}
TAG_LIST = Response("The image's tags.", model=list[str], headers=DEPRECATION)
NEW_IMAGE_LINKS = image_links(
    (
        ("GetImage", "legacyGetImage", "img_id"),
        ("GetImageTags", "legacyGetImageTags", "img_id"),
        ("ReplaceImageTags", "legacyReplaceImageTags", "img_id"),
        ("AddImageTag", "legacyAddImageTag", "img_id"),
        ("DeleteImage", "legacyDeleteImage", "img_id"),
    ),
    "img_id",
)


def _legacy(method: str, operation_id: str, summary: str, **kwargs) -> Operation:
    return Operation(
        method,
        operation_id=operation_id,
        summary=summary,
        tags=("legacy",),
        deprecated=True,
        **kwargs,
    )


ROUTES = (
    Route(
        "legacy_register",
        "/api/user/register",
        lambda ctx: LegacyRegister(ctx.services.registration, ctx.urls),
        (
            Operation(
                "POST",
                operation_id="legacyRegister",
                summary="Register (earlier project; use POST /api/v1/users)",
                tags=("legacy",),
                public=True,
                deprecated=True,
                body=Body(NewUser, accepts_form=True),
                responses={
                    201: Response("The new account.", model=UserOut),
                    403: REGISTRATION_REFUSED,
                    409: EMAIL_TAKEN,
                },
            ),
        ),
    ),
    Route(
        "legacy_login",
        "/api/user/login",
        lambda ctx: LegacyLogin(ctx.services.accounts, ctx.services.cookie),
        (
            Operation(
                "POST",
                operation_id="legacyLogin",
                summary="Log in (earlier project; use POST /api/v1/sessions)",
                tags=("legacy",),
                public=True,
                deprecated=True,
                body=Body(Credentials, accepts_form=True),
                responses={
                    200: Response(
                        "Logged in; sets the session cookie.",
                        model=TokenOut,
                        headers={"Set-Cookie": SET_COOKIE, "Cache-Control": NO_STORE},
                    ),
                    401: WRONG_CREDENTIALS,
                    403: PASSWORD_LOGIN_OFF,
                    429: LOGIN_THROTTLED,
                },
            ),
        ),
    ),
    Route(
        "legacy_images",
        "/api/images",
        lambda ctx: LegacyImageCollection(
            ctx.services.images, ctx.services.max_upload_bytes, ctx.urls
        ),
        (
            _legacy(
                "POST",
                "legacyUploadImage",
                "Upload an image (earlier project; use POST /api/v1/images)",
                body=UPLOAD,
                responses={
                    201: Response(
                        "The stored image.",
                        model=LegacyImageOut,
                        headers={
                            "Location": Header("`/api/image/{img_id}`."),
                            **DEPRECATION,
                        },
                        links=NEW_IMAGE_LINKS,
                    ),
                    **UPLOAD_ERRORS,
                },
            ),
            _legacy(
                "GET",
                "legacyListImages",
                "All your images (earlier project; use GET /api/v1/images)",
                description="Dates are unix seconds: `date` matches that whole UTC "
                "day; `start_date` and `end_date` (inclusive) must come together.",
                query=LegacyImageListQuery,
                responses={
                    200: Response(
                        "Every matching image, newest first.",
                        model=list[LegacyImageOut],
                        headers=DEPRECATION,
                    ),
                    400: error(
                        "A parameter is invalid, only one of start_date and end_date "
                        "was given, or end_date is before start_date."
                    ),
                },
            ),
        ),
    ),
    Route(
        "legacy_image",
        "/api/image/{img_id}",
        lambda ctx: LegacyImage(ctx.services.images, ctx.services.renditions, ctx.urls),
        (
            _legacy(
                "GET",
                "legacyGetImage",
                "An image's bytes (earlier project; use "
                "GET /api/v1/images/{id}/content)",
                query=ContentQuery,
                request_headers=CONTENT_REQUEST_HEADERS,
                transforms=True,
                responses=content_responses(DEPRECATION),
            ),
            _legacy(
                "DELETE",
                "legacyDeleteImage",
                "Delete an image (earlier project; use DELETE /api/v1/images/{id})",
                responses={
                    204: Response("Deleted.", headers=DEPRECATION),
                    404: IMAGE_NOT_FOUND,
                },
            ),
        ),
    ),
    Route(
        "legacy_image_tags",
        "/api/{img_id}/tags",
        lambda ctx: LegacyImageTags(ctx.services.tags, ctx.urls),
        (
            _legacy(
                "GET",
                "legacyGetImageTags",
                "An image's tags (earlier project)",
                responses={200: TAG_LIST, 404: IMAGE_NOT_FOUND},
            ),
            _legacy(
                "PUT",
                "legacyReplaceImageTags",
                "Replace an image's tags (earlier project)",
                body=TAGS_BODY,
                responses={200: TAG_LIST, 404: IMAGE_NOT_FOUND, **BODY_ERRORS},
            ),
            _legacy(
                "DELETE",
                "legacyClearImageTags",
                "Remove every tag from an image (earlier project); 200 with `[]`",
                responses={200: TAG_LIST, 404: IMAGE_NOT_FOUND},
            ),
        ),
    ),
    Route(
        "legacy_image_tag",
        "/api/{img_id}/tags/{tag}",
        lambda ctx: LegacyImageTag(ctx.services.tags, ctx.urls),
        (
            _legacy(
                "POST",
                "legacyAddImageTag",
                "Add one tag (earlier project)",
                path_params=LegacyTagPath,
                responses={
                    200: Response(
                        "The image already had it.",
                        model=list[str],
                        headers=DEPRECATION,
                    ),
                    201: Response("Added.", model=list[str], headers=DEPRECATION),
                    404: IMAGE_NOT_FOUND,
                    422: error(
                        "The tag is invalid, or the image has the most tags allowed."
                    ),
                },
            ),
            _legacy(
                "DELETE",
                "legacyRemoveImageTag",
                "Remove one tag (earlier project); 200 with the tags left",
                path_params=LegacyTagPath,
                responses={
                    200: TAG_LIST,
                    404: error("No such image, or it does not have this tag."),
                },
            ),
        ),
    ),
)
