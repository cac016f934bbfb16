"""A live server (``python -m imageapi``, two workers) per test module, over
real HTTP, on the test database (SQLite, or PostgreSQL when
``IMAGEAPI_TEST_DATABASE_URL`` is set).

A module may set ``SERVER_ENV`` (extra ``IMAGEAPI_*`` variables) for its server.
Raw requests go through ``raw_request``: hostile bytes (invalid UTF-8 in a
path, a chunked body) that ``requests`` would clean up or refuse to send.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from sqlalchemy import update

from imageapi.db.base import Base
from imageapi.db.engine import make_engine
from imageapi.db.models import User
from tests.e2e.conftest import _wait_until_healthy
from tests.e2e.conftest import free_port
from tests.helpers import PASSWORD


@dataclass
class LiveServer:
    base_url: str
    port: int
    data_dir: Path
    database_url: str
    log_path: Path

    def url(self, path: str) -> str:
        return self.base_url + path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def account(self, email: str, *, admin: bool = False) -> requests.Session:
        """A registered user's session with the bearer token set (no cookie)."""
        session = requests.Session()
        created = session.post(
            self.url("/api/v1/users"), json={"email": email, "password": PASSWORD}
        )
        assert created.status_code in (201, 409), created.text
        if admin:
            engine = make_engine(self.database_url)
            with engine.begin() as connection:
                connection.execute(
                    update(User).where(User.email == email).values(role="admin")
                )
            engine.dispose()
        token = session.post(
            self.url("/api/v1/sessions"), json={"email": email, "password": PASSWORD}
        ).json()["token"]
        session.cookies.clear()
        session.headers["Authorization"] = f"Bearer {token}"
        return session

    def cookie_session(self, email: str) -> requests.Session:
        """A registered user's browser-like session: the cookie only."""
        session = requests.Session()
        session.post(
            self.url("/api/v1/users"), json={"email": email, "password": PASSWORD}
        )
        login = session.post(
            self.url("/api/v1/sessions"), json={"email": email, "password": PASSWORD}
        )
        assert login.status_code == 200, login.text
        return session


@pytest.fixture(scope="module")
def live(request, database_url: str, tmp_path_factory) -> Iterator[LiveServer]:
    engine = make_engine(database_url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()
    port = free_port()
    folder = tmp_path_factory.mktemp("live")
    data_dir = folder / "data"
    log_path = folder / "server.log"
    env = {
        **os.environ,
        "IMAGEAPI_HOST": "127.0.0.1",
        "IMAGEAPI_PORT": str(port),
        "IMAGEAPI_WORKERS": "2",
        "IMAGEAPI_DATA_DIR": str(data_dir),
        "IMAGEAPI_DATABASE_URL": database_url,
        "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
        "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
        "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
        "IMAGEAPI_LOG_LEVEL": "warning",
        **getattr(request.module, "SERVER_ENV", {}),
    }
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "imageapi"], env=env, stdout=log, stderr=log
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, process)
        yield LiveServer(base_url, port, data_dir, database_url, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def raw_request(port: int, head: bytes, body: bytes = b"") -> tuple[int, dict, bytes]:
    """Send ``head`` (request line and headers, without the blank line) and
    ``body`` as they are; (status, lower-cased headers, body) of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(head + b"\r\nConnection: close\r\n\r\n" + body)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer = b"".join(chunks)
    header_block, _, payload = answer.partition(b"\r\n\r\n")
    lines = header_block.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, payload
