"""Transform parameters through HTTP: each one's effect on the decoded output.

The engine's unit tests cover the geometry and steps in detail; these check the
wiring: parameters reach the pipeline, and the response describes the result.
"""

from __future__ import annotations

import pytest
import pyvips

from tests.api.transforms import decoded
from tests.api.transforms import fetch
from tests.api.transforms import upload_image
from tests.helpers import assert_error
from tests.unit.processing.imaging import BLUE
from tests.unit.processing.imaging import GREEN
from tests.unit.processing.imaging import RED
from tests.unit.processing.imaging import WHITE
from tests.unit.processing.imaging import animation
from tests.unit.processing.imaging import near
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import pixel
from tests.unit.processing.imaging import quadrants
from tests.unit.processing.imaging import size


@pytest.fixture
def wide(api):
    """80x40: red top-left, green top-right, blue bottom-left, white bottom-right."""
    return upload_image(api, quadrants(80, 40))


@pytest.fixture
def tall(api):
    return upload_image(api, quadrants(40, 80))


@pytest.fixture
def picture(api):
    return upload_image(api, photo(800, 500), ".jpg")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("width=40", (40, 20)),
        ("height=10", (20, 10)),
        ("width=40&height=40", (40, 20)),
        ("width=40&height=40&fit=inside", (40, 20)),
        ("width=40&height=40&fit=cover", (40, 40)),
        ("width=40&height=40&fit=contain", (40, 40)),
        ("width=40&height=40&fit=fill", (40, 40)),
        ("width=40&height=40&fit=outside", (80, 40)),
        ("width=160", (80, 40)),
        ("width=160&enlarge", (160, 80)),
        ("width=160&enlarge=true", (160, 80)),
        ("width=160&enlarge=0", (80, 40)),
        ("crop=10,5,30,20", (30, 20)),
        ("crop=0,0,40,40&width=20", (20, 20)),
        ("rotate=90", (40, 80)),
        ("width=20&rotate=270", (20, 40)),
    ],
)
def test_sizes(api, wide, query, expected):
    assert size(decoded(fetch(api, wide, query))) == expected


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("preset=thumb", (256, 256)),
        ("preset=small", (640, 400)),
        ("preset=large", (800, 500)),
        ("preset=thumb&width=100", (100, 256)),
    ],
)
def test_presets_and_overrides(api, picture, query, expected):
    assert size(decoded(fetch(api, picture, query))) == expected


@pytest.mark.parametrize(
    ("query", "top_left"),
    [
        ("flip", BLUE),
        ("flip=true", BLUE),
        ("flop", GREEN),
        ("flop=1", GREEN),
        ("flip&flop", WHITE),
        ("rotate=90", BLUE),
        ("rotate=180", WHITE),
        ("rotate=0", RED),
        ("crop=40,0,40,20", GREEN),
        ("crop=40,20,40,20", WHITE),
    ],
)
def test_orientation_and_crop_move_the_pixels(api, wide, query, top_left):
    assert near(pixel(decoded(fetch(api, wide, query)), 2, 2), top_left)


@pytest.mark.parametrize(
    ("image", "query", "point", "colour"),
    [
        ("wide", "width=40&height=40&fit=cover&position=left", (35, 5), RED),
        ("wide", "width=40&height=40&fit=cover&position=right", (5, 5), GREEN),
        ("tall", "width=40&height=40&fit=cover&position=top", (5, 35), RED),
        ("tall", "width=40&height=40&fit=cover&position=bottom", (5, 5), BLUE),
        ("tall", "width=40&height=40&fit=cover&position=center", (5, 35), BLUE),
    ],
)
def test_cover_position(api, wide, tall, image, query, point, colour):
    source = {"wide": wide, "tall": tall}[image]
    assert near(pixel(decoded(fetch(api, source, query)), *point), colour)


@pytest.mark.parametrize("position", ["entropy", "attention"])
def test_smart_crop_positions(api, picture, position):
    result = fetch(api, picture, f"width=100&height=100&fit=cover&position={position}")
    assert size(decoded(result)) == (100, 100)


