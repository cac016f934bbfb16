"""What a route is: its name, its URI template, its resource and its operations.

A ``Route`` is declared once, in its noun's module of this package; the Falcon
routes (``add_routes``), the OpenAPI ``paths`` (``api_document``) and every URL
the API writes (``Urls.url_for``) are derived from these declarations.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING
from typing import Any

from imageapi.openapi.operation import Operation

if TYPE_CHECKING:
    from imageapi.app import Services
    from imageapi.routes.urls import Urls

# Every route of the current API lives under this prefix.
V1 = "/api/v1"


def v1(path: str) -> str:
    """``/images/{image_id}`` -> ``/api/v1/images/{image_id}``."""
    return V1 + path


@dataclass(frozen=True)
class RouteContext:
    """What a resource factory may build its resource from."""

    services: Services
    urls: Urls
    document: dict[str, Any]


@dataclass(frozen=True)
class Route:
    """One URI template, the resource that answers it and what it documents.

    Attributes:
        name: stable name for building its URL (``urls.url_for(name, ...)``).
        path: the Falcon URI template, as ``app.add_route`` gets it; converters
            (``{image_id:int}``) become parameter schemas in the document.
        resource: builds the resource from the app's services.
        operations: one per method the resource answers, in document order.
    """

    name: str
    path: str
    resource: Callable[[RouteContext], object]
    operations: tuple[Operation, ...]


@dataclass(frozen=True)
class StaticRoute:
    """Files served from ``directory`` under the ``path`` prefix (undocumented:
    they are not API operations)."""

    name: str
    path: str
    directory: Path
    operations: tuple[Operation, ...] = field(default=(), init=False)
