"""ID token verification: the provider's HTTP answers are faked at the edge
(discovery and keys); the tokens are real JWTs signed by real keys."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jwk import OctKey
from joserfc.jwk import RSAKey

from imageapi.auth.oidc import ProviderRefused
from imageapi.auth.oidc import ProviderUnreachable
from imageapi.auth.oidc_authlib import AuthlibOidcClient
from imageapi.config import OidcProviderConfig

ISSUER = "https://sso.example.com"
NOW = 1_800_000_000


class FakeAnswer:
    def __init__(self, body: Any, status: int = 200) -> None:
        self._body = body
        self.status_code = status

    def raise_for_status(self) -> None:
        if self.status_code >= 400:
            raise requests.HTTPError(str(self.status_code))

    def json(self) -> Any:
        return self._body


class FakeProviderHttp:
    """Serves a discovery document and whatever key set ``keys`` holds now."""

    def __init__(self, keys: list[RSAKey]) -> None:
        self.keys = keys
        self.key_reads = 0

    def get(self, url: str, timeout: float) -> FakeAnswer:
        if url == f"{ISSUER}/.well-known/openid-configuration":
            return FakeAnswer(
                {
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                }
            )
        assert url == f"{ISSUER}/jwks"
        self.key_reads += 1
        return FakeAnswer(KeySet(self.keys).as_dict(private=False))


def _key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid})


def _client(http: FakeProviderHttp) -> AuthlibOidcClient:
    settings = OidcProviderConfig(issuer=ISSUER, client_id="imageapi")
    return AuthlibOidcClient(settings, clock=lambda: NOW, http=http)


def _token(key, header: dict | None = None, **changes: Any) -> str:
    claims = {
        "iss": ISSUER,
        "sub": "sub-1",
        "aud": "imageapi",
        "exp": NOW + 300,
        "iat": NOW,
        "nonce": "n-1",
        **changes,
    }
    header = header or {"alg": "RS256", "kid": key.kid}
    return jwt.encode(header, claims, key)


@pytest.fixture(scope="module")
def old_key() -> RSAKey:
    return _key("old")


@pytest.fixture(scope="module")
def new_key() -> RSAKey:
    return _key("new")


def test_a_valid_token_gives_its_claims(old_key):
    claims = _client(FakeProviderHttp([old_key])).verify_id_token(
        _token(old_key), "n-1"
    )
    assert claims["sub"] == "sub-1"


def test_keys_are_read_again_once_for_an_unknown_kid(old_key, new_key):
    http = FakeProviderHttp([old_key])
    client = _client(http)
    client.verify_id_token(_token(old_key), "n-1")
    http.keys = [old_key, new_key]  # the provider rotated its keys
    assert client.verify_id_token(_token(new_key), "n-1")["sub"] == "sub-1"
    assert http.key_reads == 2
    client.verify_id_token(_token(new_key), "n-1")
    assert http.key_reads == 2  # cached again


def test_a_key_the_provider_does_not_publish_is_refused(old_key, new_key):
    http = FakeProviderHttp([old_key])
    with pytest.raises(ProviderRefused, match="does not publish"):
        _client(http).verify_id_token(_token(new_key), "n-1")
    forged = _token(new_key, header={"alg": "RS256", "kid": "old"})
    with pytest.raises(ProviderRefused, match="signature"):
        _client(http).verify_id_token(forged, "n-1")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"iss": "https://evil.example.com"}, "iss"),
        ({"aud": "another-client"}, "aud"),
        ({"exp": NOW - 61}, "expired"),
        ({"nonce": "replayed"}, "nonce"),
        ({"aud": ["imageapi", "other"]}, "another party"),
    ],
)
def test_claims_are_checked(old_key, changes, words):
    client = _client(FakeProviderHttp([old_key]))
    with pytest.raises(ProviderRefused, match=words):
        client.verify_id_token(_token(old_key, **changes), "n-1")


def test_symmetric_and_unsigned_tokens_are_refused(old_key):
    client = _client(FakeProviderHttp([old_key]))
    secret = OctKey.import_key(b"the client secret, known to the client" * 2)
    hs256 = _token(secret, header={"alg": "HS256"})
    with pytest.raises(ProviderRefused):
        client.verify_id_token(hs256, "n-1")
    payload = _token(old_key).split(".")[1]
    unsigned = ".".join(["eyJhbGciOiJub25lIn0", payload, ""])  # {"alg":"none"}
    with pytest.raises(ProviderRefused):
        client.verify_id_token(unsigned, "n-1")


def test_an_unreadable_key_set_is_the_provider_being_down(old_key):
    http = FakeProviderHttp([old_key])
    http.get = lambda url, timeout: FakeAnswer({}, status=503)  # type: ignore
    with pytest.raises(ProviderUnreachable):
        _client(http).verify_id_token(_token(old_key), "n-1")
