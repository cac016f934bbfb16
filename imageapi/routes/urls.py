"""Building URLs from route names, so no other module spells a path."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import quote

# Falcon URI template fields: {name} or {name:converter} or {name:converter(args)}.
FIELD = re.compile(r"\{(\w+)(?::\w+(?:\([^}]*\))?)?\}")


class Named(Protocol):
    name: str
    path: str


class Urls:
    """The path of each named route, with its fields filled in."""

    def __init__(self, routes: Iterable[Named]) -> None:
        self._templates: dict[str, str] = {}
        for route in routes:
            if route.name in self._templates:
                raise ValueError(f"route name {route.name!r} is used twice")
            self._templates[route.name] = route.path

    def url_for(self, name: str, **fields: object) -> str:
        """``url_for("image_content", image_id="ab12")`` ->
        ``/api/v1/images/ab12/content``; each value is percent-encoded as one
        path segment (a ``/`` in a tag cannot split it)."""
        template = self._templates[name]
        wanted = set(FIELD.findall(template))
        if wanted != set(fields):
            raise ValueError(
                f"route {name!r} takes fields {sorted(wanted)}, got {sorted(fields)}"
            )
        return FIELD.sub(lambda match: quote(str(fields[match[1]]), safe=""), template)

    def __contains__(self, name: object) -> bool:
        return name in self._templates

    def template(self, name: str) -> str:
        """The route's path with ``{field}`` placeholders (converters dropped),
        for clients that fill the fields themselves (the gallery's scripts)."""
        return FIELD.sub(lambda match: "{" + match[1] + "}", self._templates[name])
