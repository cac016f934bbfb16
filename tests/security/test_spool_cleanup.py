"""Upload spool files left by a killed worker are removed when the server
starts (``prepare``, which ``imageapi serve`` and ``get_app`` run), while a
file another process may still be writing is kept."""

from __future__ import annotations

import os
import time

from imageapi.app import prepare
from imageapi.app import upload_dir
from imageapi.services.uploads import STALE_SPOOL_SECONDS


def test_stale_spool_files_are_removed_at_start_and_fresh_ones_kept(config):
    spools = upload_dir(config)
    spools.mkdir(parents=True)
    stale = spools / "upload-killed"
    fresh = spools / "upload-in-progress"
    unrelated = spools / "notes.txt"
    for path in (stale, fresh, unrelated):
        path.write_bytes(b"\0" * 1024)
    long_ago = time.time() - STALE_SPOOL_SECONDS - 60
    os.utime(stale, (long_ago, long_ago))
    os.utime(unrelated, (long_ago, long_ago))
    prepare(config)
    assert not stale.exists()
    assert fresh.exists()
    assert unrelated.exists()
