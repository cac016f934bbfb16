"""``imageapi fsck [--repair]``: do stored objects and database rows agree?"""

from __future__ import annotations

import argparse

from imageapi.commands.output import say
from imageapi.commands.progress import counting
from imageapi.config import Config


def add_parser(commands: argparse._SubParsersAction) -> None:
    fsck = commands.add_parser(
        "fsck",
        help="find objects without rows, rows without objects, orphan "
        "derivatives and temporary files, and list unfinished upload jobs; "
        "exit 1 if problems remain",
    )
    fsck.add_argument(
        "--repair",
        action="store_true",
        help="fix what can be fixed, and run unfinished upload jobs",
    )
    fsck.add_argument(
        "--grace-seconds",
        type=float,
        default=3600,
        help="ignore objects and files younger than this, which may belong to "
        "writes in progress (default 3600; 0 when the server is stopped)",
    )


def run(config: Config, args: argparse.Namespace) -> int:
    from imageapi.app import make_command_services
    from imageapi.startup import prepare_checked

    services = make_command_services(prepare_checked(config))
    with counting("objects checked") as progress:
        report = services.integrity.check(
            repair=args.repair, grace_seconds=args.grace_seconds, progress=progress
        )
    for problem in report.problems:
        print(f"imageapi: {problem}")
    for job in report.unfinished_jobs:
        print(
            f"imageapi: unfinished job {job.id}: {job.kind} of image "
            f"{job.image_id}, {job.attempts} attempts so far"
        )
    if report.unfinished_jobs and args.repair:
        done = 0
        while services.jobs.run_next():
            done += 1
        say(f"{done} unfinished jobs run")
    elif report.unfinished_jobs:
        say(
            f"{len(report.unfinished_jobs)} unfinished jobs: a server runs them, "
            "or fsck --repair"
        )
    repaired = len(report.problems) - len(report.remaining)
    say(
        f"{report.objects_checked} objects checked, {len(report.problems)} "
        f"problems, {repaired} repaired, {len(report.remaining)} remain"
    )
    return 1 if report.remaining else 0
