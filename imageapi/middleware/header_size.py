"""Refuse requests whose header fields are too large together (431, JSON).

granian itself refuses only far larger headers (past its read buffer, about
400 KiB) and answers those with an empty body; everything below reaches the
app, where this check keeps a request's headers to ``max_header_bytes``
before anything else reads them.
"""

from __future__ import annotations

import falcon

# WSGI keeps these two headers under their own names, without HTTP_.
UNPREFIXED = ("CONTENT_TYPE", "CONTENT_LENGTH")


class RefuseLargeHeaders:
    def __init__(self, max_header_bytes: int) -> None:
        self._max = max_header_bytes

    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        size = sum(
            len(name) - 5 + len(value)  # the name without its HTTP_ prefix
            for name, value in req.env.items()
            if name.startswith("HTTP_")
        ) + sum(len(name) + len(req.env.get(name, "")) for name in UNPREFIXED)
        if size > self._max:
            raise falcon.HTTPRequestHeaderFieldsTooLarge(
                title="Request header fields too large",
                description=f"The request's header fields take {size} bytes "
                f"together; at most {self._max} are accepted.",
            )
