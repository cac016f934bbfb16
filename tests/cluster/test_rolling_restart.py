"""A rolling restart behind nginx, under steady load, fails no request.

The procedure of docs/deploy.md ("Upgrading without downtime"), one instance
at a time: mark it ``down`` in nginx and reload (nginx's old workers finish
their requests, the new ones send nothing there), stop it with SIGTERM and
wait for it to exit, start it again, wait for ``/readyz``, put it back and
reload. Meanwhile a few clients read, upload and transform through nginx;
every answer must be the expected 2xx, and every upload readable afterwards
from both instances.
"""

from __future__ import annotations

import itertools
import threading
from dataclasses import dataclass
from dataclasses import field

import pytest
import pyvips
import requests

from tests.live_clients import TIMEOUT
from tests.live_clients import decoded_width
from tests.live_clients import png
from tests.live_clients import sign_up
from tests.live_clients import upload

pytestmark = pytest.mark.e2e

CLIENTS = 3
# Bounds the load if a restart hangs; a normal run makes far fewer.
MAX_REQUESTS_PER_CLIENT = 2000
# Requests each client makes before the first restart and after each one.
SETTLING_REQUESTS = 6
# Between two requests of a client: steady load that leaves CPU for restarts
# and keeps each client under the cluster's 199 requests a minute.
PAUSE_SECONDS = 0.5


@dataclass
class Client:
    """One user reading, uploading and transforming in a loop."""

    number: int
    base_url: str
    session: requests.Session = field(default_factory=requests.Session)
    first_image: tuple[str, bytes] | None = None
    uploaded: dict[str, bytes] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)
    requests_made: int = 0
    finished: bool = False

    def run(self, stop: threading.Event) -> None:
        steps = itertools.cycle((self.read, self.upload, self.transform))
        widths = itertools.cycle(range(40, 400, 7))  # new renders, not cached
        try:
            for step in steps:
                if (
                    stop.wait(PAUSE_SECONDS)
                    or self.requests_made >= MAX_REQUESTS_PER_CLIENT
                ):
                    return
                try:
                    problem = step(next(widths))
                except (requests.RequestException, pyvips.Error) as exc:
                    problem = f"{type(exc).__name__}: {exc}"
                self.requests_made += 1
                if problem:
                    self.failures.append(
                        f"client {self.number} {step.__name__}: {problem}"
                    )
        finally:
            self.finished = True

    def read(self, _width: int) -> str | None:
        image_id, original = self.first_image
        answer = self.session.get(self._content(image_id), timeout=TIMEOUT)
        if answer.status_code != 200 or answer.content != original:
            return f"{answer.status_code} {answer.text[:200]}"
        return None

    def upload(self, width: int) -> str | None:
        data = png(width, 60, shade=self.number * 1000 + self.requests_made)
        answer = upload(self.session, self.base_url, data)
        if answer.status_code != 201:
            return f"{answer.status_code} {answer.text[:200]}"
        self.uploaded[answer.json()["id"]] = data
        return None

    def transform(self, width: int) -> str | None:
        image_id, _ = self.first_image
        answer = self.session.get(
            self._content(image_id), params={"width": width}, timeout=TIMEOUT
        )
        if answer.status_code != 200 or decoded_width(answer) != width:
            return f"{answer.status_code} {answer.text[:200]}"
        return None

    def _content(self, image_id: str) -> str:
        return f"{self.base_url}/api/v1/images/{image_id}/content"


def wait_for_requests(clients: list[Client], count: int) -> None:
    """Until each client has made ``count`` more requests (or has stopped)."""
    targets = [client.requests_made + count for client in clients]
    pause = threading.Event()
    while not all(
        client.requests_made >= target or client.finished
        for client, target in zip(clients, targets, strict=True)
    ):
        pause.wait(0.05)


def test_rolling_restart_under_load_fails_no_request(cluster):
    proxy = cluster.nginx.base_url
    clients = []
    for number in range(CLIENTS):
        client = Client(number, proxy)
        client.session = sign_up(proxy, f"steady-{number}@example.com")
        original = png(640, 480, shade=number)
        created = upload(client.session, proxy, original)
        assert created.status_code == 201, created.text
        client.first_image = (created.json()["id"], original)
        clients.append(client)

    stop = threading.Event()
    threads = [threading.Thread(target=client.run, args=(stop,)) for client in clients]
    for thread in threads:
        thread.start()
    try:
        wait_for_requests(clients, SETTLING_REQUESTS)
        for instance in cluster.instances:
            address = f"127.0.0.1:{instance.port}"
            cluster.nginx.take_out(instance)
            taken_out = cluster.nginx.access_log_size()
            assert instance.stop() == 0, instance.log()
            instance.start()
            instance.wait_ready()
            while_out = cluster.nginx.upstreams_since(taken_out)
            assert while_out, "no request was served while an instance was out"
            assert not [served for served in while_out if address in served]
            put_back = cluster.nginx.access_log_size()
            cluster.nginx.put_back(instance)
            wait_for_requests(clients, SETTLING_REQUESTS)
            after = cluster.nginx.upstreams_since(put_back)
            assert [served for served in after if address in served]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=2 * TIMEOUT)

    failures = [failure for client in clients for failure in client.failures]
    made = sum(client.requests_made for client in clients)
    assert failures == [], f"{len(failures)} of {made} failed: {failures[:10]}"
    assert all(client.uploaded for client in clients)
    # Each upload read back once, from either instance in turn.
    instances = itertools.cycle(cluster.instances)
    for client in clients:
        for image_id, data in client.uploaded.items():
            path = f"{next(instances).base_url}/api/v1/images/{image_id}/content"
            read = client.session.get(path, timeout=TIMEOUT)
            assert read.status_code == 200, read.text
            assert read.content == data
