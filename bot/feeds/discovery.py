"""Adding a feed from a chat: fetch it through the SSRF guard, accept a page that advertises one."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from bot.domain.sanitize import plain_text
from bot.errors import NewsbotError
from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.parse import NotAFeed, decode_document, parse_feed

__all__ = ["FeedLinkFinder", "inspect_feed", "FeedCheck", "AddFeedError"]

_FEED_TYPES = {"application/rss+xml", "application/atom+xml", "application/rdf+xml", "application/feed+json",
               "application/xml", "text/xml"}


class AddFeedError(NewsbotError):
    """Why a URL cannot be added: code is one of bad_url, blocked, fetch, not_feed.

    For ``blocked``, ``detail`` is the guard's reason code (``lookalike``, ``private_address``, ...).
    """

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail


@dataclass(frozen=True, slots=True)
class FeedCheck:
    url: str
    title: str
    entries: int


class FeedLinkFinder(HTMLParser):
    """Collects <link rel="alternate" type="application/rss+xml" href="..."> from a page."""

    def __init__(self, base: str) -> None:
        super().__init__(convert_charrefs=True)
        self.base = base
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag.lower() not in ("link", "a"):
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = a.get("rel", "").lower().split()
        kind = a.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in _FEED_TYPES and a.get("href"):
            url = urljoin(self.base, a["href"].strip())
            if urlsplit(url).scheme in ("http", "https") and url not in self.links:
                self.links.append(url)


def valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
        parts.hostname  # noqa: B018 - raises for a malformed bracketed host ("[０::１]")
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and len(url) <= 2000 and " " not in url


async def inspect_feed(fetcher: Fetcher, url: str, *, trusted: bool = False) -> FeedCheck:
    """The feed at ``url`` (or the one its page advertises), checked by fetching and parsing it."""
    if not valid_url(url):
        raise AddFeedError("bad_url")
    for attempt in range(2):
        try:
            res = await fetcher.fetch(url, trusted=trusted)
        except FetchError as exc:
            if exc.kind == "blocked":
                raise AddFeedError("blocked", exc.reason or "") from None
            raise AddFeedError("fetch", exc.message) from None
        try:
            # A chat can add any URL: a big document is parsed off the event loop.
            parsed = await asyncio.to_thread(parse_feed, res.body, res.content_type, res.url) \
                if len(res.body) > 128 * 1024 else parse_feed(res.body, res.content_type, res.url)
            return FeedCheck(res.url, plain_text(parsed.title).strip(), len(parsed.entries))
        except NotAFeed:
            if attempt:
                break
            text, _ = decode_document(res.body[:512 * 1024], res.content_type)
            finder = FeedLinkFinder(res.url)
            try:
                finder.feed(text)
            except Exception:  # noqa: BLE001 - a broken page simply advertises nothing
                pass
            if not finder.links:
                break
            url = finder.links[0]  # fetched below through the same guard as the page itself
    raise AddFeedError("not_feed")
