"""Near-duplicates: images like one of yours, and groups of duplicates."""

from __future__ import annotations

from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error
from imageapi.resources.duplicates import DuplicateGroups
from imageapi.resources.duplicates import SimilarImages
from imageapi.routes.images import IMAGE_NOT_FOUND
from imageapi.routes.route import Route
from imageapi.routes.route import v1
from imageapi.schemas.duplicates import DuplicateGroupPage
from imageapi.schemas.duplicates import GroupsQuery
from imageapi.schemas.duplicates import SimilarPage
from imageapi.schemas.duplicates import SimilarQuery

BAD_PAGE = error("A parameter is out of range or not a number, or a bad cursor.")

ROUTES = (
    Route(
        "image_similar",
        v1("/images/{image_id}/similar"),
        lambda ctx: SimilarImages(ctx.services.duplicates, ctx.urls),
        (
            Operation(
                "GET",
                operation_id="getSimilarImages",
                summary="Your images that look like this one, nearest first",
                description="Near-duplicates: the same picture resized, "
                "re-encoded, brightened a little or cropped at the edges. "
                "`distance` is in bits between 64-bit perceptual hashes (0: the "
                "same); the colours must match too. An image stored before "
                "fingerprints were computed has none until `imageapi fingerprints "
                "backfill` runs, and an empty list until then.",
                tags=("images",),
                query=SimilarQuery,
                responses={
                    200: Response("A page of similar images.", model=SimilarPage),
                    400: BAD_PAGE,
                    404: IMAGE_NOT_FOUND,
                },
            ),
        ),
    ),
    Route(
        "duplicates",
        v1("/duplicates"),
        lambda ctx: DuplicateGroups(ctx.services.duplicates, ctx.urls),
        (
            Operation(
                "GET",
                operation_id="listDuplicateGroups",
                summary="Your groups of near-duplicate images, largest first",
                description="Images linked by near-duplicate pairs (within 12 "
                "bits and the same colours) form a group; an image in no pair "
                "is in no group.",
                tags=("images",),
                query=GroupsQuery,
                responses={
                    200: Response("A page of groups.", model=DuplicateGroupPage),
                    400: BAD_PAGE,
                },
            ),
        ),
    ),
)
