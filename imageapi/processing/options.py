"""Rendition options: the query parameters of a derivative, parsed once, typed.

``parse_options`` turns ``req.params`` into a frozen ``RenditionOptions`` or
``None`` (no transform: serve the original byte for byte). Every rule lives in
``parameters.PARAMETERS``; this module applies them, expands presets, resolves
``format=auto`` and the default quality, and refuses anything it cannot honour
with ``InvalidParameter`` naming the parameter. Steps never see query strings.

The cache key is not written field by field: it is every field of the
``normalised()`` options, except those marked ``NOT_IN_KEY``, so a new field is
part of the key unless someone decides, in its declaration, that it is not.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import Field
from dataclasses import dataclass
from dataclasses import field
from dataclasses import fields
from dataclasses import replace
from urllib.parse import parse_qs

from imageapi.errors import InvalidParameter
from imageapi.processing.formats import DEFAULT_QUALITIES
from imageapi.processing.formats import DEFAULT_WEBP_EFFORT
from imageapi.processing.formats import LOSSY
from imageapi.processing.formats import WITH_ALPHA
from imageapi.processing.formats import default_format
from imageapi.processing.formats import negotiate
from imageapi.processing.parameters import BY_NAME
from imageapi.processing.parameters import Parameter

Params = Mapping[str, str | list[str]]
PresetParameters = Mapping[str, Mapping[str, str]]

# Bump when the pipeline changes its output for the same options, so cached
# derivatives and ETags made by the old code are not served for the new, and
# when the key's text changes. Rows cached under an older version are never
# matched again; least-recently-used eviction removes them like any other.
# r3: the key became every keyed field of the normalised options, as JSON.
# r4: an original JPEG resized to 1/2.4-1/4 of its size decodes at half size.
# r5: the WebP effort became a keyed field (a setting); AVIF at effort 3.
KEY_VERSION = "r5"
# Field metadata for a field that does not change the rendered bytes: it stays
# out of the cache key, and ``normalised()`` resets it to its default.
NOT_IN_KEY = {"in_cache_key": False}
DEFAULT_POSITION = "center"
# What a missing background means where the format has no alpha to pad with.
DEFAULT_BACKGROUND = (255, 255, 255)
DEFAULT_SHARPEN_SIGMA = 1.0  # so that sharpen=1 means the same as sharpen=true
FLAGS = {"true": True, "1": True, "": True, "false": False, "0": False}
PRESET_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
INTEGER = re.compile(r"^\d{1,9}$")
NUMBER = re.compile(r"^\d{1,9}(\.\d{1,6})?$")
COLOUR = re.compile(r"^#?([0-9a-fA-F]{6})$")
REGION = re.compile(r"^(\d{1,9}),(\d{1,9}),(\d{1,9}),(\d{1,9})$")
NEEDS_BOX = ("fit", "enlarge", "position")


@dataclass(frozen=True)
class RenditionOptions:
    """What to make of a source. Sizes are in pixels of the upright original."""

    width: int | None = None
    height: int | None = None
    fit: str = "inside"
    enlarge: bool = False
    position: str = DEFAULT_POSITION
    background: tuple[int, int, int] | None = None  # None: white or transparent
    crop: tuple[int, int, int, int] | None = None  # x, y, w, h
    rotate: int = 0
    flip: bool = False
    flop: bool = False
    grayscale: bool = False
    blur: float | None = None
    sharpen: float | None = None  # sigma
    format: str = "jpeg"  # always concrete: auto is resolved while parsing
    quality: int | None = None  # None for formats without a quality setting
    webp_effort: int = DEFAULT_WEBP_EFFORT  # from the configuration, for WebP
    # The format came from the Accept header: where the format came from, not
    # what it is, so it changes the response's Vary header but not its bytes.
    vary_accept: bool = field(default=False, metadata=NOT_IN_KEY)

    @property
    def effective_fit(self) -> str:
        """With one side given the aspect ratio decides: every fit means inside."""
        return self.fit if self.width and self.height else "inside"

    @property
    def orientation(self) -> tuple[int, bool]:
        """(clockwise rotation, flop) with flip folded in: flip = flop + 180°."""
        return (self.rotate + (180 if self.flip else 0)) % 360, self.flip != self.flop

    def normalised(self) -> RenditionOptions:
        """The canonical options: equal ones render the same bytes from any source.

        Presets, ``format=auto`` and the default quality are already resolved
        while parsing. On top of that the fit is the effective one, the
        position is kept only for cover, flip is folded into rotate and flop,
        a background left out is spelled out where it can only mean white (no
        alpha in the format), the WebP effort is kept only for WebP, and fields
        ``NOT_IN_KEY`` take their defaults.
        """
        fit = self.effective_fit
        rotate, flop = self.orientation
        background = self.background
        if background is None and self.format not in WITH_ALPHA:
            background = DEFAULT_BACKGROUND
        return replace(
            self,
            fit=fit,
            position=self.position if fit == "cover" else DEFAULT_POSITION,
            rotate=rotate,
            flip=False,
            flop=flop,
            background=background,
            webp_effort=(
                self.webp_effort if self.format == "webp" else DEFAULT_WEBP_EFFORT
            ),
            **{option.name: option.default for option in unkeyed_fields()},
        )

    def cache_key(self) -> str:
        """``KEY_VERSION``, then ``name=value`` for every keyed field, normalised.

        Values are JSON (``null``, ``true``, ``[1,2]``, floats by their
        shortest exact repr), so distinct values never print alike, and a type
        JSON cannot write fails loudly instead of keying on a ``repr``.
        """
        normal = self.normalised()
        return ";".join(
            [KEY_VERSION]
            + [
                f"{option.name}={_key_value(getattr(normal, option.name))}"
                for option in keyed_fields()
            ]
        )


def keyed_fields() -> tuple[Field, ...]:
    """The fields of ``RenditionOptions`` that are part of the cache key."""
    return tuple(option for option in fields(RenditionOptions) if _in_key(option))


def unkeyed_fields() -> tuple[Field, ...]:
    """The fields declared with ``NOT_IN_KEY``: they do not change the output."""
    return tuple(option for option in fields(RenditionOptions) if not _in_key(option))


class Presets(dict[str, str]):
    """Configured presets, checked: name -> query string, as configured.

    ``parameters`` holds each one parsed once (name -> {parameter: value}),
    which is what ``parse_options`` expands. The mapping itself keeps the
    configured strings, so the settings show and serialise as written.
    """

    def __init__(
        self, queries: Mapping[str, str], parameters: PresetParameters
    ) -> None:
        super().__init__(queries)
        self.parameters = parameters


def parse_options(
    params: Params,
    *,
    presets: PresetParameters,
    accept: str,
    source_format: str,
    qualities: Mapping[str, int] = DEFAULT_QUALITIES,
    webp_effort: int = DEFAULT_WEBP_EFFORT,
) -> RenditionOptions | None:
    """Parse query parameters into options, or ``None`` when there are none.

    Args:
        params: name -> value, or a list of values for a repeated name.
        presets: preset name -> its parameters (``Presets.parameters``).
        accept: the request's ``Accept`` header, for ``format=auto``.
        source_format: the original's format ("jpeg", "gif", ...).
        qualities: default quality per lossy format.
        webp_effort: libwebp effort, should the output be WebP.

    Raises:
        InvalidParameter: unknown, repeated, malformed or out-of-range
            parameters and impossible combinations, naming the parameter.
    """
    given = _single_values(params)
    if not given:
        return None
    merged: dict[str, str] = {}
    if "preset" in given:
        name = given["preset"]
        if name not in presets:
            known = ", ".join(sorted(presets)) or "none are configured"
            raise InvalidParameter(f"preset: unknown preset {name!r} ({known}).")
        merged.update(presets[name])
    merged.update({key: value for key, value in given.items() if key != "preset"})
    if "position" not in given and merged.get("fit") != "cover":
        merged.pop("position", None)  # a preset's position went with its fit
    values = {name: _parse(BY_NAME[name], raw) for name, raw in merged.items()}
    _check_combinations(values)

    requested_format = values.pop("format", None)
    if requested_format == "auto":
        output_format = negotiate(accept, source_format)
    else:
        output_format = requested_format or default_format(source_format)
    quality = values.pop("quality", None)
    if output_format in LOSSY:
        quality = quality or qualities[output_format]
    elif quality is not None and requested_format != "auto":
        raise InvalidParameter(
            f"quality: {output_format} is lossless here; quality applies to "
            f"{', '.join(sorted(LOSSY))}."
        )
    else:
        quality = None
    return RenditionOptions(
        **values,
        format=output_format,
        quality=quality,
        webp_effort=webp_effort,
        vary_accept=requested_format == "auto",
    )


def load_presets(raw: Mapping[str, str]) -> Presets:
    """Parse configured presets (name -> query string) and check each one.

    Raises:
        ValueError: a bad name or a parameter string ``parse_options`` refuses.
    """
    parameters: dict[str, dict[str, str]] = {}
    for name, query in raw.items():
        if not PRESET_NAME.match(name):
            raise ValueError(f"preset name {name!r} must match {PRESET_NAME.pattern}")
        try:
            parsed = parse_qs(query, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            raise ValueError(f"preset {name}: not a query string: {query!r}") from None
        if "preset" in parsed:
            raise ValueError(f"preset {name}: presets cannot refer to presets")
        try:
            parse_options(parsed, presets={}, accept="", source_format="jpeg")
        except InvalidParameter as exc:
            raise ValueError(f"preset {name}: {exc.description}") from None
        parameters[name] = {key: values[0] for key, values in parsed.items()}
    return Presets(raw, parameters)


def _single_values(params: Params) -> dict[str, str]:
    values = {}
    for name, value in params.items():
        if name not in BY_NAME:
            raise InvalidParameter(
                f"{name}: unknown parameter; known: {', '.join(sorted(BY_NAME))}."
            )
        if isinstance(value, list):
            if len(value) != 1:
                raise InvalidParameter(f"{name}: given {len(value)} times; give once.")
            value = value[0]
        values[name] = value
    return values


def _parse(parameter: Parameter, raw: str) -> object:
    name, kind = parameter.name, parameter.kind
    if kind == "flag":
        if raw.lower() not in FLAGS:
            raise InvalidParameter(
                f"{name}: expected true, false, 1 or 0, got {raw!r}."
            )
        return FLAGS[raw.lower()]
    if kind == "flag_or_number":
        if raw.lower() in FLAGS:
            return DEFAULT_SHARPEN_SIGMA if FLAGS[raw.lower()] else None
        return _number(parameter, raw, NUMBER, float)
    if kind == "integer":
        return _number(parameter, raw, INTEGER, int)
    if kind == "number":
        return _number(parameter, raw, NUMBER, float)
    if kind == "choice":
        if name == "preset":
            return raw  # checked against the configured presets by the caller
        if raw not in parameter.choices:
            raise InvalidParameter(
                f"{name}: expected one of {', '.join(parameter.choices)}, got {raw!r}."
            )
        return int(raw) if name == "rotate" else raw
    if kind == "colour":
        match = COLOUR.match(raw)
        if not match:
            raise InvalidParameter(f"{name}: expected rrggbb or #rrggbb, got {raw!r}.")
        digits = match.group(1)
        return tuple(int(digits[i : i + 2], 16) for i in (0, 2, 4))
    match = REGION.match(raw)  # kind == "region"
    if not match:
        raise InvalidParameter(f"{name}: expected x,y,w,h in pixels, got {raw!r}.")
    x, y, w, h = (int(part) for part in match.groups())
    if w < 1 or h < 1:
        raise InvalidParameter(f"{name}: the region must be at least 1x1 pixels.")
    return (x, y, w, h)


def _number(parameter: Parameter, raw: str, pattern: re.Pattern, cast: type):
    name = parameter.name
    if not pattern.match(raw):
        kind = "a whole number" if cast is int else "a number"
        raise InvalidParameter(f"{name}: expected {kind}, got {raw!r}.")
    value = cast(raw)
    low, high = parameter.minimum, parameter.maximum
    if (low is not None and value < low) or (high is not None and value > high):
        raise InvalidParameter(f"{name}: must be between {low:g} and {high:g}.")
    return value


def _check_combinations(values: dict[str, object]) -> None:
    has_box = values.get("width") or values.get("height")
    for name in NEEDS_BOX:
        if name in values and not has_box:
            raise InvalidParameter(f"{name}: needs width or height.")
    if "position" in values and values.get("fit", "inside") != "cover":
        raise InvalidParameter("position: applies only to fit=cover.")


def _in_key(option: Field) -> bool:
    return option.metadata.get("in_cache_key", True)


def _key_value(value: object) -> str:
    return json.dumps(value, separators=(",", ":"))
