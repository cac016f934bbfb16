"""Give every request an id, echo it back, and make it available to logs."""

from __future__ import annotations

import os
import re

import falcon

HEADER = "X-Request-ID"
_ACCEPTABLE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")


class RequestId:
    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        given = req.get_header(HEADER)
        valid = given is not None and _ACCEPTABLE.match(given)
        # 128 random bits in hex, as uuid4().hex spells them, without the UUID.
        req.context.request_id = given if valid else os.urandom(16).hex()

    def process_response(self, req, resp: falcon.Response, resource, succeeded):
        resp.set_header(HEADER, req.context.request_id)
