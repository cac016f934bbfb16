"""Claims only this app can read and write (JWE, with a key derived from the
secret key per purpose): the sign-on's state and link tokens."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from datetime import datetime
from datetime import timedelta
from typing import Any

from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwe import JWERegistry
from joserfc.jwk import OctKey
from joserfc.jwt import JWTClaimsRegistry

SEALED_REGISTRY = JWERegistry(algorithms=["dir", "A256GCM"])
SEALED_HEADER = {"alg": "dir", "enc": "A256GCM"}


class SealedTokens:
    """Claims only this app can read and write, for one purpose each."""

    def __init__(self, secret_key: str, purpose: str, clock: Callable[[], datetime]):
        derived = hmac.new(secret_key.encode(), purpose.encode(), hashlib.sha256)
        self._key = OctKey.import_key(derived.digest())
        self._purpose = purpose
        self._clock = clock

    def seal(self, claims: dict[str, Any], ttl: timedelta) -> str:
        expires = int((self._clock() + ttl).timestamp())
        payload = {**claims, "purpose": self._purpose, "exp": expires}
        return jwt.encode(SEALED_HEADER, payload, self._key, registry=SEALED_REGISTRY)

    def open(self, token: str) -> dict[str, Any] | None:
        """The claims, or None when forged, for another purpose or expired."""
        try:
            claims = jwt.decode(token, self._key, registry=SEALED_REGISTRY).claims
            JWTClaimsRegistry(
                now=lambda: int(self._clock().timestamp()),
                exp={"essential": True},
                purpose={"essential": True, "value": self._purpose},
            ).validate(claims)
        except (JoseError, ValueError):
            return None
        return claims
