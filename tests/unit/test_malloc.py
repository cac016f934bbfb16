"""Freed memory inside malloc's arenas goes back to the system on request."""

from __future__ import annotations

import subprocess
import sys
import textwrap

# In a process of its own: holes of freed 200 KB blocks (under the mmap
# threshold, so on the heap) between blocks still in use, which glibc keeps
# until it is asked to give them back. Prints the RSS before and after.
HOLES = textwrap.dedent(
    """
    import ctypes, ctypes.util
    from imageapi import malloc

    def rss_kib():
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])

    malloc.tune()
    libc = ctypes.CDLL(ctypes.util.find_library("c"))
    libc.malloc.restype = ctypes.c_void_p
    libc.free.argtypes = [ctypes.c_void_p]
    blocks = [libc.malloc(200 * 1024) for _ in range(400)]
    for block in blocks:
        ctypes.memset(block, 1, 200 * 1024)
    for block in blocks[::2]:
        libc.free(block)
    before = rss_kib()
    malloc.give_back_free_memory()
    print(before, rss_kib())
    """
)


def test_free_holes_leave_the_rss():
    result = subprocess.run(
        [sys.executable, "-c", HOLES], capture_output=True, text=True, check=True
    )
    before, after = map(int, result.stdout.split())
    # 200 holes of 200 KB: about 39 MiB to give back.
    assert before - after > 30 * 1024
