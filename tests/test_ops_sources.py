"""/sources end to end (Telegram, and Slack's ops channel): each feed's newest story, polls, failures, silence."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.commands.texts import T
from tests.conftest import write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import ADMIN, GROUP, MEMBER, Env, env, fake, ptb_timedelta
from tests.test_slack import all_text, command, loopback_only, running, slack_settings
from tests.test_slack import fake as slack_fake

__all__ = ["env", "fake", "ptb_timedelta", "loopback_only", "slack_fake"]  # fixtures used here

OPS = -1009911


def quiet_feed(feed_server: FeedServer) -> str:
    """A wire that filed every ten minutes and then fell silent six hours ago."""
    start = datetime.now(UTC) - timedelta(hours=6)
    items = [Item(f"خبر قديم رقم {i}", f"https://quiet.example/{i}", "تفاصيل", published=start - timedelta(minutes=10 * i))
             for i in range(6)]
    feed_server.add_feed("/quiet.xml", rss2(items))
    return feed_server.url("/quiet.xml")


async def test_sources_in_the_ops_channel_mark_silence_and_failures(env: Env, fake: FakeTelegramAPI,
                                                                    feed_server: FeedServer) -> None:
    feed_server.add_feed("/wire.xml", rss2([Item("خبر عادي", "https://wire.example/1", "", published=datetime.now(UTC))]))
    write_config(env.tmp_path / "config", [
        {"id": "news", "url": feed_server.url("/news.xml"), "name": "وكالة الأنباء"},
        {"id": "quiet", "url": quiet_feed(feed_server), "name": "الموقع الهادئ"},
        {"id": "wire", "url": feed_server.url("/wire.xml"), "name": "وكالة متعثرة"},
    ])
    fake.add_chat(OPS, "supergroup", "غرفة التشغيل")
    fake.set_member(OPS, ADMIN, "administrator")
    fake.set_member(OPS, MEMBER, "member")
    bot = await env.start(ops_telegram_chat_id=str(OPS))
    feed_server.add_status("/wire.xml", 500)
    await bot.tick()

    [listing] = await env.command(OPS, ADMIN, "/sources")
    lines = listing.plain_text.split("\n")
    assert T.SOURCES_OPERATOR.format(count=3) in lines[0]
    quiet = next(i for i, ln in enumerate(lines) if "الموقع الهادئ" in ln)
    assert lines[quiet].startswith("\u200f🔇 ") and "آخر خبر: منذ 6 ساعات" in lines[quiet]
    assert re.search(r"آخر جلب ناجح: منذ (لحظات|ثانية واحدة|ثانيتين|\d+ (ثوانٍ|ثانية))", lines[quiet])  # polled just now, seconds ago
    assert "كل 17 دقيقة " in lines[quiet] and "إخفاقات متتالية: 0" in lines[quiet]  # adaptive polling slowed it down: 6 items in ~68 min, 4 polls a gap
    assert T.SOURCES_SILENT.format(usual="10 دقائق") in lines[quiet + 1]
    wire = next(i for i, ln in enumerate(lines) if "وكالة متعثرة" in ln)
    assert lines[wire].startswith("\u200f⚠️ ") and "إخفاقات متتالية: 1" in lines[wire]
    assert "آخر خطأ:" in lines[wire + 1] and "500" in lines[wire + 1]
    news = next(ln for ln in lines if "وكالة الأنباء" in ln)
    assert news.startswith("\u200f✅ ")

    # A member of the ops channel, or any other chat, does not see the operator's feeds.
    [member] = await env.command(OPS, MEMBER, "/sources")
    assert T.SOURCES_NONE.split(" أضف")[0] in member.plain_text and "الموقع الهادئ" not in member.plain_text
    [group] = await env.command(GROUP, ADMIN, "/sources")
    assert "/addfeed" in group.plain_text and "وكالة" not in group.plain_text
    [bad] = await env.command(GROUP, ADMIN, "/sources كلها")
    assert T.NO_ARGS in bad.plain_text


async def test_sources_on_slack(tmp_path: Path, slack_fake: FakeSlackAPI, feed_server: FeedServer) -> None:
    write_config(tmp_path / "config", [{"id": "quiet", "url": quiet_feed(feed_server), "name": "الموقع الهادئ"}])
    async with running(slack_settings(tmp_path, slack_fake, ops_slack_channel="COPS")) as bot:
        await bot.tick(force=True, timeout=10)
        text = all_text(await command(bot, slack_fake, "sources", user="UADMIN", channel="COPS"))
        assert "الموقع الهادئ" in text and "🔇" in text and "عادةً خبر كل 10 دقائق" in text
        assert "/newsbot addfeed" in all_text(await command(bot, slack_fake, "sources"))