def test_contain_pads_with_background_transparency_or_white(api, wide):
    box = "width=40&height=40&fit=contain"
    red = decoded(fetch(api, wide, f"{box}&background=ff0000&format=jpeg"))
    assert near(pixel(red, 20, 2), RED)
    hashed = decoded(fetch(api, wide, f"{box}&background=%2300ff00"))
    assert near(hashed.getpoint(20, 2)[:3], GREEN)
    transparent = decoded(fetch(api, wide, box))  # PNG keeps alpha
    assert transparent.hasalpha() and transparent.getpoint(20, 2)[3] == 0
    white = decoded(fetch(api, wide, f"{box}&format=jpeg"))
    assert near(pixel(white, 20, 2), WHITE)


def test_grayscale_has_equal_channels(api, wide):
    grey = decoded(fetch(api, wide, "grayscale&format=jpeg")).colourspace("srgb")
    for x, y in ((2, 2), (60, 2), (2, 30), (60, 30)):
        red, green, blue = grey.getpoint(x, y)[:3]
        assert abs(red - green) <= 2 and abs(green - blue) <= 2
    assert not near(pixel(grey, 2, 2), RED)


def test_blur_smooths_and_sharpen_sharpens(api, picture):
    plain = decoded(fetch(api, picture, "width=200"))
    blurred = decoded(fetch(api, picture, "width=200&blur=6"))
    sharpened = decoded(fetch(api, picture, "width=200&sharpen"))
    stronger = decoded(fetch(api, picture, "width=200&sharpen=2.5"))

    def edges(image: pyvips.Image) -> float:
        return abs(image.colourspace("b-w")[0].cast("float").sobel()).avg()

    assert size(blurred) == size(sharpened) == size(plain)
    assert edges(blurred) < 0.7 * edges(plain)
    assert edges(sharpened) > edges(plain)
    assert edges(stronger) > edges(plain)


@pytest.mark.parametrize(
    ("output", "loader", "content_type"),
    [
        ("jpeg", "jpegload", "image/jpeg"),
        ("png", "pngload", "image/png"),
        ("webp", "webpload", "image/webp"),
        ("avif", "heifload", "image/avif"),
        ("gif", "gifload", "image/gif"),
        ("tiff", "tiffload", "image/tiff"),
    ],
)
def test_output_formats(api, wide, output, loader, content_type):
    result = fetch(api, wide, f"width=40&format={output}")
    assert result.headers["content-type"] == content_type
    assert result.headers["content-length"] == str(len(result.content))
    image = decoded(result)
    assert image.get("vips-loader").startswith(loader)
    assert size(image) == (40, 20)


def test_format_auto_follows_accept_and_varies(api, wide):
    webp = fetch(api, wide, "format=auto", headers={"Accept": "image/webp,*/*"})
    assert webp.headers["content-type"] == "image/webp"
    assert webp.headers["vary"] == "Accept"
    plain = fetch(api, wide, "format=auto", headers={"Accept": "image/*"})
    assert plain.headers["content-type"] == "image/png"
    assert plain.headers["vary"] == "Accept"
    assert plain.headers["etag"] != webp.headers["etag"]
    explicit = fetch(api, wide, "format=webp", headers={"Accept": "image/webp"})
    assert "vary" not in explicit.headers
    # The same derivative as format=auto chose: one cache entry and ETag.
    assert explicit.headers["etag"] == webp.headers["etag"]
    assert explicit.headers["x-cache"] == "HIT"


def test_quality_changes_the_size(api, picture):
    low = fetch(api, picture, "width=300&quality=10")
    high = fetch(api, picture, "width=300&quality=95")
    assert len(low.content) * 2 < len(high.content)
    assert size(decoded(low)) == size(decoded(high)) == (300, 188)


def test_exif_orientation_is_applied(api):
    image = photo(60, 40).copy()
    image.set_type(pyvips.GValue.gint_type, "orientation", 6)
    stored = upload_image(api, image, ".jpg")
    assert (stored["width"], stored["height"]) == (40, 60)
    assert size(decoded(fetch(api, stored, "width=30"))) == (30, 45)
    metadata = api.get(stored["links"]["metadata"]).json
    assert (metadata["width"], metadata["height"]) == (40, 60)
    assert metadata["orientation"] == 6


