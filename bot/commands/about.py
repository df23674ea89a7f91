"""What the bot is and how it is doing: /start, /help (read from the command table) and /status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from bot.alerts.arabic import format_datetime, isolate
from bot.alerts.plural import SOURCES, counted, elapsed, span
from bot.commands.context import Context, Deps, Where, find_destination, labels_of
from bot.commands.reasons import fetch_reason
from bot.commands.reply import Reply, bold, command, phrase
from bot.commands.texts import N, T
from bot.domain.states import OutboxState
from bot.storage.records import DestinationRef

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
    """Feeds (enabled, failing and why, last poll), this chat's own alerts; the whole queue for the ops chat only."""
    st = await deps.status()
    f, o = st.feeds, st.outbox
    reply = Reply().add(bold(T.STATUS_HEADER))
    failing = T.STATUS_FEEDS_FAILING.format(failing=counted(f.failing, N.FAILING)) if f.failing \
        else T.STATUS_FEEDS_ALL_OK
    disabled = T.STATUS_FEEDS_DISABLED.format(disabled=counted(f.disabled, N.DISABLED)) if f.disabled else ""
    reply.add("📡 ", T.STATUS_FEEDS.format(enabled=counted(f.enabled, N.ENABLED), failing=failing, disabled=disabled))
    last = f.last_poll
    when = f"{format_datetime(last, deps.settings.tz)} " \
           f"({T.STATUS_AGO.format(elapsed=elapsed((st.now - last).total_seconds()))})" if last else T.STATUS_NEVER
    reply.add("⏱️ ", T.STATUS_LAST_POLL.format(when=when))
    operator = await deps.chats.is_ops_chat(ctx.platform, ctx.chat_id)
    if operator:  # the whole bot's queue: other chats' activity, for the operator only
        parts = _alert_counts(o.count(OutboxState.SENT), o.count(OutboxState.FAILED, OutboxState.GONE), o.pending)
        if o.pending:
            parts[-1] += f" ({T.STATUS_OLDEST.format(elapsed=elapsed(o.oldest_age))})"
        reply.add("📬 ", T.STATUS_QUEUE.format(parts="، و".join(parts)))
    if f.intervals is not None:
        iv = f.intervals
        reply.add("⏲️ ", T.STATUS_INTERVALS.format(shortest=span(iv.shortest, nominative=True),
                                                    median=span(iv.median, nominative=True),
                                                    longest=span(iv.longest, nominative=True)))
        fastest = "، ".join(f"{isolate(name)} ({T.STATUS_EVERY.format(interval=span(sec))})"
                           for name, sec in iv.fastest)
        reply.add("🔁 ", T.STATUS_FASTEST.format(feeds=fastest))
    dest = await find_destination(deps, ctx, where)
    own = {x.name for x in await deps.chats.feeds(dest.id)} if dest else set()
    shown = [x for x in f.failing_feeds if operator or not x.key.startswith("chat-") or x.name in own][:5]
    if shown:
        reply.add("⚠️ ", bold(T.STATUS_FAILING))
        for x in shown:
            reply.add(T.STATUS_FAILING_FEED.format(name=isolate(x.name), reason=fetch_reason(x.last_error),
                                                   attempts=counted(x.failure_count, N.ATTEMPTS)))
    return await _this_chat(deps, reply, dest)


def _alert_counts(sent: int, failed: int, pending: int) -> list[str]:
    parts = [counted(sent, N.SENT)]
    if failed:
        parts.append(counted(failed, N.FAILED))
    if pending:
        parts.append(counted(pending, N.PENDING))
    return parts


async def _this_chat(deps: Deps, reply: Reply, dest: DestinationRef | None) -> Reply:
    """What this chat follows, whether its alerts flow, and how many it got: its own figures only."""
    reply.add("💬 ", bold(T.STATUS_HERE))
    subs = [s for s in await deps.chats.subscriptions(dest.id) if s in deps.index.builtins] if dest else []
    terms = await deps.chats.terms(dest.id) if dest else []
    if dest is None or (not subs and not terms):
        return reply.add(*phrase(T.STATUS_HERE_NOTHING))
    if subs:
        reply.add(T.WATCHLIST_TOPICS.format(labels=labels_of(deps, subs)))
    if terms:
        reply.add(T.STATUS_HERE_TERMS.format(count=counted(len(terms), N.TERMS)))
    n_feeds = await deps.chats.feed_count(dest.id)
    if n_feeds:
        reply.add(T.STATUS_HERE_FEEDS.format(count=counted(n_feeds, SOURCES)))
    if not dest.enabled:
        reply.add(*phrase(T.WATCHLIST_PAUSED))
    elif dest.muted_until and dest.muted_until > deps.clock():
        reply.add(T.WATCHLIST_MUTED.format(until=format_datetime(dest.muted_until, deps.settings.tz)))
    else:
        reply.add(T.STATUS_HERE_ACTIVE)
    mine = await deps.chats.activity(dest.id)
    parts = _alert_counts(mine.get(OutboxState.SENT, 0),
                          mine.get(OutboxState.FAILED, 0) + mine.get(OutboxState.GONE, 0),
                          mine.get(OutboxState.PENDING, 0))
    return reply.add("📬 ", T.STATUS_HERE_ALERTS.format(parts="، و".join(parts)))
