"""Path fields holding a NUL character name nothing: 404 before any query.

PostgreSQL text cannot hold NUL (a query with one fails), and no id, tag or
name we store has one, so such a request is answered here rather than as a
database error. Filters holding NUL match nothing (``db/text.py``).
"""

from __future__ import annotations

import falcon

from imageapi.errors import NotFound


class RefuseNulInPath:
    def process_resource(self, req: falcon.Request, resp, resource, params) -> None:
        if any("\x00" in str(value) for value in params.values()):
            raise NotFound(f"Nothing is stored at {req.path!r}.")
