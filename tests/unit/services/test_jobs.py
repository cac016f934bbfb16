"""Upload jobs on the real database: left by the upload, claimed under a lease,
re-claimed after a crash, dropped with their image, retried, given up."""

from __future__ import annotations

import io
import os
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest

from imageapi.activity import RequestsInFlight
from imageapi.errors import ImageNotFound
from imageapi.services.duplicates import MAX_PAIRS_PER_IMAGE
from imageapi.services.duplicates import connected_components
from imageapi.services.jobs import JobRunner
from imageapi.services.jobs import release_claims
from imageapi.storage.memory import MemoryStorage
from tests.rows import add_user
from tests.samples import jpeg_bytes
from tests.samples import png_bytes
from tests.unit.services.conftest import image_service
from tests.unit.services.conftest import job_service

LARGE = (3072, 30)  # 1.5x the pyramid's largest level (2048 px): all levels


@pytest.fixture
def user_id(db) -> str:
    return add_user(db).id


@pytest.fixture
def jobs(db, config, storage, clock):
    service = job_service(db, config, storage, clock)
    service.attach_runner(lambda: None)  # a runner that never runs: jobs wait
    return service


@pytest.fixture
def images(db, config, storage, clock, jobs):
    return image_service(db, config, storage, clock, jobs=jobs)


def upload(images, user_id, data):
    return images.upload(user_id, images.receive(io.BytesIO(data)), "a.png", [])


def claim_as_a_runner_that_dies(db, clock, lease_seconds):
    """Claim the next job in its own committed transaction, then do nothing."""
    with db.write() as uow:
        job = uow.jobs.claim(clock(), clock() + timedelta(seconds=lease_seconds))
        uow.commit()
    assert job is not None
    return job


def test_upload_answers_before_its_job_makes_the_pyramid(
    images, jobs, storage, user_id
):
    image = upload(images, user_id, png_bytes(*LARGE))
    assert image.pyramid == ()
    assert storage.stored_keys() == {image.storage_key}  # served from the original
    assert (jobs.depth().waiting, jobs.depth().running) == (1, 0)

    assert jobs.run_next()
    done = images.get(user_id, image.id)
    sizes = [(level.key, level.width, level.height) for level in done.pyramid]
    assert sizes == [
        (f"pyramid/{image.id}/2048", 2048, 20),
        (f"pyramid/{image.id}/1024", 1024, 10),
        (f"pyramid/{image.id}/512", 512, 5),
    ]
    assert storage.stored_keys() == {image.storage_key, *(key for key, *_ in sizes)}
    assert (jobs.depth().waiting, jobs.depth().running) == (0, 0)
    assert not jobs.run_next()


def test_a_dead_runners_job_is_claimed_again_once_its_lease_expires(
    db, images, jobs, config, clock, user_id
):
    image = upload(images, user_id, png_bytes(*LARGE))
    claim_as_a_runner_that_dies(db, clock, config.jobs.lease_seconds)
    assert (jobs.depth().waiting, jobs.depth().running) == (0, 1)
    assert not jobs.run_next()  # still leased

    clock.advance(seconds=config.jobs.lease_seconds + 1)
    assert jobs.run_next()
    assert images.get(user_id, image.id).pyramid != ()


def test_a_start_releases_every_claim_at_once(db, images, jobs, config, clock, user_id):
    image = upload(images, user_id, png_bytes(*LARGE))
    claim_as_a_runner_that_dies(db, clock, config.jobs.lease_seconds)
    assert release_claims(db) == 1
    assert jobs.run_next()
    assert images.get(user_id, image.id).pyramid != ()


def test_a_deleted_images_job_is_dropped(images, jobs, storage, user_id):
    image = upload(images, user_id, png_bytes(*LARGE))
    images.delete(user_id, image.id)
    assert (jobs.depth().waiting, jobs.depth().running) == (0, 0)
    assert not jobs.run_next()
    assert storage.stored_keys() == set()


class DeletingStorage(MemoryStorage):
    """Storage whose pyramid writes let the image's owner delete it first,
    as a request in another worker could while the job decodes."""

    def __init__(self) -> None:
        super().__init__()
        self.before_level = lambda: None

    def put_file(self, key, path):
        if key.startswith("pyramid/"):
            self.before_level()
        return super().put_file(key, path)

    def stored_keys(self) -> set[str]:
        return set(self._objects)


def test_an_image_deleted_while_its_job_runs_leaves_nothing(db, config, clock, user_id):
    storage = DeletingStorage()
    jobs = job_service(db, config, storage, clock)
    jobs.attach_runner(lambda: None)
    images = image_service(db, config, storage, clock, jobs=jobs)
    image = upload(images, user_id, png_bytes(*LARGE))
    storage.before_level = lambda: images.delete(user_id, image.id)

    assert jobs.run_next()
    assert storage.stored_keys() == set()
    assert (jobs.depth().waiting, jobs.depth().running) == (0, 0)
    with pytest.raises(ImageNotFound):
        images.get(user_id, image.id)


class FailingLevelStorage(MemoryStorage):
    def put_file(self, key, path):
        if key.startswith("pyramid/"):
            raise OSError(28, "No space left on device")
        return super().put_file(key, path)


