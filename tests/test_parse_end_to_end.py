"""The parse path through the real bot: local feed server, real poller, SQLite, console alerts.

Each feed is first polled (its items recorded, no alert: backfill 0), then
gets one new item that matches a built-in watchlist: exactly one alert, with
the text read right, and a second poll of the same content alerts nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from bot.app import NewsBot
from bot.storage.models import Feed, Story
from tests.conftest import Console, make_settings, write_config
from tests.fakes.feed_server import FeedServer

NOW = datetime.now(UTC).replace(microsecond=0)
WHEN = NOW.strftime("%a, %d %b %Y %H:%M:%S GMT")


def json_feed(items: list[tuple[str, str, str]]) -> bytes:
    return json.dumps({"version": "https://jsonfeed.org/version/1.1", "title": "وكالة", "items": [
        {"id": url, "url": url, "title": title, "content_html": html, "date_published": NOW.isoformat()}
        for title, url, html in items]}, ensure_ascii=False).encode()


def rss_doc(items: list[tuple[str, str]], head: str = "") -> bytes:
    body = "".join(f"<item><title>{t}</title><link>{u}</link><pubDate>{WHEN}</pubDate></item>" for t, u in items)
    return (f'<?xml version="1.0" encoding="utf-8"?>{head}<rss version="2.0"><channel><title>وكالة</title>'
            f"<link>https://wire.example/</link>{body}</channel></rss>").encode()


async def _run(tmp_path: Path, feed_server: FeedServer, path: str, first: bytes, second: bytes,
               content_type: str) -> tuple[list[str], NewsBot]:
    feed_server.add_feed(path, first, content_type=content_type)
    write_config(tmp_path / "config", [{"id": "wire", "url": feed_server.url(path)}])
    console = Console()
    bot = NewsBot(make_settings(tmp_path), console=True, stdout=console, http=False)
    await bot.poll_once(timeout=10)
    assert console.alerts() == []
    feed_server.set_body(path, second)
    await bot.tick(force=True)
    await bot.tick(force=True)  # same content again: nothing new
    return console.alerts(), bot


async def _feed_row(bot: NewsBot) -> Feed:
    async with bot.db.read() as conn:
        return (await conn.execute(select(Feed.__table__))).one()


async def test_json_feed_new_item_alerts_once(tmp_path: Path, feed_server: FeedServer) -> None:
    old = [("خبر قديم عن الطقس", "https://wire.example/1", "<p>نص</p>")]
    new = [("الناتو يرحب بوقف إطلاق النار", "https://wire.example/2",
            "<p>بيان <b>الحلف</b> يذكر &lt;item&gt; في نصه</p>"), *old]
    alerts, bot = await _run(tmp_path, feed_server, "/feed.json", json_feed(old), json_feed(new),
                             "application/feed+json")
    try:
        assert len(alerts) == 1 and "الناتو يرحب بوقف إطلاق النار" in alerts[0]
        row = await _feed_row(bot)
        assert row.failure_count == 0
        async with bot.db.read() as conn:
            stories = (await conn.execute(select(Story.url_key, Story.title))).all()
        assert sorted(s.url_key for s in stories) == ["https://wire.example/1", "https://wire.example/2"]
    finally:
        await bot.stop()


async def test_entities_and_ampersands_reach_the_alert_and_the_identity(tmp_path: Path,
                                                                       feed_server: FeedServer) -> None:
    old = [("طقس &laquo;معتدل&raquo;", "https://wire.example/w?id=1&amp;lang=ar")]
    new = [("الناتو يقول &laquo;لا&raquo; للحرب", "https://wire.example/n?id=5&amp;lang=ar&amp;page=2"), *old]
    head = '<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'  # benign: must not get the feed refused
    alerts, bot = await _run(tmp_path, feed_server, "/feed.xml", rss_doc(old, head), rss_doc(new, head),
                             "application/rss+xml")
    try:
        assert len(alerts) == 1 and "الناتو يقول «لا» للحرب" in alerts[0]
        row = await _feed_row(bot)
        assert row.failure_count == 0 and row.enabled
        async with bot.db.read() as conn:
            keys = sorted((await conn.execute(select(Story.url_key))).scalars())
        assert keys == ["https://wire.example/n?id=5&lang=ar&page=2", "https://wire.example/w?id=1&lang=ar"]
    finally:
        await bot.stop()


def news_sitemap(items: list[tuple[str, str]]) -> bytes:
    urls = "".join(
        f"<url><loc>{u}</loc><news:news><news:publication><news:name>وكالة</news:name><news:language>ar"
        f"</news:language></news:publication><news:publication_date>{NOW.isoformat()}</news:publication_date>"
        f"<news:title>{t}</news:title></news:news></url>" for t, u in items)
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
            f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>').encode()


async def test_news_sitemap_new_item_alerts_once(tmp_path: Path, feed_server: FeedServer) -> None:
    old = [("طقس معتدل في الرياض", "https://wire.example/1")]
    new = [("الناتو يرحب بوقف إطلاق النار &laquo;فورًا&raquo;", "https://wire.example/2?a=1&amp;b=2"), *old]
    alerts, bot = await _run(tmp_path, feed_server, "/news-sitemap.xml", news_sitemap(old), news_sitemap(new),
                             "application/xml")
    try:
        assert len(alerts) == 1 and "الناتو يرحب بوقف إطلاق النار «فورًا»" in alerts[0]
        row = await _feed_row(bot)
        assert row.failure_count == 0
        async with bot.db.read() as conn:
            keys = sorted((await conn.execute(select(Story.url_key))).scalars())
        assert keys == ["https://wire.example/1", "https://wire.example/2?a=1&b=2"]
    finally:
        await bot.stop()
