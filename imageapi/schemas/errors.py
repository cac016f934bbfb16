"""The one error body every route answers with."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field


class Error(BaseModel):
    """``{"title", "description"}``: a short category and a sentence for people."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str


class DuplicateError(Error):
    """The 409 of an upload that refuses near-duplicates: which image it is like."""

    duplicate_of: str = Field(description="Id of your image this one duplicates.")
    distance: int = Field(ge=0, le=64, description="Bits between their hashes.")
