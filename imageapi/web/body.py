"""Reading request bodies (JSON or form-encoded) into validated models."""

from __future__ import annotations

from typing import Any
from typing import TypeVar

import falcon
from pydantic import BaseModel
from pydantic import TypeAdapter
from pydantic import ValidationError

from imageapi.errors import InvalidInput
from imageapi.errors import MalformedBody
from imageapi.errors import UnsupportedMediaType
from imageapi.web.media import dumps

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
        if media_type == FORM_MEDIA:
            raise MalformedBody(
                "The form body is not ASCII with percent-encoded UTF-8."
            ) from None
        raise MalformedBody("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be an object.")
    # A form has only strings, so its numbers and booleans are read from text;
    # JSON has types, and a value of the wrong one (0.0 for false, true for 1)
    # is a client bug to report, not to guess at.
    return validate(model, data, strict=media_type == falcon.MEDIA_JSON)


def read_json(req: falcon.Request) -> object:
    """Any JSON value from the body (415 for another content type)."""
    media_type = (req.content_type or "").split(";")[0].strip().lower()
    if media_type != falcon.MEDIA_JSON:
        raise UnsupportedMediaType("Send the body as application/json.")
    try:
        data = req.get_media()
    except falcon.MediaNotFoundError:
        raise MalformedBody("The request body is empty.") from None
    except falcon.MediaMalformedError:
        raise MalformedBody("The request body is not valid JSON.") from None
    return data


def validate(
    model: type[Model] | TypeAdapter, data: object, *, strict: bool = False
) -> Any:
    """``data`` validated by a model (or a ``TypeAdapter``); 422 naming the field.

    ``strict`` validates parsed JSON as JSON: the JSON type must be the
    field's (no "1" or 1.0 for an integer, no 0 for a boolean), while strings
    still carry dates and enums as JSON can only carry them.
    """
    try:
        if isinstance(model, TypeAdapter):
            if strict:
                return model.validate_json(dumps(data), strict=True)
            return model.validate_python(data)
        if strict:
            return model.model_validate_json(dumps(data), strict=True)
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
