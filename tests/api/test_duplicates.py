"""Near-duplicates over HTTP: similar images, refusing duplicates, groups."""

from __future__ import annotations

import pytest
import pyvips

from imageapi.db.models import Image
from tests.helpers import assert_error
from tests.helpers import encode_multipart
from tests.helpers import upload
from tests.unit.processing.imaging import photo

# Seeds that draw clearly different pictures (see test_fingerprint.py).
DISTINCT_SEEDS = (3, 4, 5)


def picture(seed: int = 1) -> pyvips.Image:
    return photo(480, 360, seed=seed).copy_memory()


def png(image: pyvips.Image) -> bytes:
    return image.write_to_buffer(".png")


def cropped(image: pyvips.Image, fraction: float = 0.05) -> pyvips.Image:
    dx, dy = round(image.width * fraction), round(image.height * fraction)
    return image.crop(dx, dy, image.width - 2 * dx, image.height - 2 * dy)


def variants(image: pyvips.Image) -> dict[str, tuple[bytes, str]]:
    """The copies a library collects: (bytes, content type) by name."""
    return {
        "resized 50 %": (png(image.resize(0.5)), "image/png"),
        "JPEG q40": (image.write_to_buffer(".jpg", Q=40), "image/jpeg"),
        "brightened 10 %": (png((image * 1.1).cast("uchar")), "image/png"),
        "cropped 5 %": (png(cropped(image)), "image/png"),
    }


def upload_id(api, data: bytes, content_type: str = "image/png", **kwargs) -> str:
    result = upload(api, data, content_type=content_type, **kwargs)
    assert result.status_code == 201, result.text
    return result.json["id"]


def similar(api, image_id: str, query: str = "") -> dict:
    result = api.get(f"/api/v1/images/{image_id}/similar", query_string=query)
    assert result.status_code == 200, result.text
    return result.json


def ids(page: dict) -> list[str]:
    return [item["image"]["id"] for item in page["items"]]


@pytest.fixture
def library(api) -> dict[str, str]:
    """An original, its four copies and three other pictures: ids by name."""
    original = picture()
    uploaded = {"original": upload_id(api, png(original))}
    for name, (data, content_type) in variants(original).items():
        uploaded[name] = upload_id(api, data, content_type)
    for seed in DISTINCT_SEEDS:
        uploaded[f"other {seed}"] = upload_id(api, png(picture(seed)))
    return uploaded


def test_similar_finds_the_copies_and_not_other_pictures(api, library):
    page = similar(api, library["original"])

    copies = {library[name] for name in variants(picture())}
    assert set(ids(page)) == copies
    assert page["next"] is None
    distances = [item["distance"] for item in page["items"]]
    assert distances == sorted(distances)
    assert all(0 <= distance <= 12 for distance in distances)
    for seed in DISTINCT_SEEDS:
        assert similar(api, library[f"other {seed}"])["items"] == []


def test_similar_items_are_image_representations(api, library):
    item = similar(api, library["original"], "limit=1")["items"][0]

    assert item["image"] == api.get(f"/api/v1/images/{item['image']['id']}").json


def test_similar_narrows_with_max_distance(api, library):
    everything = similar(api, library["original"])["items"]
    exact = similar(api, library["original"], "max_distance=0")["items"]

    assert [item for item in everything if item["distance"] == 0] == exact


def test_similar_pages_by_distance_then_id(api, library):
    whole = similar(api, library["original"])
    seen, cursor = [], None
    while True:
        query = "limit=1" + (f"&cursor={cursor}" if cursor else "")
        page = similar(api, library["original"], query)
        seen.extend(page["items"])
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == whole["items"]
    assert len(seen) == 4


def test_similar_cursor_belongs_to_its_image(api, library):
    cursor = similar(api, library["original"], "limit=1")["next"]
    result = api.get(
        f"/api/v1/images/{library['JPEG q40']}/similar",
        query_string=f"cursor={cursor}",
    )
    assert_error(result, 400)


@pytest.mark.parametrize(
    "query",
    [
        "max_distance=16",
        "max_distance=-1",
        "max_distance=twelve",
        "max_distance=1.5",
        "limit=0",
        "limit=101",
        "limit=x",
        "cursor=forged.cursor",
        "colour=red",
    ],
)
def test_similar_refuses_bad_parameters(api, library, query):
    result = api.get(
        f"/api/v1/images/{library['original']}/similar", query_string=query
    )
    assert_error(result, 400)


def test_other_users_never_see_each_others_duplicates(api, other_api):
    data = png(picture())
    alices = upload_id(api, data)
    # Refusing duplicates looks only at the uploader's own images.
    bobs = upload_id(other_api, data, path="/api/v1/images?on_duplicate=reject")

    assert similar(api, alices)["items"] == []
    assert similar(other_api, bobs)["items"] == []
    assert_error(other_api.get(f"/api/v1/images/{alices}/similar"), 404)
    assert other_api.get("/api/v1/duplicates").json == {"items": [], "next": None}
    assert_error(api.get("/api/v1/images/no-such-image/similar"), 404)


