"""Derivatives from the working copy look like those from the original.

Through the whole service: the same photo uploaded to an app that keeps a
working copy and to one that does not; the same request to both; SSIM of the
two results. The original is removed from the first app's storage, so its
derivative can only have come from the copy.
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


def test_working_copy_derivative_matches_the_original_one(config, make_app):
    source = photo(2400, 1600, seed=5)
    with_copy = ApiClient.signed_up(
        app_with(make_app, config, processing={"working_copy_max_side": 1024}),
        "a@example.com",
    )
    without_copy = ApiClient.signed_up(
        app_with(make_app, config, processing={"working_copy_max_side": 0}),
        "b@example.com",
    )
    copied = upload_image(with_copy, source, ".jpg")
    plain = upload_image(without_copy, source, ".jpg")
    root = config.data_dir / "images"
    assert (root / f"working/{copied['id']}").is_file()
    assert not (root / f"working/{plain['id']}").exists()
    (root / f"originals/{copied['id']}").unlink()

    query = "width=600&format=png"
    from_copy = decoded(fetch(with_copy, copied, query))
    from_original = decoded(fetch(without_copy, plain, query))
    assert size(from_copy) == size(from_original) == (600, 400)
    assert ssim(from_copy, from_original) >= 0.99
    # Larger than the copy allows: needs the original, which is gone here.
    assert fetch(with_copy, copied, "width=1000").status_code == 404
