"""Bodies and parameters of the single sign-on routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel
from pydantic import ConfigDict
from pydantic import Field

from imageapi.services.accounts import MAX_PASSWORD_LENGTH

# Where to go after signing in: a path (and query) on this site only, in
# printable ASCII (others percent-encoded). One leading slash, never "//" nor a
# backslash, which browsers read as another host: no open redirect.
LOCAL_PATH = r"^/([!-.0-\[\]-~][!-\[\]-~]*)?$"


class ProviderPath(BaseModel):
    provider: str = Field(
        pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$",
        description="The provider's name in `auth.oidc_providers`.",
    )


class ProviderOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    display_name: str = Field(description='For a "Sign in with …" button.')
    login_url: str = Field(description="Send the browser here to sign in.")


class LoginQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    next: str = Field(
        "/",
        max_length=2048,
        pattern=LOCAL_PATH,
        description="Path on this site to land on once signed in.",
    )


class CallbackQuery(BaseModel):
    """What the provider sends back; other parameters it adds are ignored."""

    model_config = ConfigDict(extra="ignore")

    code: str = Field("", max_length=4096, description="The authorization code.")
    state: str = Field("", max_length=512, description="Must match the login's.")
    error: str = Field("", max_length=256, description="Set when the login failed.")


class LinkRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    link_token: str = Field(min_length=1, max_length=8192)
    password: str = Field(
        min_length=1,
        max_length=MAX_PASSWORD_LENGTH,
        description="The password of the account with this e-mail.",
    )


class LinkRequiredOut(BaseModel):
    """A password account has the e-mail the provider vouched for: not signed
    in yet, one more step (its password, once) links the two."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["link_required"]
    description: str
    email: str
    link_token: str = Field(
        description="Send it with the account's password to link the sign-on."
    )
    link_url: str
    expires_at: datetime = Field(description="ISO 8601, UTC.")
