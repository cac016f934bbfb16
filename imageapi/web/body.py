"""Reading request bodies (JSON or form-encoded) into validated models."""

from __future__ import annotations

from typing import TypeVar

import falcon
from pydantic import BaseModel
from pydantic import ValidationError

from imageapi.errors import InvalidInput
from imageapi.errors import MalformedBody
from imageapi.errors import UnsupportedMediaType

Model = TypeVar("Model", bound=BaseModel)

FORM_MEDIA = "application/x-www-form-urlencoded"


def read_body(req: falcon.Request, model: type[Model]) -> Model:
    """Parse a JSON or form-encoded body and validate it against ``model``."""
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type not in (falcon.MEDIA_JSON, FORM_MEDIA):
        raise UnsupportedMediaType(
            "Send the body as application/json or application/x-www-form-urlencoded."
        )
    try:
        data = req.get_media()
    except falcon.MediaNotFoundError:
        raise MalformedBody("The request body is empty.") from None
    except falcon.MediaMalformedError:
        raise MalformedBody("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be an object.")
    return validate(model, data)


def read_json(req: falcon.Request) -> object:
    """Any JSON value from the body (415 for another content type)."""
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type != falcon.MEDIA_JSON:
        raise UnsupportedMediaType("Send the body as application/json.")
    try:
        return req.get_media()
    except falcon.MediaNotFoundError:
        raise MalformedBody("The request body is empty.") from None
    except falcon.MediaMalformedError:
        raise MalformedBody("The request body is not valid JSON.") from None


def validate(model: type[Model], data: object) -> Model:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors():
        field = ".".join(str(part) for part in error["loc"]) or "body"
        message = error["msg"]
        if error["type"] == "missing":
            message = "is required"
        parts.append(f"{field}: {message}")
    return "; ".join(parts)
