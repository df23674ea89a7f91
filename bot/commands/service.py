"""The command core: Invocation -> checks -> settings change -> Reply. Both platforms call it.

Adapters translate their updates into a ``Context`` and render the ``Reply``.
Every rule — limits, permissions, validation, Arabic wording — lives in this
package once: this module routes and checks; the handler groups
(subscriptions, terms, feeds) change settings.
"""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from datetime import datetime

import structlog

from bot.alerts.arabic import format_datetime, format_relative, isolate, isolate_ltr
from bot.commands.context import ChatTarget, Context, TargetError, Where
from bot.commands.feeds import FeedCommands
from bot.commands.parse import Invocation, parse_command
from bot.commands.reply import Reply, Span, bold, line
from bot.commands.subscriptions import DEFAULT_TOPICS, SubscriptionCommands
from bot.commands.terms import TermCommands
from bot.commands.texts import COMMANDS, T
from bot.domain.states import OutboxState
from bot.domain.text import normalize
from bot.feeds.fetch import Fetcher
from bot.ops.status import StatusSnapshot
from bot.pipeline.watchindex import WatchIndex
from bot.settings import Settings
from bot.storage.chats_repo import ChatsRepo
from bot.storage.feeds_repo import FeedsRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["CommandService", "Context", "ChatTarget", "TargetError", "DEFAULT_TOPICS"]

log = structlog.get_logger(__name__)

MUTATING = {"subscribe", "unsubscribe", "watch", "unwatch", "mute", "unmute", "addfeed", "removefeed"}
TARGETABLE = MUTATING | {"watchlist", "feeds"}


