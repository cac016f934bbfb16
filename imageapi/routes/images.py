"""Images: upload, list, read, download and delete."""

from __future__ import annotations

from imageapi.openapi.operation import IMAGE_BYTES
from imageapi.openapi.operation import MULTIPART
from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.content import ImageContent
from imageapi.resources.images import ImageCollection
from imageapi.resources.images import ImageItem
from imageapi.resources.images import ImageMetadata
from imageapi.routes.route import Route
from imageapi.routes.route import v1
from imageapi.schemas.errors import DuplicateError
from imageapi.schemas.images import ContentQuery
from imageapi.schemas.images import ImageListQuery
from imageapi.schemas.images import ImageOut
from imageapi.schemas.images import ImagePage
from imageapi.schemas.images import ImageUpload
from imageapi.schemas.images import MetadataOut
from imageapi.schemas.images import NewImageUpload
from imageapi.schemas.images import SignQuery
from imageapi.schemas.images import UploadQuery

IMAGE_NOT_FOUND = error("No image with this id among yours.")
UPLOAD = Body(
    ImageUpload,
    media_types=(MULTIPART,),
    encoding={
        "image": {"contentType": "image/*"},
        "tags": {"contentType": "text/plain"},
    },
)
NEW_UPLOAD = Body(
    NewImageUpload,
    media_types=(MULTIPART,),
    encoding={
        "image": {"contentType": "image/*"},
        "tags": {"contentType": "text/plain"},
        "on_duplicate": {"contentType": "text/plain"},
    },
)
UPLOAD_ERRORS = {
    400: error("The multipart body is malformed, or has no `image` part."),
    403: error(
        "A quota would be passed (storage, image count or uploads today); the "
        "description names it."
    ),
    413: error("The image is over this server's upload limit."),
    415: error(
        "The body is not multipart/form-data, or the `image` part is not an image "
        "in a supported format."
    ),
    422: error(
        "A tag is invalid, or the image has more pixels than this server allows "
        "(checked from its header, before decoding)."
    ),
}


def image_links(targets: tuple[tuple[str, str, str], ...], id_field: str) -> dict:
    """OpenAPI links from an answer holding an image to operations on it;
    ``targets`` are ``(link name, operationId, path parameter)``."""
    return {
        name: {
            "operationId": operation_id,
            "parameters": {parameter: f"$response.body#/{id_field}"},
        }
        for name, operation_id, parameter in targets
    }


NEW_IMAGE_LINKS = image_links(
    (
        ("GetImage", "getImage", "image_id"),
        ("GetImageContent", "getImageContent", "image_id"),
        ("GetImageMetadata", "getImageMetadata", "image_id"),
        ("GetImageTags", "getImageTags", "image_id"),
        ("ReplaceImageTags", "replaceImageTags", "image_id"),
        ("AddImageTag", "addImageTag", "image_id"),
        ("RemoveImageTag", "removeImageTag", "image_id"),
        ("DeleteImage", "deleteImage", "image_id"),
    ),
    "id",
)

# The bytes of an image: the original, whole (200) or a range (206), or a
# transformed copy (200), and what else the content routes answer; shared with
# the earlier project's GET /api/image/{id}.
VALIDATORS = {
    "ETag": Header(
        "The quoted SHA-256 of the original; for a transformed copy, that "
        "plus a hash of the normalised parameters."
    ),
    "Last-Modified": Header("When the image was uploaded."),
    "Cache-Control": Header("`private`: only the owner's own caches keep it."),
    "X-Content-Type-Options": Header("`nosniff`."),
    "Accept-Ranges": Header(
        "`bytes`, for the original: a single `Range` is honoured.", required=False
    ),
    "Vary": Header("`Accept`, with `format=auto`.", required=False),
}
BYTES_HEADERS = {
    **VALIDATORS,
    "Content-Length": Header("Bytes in this answer.", {"type": "integer"}),
    "Content-Disposition": Header(
        "With `download=true`: an attachment with the original name.",
        required=False,
    ),
    "X-Cache": Header(
        "For a transformed copy: `HIT` (from the derivative cache) or `MISS` "
        "(rendered now).",
        {"type": "string", "enum": ["HIT", "MISS"]},
        required=False,
    ),
}
CONTENT_REQUEST_HEADERS = {
    "Range": Header(
        "One byte range, `bytes=first-last`, `bytes=first-` or `bytes=-suffix` "
        "(several ranges, or an unparsable one, get the whole image).",
        required=False,
    ),
    "If-Range": Header(
        "The ETag the range is for; a different one gets the whole image.",
        required=False,
    ),
    "If-None-Match": Header(
        "ETags you hold (or `*`): a match is answered with 304.", required=False
    ),
}


