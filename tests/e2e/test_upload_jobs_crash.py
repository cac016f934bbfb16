"""SIGKILL the server after an upload was answered but before its job ran.

The job record was committed with the image row, so after a restart the
image is served from its original at once, and the job makes the working
copy. The first server holds its runners back (``jobs.start_delay_seconds``)
so that the kill surely comes before the job.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests
from sqlalchemy import text

from imageapi.db.engine import make_engine
from tests import samples
from tests.e2e.test_server_crash_safety import server  # noqa: F401  (fixture)
from tests.helpers import PASSWORD
from tests.helpers import encode_multipart

pytestmark = pytest.mark.e2e

# The upload owes a job with every pyramid level.
WIDTH, HEIGHT = 3072, 2048  # 1.5x the largest level: every level
# How long the restarted server may take to run one job (a bound on waiting,
# not a speed check: it only ends a test that would otherwise hang).
JOB_WAIT_SECONDS = 60


def jobs_in_database(env: dict[str, str]) -> int:
    url = env["IMAGEAPI_DATABASE_URL"]
    engine = make_engine(url)
    with engine.connect() as connection:
        count = connection.execute(text("SELECT count(*) FROM jobs")).scalar_one()
    engine.dispose()
    return count


def test_a_job_killed_before_it_ran_is_done_after_the_restart(server):  # noqa: F811
    server.env["IMAGEAPI_JOBS_START_DELAY_SECONDS"] = "3600"
    server.start()
    base = server.base_url
    account = {"email": "jobs@example.com", "password": PASSWORD}
    requests.post(f"{base}/api/v1/users", json=account, timeout=10)
    token = requests.post(f"{base}/api/v1/sessions", json=account, timeout=10)
    headers = {"Authorization": f"Bearer {token.json()['token']}"}
    data = samples.jpeg_bytes(WIDTH, HEIGHT)
    body, content_type = encode_multipart([("image", ("big.jpg", data, "image/jpeg"))])
    answer = requests.post(
        f"{base}/api/v1/images",
        data=body,
        headers={**headers, "Content-Type": content_type},
        timeout=30,
    )
    assert answer.status_code == 201, answer.text
    image_id = answer.json()["id"]
    levels = Path(server.env["IMAGEAPI_DATA_DIR"]) / "images/pyramid" / image_id

    content = f"{base}/api/v1/images/{image_id}/content"
    assert requests.get(content, headers=headers, timeout=10).content == data
    small = requests.get(f"{content}?width=200", headers=headers, timeout=30)
    assert small.status_code == 200  # rendered from the original
    assert samples.decode(small.content).width == 200
    assert not levels.exists()
    assert jobs_in_database(server.env) == 1
    server.kill()

    server.env["IMAGEAPI_JOBS_START_DELAY_SECONDS"] = "0"
    server.start()
    try:
        got = requests.get(content, headers=headers, timeout=10)
        assert (got.status_code, got.content) == (200, data)
        deadline = time.monotonic() + JOB_WAIT_SECONDS
        while jobs_in_database(server.env) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert jobs_in_database(server.env) == 0
        assert sorted(path.name for path in levels.iterdir()) == ["1024", "2048", "512"]
        assert samples.decode((levels / "2048").read_bytes()).width == 2048
        document = requests.get(f"{base}/api/v1/images/{image_id}", headers=headers)
        assert document.status_code == 200
    finally:
        server.stop()
