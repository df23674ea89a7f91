"""Adaptive polling end to end: real polls of feeds publishing at different rates, the intervals they get,
kept over a 304, shown in /status and /metrics."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, update

from bot.app import NewsBot
from bot.commands.service import Context
from bot.storage.models import Feed
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2


def dated(n: int, every: timedelta, *, ago: timedelta = timedelta(0), name: str = "x") -> bytes:
    now = datetime.now(UTC)
    return rss2([Item(f"{name} {i}", f"https://p.example/{name}/{i}", published=now - ago - every * (i + 1))
                 for i in range(n)])


async def intervals(bot: NewsBot) -> dict[str, tuple[int | None, float]]:
    now = datetime.now(UTC)
    async with bot.db.read() as conn:
        rows = (await conn.execute(select(Feed.key, Feed.poll_interval, Feed.next_poll_at))).all()
    return {r.key: (r.poll_interval, (r.next_poll_at.replace(tzinfo=UTC) - now).total_seconds()) for r in rows}


async def test_feeds_are_paced_by_how_often_they_publish(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_feed("/wire.xml", dated(50, timedelta(minutes=6), name="wire"))  # 50 in 5 hours
    feed_server.add_feed("/blog.xml", dated(24, timedelta(hours=1), name="blog"))  # hourly
    feed_server.add_feed("/quiet.xml", dated(5, timedelta(days=1), ago=timedelta(days=10), name="quiet"))
    feed_server.add_feed("/undated.xml", rss2([Item("بلا تاريخ", "https://p.example/u/1")]))
    feed_server.add_feed("/ttl.xml", rss2([Item("t", "https://p.example/t/1", published=datetime.now(UTC))], ttl=30))
    write_config(tmp_path / "config", [
        {"id": "wire", "url": feed_server.url("/wire.xml"), "name": "الوكالة"},
        {"id": "blog", "url": feed_server.url("/blog.xml"), "name": "المدونة"},
        {"id": "quiet", "url": feed_server.url("/quiet.xml"), "name": "الهادئ"},
        {"id": "undated", "url": feed_server.url("/undated.xml"), "name": "بلا تواريخ"},
        {"id": "ttl", "url": feed_server.url("/ttl.xml"), "name": "بمهلة"},
    ])
    settings = make_settings(tmp_path, poll_interval=300, min_feed_interval=30, max_feed_interval=7200)
    bot = NewsBot(settings, console=True, http=False)
    try:
        await bot.poll_once(timeout=5)
        got = await intervals(bot)
        expected = {"wire": 90, "blog": 900, "quiet": 7200, "undated": 300, "ttl": 1800}  # four polls per usual gap
        for key, seconds in expected.items():
            stored, due_in = got[key]
            assert stored is not None and abs(stored - seconds) <= 2, (key, got[key])
            assert seconds * 0.94 - 2 <= due_in <= seconds * 1.06, (key, got[key])

        # All answer 304 next time: each feed keeps its pace.
        async with bot.db.begin() as conn:
            await conn.execute(update(Feed).values(next_poll_at=datetime.now(UTC) - timedelta(seconds=1)))
        feed_server.reset_stats()
        report = await bot.poll_once(timeout=5)
        assert report.not_modified == 5
        again = await intervals(bot)
        for key, seconds in expected.items():
            assert abs((again[key][0] or 0) - seconds) <= 2, (key, again[key])

        status = (await bot.commands.handle(Context("telegram", "1", "private", "1"), "/status")).plain_text()
        assert "فواصل الجلب" in status and "أقصرها دقيقة واحدة" in status and "وأطولها ساعتان" in status, status
        plain = status.replace("\u2067", "").replace("\u2069", "")  # the names' direction isolates
        assert "الأكثر جلباً: الوكالة (كل دقيقة واحدة)، بلا تواريخ (كل 5 دقائق)، المدونة (كل 15 دقيقة)" in plain, status

        metrics = bot.metrics.render().decode()
        assert 'newsbot_feed_poll_interval_seconds{feed="wire"} 90.0' in metrics
        assert 'newsbot_feed_poll_interval_seconds{feed="quiet"} 7200.0' in metrics
    finally:
        await bot.stop()


async def test_adaptive_polling_off_keeps_the_operator_pace(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_feed("/wire.xml", dated(50, timedelta(seconds=90), name="wire"))
    write_config(tmp_path / "config", [{"id": "wire", "url": feed_server.url("/wire.xml")}])
    bot = NewsBot(make_settings(tmp_path, poll_interval=300, min_feed_interval=30, adaptive_polling=False),
                  console=True, http=False)
    try:
        await bot.poll_once(timeout=5)
        assert (await intervals(bot))["wire"][0] == 300
    finally:
        await bot.stop()
