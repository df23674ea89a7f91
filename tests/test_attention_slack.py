"""Attention end to end on Slack (issue 16): the real Bolt app over signed HTTP, the Slack API double,
real SQLite. `<!here>` only for urgent alerts in a channel that opted in (never from feed text), quiet
hours holding normal alerts, and a digest at a set time as one Block Kit message."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.adapters.slack.loudness import HERE
from tests.fakes.feed_server import FeedServer, Item
from tests.fakes.slack_api import FakeSlackAPI, Post, validate_blocks
from tests.test_attention_e2e import Clock
from tests.test_slack import NOW, all_text, command, fake, feeds, loopback_only, publish, running, slack_settings  # noqa: F401

LONDON = ZoneInfo("Europe/London")


def alerts(fake: FakeSlackAPI, channel: str = "C1") -> list[Post]:
    return [p for p in fake.posts_to(channel) if "سبب التنبيه" in all_text(p.blocks or [])]


def digests(fake: FakeSlackAPI, channel: str = "C1") -> list[Post]:
    return [p for p in fake.posts_to(channel) if "ملخص الأخبار" in (p.text or "")]


async def test_here_only_for_urgent_alerts_in_a_channel_that_opted_in(tmp_path: Path, fake: FakeSlackAPI,
                                                                     feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await command(bot, fake, "subscribe nato")
        reply = await command(bot, fake, "notify urgent here")
        assert "الحاضرين" in all_text(reply)
        await bot.tick(force=True, timeout=10)
        evil = "&lt;!here&gt; &lt;!channel&gt; @here"
        publish(feeds, Item(f"الناتو يناقش الميزانية {evil}", "https://wire.example/budget", published=NOW))
        await bot.tick(force=True, timeout=10)
        publish(feeds, Item("عاجل: الناتو يفعّل المادة الرابعة", "https://wire.example/art4", published=NOW),
                Item(f"الناتو يناقش الميزانية {evil}", "https://wire.example/budget", published=NOW))
        await bot.tick(force=True, timeout=10)
        await fake.wait_until(lambda: len(alerts(fake)) == 2)
        normal, urgent = alerts(fake)

    for post in (normal, urgent):
        assert validate_blocks(post.blocks) == []
    wire = json.dumps(normal.blocks, ensure_ascii=False) + (normal.text or "")
    assert "<!here>" not in wire and "<!channel>" not in wire  # feed text never mentions anyone
    assert (urgent.text or "").startswith(HERE)
    assert urgent.blocks[0]["text"] == {"type": "mrkdwn", "text": HERE}
    assert urgent.blocks[1]["text"]["text"].startswith("\u200f🔴 عاجل")
    assert json.dumps(urgent.blocks, ensure_ascii=False).count("<!here>") == 1


async def test_urgent_alerts_do_not_mention_without_the_opt_in(tmp_path: Path, fake: FakeSlackAPI,
                                                               feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await command(bot, fake, "subscribe nato")
        await command(bot, fake, "notify urgent")
        await bot.tick(force=True, timeout=10)
        publish(feeds, Item("BREAKING: NATO invokes Article 4 — الناتو", "https://wire.example/a4", published=NOW))
        await bot.tick(force=True, timeout=10)
        await fake.wait_until(lambda: len(alerts(fake)) == 1)
        [urgent] = alerts(fake)
    assert "<!here>" not in json.dumps(urgent.blocks) + (urgent.text or "")
    assert "🔴 عاجل" in all_text(urgent.blocks)


async def test_quiet_hours_then_one_digest_message_on_slack(tmp_path: Path, fake: FakeSlackAPI,
                                                            feeds: FeedServer) -> None:
    clock = Clock()
    start, end = clock.now - timedelta(minutes=10), clock.now + timedelta(minutes=50)
    async with running(slack_settings(tmp_path, fake), clock=clock) as bot:
        await command(bot, fake, "subscribe nato black-sea")
        await command(bot, fake, "timezone Europe/London")
        reply = await command(bot, fake, f"quiet {start.astimezone(LONDON):%H:%M}-{end.astimezone(LONDON):%H:%M}")
        assert "ساعات الهدوء" in all_text(reply)
        await bot.tick(force=True, timeout=10)
        now = datetime.now(UTC)
        publish(feeds, Item("وزراء دفاع الناتو يجتمعون في بروكسل", "https://wire.example/1", published=now),
                Item("سفن حربية في البحر الأسود قرب أوديسا", "https://wire.example/2", published=now))
        await bot.tick(force=True, timeout=10)
        assert alerts(fake) == [] and digests(fake) == []

        clock.advance(hours=1)
        await bot.tick(force=True, timeout=10)
        await fake.wait_until(lambda: len(digests(fake)) == 1)
        clock.advance(hours=1)
        await bot.tick(force=True, timeout=10)
        [digest] = digests(fake)
        shown = await command(bot, fake, "watchlist")

    assert validate_blocks(digest.blocks) == []
    text = all_text(digest.blocks)
    assert "ملخص الأخبار" in text and "خبران" in text
    assert "حلف الناتو" in text and "البحر الأسود" in text
    assert "<https://wire.example/1|" in text and "<https://wire.example/2|" in text  # titles linked
    assert alerts(fake) == []  # held stories never also arrive one by one
    assert "Europe/London" in all_text(shown) and "ساعات الهدوء" in all_text(shown)
