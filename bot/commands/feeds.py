"""A chat's own feeds: /addfeed (through the SSRF guard), /removefeed, /feeds."""

from __future__ import annotations

import hashlib

from bot.alerts.arabic import isolate, isolate_ltr
from bot.commands.context import CommandBase, Context, Where
from bot.commands.reply import Reply, Span, bold
from bot.commands.texts import T
from bot.domain.stories import canonical_url, cut_at_word
from bot.feeds.discovery import AddFeedError, inspect_feed

__all__ = ["FeedCommands"]


class FeedCommands(CommandBase):
    async def _cmd_addfeed(self, ctx: Context, where: Where, args: str) -> Reply:
        url = args.strip().strip("<>")
        if not url:
            return self._usage("addfeed", T.FEED_BAD_URL)
        dest = await self._find(ctx, where)
        if dest is not None and await self.chats.feed_count(dest.id) >= self.settings.max_feeds_per_chat:
            return Reply(error=True).add(T.FEED_LIMIT.format(limit=self.settings.max_feeds_per_chat))
        try:
            check = await inspect_feed(self.fetcher, url, trusted=False)
        except AddFeedError as exc:
            if exc.code == "bad_url":
                return self._usage("addfeed", T.FEED_BAD_URL)
            if exc.code == "blocked":
                return Reply(error=True).add("⛔ ", T.FEED_LOOKALIKE if exc.detail == "lookalike" else T.FEED_BLOCKED)
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

    async def _cmd_removefeed(self, ctx: Context, where: Where, args: str) -> Reply:
        url = args.strip().strip("<>")
        if not url:
            return self._usage("removefeed", T.FEED_BAD_URL)
        dest = await self._find(ctx, where)
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

    async def _cmd_feeds(self, ctx: Context, where: Where, args: str) -> Reply:
        dest = await self._find(ctx, where)
        rows = await self.chats.feeds(dest.id) if dest else []
        if not rows:
            return Reply().add(T.FEEDS_NONE)
        reply = Reply().add(bold(T.FEEDS_HEADER))
        for f in rows:
            state = f" {T.FEED_FAILING}" if f.failure_count else ""
            reply.add("• ", isolate(f.name), " — ", Span(isolate_ltr(f.source_url)), state)
        return reply