def test_reject_refuses_a_copy_with_409_and_stores_nothing(api, config):
    original = picture()
    first = upload_id(api, png(original))
    objects_before = sorted(p.name for p in config.data_dir.rglob("*") if p.is_file())
    copy, content_type = variants(original)["JPEG q40"]

    result = upload(
        api,
        copy,
        content_type=content_type,
        path="/api/v1/images?on_duplicate=reject",
    )

    assert result.status_code == 409, result.text
    body = result.json
    assert set(body) == {"title", "description", "duplicate_of", "distance"}
    assert body["duplicate_of"] == first
    assert 0 <= body["distance"] <= 12
    assert [item["id"] for item in api.get("/api/v1/images").json["items"]] == [first]
    objects_after = sorted(p.name for p in config.data_dir.rglob("*") if p.is_file())
    assert objects_after == objects_before


def test_reject_as_a_form_field(api):
    original = picture()
    first = upload_id(api, png(original))
    fields = [
        ("image", ("copy.png", png(original.resize(0.5)), "image/png")),
        ("on_duplicate", (None, "reject", "text/plain")),
    ]
    body, content_type = encode_multipart(fields)

    result = api.post(
        "/api/v1/images", body=body, headers={"Content-Type": content_type}
    )

    assert result.status_code == 409, result.text
    assert result.json["duplicate_of"] == first


def test_reject_stores_a_picture_that_is_new(api):
    upload_id(api, png(picture()))

    upload_id(api, png(picture(3)), path="/api/v1/images?on_duplicate=reject")
    assert len(api.get("/api/v1/images").json["items"]) == 2


def test_allow_is_the_default_and_stores_copies(api):
    data = png(picture())
    first = upload_id(api, data)
    second = upload_id(api, data, path="/api/v1/images?on_duplicate=allow")

    assert ids(similar(api, first)) == [second]
    assert similar(api, first)["items"][0]["distance"] == 0


@pytest.mark.parametrize("path", ["/api/v1/images?on_duplicate=maybe"])
def test_upload_refuses_other_on_duplicate_values(api, path):
    assert_error(upload(api, png(picture()), path=path), 400)
    fields = [
        ("image", ("a.png", png(picture()), "image/png")),
        ("on_duplicate", (None, "sometimes", "text/plain")),
    ]
    body, content_type = encode_multipart(fields)
    result = api.post(
        "/api/v1/images", body=body, headers={"Content-Type": content_type}
    )
    assert_error(result, 400)
    assert api.get("/api/v1/images").json["items"] == []


def test_earlier_projects_upload_still_allows_copies(api):
    data = png(picture())
    upload_id(api, data)
    result = upload(api, data, path="/api/images")

    assert result.status_code == 201, result.text
    assert len(api.get("/api/v1/images").json["items"]) == 2


def test_deleted_images_leave_the_index(api):
    original = picture()
    kept = upload_id(api, png(original))
    gone = upload_id(api, png(original.resize(0.5)))
    assert ids(similar(api, kept)) == [gone]

    assert api.delete(f"/api/v1/images/{gone}").status_code == 204

    assert similar(api, kept)["items"] == []
    assert api.get("/api/v1/duplicates").json == {"items": [], "next": None}
    assert_error(api.get(f"/api/v1/images/{gone}/similar"), 404)


def test_duplicates_lists_groups_largest_first(api):
    first, second = picture(), picture(3)
    big = {upload_id(api, png(first))}
    big |= {upload_id(api, data, ct) for data, ct in variants(first).values()}
    small = {upload_id(api, png(second)), upload_id(api, png(second.resize(0.5)))}
    upload_id(api, png(picture(4)))  # alone: in no group

    whole = api.get("/api/v1/duplicates").json

    assert whole["next"] is None
    assert [group["size"] for group in whole["items"]] == [5, 2]
    assert [{image["id"] for image in g["images"]} for g in whole["items"]] == [
        big,
        small,
    ]
    created = [image["created_at"] for image in whole["items"][0]["images"]]
    assert created == sorted(created)

    first_page = api.get("/api/v1/duplicates", query_string="limit=1").json
    assert first_page["items"] == whole["items"][:1]
    second_page = api.get(
        "/api/v1/duplicates", query_string=f"limit=1&cursor={first_page['next']}"
    ).json
    assert second_page == {"items": whole["items"][1:], "next": None}


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "cursor=x", "size=2"])
def test_duplicates_refuses_bad_parameters(api, query):
    assert_error(api.get("/api/v1/duplicates", query_string=query), 400)


def test_image_without_a_fingerprint_has_no_similar_images(api, db):
    image_id = upload_id(api, png(picture()))
    upload_id(api, png(picture()))
    with db.write() as uow:
        row = uow.session.get(Image, image_id)
        row.fingerprint = None
        uow.commit()

    assert similar(api, image_id) == {"items": [], "next": None}
