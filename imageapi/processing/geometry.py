"""Sizes of a rendition, computed from the options before any pixel is touched.

Pure arithmetic, so the pipeline, ``choose_source`` and the tests agree on what
a rendition will measure.
"""

from __future__ import annotations

from dataclasses import dataclass

from imageapi.errors import InvalidParameter
from imageapi.processing.options import RenditionOptions
from imageapi.processing.parameters import MAX_DIMENSION


@dataclass(frozen=True)
class Plan:
    """Where the (cropped) source goes: resized to ``scaled``, then cut or padded.

    ``box`` is the final size for cover (a crop of ``scaled``) and contain (a
    padding around it); for the other fits it is ``scaled`` itself.
    """

    region: tuple[int, int]  # size of the source part used, in original pixels
    scaled: tuple[int, int]
    box: tuple[int, int]

    @property
    def scale(self) -> float:
        """The largest factor applied to the source (1.0 = full resolution)."""
        return max(self.scaled[0] / self.region[0], self.scaled[1] / self.region[1])


def plan(source: tuple[int, int], options: RenditionOptions) -> Plan:
    """The plan for a source of ``source`` (width, height) upright original pixels.

    Raises:
        InvalidParameter: the crop leaves the image, or enlarging would make a
            side longer than the largest allowed dimension.
    """
    region = _region(source, options.crop)
    width, height = options.width, options.height
    if options.orientation[0] in (90, 270):
        width, height = height, width  # the box describes the rotated result
    if not width and not height:
        return Plan(region, region, region)
    rw, rh = region
    fit = options.effective_fit
    if fit == "fill":
        sx, sy = width / rw, height / rh
    elif fit in ("cover", "outside"):
        sx = sy = max(width / rw, height / rh)
    elif width and height:  # inside, contain
        sx = sy = min(width / rw, height / rh)
    else:
        sx = sy = width / rw if width else height / rh
    if not options.enlarge:
        sx, sy = min(sx, 1.0), min(sy, 1.0)
    scaled = (max(1, round(rw * sx)), max(1, round(rh * sy)))
    if max(scaled) > MAX_DIMENSION:
        raise InvalidParameter(
            f"enlarge: the result would be {scaled[0]}x{scaled[1]} pixels; "
            f"at most {MAX_DIMENSION} per side."
        )
    if fit == "cover":
        box = (min(width, scaled[0]), min(height, scaled[1]))
    elif fit == "contain":
        box = (width, height)
    else:
        box = scaled
    return Plan(region, scaled, box)


def _region(
    source: tuple[int, int], crop: tuple[int, int, int, int] | None
) -> tuple[int, int]:
    if crop is None:
        return source
    x, y, w, h = crop
    if x + w > source[0] or y + h > source[1]:
        raise InvalidParameter(
            f"crop: the region {x},{y},{w},{h} leaves the "
            f"{source[0]}x{source[1]} image."
        )
    return (w, h)
