"""JSON through orjson, with datetimes as ISO 8601 UTC ("...Z"); form bodies
that must be UTF-8."""

from __future__ import annotations

import functools
from urllib.parse import unquote_to_bytes

import falcon
import falcon.media
import orjson

dumps = functools.partial(orjson.dumps, option=orjson.OPT_UTC_Z)


class Utf8FormHandler(falcon.media.URLEncodedFormHandler):
    """Form bodies whose percent-decoded bytes must be UTF-8.

    Falcon decodes them leniently, turning a bad byte into U+FFFD, so a name
    would be stored as something other than what was sent.
    """

    def _deserialize(self, body: bytes) -> object:
        try:
            unquote_to_bytes(body.replace(b"+", b" ")).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise falcon.MediaMalformedError("URL-encoded") from exc
        return super()._deserialize(body)


def install_media_handlers(app: falcon.App) -> None:
    json_handler = falcon.media.JSONHandler(dumps=dumps, loads=orjson.loads)
    extra = {falcon.MEDIA_JSON: json_handler}
    app.req_options.media_handlers.update(extra)
    app.resp_options.media_handlers.update(extra)
    app.req_options.media_handlers[falcon.MEDIA_URLENCODED] = Utf8FormHandler()
