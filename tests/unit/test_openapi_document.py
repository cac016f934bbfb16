"""The generator on a made-up table with what the image routes will need:
path and query parameters, a multipart upload, binary and ranged answers."""

from __future__ import annotations

from typing import Literal

import pytest
from openapi_spec_validator import OpenAPIV31SpecValidator
from pydantic import BaseModel
from pydantic import Field

from imageapi.openapi.document import build_document
from imageapi.openapi.document import openapi_path
from imageapi.openapi.operation import BINARY
from imageapi.openapi.operation import MULTIPART
from imageapi.openapi.operation import Body
from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error


class ListFilters(BaseModel):
    tag: list[str] = Field(default_factory=list, description="Repeatable.")
    tag_mode: Literal["all", "any"] = "all"
    limit: int = Field(50, ge=1, le=500)
    cursor: str | None = None


class ImageOut(BaseModel):
    id: str
    tags: list[str]


class Page(BaseModel):
    items: list[ImageOut]
    next_cursor: str | None


class Upload(BaseModel):
    image: bytes = Field(json_schema_extra={"contentMediaType": "image/*"})
    tags: list[str] = []


class ImageId(BaseModel):
    image_id: str = Field(pattern="^[0-9a-f]{32}$", description="An image's id.")


LIST = Operation(
    "GET",
    operation_id="listImages",
    summary="List",
    tags=("images",),
    query=ListFilters,
    responses={200: Response("A page.", model=Page)},
)
UPLOAD = Operation(
    "POST",
    operation_id="uploadImage",
    summary="Upload",
    tags=("images",),
    body=Body(Upload, (MULTIPART,), encoding={"image": {"contentType": "image/*"}}),
    responses={
        201: Response(
            "Stored.",
            model=ImageOut,
            links={
                "GetContent": {
                    "operationId": "getImageContent",
                    "parameters": {"image_id": "$response.body#/id"},
                }
            },
        ),
        413: error("Too big."),
    },
)
CONTENT = Operation(
    "GET",
    operation_id="getImageContent",
    summary="Bytes",
    tags=("images",),
    path_params=ImageId,
    responses={
        200: Response("The bytes.", content={"image/*": BINARY}),
        206: Response(
            "A range.",
            content={"image/*": BINARY},
            headers={"Content-Range": Header("bytes a-b/n")},
        ),
        304: Response("Not modified."),
        416: error("Bad range."),
    },
)
BY_NUMBER = Operation(
    "DELETE",
    operation_id="deleteThing",
    summary="Delete",
    tags=("images",),
    public=True,
    responses={204: Response("Gone.")},
)


@pytest.fixture(scope="module")
def document() -> dict:
    result = build_document(
        {
            "/images": [LIST, UPLOAD],
            "/images/{image_id}/content": [CONTENT],
            "/things/{number:int(min=1)}": [BY_NUMBER],
        },
        cookie_name="auth_token",
        tags={"images": "Images."},
    )
    OpenAPIV31SpecValidator(result).validate()
    return result


def test_query_model_fields_become_parameters(document):
    parameters = {
        p["name"]: p for p in document["paths"]["/images"]["get"]["parameters"]
    }
    assert set(parameters) == {"tag", "tag_mode", "limit", "cursor"}
    assert all(p["in"] == "query" and not p["required"] for p in parameters.values())
    assert parameters["tag"]["schema"]["type"] == "array"
    assert parameters["tag"]["description"] == "Repeatable."
    assert parameters["tag_mode"]["schema"]["enum"] == ["all", "any"]
    assert parameters["limit"]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 500,
        "default": 50,
    }
    assert parameters["cursor"]["schema"] == {"type": "string"}  # no null in a URL
    assert "ListFilters" not in document["components"]["schemas"]
    assert set(document["paths"]["/images"]["get"]["responses"]) == {
        "200",
        "400",
        "401",
        "414",  # every operation: granian's URI length limit
        "429",  # every operation: the rate limit
        "431",  # every operation: the header size limit
        "500",  # every operation: an unexpected failure
        "503",  # every operation: a lost database connection
    }


