"""Peak worker memory while uploading a 1 GiB image.

Run: .venv/bin/python -m benchmarks.upload_memory [--mib 1024]

Makes an uncompressed TIFF of about the given size, streams it to a real server
(1 worker, upload and pixel limits raised by config) as multipart/form-data
with a known Content-Length, and samples the worker's RSS every 20 ms. Prints
the RSS before, the peak during the upload, the growth, and the time taken.
"""

from __future__ import annotations

import argparse
import math
import tempfile
import threading
import time
import uuid
from pathlib import Path

import pyvips
import requests

from benchmarks.server import rss_kib
from benchmarks.server import running_server
from benchmarks.server import sign_up
from benchmarks.server import worker_pids

CHUNK = 1024 * 1024


def make_tiff(path: Path, mib: int) -> None:
    side = int(math.sqrt(mib * 1024 * 1024 / 3))
    pyvips.Image.black(side, side, bands=3).tiffsave(str(path), compression="none")


def write_multipart(source: Path, body_path: Path) -> str:
    """Write the whole multipart body to disk, so requests streams it from a file
    (with its Content-Length) and the client holds none of it in memory."""
    boundary = uuid.uuid4().hex
    with open(body_path, "wb") as body, open(source, "rb") as image:
        body.write(
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="image"; filename="huge.tif"\r\n'
            "Content-Type: image/tiff\r\n\r\n".encode()
        )
        while chunk := image.read(CHUNK):
            body.write(chunk)
        body.write(f"\r\n--{boundary}--\r\n".encode())
    return f"multipart/form-data; boundary={boundary}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mib", type=int, default=1024)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        source = work / "huge.tif"
        make_tiff(source, args.mib)
        size = source.stat().st_size
        settings = {
            "limits_max_upload_bytes": size + 1024 * 1024,
            "limits_max_pixels": 10**9,
        }
        with running_server(
            work / "data", f"sqlite:///{work / 'db.sqlite'}", **settings
        ) as (base, process):
            token = sign_up(base, "big@example.com")
            (worker,) = worker_pids(process.pid)
            before = rss_kib(worker)
            peak = [before]
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    peak[0] = max(peak[0], rss_kib(worker))
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample)
            sampler.start()
            content_type = write_multipart(source, work / "body")
            began = time.perf_counter()
            with open(work / "body", "rb") as body:
                response = requests.post(
                    f"{base}/api/v1/images",
                    data=body,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Content-Type": content_type,
                    },
                )
            elapsed = time.perf_counter() - began
            done.set()
            sampler.join()
            print(
                f"upload of {size / 2**20:.0f} MiB: HTTP {response.status_code} "
                f"in {elapsed:.1f} s"
            )
            print(
                f"worker RSS before {before / 1024:.1f} MiB, peak "
                f"{peak[0] / 1024:.1f} MiB, growth {(peak[0] - before) / 1024:.1f} MiB"
            )


if __name__ == "__main__":
    main()
