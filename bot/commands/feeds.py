"""A chat's own feeds: /addfeed (through the SSRF guard), /removefeed, /feeds."""

from __future__ import annotations

import hashlib
import re

from bot.alerts.arabic import isolate, isolate_ltr
from bot.commands.address import addressee
from bot.commands.context import Context, Deps, UsageError, Where, ensure_destination, find_destination
from bot.commands.reasons import fetch_reason
from bot.commands.reply import Reply, Span, bold, note, phrase
from bot.commands.texts import T
from bot.domain.feed_names import chat_feed_id
from bot.domain.stories import canonical_url, cut_at_word
from bot.feeds.discovery import AddFeedError, inspect_feed
from bot.feeds.telegram import channel_name, preview_url

__all__ = ["feed_address", "add_feed", "remove_feed", "list_feeds"]

_HOSTLIKE = re.compile(r"[^\s/:@]+\.[^\s/:@]+(:\d{1,5})?(/|$)")


def feed_address(args: str) -> str:
    """The URL a user typed; "bbc.com/arabic" (no scheme) is read as https://bbc.com/arabic."""
    url = args.strip().strip("<>").strip()
    if url and "://" not in url and _HOSTLIKE.match(url):
        url = "https://" + url
    return url


async def add_feed(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Add a feed (RSS, Atom, JSON Feed, news sitemap, a page linking one, or a public Telegram channel)."""
    url = args.strip().strip("<>")
    if not url:
        raise UsageError(T.FEED_URL_MISSING)
    channel = channel_name(url)
    if channel is not None:  # @name, t.me/name or t.me/s/name: the channel's public web preview
        url = preview_url(channel, deps.settings.telegram_preview_url)
    elif url.startswith("@"):
        raise UsageError(T.FEED_BAD_CHANNEL.format(channel=isolate(url)))
    else:
        url = feed_address(url)  # "bbc.com/arabic" is https://bbc.com/arabic
    dest = await find_destination(deps, ctx, where)
    if dest is not None and await deps.chats.feed_count(dest.id) >= deps.settings.max_feeds_per_chat:
        return Reply(error=True).add(T.FEED_LIMIT.format(limit=deps.settings.max_feeds_per_chat))
    try:
        check = await inspect_feed(deps.fetcher, url, trusted=False)
    except AddFeedError as exc:
        if exc.code == "bad_url":
            raise UsageError(T.FEED_BAD_URL) from exc
        if exc.code == "blocked":
            return Reply(error=True).add("⛔ ", T.FEED_LOOKALIKE if exc.detail == "lookalike" else T.FEED_BLOCKED)
        if exc.code == "fetch":
            return Reply(error=True).add(T.FEED_FETCH_FAILED.format(reason=fetch_reason(exc.detail)))
        return Reply(error=True).add(T.FEED_NOT_FEED)
    dest = await ensure_destination(deps, ctx, where)
    feed_url = check.url
    key = "chat-" + hashlib.sha256(canonical_url(feed_url).encode()).hexdigest()[:20]
    name = cut_at_word(check.title or (feed_url.split("/")[2] if "//" in feed_url else feed_url), 80)
    feed_id = await deps.feeds.create_chat_feed(feed_url, name, key, deps.clock())
    result = await deps.chats.link_feed(dest.id, feed_id, ctx.user_id, deps.clock(),
                                        limit=deps.settings.max_feeds_per_chat)
    if result == "exists":
        return Reply().add(T.FEED_EXISTS)
    if result == "limit":
        return Reply(error=True).add(T.FEED_LIMIT.format(limit=deps.settings.max_feeds_per_chat))
    who = addressee(where)
    text = T.FEED_ADDED.format(name=isolate(name), gets=who.gets, follows=who.follows)
    reply = Reply(changed=True, note=note(T.NOTE_FEED_ADDED, name=isolate(name))).add("✅ ", text)
    fid = chat_feed_id(feed_url)
    if fid:  # what a rule's source: calls it (see bot.domain.feed_names)
        reply.add("   ", *phrase(T.FEED_ADDED_ID, id=isolate_ltr(f"source:{fid}"),
                                  example=isolate(f"source:{fid} + {T.FEED_ID_EXAMPLE}")))
    return reply


async def remove_feed(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """Remove a feed this chat added (named by its URL or the page it was found on)."""
    url = feed_address(args)
    if not url:
        raise UsageError(T.FEED_URL_MISSING)
    dest = await find_destination(deps, ctx, where)
    if dest is None:
        return Reply().add(T.FEED_MISSING)
    wanted = canonical_url(url)
    for f in await deps.chats.feeds(dest.id):
        if wanted in (canonical_url(f.url), canonical_url(f.source_url)):
            await deps.chats.unlink_feed(dest.id, f.id)
            await deps.feeds.drop_orphan_chat_feed(f.id)
            text = T.FEED_REMOVED.format(name=isolate(f.name))
            return Reply(changed=True, note=note(T.NOTE_FEED_REMOVED, name=isolate(f.name))).add("🗑️ ", text)
    return Reply().add(T.FEED_MISSING)


async def list_feeds(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
    """The feeds this chat added, failing ones marked."""
    dest = await find_destination(deps, ctx, where)
    rows = await deps.chats.feeds(dest.id) if dest else []
    if not rows:
        return Reply().add(*phrase(T.FEEDS_NONE))
    reply = Reply().add(bold(T.FEEDS_HEADER))
    for f in rows:
        state = f" {T.FEED_FAILING}" if f.failure_count else ""
        fid = chat_feed_id(f.source_url)
        shown = f" · {T.FEED_ID.format(id=isolate_ltr(f'source:{fid}'))}" if fid else ""
        reply.add("• ", isolate(f.name), " — ", Span(isolate_ltr(f.source_url)), shown, state)
    return reply
