"""/sources: how this destination's feeds are doing (and the operator's, in the ops channel)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.alerts.arabic import format_relative, isolate
from bot.commands.context import Context, Deps, UsageError, Where, find_destination
from bot.commands.reasons import fetch_reason
from bot.commands.reply import Reply, bold, phrase
from bot.commands.texts import T
from bot.domain.freshness import is_silent, usual_gap
from bot.domain.states import FeedOrigin
from bot.domain.stories import cut_at_word
from bot.storage.records import SourceFreshness

__all__ = ["show_sources", "source_lines", "silent_sources"]

SHOWN = 40


def _ago(when: datetime | None, now: datetime) -> str:
    return T.SOURCES_AGO.format(age=format_relative((now - when).total_seconds())) if when else T.SOURCES_NEVER


def silent_sources(sources: Sequence[SourceFreshness], now: datetime) -> list[SourceFreshness]:
    """The enabled ones quiet for much longer than their own rhythm."""
    return [s for s in sources if s.enabled and is_silent(
        (now - s.last_story_at).total_seconds() if s.last_story_at else None, usual_gap(s.recent))]


def source_lines(sources: Sequence[SourceFreshness], now: datetime, default_interval: int) -> list[list[str]]:
    """One entry per feed: its line, then what is wrong with it (silence, the last error, a stop)."""
    out = []
    for s in sources[:SHOWN]:
        usual = usual_gap(s.recent)
        silent = s.enabled and is_silent((now - s.last_story_at).total_seconds() if s.last_story_at else None, usual)
        mark = "⛔" if not s.enabled else "⚠️" if s.failure_count else "🔇" if silent else "✅"
        entry = [T.SOURCES_LINE.format(mark=mark, name=isolate(cut_at_word(s.name, 60)),
                                       story=_ago(s.last_story_at, now), poll=_ago(s.last_success_at, now),
                                       interval=format_relative(s.interval or default_interval),
                                       failures=s.failure_count)]
        if silent and usual is not None:
            entry.append(T.SOURCES_SILENT.format(usual=format_relative(usual)))
        if not s.enabled:
            entry.append(T.SOURCES_DISABLED.format(reason=fetch_reason(s.disabled_reason)))
        elif s.failure_count and s.last_error:
            entry.append(T.SOURCES_ERROR.format(error=fetch_reason(s.last_error)))  # Arabic, with what to do
        out.append(entry)
    return out


async def show_sources(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Each feed: newest story and its age, last good poll, interval, failures in a row, last error, silence."""
    if args.strip():
        raise UsageError(T.NO_ARGS)
    if deps.sources is None:
        raise UsageError(T.OPS_UNAVAILABLE)
    now = deps.clock()
    dest = await find_destination(deps, ctx, where)
    own = [f.id for f in await deps.chats.feeds(dest.id)] if dest is not None else []
    reply = Reply()
    interval = deps.settings.poll_interval
    if own:
        mine = await deps.sources.freshness(feed_ids=own)
        reply.add(bold(T.SOURCES_HEADER.format(count=len(mine))))
        _add(reply, source_lines(mine, now, interval))
    operator = dest is not None and await deps.sources.is_ops(dest.id) and (
        ctx.chat_kind == "private" or (ctx.can_manage is not None and await ctx.can_manage(where.chat_id)))
    if operator:
        theirs = await deps.sources.freshness(origin=FeedOrigin.CONFIG)
        reply.add(bold(T.SOURCES_OPERATOR.format(count=len(theirs))))
        _add(reply, source_lines(theirs, now, interval))
    if not own and not operator:
        reply.add(*phrase(T.SOURCES_NONE))
    return reply


def _add(reply: Reply, entries: list[list[str]]) -> None:
    for first, *rest in entries:
        reply.add(first)
        for more in rest:
            reply.add("    ", more)
