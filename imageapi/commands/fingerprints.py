"""``imageapi fingerprints backfill``: near-duplicate fingerprints for images
stored before they were computed at upload."""

from __future__ import annotations

import argparse

from imageapi.config import Config


def add_parser(commands: argparse._SubParsersAction) -> None:
    fingerprints = commands.add_parser(
        "fingerprints", help="near-duplicate fingerprints"
    )
    actions = fingerprints.add_subparsers(dest="fingerprints_command", required=True)
    backfill = actions.add_parser(
        "backfill", help="fingerprint the images stored without one (idempotent)"
    )
    backfill.add_argument(
        "--batch-size", type=int, default=200, help="images per transaction"
    )


def run(config: Config, args: argparse.Namespace) -> int:
    import sys

    from imageapi.app import make_fingerprint_backfill
    from imageapi.startup import prepare_checked

    backfill = make_fingerprint_backfill(
        prepare_checked(config), max(1, args.batch_size)
    )
    total = backfill.pending()
    if sys.stdout.isatty():
        from rich.progress import Progress

        with Progress(transient=True) as bar:
            task = bar.add_task("Fingerprinting", total=total)
            result = backfill.run(lambda done: bar.update(task, completed=done))
    else:
        result = backfill.run(
            lambda done: print(f"imageapi: {done} of {total} images processed")
        )
    print(
        f"imageapi: {result.fingerprinted} images fingerprinted, "
        f"{result.failed} could not be read"
    )
    return 1 if result.failed else 0
