"""Printing for the command groups: results on stdout, problems on stderr."""

from __future__ import annotations

import getpass
import sys


def say(message: str) -> None:
    print(f"imageapi: {message}")


def fail(message: str) -> int:
    print(f"imageapi: {message}", file=sys.stderr)
    return 1


def confirm(question: str) -> bool:
    """Ask on a terminal; without one, the answer is no (use --yes)."""
    if not sys.stdin.isatty():
        return False
    return input(f"{question} [y/N] ").strip().lower() in ("y", "yes")


def read_password() -> str:
    """Prompt twice on a terminal; otherwise take the first line of stdin."""
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\r\n")
    password = getpass.getpass("Password: ")
    if getpass.getpass("Password again: ") != password:
        raise ValueError("the passwords differ")
    return password
