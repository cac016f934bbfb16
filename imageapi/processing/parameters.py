"""The rendition query parameters: one table for the parser, the docs and OpenAPI.

Each ``Parameter`` says what a value may look like; ``options.parse_options``
reads its rules from here, and ``openapi_parameters()`` turns the same table
into OpenAPI 3.1 parameter objects, so the document cannot drift from the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from typing import Literal

from imageapi.limits import MAX_OUTPUT_SIDE_PIXELS
from imageapi.processing.formats import OUTPUT_FORMATS

Kind = Literal[
    "integer", "number", "flag", "choice", "colour", "region", "flag_or_number"
]

MAX_DIMENSION = MAX_OUTPUT_SIDE_PIXELS
FITS = ("cover", "contain", "fill", "inside", "outside")
POSITIONS = ("center", "top", "bottom", "left", "right", "entropy", "attention")
ROTATIONS = ("0", "90", "180", "270")
FORMAT_CHOICES = (*OUTPUT_FORMATS, "auto")


@dataclass(frozen=True)
class Parameter:
    """One query parameter: its name, the shape of its value and what it does."""

    name: str
    kind: Kind
    description: str
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()
    default: str | None = None  # as written in a query

    def schema(self) -> dict[str, Any]:
        """The JSON Schema of the raw query value (OpenAPI 3.1)."""
        if self.kind == "flag":
            return {"type": "string", "enum": ["true", "false", "1", "0", ""]}
        if self.kind == "choice":
            return {"type": "string", "enum": list(self.choices)}
        if self.kind == "colour":
            return {"type": "string", "pattern": "^#?[0-9a-fA-F]{6}$"}
        if self.kind == "region":
            return {"type": "string", "pattern": r"^\d+,\d+,\d+,\d+$"}
        if self.kind == "flag_or_number":
            return {"type": "string", "pattern": r"^(true|false|\d+(\.\d+)?)?$"}
        schema: dict[str, Any] = {"type": self.kind}
        if self.minimum is not None:
            schema["minimum"] = self.minimum
        if self.maximum is not None:
            schema["maximum"] = self.maximum
        return schema


PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "width",
        "integer",
        "Width of the target box, in pixels.",
        minimum=1,
        maximum=MAX_DIMENSION,
    ),
    Parameter(
        "height",
        "integer",
        "Height of the target box, in pixels.",
        minimum=1,
        maximum=MAX_DIMENSION,
    ),
    Parameter(
        "fit",
        "choice",
        "How the image fills the box: cover crops, contain pads, fill stretches, "
        "inside fits within, outside covers without cropping.",
        choices=FITS,
        default="inside",
    ),
    Parameter(
        "enlarge",
        "flag",
        "Allow the result to be larger than the source.",
        default="false",
    ),
    Parameter(
        "position",
        "choice",
        "What fit=cover keeps: an edge, the centre, or libvips' smart crop "
        "(entropy, attention).",
        choices=POSITIONS,
        default="center",
    ),
    Parameter(
        "background",
        "colour",
        "rrggbb colour for contain padding and for flattening transparency; "
        "default white, or transparent padding where the format has alpha.",
    ),
    Parameter(
        "crop",
        "region",
        "x,y,w,h: a region of the original (upright, in original pixels), "
        "taken before resizing.",
    ),
    Parameter(
        "rotate",
        "choice",
        "Clockwise rotation in degrees; width and height describe the result.",
        choices=ROTATIONS,
        default="0",
    ),
    Parameter("flip", "flag", "Mirror top to bottom.", default="false"),
    Parameter("flop", "flag", "Mirror left to right.", default="false"),
    Parameter("grayscale", "flag", "Convert to shades of grey.", default="false"),
    Parameter(
        "blur",
        "number",
        "Gaussian blur sigma.",
        minimum=0.3,
        maximum=100,
    ),
    Parameter(
        "sharpen",
        "flag_or_number",
        "Sharpen: true for a sensible amount, or a sigma.",
        minimum=0.3,
        maximum=10,
    ),
    Parameter(
        "format",
        "choice",
        "Output format; auto picks the best one the Accept header allows "
        "(avif, then webp), else the original's.",
        choices=FORMAT_CHOICES,
    ),
    Parameter(
        "quality",
        "integer",
        "Quality of lossy formats (jpeg, webp, avif); defaults per format.",
        minimum=1,
        maximum=100,
    ),
    Parameter(
        "preset",
        "choice",
        "A named parameter set from the configuration; explicit parameters "
        "override it.",
    ),
)
# Kinds whose bare name (``?grayscale``) means true.
BARE = ("flag", "flag_or_number")
BY_NAME = {parameter.name: parameter for parameter in PARAMETERS}


def openapi_parameters(preset_names: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """OpenAPI 3.1 query parameter objects for the rendition parameters."""
    result = []
    for parameter in PARAMETERS:
        schema = parameter.schema()
        if parameter.name == "preset":
            schema = {"type": "string", "enum": list(preset_names)}
        if parameter.default is not None:
            schema["default"] = parameter.default
        result.append(
            {
                "name": parameter.name,
                "in": "query",
                "required": False,
                "description": parameter.description,
                "schema": schema,
                **({"allowEmptyValue": True} if parameter.kind in BARE else {}),
            }
        )
    return result
