"""Signed public URLs: HMAC-SHA256 over everything the URL asks for.

Each user signs with their own key, derived from the server secret, their id
and a generation number kept on their row: raising the generation revokes
every URL signed before, for that user alone, and nothing per URL is stored.
What is signed is the image id, the owner, the generation, the expiry, the
source format (so a cache hit needs no database to resolve ``format=auto`` or
the default format) and the transform parameters in one canonical order, so
the URL alone says what to serve and a changed byte anywhere breaks the
signature (imgproxy's ``security/signature.go`` is the model).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlencode

VERSION = "v1"
# The query names the signature travels in, beside the transform parameters.
OWNER, GENERATION, EXPIRES, SOURCE_FORMAT, SIGNATURE = (
    "owner",
    "generation",
    "expires",
    "source_format",
    "signature",
)
SIGNED_FIELDS = (OWNER, GENERATION, EXPIRES, SOURCE_FORMAT, SIGNATURE)


@dataclass(frozen=True)
class SignedRequest:
    """What a signed URL claims; trusted only after ``verify``."""

    image_id: str
    owner: str
    generation: int
    expires: int  # Unix time, seconds
    source_format: str
    params: tuple[tuple[str, str], ...]  # transform parameters, canonical order


class MalformedSignedUrl(ValueError):
    """A signed field is missing, repeated or not of its form."""


def user_key(secret: str, user_id: str, generation: int) -> bytes:
    """The key that signs a user's URLs at one generation."""
    message = f"imageapi signing key\n{user_id}\n{generation}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).digest()


def canonical(params: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Transform parameters sorted by name, then value: one spelling per URL."""
    return tuple(sorted(params))


def signature(secret: str, request: SignedRequest) -> str:
    """The URL-safe base64 HMAC-SHA256 of the request, without padding."""
    key = user_key(secret, request.owner, request.generation)
    message = "\n".join(
        (
            VERSION,
            request.image_id,
            request.owner,
            str(request.generation),
            str(request.expires),
            request.source_format,
            urlencode(canonical(request.params)),
        )
    ).encode()
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_string(secret: str, request: SignedRequest) -> str:
    """The URL's query: transform parameters, then the signed fields."""
    fields = [
        *canonical(request.params),
        (OWNER, request.owner),
        (GENERATION, str(request.generation)),
        (EXPIRES, str(request.expires)),
        (SOURCE_FORMAT, request.source_format),
        (SIGNATURE, signature(secret, request)),
    ]
    return urlencode(fields)


def read(image_id: str, pairs: Iterable[tuple[str, str]]) -> tuple[SignedRequest, str]:
    """Split a received query into the claimed request and its signature.

    Raises:
        MalformedSignedUrl: a signed field is missing, repeated or malformed.
    """
    signed: dict[str, str] = {}
    params = []
    for name, value in pairs:
        if name in SIGNED_FIELDS:
            if name in signed:
                raise MalformedSignedUrl(f"{name} is given twice")
            signed[name] = value
        else:
            params.append((name, value))
    missing = [name for name in SIGNED_FIELDS if name not in signed]
    if missing:
        raise MalformedSignedUrl(f"missing {', '.join(missing)}")
    if not (signed[GENERATION].isdigit() and signed[EXPIRES].isdigit()):
        raise MalformedSignedUrl("generation and expires must be whole numbers")
    request = SignedRequest(
        image_id=image_id,
        owner=signed[OWNER],
        generation=int(signed[GENERATION]),
        expires=int(signed[EXPIRES]),
        source_format=signed[SOURCE_FORMAT],
        params=canonical(params),
    )
    return request, signed[SIGNATURE]


def verify(secret: str, request: SignedRequest, given: str) -> bool:
    """Whether ``given`` is the request's signature, compared in constant time."""
    return hmac.compare_digest(signature(secret, request).encode(), given.encode())
