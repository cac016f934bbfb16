"""A client generated from the served document works, with no hand edits.

openapi-python-client (the version pinned in pyproject.toml) turns
``/api/v1/openapi.json`` into a package in a temporary folder; the test imports
it and walks an image's life through it against the live server.
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from types import ModuleType

import pytest
import requests

from tests import samples

pytestmark = pytest.mark.e2e

PACKAGE = "imageapi_client"
GENERATOR_SECONDS = 300


@pytest.fixture
def client_package(server, tmp_path: Path) -> Iterator[str]:
    """Generate the client into ``tmp_path`` and make it importable."""
    document = requests.get(f"{server.base_url}/api/v1/openapi.json", timeout=10)
    document.raise_for_status()
    spec = tmp_path / "openapi.json"
    spec.write_bytes(document.content)
    # The generator formats its output with ruff, which it looks for on PATH.
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{venv_bin}{os.pathsep}{os.environ['PATH']}"}
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(tmp_path / PACKAGE),
            "--meta",
            "none",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=GENERATOR_SECONDS,
    )
    output = generated.stdout + generated.stderr
    assert generated.returncode == 0, output
    assert "warning" not in output.lower(), output
    assert "error" not in output.lower(), output
    sys.path.insert(0, str(tmp_path))
    try:
        yield PACKAGE
    finally:
        sys.path.remove(str(tmp_path))
        for name in [n for n in sys.modules if n.partition(".")[0] == PACKAGE]:
            del sys.modules[name]


def module(package: str, name: str) -> ModuleType:
    return importlib.import_module(f"{package}.{name}")


def test_generated_client_walks_an_image_through_its_life(server, client_package):
    pkg = client_package
    client_module = module(pkg, "client")
    models = module(pkg, "models")
    types = module(pkg, "types")
    register_user = module(pkg, "api.accounts.register_user")
    create_session = module(pkg, "api.sessions.create_session")
    upload_image = module(pkg, "api.images.upload_image")
    list_images = module(pkg, "api.images.list_images")
    get_image = module(pkg, "api.images.get_image")
    get_image_metadata = module(pkg, "api.images.get_image_metadata")
    add_image_tag = module(pkg, "api.tags.add_image_tag")
    get_image_content = module(pkg, "api.images.get_image_content")
    delete_image = module(pkg, "api.images.delete_image")

    anonymous = client_module.Client(base_url=server.base_url)
    email, password = "generated@example.com", "a long enough password"
    registered = register_user.sync_detailed(
        client=anonymous, body=models.NewUser(email=email, password=password)
    )
    assert registered.status_code == 201
    assert registered.parsed.email == email

    session = create_session.sync(
        client=anonymous, body=models.Credentials(email=email, password=password)
    )
    assert isinstance(session, models.TokenOut), session
    client = client_module.AuthenticatedClient(
        base_url=server.base_url, token=session.token
    )

    upload = models.ImageUpload(
        image=types.File(
            payload=BytesIO(samples.png_bytes(640, 480)),
            file_name="photo.png",
            mime_type="image/png",
        ),
        tags=["holiday", "beach"],
    )
    image = upload_image.sync(client=client, body=upload)
    assert isinstance(image, models.ImageOut), image
    assert (image.width, image.height, image.tags) == (640, 480, ["holiday", "beach"])

    page = list_images.sync(client=client)
    assert [item.id for item in page.items] == [image.id]

    fetched = get_image.sync(image.id, client=client)
    assert (fetched.id, fetched.name) == (image.id, "photo.png")

    metadata = get_image_metadata.sync(image.id, client=client)
    assert (metadata.width, metadata.height, metadata.format_) == (640, 480, "png")

    tagged = add_image_tag.sync_detailed(image.id, "sunset", client=client)
    assert tagged.status_code == 201
    assert tagged.parsed == ["holiday", "beach", "sunset"]

    thumbnail = get_image_content.sync(image.id, client=client, width=256)
    assert isinstance(thumbnail, types.File), thumbnail
    decoded = samples.decode(thumbnail.payload.read())
    assert (decoded.width, decoded.height) == (256, 192)

    deleted = delete_image.sync_detailed(image.id, client=client)
    assert deleted.status_code == 204
    assert get_image.sync_detailed(image.id, client=client).status_code == 404
