"""Progress of long commands: a live bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager

from rich.progress import Progress
from rich.progress import SpinnerColumn
from rich.progress import TextColumn
from rich.progress import TimeElapsedColumn

PLAIN_EVERY = 1000


@contextmanager
def counting(what: str) -> Iterator[Callable[[object], None]]:
    """A callback to call once per item; shows ``N <what>`` as it grows."""
    if sys.stdout.isatty():
        with Progress(
            SpinnerColumn(),
            TextColumn(f"{{task.completed}} {what}"),
            TimeElapsedColumn(),
            transient=True,
        ) as bar:
            task = bar.add_task(what, total=None)
            yield lambda _item: bar.advance(task)
        return
    count = 0

    def step(_item: object) -> None:
        nonlocal count
        count += 1
        if count % PLAIN_EVERY == 0:
            print(f"imageapi: {count} {what}", flush=True)

    yield step
