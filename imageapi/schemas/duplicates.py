"""Query and response models of the near-duplicate routes."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from imageapi.processing.fingerprint import DEFAULT_MAX_DISTANCE
from imageapi.processing.hamming_index import MAX_RADIUS
from imageapi.schemas.images import ImageOut

MAX_SIMILAR_PAGE = 100
CURSOR = Field(None, max_length=512, description="`next` of the previous page.")


class SimilarQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_SIMILAR_PAGE, description="Page size.")
    max_distance: int = Field(
        DEFAULT_MAX_DISTANCE,
        ge=0,
        le=MAX_RADIUS,
        description="Bits the 64-bit hashes may differ by: copies resized, "
        "re-encoded or brightened come within 0-6, crops of 5 % within 12, "
        "unrelated pictures sit around 32.",
    )
    cursor: str | None = CURSOR


class GroupsQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_SIMILAR_PAGE, description="Groups per page.")
    cursor: str | None = CURSOR


class SimilarOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    image: ImageOut
    distance: int = Field(
        ge=0, le=MAX_RADIUS, description="Bits between the hashes; 0: the same."
    )


class SimilarPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[SimilarOut] = Field(description="Nearest first; ties by id.")
    next: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last one."
    )


class DuplicateGroupOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    images: list[ImageOut] = Field(description="Oldest first.")
    size: int = Field(ge=2, description="Images in the group.")


class DuplicateGroupPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[DuplicateGroupOut] = Field(
        description="Largest first; ties by the smallest image id."
    )
    next: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last one."
    )
