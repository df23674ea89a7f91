"""WebSub (W3C, formerly PubSubHubbub): feeds that advertise a hub push their updates; polling stays the fallback.

When the bot has a public URL (``NEWSBOT_PUBLIC_URL``, or the origin of
``TELEGRAM_WEBHOOK_URL`` in webhook mode) and a polled document advertises a
hub (``<link rel="hub">``, a JSON Feed ``hubs`` entry or an HTTP ``Link``
header), the bot asks the hub to subscribe its callback
``/websub/<feed id>/<token>`` to the topic (the document's ``rel="self"``,
else the feed URL), with a secret. Then:

* **intent verification** (the hub's GET with ``hub.challenge``) is answered
  only for a token that is ours for that feed and topic (404 otherwise);
* **a push** (the hub's POST) is read up to the feed size cap, its
  ``X-Hub-Signature`` HMAC checked against the subscription's secret, and
  the document handed to the poller's store-and-alert path; a push with a
  missing or wrong signature is acknowledged (as the spec asks) and dropped.

Tokens and secrets are HMACs of the feed id and topic under one key
(``NEWSBOT_WEBSUB_SECRET``, random per process when unset), so every replica
sharing the key can check any callback without shared state. Polling never
stops: a hub that never verifies, lapses or dies changes nothing but
latency. Subscriptions are renewed when a poll finds the lease in its last
fifth. The subscription request goes through the fetcher (SSRF guard for
chat-added feeds, same time limits).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol
from urllib.parse import urljoin

import structlog
from aiohttp import web

from bot.feeds.fetch import Fetcher, FetchError
from bot.feeds.parse import NotAFeed, ParsedFeed
from bot.feeds.poller import Poller
from bot.settings import Settings
from bot.storage.records import FeedRecord

__all__ = ["WebSub", "hub_and_topic", "build_websub"]

log = structlog.get_logger(__name__)

_LINK_HEADER = re.compile(r"<([^<>]{1,2000})>\s*;([^,]{0,500})")
_REL = re.compile(r"""\brel\s*=\s*"?([^";,]{1,100})"?""", re.IGNORECASE)
_SIGNATURE = re.compile(r"^(sha1|sha256|sha384|sha512)=([0-9a-fA-F]{40,128})$")
LEASE_SECONDS = 5 * 24 * 3600
_RETRY = timedelta(minutes=10)  # a failed or unverified subscription is asked again after this


def hub_and_topic(parsed: ParsedFeed, headers: dict[str, str], feed_url: str) -> tuple[str, str] | None:
    """The hub and topic a fetched document advertises (document first, then the HTTP Link header)."""
    hub, topic = parsed.hub, parsed.self_url
    for m in _LINK_HEADER.finditer(headers.get("link", "")):
        rels = {r.lower() for rm in _REL.finditer(m.group(2)) for r in rm.group(1).split()}
        if "hub" in rels and not hub:
            hub = m.group(1).strip()
        elif "self" in rels and not topic:
            topic = m.group(1).strip()
    if not hub:
        return None
    return urljoin(feed_url, hub), urljoin(feed_url, topic) if topic else feed_url


@dataclass(slots=True)
class _Subscription:
    hub: str
    topic: str
    asked_at: datetime
    expires_at: datetime | None = None  # set once the hub verified our intent