def content_responses(extra_headers: dict[str, Header] | None = None) -> dict:
    extra = extra_headers or {}
    return {
        200: Response(
            "The original's bytes in its own content type, or the transformed "
            "copy the parameters ask for.",
            content=IMAGE_BYTES,
            headers={**BYTES_HEADERS, **extra},
        ),
        206: Response(
            "The requested byte range of the original (no transform).",
            content=IMAGE_BYTES,
            headers={
                **BYTES_HEADERS,
                "Content-Range": Header("`bytes first-last/size`."),
                **extra,
            },
        ),
        304: Response(
            "If-None-Match matched: your copy is current.",
            headers={**VALIDATORS, **extra},
        ),
        400: error(
            "A parameter is invalid, or parameters do not go together (`fit` "
            "without a size, `crop` outside the image, a result over 8192 px)."
        ),
        404: IMAGE_NOT_FOUND,
        416: error(
            "The range lies outside the image.",
            {"Content-Range": Header("`bytes */size`.")},
        ),
        422: error(
            "The image cannot be transformed: more pixels than this server "
            "transforms, or libvips cannot process it."
        ),
        503: error(
            "The transform did not finish (or start) within the server's time "
            "limit; try again."
        ),
    }


ROUTES = (
    Route(
        "images",
        v1("/images"),
        lambda ctx: ImageCollection(
            ctx.services.images,
            ctx.services.max_upload_bytes,
            ctx.urls,
            ctx.services.publishing,
        ),
        (
            Operation(
                "POST",
                operation_id="uploadImage",
                summary="Upload an image, with tags",
                description="multipart/form-data with one `image` part (the file) and "
                "optional `tags` parts. The upload is streamed to disk under the size "
                "limit, identified from its bytes and checked to decode.",
                tags=("images",),
                query=UploadQuery,
                body=NEW_UPLOAD,
                responses={
                    201: Response(
                        "The stored image.",
                        model=ImageOut,
                        headers={"Location": Header("`/api/v1/images/{id}`.")},
                        links=NEW_IMAGE_LINKS,
                    ),
                    **UPLOAD_ERRORS,
                    400: error(
                        "The multipart body is malformed, or has no `image` part, "
                        "or `on_duplicate` is neither `allow` nor `reject`."
                    ),
                    409: Response(
                        "With `on_duplicate=reject`: the image is a near-duplicate "
                        "of one of yours (`duplicate_of`, `distance` in bits); "
                        "nothing was stored.",
                        model=DuplicateError,
                    ),
                },
            ),
            Operation(
                "GET",
                operation_id="listImages",
                summary="List and filter your images, newest first",
                description="Pages of `limit` images; pass `next_cursor` back as "
                "`cursor` for the next page (a cursor keeps working while images are "
                "added).",
                tags=("images",),
                query=ImageListQuery,
                responses={200: Response("A page of images.", model=ImagePage)},
            ),
        ),
    ),
    Route(
        "image",
        v1("/images/{image_id}"),
        lambda ctx: ImageItem(ctx.services.images, ctx.urls, ctx.services.publishing),
        (
            Operation(
                "GET",
                operation_id="getImage",
                summary="One image's details",
                tags=("images",),
                query=SignQuery,
                responses={
                    200: Response("The image.", model=ImageOut),
                    404: IMAGE_NOT_FOUND,
                },
            ),
            Operation(
                "DELETE",
                operation_id="deleteImage",
                summary="Delete an image and its bytes",
                tags=("images",),
                responses={204: Response("Deleted."), 404: IMAGE_NOT_FOUND},
            ),
        ),
    ),
    Route(
        "image_metadata",
        v1("/images/{image_id}/metadata"),
        lambda ctx: ImageMetadata(ctx.services.images),
        (
            Operation(
                "GET",
                operation_id="getImageMetadata",
                summary="What the upload analysis found: size, pages, EXIF",
                tags=("images",),
                responses={
                    200: Response("The image's metadata.", model=MetadataOut),
                    404: IMAGE_NOT_FOUND,
                },
            ),
        ),
    ),
    Route(
        "image_content",
        v1("/images/{image_id}/content"),
        lambda ctx: ImageContent(ctx.services.images, ctx.services.renditions),
        (
            Operation(
                "GET",
                operation_id="getImageContent",
                summary="Download the image, or a transformed copy",
                description="Without transform parameters: the original, streamed; "
                "conditional (`If-None-Match` → 304) and resumable (one `Range` → "
                "206). "
                "With them: a resized, cropped, rotated, filtered or re-encoded copy, "
                "cached on the server (`X-Cache`).",
                tags=("images",),
                query=ContentQuery,
                transforms=True,
                request_headers=CONTENT_REQUEST_HEADERS,
                responses=content_responses(),
            ),
        ),
    ),
)
