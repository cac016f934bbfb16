"""The ``imageapi`` command: serve, migrate."""

from __future__ import annotations

import argparse
import sys

from imageapi.config import ConfigError
from imageapi.config import load_config


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = load_config(args.config)
        if args.command == "migrate":
            return _migrate(config)
        return _serve(config, args)
    except ConfigError as exc:
        print(f"imageapi: {exc}", file=sys.stderr)
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="imageapi", description=__doc__)
    parser.add_argument("--config", help="YAML file with settings (or IMAGEAPI_CONFIG)")
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("serve", help="serve the API with gunicorn (default)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int, help="worker processes (default: CPUs)")
    serve.add_argument("--reload", action="store_true", help="restart on code change")
    commands.add_parser("migrate", help="apply database migrations and exit")
    parser.set_defaults(
        command="serve", host=None, port=None, workers=None, reload=False
    )
    return parser


def _serve(config, args) -> int:
    from imageapi.app import prepare
    from imageapi.server import GunicornServer

    overrides = {
        key: value
        for key, value in (
            ("host", args.host),
            ("port", args.port),
            ("workers", args.workers),
        )
        if value is not None
    }
    if overrides:
        config = config.with_overrides(**overrides)
    config = prepare(config)
    GunicornServer(config, reload=args.reload).run()
    return 0


def _migrate(config) -> int:
    from imageapi.app import prepare

    prepare(config)
    print("imageapi: database is at the newest schema")
    return 0
