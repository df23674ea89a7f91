"""The command core: Invocation -> checks -> settings change -> Reply. Both platforms call it.

Adapters translate their updates into a ``Context`` (who, where, and two
callbacks only they can answer: may this user manage that chat, and which
chat is "@channel") and render the ``Reply``. Every rule — limits,
permissions, validation, Arabic wording — lives here once.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections import defaultdict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog

from bot.alerts.arabic import format_datetime, format_relative, isolate, isolate_ltr
from bot.commands.parse import Invocation, parse_command
from bot.commands.reply import Button, Reply, Span, bold, line
from bot.commands.texts import COMMANDS, TERM_ERRORS, USAGE, T
from bot.domain.stories import canonical_url, cut_at_word
from bot.domain.text import normalize
from bot.domain.watchlists import TermError, custom_watchlist_id, parse_term, term_key
from bot.feeds.discovery import AddFeedError, inspect_feed
from bot.feeds.fetch import Fetcher
from bot.pipeline.preview import preview_term
from bot.pipeline.watchindex import CUSTOM_LABEL, WatchIndex
from bot.settings import Settings, parse_duration_seconds
from bot.storage.chats_repo import ChatsRepo, DestinationRef
from bot.storage.feeds_repo import FeedsRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["CommandService", "Context", "ChatTarget", "TargetError", "DEFAULT_TOPICS"]

log = structlog.get_logger(__name__)

DEFAULT_TOPICS = ("ceasefire", "black-sea", "nato")
MUTATING = {"subscribe", "unsubscribe", "watch", "unwatch", "mute", "unmute", "addfeed", "removefeed"}
TARGETABLE = MUTATING | {"watchlist", "feeds"}
MINE = ("mine", "قائمتي")
MAX_MUTE = 30 * 86400
PREVIEW_DAYS = 3
PREVIEW_SHOW = 5


class TargetError(Exception):
    """'@channel' could not be used; code: not_found | not_channel | bot_not_admin."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class ChatTarget:
    chat_id: str
    kind: str
    title: str | None = None


@dataclass(slots=True)
class Context:
    """Who sent a command, where, and what only the platform can tell us."""

    platform: str
    chat_id: str
    chat_kind: str  # private | group | supergroup | channel | slack
    user_id: str
    thread_id: int = 0
    chat_title: str | None = None
    user_name: str | None = None
    can_manage: Callable[[str], Awaitable[bool]] | None = None
    resolve_target: Callable[[str], Awaitable[ChatTarget]] | None = None


@dataclass(frozen=True, slots=True)
class _Where:
    """The destination a command acts on (this chat, or a channel named with @)."""

    chat_id: str
    kind: str
    thread_id: int
    title: str | None
    label: str  # how to name it in replies


