"""The derivative cache: hits without decoding, eviction, races, deletion."""

from __future__ import annotations

import shutil
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC
from datetime import datetime
from datetime import timedelta

from tests.api.transforms import app_with
from tests.api.transforms import decoded
from tests.api.transforms import derivative_rows
from tests.api.transforms import fetch
from tests.api.transforms import stored_keys
from tests.api.transforms import upload_image
from tests.helpers import ApiClient
from tests.unit.processing.imaging import photo
from tests.unit.processing.imaging import size


def remove_sources(config, image: dict) -> None:
    """Delete the original and its pyramid behind the service's back."""
    root = config.data_dir / "images"
    (root / f"originals/{image['id']}").unlink(missing_ok=True)
    shutil.rmtree(root / f"pyramid/{image['id']}", ignore_errors=True)


def test_second_request_is_a_hit_served_without_decoding(config, api):
    image = upload_image(api, photo(300, 200), ".jpg")
    first = fetch(api, image, "width=120&format=webp")
    assert first.headers["x-cache"] == "MISS"
    remove_sources(config, image)  # a hit must not need them
    second = fetch(api, image, "width=120&format=webp")
    assert second.status_code == 200
    assert second.headers["x-cache"] == "HIT"
    assert second.content == first.content
    assert second.headers["content-type"] == "image/webp"
    assert second.headers["content-length"] == str(len(first.content))
    assert second.headers["etag"] == first.headers["etag"]
    assert [row[0] for row in derivative_rows(config)] == [image["id"]]


def test_the_webp_effort_setting_has_derivatives_of_its_own(config, api, make_app):
    image = upload_image(api, photo(400, 300), ".jpg")
    thorough = fetch(api, image, "width=300&format=webp")
    quick_app = app_with(make_app, config, processing={"webp_effort": 2})
    quick_api = ApiClient(quick_app, api.email, api.token)
    quick = fetch(quick_api, image, "width=300&format=webp")
    # Same database and files, yet not the other setting's cached file.
    assert quick.headers["x-cache"] == "MISS"
    assert quick.content != thorough.content
    assert quick.headers["etag"] != thorough.headers["etag"]
    assert size(decoded(quick)) == size(decoded(thorough)) == (300, 225)
    # JPEG derivatives are the same under either setting.
    assert fetch(api, image, "width=300").headers["x-cache"] == "MISS"
    assert fetch(quick_api, image, "width=300").headers["x-cache"] == "HIT"


def test_if_none_match_is_answered_before_any_decoding(config, make_app):
    client = app_with(make_app, config, processing={"derivative_cache_bytes": 0})
    api = ApiClient.signed_up(client, "nocache@example.com")
    image = upload_image(api, photo(300, 200), ".jpg")
    first = fetch(api, image, "width=100")
    assert first.headers["x-cache"] == "MISS"
    assert derivative_rows(config) == []  # a zero budget caches nothing
    remove_sources(config, image)
    again = fetch(
        api, image, "width=100", headers={"If-None-Match": first.headers["etag"]}
    )
    assert again.status_code == 304


def test_least_recently_used_derivatives_are_evicted_past_the_budget(config, make_app):
    now = [datetime(2024, 1, 1, tzinfo=UTC)]
    client = app_with(
        make_app,
        config,
        clock=lambda: now[0],
        # One user here: the whole budget is theirs.
        processing={
            "derivative_cache_bytes": 9000,
            "derivative_cache_user_percent": 100,
        },
    )
    api = ApiClient.signed_up(client, "budget@example.com")
    image = upload_image(api, photo(400, 300), ".jpg")
    widths = (150, 151, 152, 153, 154, 155)
    sizes = {}
    for width in widths[:2]:
        now[0] += timedelta(seconds=1)
        sizes[width] = len(fetch(api, image, f"width={width}").content)
    assert all(2500 < size_ < 4500 for size_ in sizes.values()), sizes
    now[0] += timedelta(minutes=5)
    assert fetch(api, image, "width=150").headers["x-cache"] == "HIT"  # refreshed
    now[0] += timedelta(seconds=1)
    fetch(api, image, "width=152")  # over budget: the least recently used goes
    assert fetch(api, image, "width=150").headers["x-cache"] == "HIT"
    assert fetch(api, image, "width=151").headers["x-cache"] == "MISS"

    for width in widths[3:]:
        now[0] += timedelta(seconds=1)
        fetch(api, image, f"width={width}")
    rows = derivative_rows(config)
    assert sum(row[2] for row in rows) <= 9000
    derivative_files = {k for k in stored_keys(config) if k.startswith("derivatives/")}
    assert derivative_files == {row[1] for row in rows}
    assert fetch(api, image, "width=155").headers["x-cache"] == "HIT"


