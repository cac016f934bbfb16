"""The route table: names build URLs, and no module outside it spells a path."""

from __future__ import annotations

import io
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import pytest

import imageapi
from imageapi.routes import ROUTES
from imageapi.routes.urls import Urls

PACKAGE = Path(imageapi.__file__).parent
TABLE = PACKAGE / "routes"


@dataclass(frozen=True)
class Named:
    name: str
    path: str


def test_url_for_fills_and_percent_encodes_each_field():
    urls = Urls([Named("tag", "/api/v1/images/{image_id}/tags/{tag}")])
    assert urls.url_for("tag", image_id="ab12", tag="a b/c") == (
        "/api/v1/images/ab12/tags/a%20b%2Fc"
    )


def test_url_for_drops_falcon_converters():
    urls = Urls([Named("thing", "/things/{number:int(min=1)}/{key:uuid}")])
    assert urls.url_for("thing", number=7, key="k") == "/things/7/k"


def test_url_for_refuses_missing_or_unknown_fields():
    urls = Urls([Named("image", "/images/{image_id}")])
    with pytest.raises(ValueError, match="image_id"):
        urls.url_for("image")
    with pytest.raises(ValueError, match="img_id"):
        urls.url_for("image", image_id="a", img_id="b")
    with pytest.raises(KeyError):
        urls.url_for("no_such_route")


def test_route_names_are_unique():
    with pytest.raises(ValueError, match="twice"):
        Urls([Named("image", "/a"), Named("image", "/b")])
    Urls(ROUTES)


def test_every_route_path_is_distinct():
    paths = [route.path for route in ROUTES]
    assert len(paths) == len(set(paths))


def _route_path_pattern() -> re.Pattern[str]:
    """``/api/...``, ``/healthz``, ``/apidoc/...`` (each first segment of the
    table's paths), but not ``image/*`` or ``a/api``."""
    # The gallery's page is "/" itself: a bare slash names no route prefix.
    segments = {route.path.split("/")[1] for route in ROUTES} - {""}
    assert segments, "the table has no routes"
    alternatives = "|".join(sorted(map(re.escape, segments)))
    return re.compile(rf"(?<![\w./-])/(?:{alternatives})(?![\w-])")


def _string_literals(source: str):
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type == tokenize.STRING:
            yield token.start[0], token.string


def test_no_route_path_is_spelled_outside_the_table():
    """Paths live in ``imageapi/routes/``; everything else asks ``Urls``."""
    route_path = _route_path_pattern()
    found = []
    for module in sorted(PACKAGE.rglob("*.py")):
        if TABLE in module.parents:
            continue
        for line, literal in _string_literals(module.read_text()):
            if route_path.search(literal):
                found.append(f"{module.relative_to(PACKAGE)}:{line}: {literal}")
    assert found == []


def test_the_scan_would_see_a_spelled_path():
    route_path = _route_path_pattern()
    source = 'location = f"/api/v1/images/{image.id}"\nok = "image/*"\n'
    hits = [text for _, text in _string_literals(source) if route_path.search(text)]
    assert hits == ['f"/api/v1/images/{image.id}"']
