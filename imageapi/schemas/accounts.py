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

    email: EmailStr = Field(max_length=320)
    password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=1024)


class Credentials(BaseModel):
    model_config = ConfigDict(extra="ignore")

    email: str = Field(min_length=1, max_length=320)
    password: str = Field(min_length=1, max_length=1024)


class UserOut(BaseModel):
    id: str
    email: str
    role: str
    created_at: datetime


class TokenOut(BaseModel):
    token: str
    expires_at: datetime
