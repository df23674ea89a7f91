"""Polling policy: moved feeds, the intervals a feed asks for, backoff, disabling, concurrency."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import select, update

from bot.app import NewsBot
from bot.storage.models import Feed
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2

NOW = datetime.now(UTC)


def feed(n: int = 2, ttl: int | None = None) -> bytes:
    return rss2([Item(f"خبر {i}", f"https://p.example/{i}", published=NOW) for i in range(n)], ttl=ttl)


async def rows(bot: NewsBot) -> dict[str, Feed]:
    async with bot.db.read() as conn:
        return {r.key: r for r in (await conn.execute(select(Feed.__table__))).all()}


async def make_due(bot: NewsBot) -> None:
    async with bot.db.begin() as conn:
        await conn.execute(update(Feed).values(next_poll_at=datetime.now(UTC) - timedelta(seconds=1)))


async def test_moved_feed_and_intervals_the_feed_asks_for(tmp_path: Path, feed_server: FeedServer):
    feed_server.add_feed("/new.xml", feed())
    feed_server.add_permanent_redirect("/old.xml", feed_server.url("/new.xml"))
    feed_server.add_feed("/temp-target.xml", feed())
    feed_server.add_redirect("/temp.xml", feed_server.url("/temp-target.xml"), status=302)
    feed_server.add_cache_control("/cached.xml", feed(), max_age=900)
    feed_server.add_feed("/ttl.xml", feed(ttl=30))
    feed_server.add_feed("/fixed.xml", feed(ttl=30))
    feed_server.add_status("/busy.xml", 429, headers={"Retry-After": "1200"})
    write_config(tmp_path / "config", [
        {"id": "moved", "url": feed_server.url("/old.xml")},
        {"id": "temp", "url": feed_server.url("/temp.xml")},
        {"id": "cached", "url": feed_server.url("/cached.xml")},
        {"id": "ttl", "url": feed_server.url("/ttl.xml")},
        {"id": "fixed", "url": feed_server.url("/fixed.xml"), "interval": 45},
        {"id": "busy", "url": feed_server.url("/busy.xml")},
    ])
    bot = NewsBot(make_settings(tmp_path, poll_interval=120, max_feed_interval=3600), console=True, http=False)
    try:
        await bot.poll_once(timeout=5)
        r = await rows(bot)
        now = datetime.now(UTC)

        def interval(key: str) -> float:
            return (r[key].next_poll_at - now).total_seconds()

        assert r["moved"].url == feed_server.url("/new.xml")  # 301: the stored address follows
        assert r["temp"].url == feed_server.url("/temp.xml")  # 302: it does not
        assert 850 <= interval("cached") <= 950  # Cache-Control: max-age=900
        assert 1700 <= interval("ttl") <= 1900  # <ttl>30</ttl> minutes
        assert 40 <= interval("fixed") <= 50  # the configured interval wins over ttl
        assert interval("busy") >= 1150  # Retry-After honoured
        assert r["busy"].failure_count == 1 and "429" in r["busy"].last_error

        await make_due(bot)
        feed_server.reset_stats()
        await bot.poll_once(timeout=5)
        assert feed_server.hits["/old.xml"] == 0 and feed_server.hits["/new.xml"] == 1
    finally:
        await bot.stop()


async def test_backoff_then_disable_after_a_long_streak_with_ops_notices(tmp_path: Path, feed_server: FeedServer):
    feed_server.add_status("/down.xml", 503)
    feed_server.add_feed("/flaky.xml", feed())
    write_config(tmp_path / "config", [{"id": "down", "url": feed_server.url("/down.xml"), "name": "المعطّل"},
                                       {"id": "flaky", "url": feed_server.url("/flaky.xml"), "name": "المتقطع"}])
    settings = make_settings(tmp_path, failure_deactivate_after=4, ops_feed_failures=2, poll_interval=60)
    bot = NewsBot(settings, console=True, http=False)
    try:
        await bot.prepare()
        delays = []
        for _ in range(4):
            await make_due(bot)
            await bot.poller.run_once()
            r = await rows(bot)
            delays.append((r["down"].next_poll_at - datetime.now(UTC)).total_seconds())
        assert r["down"].enabled is False and "4 failures" in r["down"].disabled_reason
        # Exponential backoff with jitter (±20%): 60, 120, 240 seconds.
        for got, base in zip(delays, (60, 120, 240)):
            assert 0.75 * base <= got <= 1.25 * base, delays
        lines = list(bot.ops._lines)
        assert any("المعطّل" in ln and "2 محاولات" in ln for ln in lines), lines
        assert any("أُوقف المصدر" in ln and "المعطّل" in ln for ln in lines), lines

        # A feed that fails, then recovers: the recovery is reported once it had been reported failing.
        bot.ops._lines.clear()
        feed_server.add_status("/flaky.xml", 500)
        for _ in range(2):
            await make_due(bot)
            await bot.poller.run_once()
        feed_server.add_feed("/flaky.xml", feed())
        await make_due(bot)
        await bot.poller.run_once()
        r = await rows(bot)
        assert r["flaky"].failure_count == 0
        assert any("عاد المصدر" in ln and "المتقطع" in ln for ln in bot.ops._lines), bot.ops._lines
    finally:
        await bot.stop()


async def test_per_host_and_global_concurrency_are_bounded(tmp_path: Path, feed_server: FeedServer):
    state = {"now": 0, "peak": 0}
    body = feed()

    async def handler(_request: web.Request) -> web.Response:
        state["now"] += 1
        state["peak"] = max(state["peak"], state["now"])
        await asyncio.sleep(0.05)
        state["now"] -= 1
        return web.Response(body=body, content_type="application/rss+xml")

    for i in range(30):
        feed_server.add_handler(f"/h{i}.xml", handler)
    write_config(tmp_path / "config", [{"id": f"h{i}", "url": feed_server.url(f"/h{i}.xml")} for i in range(30)])
    bot = NewsBot(make_settings(tmp_path, fetch_per_host=3, fetch_per_host_max=3), console=True, http=False)
    try:
        await bot.poll_once(timeout=5)
        assert state["peak"] == 3  # one host (127.0.0.1): at most 3 at once, and they did overlap
        assert all(r.failure_count == 0 for r in (await rows(bot)).values())
    finally:
        await bot.stop()


@pytest.mark.parametrize(("status", "low", "high"), [
    (200, 4, 8),  # fast and clean: from 2 up, never past the maximum of 8
    (503, 1, 2),  # every answer an error: never more than the starting 2, cut down to 1
])
async def test_per_host_concurrency_adapts(tmp_path: Path, feed_server: FeedServer, status: int, low: int,
                                           high: int) -> None:
    state = {"now": 0, "peak": 0, "late_peak": 0, "served": 0}
    body = feed()

    async def handler(_request: web.Request) -> web.Response:
        state["now"] += 1
        state["served"] += 1
        state["peak"] = max(state["peak"], state["now"])
        if state["served"] > 30:
            state["late_peak"] = max(state["late_peak"], state["now"])
        await asyncio.sleep(0.05)
        state["now"] -= 1
        return web.Response(body=body if status == 200 else b"busy", status=status, content_type="application/rss+xml")

    for i in range(60):
        feed_server.add_handler(f"/a{i}.xml", handler)
    write_config(tmp_path / "config", [{"id": f"a{i}", "url": feed_server.url(f"/a{i}.xml")} for i in range(60)])
    bot = NewsBot(make_settings(tmp_path, fetch_per_host=2, fetch_per_host_max=8), console=True, http=False)
    try:
        await bot.poll_once(timeout=10)
        assert low <= state["peak"] <= high, state
        if status != 200:
            assert state["late_peak"] == 1, state  # after the first cuts, one request at a time
        metrics = bot.metrics.render().decode()  # what /metrics serves
        line = next(ln for ln in metrics.splitlines() if ln.startswith('newsbot_fetch_host_concurrency{host="127.0.0.1"}'))
        assert low <= float(line.split()[-1]) <= high, line
    finally:
        await bot.stop()
