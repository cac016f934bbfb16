"""One greedy, flooding or hostile client against the real server (2 workers).

Bounded load: a few dozen requests from a few threads, each with a generous
timeout. The assertions are about answers, never about time: the greedy user
is refused with 429 while another user's thumbnails are all served, a login
flood is locked out while a user elsewhere logs in, and files built to
exhaust memory are refused with 4xx before they are decoded.
"""

from __future__ import annotations

import secrets
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests import samples
from tests.helpers import PASSWORD
from tests.unit.processing.imaging import photo

TIMEOUT = 60  # seconds per request; only reached if the server hangs
GREEDY_CLIENTS = 4
GREEDY_ROUNDS = 5
FLOOD_THREADS = 8
FLOOD_ATTEMPTS = 20  # per thread
# Expensive on purpose: 1500x1500 enlarged and blurred, well over the cheap
# render estimate; each request varies the quality to miss the cache.
GREEDY_QUERY = "width=1500&height=1500&fit=fill&enlarge=1&blur=10&quality={}"


class FromAddress(HTTPAdapter):
    """Connect from another loopback address, as another client would."""

    def __init__(self, address: str) -> None:
        self._address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self._address, 0)
        super().init_poolmanager(*args, **kwargs)


def signed_up(base: str, email: str, session: requests.Session | None = None):
    session = session or requests.Session()
    credentials = {"email": email, "password": PASSWORD}
    created = session.post(f"{base}/api/v1/users", json=credentials, timeout=TIMEOUT)
    assert created.status_code == 201, created.text
    login = session.post(f"{base}/api/v1/sessions", json=credentials, timeout=TIMEOUT)
    assert login.status_code == 200, login.text
    session.headers["Authorization"] = f"Bearer {login.json()['token']}"
    return session


def upload(session: requests.Session, base: str, data: bytes, content_type: str):
    files = {"image": ("upload", data, content_type)}
    return session.post(f"{base}/api/v1/images", files=files, timeout=TIMEOUT)


def uploaded_photo(session: requests.Session, base: str) -> str:
    result = upload(session, base, photo(600, 400).jpegsave_buffer(), "image/jpeg")
    assert result.status_code == 201, result.text
    return result.json()["id"]


class TestGreedyRenderer:
    @pytest.fixture
    def server_env(self):
        return {
            "IMAGEAPI_LIMITS_MAX_USER_PARALLEL_RENDERS": "1",
            "IMAGEAPI_LIMITS_MAX_USER_QUEUED_RENDERS": "0",
            "IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": "0",  # only render slots refuse
            # The greedy renders queue for the host's one expensive-render
            # slot; on a loaded machine two in a row outlast the 10 s default.
            "IMAGEAPI_PROCESSING_TIMEOUT_SECONDS": "60",
        }

    def test_greedy_user_gets_429s_while_another_user_is_served(self, server):
        base = server.base_url
        greedy = signed_up(base, "greedy@example.com")
        other = signed_up(base, "other@example.com")
        greedy_image = uploaded_photo(greedy, base)
        other_image = uploaded_photo(other, base)

        def greedy_client(client: int) -> list[requests.Response]:
            session = requests.Session()
            session.headers.update(greedy.headers)
            url = f"{base}/api/v1/images/{greedy_image}/content"
            return [
                session.get(
                    f"{url}?{GREEDY_QUERY.format(50 + client * 10 + round_)}",
                    timeout=TIMEOUT,
                )
                for round_ in range(GREEDY_ROUNDS)
            ]

        with ThreadPoolExecutor(GREEDY_CLIENTS) as pool:
            loops = [pool.submit(greedy_client, n) for n in range(GREEDY_CLIENTS)]
            url = f"{base}/api/v1/images/{other_image}/content"
            thumbnails = [
                other.get(f"{url}?width=64&quality={50 + n}", timeout=TIMEOUT)
                for n in range(10)
            ]
            greedy_answers = [answer for loop in loops for answer in loop.result()]

        assert [answer.status_code for answer in thumbnails] == [200] * 10
        assert all(samples.decodes(answer.content) for answer in thumbnails)
        statuses = [answer.status_code for answer in greedy_answers]
        assert set(statuses) <= {200, 429}, statuses
        assert 200 in statuses and 429 in statuses, statuses
        refused = next(answer for answer in greedy_answers if answer.status_code == 429)
        assert "rendering at once" in refused.json()["description"]
        assert int(refused.headers["Retry-After"]) >= 1


class TestLoginFlood:
    @pytest.fixture
    def server_env(self):
        return {"IMAGEAPI_LIMITS_LOGIN_FAILURES_PER_ADDRESS": "40"}

    def test_flood_is_locked_out_while_users_are_served(self, server):
        base = server.base_url
        user = signed_up(base, "user@example.com")

        def flood(thread: int) -> list[int]:
            session = requests.Session()
            return [
                session.post(
                    f"{base}/api/v1/sessions",
                    json={
                        "email": f"{secrets.token_hex(6)}@example.com",
                        "password": "guess-1234",
                    },
                    timeout=TIMEOUT,
                ).status_code
                for _ in range(FLOOD_ATTEMPTS)
            ]

        with ThreadPoolExecutor(FLOOD_THREADS) as pool:
            floods = [pool.submit(flood, n) for n in range(FLOOD_THREADS)]
            during = [
                user.get(f"{base}/api/v1/users/me", timeout=TIMEOUT).status_code
                for _ in range(10)
            ]
            statuses = [status for result in floods for status in result.result()]

        assert during == [200] * 10
        assert set(statuses) <= {401, 429}, statuses
        # At most the address allowance (plus the attempts already past the
        # check when it filled up) reached the password check.
        assert statuses.count(401) <= 40 + FLOOD_THREADS
        assert statuses.count(429) >= len(statuses) - 40 - FLOOD_THREADS
        # The flooding address stays locked out, even with a right password...
        credentials = {"email": "user@example.com", "password": PASSWORD}
        again = requests.post(f"{base}/api/v1/sessions", json=credentials, timeout=60)
        assert again.status_code == 429
        # ...while a client at another address logs in.
        elsewhere = requests.Session()
        elsewhere.mount("http://", FromAddress("127.0.0.2"))
        login = elsewhere.post(
            f"{base}/api/v1/sessions", json=credentials, timeout=TIMEOUT
        )
        assert login.status_code == 200, login.text


def test_memory_bombs_are_refused_before_decoding(server):
    base = server.base_url
    session = signed_up(base, "bombs@example.com")
    cut_short = upload(
        session, base, samples.jpeg_ending_after_header(10000, 10000), "image/jpeg"
    )
    assert cut_short.status_code == 415
    assert "truncated or corrupt" in cut_short.json()["description"]
    progressive = upload(
        session, base, samples.progressive_jpeg_bytes(10000, 10000), "image/jpeg"
    )
    assert progressive.status_code == 422
    assert "memory" in progressive.json()["description"]
    pages = upload(session, base, samples.multipage_tiff_bytes(1001), "image/tiff")
    assert pages.status_code == 422
    assert "frames or pages" in pages.json()["description"]
    # The server is none the worse for it.
    assert uploaded_photo(session, base)
