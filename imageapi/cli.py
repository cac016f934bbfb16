"""The ``imageapi`` command: serve, migrate, config, and the command groups.

Command groups (users, ...) live in ``imageapi/commands/``, one module each;
this module only dispatches to them.
"""

from __future__ import annotations

import argparse
import sys
from importlib.metadata import version

from imageapi.commands import backup
from imageapi.commands import fingerprints
from imageapi.commands import fsck
from imageapi.commands import invites
from imageapi.commands import users
from imageapi.config import ConfigError
from imageapi.config import load_config_with_sources
from imageapi.startup import StartupError
from imageapi.startup import prepare_checked

COMMAND_GROUPS = {
    "users": users,
    "invites": invites,
    "fsck": fsck,
    "backup": backup,
    "restore": backup,
    "fingerprints": fingerprints,
}


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        loaded = load_config_with_sources(args.config)
        config = loaded.config
        if args.command == "config":
            from imageapi.config_listing import render

            print(render(loaded), end="")
            return 0
        if args.command == "migrate":
            return _migrate(config)
        if args.command in COMMAND_GROUPS:
            return COMMAND_GROUPS[args.command].run(config, args)
        return _serve(config, args)
    except ConfigError as exc:
        print(f"imageapi: {exc}", file=sys.stderr)
        return 2
    except StartupError as exc:
        print(f"imageapi: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imageapi", description=__doc__)
    parser.add_argument("--config", help="YAML file with settings (or IMAGEAPI_CONFIG)")
    parser.add_argument(
        "--version", action="version", version=f"imageapi {version('imageapi')}"
    )
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the API with granian (default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="worker processes (default: CPUs)")
    serve.add_argument("--reload", action="store_true", help="restart on code change")
    serve.add_argument(
        "--log-format", choices=("auto", "json", "text"), help="log_format setting"
    )
    commands.add_parser("migrate", help="apply database migrations and exit")
    commands.add_parser(
        "config",
        help="print the effective settings and where each came from (secrets masked)",
    )
    for group in dict.fromkeys(COMMAND_GROUPS.values()):
        group.add_parser(commands)
    parser.set_defaults(
        command="serve",
        host=None,
        port=None,
        workers=None,
        reload=False,
        log_format=None,
    )
    return parser


def _serve(config, args) -> int:
    from imageapi.app import release_job_claims
    from imageapi.server import serve

    overrides = {
        key: value
        for key, value in (
            ("host", args.host),
            ("port", args.port),
            ("workers", args.workers),
            ("log_format", args.log_format),
        )
        if value is not None
    }
    if overrides:
        config = config.with_overrides(**overrides)
    config = prepare_checked(config)
    release_job_claims(config)
    serve(config, reload=args.reload)
    return 0


def _migrate(config) -> int:
    prepare_checked(config)
    print("imageapi: the database schema is ready for this release")
    return 0
