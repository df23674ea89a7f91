"""What the bot is and how it is doing: /start, /help (read from the command table) and /status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.alerts.arabic import format_datetime, format_relative, isolate
from bot.commands.context import Context, Deps, Where
from bot.commands.reply import Reply, bold, command, phrase
from bot.commands.texts import T
from bot.domain.states import OutboxState

if TYPE_CHECKING:
    from bot.commands.table import Command

__all__ = ["show_help", "show_status", "add_command_list"]


def add_command_list(reply: Reply, commands: Iterable[Command]) -> Reply:
    """One line per command: its usage, then what it does."""
    for cmd in commands:
        reply.add(command(cmd.name, cmd.usage, isolated=True), f" — {cmd.description}")
    return reply


async def show_help(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """What the bot does, how it matches, and every command; "/help watch": the rule language."""
    if args.strip().lstrip("/").lower() == "watch":
        out = Reply().add(bold(T.HELP_WATCH[0]))
        for text in T.HELP_WATCH[1:]:
            out.add(*phrase(text))
        return out
    reply = Reply().add(T.INTRO).add(*phrase(T.HOW)).add(T.MATCHING).add(*phrase(T.RULES_HINT))
    reply.add(bold(T.COMMANDS_HEADER))
    return add_command_list(reply, deps.commands.values())


async def show_status(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Feeds (enabled, failing, last poll) and the alert queue."""
    st = await deps.status()
    f, o = st.feeds, st.outbox
    reply = Reply().add(bold(T.STATUS_HEADER))
    reply.add("📡 ", T.STATUS_FEEDS.format(enabled=f.enabled, failing=f.failing, disabled=f.disabled))
    last = f.last_poll
    when = f"{format_datetime(last, deps.settings.tz)} (منذ {format_relative((st.now - last).total_seconds())})" \
        if last else T.STATUS_NEVER
    reply.add("⏱️ ", T.STATUS_LAST_POLL.format(when=when))
    reply.add("📬 ", T.STATUS_QUEUE.format(pending=o.pending, age=format_relative(o.oldest_age),
                                           sent=o.count(OutboxState.SENT),
                                           failed=o.count(OutboxState.FAILED, OutboxState.GONE)))
    if f.intervals is not None:
        iv = f.intervals
        reply.add("⏲️ ", T.STATUS_INTERVALS.format(shortest=format_relative(iv.shortest),
                                                    median=format_relative(iv.median),
                                                    longest=format_relative(iv.longest)))
        fastest = "، ".join(f"{isolate(name)} ({T.STATUS_EVERY.format(interval=format_relative(sec))})"
                           for name, sec in iv.fastest)
        reply.add("🔁 ", T.STATUS_FASTEST.format(feeds=fastest))
    if f.failing_feeds:
        names = "، ".join(f"{isolate(x.name)} ({x.failure_count})" for x in f.failing_feeds[:5])
        reply.add("⚠️ ", T.STATUS_FAILING.format(feeds=names))
    return reply
