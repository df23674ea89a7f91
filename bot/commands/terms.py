"""A chat's own terms (/watch, /unwatch, /watchlist) and /preview."""

from __future__ import annotations

import re

from bot.alerts.arabic import format_datetime, isolate
from bot.commands.context import CommandBase, Context, Where
from bot.commands.reply import Reply, Span, bold
from bot.commands.texts import T
from bot.domain.stories import cut_at_word
from bot.domain.watchlists import TermError, custom_watchlist_id, parse_term, term_key
from bot.pipeline.preview import preview_term

__all__ = ["TermCommands", "PREVIEW_DAYS", "PREVIEW_SHOW"]

PREVIEW_DAYS = 3
PREVIEW_SHOW = 5


def _quoted(terms: list[str]) -> str:
    return "، ".join(f"«{isolate(t)}»" for t in terms)


class TermCommands(CommandBase):
    async def _cmd_watch(self, ctx: Context, where: Where, args: str) -> Reply:
        try:
            key = term_key(args)
        except TermError as exc:
            return self._term_usage("watch", exc)
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

    async def _cmd_unwatch(self, ctx: Context, where: Where, args: str) -> Reply:
        try:
            key = term_key(args)
        except TermError as exc:
            return self._term_usage("unwatch", exc)
        dest = await self._find(ctx, where)
        removed = await self.chats.remove_term(dest.id, key) if dest else None
        if removed is None:
            reply = Reply().add(T.UNWATCH_MISSING.format(term=isolate(args)))
            if dest:
                terms = await self.chats.terms(dest.id)
                if terms:
                    reply.add(T.WATCHLIST_TERMS.format(terms=_quoted(terms[:50])))
            return reply
        await self.index.refresh()
        text = T.UNWATCHED.format(term=isolate(removed))
        return Reply(changed=True, note=text).add("🗑️ ", text)

    async def _cmd_watchlist(self, ctx: Context, where: Where, args: str) -> Reply:
        dest = await self._find(ctx, where)
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
            reply.add(T.WATCHLIST_TERMS.format(terms=_quoted(terms)))
        if not dest.enabled:
            reply.add(T.WATCHLIST_PAUSED)
        if dest.muted_until and dest.muted_until > self.clock():
            reply.add(T.WATCHLIST_MUTED.format(until=format_datetime(dest.muted_until, self.settings.tz)))
        n_feeds = await self.chats.feed_count(dest.id)
        if n_feeds:
            reply.add(T.WATCHLIST_FEEDS.format(count=n_feeds))
        return reply

    async def _cmd_preview(self, ctx: Context, where: Where, args: str) -> Reply:
        days = PREVIEW_DAYS
        m = re.search(r"(?:^|\s)--days\s+(\d{1,2})\s*$", args)
        if m:
            days = max(1, min(14, int(m.group(1))))
            args = args[:m.start()].strip()
        try:
            parse_term(args)
        except TermError as exc:
            return self._term_usage("preview", exc)
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
