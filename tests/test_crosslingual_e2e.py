"""One event in Arabic and in English: one alert, later edited to list the English outlet too; a
report of another event about the same actors stays an alert of its own."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import NewsBot
from tests.conftest import Console, make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2

NOW = datetime.now(UTC)


def also_line(alert: str) -> list[str]:
    m = re.search(r"وأوردته أيضاً: (.*)", alert)
    return [n.strip("\u2067\u2068\u2069\u200f ") for n in m.group(1).split("،")] if m else []


async def test_an_arabic_and_an_english_report_of_one_event_give_one_alert(tmp_path: Path,
                                                                           feed_server: FeedServer) -> None:
    feed_server.add_feed("/ar.xml", rss2([Item("بداية", "https://ar.example/start")]))
    feed_server.add_feed("/en.xml", rss2([Item("Start", "https://en.example/start")]))
    write_config(tmp_path / "config", [
        {"id": "ar", "url": feed_server.url("/ar.xml"), "name": "وكالة عربية", "language": "ar"},
        {"id": "en", "url": feed_server.url("/en.xml"), "name": "English Wire", "language": "en"}])
    console = Console()
    bot = NewsBot(make_settings(tmp_path, edit_delay=0), console=True, stdout=console, http=False)
    try:
        await bot.poll_once(timeout=10)  # first sight of both feeds
        feed_server.set_body("/ar.xml", rss2([
            Item("الجيش السوداني يستعيد السيطرة على القصر الرئاسي في الخرطوم", "https://ar.example/1",
                 published=NOW - timedelta(minutes=3))]))
        await bot.tick(force=True)
        [first] = console.alerts()
        assert "القصر الرئاسي" in first and also_line(first) == []

        feed_server.set_body("/en.xml", rss2([
            Item("Sudan's army retakes the presidential palace in Khartoum", "https://en.example/1",
                 published=NOW - timedelta(minutes=1)),
            Item("Sudan's RSF shells a hospital in El Fasher", "https://en.example/2", published=NOW)]))
        await bot.tick(force=True)
        await bot.tick(force=True)  # the edit falls due right after the copy is ingested
        alerts = console.alerts()
        edits = [a for a in alerts if a.startswith("(تحديث للتنبيه")]
        firsts = [a for a in alerts if not a.startswith("(تحديث للتنبيه")]
        assert len(firsts) == 2  # the palace (once, in Arabic) and the hospital (another event)
        assert not any("presidential palace" in a for a in firsts) and "El Fasher" in firsts[1]
        [edit] = edits
        assert "القصر الرئاسي" in edit and also_line(edit) == ["English Wire"]
    finally:
        await bot.stop()
