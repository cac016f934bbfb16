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
from imageapi.schemas.images import IMAGE_PART
from imageapi.schemas.images import ON_DUPLICATE_PART
from imageapi.schemas.images import TAGS_PART
from imageapi.services.images import ImageService
from imageapi.services.uploads import SpooledUpload


@dataclass
class UploadForm:
    upload: SpooledUpload
    filename: str | None
    tags: list = field(default_factory=list)
    on_duplicate: str | None = None  # "allow" or "reject", if the form says


def read_upload_form(
    req: falcon.Request, images: ImageService, max_upload_bytes: int
) -> UploadForm:
    """Stream the image part to disk (never whole into memory) and collect tags.

    Parts are read in the order the client sent them; the image is spooled as
    soon as its part arrives, so tags may come before or after it. The number
    of parts and the sizes of part headers and text fields are capped by the
    multipart handler (``limits.max_form_*``, set in ``app.py``).
    """
    if not (req.content_type or "").lower().startswith("multipart/form-data"):
        raise UnsupportedMediaType(
            "Upload images as multipart/form-data with an 'image' file part."
        )
    if (req.content_length or 0) > max_upload_bytes + MULTIPART_OVERHEAD_BYTES:
        raise PayloadTooLarge(
            f"The request is larger than this server's limit of {max_upload_bytes} "
            "bytes per image."
        )
    upload: SpooledUpload | None = None
    filename: str | None = None
    tags: list = []
    on_duplicate: str | None = None
    try:
        for part in req.get_media():
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
