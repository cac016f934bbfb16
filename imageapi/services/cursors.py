"""Opaque, signed keyset cursors: clients can hold them but not forge them."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

import orjson

from imageapi.errors import InvalidParameter

SIGNATURE_BYTES = 16


class Cursors:
    def __init__(self, secret_key: str) -> None:
        self._key = hashlib.sha256(b"cursor:" + secret_key.encode()).digest()

    def encode(self, created_at: datetime, image_id: str) -> str:
        payload = orjson.dumps([created_at.isoformat(), image_id])
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode(self, cursor: str) -> tuple[datetime, str]:
        try:
            payload_part, signature_part = cursor.split(".")
            payload = _unb64(payload_part)
            valid = hmac.compare_digest(_unb64(signature_part), self._sign(payload))
            if not valid:
                raise ValueError("bad signature")
            created_at, image_id = orjson.loads(payload)
            return datetime.fromisoformat(created_at), str(image_id)
        except (ValueError, TypeError, orjson.JSONDecodeError):
            raise InvalidParameter(
                "Query parameter 'cursor' is not a cursor this server issued."
            ) from None

    def encode_values(self, *values: str | int) -> str:
        """A cursor over any keyset position made of strings and integers."""
        payload = orjson.dumps(list(values))
        return f"{_b64(payload)}.{_b64(self._sign(payload))}"

    def decode_values(self, cursor: str, *types: type) -> tuple:
        """The position ``encode_values`` wrote, checked against ``types``."""
        try:
            payload_part, signature_part = cursor.split(".")
            payload = _unb64(payload_part)
            if not hmac.compare_digest(_unb64(signature_part), self._sign(payload)):
                raise ValueError("bad signature")
            values = orjson.loads(payload)
            if not isinstance(values, list) or len(values) != len(types):
                raise ValueError("another kind of cursor")
            if not all(type(v) is t for v, t in zip(values, types, strict=True)):
                raise ValueError("another kind of cursor")
            return tuple(values)
        except (ValueError, TypeError, orjson.JSONDecodeError):
            raise InvalidParameter(
                "Query parameter 'cursor' is not a cursor this server issued."
            ) from None

    def _sign(self, payload: bytes) -> bytes:
        return hmac.new(self._key, payload, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
