"""SIGKILL the whole server during concurrent writes: no acknowledged write is lost.

Three rounds: start the server, let a few clients upload, tag and delete in
parallel, kill every server process at once in the middle of it, and start
again. Whatever was acknowledged (a 2xx answer) must then be there, byte for
byte; what was in flight may have happened or not. At the end ``fsck
--repair`` cleans up what the kills left behind (stray objects, temporary
files), after which ``fsck`` finds nothing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
import requests

from tests import samples
from tests.e2e.conftest import _wait_until_healthy
from tests.e2e.conftest import free_port
from tests.helpers import PASSWORD
from tests.helpers import encode_multipart

pytestmark = pytest.mark.e2e

ROUNDS = 3
CLIENTS = 4
# The kill comes once this many writes were acknowledged in the round.
ACKS_BEFORE_KILL = 12
# A client stops after this many operations even if the kill never came.
MAX_OPERATIONS_PER_CLIENT = 40


@dataclass
class Acknowledged:
    """What the server confirmed; guarded by ``lock``."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    images: dict[str, bytes] = field(default_factory=dict)
    tags: dict[str, set[str]] = field(default_factory=dict)
    deleted: set[str] = field(default_factory=set)
    # Sent but unanswered: their outcome is unknown.
    uncertain: set[str] = field(default_factory=set)
    count: int = 0


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.env = env
        self.base_url = f"http://127.0.0.1:{env['IMAGEAPI_PORT']}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "imageapi", "serve"],
            env=self.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its own process group, workers included
        )
        _wait_until_healthy(self.base_url, self.process)

    def kill(self) -> None:
        """SIGKILL the server and its workers together, as a power cut would."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        self.process.stderr.close()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process.stderr.close()


@pytest.fixture
def server(tmp_path: Path, clean_database: str) -> Iterator[Server]:
    env = {
        **os.environ,
        "IMAGEAPI_PORT": str(free_port()),
        "IMAGEAPI_WORKERS": "2",
        "IMAGEAPI_DATA_DIR": str(tmp_path / "data"),
        "IMAGEAPI_DATABASE_URL": clean_database,
        "IMAGEAPI_AUTH_ARGON2_TIME_COST": "1",
        "IMAGEAPI_AUTH_ARGON2_MEMORY_KIB": "64",
        "IMAGEAPI_AUTH_ARGON2_PARALLELISM": "1",
        "IMAGEAPI_LIMITS_REQUESTS_PER_MINUTE": "0",
        "IMAGEAPI_LOG_LEVEL": "warning",
    }
    running = Server(env)
    try:
        yield running
    finally:
        if running.process is not None and running.process.poll() is None:
            os.killpg(running.process.pid, signal.SIGKILL)
            running.process.wait(timeout=30)


def client_work(
    base_url: str, token: str, number: int, round_: int, acks: Acknowledged
) -> None:
    """Upload, tag the previous image, delete every third: until refused."""
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {token}"
    mine: list[str] = []
    for step in range(MAX_OPERATIONS_PER_CLIENT):
        try:
            if step % 3 == 2 and mine:
                victim = mine.pop(0)
                with acks.lock:
                    acks.uncertain.add(victim)
                answer = session.delete(
                    f"{base_url}/api/v1/images/{victim}", timeout=10
                )
                answer.raise_for_status()
                with acks.lock:
                    acks.deleted.add(victim)
                    acks.uncertain.discard(victim)
                    acks.count += 1
            elif step % 3 == 1 and mine:
                target, tag = mine[-1], f"r{round_}-c{number}-s{step}"
                answer = session.put(
                    f"{base_url}/api/v1/images/{target}/tags/{tag}", timeout=10
                )
                answer.raise_for_status()
                with acks.lock:
                    acks.tags.setdefault(target, set()).add(tag)
                    acks.count += 1
            else:
                # Distinct bytes each time: identical ones could hide a mix-up.
                data = samples.png_bytes(40 + number, 30 + step + 50 * round_)
                body, content_type = encode_multipart(
                    [("image", ("crash.png", data, "image/png"))]
                )
                answer = session.post(
                    f"{base_url}/api/v1/images",
                    data=body,
                    headers={"Content-Type": content_type},
                    timeout=10,
                )
                answer.raise_for_status()
                image_id = answer.json()["id"]
                mine.append(image_id)
                with acks.lock:
                    acks.images[image_id] = data
                    acks.count += 1
        except requests.RequestException:
            return  # the server is gone (or going): this round is over


def run_round(server: Server, token: str, round_: int, acks: Acknowledged) -> None:
    server.start()
    with acks.lock:
        acks.count = 0
    clients = [
        threading.Thread(
            target=client_work, args=(server.base_url, token, number, round_, acks)
        )
        for number in range(CLIENTS)
    ]
    for thread in clients:
        thread.start()
    done = threading.Event()
    while not done.wait(0.05):
        with acks.lock:
            if acks.count >= ACKS_BEFORE_KILL:
                break
        if not any(thread.is_alive() for thread in clients):
            break
    server.kill()
    for thread in clients:
        thread.join(timeout=60)


def check_acknowledged(base_url: str, token: str, acks: Acknowledged) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    for image_id, data in acks.images.items():
        url = f"{base_url}/api/v1/images/{image_id}"
        if image_id in acks.deleted:
            assert requests.get(url, headers=headers, timeout=10).status_code == 404
            continue
        if image_id in acks.uncertain:
            continue  # a delete was sent: either outcome is right
        content = requests.get(f"{url}/content", headers=headers, timeout=10)
        assert content.status_code == 200, (image_id, content.text)
        assert content.content == data, image_id
        tags = set(requests.get(url, headers=headers, timeout=10).json()["tags"])
        assert acks.tags.get(image_id, set()) <= tags, image_id


def fsck(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "imageapi", "fsck", "--grace-seconds", "0", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_acknowledged_writes_survive_sigkill_of_the_whole_server(server, tmp_path):
    server.start()
    account = {"email": "crash@example.com", "password": PASSWORD}
    requests.post(f"{server.base_url}/api/v1/users", json=account, timeout=10)
    login = requests.post(
        f"{server.base_url}/api/v1/sessions", json=account, timeout=10
    )
    token = login.json()["token"]
    server.stop()

    acks = Acknowledged()
    for round_ in range(ROUNDS):
        run_round(server, token, round_, acks)
    assert len(acks.images) >= ROUNDS, "the clients wrote too little to tell"

    server.start()
    check_acknowledged(server.base_url, token, acks)
    server.stop()

    repaired = fsck(server.env, "--repair")
    assert "Traceback" not in repaired.stderr, repaired.stderr
    clean = fsck(server.env)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "0 problems" in clean.stdout
    data_dir = Path(server.env["IMAGEAPI_DATA_DIR"])
    leftovers = [
        path
        for path in data_dir.rglob("*")
        if path.is_file()
        and (path.name.startswith(".partial-") or path.parent.name == "uploads")
    ]
    assert leftovers == []