def test_multipart_body_keeps_binary_part_and_encoding(document):
    operation = document["paths"]["/images"]["post"]
    content = operation["requestBody"]["content"]
    assert list(content) == [MULTIPART]
    assert content[MULTIPART]["encoding"] == {"image": {"contentType": "image/*"}}
    upload = document["components"]["schemas"]["Upload"]
    assert upload["properties"]["image"]["contentMediaType"] == "image/*"
    assert set(operation["responses"]) == {
        "201",
        "400",
        "401",
        "403",
        "413",
        "414",
        "415",
        "422",
        "429",
        "431",
        "500",
        "503",
    }


def test_links_are_passed_through_and_must_name_an_operation(document):
    created = document["paths"]["/images"]["post"]["responses"]["201"]
    assert created["links"]["GetContent"]["operationId"] == "getImageContent"
    with pytest.raises(ValueError, match="GetContent"):
        build_document({"/images": [UPLOAD]}, cookie_name="c", tags={})


def test_binary_responses_and_headers(document):
    responses = document["paths"]["/images/{image_id}/content"]["get"]["responses"]
    assert responses["200"]["content"] == {"image/*": {"schema": BINARY}}
    assert responses["206"]["headers"]["Content-Range"]["required"] is True
    assert "content" not in responses["304"]
    (parameter,) = document["paths"]["/images/{image_id}/content"]["get"]["parameters"]
    assert parameter == {
        "name": "image_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "description": "An image's id.",
    }


def test_converters_become_path_parameter_schemas(document):
    operation = document["paths"]["/things/{number}"]["delete"]
    assert operation["parameters"][0]["schema"] == {"type": "integer"}
    assert operation["security"] == []
    assert "401" not in operation["responses"]


def test_openapi_path_strips_converters():
    assert openapi_path("/a/{x:int(min=1)}/b/{y}/{z:uuid}") == "/a/{x}/b/{y}/{z}"


def test_duplicate_operation_ids_are_refused():
    clash = Operation(
        "GET", operation_id="listImages", summary="x", tags=(), responses={}
    )
    with pytest.raises(ValueError, match="listImages"):
        build_document({"/images": [LIST], "/other": [clash]}, cookie_name="c", tags={})


def test_path_params_model_must_match_the_template():
    wrong = Operation(
        "GET",
        operation_id="getImage",
        summary="x",
        tags=(),
        path_params=ImageId,
        responses={200: Response("ok")},
    )
    with pytest.raises(ValueError, match="image_id"):
        build_document({"/images/{id}": [wrong]}, cookie_name="c", tags={})


def test_a_form_accepting_body_is_documented_as_json_and_says_so():
    login = Operation(
        "POST",
        operation_id="login",
        summary="x",
        tags=(),
        body=Body(ImageId, accepts_form=True, description="Credentials."),
        responses={200: Response("ok")},
    )
    document = build_document({"/login": [login]}, cookie_name="c", tags={})
    body = document["paths"]["/login"]["post"]["requestBody"]
    assert list(body["content"]) == ["application/json"]
    assert body["description"].startswith("Credentials.\n\n")
    assert "application/x-www-form-urlencoded" in body["description"]


def test_security_schemes_carry_the_given_descriptions():
    document = build_document(
        {"/images": [LIST]},
        cookie_name="sid",
        tags={},
        security_descriptions={"bearerAuth": "From logging in."},
    )
    schemes = document["components"]["securitySchemes"]
    assert schemes["cookieAuth"] == {"type": "apiKey", "in": "cookie", "name": "sid"}
    assert schemes["bearerAuth"]["description"] == "From logging in."
    assert "description" not in schemes["apiKeyAuth"]
