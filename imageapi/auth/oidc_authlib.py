"""The OpenID Connect relying party: discovery, the authorization code flow
with PKCE, and ID token verification against the provider's keys.

The protocol is authlib's (the authorization URL, the S256 code challenge, the
token request) and joserfc's (JWS signatures, JWT claims); this module only
feeds them the provider's metadata and keys, caches both, and turns their
failures into two plain exceptions the service gives a meaning:
``ProviderUnreachable`` (down, timing out, answering garbage) and
``ProviderRefused`` (an answer that must not log anyone in).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import requests
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import ExpiredTokenError
from joserfc.errors import InvalidKeyIdError
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from imageapi.auth.oidc import ProviderRefused
from imageapi.auth.oidc import ProviderUnreachable
from imageapi.config import OidcProviderConfig

DISCOVERY_PATH = "/.well-known/openid-configuration"
HTTP_TIMEOUT_SECONDS = 10
# Clock difference tolerated between us and the provider for exp, iat, nbf.
LEEWAY_SECONDS = 60
# The asymmetric algorithms an ID token may be signed with; never "none" nor
# HS256, whose key would be the client secret.
ID_TOKEN_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA")


class AuthlibOidcClient:
    """An ``OidcClient`` over HTTP (requests): WSGI workers are threads, so
    blocking calls fit, with a timeout so a hung provider cannot hold one."""

    def __init__(
        self,
        settings: OidcProviderConfig,
        clock: Callable[[], int],
        http: requests.Session | None = None,
    ) -> None:
        self.issuer = settings.issuer.rstrip("/")
        self._settings = settings
        self._clock = clock
        self._http = http or requests.Session()
        self._lock = threading.Lock()
        self._metadata: dict[str, Any] | None = None
        self._keys: KeySet | None = None

    def authorization_request(
        self, redirect_uri: str, state: str, nonce: str, code_verifier: str
    ) -> str:
        endpoint = self._metadata_value("authorization_endpoint")
        with self._session(redirect_uri) as session:
            url, _ = session.create_authorization_url(
                endpoint, state=state, code_verifier=code_verifier, nonce=nonce
            )
        return url

    def verified_claims(
        self, code: str, redirect_uri: str, code_verifier: str, nonce: str
    ) -> dict[str, Any]:
        token_endpoint = self._metadata_value("token_endpoint")
        try:
            with self._session(redirect_uri) as session:
                token = session.fetch_token(
                    token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=code_verifier,
                    timeout=HTTP_TIMEOUT_SECONDS,
                )
        except OAuthError as exc:
            raise ProviderRefused(
                f"The provider refused the authorization code ({exc.error})."
            ) from None
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnreachable(
                f"The token request failed ({type(exc).__name__})."
            ) from None
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise ProviderRefused("The provider sent no ID token.")
        return self.verify_id_token(id_token, nonce)

    def verify_id_token(self, id_token: str, nonce: str) -> dict[str, Any]:
        """The claims of an ID token this provider issued to us for ``nonce``.

        Raises:
            ProviderRefused: bad signature or claims, or a key not published.
            ProviderUnreachable: the discovery document or keys are unreadable.
        """
        try:
            decoded = self._decode(id_token, refresh_keys=False)
        except InvalidKeyIdError:
            # Providers rotate keys: an unknown kid is a reason to read the
            # published set once more, not yet to refuse.
            decoded = self._decode(id_token, refresh_keys=True)
        claims = decoded.claims
        registry = JWTClaimsRegistry(
            now=self._clock,
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": self.issuer},
            sub={"essential": True},
            aud={"essential": True, "value": self._settings.client_id},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        )
        try:
            registry.validate(claims)
        except ExpiredTokenError:
            raise ProviderRefused("The ID token has expired.") from None
        except JoseError as exc:
            raise ProviderRefused(f"The ID token is not valid ({exc}).") from None
        audiences = claims["aud"] if isinstance(claims["aud"], list) else []
        if len(audiences) > 1 and claims.get("azp") != self._settings.client_id:
            raise ProviderRefused("The ID token was issued to another party.")
        return claims

    def _decode(self, id_token: str, refresh_keys: bool) -> jwt.Token:
        keys = self._key_set(refresh=refresh_keys)
        try:
            return jwt.decode(id_token, keys, algorithms=list(ID_TOKEN_ALGORITHMS))
        except InvalidKeyIdError:
            if refresh_keys:
                raise ProviderRefused(
                    "The ID token is signed with a key the provider does not publish."
                ) from None
            raise
        except JoseError as exc:
            raise ProviderRefused(
                f"The ID token's signature is not valid ({exc.error})."
            ) from None

    def _session(self, redirect_uri: str) -> OAuth2Session:
        return OAuth2Session(
            client_id=self._settings.client_id,
            client_secret=self._settings.client_secret or None,
            token_endpoint_auth_method="client_secret_basic"
            if self._settings.client_secret
            else "none",
            scope=self._settings.scopes,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
        )

    def _metadata_value(self, name: str) -> str:
        with self._lock:
            if self._metadata is None:
                metadata = self._get_json(self.issuer + DISCOVERY_PATH)
                if metadata.get("issuer", "").rstrip("/") != self.issuer:
                    raise ProviderRefused(
                        "The provider's discovery document names another issuer."
                    )
                self._metadata = metadata
            value = self._metadata.get(name)
        if not isinstance(value, str):
            raise ProviderUnreachable(f"The discovery document has no {name}.")
        return value

    def _key_set(self, refresh: bool) -> KeySet:
        jwks_uri = self._metadata_value("jwks_uri")
        with self._lock:
            if self._keys is None or refresh:
                try:
                    self._keys = KeySet.import_key_set(self._get_json(jwks_uri))
                except (JoseError, ValueError, TypeError, KeyError):
                    raise ProviderUnreachable(
                        "The provider's key set is not readable."
                    ) from None
            return self._keys

    def _get_json(self, url: str) -> dict[str, Any]:
        try:
            response = self._http.get(url, timeout=HTTP_TIMEOUT_SECONDS)
            response.raise_for_status()
            body = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ProviderUnreachable(
                f"{url} could not be read ({type(exc).__name__})."
            ) from None
        if not isinstance(body, dict):
            raise ProviderUnreachable(f"{url} is not a JSON object.")
        return body
