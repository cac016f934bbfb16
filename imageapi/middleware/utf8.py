"""Refuse a path or query string that is not valid UTF-8 (400).

WSGI hands over the path and query as raw bytes, and Falcon decodes them
leniently, turning a bad byte into U+FFFD: a tag, a name or a filter would
silently become a different string than the one sent. The raw bytes are
checked here, before routing, so no route ever sees such a value.
"""

from __future__ import annotations

from urllib.parse import unquote_to_bytes

import falcon

from imageapi.errors import InvalidParameter


class RefuseInvalidUtf8:
    def process_request(self, req: falcon.Request, resp: falcon.Response) -> None:
        # PEP 3333: the values are the request's bytes, as latin-1 strings.
        # PATH_INFO arrives percent-decoded, the query string does not.
        path = req.env.get("PATH_INFO", "").encode("latin-1", "replace")
        query = req.env.get("QUERY_STRING", "").encode("latin-1", "replace")
        if not _is_utf8(path):
            raise InvalidParameter("The path is not valid UTF-8.")
        if not _is_utf8(unquote_to_bytes(query.replace(b"+", b" "))):
            raise InvalidParameter("The query string is not valid UTF-8.")


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
