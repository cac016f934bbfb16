"""Clients slow on purpose, for the availability tests and benchmarks: each
socket sends the start of a request, then one more byte now and then."""

from __future__ import annotations

import contextlib
import selectors
import socket
import threading
import time
from collections import Counter

# A request line and headers cut inside a header value.
SLOW_HEADERS = b"GET /healthz HTTP/1.1\r\nHost: slow\r\nX-Slow: "


def slow_login_body(content_length: int) -> bytes:
    """A login's headers, then the first byte of a body that never ends."""
    return (
        b"POST /api/v1/sessions HTTP/1.1\r\nHost: slow\r\n"
        b"Content-Type: application/json\r\n"
        b"Content-Length: %d\r\n\r\n{" % content_length
    )


class TricklingSockets:
    """``count`` sockets that send ``head``, then ``byte`` every ``every`` s."""

    def __init__(
        self,
        host: str,
        port: int,
        count: int,
        head: bytes,
        *,
        every: float = 0.5,
        byte: bytes = b" ",
    ) -> None:
        self._byte = byte
        self._every = every
        self.sockets = []
        for _ in range(count):
            sock = socket.create_connection((host, port), timeout=10)
            sock.sendall(head)
            self.sockets.append(sock)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._trickle, daemon=True)
        self._thread.start()

    def _trickle(self) -> None:
        while not self._stop.wait(self._every):
            for sock in self.sockets:
                # The server may have answered and closed it, or timed it out.
                with contextlib.suppress(OSError):
                    sock.send(self._byte)

    def answers(self, wanted: int, timeout: float) -> list[bytes]:
        """The first bytes of each answer, once ``wanted`` sockets have one."""
        answers: list[bytes] = []
        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as waiting:  # epoll: any number of fds
            for sock in self.sockets:
                waiting.register(sock, selectors.EVENT_READ)
            while len(answers) < wanted and time.monotonic() < deadline:
                for key, _ in waiting.select(timeout=1):
                    answers.append(key.fileobj.recv(65536))
                    waiting.unregister(key.fileobj)
        return answers

    def close(self) -> Counter:
        """Stop, and count the status codes the server sent the sockets
        ("none": no answer yet, "reset": the connection was reset)."""
        self._stop.set()
        self._thread.join()
        answered: Counter = Counter()
        for sock in self.sockets:
            sock.setblocking(False)
            try:
                answer = sock.recv(100)
            except BlockingIOError:
                answer = b""
            except OSError:
                answer = b"reset"
            answered[answer[9:12].decode() or "none"] += 1
            sock.close()
        return answered
