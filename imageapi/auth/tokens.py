"""Random bearer tokens, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import secrets

TOKEN_BYTES = 32  # 256 bits


def new_token(prefix: str = "") -> str:
    return prefix + secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Tokens carry 256 random bits, so a fast hash is enough to store them."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_id() -> str:
    """An opaque, unguessable identifier for rows that appear in URLs.

    Never one that begins with "-": command lines would read it as an option
    (``imageapi users enable -Yt…``). Drawing again costs 1/64 of a bit.
    """
    while True:
        identifier = secrets.token_urlsafe(16)
        if not identifier.startswith("-"):
            return identifier