def test_a_failing_job_is_retried_later_then_given_up(db, config, clock, user_id):
    storage = FailingLevelStorage()
    jobs = job_service(db, config, storage, clock)
    jobs.attach_runner(lambda: None)
    images = image_service(db, config, storage, clock, jobs=jobs)
    image = upload(images, user_id, png_bytes(*LARGE))

    for _attempt in range(config.jobs.max_attempts):
        assert jobs.run_next()  # fails, and waits before the next attempt
        assert not jobs.run_next()
        clock.advance(hours=1)
    assert (jobs.depth().waiting, jobs.depth().running) == (0, 0)
    # The image stays, rendered from its original.
    assert images.get(user_id, image.id).pyramid == ()


@pytest.mark.parametrize("newer_first", [False, True])
def test_near_duplicates_are_paired_once_whichever_job_runs_first(
    db, images, jobs, user_id, newer_first
):
    first = upload(images, user_id, png_bytes(300, 200))
    second = upload(images, user_id, jpeg_bytes(300, 200))
    with db.read() as uow:
        assert uow.duplicates.pairs_of(user_id) == []  # not under the upload's lock
        assert uow.jobs.pending_for(first.id) and uow.jobs.pending_for(second.id)
    assert jobs.run_next(image_id=(second if newer_first else first).id)
    assert jobs.run_next()
    with db.read() as uow:
        pairs = uow.duplicates.pairs_of(user_id)
    assert len(pairs) == 1
    assert set(pairs[0]) == {first.id, second.id}


def test_levels_are_made_at_the_lowest_cpu_priority_and_written_at_normal(
    db, config, clock, user_id
):
    storage = DeletingStorage()
    priorities: list[int] = []
    storage.before_level = lambda: priorities.append(
        os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    )
    jobs = job_service(db, config, storage, clock)
    jobs.attach_runner(lambda: None)
    images = image_service(db, config, storage, clock, jobs=jobs)
    upload(images, user_id, png_bytes(*LARGE))
    assert jobs.run_next()
    assert priorities == [19, 19, 19]  # one per level
    # The job's transactions run in the runner's own thread, not niced: a
    # niced thread holding the write lock would hold up every upload.
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) < 19


def wait_until(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def wait_for_no_jobs(jobs, seconds: float) -> bool:
    def idle() -> bool:
        depth = jobs.depth()  # one query for both counts
        return not depth.waiting + depth.running

    return wait_until(idle, seconds)


def test_runners_wait_for_a_lull_between_requests(images, jobs, config, user_id):
    upload(images, user_id, png_bytes(*LARGE))
    upload(images, user_id, png_bytes(*LARGE))
    in_flight = RequestsInFlight()
    in_flight.started()
    settings = config.jobs.model_copy(
        update={"yield_seconds": 60, "poll_seconds": 0.05}
    )
    runner = JobRunner(jobs, settings, in_flight)
    runner.start()
    try:
        # The first job runs at start; the second waits: a request is in flight.
        assert wait_until(lambda: jobs.depth().waiting == 1, 30)
        assert not wait_for_no_jobs(jobs, 1)
        assert jobs.depth().waiting == 1
        in_flight.finished()
        assert wait_for_no_jobs(jobs, 10)
    finally:
        runner.stop()


def test_runners_stop_waiting_once_derived_work_falls_behind(
    images, jobs, config, clock, user_id
):
    for _ in range(3):
        upload(images, user_id, png_bytes(*LARGE))
    clock.advance(seconds=60)  # the jobs waited 60 s
    in_flight = RequestsInFlight()
    in_flight.started()  # and never finished
    settings = config.jobs.model_copy(
        update={"yield_seconds": 60, "max_deferral_seconds": 30, "poll_seconds": 0.05}
    )
    runner = JobRunner(jobs, settings, in_flight)
    runner.start()
    try:
        assert wait_for_no_jobs(jobs, 10)  # without the rule: 60 s per job
    finally:
        runner.stop()


def test_under_steady_requests_a_job_still_runs_every_yield_seconds(
    images, jobs, config, user_id
):
    for _ in range(3):  # the first runs at start, the others after a wait each
        upload(images, user_id, png_bytes(*LARGE))
    in_flight = RequestsInFlight()
    in_flight.started()  # and never finished
    settings = config.jobs.model_copy(
        update={"yield_seconds": 0.2, "poll_seconds": 0.05}
    )
    runner = JobRunner(jobs, settings, in_flight)
    runner.start()
    try:
        assert wait_for_no_jobs(jobs, 10)
    finally:
        runner.stop()


def test_each_job_pairs_its_image_with_the_nearest_only_and_groups_stay_whole(
    db, images, jobs, user_id
):
    count = MAX_PAIRS_PER_IMAGE + 3
    uploaded = {upload(images, user_id, png_bytes(64, 48)).id for _ in range(count)}
    while jobs.run_next():
        pass
    with db.read() as uow:
        pairs = uow.duplicates.pairs_of(user_id)
    recorded_by = Counter(image_id for image_id, _ in pairs)
    # The first job finds every other copy but records only the nearest.
    assert max(recorded_by.values()) == MAX_PAIRS_PER_IMAGE
    assert len(pairs) < count * (count - 1) // 2
    assert [set(group) for group in connected_components(pairs)] == [uploaded]
