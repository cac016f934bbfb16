"""Bodies of the API-key and admin routes."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import model_validator


class NewApiKey(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    name: str = Field(min_length=1, max_length=100)


class UserPatch(BaseModel):
    """What an admin may change; a quota of null goes back to the default."""

    model_config = ConfigDict(extra="forbid")

    disabled: bool | None = None
    role: Literal["user", "admin"] | None = None
    max_storage_bytes: int | None = Field(None, ge=0)
    max_images: int | None = Field(None, ge=0)
    max_uploads_per_day: int | None = Field(None, ge=0)

    @model_validator(mode="after")
    def _flags_not_null(self) -> UserPatch:
        for name in ("disabled", "role"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        if not self.model_fields_set:
            raise ValueError("give at least one field to change")
        return self

    def changes(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in self.model_fields_set}
