"""Build the OpenAPI 3.1 document from the operation table and its models."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from pydantic import TypeAdapter

from imageapi import __version__
from imageapi.openapi.operation import FORM
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.responses import responses_of

OPENAPI_VERSION = "3.1.0"
SCHEMA_REF = "#/components/schemas/{model}"
REQUEST_ID_REF = {"$ref": "#/components/headers/RequestId"}
FORM_NOTE = (
    f"The same fields are also accepted form-encoded (`{FORM}`), as HTML forms "
    "and `curl -d` send them."
)
SECURITY = [{"cookieAuth": []}, {"bearerAuth": []}, {"apiKeyAuth": []}]

# Falcon URI template fields: {name} or {name:converter} or {name:converter(args)}.
_FIELD = re.compile(r"\{(\w+)(?::(\w+)(?:\([^}]*\))?)?\}")
_CONVERTER_SCHEMAS: dict[str | None, dict[str, Any]] = {
    None: {"type": "string"},
    "int": {"type": "integer"},
    "float": {"type": "number"},
    "uuid": {"type": "string", "format": "uuid"},
    "path": {"type": "string"},
}


def openapi_path(template: str) -> str:
    """``/images/{image_id:int}`` (Falcon) -> ``/images/{image_id}`` (OpenAPI)."""
    return _FIELD.sub(r"{\1}", template)


def build_document(
    paths: Mapping[str, Iterable[Operation]],
    *,
    cookie_name: str,
    tags: Mapping[str, str],
    title: str = "imageapi",
    description: str = "",
    security_descriptions: Mapping[str, str] | None = None,
    transform_parameters: Iterable[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """The document for ``paths`` (Falcon URI template -> its operations);
    ``tags`` maps each tag to its description.

    ``security_descriptions`` say how to get each credential (by scheme name:
    ``cookieAuth``, ``bearerAuth``, ``apiKeyAuth``).
    ``transform_parameters`` are OpenAPI parameter objects added to every
    operation marked ``transforms``.
    """
    transform_parameters = [dict(parameter) for parameter in transform_parameters]
    table = [
        (template, operation)
        for template, operations in paths.items()
        for operation in operations
    ]
    _check_table(table)
    schemas = _Schemas([operation for _, operation in table])
    rendered_paths: dict[str, dict[str, Any]] = {}
    for template, operation in table:
        path_item = rendered_paths.setdefault(openapi_path(template), {})
        rendered = _operation(template, operation, schemas)
        if operation.transforms:
            rendered["parameters"] = [
                *rendered.get("parameters", ()),
                *transform_parameters,
            ]
        path_item[operation.method.lower()] = rendered
    document = {
        "openapi": OPENAPI_VERSION,
        "info": {"title": title, "version": __version__, "description": description},
        "tags": [{"name": name, "description": text} for name, text in tags.items()],
        "security": SECURITY,
        "paths": rendered_paths,
        "components": {
            "schemas": schemas.definitions,
            "headers": {
                "RequestId": {
                    "description": "The request's id, as logged; send "
                    "`X-Request-ID` to choose it.",
                    "required": True,
                    "schema": {"type": "string"},
                }
            },
            "securitySchemes": _security_schemes(
                cookie_name, security_descriptions or {}
            ),
        },
    }
    _drop_unreferenced_schemas(document)
    return document


def _security_schemes(
    cookie_name: str, descriptions: Mapping[str, str]
) -> dict[str, Any]:
    schemes: dict[str, dict[str, Any]] = {
        "cookieAuth": {"type": "apiKey", "in": "cookie", "name": cookie_name},
        "bearerAuth": {"type": "http", "scheme": "bearer"},
        "apiKeyAuth": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
    }
    for name, text in descriptions.items():
        schemes[name]["description"] = text
    return schemes


def _check_table(table: list[tuple[str, Operation]]) -> None:
    seen_routes: set[tuple[str, str]] = set()
    seen_ids: set[str] = set()
    for template, operation in table:
        route = (operation.method.upper(), openapi_path(template))
        if route in seen_routes:
            raise ValueError(f"{route} is described twice")
        if operation.operation_id in seen_ids:
            raise ValueError(f"operation id {operation.operation_id!r} is used twice")
        seen_routes.add(route)
        seen_ids.add(operation.operation_id)
    for _, operation in table:
        for response in operation.responses.values():
            for name, link in response.links.items():
                if link.get("operationId") not in seen_ids:
                    raise ValueError(
                        f"{operation.operation_id}: link {name!r} names no operation"
                    )


class _Schemas:
    """JSON schemas of every model the table names, from one pydantic pass.

    One pass lets pydantic give each model a single component name, and
    disambiguate two models that share a class name.
    """

    def __init__(self, operations: list[Operation]) -> None:
        wanted: dict[tuple[Any, str], TypeAdapter] = {}
        for operation in operations:
            for model in (operation.path_params, operation.query):
                if model is not None:
                    wanted[(model, "validation")] = TypeAdapter(model)
            if operation.body is not None:
                wanted[(operation.body.model, "validation")] = TypeAdapter(
                    operation.body.model
                )
            for response in responses_of(operation).values():
                if response.model is not None:
                    key = (response.model, "serialization")
                    wanted[key] = TypeAdapter(response.model)
        inputs = [(key, mode, adapter) for (key, mode), adapter in wanted.items()]
        by_key, definitions = TypeAdapter.json_schemas(inputs, ref_template=SCHEMA_REF)
        self._by_key = by_key
        self.definitions: dict[str, Any] = definitions.get("$defs", {})

    def of(self, model: Any, mode: str) -> dict[str, Any]:
        return self._by_key[(model, mode)]

    def properties_of(self, model: type[BaseModel]) -> tuple[dict[str, Any], set]:
        """The fields of a parameters model: ``(properties, required names)``."""
        name = self.of(model, "validation")["$ref"].rsplit("/", 1)[-1]
        schema = self.definitions[name]
        return schema.get("properties", {}), set(schema.get("required", ()))


def _operation(
    template: str, operation: Operation, schemas: _Schemas
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": list(operation.tags),
    }
    if operation.description:
        result["description"] = operation.description
    if operation.deprecated:
        result["deprecated"] = True
    if operation.public:
        result["security"] = []
    parameters = [
        *_path_parameters(template, operation, schemas),
        *_query_parameters(operation, schemas),
        *_header_parameters(operation),
    ]
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = _request_body(operation, schemas)
    result["responses"] = {
        str(status): _response(response, schemas)
        for status, response in responses_of(operation).items()
    }
    return result


def _path_parameters(
    template: str, operation: Operation, schemas: _Schemas
) -> list[dict]:
    converters = {m[1]: m[2] for m in _FIELD.finditer(template)}
    if operation.path_params is None:
        return [
            {
                "name": name,
                "in": "path",
                "required": True,
                "schema": dict(_CONVERTER_SCHEMAS[converter]),
            }
            for name, converter in converters.items()
        ]
    properties, _ = schemas.properties_of(operation.path_params)
    if set(properties) != set(converters):
        raise ValueError(
            f"{operation.operation_id}: path_params fields {sorted(properties)} "
            f"differ from the template's {sorted(converters)}"
        )
    return [_parameter(name, prop, "path", True) for name, prop in properties.items()]


def _query_parameters(operation: Operation, schemas: _Schemas) -> list[dict]:
    if operation.query is None:
        return []
    properties, required = schemas.properties_of(operation.query)
    return [
        _parameter(name, prop, "query", name in required)
        for name, prop in properties.items()
    ]


def _header_parameters(operation: Operation) -> list[dict]:
    return [
        {
            "name": name,
            "in": "header",
            "required": header.required,
            "description": header.description,
            "schema": dict(header.schema),
        }
        for name, header in operation.request_headers.items()
    ]


def _parameter(name: str, prop: dict, location: str, required: bool) -> dict:
    schema = {key: value for key, value in prop.items() if key != "title"}
    description = schema.pop("description", None)
    parameter = {
        "name": name,
        "in": location,
        "required": required,
        "schema": _without_null(schema),
    }
    if description:
        parameter["description"] = description
    return parameter


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """``X | None`` means "may be left out" for a parameter: a query string has
    no null, so document only the non-null branch."""
    branches = schema.get("anyOf")
    if not branches:
        return schema
    kept = [branch for branch in branches if branch != {"type": "null"}]
    rest = {key: value for key, value in schema.items() if key != "anyOf"}
    if rest.get("default", ...) is None:
        del rest["default"]
    return {**kept[0], **rest} if len(kept) == 1 else {"anyOf": kept, **rest}


def _request_body(operation: Operation, schemas: _Schemas) -> dict[str, Any]:
    body = operation.body
    content = {}
    for media_type in body.media_types:
        content[media_type] = {"schema": schemas.of(body.model, "validation")}
        if body.encoding and media_type.startswith("multipart/"):
            content[media_type]["encoding"] = {
                part: dict(encoding) for part, encoding in body.encoding.items()
            }
    result: dict[str, Any] = {"required": body.required, "content": content}
    description = body.description
    if body.accepts_form:
        description = f"{description}\n\n{FORM_NOTE}".strip()
    if description:
        result["description"] = description
    return result


def _response(response: Response, schemas: _Schemas) -> dict[str, Any]:
    result: dict[str, Any] = {"description": response.description}
    headers: dict[str, Any] = {"X-Request-ID": REQUEST_ID_REF}
    for name, header in response.headers.items():
        headers[name] = {
            "description": header.description,
            "required": header.required,
            "schema": dict(header.schema),
        }
    result["headers"] = headers
    content: dict[str, Any] = {}
    if response.model is not None:
        content["application/json"] = {
            "schema": schemas.of(response.model, "serialization")
        }
    for media_type, schema in response.content.items():
        content[media_type] = {"schema": dict(schema)}
    if content:
        result["content"] = content
    if response.links:
        result["links"] = {name: dict(link) for name, link in response.links.items()}
    return result


def _drop_unreferenced_schemas(document: dict[str, Any]) -> None:
    """Parameter models were only needed for their fields: drop what no
    operation (or other schema) refers to."""
    definitions = document["components"]["schemas"]
    prefix = SCHEMA_REF.format(model="")
    reachable: set[str] = set()
    pending = json.dumps(document["paths"])
    while True:
        found = set(re.findall(re.escape(prefix) + r'([^"]+)"', pending)) - reachable
        if not found:
            break
        reachable |= found
        pending = json.dumps([definitions[name] for name in found])
    for name in set(definitions) - reachable:
        del definitions[name]
