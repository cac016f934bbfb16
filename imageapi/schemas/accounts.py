"""Bodies of the account and session routes."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import EmailStr
from pydantic import Field

from imageapi.services.accounts import MIN_PASSWORD_LENGTH


class NewUser(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    email: EmailStr = Field(
        max_length=320, description="Unique whatever its letter case."
    )
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Opaque, stable id.")
    email: str
    role: str
    created_at: datetime = Field(description="ISO 8601, UTC.")


class TokenOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(
        description="Send as `Authorization: Bearer <token>`; also set as cookie."
    )
    expires_at: datetime = Field(description="ISO 8601, UTC.")
