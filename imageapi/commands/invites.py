"""``imageapi invites create``: one-time registration codes."""

from __future__ import annotations

import argparse

from imageapi.config import Config


def add_parser(commands: argparse._SubParsersAction) -> None:
    invites = commands.add_parser(
        "invites", help="invite codes for auth.registration: invite"
    )
    actions = invites.add_subparsers(dest="invites_command", required=True)
    create = actions.add_parser("create", help="print new one-time invite codes")
    create.add_argument("--count", type=int, default=1, help="how many (default 1)")


def run(config: Config, args: argparse.Namespace) -> int:
    from imageapi.app import make_command_services
    from imageapi.startup import prepare_checked

    services = make_command_services(prepare_checked(config))
    for _ in range(max(args.count, 1)):
        # Only a hash is stored: this is the one time the code is shown.
        print(services.registration.create_invite())
    return 0
