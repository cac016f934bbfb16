"""JSON through orjson, with datetimes as ISO 8601 UTC ("...Z")."""

from __future__ import annotations

import functools

import falcon
import falcon.media
import orjson

dumps = functools.partial(orjson.dumps, option=orjson.OPT_UTC_Z)


def install_media_handlers(app: falcon.App) -> None:
    json_handler = falcon.media.JSONHandler(dumps=dumps, loads=orjson.loads)
    extra = {falcon.MEDIA_JSON: json_handler}
    app.req_options.media_handlers.update(extra)
    app.resp_options.media_handlers.update(extra)
