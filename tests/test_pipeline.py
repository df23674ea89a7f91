"""The whole pipeline on the embedded default: local feeds -> SQLite -> Arabic alerts on the console."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import NewsBot
from bot.storage.models import Feed, Story
from tests.conftest import ROOT, Console, make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, atom, malformed_recoverable, not_a_feed, rdf, rss2

NOW = datetime.now(UTC)


def items(prefix: str, n: int, *, start: int = 0, title: str = "خبر عادي عن الطقس") -> list[Item]:
    return [Item(title=f"{title} {i}", link=f"https://{prefix}.example/news/{i}", summary="تفاصيل الخبر",
                 published=NOW - timedelta(minutes=i)) for i in range(start, start + n)]


async def feed_row(bot: NewsBot, key: str) -> Feed:
    async with bot.db.read() as conn:
        return (await conn.execute(select(Feed.__table__).where(Feed.key == key))).one()


def setup_feeds(tmp_path: Path, server: FeedServer) -> dict[str, list[Item]]:
    """Five sources: RSS 2.0, Atom, RSS 1.0 in windows-1256, a broken but recoverable feed, an HTML page."""
    content = {
        "rss": items("rss", 3),
        "atom": items("atom", 3),
        "cp1256": items("cp1256", 3),
        "broken": items("broken", 3),
    }
    server.add_feed("/rss.xml", rss2(content["rss"]))
    server.add_feed("/atom.xml", atom(content["atom"]), content_type="application/atom+xml")
    # Encoding declared only in the XML prolog, not in HTTP.
    server.add_feed("/cp1256.xml", rdf(content["cp1256"], encoding="windows-1256"), content_type="application/rdf+xml")
    server.add_feed("/broken.xml", malformed_recoverable(content["broken"]))
    server.add_feed("/page.html", not_a_feed(), content_type="text/html; charset=utf-8")
    write_config(tmp_path / "config", [
        {"id": "rss", "url": server.url("/rss.xml"), "name": "مصدر RSS"},
        {"id": "atom", "url": server.url("/atom.xml"), "name": "مصدر أتوم"},
        {"id": "cp1256", "url": server.url("/cp1256.xml"), "name": "مصدر بترميز عربي"},
        {"id": "broken", "url": server.url("/broken.xml"), "name": "مصدر معطوب"},
        {"id": "page", "url": server.url("/page.html"), "name": "صفحة عادية"},
    ])
    return content


def publish(server: FeedServer, content: dict[str, list[Item]], extra: dict[str, Item]) -> None:
    builders = {"rss": ("/rss.xml", lambda it: rss2(it)), "atom": ("/atom.xml", lambda it: atom(it)),
                "cp1256": ("/cp1256.xml", lambda it: rdf(it, encoding="windows-1256")),
                "broken": ("/broken.xml", lambda it: malformed_recoverable(it))}
    for key, item in extra.items():
        content[key] = [item, *content[key]]
        path, build = builders[key]
        server.set_body(path, build(content[key]))


async def test_new_matching_stories_alert_once_across_cycles_and_restarts(tmp_path: Path, feed_server: FeedServer):
    content = setup_feeds(tmp_path, feed_server)
    settings = make_settings(tmp_path)
    console = Console()
    bot = NewsBot(settings, console=True, stdout=console, http=False)
    try:
        first = await bot.poll_once(timeout=10)
        # First sight of every feed: existing items are recorded, not alerted.
        assert console.alerts() == []
        assert first.new_stories == 12
        page = await feed_row(bot, "page")
        assert page.failure_count == 1 and "not a feed" in page.last_error

        publish(feed_server, content, {
            "rss": Item("قمة النّاتو تبحث وقف إطلاق النار في أوكرانيا", "https://rss.example/news/nato?utm_source=rss",
                        "<p>قال الأمين العام لحلف شمال الأطلسي إن &lt;الحلف&gt; مستعد.</p>", published=NOW),
            "atom": Item("Putin says Black Sea talks will continue", "https://atom.example/news/putin",
                         "The Kremlin confirmed the meeting.", published=NOW),
            "cp1256": Item("زيلينسكي يزور كييف بعد الهدنة", "https://cp1256.example/news/z", "تفاصيل", published=NOW),
            "broken": Item("ترامب يعلّق على البحر الأسود", "https://broken.example/news/t", "", published=NOW),
        })
        await bot.poll_once(timeout=10)
        alerts = console.alerts()
        assert len(alerts) == 4, alerts
        nato = next(a for a in alerts if "النّاتو" in a)
        assert "وقف إطلاق النار" in nato and "حلف الناتو" in nato and "#وقف_إطلاق_النار" in nato
        assert "مصدر RSS" in nato and "سبب التنبيه" in nato and "https://rss.example/news/nato" in nato
        assert "<الحلف>" in nato  # an escaped entity in the feed stays literal text
        assert any("Putin says Black Sea" in a and "بوتين" in a for a in alerts)
        assert any("زيلينسكي يزور كييف" in a for a in alerts)  # windows-1256 decoded right
        assert any("ترامب يعلّق" in a for a in alerts)  # recovered from broken markup
        page = await feed_row(bot, "page")
        assert page.failure_count == 2 and "HTML page" in page.last_error

        # Next cycle: nothing changed, nothing alerts, unchanged feeds answer 304.
        feed_server.reset_stats()
        await bot.poll_once(timeout=10)
        assert len(console.alerts()) == 4
        for path in ("/rss.xml", "/atom.xml", "/cp1256.xml", "/broken.xml"):
            assert feed_server.statuses[path] == [304], path
            assert feed_server.requests[path][0].get("If-None-Match")
    finally:
        await bot.stop()

    # A restart on the same database alerts nothing again.
    console2 = Console()
    bot2 = NewsBot(settings, console=True, stdout=console2, http=False)
    try:
        await bot2.poll_once(timeout=10)
        assert console2.alerts() == []
    finally:
        await bot2.stop()


async def test_same_story_from_two_feeds_and_old_stories(tmp_path: Path, feed_server: FeedServer):
    a, b = items("a", 2), items("b", 2)
    feed_server.add_feed("/a.xml", rss2(a))
    feed_server.add_feed("/b.xml", rss2(b))
    write_config(tmp_path / "config", [{"id": "a", "url": feed_server.url("/a.xml"), "name": "أ"},
                                       {"id": "b", "url": feed_server.url("/b.xml"), "name": "ب"}])
    console = Console()
    bot = NewsBot(make_settings(tmp_path), console=True, stdout=console, http=False)
    try:
        await bot.poll_once(timeout=10)
        shared = "https://wire.example/story/1"
        feed_server.set_body("/a.xml", rss2([Item("الناتو يعقد قمة طارئة", shared + "?utm_medium=a", published=NOW), *a]))
        feed_server.set_body("/b.xml", rss2([
            Item("الناتو يعقد قمة طارئة اليوم", shared + "#top", published=NOW),
            Item("قمة قديمة لحلف الناتو", "https://b.example/old", published=NOW - timedelta(days=5)),
            *b,
        ]))
        await bot.poll_once(timeout=10)
        alerts = console.alerts()
        assert len(alerts) == 1, alerts
        async with bot.db.read() as conn:
            old = (await conn.execute(select(Story.state).where(Story.link == "https://b.example/old"))).scalar_one()
        assert old == "old"  # recorded, not alerted
    finally:
        await bot.stop()


async def test_backfill_alerts_newest_items_on_first_sight(tmp_path: Path, feed_server: FeedServer):
    feed_server.add_feed("/a.xml", rss2([
        Item("الناتو والبحر الأسود", "https://a.example/1", published=NOW),
        Item("الناتو مرة أخرى", "https://a.example/2", published=NOW - timedelta(hours=1)),
    ]))
    write_config(tmp_path / "config", [{"id": "a", "url": feed_server.url("/a.xml")}])
    console = Console()
    bot = NewsBot(make_settings(tmp_path, backfill=1), console=True, stdout=console, http=False)
    try:
        await bot.poll_once(timeout=10)
        alerts = console.alerts()
        assert len(alerts) == 1 and "الناتو والبحر الأسود" in alerts[0]
    finally:
        await bot.stop()


async def test_newsbot_run_prints_alerts_and_stops_cleanly(tmp_path: Path, feed_server: FeedServer):
    feed_server.add_feed("/a.xml", rss2([Item("وقف إطلاق النار يدخل حيز التنفيذ", "https://a.example/cf",
                                              published=NOW)]))
    write_config(tmp_path / "config", [{"id": "a", "url": feed_server.url("/a.xml"), "name": "المصدر"}])
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "NEWSBOT_CONFIG_DIR": str(tmp_path / "config"),
           "NEWSBOT_BACKFILL": "1", "PORT": "0", "PYTHONPATH": str(ROOT)}
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", "run", env=env, cwd=tmp_path,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        out = b""
        deadline = asyncio.get_running_loop().time() + 30
        while "وقف إطلاق النار يدخل".encode() not in out:
            assert asyncio.get_running_loop().time() < deadline, out.decode()
            chunk = await asyncio.wait_for(proc.stdout.read(4096), timeout=30)
            assert chunk, (out + await proc.stderr.read()).decode()
            out += chunk
        proc.send_signal(signal.SIGTERM)
        rest, err = await asyncio.wait_for(proc.communicate(), timeout=30)
        assert proc.returncode == 0, err.decode()
        text = (out + rest).decode()
        assert text.count("وقف إطلاق النار يدخل") == 1
        assert "#وقف_إطلاق_النار" in text
        assert b"Traceback" not in err
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


@pytest.mark.parametrize("value", ["5", "0", "-1"])
def test_poll_interval_below_ten_is_refused(tmp_path: Path, value: str):
    import subprocess

    env = {**os.environ, "NEWSBOT_POLL_INTERVAL": value, "PYTHONPATH": str(ROOT)}
    res = subprocess.run([sys.executable, "-m", "bot", "poll-once"], env=env, cwd=tmp_path, capture_output=True,
                         text=True, timeout=60)
    assert res.returncode == 2
    assert "NEWSBOT_POLL_INTERVAL" in res.stderr and "at least 10" in res.stderr
    assert "Traceback" not in res.stderr
