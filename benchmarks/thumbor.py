"""thumbor 7 as the peer: its own venv, file loader, no source storage, and
either no result storage or thumbor's file result storage."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import requests

from benchmarks.server import free_port
from benchmarks.server import worker_pids

THUMBOR_REQUIREMENT = "thumbor==7.8.0"

# The default qualities are imageapi's, so that a plain thumbnail costs the same.
CONFIG = """
LOADER = 'thumbor.loaders.file_loader'
FILE_LOADER_ROOT_PATH = {root!r}
STORAGE = 'thumbor.storages.no_storage'
RESULT_STORAGE = 'thumbor.result_storages.no_storage'
ALLOW_UNSAFE_URL = True
QUALITY = 82
WEBP_QUALITY = 80
MAX_AGE = 0
"""
# thumbor's own cache of processed images: a hit reads the file back.
FILE_RESULT_STORAGE = """
RESULT_STORAGE = 'thumbor.result_storages.file_storage'
RESULT_STORAGE_FILE_STORAGE_ROOT_PATH = {root!r}
RESULT_STORAGE_STORES_UNSAFE = True
"""


def thumbor_python(work: Path) -> Path:
    """A venv with thumbor, made once and reused."""
    venv = work / "thumbor-venv"
    python = venv / "bin" / "python"
    if not (venv / "bin" / "thumbor").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", THUMBOR_REQUIREMENT],
            check=True,
        )
    return python


@contextmanager
def running_thumbor(
    venv_dir: Path,
    work: Path,
    image_root: Path,
    processes: int = 2,
    *,
    result_storage: bool = False,
):
    """Yield (base_url, worker pids) for thumbor serving files under image_root;
    with ``result_storage`` it keeps what it made in files under ``work``."""
    python = thumbor_python(venv_dir)
    config = work / "thumbor.conf"
    text = CONFIG.format(root=str(image_root))
    if result_storage:
        text += FILE_RESULT_STORAGE.format(root=str(work / "thumbor-results"))
    config.write_text(text)
    port = free_port()
    process = subprocess.Popen(
        [
            str(python.parent / "thumbor"),
            "-p",
            str(port),
            "-i",
            "127.0.0.1",
            "-c",
            str(config),
            "-l",
            "error",
            "--processes",
            str(processes),
        ],
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # its forked workers outlive a plain terminate
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{base}/healthcheck", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.2)
        else:
            raise RuntimeError("thumbor did not start")
        time.sleep(1)  # let every forked process reach its accept loop
        yield base, worker_pids(process.pid) or [process.pid]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
