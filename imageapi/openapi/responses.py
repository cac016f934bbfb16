"""Responses the generator adds: what every operation of a kind can answer."""

from __future__ import annotations

from imageapi.openapi.operation import Header
from imageapi.openapi.operation import Operation
from imageapi.openapi.operation import Response
from imageapi.openapi.operation import error

NOT_AUTHENTICATED = error(
    "Missing, expired or revoked credentials: log in and send the cookie or a "
    "bearer token.",
    {"WWW-Authenticate": Header('Always `Bearer realm="imageapi"`.')},
)
RATE_LIMITED = error(
    "Over the per-user request rate limit (when the server sets one); any "
    "request with credentials counts. Such answers carry RateLimit-* headers.",
    {
        "Retry-After": Header("Seconds until the window resets."),
        "RateLimit-Limit": Header("Requests per window.", {"type": "integer"}),
        "RateLimit-Remaining": Header("Left in this window.", {"type": "integer"}),
        "RateLimit-Reset": Header("Seconds until it resets.", {"type": "integer"}),
    },
)
BODY_ERRORS = {
    400: error("The body is empty or is not valid JSON."),
    415: error("The body is neither JSON nor form-encoded."),
    422: error("A field is missing or invalid; the description names it."),
}
QUERY_ERRORS = {400: error("A query parameter is invalid; the description names it.")}
URI_TOO_LONG = Response(
    "The URI is over 65,534 bytes: the HTTP server (granian) refuses it before "
    "the application sees it, with an empty body."
)
NOT_UTF8 = error("The path or the query string is not valid UTF-8.")
CROSS_SITE = error(
    "Sent by a browser from another site (its Origin is not this service's, or "
    "Sec-Fetch-Site is cross-site) without an Authorization or X-API-Key "
    "header: refused, nothing changed."
)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SERVER_ERROR = error(
    "Something failed on our side; the description names the request id, "
    "which is logged with the cause."
)
HEADERS_TOO_LARGE = error(
    "The request's header fields are over `limits.max_header_bytes` together "
    "(far larger headers, or over 100 of them, get the HTTP server's own 431 "
    "with an empty body)."
)
UNAVAILABLE = error(
    "Retry after `Retry-After` seconds: the connection to the database was "
    "lost (the next request connects afresh), or every request-body read "
    "place of the worker is taken.",
    {"Retry-After": Header("Seconds to wait before retrying.")},
)


def responses_of(operation: Operation) -> dict[int, Response]:
    """Its responses by status: the ones it lists, and those every operation
    of its kind can answer."""
    responses: dict[int, Response] = {
        400: NOT_UTF8,
        414: URI_TOO_LONG,
        429: RATE_LIMITED,
        431: HEADERS_TOO_LARGE,
        500: SERVER_ERROR,
        503: UNAVAILABLE,
    }
    if not operation.public:
        responses[401] = NOT_AUTHENTICATED
    if operation.method not in SAFE_METHODS:
        responses[403] = CROSS_SITE
    if operation.body is not None:
        responses.update(BODY_ERRORS)
    if operation.query is not None:
        responses.update(QUERY_ERRORS)
    responses.update(operation.responses)
    return dict(sorted(responses.items()))
