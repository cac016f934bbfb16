"""docs/api.md runs: every sh block in one bash, every python block in one
interpreter, in order, against a live server (curl is the real binary).

The guide's one placeholder, its base URL, is swapped for the server's; its
``photo.jpg`` is made here with pyvips. A failing request stops the run:
the shell blocks use ``curl --fail-with-body`` under ``set -euo pipefail``,
the python blocks ``raise_for_status()`` and asserts.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import pyvips

from tests import samples

ROOT = Path(__file__).resolve().parents[2]
GUIDE = ROOT / "docs" / "api.md"
PLACEHOLDER = "http://127.0.0.1:8000"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
TASKS = (
    "Register and log in",
    "Upload an image with tags",
    "List, filter and paginate",
    "Download",
    "Transform",
    "Publish an image",
    "Tags",
    "API keys",
    "Your usage",
    "Find duplicates",
)


def blocks(language: str) -> list[str]:
    return [code for lang, code in BLOCK.findall(GUIDE.read_text()) if lang == language]


def test_every_task_has_a_curl_and_a_python_example():
    text = GUIDE.read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    for task in TASKS:
        (section,) = [s for s in sections if s.startswith(task)]
        languages = {lang for lang, _ in BLOCK.findall(section)}
        assert {"sh", "python"} <= languages, task
        assert "curl" in section or "$CURL" in section, task
    assert PLACEHOLDER in blocks("sh")[0] and PLACEHOLDER in blocks("python")[0]


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "photo.jpg").write_bytes(samples.jpeg_bytes(320, 240))
    return tmp_path


def test_shell_examples_run(server, workdir):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    script = "set -euo pipefail\n" + "\n".join(blocks("sh"))
    script = script.replace(PLACEHOLDER, server.base_url)
    run = subprocess.run(
        ["bash", "-c", script],
        cwd=workdir,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert (workdir / "copy.jpg").read_bytes() == (workdir / "photo.jpg").read_bytes()
    assert (workdir / "head.bin").stat().st_size == 100
    assert "attachment" in run.stdout
    assert "x-cache: miss" in run.stdout.lower()
    assert "access-control-allow-origin: *" in run.stdout.lower()
    assert "after rotation: 403" in run.stdout
    small = pyvips.Image.new_from_file(str(workdir / "small.png"))
    assert (small.width, small.bands) == (100, 1)


def test_python_examples_run(server, workdir, monkeypatch):
    monkeypatch.chdir(workdir)
    code = "\n".join(blocks("python")).replace(PLACEHOLDER, server.base_url)
    namespace: dict = {}
    exec(compile(code, str(GUIDE), "exec"), namespace)
    assert namespace["image"]["tags"] == ["holiday", "beach"]
    assert len(namespace["images"]) == 1  # every page, one image
    assert (workdir / "copy.jpg").read_bytes() == (workdir / "photo.jpg").read_bytes()
