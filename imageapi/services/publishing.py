"""Publishing images: sign public URLs, check them, rotate the signing key.

Checking a URL needs no database on the hot path: the signature proves what
the URL asks for (``auth/signing.py``), and what could revoke it (the owner's
key generation, a disabled owner) is read at most once per
``signing.revocation_cache_seconds`` per owner and worker.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from urllib.parse import parse_qsl

from imageapi.auth import signing
from imageapi.auth.signing import SignedRequest
from imageapi.config import SigningConfig
from imageapi.db.uow import Database
from imageapi.domain import Image
from imageapi.errors import InvalidParameter
from imageapi.errors import InvalidSignature
from imageapi.errors import SignedUrlExpired
from imageapi.services.renditions import RenditionService

CHANGED = "This URL does not match its signature: it was changed or revoked."
# Signatures found valid, per worker, by image id and query: a URL served
# again and again is parsed and its HMAC computed once. Expiry and revocation
# are still checked on every request; refusals are not remembered.
VERIFIED_URLS = 1024


@dataclass(frozen=True)
class SignedUrl:
    """A signed query for an image; the caller puts it after the route's path."""

    image_id: str
    query: str
    expires_at: datetime


@dataclass(frozen=True)
class _Standing:
    """What could revoke an owner's URLs, as read at ``read_at`` (Unix time)."""

    generation: int | None  # None: no such user
    disabled: bool
    read_at: float


class PublishService:
    def __init__(
        self,
        db: Database,
        renditions: RenditionService,
        secret: str,
        config: SigningConfig,
        clock: Callable[[], datetime],
    ) -> None:
        self._db = db
        self._renditions = renditions
        self._secret = secret
        self._config = config
        self._clock = clock
        self._standing: dict[str, _Standing] = {}
        self._lock = threading.Lock()
        self._verified = functools.lru_cache(maxsize=VERIFIED_URLS)(self._signed)

    def sign(
        self,
        user_id: str,
        image_id: str,
        params: Mapping[str, str],
        expires_in: object,
    ) -> SignedUrl:
        """A URL for one of the user's images, with content-route parameters.

        Raises:
            ImageNotFound: no such image, or another user's.
            InvalidParameter: a parameter or ``expires_in`` is refused.
        """
        lifetime = self.lifetime(expires_in)
        image = self._renditions.prepare(user_id, image_id, params, "").image
        assert image is not None  # prepare always reads the image
        return self._sign(image, params, self._generation(user_id), lifetime)

    def sign_presets(
        self,
        user_id: str,
        images: Iterable[Image],
        presets: Iterable[str],
        expires_in: int | None,
    ) -> dict[str, dict[str, SignedUrl]]:
        """image id -> preset -> a URL of that preset, for listing ``srcset``s."""
        lifetime = self.lifetime(expires_in)
        generation = self._generation(user_id)
        names = list(dict.fromkeys(presets))
        for name in names:  # the same check and message as ?preset=
            self._renditions.parse({"preset": name}, "", "jpeg")
        return {
            image.id: {
                name: self._sign(image, {"preset": name}, generation, lifetime)
                for name in names
            }
            for image in images
        }

    def lifetime(self, expires_in: object) -> int:
        """Seconds a URL lives: the default, or ``expires_in`` within the maximum."""
        if expires_in is None:
            return self._config.default_expires_seconds
        if (
            not isinstance(expires_in, int)
            or isinstance(expires_in, bool)
            or not 1 <= expires_in <= self._config.max_expires_seconds
        ):
            raise InvalidParameter(
                "expires_in: must be a whole number of seconds between 1 and "
                f"{self._config.max_expires_seconds}."
            )
        return expires_in

    def verify(self, image_id: str, query: str) -> SignedRequest:
        """The request a received URL (its image id and query string) makes,
        if its signature holds and it is neither expired nor revoked.

        Raises:
            InvalidSignature: a part was changed, or the owner rotated the key
                or was disabled (403).
            SignedUrlExpired: past its expiry (410).
        """
        request = self._verified(image_id, query)
        if request.expires <= self._clock().timestamp():
            raise SignedUrlExpired("This signed URL has expired; ask for a new one.")
        standing = self._standing_of(request.owner)
        if standing.disabled or standing.generation != request.generation:
            raise InvalidSignature(CHANGED)
        return request

    def _signed(self, image_id: str, query: str) -> SignedRequest:
        """The request the URL makes, if its signature holds.

        Raises:
            InvalidSignature: a part is missing, malformed or changed (403).
        """
        pairs = parse_qsl(query, keep_blank_values=True)
        try:
            request, given = signing.read(image_id, pairs)
        except signing.MalformedSignedUrl:
            raise InvalidSignature(CHANGED) from None
        if not signing.verify(self._secret, request, given):
            raise InvalidSignature(CHANGED)
        return request

    def remaining_seconds(self, request: SignedRequest) -> int:
        return max(0, request.expires - int(self._clock().timestamp()))

    def rotate_key(self, user_id: str) -> int:
        """Revoke every URL the user signed so far; the new generation."""
        with self._db.write() as uow:
            user = uow.users.get_for_update(user_id)
            assert user is not None  # the caller is that user, authenticated
            user.signing_key_generation += 1
            generation = user.signing_key_generation
            uow.commit()
        with self._lock:
            self._standing.pop(user_id, None)
        return generation

    # Helpers -----------------------------------------------------------------

    def _sign(
        self, image: Image, params: Mapping[str, str], generation: int, lifetime: int
    ) -> SignedUrl:
        expires = int(self._clock().timestamp()) + lifetime
        request = SignedRequest(
            image_id=image.id,
            owner=image.user_id,
            generation=generation,
            expires=expires,
            source_format=image.format,
            params=signing.canonical(params.items()),
        )
        return SignedUrl(
            image_id=image.id,
            query=signing.query_string(self._secret, request),
            expires_at=datetime.fromtimestamp(expires, UTC),
        )

    def _generation(self, user_id: str) -> int:
        with self._db.read() as uow:
            user = uow.users.get(user_id)
            assert user is not None  # the caller is that user, authenticated
            return user.signing_key_generation

    def _standing_of(self, user_id: str) -> _Standing:
        now = self._clock().timestamp()
        with self._lock:
            standing = self._standing.get(user_id)
        if (
            standing is not None
            and 0 <= now - standing.read_at < self._config.revocation_cache_seconds
        ):
            return standing
        with self._db.read() as uow:
            user = uow.users.get(user_id)
            standing = _Standing(
                generation=user.signing_key_generation if user else None,
                disabled=bool(user and user.disabled),
                read_at=now,
            )
        with self._lock:
            self._standing[user_id] = standing
        return standing
