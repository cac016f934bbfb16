"""Tags of one image, one tag on an image, and your tag cloud."""

from __future__ import annotations

from imageapi.openapi.operation import JSON
from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.tags import ImageTag
from imageapi.resources.tags import ImageTags
from imageapi.resources.tags import TagCollection
from imageapi.routes.images import IMAGE_NOT_FOUND
from imageapi.routes.route import Route
from imageapi.routes.route import v1
from imageapi.schemas.tags import TagCount
from imageapi.schemas.tags import TagListQuery
from imageapi.schemas.tags import TagPath
from imageapi.schemas.tags import TagsBody

THE_TAGS = Response("The image's tags, in the order they were added.", model=list[str])
TAGS_BODY = Body(
    TagsBody,
    media_types=(JSON,),
    description='`{"tags": [...]}` or a bare array; duplicates (in any letter '
    "case) count once, the first spelling wins.",
)
BODY_ERRORS = {
    400: error("The body is empty or is not valid JSON."),
    415: error("The body is not application/json."),
    422: error("A tag is invalid, or there are more than the per-image maximum."),
}

ROUTES = (
    Route(
        "image_tags",
        v1("/images/{image_id}/tags"),
        lambda ctx: ImageTags(ctx.services.tags),
        (
            Operation(
                "GET",
                operation_id="getImageTags",
                summary="An image's tags",
                tags=("tags",),
                responses={200: THE_TAGS, 404: IMAGE_NOT_FOUND},
            ),
            Operation(
                "PUT",
                operation_id="replaceImageTags",
                summary="Replace an image's tags",
                tags=("tags",),
                body=TAGS_BODY,
                responses={200: THE_TAGS, 404: IMAGE_NOT_FOUND, **BODY_ERRORS},
            ),
            Operation(
                "DELETE",
                operation_id="clearImageTags",
                summary="Remove every tag from an image",
                tags=("tags",),
                responses={204: Response("No tags left."), 404: IMAGE_NOT_FOUND},
            ),
        ),
    ),
    Route(
        "image_tag",
        v1("/images/{image_id}/tags/{tag}"),
        lambda ctx: ImageTag(ctx.services.tags),
        (
            Operation(
                "PUT",
                operation_id="addImageTag",
                summary="Add one tag to an image",
                description="A tag holding `/` cannot travel in a path: set it with "
                "`PUT .../tags`.",
                tags=("tags",),
                path_params=TagPath,
                responses={
                    200: Response(
                        "The image already had it; its tags.", model=list[str]
                    ),
                    201: Response("Added; the image's tags.", model=list[str]),
                    404: IMAGE_NOT_FOUND,
                    422: error(
                        "The tag is invalid, or the image has the most tags allowed."
                    ),
                },
            ),
            Operation(
                "DELETE",
                operation_id="removeImageTag",
                summary="Remove one tag from an image",
                tags=("tags",),
                path_params=TagPath,
                responses={
                    204: Response("Removed."),
                    404: error("No such image, or it does not have this tag."),
                },
            ),
        ),
    ),
    Route(
        "tags",
        v1("/tags"),
        lambda ctx: TagCollection(ctx.services.tags),
        (
            Operation(
                "GET",
                operation_id="listTags",
                summary="Your tags and how many images carry each, most used first",
                tags=("tags",),
                query=TagListQuery,
                responses={200: Response("The tags.", model=list[TagCount])},
            ),
        ),
    ),
)
