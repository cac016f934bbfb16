"""``imageapi users``: list, create, disable, enable, set-password, set-role, delete."""

from __future__ import annotations

import argparse

from imageapi.commands.output import confirm
from imageapi.commands.output import fail
from imageapi.commands.output import read_password
from imageapi.commands.output import say
from imageapi.config import Config
from imageapi.domain import ImageQuery
from imageapi.domain import User
from imageapi.errors import ImageApiError

ROLES = ("user", "admin")
PAGE = 500
# An administrator acting from the command line is nobody's own account.
COMMAND_LINE = ""
# Ids never begin with "-" now (auth/tokens.py); older ones may.
USER_HELP = "email or id (an id that begins with '-' goes after --)"


def add_parser(commands: argparse._SubParsersAction) -> None:
    users = commands.add_parser("users", help="manage accounts")
    actions = users.add_subparsers(dest="users_command", required=True)
    actions.add_parser("list", help="every account: id, email, role, state")
    create = actions.add_parser(
        "create",
        help="create an account; the password is asked for, or read from stdin",
    )
    create.add_argument("email")
    create.add_argument("--admin", action="store_true", help="give it the admin role")
    for name, text in (
        ("disable", "refuse its logins, sessions and API keys from now on"),
        ("enable", "let a disabled account in again"),
        ("set-password", "new password, asked for or read from stdin"),
    ):
        actions.add_parser(name, help=text).add_argument("user", help=USER_HELP)
    role = actions.add_parser("set-role", help="make an account a user or an admin")
    role.add_argument("user", help=USER_HELP)
    role.add_argument("role", choices=ROLES)
    delete = actions.add_parser(
        "delete",
        help="delete an account with its images, derivatives, keys and objects",
    )
    delete.add_argument("user", help=USER_HELP)
    delete.add_argument("--yes", action="store_true", help="do not ask to confirm")


def run(config: Config, args: argparse.Namespace) -> int:
    from imageapi.app import make_command_services
    from imageapi.startup import prepare_checked

    config = prepare_checked(config)
    services = make_command_services(config)
    action = args.users_command
    try:
        if action == "list":
            return _list(services)
        if action == "create":
            return _create(services, args)
        user = services.admin.find_user(args.user)
        if action in ("disable", "enable"):
            changed = services.admin.update_user(
                COMMAND_LINE, user.id, {"disabled": action == "disable"}
            )
            say(f"{changed.email} is {'disabled' if changed.disabled else 'enabled'}")
        elif action == "set-role":
            changed = services.admin.update_user(
                COMMAND_LINE, user.id, {"role": args.role}
            )
            say(f"{changed.email} is now {changed.role}")
        elif action == "set-password":
            services.accounts.set_password(user.id, read_password())
            say(f"new password set for {user.email}")
        elif action == "delete":
            return _delete(services, user, args.yes)
    except (ImageApiError, ValueError) as exc:
        return fail(str(getattr(exc, "description", exc)))
    return 0


def _list(services) -> int:
    offset = 0
    while True:
        page = services.admin.list_users(PAGE, offset)
        for user in page:
            state = "disabled" if user.disabled else "active"
            print(f"{user.id}\t{user.email}\t{user.role}\t{state}")
        if len(page) < PAGE:
            return 0
        offset += PAGE


def _create(services, args) -> int:
    from imageapi.schemas.accounts import NewUser
    from imageapi.web.body import validate

    body = validate(NewUser, {"email": args.email, "password": read_password()})
    role = "admin" if args.admin else "user"
    user = services.accounts.register(body.email, body.password, role)
    say(f"created {user.role} {user.email} (id {user.id})")
    return 0


def _delete(services, user: User, yes: bool) -> int:
    if not yes and not confirm(
        f"Delete {user.email} and all of its images? This cannot be undone."
    ):
        return fail("not deleted (confirm, or pass --yes)")
    # Image by image, so each one's stored objects and derivatives go too.
    images = list(services.images.list_all(user.id, ImageQuery()))
    for image in images:
        services.images.delete(user.id, image.id)
    services.admin.delete_user(user.id)
    say(f"deleted {user.email} and {len(images)} images")
    return 0