class CommandService:
    def __init__(self, settings: Settings, chats: ChatsRepo, feeds: FeedsRepo, stories: StoriesRepo,
                 index: WatchIndex, *, fetcher: Fetcher, clock: Callable[[], datetime],
                 status: Callable[[], Awaitable[dict[str, Any]]]) -> None:
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

    def _here(self, ctx: Context) -> _Where:
        return _Where(ctx.chat_id, ctx.chat_kind, ctx.thread_id, ctx.chat_title, "")

    async def _ensure(self, ctx: Context, where: _Where) -> DestinationRef:
        return await self.chats.ensure_destination(ctx.platform, where.chat_id, where.kind,
                                                   thread_id=where.thread_id, title=where.title, now=self.clock())

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
            where = _Where(target.chat_id, target.kind, 0, target.title, target_ref)
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

    def _usage(self, name: str, message: str) -> Reply:
        return Reply(error=True).add(message).add(T.TRY.format(usage=isolate_ltr(USAGE[name])))

    # ------------------------------------------------------------ help
    async def _cmd_start(self, ctx: Context, where: _Where, args: str) -> Reply:
        return await self._cmd_help(ctx, where, args)

    async def _cmd_help(self, ctx: Context, where: _Where, args: str) -> Reply:
        reply = Reply().add(T.INTRO).add(T.HOW).add(T.MATCHING).add(bold(T.COMMANDS_HEADER))
        for _name, (desc, usage) in COMMANDS.items():
            reply.add(Span(isolate_ltr(usage)), f" — {desc}")
        return reply

    # ---------------------------------------------------- subscriptions
    def _resolve_ids(self, args: str) -> tuple[list[str], list[str]]:
        """Watchlist ids from ids or Arabic labels (comma or space separated)."""
        known, unknown = [], []
        raw = [p for p in re.split(r"[,\s،]+", args) if p]
        i = 0
        while i < len(raw):
            tok = raw[i]
            low = tok.lower()
            if low in self.index.builtins:
                known.append(low)
            elif low in MINE:
                known.append("mine")
            else:
                # Arabic labels have spaces ("حلف الناتو"): try the longest run that is a label.
                for j in range(min(len(raw), i + 5), i, -1):
                    wid = self._labels.get(normalize(" ".join(raw[i:j])))
                    if wid:
                        known.append(wid)
                        i = j - 1
                        break
                else:
                    unknown.append(tok)
            i += 1
        return list(dict.fromkeys(known)), unknown

    def _labels_of(self, ids: list[str]) -> str:
        return "، ".join(self.index.topic(i).label if i != "mine" else CUSTOM_LABEL for i in ids) or T.NONE

    def _valid_ids(self) -> str:
        return "، ".join(isolate_ltr(i) for i in self.index.builtins)

    async def _cmd_subscribe(self, ctx: Context, where: _Where, args: str) -> Reply:
        ids, unknown = self._resolve_ids(args) if args else (list(DEFAULT_TOPICS), [])
        ids = [i for i in ids if i == "mine" or i in self.index.builtins]
        if unknown:
            return self._usage("subscribe", T.UNKNOWN_IDS.format(ids="، ".join(isolate(u) for u in unknown),
                                                                valid=self._valid_ids()))
        dest = await self._ensure(ctx, where)
        was_enabled = dest.enabled
        real = [custom_watchlist_id(dest.id) if i == "mine" else i for i in ids]
        new = await self.chats.subscribe(dest.id, real, self.clock())
        shown = ["mine" if n.startswith("custom:") else n for n in new]
        reply = Reply(changed=bool(new) or not was_enabled)
        if new:
            reply.add("✅ ", T.SUBSCRIBED.format(labels=self._labels_of(shown)))
        else:
            reply.add(T.ALREADY.format(labels=self._labels_of(ids)))
        if not was_enabled:
            reply.add("▶️ استؤنفت التنبيهات في هذه المحادثة.")
        reply.note = T.SUBSCRIBED.format(labels=self._labels_of(shown or ids))
        return reply

    async def _cmd_unsubscribe(self, ctx: Context, where: _Where, args: str) -> Reply:
        ids, unknown = self._resolve_ids(args) if args else ([], [])
        if unknown:
            return self._usage("unsubscribe", T.UNKNOWN_IDS.format(ids="، ".join(isolate(u) for u in unknown),
                                                                  valid=self._valid_ids()))
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        if dest is None:  # nothing was ever set here: nothing to stop, nothing to store
            return Reply().add(T.ALREADY_PAUSED if not args else T.NOT_SUBSCRIBED.format(labels=self._labels_of(ids)))
        if not args:
            if not dest.enabled:
                return Reply().add(T.ALREADY_PAUSED)
            await self.chats.set_enabled(dest.id, False)
            return Reply(changed=True, note=T.PAUSED).add("⏸️ ", T.PAUSED)
        real = [custom_watchlist_id(dest.id) if i == "mine" else i for i in ids]
        removed = await self.chats.unsubscribe(dest.id, real)
        shown = ["mine" if r.startswith("custom:") else r for r in removed]
        if not removed:
            return Reply().add(T.NOT_SUBSCRIBED.format(labels=self._labels_of(ids)))
        text = T.UNSUBSCRIBED.format(labels=self._labels_of(shown))
        return Reply(changed=True, note=text).add(text)

    async def _cmd_topics(self, ctx: Context, where: _Where, args: str) -> Reply:
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        return await self._topics_reply(dest.id if dest else None)

    async def _topics_reply(self, dest_id: int | None) -> Reply:
        subs = set(await self.chats.subscriptions(dest_id)) if dest_id is not None else set()
        reply = Reply().add(bold(T.TOPICS_HEADER))
        row: list[Button] = []
        for wl in self.index.builtins.values():
            mark = T.TOPIC_ON if wl.id in subs else T.TOPIC_OFF
            reply.add(f"{mark} {wl.label} ", Span(isolate_ltr(f"({wl.id})")))
            row.append(Button(f"{mark} {wl.label}", f"toggle:{wl.id}"))
            if len(row) == 2:
                reply.buttons.append(row)
                row = []
        if row:
            reply.buttons.append(row)
        return reply

    # ------------------------------------------------------------ terms
    async def _cmd_watch(self, ctx: Context, where: _Where, args: str) -> Reply:
        try:
            key = term_key(args)
        except TermError as exc:
            return self._usage("watch", TERM_ERRORS.get(exc.code, TERM_ERRORS["empty"]))
        dest = await self._ensure(ctx, where)
        result = await self.chats.add_term(dest.id, args, key, ctx.user_id, self.clock(),
                                           limit=self.settings.max_terms_per_chat,
                                           own_list=custom_watchlist_id(dest.id))
        if result == "limit":
            return Reply(error=True).add(T.WATCH_LIMIT.format(limit=self.settings.max_terms_per_chat))
        if result == "exists":
            return Reply().add(T.WATCH_EXISTS.format(term=isolate(args)))
        await self.index.refresh()
        text = T.WATCH_ADDED.format(term=isolate(args))
        return Reply(changed=True, note=text).add("✅ ", text)

    async def _cmd_unwatch(self, ctx: Context, where: _Where, args: str) -> Reply:
        try:
            key = term_key(args)
        except TermError as exc:
            return self._usage("unwatch", TERM_ERRORS.get(exc.code, TERM_ERRORS["empty"]))
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        removed = await self.chats.remove_term(dest.id, key) if dest else None
        if removed is None:
            reply = Reply().add(T.UNWATCH_MISSING.format(term=isolate(args)))
            if dest:
                terms = await self.chats.terms(dest.id)
                if terms:
                    reply.add(T.WATCHLIST_TERMS.format(terms="، ".join(f"«{isolate(t)}»" for t in terms[:50])))
            return reply
        await self.index.refresh()
        text = T.UNWATCHED.format(term=isolate(removed))
        return Reply(changed=True, note=text).add("🗑️ ", text)

    async def _cmd_watchlist(self, ctx: Context, where: _Where, args: str) -> Reply:
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        if dest is None:
            return Reply().add(T.WATCHLIST_EMPTY)
        subs = await self.chats.subscriptions(dest.id)
        terms = await self.chats.terms(dest.id)
        builtin = [s for s in subs if s in self.index.builtins]
        if not builtin and not terms:
            return Reply().add(T.WATCHLIST_EMPTY)
        reply = Reply().add(bold(T.WATCHLIST_HEADER))
        reply.add(T.WATCHLIST_TOPICS.format(labels=self._labels_of(builtin)))
        if terms:
            reply.add(T.WATCHLIST_TERMS.format(terms="، ".join(f"«{isolate(t)}»" for t in terms)))
        if not dest.enabled:
            reply.add(T.WATCHLIST_PAUSED)
        if dest.muted_until and dest.muted_until > self.clock():
            reply.add(T.WATCHLIST_MUTED.format(until=format_datetime(dest.muted_until, self.settings.tz)))
        n_feeds = await self.chats.feed_count(dest.id)
        if n_feeds:
            reply.add(T.WATCHLIST_FEEDS.format(count=n_feeds))
        return reply

    async def _cmd_preview(self, ctx: Context, where: _Where, args: str) -> Reply:
        days = PREVIEW_DAYS
        m = re.search(r"(?:^|\s)--days\s+(\d{1,2})\s*$", args)
        if m:
            days = max(1, min(14, int(m.group(1))))
            args = args[:m.start()].strip()
        try:
            parse_term(args)
        except TermError as exc:
            return self._usage("preview", TERM_ERRORS.get(exc.code, TERM_ERRORS["empty"]))
        hits = await preview_term(self.stories, args, days=days, now=self.clock())
        if not hits:
            return Reply().add(T.PREVIEW_NONE.format(term=isolate(args), days=days))
        reply = Reply().add(bold(T.PREVIEW_HEADER.format(days=days, term=isolate(args), count=len(hits))))
        for hit in hits[:PREVIEW_SHOW]:
            title = cut_at_word(hit.story.title, 160)
            reply.add("• ", Span(isolate(title), href=hit.story.link or None), f" — {isolate(hit.story.feed_name)}")
            why = "، ".join(dict.fromkeys(f"«{isolate(m.surface)}»" for m in hit.matches))
            reply.add("   ", T.PREVIEW_WHY.format(why=why))
        return reply

    # ------------------------------------------------------------- mute
    async def _cmd_mute(self, ctx: Context, where: _Where, args: str) -> Reply:
        try:
            seconds = parse_duration_seconds(args) if re.fullmatch(r"\s*\d+(\.\d+)?\s*[smhdw]\s*", args or "") else -1
        except ValueError:
            seconds = -1
        if not 60 <= seconds <= MAX_MUTE:
            return self._usage("mute", T.MUTE_BAD)
        dest = await self._ensure(ctx, where)
        until = self.clock() + timedelta(seconds=seconds)
        await self.chats.set_muted(dest.id, until)
        text = T.MUTED.format(until=format_datetime(until, self.settings.tz))
        return Reply(changed=True, note=text).add(text)

    async def _cmd_unmute(self, ctx: Context, where: _Where, args: str) -> Reply:
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        if dest is None or dest.muted_until is None or dest.muted_until <= self.clock():
            if dest is not None and dest.muted_until is not None:
                await self.chats.set_muted(dest.id, None)
            return Reply().add(T.NOT_MUTED)
        await self.chats.set_muted(dest.id, None)
        return Reply(changed=True, note=T.UNMUTED).add(T.UNMUTED)

    # ----------------------------------------------------------- status
    async def _cmd_status(self, ctx: Context, where: _Where, args: str) -> Reply:
        st = await self.status_source()
        f, o = st["feeds"], st["outbox"]
        reply = Reply().add(bold(T.STATUS_HEADER))
        reply.add("📡 ", T.STATUS_FEEDS.format(enabled=f["enabled"], failing=f["failing"], disabled=f["disabled"]))
        last = f["last_poll"]
        when = f"{format_datetime(last, self.settings.tz)} (منذ {format_relative((st['now'] - last).total_seconds())})" \
            if last else T.STATUS_NEVER
        reply.add("⏱️ ", T.STATUS_LAST_POLL.format(when=when))
        by = o["by_state"]
        reply.add("📬 ", T.STATUS_QUEUE.format(pending=o["pending"], age=format_relative(o["oldest_age"]),
                                               sent=by.get("sent", 0), failed=by.get("failed", 0) + by.get("gone", 0)))
        if f["failing_feeds"]:
            names = "، ".join(f"{isolate(x['name'])} ({x['failure_count']})" for x in f["failing_feeds"][:5])
            reply.add("⚠️ ", T.STATUS_FAILING.format(feeds=names))
        return reply

    # ------------------------------------------------------------ feeds
    async def _cmd_addfeed(self, ctx: Context, where: _Where, args: str) -> Reply:
        url = args.strip().strip("<>")
        if not url:
            return self._usage("addfeed", T.FEED_BAD_URL)
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        if dest is not None and await self.chats.feed_count(dest.id) >= self.settings.max_feeds_per_chat:
            return Reply(error=True).add(T.FEED_LIMIT.format(limit=self.settings.max_feeds_per_chat))
        try:
            check = await inspect_feed(self.fetcher, url, trusted=False)
        except AddFeedError as exc:
            if exc.code == "bad_url":
                return self._usage("addfeed", T.FEED_BAD_URL)
            if exc.code == "blocked":
                return Reply(error=True).add("⛔ ", T.FEED_BLOCKED)
            if exc.code == "fetch":
                return Reply(error=True).add(T.FEED_FETCH_FAILED.format(reason=isolate(exc.detail)))
            return Reply(error=True).add(T.FEED_NOT_FEED)
        dest = await self._ensure(ctx, where)
        feed_url = check.url
        key = "chat-" + hashlib.sha256(canonical_url(feed_url).encode()).hexdigest()[:20]
        name = cut_at_word(check.title or (feed_url.split("/")[2] if "//" in feed_url else feed_url), 80)
        feed_id = await self.feeds.create_chat_feed(feed_url, name, key, self.clock())
        result = await self.chats.link_feed(dest.id, feed_id, ctx.user_id, self.clock(),
                                            limit=self.settings.max_feeds_per_chat)
        if result == "exists":
            return Reply().add(T.FEED_EXISTS)
        if result == "limit":
            return Reply(error=True).add(T.FEED_LIMIT.format(limit=self.settings.max_feeds_per_chat))
        text = T.FEED_ADDED.format(name=isolate(name))
        return Reply(changed=True, note=text).add("✅ ", text)

    async def _cmd_removefeed(self, ctx: Context, where: _Where, args: str) -> Reply:
        url = args.strip().strip("<>")
        if not url:
            return self._usage("removefeed", T.FEED_BAD_URL)
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        if dest is None:
            return Reply().add(T.FEED_MISSING)
        wanted = canonical_url(url)
        for f in await self.chats.feeds(dest.id):
            if wanted in (canonical_url(f.url), canonical_url(f.source_url)):
                await self.chats.unlink_feed(dest.id, f.id)
                await self.feeds.drop_orphan_chat_feed(f.id)
                text = T.FEED_REMOVED.format(name=isolate(f.name))
                return Reply(changed=True, note=text).add("🗑️ ", text)
        return Reply().add(T.FEED_MISSING)

    async def _cmd_feeds(self, ctx: Context, where: _Where, args: str) -> Reply:
        dest = await self.chats.find_destination(ctx.platform, where.chat_id, where.thread_id)
        rows = await self.chats.feeds(dest.id) if dest else []
        if not rows:
            return Reply().add(T.FEEDS_NONE)
        reply = Reply().add(bold(T.FEEDS_HEADER))
        for f in rows:
            state = f" {T.FEED_FAILING}" if f.failure_count else ""
            reply.add("• ", isolate(f.name), " — ", Span(isolate_ltr(f.source_url)), state)
        return reply