def test_animated_gif_keeps_frames_when_the_format_can(api, tmp_path):
    data = animation(tmp_path / "anim.gif", frames=3, width=40, height=30)
    stored = upload_image(api, pyvips.Image.new_from_file(str(data), n=-1), ".gif")
    assert api.get(stored["links"]["metadata"]).json["pages"] == 3
    gif = decoded(fetch(api, stored, "width=20"), all_frames=True)
    assert gif.get("n-pages") == 3
    assert (gif.width, gif.get("page-height")) == (20, 15)
    colours = [pixel(gif, 5, 5 + 15 * frame) for frame in range(3)]
    assert all(near(c, e) for c, e in zip(colours, (RED, GREEN, BLUE), strict=True))
    webp = decoded(fetch(api, stored, "width=20&format=webp"), all_frames=True)
    assert webp.get("n-pages") == 3
    still = decoded(fetch(api, stored, "width=20&format=png"))
    assert size(still) == (20, 15)
    assert near(pixel(still, 5, 5), RED)


def test_response_headers_and_download(api, wide):
    result = fetch(api, wide, "width=40&format=webp&download=true")
    headers = result.headers
    assert headers["content-type"] == "image/webp"
    assert headers["content-length"] == str(len(result.content))
    assert headers["cache-control"] == "private"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["x-cache"] == "MISS"
    assert headers["etag"].startswith(f'"{wide["sha256"]}-')
    assert headers["etag"] != f'"{wide["sha256"]}"'
    assert "attachment" in headers["content-disposition"]
    assert "sample.webp" in headers["content-disposition"]
    assert "accept-ranges" not in headers


def test_equivalent_requests_share_etag(api, wide):
    first = fetch(api, wide, "width=40&height=40&fit=cover&flip&flop")
    second = fetch(api, wide, "rotate=180&fit=cover&height=40&width=40&flop=0")
    assert first.headers["etag"] == second.headers["etag"]
    assert second.headers["x-cache"] == "HIT"
    assert first.content == second.content


def test_if_none_match_gives_304_with_vary(api, wide):
    first = fetch(api, wide, "width=40&format=auto", headers={"Accept": "image/webp"})
    etag = first.headers["etag"]
    again = fetch(
        api,
        wide,
        "width=40&format=auto",
        headers={"Accept": "image/webp", "If-None-Match": etag},
    )
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == etag
    assert again.headers["vary"] == "Accept"
    original = api.get(wide["links"]["content"], headers={"If-None-Match": etag})
    assert original.status_code == 200  # the derivative's tag is not the original's


def test_no_parameters_still_serve_the_original(api, wide):
    result = api.get(wide["links"]["content"], headers={"Range": "bytes=0-3"})
    assert result.status_code == 206
    assert result.content == b"\x89PNG"
    assert "x-cache" not in result.headers


def test_derivative_flag_is_set_for_usage_accounting(config, api, wide):
    seen = []

    class Spy:
        def process_response(self, req, resp, resource, req_succeeded):
            seen.append(getattr(req.context, "derivative_served", False))

    api.client.app.add_middleware(Spy())
    fetch(api, wide, "width=30")  # miss
    fetch(api, wide, "width=30")  # hit
    api.get(wide["links"]["content"])  # the original
    assert seen == [True, True, False]


def test_legacy_route_accepts_the_same_parameters(api, wide):
    result = api.get(f"/api/image/{wide['id']}?width=40&flop&format=jpeg")
    assert result.headers["deprecation"] == "true"
    image = decoded(result)
    assert size(image) == (40, 20)
    assert near(pixel(image, 2, 2), GREEN)
    assert_error(api.get(f"/api/image/{wide['id']}?width=0"), 400)
    original = api.get(f"/api/image/{wide['id']}")
    assert original.content == quadrants(80, 40).write_to_buffer(".png")


def test_another_users_image_is_404(api, other_api, wide):
    for path in (
        f"{wide['links']['content']}?width=40",
        f"{wide['links']['content']}?width=bad",
        wide["links"]["metadata"],
        f"/api/image/{wide['id']}?width=40",
    ):
        assert_error(other_api.get(path), 404)
