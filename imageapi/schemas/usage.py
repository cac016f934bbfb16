"""Bodies, queries and answers of the API-key, usage and admin routes."""

from __future__ import annotations

import re
from datetime import date
from datetime import datetime
from typing import Annotated
from typing import Literal

from pydantic import BaseModel
from pydantic import BeforeValidator
from pydantic import ConfigDict
from pydantic import Field
from pydantic import model_validator

from imageapi.services.usage import DEFAULT_DAYS

MAX_INTEGER = 2**31 - 1
MAX_BIGINT = 2**63 - 1


class NewApiKey(BaseModel):
    model_config = ConfigDict(extra="ignore")

    # Kept as sent (no trimming), so the limits mean what the document says.
    # No NUL: PostgreSQL text cannot hold one (the insert would fail).
    name: str = Field(
        min_length=1,
        max_length=100,
        pattern=r"^[^\x00]*[^\s\x00][^\x00]*$",
        description="Yours to recognise it by; not only spaces, no NUL.",
    )


class UserPatch(BaseModel):
    """What an admin may change; a quota of null goes back to the default."""

    model_config = ConfigDict(extra="forbid")

    disabled: bool | None = None
    role: Literal["user", "admin"] | None = None
    # Capped at what their columns hold (BIGINT, INTEGER), so a huge number is
    # a 422, not a database error (found by schemathesis).
    max_storage_bytes: int | None = Field(None, ge=0, le=MAX_BIGINT)
    max_images: int | None = Field(None, ge=0, le=MAX_INTEGER)
    max_uploads_per_day: int | None = Field(None, ge=0, le=MAX_INTEGER)

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


def _iso_day(value: object) -> object:
    """Only YYYY-MM-DD: not the unix times or datetimes pydantic would take."""
    if isinstance(value, str) and not ISO_DAY.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
Day = Annotated[date, BeforeValidator(_iso_day)]


class UsageQuery(BaseModel):
    """A range of UTC days, both ends included."""

    model_config = ConfigDict(extra="forbid")

    first: Day | None = Field(
        None,
        alias="from",
        description=f"YYYY-MM-DD; default: {DEFAULT_DAYS - 1} days before `to`.",
    )
    last: Day | None = Field(
        None, alias="to", description="YYYY-MM-DD; default: today (UTC)."
    )


class AdminUserQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(100, ge=1, le=1000, description="Page size.")
    offset: int = Field(
        0, ge=0, le=MAX_INTEGER, description="Users to skip (oldest first)."
    )


# Responses -------------------------------------------------------------------


class ApiKeyOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None = Field(description="Null until first used.")


class IssuedApiKeyOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    name: str
    created_at: datetime
    key: str = Field(
        description="Send as `X-API-Key: <key>`. Shown only now: it is stored hashed."
    )


class QuotaValues(BaseModel):
    """Quotas in bytes, images and uploads per UTC day; 0 means unlimited."""

    model_config = ConfigDict(extra="forbid")

    max_storage_bytes: int = Field(ge=0)
    max_images: int = Field(ge=0)
    max_uploads_per_day: int = Field(ge=0)


class OwnQuotas(BaseModel):
    """The user's own quotas; null means the server's default applies."""

    model_config = ConfigDict(extra="forbid")

    max_storage_bytes: int | None = Field(ge=0)
    max_images: int | None = Field(ge=0)
    max_uploads_per_day: int | None = Field(ge=0)


class AdminUserOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    email: str
    role: Literal["user", "admin"]
    disabled: bool
    created_at: datetime
    quotas: OwnQuotas
    effective_quotas: QuotaValues


class AdminUserPage(BaseModel):
    model_config = ConfigDict(extra="forbid")

    items: list[AdminUserOut] = Field(description="Oldest account first.")


class TotalsOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    requests: int = Field(ge=0)
    bytes_in: int = Field(ge=0, description="Request bodies.")
    bytes_out: int = Field(ge=0, description="Response bodies.")
    images: int = Field(ge=0, description="Stored now.")
    storage_bytes: int = Field(ge=0, description="Stored now.")
    derivatives_served: int = Field(ge=0)
    processing_ms: int = Field(ge=0)


class DayUsageOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    day: date
    requests: int = Field(ge=0)
    bytes_in: int = Field(ge=0)
    bytes_out: int = Field(ge=0)


class RouteUsageOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    route: str = Field(description="Method and route template.")
    requests: int = Field(ge=0)
    bytes_in: int = Field(ge=0)
    bytes_out: int = Field(ge=0)


class ApiKeyUsageOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key_id: str | None = Field(
        description="The key's id (see your API keys); null for requests made "
        "with a session."
    )
    requests: int = Field(ge=0)
    bytes_in: int = Field(ge=0)
    bytes_out: int = Field(ge=0)


class UsageOut(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: date = Field(alias="from", serialization_alias="from")
    last: date = Field(alias="to", serialization_alias="to")
    totals: TotalsOut
    by_day: list[DayUsageOut] = Field(description="Days with requests only.")
    by_route: list[RouteUsageOut]
    by_api_key: list[ApiKeyUsageOut] = Field(
        description="Per API key (and sessions), most requests first."
    )
    quotas: QuotaValues = Field(
        description="Your limits now (your own or the server's defaults); 0 means "
        "unlimited."
    )


class UserUsageOut(TotalsOut):
    user_id: str
    email: str


class AllUsageOut(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    first: date = Field(alias="from", serialization_alias="from")
    last: date = Field(alias="to", serialization_alias="to")
    users: list[UserUsageOut]
