"""The earlier project's routes: deprecated, served by the same services."""

from __future__ import annotations

from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.openapi.operations.accounts import EMAIL_TAKEN
from imageapi.openapi.operations.accounts import LOGIN_THROTTLED
from imageapi.openapi.operations.accounts import NO_STORE
from imageapi.openapi.operations.accounts import SET_COOKIE
from imageapi.openapi.operations.accounts import WRONG_CREDENTIALS
from imageapi.openapi.operations.images import CONTENT_REQUEST_HEADERS
from imageapi.openapi.operations.images import IMAGE_NOT_FOUND
from imageapi.openapi.operations.images import UPLOAD
from imageapi.openapi.operations.images import UPLOAD_ERRORS
from imageapi.openapi.operations.images import content_responses
from imageapi.openapi.operations.images import image_links
from imageapi.openapi.operations.tags import BODY_ERRORS
from imageapi.openapi.operations.tags import TAGS_BODY
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


def _legacy(method: str, path: str, operation_id: str, summary: str, **kwargs):
    return Operation(
        method,
        path,
        operation_id=operation_id,
        summary=summary,
        tags=("legacy",),
        deprecated=True,
        **kwargs,
    )


OPERATIONS = (
    Operation(
        "POST",
        "/api/user/register",
        operation_id="legacyRegister",
        summary="Register (earlier project; use POST /api/v1/users)",
        tags=("legacy",),
        public=True,
        deprecated=True,
        body=Body(NewUser),
        responses={201: Response("The new account.", model=UserOut), 409: EMAIL_TAKEN},
    ),
    Operation(
        "POST",
        "/api/user/login",
        operation_id="legacyLogin",
        summary="Log in (earlier project; use POST /api/v1/sessions)",
        tags=("legacy",),
        public=True,
        deprecated=True,
        body=Body(Credentials),
        responses={
            200: Response(
                "Logged in; sets the session cookie.",
                model=TokenOut,
                headers={"Set-Cookie": SET_COOKIE, "Cache-Control": NO_STORE},
            ),
            401: WRONG_CREDENTIALS,
            429: LOGIN_THROTTLED,
        },
    ),
    _legacy(
        "POST",
        "/api/images",
        "legacyUploadImage",
        "Upload an image (earlier project; use POST /api/v1/images)",
        body=UPLOAD,
        responses={
            201: Response(
                "The stored image.",
                model=LegacyImageOut,
                headers={"Location": Header("`/api/image/{img_id}`."), **DEPRECATION},
                links=NEW_IMAGE_LINKS,
            ),
            **UPLOAD_ERRORS,
        },
    ),
    _legacy(
        "GET",
        "/api/images",
        "legacyListImages",
        "All your images (earlier project; use GET /api/v1/images)",
        description="Dates are unix seconds: `date` matches that whole UTC day; "
        "`start_date` and `end_date` (inclusive) must come together.",
        query=LegacyImageListQuery,
        responses={
            200: Response(
                "Every matching image, newest first.",
                model=list[LegacyImageOut],
                headers=DEPRECATION,
            ),
            400: error(
                "A parameter is invalid, only one of start_date and end_date was "
                "given, or end_date is before start_date."
            ),
        },
    ),
    _legacy(
        "GET",
        "/api/image/{img_id}",
        "legacyGetImage",
        "An image's bytes (earlier project; use GET /api/v1/images/{id}/content)",
        query=ContentQuery,
        request_headers=CONTENT_REQUEST_HEADERS,
        transforms=True,
        responses=content_responses(DEPRECATION),
    ),
    _legacy(
        "DELETE",
        "/api/image/{img_id}",
        "legacyDeleteImage",
        "Delete an image (earlier project; use DELETE /api/v1/images/{id})",
        responses={
            204: Response("Deleted.", headers=DEPRECATION),
            404: IMAGE_NOT_FOUND,
        },
    ),
    _legacy(
        "GET",
        "/api/{img_id}/tags",
        "legacyGetImageTags",
        "An image's tags (earlier project)",
        responses={200: TAG_LIST, 404: IMAGE_NOT_FOUND},
    ),
    _legacy(
        "PUT",
        "/api/{img_id}/tags",
        "legacyReplaceImageTags",
        "Replace an image's tags (earlier project)",
        body=TAGS_BODY,
        responses={200: TAG_LIST, 404: IMAGE_NOT_FOUND, **BODY_ERRORS},
    ),
    _legacy(
        "DELETE",
        "/api/{img_id}/tags",
        "legacyClearImageTags",
        "Remove every tag from an image (earlier project); 200 with `[]`",
        responses={200: TAG_LIST, 404: IMAGE_NOT_FOUND},
    ),
    _legacy(
        "POST",
        "/api/{img_id}/tags/{tag}",
        "legacyAddImageTag",
        "Add one tag (earlier project)",
        path_params=LegacyTagPath,
        responses={
            200: Response(
                "The image already had it.", model=list[str], headers=DEPRECATION
            ),
            201: Response("Added.", model=list[str], headers=DEPRECATION),
            404: IMAGE_NOT_FOUND,
            422: error("The tag is invalid, or the image has the most tags allowed."),
        },
    ),
    _legacy(
        "DELETE",
        "/api/{img_id}/tags/{tag}",
        "legacyRemoveImageTag",
        "Remove one tag (earlier project); 200 with the tags left",
        path_params=LegacyTagPath,
        responses={
            200: TAG_LIST,
            404: error("No such image, or it does not have this tag."),
        },
    ),
)