def test_one_users_churn_evicts_its_own_derivatives_first(config, make_app):
    now = [datetime(2024, 1, 1, tzinfo=UTC)]
    client = app_with(
        make_app,
        config,
        clock=lambda: now[0],
        processing={
            "derivative_cache_bytes": 40_000,
            "derivative_cache_user_percent": 25,
        },
    )
    quiet = ApiClient.signed_up(client, "quiet@example.com")
    greedy = ApiClient.signed_up(client, "greedy@example.com")
    quiet_image = upload_image(quiet, photo(400, 300), ".jpg")
    greedy_image = upload_image(greedy, photo(400, 300), ".jpg")
    fetch(quiet, quiet_image, "width=150")  # the oldest derivative of all
    for width in range(150, 170):  # ~3 KB each: far past the greedy user's share
        now[0] += timedelta(seconds=1)
        assert fetch(greedy, greedy_image, f"width={width}").status_code == 200

    assert fetch(quiet, quiet_image, "width=150").headers["x-cache"] == "HIT"
    greedy_bytes = sum(
        size
        for image_id, _, size in derivative_rows(config)
        if image_id == greedy_image["id"]
    )
    assert 0 < greedy_bytes <= 10_000
    # The greedy user's most recent derivative survives its own eviction.
    assert fetch(greedy, greedy_image, "width=169").headers["x-cache"] == "HIT"
    assert fetch(greedy, greedy_image, "width=150").headers["x-cache"] == "MISS"


def test_identical_cold_requests_in_parallel_agree(config, api):
    image = upload_image(api, photo(600, 400), ".jpg")
    query = "width=210&height=140&fit=cover&format=webp&sharpen"
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: fetch(api, image, query), range(16)))
    assert {result.status_code for result in results} == {200}
    assert len({result.content for result in results}) == 1
    assert len({result.headers["etag"] for result in results}) == 1
    rows = derivative_rows(config)
    assert len(rows) == 1
    assert rows[0][2] == len(results[0].content)
    stored = (config.data_dir / "images" / rows[0][1]).read_bytes()
    assert stored == results[0].content
    after = fetch(api, image, query)
    assert (after.headers["x-cache"], after.content) == ("HIT", results[0].content)
    assert size(decoded(after)) == (210, 140)


def test_deleting_an_image_removes_original_levels_and_derivatives(config, make_app):
    client = app_with(make_app, config, processing={"working_copy_max_side": 256})
    api = ApiClient.signed_up(client, "delete@example.com")
    image = upload_image(api, photo(600, 400), ".jpg")
    keep = upload_image(api, photo(100, 80), ".jpg")
    for query in ("width=100", "width=500", "width=50&format=png"):
        assert fetch(api, image, query).status_code == 200
    fetch(api, keep, "width=20")
    keys = stored_keys(config)
    levels = {f"pyramid/{image['id']}/{side}" for side in (256, 128, 64)}
    assert {f"originals/{image['id']}", *levels} <= keys
    assert sum(key.startswith(f"derivatives/{image['id']}/") for key in keys) == 3

    assert api.delete(f"/api/v1/images/{image['id']}").status_code == 204
    left = stored_keys(config)
    assert not any(image["id"] in key for key in left)
    assert f"originals/{keep['id']}" in left
    assert [row[0] for row in derivative_rows(config)] == [keep["id"]]


def test_a_torn_derivative_is_rendered_again_never_served(config, api):
    image = upload_image(api, photo(300, 200), ".jpg")
    root = config.data_dir / "images"
    seen: set[str] = set()
    for query, damage in (
        ("width=120&format=webp", lambda data: data[: len(data) // 2]),
        ("width=121&format=jpeg", lambda data: bytes(len(data))),
        ("width=122&format=png", lambda data: data[:-3]),
    ):
        first = fetch(api, image, query)
        (storage_key,) = [
            key for _, key, _ in derivative_rows(config) if key not in seen
        ]
        seen.add(storage_key)
        path = root / storage_key
        path.write_bytes(damage(path.read_bytes()))
        again = fetch(api, image, query)
        assert again.headers["x-cache"] == "MISS", query
        assert again.content == first.content
        assert decoded(again).width == int(query[6:9])
        assert path.read_bytes() == first.content  # stored whole again
        assert fetch(api, image, query).headers["x-cache"] == "HIT"
