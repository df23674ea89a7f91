"""``newsbot export`` and ``newsbot import``: a chat's configuration as a file, for the operator.

The same code as /export and /import (``bot.commands.transfer``): the same YAML, the same
plan shown before anything changes, feeds added through /addfeed's SSRF-guarded path.
``import`` only shows the plan unless ``--yes`` is given.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

__all__ = ["register"]

PLATFORMS = ("telegram", "slack", "console")


def register(sub: Any) -> None:
    """Add the two subcommands to ``newsbot``'s parser."""
    e = sub.add_parser("export", help="a chat's configuration as YAML",
                       description="Lists, rules, exclusions, feeds and policy of one chat, as /export sends them.")
    e.add_argument("--platform", choices=PLATFORMS, required=True)
    e.add_argument("--chat", metavar="ID", required=True, help="Telegram chat id or Slack channel id")
    e.add_argument("--thread", type=int, default=0, help="forum topic id (default: the chat itself)")
    e.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    e.set_defaults(func=cmd_export)
    i = sub.add_parser("import", help="apply a YAML export or an OPML file of feeds to a chat",
                       description="Shows what would change; applies it only with --yes.")
    i.add_argument("file", help="YAML (from export) or OPML; '-' for stdin")
    i.add_argument("--platform", choices=PLATFORMS, required=True)
    i.add_argument("--chat", metavar="ID", required=True, help="Telegram chat id or Slack channel id")
    i.add_argument("--thread", type=int, default=0, help="forum topic id (default: the chat itself)")
    i.add_argument("--yes", action="store_true", help="apply the changes (default: only show them)")
    i.set_defaults(func=cmd_import)


async def _core(args: argparse.Namespace) -> tuple[Any, Any, Any, Any]:
    from bot.app import NewsBot
    from bot.commands.context import Context, Where
    from bot.settings import load_settings

    bot = NewsBot(load_settings(), console=False, http=False)
    await bot.prepare()
    dest = await bot.chats.find_destination(args.platform, args.chat, args.thread)
    if dest is None:
        await bot.stop()
        raise LookupError(f"no chat {args.chat!r} on {args.platform} (thread {args.thread}) has any settings")
    ctx = Context(args.platform, args.chat, dest.kind, "operator", thread_id=args.thread, chat_title=dest.title,
                  user_name="operator")
    where = Where(args.chat, dest.kind, args.thread, dest.title, "")
    return bot, bot.commands.deps, ctx, where


def cmd_export(args: argparse.Namespace) -> int:
    import asyncio

    from bot.commands import transfer
    from bot.domain.chat_config import dump_yaml

    async def main() -> str:
        bot, deps, ctx, where = await _core(args)
        try:
            cfg = await transfer.current_config(deps, ctx, where)
            assert cfg is not None
            return dump_yaml(cfg, title=where.title or where.chat_id)
        finally:
            await bot.stop()

    try:
        text = asyncio.run(main())
    except LookupError as exc:
        print(f"newsbot export: error: {exc.args[0]}", file=sys.stderr)
        return 2
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    import asyncio

    from bot.commands import transfer
    from bot.commands.reply import Reply
    from bot.domain.chat_config import ConfigError

    data = sys.stdin.buffer.read() if args.file == "-" else Path(args.file).read_bytes()

    async def main() -> tuple[str, int]:
        bot, deps, ctx, where = await _core(args)
        try:
            p = await transfer.plan_for(deps, ctx, where, data)
            shown = transfer.describe_plan(deps, p, Reply()).plain_text()
            if p.empty:
                return "nothing to change\n" + shown, 0
            if not args.yes:
                return shown + "\n(not applied: run again with --yes)", 0
            notes = await transfer.apply_plan(deps, ctx, where, p)
            return "\n".join([shown, "applied", *notes]), 1 if notes else 0
        finally:
            await bot.stop()

    try:
        text, status = asyncio.run(main())
    except LookupError as exc:
        print(f"newsbot import: error: {exc.args[0]}", file=sys.stderr)
        return 2
    except ConfigError as exc:
        print(f"newsbot import: error: {exc.message_ar}", file=sys.stderr)
        return 2
    print(text.replace("\u200f", ""))
    return status
