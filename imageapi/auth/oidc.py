"""What single sign-on needs from an OpenID Connect provider: the client
interface and its two failures. The client over HTTP is
``auth/oidc_authlib.py``, loaded only when a provider is configured (authlib,
joserfc and requests take about 17 MiB in each worker).
"""

from __future__ import annotations

from typing import Any
from typing import Protocol


class ProviderUnreachable(Exception):
    """The provider could not be asked: down, slow, or an unreadable answer."""


class ProviderRefused(Exception):
    """The provider (or its ID token) says no; the message says why."""


class OidcClient(Protocol):
    """What the sign-on service needs from one provider."""

    issuer: str

    def authorization_request(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        """The provider's URL that starts the login."""
        ...

    def verified_claims(
        self, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> dict[str, Any]:
        """Exchange the code and return the ID token's verified claims."""
        ...
