"""``imageapi fsck``: finds drift between rows and objects, repairs what it can."""

from __future__ import annotations

import shutil

from imageapi.db.base import utcnow
from tests import samples
from tests.helpers import upload


def fsck(imageapi, *args: str):
    return imageapi("fsck", "--grace-seconds", "0", *args)


def test_a_consistent_store_has_no_problems(imageapi, api):
    image = upload(api, samples.png_bytes(300, 200)).json
    assert api.get(f"{image['links']['content']}?width=40").status_code == 200
    result = fsck(imageapi)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 problems, 0 repaired, 0 remain" in result.stdout


def test_repair_removes_strays_and_reports_lost_originals(imageapi, config, api):
    kept = upload(api, samples.png_bytes(300, 200)).json
    lost = upload(api, samples.png_bytes(64, 64)).json
    assert api.get(f"{kept['links']['content']}?width=40").status_code == 200
    root = config.data_dir / "images"
    [derivative] = [p for p in (root / "derivatives").rglob("*") if p.is_file()]
    derivative.unlink()  # a derivative row without its object
    (root / "originals" / "no-such-image").write_bytes(b"stray")
    (root / "derivatives" / "gone").mkdir()
    (root / "derivatives" / "gone" / "abc").write_bytes(b"orphan")
    (root / "originals" / ".partial-x1").write_bytes(b"half")
    uploads = config.data_dir / "uploads"
    uploads.mkdir(exist_ok=True)
    (uploads / "upload-left").write_bytes(b"spool")
    (root / "originals" / lost["id"]).unlink()

    found = fsck(imageapi)
    assert found.returncode == 1
    for kind in (
        "derivative row without its object",
        "object without an image: originals/no-such-image",
        "orphan derivative: derivatives/gone/abc",
        "temporary file",
        "image without its object",
    ):
        assert kind in found.stdout, kind
    assert "6 problems, 0 repaired, 6 remain" in found.stdout

    repaired = fsck(imageapi, "--repair")
    assert "6 problems, 5 repaired, 1 remain" in repaired.stdout
    assert repaired.returncode == 1  # the lost original cannot come back
    assert not (root / "originals" / "no-such-image").exists()
    assert not (root / "originals" / ".partial-x1").exists()
    assert list(uploads.iterdir()) == []

    again = fsck(imageapi)
    assert "1 problems, 0 repaired, 1 remain" in again.stdout
    assert f"image without its object: {lost['id']}" in again.stdout
    # The repaired derivative renders again.
    assert api.get(f"{kept['links']['content']}?width=40").status_code == 200


def test_young_files_are_left_alone(imageapi, config, api):
    upload(api, samples.png_bytes())
    stray = config.data_dir / "images" / "originals" / "just-written"
    stray.write_bytes(b"an upload in progress")
    result = imageapi("fsck", "--repair")  # default grace: an hour
    assert result.returncode == 0, result.stdout
    assert stray.exists()


def test_pyramid_levels_are_objects_of_their_image(imageapi, config, api):
    image = upload(api, samples.png_bytes(1536, 80)).json  # levels 1024 and 512
    root = config.data_dir / "images"
    levels = root / "pyramid" / image["id"]
    assert sorted(path.name for path in levels.iterdir()) == ["1024", "512"]
    assert "0 problems" in fsck(imageapi).stdout

    (levels / "512").unlink()
    (root / "pyramid" / "no-such-image").mkdir()
    (root / "pyramid" / "no-such-image" / "512").write_bytes(b"stray")
    found = fsck(imageapi, "--repair")
    assert f"image without its object: {image['id']} (pyramid/{image['id']}/512)" in (
        found.stdout
    )
    assert "object without an image: pyramid/no-such-image/512 (repaired)" in (
        found.stdout
    )
    assert not (root / "pyramid" / "no-such-image" / "512").exists()


def test_unfinished_jobs_are_listed_and_run_by_repair(imageapi, config, api, db):
    image = upload(api, samples.png_bytes(3072, 20)).json
    levels = config.data_dir / "images" / "pyramid" / image["id"]
    shutil.rmtree(levels)  # as if the job had not run yet
    with db.write() as uow:
        uow.images.set_columns(image["id"], pyramid=None)
        uow.jobs.add("derive", image["id"], utcnow())
        uow.commit()

    found = fsck(imageapi)
    assert found.returncode == 0, found.stdout  # a job is not a problem
    assert f": derive of image {image['id']}, 0 attempts" in found.stdout
    assert "1 unfinished jobs" in found.stdout

    repaired = fsck(imageapi, "--repair")
    assert "1 unfinished jobs run" in repaired.stdout
    assert sorted(path.name for path in levels.iterdir()) == ["1024", "2048", "512"]
    assert "unfinished job" not in fsck(imageapi).stdout