class CommandService(SubscriptionCommands, TermCommands, FeedCommands):
    def __init__(self, settings: Settings, chats: ChatsRepo, feeds: FeedsRepo, stories: StoriesRepo,
                 index: WatchIndex, *, fetcher: Fetcher, clock: Callable[[], datetime],
                 status: Callable[[], Awaitable[StatusSnapshot]]) -> None:
        self.settings = settings
        self.chats, self.feeds, self.stories, self.index = chats, feeds, stories, index
        self.fetcher = fetcher
        self.clock = clock
        self.status_source = status
        self._recent: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        # "/subscribe الناتو" works as well as "/subscribe nato": labels and plain terms name lists too.
        self._labels: dict[str, str] = {}
        for w in index.builtins.values():
            for t in w.terms:
                if not t.near and "*" not in t.text:
                    self._labels.setdefault(normalize(t.text), w.id)
        for w in index.builtins.values():
            self._labels[normalize(w.label)] = w.id

    # ------------------------------------------------------------ entry
    async def handle(self, ctx: Context, text: str, *, slash_optional: bool = False) -> Reply | None:
        """Answer one command message; None when the text is not a command at all."""
        inv = parse_command(text, slash_optional=slash_optional)
        if not inv.name:
            return None
        if not self._allow(ctx):
            return Reply(error=True).add(T.RATE_LIMITED)
        try:
            return await self._dispatch(ctx, inv)
        except Exception as exc:  # noqa: BLE001 - the user gets a clean answer; the log gets the details
            log.error("command_failed", command=inv.name, platform=ctx.platform, chat=ctx.chat_id,
                      error=repr(exc), exc_info=True)
            return Reply(error=True).add(T.INTERNAL)

    async def action(self, ctx: Context, action: str) -> Reply:
        """A button press (Telegram callback / Slack block action)."""
        if not self._allow(ctx):
            return Reply(error=True).add(T.RATE_LIMITED)
        try:
            kind, _, arg = action.partition(":")
            if kind != "toggle" or arg not in self.index.builtins:
                return Reply(error=True).add(T.UNKNOWN)
            if not await self._may_manage(ctx, ctx.chat_id):
                return Reply(error=True).add(T.NOT_ADMIN)
            where = self._here(ctx)
            dest = await self._ensure(ctx, where)
            subs = set(await self.chats.subscriptions(dest.id))
            label = self.index.builtins[arg].label
            if arg in subs:
                await self.chats.unsubscribe(dest.id, [arg])
                what = T.TOPIC_TOGGLED_OFF.format(label=label)
            else:
                await self.chats.subscribe(dest.id, [arg], self.clock())
                what = T.TOPIC_TOGGLED_ON.format(label=label)
            reply = await self._topics_reply(dest.id)
            reply.changed = True
            reply.note = what
            return reply
        except Exception as exc:  # noqa: BLE001
            log.error("action_failed", action=action[:64], error=repr(exc), exc_info=True)
            return Reply(error=True).add(T.INTERNAL)

    def _allow(self, ctx: Context) -> bool:
        """Per-user sliding window: commands_per_minute in any 60 seconds."""
        key = (ctx.platform, ctx.user_id)
        now = time.monotonic()
        q = self._recent[key]
        while q and now - q[0] > 60:
            q.popleft()
        if len(q) >= self.settings.commands_per_minute:
            return False
        q.append(now)
        if len(self._recent) > 10000:
            for k in [k for k, v in self._recent.items() if not v or now - v[-1] > 60][:5000]:
                del self._recent[k]
        return True

    async def _may_manage(self, ctx: Context, chat_id: str) -> bool:
        if ctx.chat_kind == "private" and chat_id == ctx.chat_id:
            return True
        if ctx.can_manage is None:
            return False
        return await ctx.can_manage(chat_id)

    def _here(self, ctx: Context) -> Where:
        return Where(ctx.chat_id, ctx.chat_kind, ctx.thread_id, ctx.chat_title, "")

    async def _dispatch(self, ctx: Context, inv: Invocation) -> Reply:
        handler = getattr(self, f"_cmd_{inv.name}", None)
        if inv.name not in COMMANDS or handler is None:
            return self._unknown(inv.name)
        args = inv.args
        where = self._here(ctx)
        if inv.name in TARGETABLE and args.startswith("@"):
            target_ref, _, args = args.partition(" ")
            args = args.strip()
            if ctx.resolve_target is None:
                return Reply(error=True).add(T.TARGET_UNSUPPORTED)
            if ctx.chat_kind != "private":
                return Reply(error=True).add(T.TARGET_ONLY_PRIVATE)
            try:
                target = await ctx.resolve_target(target_ref)
            except TargetError as exc:
                text = {"not_channel": T.TARGET_NOT_CHANNEL, "bot_not_admin": T.TARGET_BOT_NOT_ADMIN}.get(
                    exc.code, T.TARGET_BAD)
                return Reply(error=True).add(text.format(target=isolate(target_ref)))
            if not await self._may_manage(ctx, target.chat_id):
                return Reply(error=True).add(T.NOT_ADMIN_TARGET.format(target=isolate(target_ref)))
            where = Where(target.chat_id, target.kind, 0, target.title, target_ref)
        elif inv.name in MUTATING and not await self._may_manage(ctx, ctx.chat_id):
            return Reply(error=True).add(T.NOT_ADMIN)
        reply: Reply = await handler(ctx, where, args)
        if reply.changed and where.label:
            reply.lines.insert(0, line(bold(isolate(where.label))))
        return reply

    def _unknown(self, name: str) -> Reply:
        reply = Reply(error=True).add(T.UNKNOWN)
        reply.add(T.COMMANDS_HEADER)
        for cmd, (desc, usage) in COMMANDS.items():
            reply.add(Span(isolate_ltr(usage)), f" — {desc}")
        return reply

    async def _cmd_start(self, ctx: Context, where: Where, args: str) -> Reply:
        return await self._cmd_help(ctx, where, args)

    async def _cmd_help(self, ctx: Context, where: Where, args: str) -> Reply:
        reply = Reply().add(T.INTRO).add(T.HOW).add(T.MATCHING).add(bold(T.COMMANDS_HEADER))
        for _name, (desc, usage) in COMMANDS.items():
            reply.add(Span(isolate_ltr(usage)), f" — {desc}")
        return reply

    async def _cmd_status(self, ctx: Context, where: Where, args: str) -> Reply:
        st = await self.status_source()
        f, o = st.feeds, st.outbox
        reply = Reply().add(bold(T.STATUS_HEADER))
        reply.add("📡 ", T.STATUS_FEEDS.format(enabled=f.enabled, failing=f.failing, disabled=f.disabled))
        last = f.last_poll
        when = f"{format_datetime(last, self.settings.tz)} (منذ {format_relative((st.now - last).total_seconds())})" \
            if last else T.STATUS_NEVER
        reply.add("⏱️ ", T.STATUS_LAST_POLL.format(when=when))
        reply.add("📬 ", T.STATUS_QUEUE.format(pending=o.pending, age=format_relative(o.oldest_age),
                                               sent=o.count(OutboxState.SENT),
                                               failed=o.count(OutboxState.FAILED, OutboxState.GONE)))
        if f.failing_feeds:
            names = "، ".join(f"{isolate(x.name)} ({x.failure_count})" for x in f.failing_feeds[:5])
            reply.add("⚠️ ", T.STATUS_FAILING.format(feeds=names))
        return reply
