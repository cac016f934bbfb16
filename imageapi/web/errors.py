"""One place that turns errors into JSON ``{"title", "description"}`` responses."""

from __future__ import annotations

import logging

import falcon
from sqlalchemy.exc import DBAPIError

from imageapi.errors import ImageApiError
from imageapi.schemas.errors import Error
from imageapi.web.media import dumps

log = logging.getLogger("imageapi.errors")

DEFAULT_DESCRIPTIONS = {
    400: "The request could not be understood.",
    401: "Log in first: send the auth_token cookie or an Authorization header.",
    404: "No resource at this path.",
    405: "This method is not allowed on this resource.",
    413: "The request body is too large.",
    415: "This content type is not supported here.",
}


class _DomainHTTPError(falcon.HTTPError):
    """An HTTP error that carries a domain error's extra body fields."""

    def __init__(self, exc: ImageApiError) -> None:
        super().__init__(
            exc.status,
            title=exc.title,
            description=exc.description,
            headers=exc.headers or None,
        )
        self.details = exc.details()


def install_error_handlers(app: falcon.App) -> None:
    app.set_error_serializer(_serialize)
    app.add_error_handler(ImageApiError, _handle_domain_error)
    app.add_error_handler(Exception, _handle_unexpected)
    app.add_error_handler(DBAPIError, _handle_database_error)


def _serialize(req: falcon.Request, resp: falcon.Response, exc: falcon.HTTPError):
    """Always JSON, whatever the client accepts; always a description."""
    status = exc.status_code
    description = exc.description or DEFAULT_DESCRIPTIONS.get(status, exc.title)
    if status == 404 and not exc.description:
        description = f"No route matches {req.method} {req.path}."
    body = Error(title=exc.title, description=description).model_dump()
    if isinstance(exc, _DomainHTTPError):
        body.update(exc.details)
    resp.content_type = falcon.MEDIA_JSON
    resp.data = dumps(body)


def _handle_domain_error(req, resp, exc: ImageApiError, params) -> None:
    raise _DomainHTTPError(exc)


def _handle_database_error(req, resp, exc: DBAPIError, params) -> None:
    """A lost connection (the database restarted, a proxy dropped it) is a
    503 to retry: the pool has been discarded and the next request connects
    afresh. Any other database error is unexpected."""
    if not exc.connection_invalidated:
        _handle_unexpected(req, resp, exc, params)
    log.warning("database connection lost in %s %s", req.method, req.path)
    raise falcon.HTTPServiceUnavailable(
        title="Database unavailable",
        description="The connection to the database was lost; retry.",
        headers={"Retry-After": "1"},
    )


def _handle_unexpected(req, resp, exc: Exception, params) -> None:
    request_id = getattr(req.context, "request_id", "-")
    log.exception(
        "unhandled error in %s %s [request %s]", req.method, req.path, request_id
    )
    raise falcon.HTTPInternalServerError(
        title="Internal server error",
        description=f"Something went wrong on our side (request id {request_id}).",
    )
