"""Reading query strings into validated models: one 400 naming the parameter."""

from __future__ import annotations

from typing import TypeVar

import falcon
from pydantic import BaseModel
from pydantic import ValidationError

from imageapi.errors import InvalidParameter

Model = TypeVar("Model", bound=BaseModel)


def read_query(
    req: falcon.Request,
    model: type[Model],
    *,
    ignore: frozenset[str] = frozenset(),
) -> Model:
    """Validate ``req.params`` against ``model``.

    Unknown parameters are refused rather than ignored, so a typo such as
    ``?tga=cat`` is reported instead of silently listing everything. A
    parameter given twice is refused unless the model declares it a list.
    Names in ``ignore`` are someone else's to check (transform parameters).
    """
    # By the name a client sends: the alias, where a field has one ("from").
    fields = {field.alias or name: field for name, field in model.model_fields.items()}
    data: dict[str, object] = {}
    for name, value in req.params.items():
        if name in ignore:
            continue
        if name not in fields:
            raise InvalidParameter(f"Unknown query parameter {name!r}.")
        repeatable = getattr(fields[name].annotation, "__origin__", None) is list
        if isinstance(value, list) and not repeatable:
            raise InvalidParameter(f"Query parameter {name!r} may be given only once.")
        data[name] = [value] if repeatable and not isinstance(value, list) else value
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "query"
        raise InvalidParameter(f"Query parameter {name!r}: {error['msg']}.") from None
