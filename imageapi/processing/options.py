"""Rendition options: the query parameters of a derivative, parsed once, typed.

``parse_options`` turns ``req.params`` into a frozen ``RenditionOptions`` or
``None`` (no transform: serve the original byte for byte). Every rule lives in
``parameters.PARAMETERS``; this module applies them, expands presets, resolves
``format=auto`` and the default quality, and refuses anything it cannot honour
with ``InvalidParameter`` naming the parameter. Steps never see query strings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs

from imageapi.errors import InvalidParameter
from imageapi.processing.formats import DEFAULT_QUALITIES
from imageapi.processing.formats import LOSSY
from imageapi.processing.formats import default_format
from imageapi.processing.formats import negotiate
from imageapi.processing.parameters import BY_NAME
from imageapi.processing.parameters import Parameter

Params = Mapping[str, str | list[str]]
Presets = Mapping[str, Mapping[str, str]]

# Bump when the pipeline changes its output for the same options, so cached
# derivatives and ETags made by the old code are not served for the new.
KEY_VERSION = "r2"
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
    position: str = "center"
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
    vary_accept: bool = False  # the format came from the Accept header

    @property
    def effective_fit(self) -> str:
        """With one side given the aspect ratio decides: every fit means inside."""
        return self.fit if self.width and self.height else "inside"

    @property
    def orientation(self) -> tuple[int, bool]:
        """(clockwise rotation, flop) with flip folded in: flip = flop + 180°."""
        return (self.rotate + (180 if self.flip else 0)) % 360, self.flip != self.flop

    def cache_key(self) -> str:
        """A stable string: the same rendition always gives the same key.

        Defaults are explicit, presets are already expanded, ``auto`` is the
        negotiated format, and equivalent spellings collapse (flip+flop is a
        180° rotation; the fit is irrelevant with one side; the position only
        matters for cover).
        """
        fit = self.effective_fit
        rotate, flop = self.orientation
        background = "default" if self.background is None else _hex(self.background)
        crop = ",".join(map(str, self.crop)) if self.crop else "none"
        parts = (
            KEY_VERSION,
            f"w={self.width or 0}",
            f"h={self.height or 0}",
            f"fit={fit}",
            f"enlarge={int(self.enlarge)}",
            f"pos={self.position if fit == 'cover' else '-'}",
            f"bg={background}",
            f"crop={crop}",
            f"rot={rotate}",
            f"flop={int(flop)}",
            f"gray={int(self.grayscale)}",
            f"blur={self.blur or 0:g}",
            f"sharpen={self.sharpen or 0:g}",
            f"fmt={self.format}",
            f"q={self.quality or 0}",
        )
        return ";".join(parts)


def parse_options(
    params: Params,
    *,
    presets: Presets,
    accept: str,
    source_format: str,
    qualities: Mapping[str, int] = DEFAULT_QUALITIES,
) -> RenditionOptions | None:
    """Parse query parameters into options, or ``None`` when there are none.

    Args:
        params: name -> value, or a list of values for a repeated name.
        presets: preset name -> its parameters (see ``load_presets``).
        accept: the request's ``Accept`` header, for ``format=auto``.
        source_format: the original's format ("jpeg", "gif", ...).
        qualities: default quality per lossy format.

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
        vary_accept=requested_format == "auto",
    )


def load_presets(raw: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Parse configured presets (name -> query string) and check each one.

    Raises:
        ValueError: a bad name or a parameter string ``parse_options`` refuses.
    """
    presets: dict[str, dict[str, str]] = {}
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
        presets[name] = {key: values[0] for key, values in parsed.items()}
    return presets


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


def _hex(colour: tuple[int, int, int]) -> str:
    return "".join(f"{channel:02x}" for channel in colour)
