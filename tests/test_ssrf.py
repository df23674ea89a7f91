"""Feeds added from a chat can only reach public addresses: /addfeed to anything private is refused
with an Arabic explanation and nothing is fetched from there."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import NewsBot, build_fetcher
from bot.commands.service import Context
from bot.commands.texts import T
from bot.feeds.ssrf import is_public_address
from bot.storage.models import Feed
from tests.conftest import make_settings, write_config
from tests.fakes.dns import TableResolver
from tests.fakes.feed_server import FeedServer, Item, html_with_feed_link, rss2


@pytest.fixture
async def bot_and_server(tmp_path: Path, feed_server: FeedServer):
    feed_server.add_feed("/feed.xml", rss2([Item("خبر", "https://n.example/1")], title="أخبار اختبار"))
    feed_server.add_feed("/page.html", html_with_feed_link("/feed.xml"), content_type="text/html; charset=utf-8")
    write_config(tmp_path / "config", [])
    settings = make_settings(tmp_path)
    dns = TableResolver({
        "news.example.com": ["127.0.0.1"],  # stands in for a public web server (see public_hosts)
        "intranet.example": ["10.20.30.40"],
        "sneaky.example": ["127.0.0.1"],  # a name that resolves to loopback, where the feed server is
        "metadata.example": ["169.254.169.254"],
        "mapped.example": ["::ffff:127.0.0.1"],
    })
    fetcher = build_fetcher(settings, dns=dns, public_hosts=frozenset({"news.example.com"}))
    bot = NewsBot(settings, console=True, http=False, fetcher=fetcher)
    await bot.prepare()
    try:
        yield bot, feed_server, dns
    finally:
        await bot.stop()


def ctx() -> Context:
    return Context("telegram", "555", "private", "555")


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:{port}/feed.xml",
    "http://10.0.0.1/feed.xml",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::1]:{port}/feed.xml",
    "http://[::ffff:127.0.0.1]:{port}/feed.xml",
    "http://localhost:{port}/feed.xml",
    "http://127.1:{port}/feed.xml",
    "http://2130706433:{port}/feed.xml",
    "http://0x7f000001:{port}/feed.xml",
    "http://sneaky.example:{port}/feed.xml",
    "http://intranet.example/feed.xml",
    "http://metadata.example/latest/meta-data/",
    "http://mapped.example:{port}/feed.xml",
    "http://news.example.com:{port}/redirect-to-loopback",
    "http://news.example.com:{port}/redirect-to-name",
    "http://news.example.com:{port}/redirect-to-metadata",
])
async def test_private_addresses_are_refused_and_never_fetched(bot_and_server, url: str):
    bot, server, _dns = bot_and_server
    port = server.port
    server.add_redirect("/redirect-to-loopback", f"http://127.0.0.1:{port}/feed.xml")
    server.add_redirect("/redirect-to-name", f"http://sneaky.example:{port}/feed.xml")
    server.add_redirect("/redirect-to-metadata", "http://169.254.169.254/latest/meta-data/")
    server.reset_stats()
    reply = await bot.commands.handle(ctx(), f"/addfeed {url.format(port=port)}")
    text = reply.plain_text()
    assert T.FEED_BLOCKED in text, text
    assert server.hits["/feed.xml"] == 0  # nothing was fetched from the private address
    async with bot.db.read() as conn:
        assert (await conn.execute(select(Feed.id).where(Feed.origin == "chat"))).first() is None


async def test_public_feed_and_a_page_advertising_one_are_accepted(bot_and_server):
    bot, server, _dns = bot_and_server
    port = server.port
    reply = await bot.commands.handle(ctx(), f"/addfeed http://news.example.com:{port}/page.html")
    assert "أضفتُ المصدر" in reply.plain_text() and "أخبار اختبار" in reply.plain_text()
    async with bot.db.read() as conn:
        row = (await conn.execute(select(Feed.__table__).where(Feed.origin == "chat"))).one()
    assert row.url == f"http://news.example.com:{port}/feed.xml" and row.trusted is False
    listed = (await bot.commands.handle(ctx(), "/feeds")).plain_text()
    assert "أخبار اختبار" in listed
    removed = (await bot.commands.handle(ctx(), f"/removefeed http://news.example.com:{port}/feed.xml")).plain_text()
    assert "حذفتُ المصدر" in removed


async def test_chat_feed_that_later_moves_to_a_private_address_is_refused_at_poll_time(bot_and_server):
    bot, server, _dns = bot_and_server
    port = server.port
    assert "أضفتُ" in (await bot.commands.handle(ctx(), f"/addfeed http://news.example.com:{port}/feed.xml")).plain_text()
    await bot.tick(force=True)
    server.add_permanent_redirect("/feed.xml", f"http://127.0.0.1:{port}/other.xml")
    server.add_feed("/other.xml", rss2([Item("x", "https://n.example/2")]))
    server.reset_stats()
    await bot.tick(force=True)
    async with bot.db.read() as conn:
        row = (await conn.execute(select(Feed.__table__).where(Feed.origin == "chat"))).one()
    assert row.failure_count == 1 and "not allowed" in row.last_error
    assert server.hits["/other.xml"] == 0


async def test_dns_answers_are_checked_on_every_connection(tmp_path: Path, feed_server: FeedServer):
    """A name that answers public first and private later (rebinding) is refused the second time."""
    feed_server.add_feed("/feed.xml", rss2([Item("x", "https://n.example/1")]))
    settings = make_settings(tmp_path)
    dns = TableResolver({"rebind.example": ["127.0.0.1"]})
    fetcher = build_fetcher(settings, dns=dns, public_hosts=frozenset({"rebind.example"}))
    try:
        res = await fetcher.fetch(f"http://rebind.example:{feed_server.port}/feed.xml", trusted=False)
        assert res.status == 200
        # The answer changes; the guard sees the new answer (it is what aiohttp connects to).
        fetcher.guard.public_hosts = frozenset()  # the name is now an ordinary, untrusted one
        for session in fetcher._sessions.values():  # noqa: SLF001 - drop pooled connections and DNS cache
            await session.close()
        fetcher._sessions.clear()  # noqa: SLF001
        from bot.feeds.fetch import FetchError

        with pytest.raises(FetchError) as err:
            await fetcher.fetch(f"http://rebind.example:{feed_server.port}/feed.xml", trusted=False)
        assert err.value.kind == "blocked"
    finally:
        await fetcher.close()


@pytest.mark.parametrize("addr,public", [
    ("8.8.8.8", True), ("2001:4860:4860::8888", True), ("1.1.1.1", True),
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("100.64.0.1", False), ("169.254.169.254", False), ("0.0.0.0", False), ("255.255.255.255", False),
    ("224.0.0.1", False), ("240.0.0.1", False), ("192.0.2.1", False), ("198.18.0.1", False),
    ("::1", False), ("::", False), ("fe80::1", False), ("fc00::1", False), ("ff02::1", False),
    ("::ffff:127.0.0.1", False), ("::ffff:8.8.8.8", True), ("2002:7f00:1::1", False), ("2002:808:808::1", True),
    ("64:ff9b::a00:1", False), ("64:ff9b::808:808", True), ("2001::1", False), ("not-an-ip", False),
])
def test_address_policy(addr: str, public: bool):
    assert is_public_address(addr) is public
