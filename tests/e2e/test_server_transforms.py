"""Derivatives against the real server: identical cold requests on 2 workers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pyvips
import requests
from sqlalchemy import text

from imageapi.db.engine import make_engine
from tests.e2e.test_server_images import logged_in_session
from tests.unit.processing.imaging import photo


def test_identical_cold_requests_across_workers(server, clean_database):
    base = server.base_url
    session = logged_in_session(base, "racer@example.com")
    token = session.cookies["auth_token"]
    files = [("image", ("p.jpg", photo(900, 600).jpegsave_buffer(), "image/jpeg"))]
    image_id = session.post(f"{base}/api/v1/images", files=files).json()["id"]
    url = f"{base}/api/v1/images/{image_id}/content?width=300&format=webp&blur=1"

    def get(_: int) -> requests.Response:
        # A fresh connection per request, so both workers take part.
        return requests.get(
            url, headers={"Authorization": f"Bearer {token}", "Connection": "close"}
        )

    with ThreadPoolExecutor(max_workers=12) as pool:
        responses = list(pool.map(get, range(24)))
    assert {response.status_code for response in responses} == {200}
    assert len({response.content for response in responses}) == 1
    image = pyvips.Image.new_from_buffer(responses[0].content, "")
    assert (image.width, image.height) == (300, 200)

    engine = make_engine(clean_database)
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT storage_key, size FROM derivatives")
        ).all()
    engine.dispose()
    assert len(rows) == 1
    stored = (server.data_dir / "images" / rows[0][0]).read_bytes()
    assert stored == responses[0].content
    again = get(0)
    assert (again.headers["X-Cache"], again.content) == ("HIT", stored)
