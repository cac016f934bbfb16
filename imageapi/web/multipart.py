"""The upload form: one ``image`` file part and optional ``tags`` parts."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field

import falcon
import orjson

from imageapi.errors import InvalidInput
from imageapi.errors import InvalidParameter
from imageapi.errors import MalformedBody
from imageapi.errors import PayloadTooLarge
from imageapi.errors import UnsupportedMediaType
from imageapi.limits import MULTIPART_OVERHEAD_BYTES
from imageapi.limits import REFUSED_BODY_DRAIN_BYTES
from imageapi.schemas.images import IMAGE_PART
from imageapi.schemas.images import ON_DUPLICATE_PART
from imageapi.schemas.images import TAGS_PART
from imageapi.services.images import ImageService
from imageapi.services.uploads import SpooledUpload

DRAIN_CHUNK_BYTES = 256 * 1024


@dataclass
class UploadForm:
    upload: SpooledUpload
    filename: str | None
    tags: list = field(default_factory=list)
    on_duplicate: str | None = None  # "allow" or "reject", if the form says


def read_upload_form(
    req: falcon.Request,
    images: ImageService,
    max_upload_bytes: int,
) -> UploadForm:
    """Stream the image part to disk (never whole into memory) and collect tags.

    Parts are read in the order the client sent them; the image is spooled as
    soon as its part arrives, so tags may come before or after it. The number
    of parts and the sizes of part headers and text fields are capped by the
    multipart handler (``limits.max_form_*``, set in ``app.py``).

    A body sent with ``Transfer-Encoding: chunked`` (no Content-Length) is
    read the same way, and refused with 413 as soon as it grows past the cap.
    A body refused from its Content-Length is drained first, up to
    ``REFUSED_BODY_DRAIN_BYTES``: closing a connection while the client (or a proxy such
    as nginx) is still sending makes the kernel reset it, and the client then
    sees a broken connection or the proxy's 502 instead of this 413.
    """
    if not (req.content_type or "").lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "Upload images as multipart/form-data with an 'image' file part."
        )
    max_body = max_upload_bytes + MULTIPART_OVERHEAD_BYTES
    if (req.content_length or 0) > max_body:
        _drain(req, REFUSED_BODY_DRAIN_BYTES)
        raise PayloadTooLarge(
            f"The request is larger than this server's limit of {max_upload_bytes} "
            "bytes per image."
        )
    upload: SpooledUpload | None = None
    filename: str | None = None
    tags: list = []
    on_duplicate: str | None = None
    try:
        for part in _form(req, max_body):
            if part.name == IMAGE_PART:
                if upload is not None:
                    raise MalformedBody("Send exactly one 'image' part.")
                filename = part.filename
                upload = images.receive(part.stream)
            elif part.name == TAGS_PART:
                tags.extend(_tags_from(part.get_data()))
            elif part.name == ON_DUPLICATE_PART:
                on_duplicate = _on_duplicate_from(part.get_data())
    except falcon.MediaMalformedError:
        _discard(upload)
        raise MalformedBody("The multipart body is malformed.") from None
    except UnicodeDecodeError:
        _discard(upload)
        raise MalformedBody(
            "Part names and file names must be UTF-8 (RFC 7578)."
        ) from None
    except BaseException:
        _discard(upload)
        raise
    if upload is None:
        raise MalformedBody("The form has no 'image' file part.")
    return UploadForm(
        upload=upload, filename=filename, tags=tags, on_duplicate=on_duplicate
    )


def _on_duplicate_from(data: bytes) -> str:
    value = data.decode("utf-8", errors="replace").strip()
    if value not in ("allow", "reject"):
        raise InvalidParameter("Form field 'on_duplicate' must be 'allow' or 'reject'.")
    return value


def _form(req: falcon.Request, max_body: int):
    """The form's parts; a chunked body is read through a capped stream."""
    if req.content_length is not None:
        return req.get_media()
    handler = req.options.media_handlers[falcon.MEDIA_MULTIPART]
    # The raw input: Falcon's bounded stream reads nothing without a length.
    # One byte more than allowed, so crossing the cap is seen, not truncated.
    stream = CappedStream(req.stream, max_body)
    return handler.deserialize(stream, req.content_type, max_body + 1)


class CappedStream:
    """A body of unknown length that raises 413 past ``max_bytes``."""

    def __init__(self, stream, max_bytes: int) -> None:
        self._stream = stream
        self._max_bytes = max_bytes
        self._read = 0

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        self._read += len(chunk)
        if self._read > self._max_bytes:
            raise PayloadTooLarge(
                f"The request is larger than this server's limit of "
                f"{self._max_bytes} bytes per upload form."
            )
        return chunk


def _drain(req: falcon.Request, drain_bytes: int) -> None:
    """Read and drop up to ``drain_bytes`` of the body (see read_upload_form)."""
    left = min(req.content_length or 0, drain_bytes)
    while left > 0:
        chunk = req.bounded_stream.read(min(left, DRAIN_CHUNK_BYTES))
        if not chunk:
            return
        left -= len(chunk)


def _tags_from(data: bytes) -> list:
    """A JSON array of strings, or (as a repeated text field) one plain tag."""
    try:
        text = data.decode("utf-8").strip()
    except UnicodeDecodeError:
        raise InvalidInput("The 'tags' part is not UTF-8 text.") from None
    if not text.startswith(("[", "{", '"')):
        return [text]
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        raise InvalidInput("The 'tags' part is not valid JSON.") from None
    if not isinstance(value, list) or not all(isinstance(tag, str) for tag in value):
        raise InvalidInput("The 'tags' part must be a JSON array of strings.")
    return value


def _discard(upload: SpooledUpload | None) -> None:
    if upload is not None:
        upload.discard()
