"""Bodies of the account and session routes."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import email_validator
from pydantic import AfterValidator
from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field
from pydantic_core import PydanticCustomError

from imageapi.services.accounts import MAX_PASSWORD_LENGTH
from imageapi.services.accounts import MIN_PASSWORD_LENGTH

# NOTE: email-validator refuses special-use domains (.local, .test, localhost...)
# so that no mail goes there. We send no mail and an address is only a login
# name, so a self-hosted install may use its own domains (bob@nas.local). This
# is the library's documented switch; it has no per-call one. Found by
# schemathesis: the document promises any RFC 5322 address ("format": "email").
email_validator.SPECIAL_USE_DOMAIN_NAMES.clear()


def _valid_email(value: str) -> str:
    """The normalised address if its syntax is valid; deliverability is no rule."""
    try:
        checked = email_validator.validate_email(
            value, check_deliverability=False, globally_deliverable=False
        )
    except email_validator.EmailNotValidError as exc:
        raise PydanticCustomError(
            "value_error",
            "value is not a valid email address: {reason}",
            {"reason": str(exc)},
        ) from None
    return checked.normalized


Email = Annotated[
    str,
    Field(max_length=320, json_schema_extra={"format": "email"}),
    AfterValidator(_valid_email),
]


class NewUser(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=False)

    email: Email = Field(description="Unique whatever its letter case.")
    password: str = Field(
        min_length=MIN_PASSWORD_LENGTH, max_length=MAX_PASSWORD_LENGTH
    )
    invite_code: str | None = Field(
        None,
        max_length=200,
        description="Needed when the server's registration is invite-only.",
    )


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