class WebSub:
    """Subscribes feeds that advertise a hub and takes the hub's verifications and pushes."""

    def __init__(self, *, public_url: str, key: bytes, fetcher: Fetcher, clock: Callable[[], datetime],
                 accept: Callable[[int, bytes, str], Awaitable[int]], max_bytes: int) -> None:
        self.public_url = public_url.rstrip("/")
        self._key = key or secrets.token_bytes(32)
        self.fetcher, self.clock, self.accept, self.max_bytes = fetcher, clock, accept, max_bytes
        self._tasks: set[asyncio.Task[None]] = set()  # subscription requests in flight (the poll does not wait)
        self.subscriptions: dict[int, _Subscription] = {}
        self.pushes_accepted = 0
        self.pushes_refused = 0

    # ------------------------------------------------------------- subscribing
    def token(self, feed_id: int, topic: str) -> str:
        return hmac.new(self._key, f"callback\n{feed_id}\n{topic}".encode(), hashlib.sha256).hexdigest()[:40]

    def secret(self, token: str) -> str:
        return hmac.new(self._key, f"secret\n{token}".encode(), hashlib.sha256).hexdigest()

    def callback(self, feed_id: int, topic: str) -> str:
        return f"{self.public_url}/websub/{feed_id}/{self.token(feed_id, topic)}"

    def advertised(self, feed: FeedRecord, parsed: ParsedFeed, headers: dict[str, str]) -> None:
        """A poll read ``feed``: subscribe (or renew) when it advertises a hub."""
        found = hub_and_topic(parsed, headers, feed.url)
        if found is None:
            return
        hub, topic = found
        now = self.clock()
        sub = self.subscriptions.get(feed.id)
        if sub is not None and (sub.hub, sub.topic) == (hub, topic):
            if sub.expires_at is not None and sub.expires_at - now > timedelta(seconds=LEASE_SECONDS / 5):
                return  # verified, and far from expiring
            if sub.expires_at is None and now - sub.asked_at < _RETRY:
                return  # asked recently; the hub has not verified yet
        self.subscriptions[feed.id] = _Subscription(hub, topic, now)
        task = asyncio.get_running_loop().create_task(self._subscribe(feed, hub, topic))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _subscribe(self, feed: FeedRecord, hub: str, topic: str) -> None:
        token = self.token(feed.id, topic)
        form = {"hub.mode": "subscribe", "hub.topic": topic, "hub.callback": self.callback(feed.id, topic),
                "hub.lease_seconds": str(LEASE_SECONDS), "hub.secret": self.secret(token)}
        try:
            status = await self.fetcher.post_form(hub, form, trusted=bool(feed.trusted))
        except FetchError as exc:
            log.info("websub_subscribe_failed", feed=feed.key, hub=hub, error=exc.message)
            return
        if not 200 <= status < 300:
            log.info("websub_subscribe_refused", feed=feed.key, hub=hub, status=status)

    # ------------------------------------------------------------- the callback
    def _known(self, request: web.Request, topic: str | None, *, or_subscribed: bool) -> tuple[int, str] | None:
        """(feed id, topic) when the callback path carries our token for that feed and ``topic``.

        ``or_subscribed``: a push need not name its topic; the one we subscribed the feed to is tried too.
        An intent check must name the topic its token was made for.
        """
        try:
            feed_id = int(request.match_info["feed"])
        except (KeyError, ValueError):
            return None
        sub = self.subscriptions.get(feed_id)
        candidates = [t for t in (topic, sub.topic if sub and or_subscribed else None) if t]
        token = request.match_info.get("token", "")
        for t in candidates:
            if hmac.compare_digest(token, self.token(feed_id, t)):
                return feed_id, t
        return None

    async def verify(self, request: web.Request) -> web.Response:
        """The hub checks our intent: echo the challenge for a subscription we asked for."""
        q = request.query
        mode, topic, challenge = q.get("hub.mode", ""), q.get("hub.topic", ""), q.get("hub.challenge", "")
        known = self._known(request, topic, or_subscribed=False)
        if known is None or mode not in ("subscribe", "unsubscribe", "denied"):
            return web.Response(status=404, text="unknown subscription")
        feed_id, topic = known
        sub = self.subscriptions.get(feed_id)
        if mode == "denied":
            log.info("websub_denied", feed_id=feed_id, reason=q.get("hub.reason", "")[:200])
            self.subscriptions.pop(feed_id, None)
            return web.Response(text="")
        if mode == "unsubscribe" and sub is not None and sub.topic == topic:
            return web.Response(status=404, text="still wanted")  # we did not ask to leave
        if not challenge or len(challenge) > 1000:
            return web.Response(status=400, text="no challenge")
        if mode == "subscribe":
            try:
                lease = max(60, min(int(q.get("hub.lease_seconds", LEASE_SECONDS)), 365 * 24 * 3600))
            except ValueError:
                lease = LEASE_SECONDS
            hub = sub.hub if sub is not None else ""
            self.subscriptions[feed_id] = _Subscription(hub, topic, self.clock(),
                                                        self.clock() + timedelta(seconds=lease))
        return web.Response(text=challenge)

    async def push(self, request: web.Request) -> web.Response:
        """The hub delivers new content: checked, then stored and alerted like a poll's."""
        topic = None
        for m in _LINK_HEADER.finditer(request.headers.get("Link", "")):
            if "self" in {r.lower() for rm in _REL.finditer(m.group(2)) for r in rm.group(1).split()}:
                topic = m.group(1).strip()
        known = self._known(request, topic, or_subscribed=True)
        if known is None:
            return web.Response(status=404, text="unknown subscription")
        feed_id, topic = known
        body = bytearray()
        async for chunk in request.content.iter_chunked(64 * 1024):
            body += chunk
            if len(body) > self.max_bytes:
                return web.Response(status=413, text="too large")
        if not self._signed(bytes(body), request.headers.get("X-Hub-Signature", ""), self.token(feed_id, topic)):
            self.pushes_refused += 1
            log.warning("websub_push_unsigned", feed_id=feed_id)
            return web.Response(status=202, text="")  # acknowledged, ignored (WebSub 8: authenticated content)
        try:
            stored = await self.accept(feed_id, bytes(body), request.headers.get("Content-Type", ""))
        except NotAFeed as exc:
            log.info("websub_push_not_a_feed", feed_id=feed_id, error=str(exc)[:200])
            return web.Response(status=202, text="")
        self.pushes_accepted += 1
        log.info("websub_push", feed_id=feed_id, stored=stored)
        return web.Response(status=202, text="")

    def _signed(self, body: bytes, header: str, token: str) -> bool:
        m = _SIGNATURE.match(header.strip())
        if m is None:
            return False
        want = hmac.new(self.secret(token).encode(), body, m.group(1)).hexdigest()
        return hmac.compare_digest(want, m.group(2).lower())

    def register(self, add_route: Callable[[str, str, Callable[[web.Request], Awaitable[web.StreamResponse]]], None]) -> None:
        add_route("GET", "/websub/{feed}/{token}", self.verify)
        add_route("POST", "/websub/{feed}/{token}", self.push)


class _Routes(Protocol):
    def add_route(self, method: str, path: str,
                  handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> None: ...


def build_websub(settings: Settings, fetcher: Fetcher, poller: Poller, clock: Callable[[], datetime],
                 http: _Routes | None) -> WebSub | None:
    """WebSub when the bot has a public URL and an HTTP port (else None: polling only), hooked to the poller."""
    public = settings.websub_public_url
    if public is None or http is None:
        return None
    key = settings.websub_secret.get_secret_value().encode() if settings.websub_secret else b""
    websub = WebSub(public_url=public, key=key, fetcher=fetcher, clock=clock, accept=poller.accept_document,
                    max_bytes=settings.max_feed_bytes)
    poller.on_parsed = websub.advertised
    websub.register(http.add_route)
    return websub
