"""The processes of the multi-instance test: imageapi instances and nginx.

nginx runs from the Debian package's binary with a configuration rendered
from ``deploy/nginx.conf``, so the test proves the file that is shipped: each
substitution must match exactly once, and a change to the file that breaks
one fails the test instead of silently testing something else.
"""

from __future__ import annotations

import getpass
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import requests

DEPLOY_NGINX_CONF = Path(__file__).parents[2] / "deploy" / "nginx.conf"
START_SECONDS = 90
# The server finishes requests in flight for up to 10 s after SIGTERM.
STOP_SECONDS = 30


def nginx_binary() -> str | None:
    """nginx on PATH, or where Debian installs it (/usr/sbin is not on every PATH)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Instance:
    """One ``imageapi serve`` on its own port and data folder."""

    name: str
    port: int
    env: dict[str, str]
    work_dir: Path
    process: subprocess.Popen | None = None
    starts: int = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        """Start the server; ``wait_ready`` waits until it serves."""
        self.starts += 1
        log = (self.work_dir / f"{self.name}-{self.starts}.log").open("wb")
        env = {
            **os.environ,
            **self.env,
            "IMAGEAPI_PORT": str(self.port),
            "IMAGEAPI_DATA_DIR": str(self.work_dir / f"{self.name}-data"),
        }
        self.process = subprocess.Popen(
            [sys.executable, "-m", "imageapi", "serve"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()

    def wait_ready(self) -> None:
        """Until ``/readyz`` answers 200: the database, storage and Redis work."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited while starting:\n{self.log()}")
            try:
                if requests.get(f"{self.base_url}/readyz", timeout=5).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} was not ready in time:\n{self.log()}")

    def stop(self) -> int:
        """SIGTERM, then wait for the exit; returns the exit status."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.terminate()
        try:
            return self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"{self.name} ignored SIGTERM:\n{self.log()}") from None

    def log(self) -> str:
        path = self.work_dir / f"{self.name}-{self.starts}.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""


@dataclass
class Nginx:
    """nginx in the foreground, configured from deploy/nginx.conf."""

    work_dir: Path
    port: int
    upstreams: list[Instance]
    client_max_body_size: str
    down: set[str] = field(default_factory=set)
    process: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def conf_path(self) -> Path:
        return self.work_dir / "nginx.conf"

    def start(self) -> None:
        for folder in ("logs", "temp"):
            (self.work_dir / folder).mkdir(exist_ok=True)
        self.conf_path.write_text(self.render())
        command = [
            nginx_binary() or "nginx",
            "-p",
            str(self.work_dir),
            "-c",
            str(self.conf_path),
            "-g",
            f"daemon off; pid {self.work_dir / 'nginx.pid'};",
        ]
        checked = subprocess.run(
            [*command, "-t"], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.error_log()
            try:
                requests.get(f"{self.base_url}/healthz", timeout=5)
                return
            except requests.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("nginx did not start listening")

    def take_out(self, instance: Instance) -> None:
        """Mark the instance ``down`` and reload: nginx stops sending to it."""
        self.down.add(instance.name)
        self.reload()

    def put_back(self, instance: Instance) -> None:
        self.down.discard(instance.name)
        self.reload()

    def reload(self) -> None:
        """Apply the configuration as ``nginx -s reload`` does, and wait for it.

        The reload is done once every worker that had the old configuration
        has exited, which each does after finishing its requests in flight.
        """
        old_workers = self.workers()
        self.conf_path.write_text(self.render())
        self.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + STOP_SECONDS
        while old_workers & self.workers():
            assert time.monotonic() < deadline, "old nginx workers did not exit"
            assert self.process.poll() is None, self.error_log()
            time.sleep(0.05)

    def workers(self) -> set[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return {int(pid) for pid in children.read_text().split()}

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)  # graceful shutdown
            try:
                self.process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def access_log_size(self) -> int:
        return (self.work_dir / "logs" / "access.log").stat().st_size

    def upstreams_since(self, offset: int) -> list[str]:
        """The ``$upstream_addr`` of each request logged after ``offset`` bytes."""
        with (self.work_dir / "logs" / "access.log").open() as log:
            log.seek(offset)
            # What follows the user agent: the request id, then the address
            # ("a, b" when nginx tried a second instance).
            return [
                line.rstrip("\n").rsplit('" ', 1)[1].split(" ", 1)[1]
                for line in log
                if line.strip()
            ]

    def error_log(self) -> str:
        path = self.work_dir / "logs" / "error.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def render(self) -> str:
        """deploy/nginx.conf with local ports, paths and this test's limits."""
        text = DEPLOY_NGINX_CONF.read_text()
        logs, temp = self.work_dir / "logs", self.work_dir / "temp"
        # Workers as this user (not nobody), so they can use this run's folders.
        text = replace_once(text, "user nginx;", f"user {getpass.getuser()};")
        # Given on the command line instead, with this run's folder.
        text = replace_once(text, "pid /tmp/nginx.pid;\n", "")
        text = replace_once(
            text, "error_log /dev/stderr error;", f"error_log {logs}/error.log error;"
        )
        text = replace_once(
            text,
            "access_log /dev/stdout main;",
            f"""\
access_log {logs}/access.log main;
    client_body_temp_path {temp}/body;
    proxy_temp_path {temp}/proxy;
    fastcgi_temp_path {temp}/fastcgi;
    uwsgi_temp_path {temp}/uwsgi;
    scgi_temp_path {temp}/scgi;""",
        )
        text = replace_once(text, "listen 8080;", f"listen 127.0.0.1:{self.port};")
        text = replace_once(
            text,
            "client_max_body_size 51m;",
            f"client_max_body_size {self.client_max_body_size};",
        )
        for number, instance in enumerate(self.upstreams, start=1):
            state = " down" if instance.name in self.down else ""
            text = replace_once(
                text,
                f"server imageapi-{number}:8000 ",
                f"server 127.0.0.1:{instance.port}{state} ",
            )
        return text


def replace_once(text: str, old: str, new: str) -> str:
    found = text.count(old)
    assert found == 1, f"{old!r} is in deploy/nginx.conf {found} times, not once"
    return text.replace(old, new)
