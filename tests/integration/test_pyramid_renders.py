"""Derivatives from the pyramid look like those from the original.

Through the whole service: the same photo uploaded to an app that keeps a
pyramid (levels of 1024, 512 and 256 px) and to one that does not; the same
request to both; SSIM of the two results. Stored sources are removed from the
first app's storage as the test goes, so each derivative can only have come
from the level the test expects.
"""

from __future__ import annotations

from tests.api.transforms import app_with
from tests.api.transforms import decoded
from tests.api.transforms import fetch
from tests.api.transforms import upload_image
from tests.helpers import ApiClient
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import size
from tests.unit.processing.imaging import ssim


def test_each_derivative_comes_from_the_smallest_sufficient_level(config, make_app):
    source = photo(2400, 1600, seed=5)
    with_levels = ApiClient.signed_up(
        app_with(make_app, config, processing={"working_copy_max_side": 1024}),
        "a@example.com",
    )
    without = ApiClient.signed_up(
        app_with(make_app, config, processing={"working_copy_max_side": 0}),
        "b@example.com",
    )
    leveled = upload_image(with_levels, source, ".jpg")
    plain = upload_image(without, source, ".jpg")
    root = config.data_dir / "images"
    for side in (1024, 512, 256):
        assert (root / f"pyramid/{leveled['id']}/{side}").is_file()
    assert not (root / f"pyramid/{plain['id']}").exists()

    def compare(query: str, expected: tuple[int, int]) -> None:
        from_level = decoded(fetch(with_levels, leveled, query))
        from_original = decoded(fetch(without, plain, query))
        assert size(from_level) == size(from_original) == expected
        assert ssim(from_level, from_original) >= 0.99

    (root / f"originals/{leveled['id']}").unlink()
    compare("width=500&format=png", (500, 333))  # the 1024-px level
    (root / f"pyramid/{leveled['id']}/1024").unlink()
    compare("width=240&format=png", (240, 160))  # the 512-px level
    # Larger than the remaining levels allow: needs what is gone here.
    assert fetch(with_levels, leveled, "width=300").status_code == 404
    assert fetch(with_levels, leveled, "width=1000").status_code == 404
