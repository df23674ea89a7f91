"""WebSub end to end: a feed advertising a local hub double, the real bot (HTTP server, poller, ingest,
console alerts) subscribing, verifying intent and taking pushes; polling stays the fallback."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import NewsBot
from bot.feeds.parse import parse_feed
from bot.feeds.websub import hub_and_topic
from bot.storage.models import Story
from tests.conftest import Console, make_settings, write_config
from tests.fakes.feed_server import FeedServer
from tests.fakes.websub_hub import WebSubHub
from tests.support.waiting import wait_until


def wire(items: list[tuple[str, str]], hub: str, topic: str) -> bytes:
    when = datetime.now(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")
    body = "".join(f"<item><title>{t}</title><link>{u}</link><pubDate>{when}</pubDate></item>" for t, u in items)
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">'
            f'<channel><title>وكالة</title><link>https://wire.example/</link>'
            f'<atom:link rel="hub" href="{hub}"/><atom:link rel="self" type="application/rss+xml" href="{topic}"/>'
            f"{body}</channel></rss>").encode()


OLD = [("طقس معتدل في الرياض", "https://wire.example/1")]
NEW = [("الناتو يرحب بوقف إطلاق النار في البحر الأسود", "https://wire.example/2"), *OLD]
FORGED = [("الناتو يعلن وقف إطلاق النار مزيف", "https://wire.example/forged"), *NEW]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
async def hub() -> AsyncIterator[WebSubHub]:
    async with WebSubHub() as h:
        yield h


async def stories(bot: NewsBot) -> list[str]:
    async with bot.db.read() as conn:
        return sorted((await conn.execute(select(Story.url_key))).scalars())


async def test_a_pushed_item_alerts_once(tmp_path: Path, feed_server: FeedServer, hub: WebSubHub) -> None:
    topic = feed_server.url("/wire.xml")
    feed_server.add_feed("/wire.xml", wire(OLD, hub.url, topic))
    write_config(tmp_path / "config", [{"id": "wire", "url": topic}])
    port = free_port()
    console = Console()
    settings = make_settings(tmp_path, port=port, public_url=f"http://127.0.0.1:{port}",
                             websub_secret=SecretStr("websub-test-key"))
    bot = NewsBot(settings, console=True, stdout=console, http=True)
    try:
        await bot.start()
        # The first poll reads the hub link and subscribes; the hub checks intent against the bot's callback.
        sub = await wait_until(lambda: next(iter(hub.subscriptions.values()), None), 15, "a verified subscription",
                               detail=lambda: f"requests={hub.requests} verifications={hub.verifications}")
        form = hub.requests[0]
        assert form["hub.topic"] == topic and form["hub.callback"].startswith(f"http://127.0.0.1:{port}/websub/")
        assert form["hub.secret"] and int(form["hub.lease_seconds"]) > 0
        await wait_until(lambda: stories(bot), 10, "the first poll's stories")  # recorded, not alerted
        assert console.alerts() == []

        # A forged intent check for another topic on the same callback is refused.
        status, _ = await hub.check_intent(sub.callback, "https://evil.example/feed.xml")
        assert status == 404

        # The publisher updates; the hub pushes the new document (signed): one alert, no poll needed.
        polls = feed_server.hits["/wire.xml"]
        assert await hub.publish(topic, wire(NEW, hub.url, topic)) == [202]
        await wait_until(lambda: len(console.alerts()) >= 1, 15, "the pushed item's alert")
        assert feed_server.hits["/wire.xml"] == polls  # it came by push, not by a poll
        assert "الناتو يرحب بوقف إطلاق النار في البحر الأسود" in console.alerts()[0]

        # The same push again, and a push whose signature is wrong: acknowledged, nothing more.
        assert await hub.publish(topic, wire(NEW, hub.url, topic)) == [202]
        assert await hub.publish(topic, wire(FORGED, hub.url, topic), signature="sha256=" + "0" * 64) == [202]
        assert bot.websub is not None
        await wait_until(lambda: bot.websub is not None and bot.websub.pushes_accepted == 2
                         and bot.websub.pushes_refused == 1, 10, "both pushes handled")
        await bot.tick(force=True)  # a poll of the unchanged feed afterwards (the fallback path) adds nothing
        await asyncio.sleep(0.5)
        assert len(console.alerts()) == 1, console.alerts()
        assert await stories(bot) == ["https://wire.example/1", "https://wire.example/2"]

        # An unknown callback token is not ours.
        async with aiohttp.ClientSession() as s:
            async with s.post(f"http://127.0.0.1:{port}/websub/1/{'f' * 40}", data=b"x") as resp:
                assert resp.status == 404
    finally:
        await bot.stop()


async def test_without_a_public_url_the_feed_is_polled_only(tmp_path: Path, feed_server: FeedServer,
                                                             hub: WebSubHub) -> None:
    topic = feed_server.url("/wire.xml")
    feed_server.add_feed("/wire.xml", wire(OLD, hub.url, topic))
    write_config(tmp_path / "config", [{"id": "wire", "url": topic}])
    console = Console()
    bot = NewsBot(make_settings(tmp_path), console=True, stdout=console, http=True)
    try:
        assert bot.websub is None
        await bot.poll_once(timeout=10)
        feed_server.set_body("/wire.xml", wire(NEW, hub.url, topic))
        await bot.tick(force=True)
        assert len(console.alerts()) == 1 and hub.requests == []
    finally:
        await bot.stop()


@pytest.mark.parametrize(("doc", "headers", "expected"), [
    (b'<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom"><channel><title>t</title>'
     b'<atom:link href="/hub" rel="hub"/><item><title>x</title><link>https://e.org/1</link></item></channel></rss>',
     {}, ("https://feeds.example/hub", "https://feeds.example/f.xml")),
    (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><link rel="hub" href="https://hub.example/"/>'
     b'<link rel="self" href="https://feeds.example/atom"/></feed>', {}, ("https://hub.example/", "https://feeds.example/atom")),
    (b'<rss version="2.0"><channel><title>t</title></channel></rss>',
     {"link": '<https://hub.example/>; rel="hub", <https://feeds.example/self>; rel="self"'},
     ("https://hub.example/", "https://feeds.example/self")),
    (b'{"version": "https://jsonfeed.org/version/1.1", "items": [], "feed_url": "https://feeds.example/j.json", '
     b'"hubs": [{"type": "rssCloud", "url": "https://cloud.example/"}, {"type": "WebSub", "url": "https://hub.example/"}]}',
     {}, ("https://hub.example/", "https://feeds.example/j.json")),
    (b'<rss version="2.0"><channel><title>t</title><description><![CDATA[a]]></description></channel></rss>', {}, None),
])
def test_hub_discovery(doc: bytes, headers: dict[str, str], expected: tuple[str, str] | None) -> None:
    url = "https://feeds.example/f.xml"
    assert hub_and_topic(parse_feed(doc, "", url), headers, url) == expected
