"""A chat's own terms (/watch, /unwatch, /watchlist) and /preview."""

from __future__ import annotations

import re

from bot.alerts.arabic import format_datetime, isolate
from bot.commands.context import Context, Deps, Where, ensure_destination, find_destination, labels_of, term_usage
from bot.alerts.plural import PHRASES, counted
from bot.commands.address import addressee
from bot.commands.reply import Reply, Span, bold, note, phrase
from bot.commands.texts import T
from bot.domain.stories import cut_at_word
from bot.domain.watchlists import TermError, custom_watchlist_id, parse_term, term_key
from bot.pipeline.preview import preview_term

__all__ = ["PREVIEW_DAYS", "PREVIEW_SHOW", "watch", "unwatch", "show_watchlist", "preview"]

PREVIEW_DAYS = 3
PREVIEW_SHOW = 5


def _quoted(terms: list[str]) -> str:
    return "، ".join(f"«{isolate(t)}»" for t in terms)


async def watch(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Add a word or phrase to the chat's own list (spelling variants are one term)."""
    try:
        key = term_key(args)
    except TermError as exc:
        raise term_usage(exc) from exc
    dest = await ensure_destination(deps, ctx, where)
    result = await deps.chats.add_term(dest.id, args, key, ctx.user_id, deps.clock(),
                                       limit=deps.settings.max_terms_per_chat,
                                       own_list=custom_watchlist_id(dest.id))
    who = addressee(where)
    if result == "limit":
        limit = counted(deps.settings.max_terms_per_chat, PHRASES)
        return Reply(error=True).add(*phrase(T.WATCH_LIMIT, own=who.own, limit=limit))
    if result == "exists":
        return Reply().add(T.WATCH_EXISTS.format(term=isolate(args), own=who.own))
    await deps.index.refresh()
    text = T.WATCH_ADDED.format(term=isolate(args), own=who.own, gets=who.gets)
    return Reply(changed=True, note=note(T.NOTE_WATCH_ADDED, term=isolate(args))).add("✅ ", text)


async def unwatch(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Remove a term from the chat's own list; when it is not there, show what is."""
    try:
        key = term_key(args)
    except TermError as exc:
        raise term_usage(exc) from exc
    dest = await find_destination(deps, ctx, where)
    removed = await deps.chats.remove_term(dest.id, key) if dest else None
    if removed is None:
        reply = Reply().add(T.UNWATCH_MISSING.format(term=isolate(args), own=addressee(where).own))
        if dest:
            terms = await deps.chats.terms(dest.id)
            if terms:
                reply.add(T.WATCHLIST_TERMS.format(terms=_quoted(terms[:50])))
        return reply
    await deps.index.refresh()
    text = T.UNWATCHED.format(term=isolate(removed), own=addressee(where).own)
    return Reply(changed=True, note=note(T.NOTE_UNWATCHED, term=isolate(removed))).add("🗑️ ", text)


async def show_watchlist(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Everything the chat follows: watchlists, own terms, pause and mute, feed count."""
    dest = await find_destination(deps, ctx, where)
    if dest is None:
        return Reply().add(*phrase(T.WATCHLIST_EMPTY))
    subs = await deps.chats.subscriptions(dest.id)
    terms = await deps.chats.terms(dest.id)
    builtin = [s for s in subs if s in deps.index.builtins]
    if not builtin and not terms:
        return Reply().add(*phrase(T.WATCHLIST_EMPTY))
    reply = Reply().add(bold(T.WATCHLIST_HEADER))
    reply.add(T.WATCHLIST_TOPICS.format(labels=labels_of(deps, builtin)))
    if terms:
        reply.add(T.WATCHLIST_TERMS.format(terms=_quoted(terms)))
    if not dest.enabled:
        reply.add(*phrase(T.WATCHLIST_PAUSED))
    if dest.muted_until and dest.muted_until > deps.clock():
        reply.add(T.WATCHLIST_MUTED.format(until=format_datetime(dest.muted_until, deps.settings.tz)))
    n_feeds = await deps.chats.feed_count(dest.id)
    if n_feeds:
        reply.add(T.WATCHLIST_FEEDS.format(count=n_feeds))
    return reply


async def preview(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Which stored stories of the last days a term would have matched, and why."""
    days = PREVIEW_DAYS
    m = re.search(r"(?:^|\s)--days\s+(\d{1,2})\s*$", args)
    if m:
        days = max(1, min(14, int(m.group(1))))
        args = args[:m.start()].strip()
    try:
        parse_term(args)
    except TermError as exc:
        raise term_usage(exc) from exc
    hits = await preview_term(deps.stories, args, days=days, now=deps.clock())
    if not hits:
        return Reply().add(T.PREVIEW_NONE.format(term=isolate(args), days=days))
    reply = Reply().add(bold(T.PREVIEW_HEADER.format(days=days, term=isolate(args), count=len(hits))))
    for hit in hits[:PREVIEW_SHOW]:
        title = cut_at_word(hit.story.title, 160)
        reply.add("• ", Span(isolate(title), href=hit.story.link or None), f" — {isolate(hit.story.feed_name)}")
        why = "، ".join(dict.fromkeys(f"«{isolate(m.surface)}»" for m in hit.matches))
        reply.add("   ", T.PREVIEW_WHY.format(why=why))
    return reply
