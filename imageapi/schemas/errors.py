"""The one error body every route answers with."""

from __future__ import annotations

from pydantic import BaseModel
from pydantic import ConfigDict


class Error(BaseModel):
    """``{"title", "description"}``: a short category and a sentence for people."""

    model_config = ConfigDict(extra="forbid")

    title: str
    description: str
