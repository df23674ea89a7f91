"""The 🔔 follow button end to end (Slack): a later copy of the story comes in the alert's thread.

The real Bolt app over HTTP against the Slack double; the copy arrives through the real poller and outbox.
"""

from __future__ import annotations

import json
from pathlib import Path

from bot.commands.texts import T
from tests.conftest import write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI, Post, validate_blocks
from tests.test_ops_alert_buttons_slack import click, controls
from tests.test_slack import NOW, WIRE, all_text, command, fake, feeds, loopback_only, publish, running, slack_settings

__all__ = ["fake", "feeds", "loopback_only"]  # fixtures used here

TITLE = "الناتو يعقد قمة طارئة في بروكسل"


def alert_in(fake: FakeSlackAPI, channel: str) -> Post:
    [alert] = [p for p in fake.posts_to(channel) if p.blocks and p.thread_ts is None
               and TITLE in json.dumps(p.blocks, ensure_ascii=False)]
    return alert


def in_thread(fake: FakeSlackAPI, channel: str, ts: str) -> list[Post]:
    return [p for p in fake.posts_to(channel) if p.thread_ts == ts]


async def test_slack_follow_posts_later_copies_in_the_alerts_thread(tmp_path: Path, fake: FakeSlackAPI,
                                                                    feeds: FeedServer) -> None:
    fake.add_channel("C4", "desk", members=["U1", "U2"])
    feeds.add_feed("/other.xml", rss2([Item("بداية", "https://other.example/start")]))
    write_config(tmp_path / "config", [{"id": "wire", "url": feeds.url(WIRE), "name": "وكالة الاختبار"},
                                       {"id": "other", "url": feeds.url("/other.xml"), "name": "الصحيفة الأخرى"}])
    async with running(slack_settings(tmp_path, fake, edit_delay=0.0)) as bot:
        for channel in ("C1", "C4"):
            await command(bot, fake, "subscribe nato", channel=channel)
            assert T.BUTTONS_ON in all_text(await command(bot, fake, "buttons on", channel=channel))
        await bot.tick(force=True, timeout=10)
        publish(feeds, Item(TITLE, "https://wire.example/nato-1", "تفاصيل القمة", published=NOW))
        await bot.tick(force=True, timeout=10)
        alert, other = alert_in(fake, "C1"), alert_in(fake, "C4")
        follow = controls(alert)["work:f"][1]
        assert follow["text"]["text"] == "🔔 تابع القصة"
        other_follow = controls(other)["work:f"][1]["value"]

        # Forged: C4's value pressed in C1, C1's value on C4's alert, C1's value on another message of C1.
        for name, value, channel, ts in (("f1", other_follow, "C1", alert.ts), ("f2", follow["value"], "C4", other.ts),
                                         ("f3", follow["value"], "C1", "1700000000.999999")):
            answer = await click(bot, fake, name, action_id="work:f", value=value, user_id="U1", channel_id=channel,
                                 message_ts=ts, block_id="work")
            assert T.WORK_REFUSED in all_text(answer), name

        answer = await click(bot, fake, "follow", action_id="work:f", value=follow["value"], user_id="U2",
                             user_name="bob", channel_id="C1", message_ts=alert.ts, block_id="work")
        assert T.FOLLOW_ON in all_text(answer)
        await fake.wait_until(lambda: [u for u in fake.updates if u.ts == alert.ts])
        assert "🔔 القصة متابَعة (تابعها: \u2068bob\u2069)" in all_text(fake.updates[-1].blocks)

        feeds.set_body("/other.xml", rss2([Item(TITLE, "https://other.example/a/77", published=NOW)]))
        await bot.tick(force=True, timeout=10)
        await bot.tick(force=True, timeout=10)
        await fake.wait_until(lambda: in_thread(fake, "C1", alert.ts))
        await fake.wait_until(lambda: [u for u in fake.updates if u.ts == other.ts])
        await bot.tick(force=True, timeout=10)
        await bot.drain(timeout=5)
        [reply] = in_thread(fake, "C1", alert.ts)  # once
        assert validate_blocks(reply.blocks) == []
        text = all_text(reply.blocks)
        assert "🔔 تحديث للقصة التي تتابعونها: " + TITLE in text and "الصحيفة الأخرى" in text
        assert "https://other.example/a/77" in text
        # C4 did not press: its alert is only edited with the other outlet, nothing in its thread.
        assert in_thread(fake, "C4", other.ts) == []
        assert "الصحيفة الأخرى" in all_text([u for u in fake.updates if u.ts == other.ts][-1].blocks)
        assert "الصحيفة الأخرى" in all_text([u for u in fake.updates if u.ts == alert.ts][-1].blocks)
