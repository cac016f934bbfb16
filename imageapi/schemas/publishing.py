"""Signed public URLs: what signing takes and answers, what the URL carries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from typing import Any

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic import WithJsonSchema

ParameterValue = str | int | float | bool
LIFETIME_SCHEMA = {"type": ["integer", "null"], "minimum": 1}


class SignedUrlRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    params: dict[str, ParameterValue] = Field(
        default_factory=dict,
        description="The transform parameters of the image's content "
        "download (`width`, `format`, `preset`..., `format=auto` included), "
        "checked the same way; none for the original.",
    )
    # Checked by the service, so that a wrong type is a 400 like a wrong value.
    expires_in: Annotated[Any, WithJsonSchema(LIFETIME_SCHEMA)] = Field(
        None,
        description="Seconds the URL stays valid; the server's default when "
        "left out, at most its maximum (`signing.*` settings).",
    )


class SignedUrlOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="Absolute URL anyone can fetch, until expires_at.")
    expires_at: datetime = Field(description="RFC 3339, UTC.")


class SigningKeyOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    generation: int = Field(
        ge=0,
        description="The new key's generation; every URL signed before is revoked.",
    )


class SignedContentQuery(BaseModel):
    """The signed fields; the transform parameters sit beside them."""

    model_config = ConfigDict(extra="forbid")

    owner: str = Field(description="The image owner's id.")
    generation: int = Field(ge=0, description="The owner's signing key generation.")
    expires: int = Field(ge=0, description="Expiry, Unix seconds.")
    source_format: str = Field(description="The original's format.")
    signature: str = Field(description="URL-safe base64 HMAC-SHA256.")
