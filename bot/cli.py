"""`refleks`: run the bot, run one tick, migrate, lint content, and administer.

Importing aiogram takes seconds on small machines, so only the commands that talk to Telegram
(run, demo, webhook, tick) import it, and they do so lazily.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import traceback
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.cli_args import CliError, Parser
from bot.config import ConfigError, load_settings
from bot.logs import hide_secrets, redact

EXIT_USAGE = 2
EXIT_FAILURE = 1


def parse_instant(text: str) -> datetime:
    try:
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date and time (for example 2026-11-23T08:00+01:00)"
        ) from None
    if instant.tzinfo is None:
        from zoneinfo import ZoneInfo

        instant = instant.replace(tzinfo=ZoneInfo(load_settings().timezone))
    return instant.astimezone(UTC)


def build_parser() -> Parser:
    parser = Parser(prog="refleks", description=__doc__.splitlines()[0] if __doc__ else None)
    commands = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    commands.add_parser("run", help="poll Telegram and run the clock (no BOT_TOKEN: the demo)")
    demo = commands.add_parser("demo", help="a simulated school week on a local Bot API server")
    demo.add_argument("--days", type=int, default=5, help="school days to simulate (default 5)")
    demo.add_argument("--staff", type=int, default=6, help="simulated staff members (default 6)")
    demo.add_argument("--quiet", action="store_true", help="print only the leader's summary")
    commands.add_parser("webhook", help="serve Telegram webhooks (production)")
    tick = commands.add_parser("tick", help="run one clock tick and exit")
    tick.add_argument("--at", type=parse_instant, help="as of this ISO date-time (default now)")

    db = commands.add_parser("db", help="database schema").add_subparsers(
        dest="db_command", required=True, parser_class=Parser
    )
    db.add_parser("upgrade", help="migrate the database to the latest schema")

    content = commands.add_parser("content", help="competence packages").add_subparsers(
        dest="content_command", required=True, parser_class=Parser
    )
    lint = content.add_parser("lint", help="validate package files (file:line: message)")
    lint.add_argument("paths", nargs="*", help="files or folders (default: the shipped ones)")
    content.add_parser("list", help="the packages and their modules")

    from bot.admin_cli import add_admin_commands

    add_admin_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Every line it prints on failure is redacted: an error may quote a URL with a token."""
    try:
        hide_secrets(_secrets_from_environment())
        args = build_parser().parse_args(argv)
        return dispatch(args)
    except CliError as error:
        print(redact(str(error)), file=sys.stderr)
        return EXIT_USAGE
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130
    except Exception as error:
        from content.loader import ContentError

        if isinstance(error, ContentError):
            print(
                f"the content does not load; fix it first (refleks content lint):\n{error}",
                file=sys.stderr,
            )
            return EXIT_USAGE
        print(redact(traceback.format_exc()), file=sys.stderr, end="")
        return EXIT_FAILURE


def _secrets_from_environment() -> tuple[str, ...]:
    """The secrets as set, before they are checked: a malformed token is hidden too."""
    named = ("BOT_TOKEN", "MORE_BOT_TOKENS", "WEBHOOK_SECRET")
    values = (os.environ.get(name, "") for name in named)
    return tuple(part.strip() for value in values for part in value.split(",") if part.strip())


def dispatch(args: argparse.Namespace) -> int:
    if args.command == "content":
        return content_command(args)
    if args.command == "admin":
        from bot.admin_cli import run_admin

        return run_admin(args)
    settings = load_settings()
    if args.command == "db":
        from storage.db import upgrade_sync

        upgrade_sync(settings.database_url)
        print(f"database is up to date: {safe_url(settings.database_url)}")
        return 0
    from bot import runtime

    if args.command == "tick":
        if not settings.bot_token:
            raise ConfigError("configuration error: BOT_TOKEN: a tick sends messages and needs it")
        return asyncio.run(runtime.tick_once(settings, args.at or datetime.now(UTC)))
    if args.command == "webhook":
        return asyncio.run(runtime.serve_webhook(settings))
    if args.command == "demo" or (args.command == "run" and not settings.bot_token):
        days = getattr(args, "days", 5)
        staff = getattr(args, "staff", 6)
        return asyncio.run(
            runtime.demo(settings, days=days, staff=staff, quiet=getattr(args, "quiet", False))
        )
    return asyncio.run(runtime.run_polling(settings))


def content_command(args: argparse.Namespace) -> int:
    from pathlib import Path

    if args.content_command == "lint":
        from content.lint import main as lint_main

        return lint_main([str(Path(p)) for p in args.paths])
    from content.loader import ContentError, load_packages

    try:
        catalogue = load_packages()
    except ContentError as error:
        print(error, file=sys.stderr)
        return 1
    for package in catalogue.values():
        steps = sum(len(module.steps) for module in package.modules)
        print(
            f"{package.id}: {package.package.title} ({len(package.modules)} modules, {steps} steps)"
        )
        for module in package.modules:
            print(f"  {module.number}: {module.title} ({len(module.steps)} steps)")
    return 0


def safe_url(url: str) -> str:
    """The database URL without its password, for logs and messages."""
    head, at, tail = url.rpartition("@")
    if not at:
        return url
    scheme, _, credentials = head.partition("://")
    user = credentials.split(":", 1)[0]
    return f"{scheme}://{user}@{tail}"


if __name__ == "__main__":
    raise SystemExit(main())
