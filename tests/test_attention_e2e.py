"""Attention end to end on Telegram (issue 16): quiet hours, digests, a cap, silent alerts, spread.

The real NewsBot with the real python-telegram-bot Application talks to the Bot
API double; feeds come from the feed server; the database is real SQLite. Time
is the bot's own clock (``NewsBot(clock=…)``), moved forward by the test, so a
digest "at 08:00" arrives without waiting for 08:00. Nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from bot.alerts.arabic import format_datetime
from bot.alerts.digest import CAP_NOTICE
from bot.app import NewsBot
from bot.storage.models import Outbox
from tests.conftest import write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import ADMIN, CHANNEL, FORUM, USER, Env, env, fake, ptb_timedelta  # noqa: F401
from tests.support.telegram import alerts as all_alerts

LONDON = ZoneInfo("Europe/London")
RIYADH = ZoneInfo("Asia/Riyadh")  # NEWSBOT_TIMEZONE's default: a chat that never ran /timezone
DIGEST = "\u200fملخص الأخبار"


class Clock:
    """The bot's now: real time plus whatever the test moved it forward by."""

    def __init__(self) -> None:
        self.offset = timedelta()

    @property
    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


def alerts(fake: FakeTelegramAPI, chat: int) -> list[SentMessage]:
    """Alerts sent (edits of them, which add outlets, left out)."""
    return [m for m in all_alerts(fake, chat) if m.method == "sendMessage"]


def digests(fake: FakeTelegramAPI, chat: int) -> list[SentMessage]:
    return [m for m in fake.messages_to(chat) if m.plain_text.startswith(DIGEST)]


def hm(moment: datetime, tz: ZoneInfo = LONDON) -> str:
    return f"{moment.astimezone(tz):%H:%M}"


async def held_rows(bot: NewsBot) -> int:
    async with bot.db.read() as conn:
        return int((await conn.execute(select(func.count()).select_from(Outbox).where(Outbox.state == "held")))
                   .scalar_one())


async def setup(env: Env, clock: Clock, *commands: str, **settings: Any) -> NewsBot:
    bot = await env.start(clock=clock, **settings)
    await env.command(USER, USER, "/subscribe nato black-sea")
    await env.command(USER, USER, "/timezone Europe/London")
    for text in commands:
        [reply] = await env.command(USER, USER, text)
        assert "\u200f" in reply.plain_text and "الاستعمال الصحيح" not in reply.plain_text, reply.plain_text
    return bot


async def test_quiet_hours_hold_normal_alerts_let_urgent_through_and_end_in_one_digest(
        env: Env, fake: FakeTelegramAPI) -> None:
    clock = Clock()
    start, end = clock.now - timedelta(minutes=30), clock.now + timedelta(hours=1)
    bot = await setup(env, clock, f"/quiet {hm(start)}-{hm(end)}")

    env.publish("قمة لحلف الناتو في بروكسل لبحث الميزانية")
    await bot.tick()
    assert alerts(fake, USER) == [] and await held_rows(bot) == 1  # held, not sent

    env.publish("عاجل: الناتو يرفع حالة التأهب في شرق أوروبا")
    await bot.tick()
    [urgent] = alerts(fake, USER)
    assert urgent.plain_text.startswith("\u200f🔴 عاجل") and "الناتو يرفع حالة التأهب" in urgent.plain_text

    clock.advance(minutes=45)  # still quiet: nothing more
    await bot.tick()
    assert digests(fake, USER) == []

    clock.advance(minutes=20)  # the quiet window has ended
    await bot.tick()
    [digest] = digests(fake, USER)
    text = digest.plain_text
    assert text.startswith(f"{DIGEST}: خبر واحد منذ ")
    assert "حلف الناتو" in text and "قمة لحلف الناتو في بروكسل لبحث الميزانية" in text
    assert "الناتو يرفع حالة التأهب" not in text  # the urgent one already went out
    assert len(alerts(fake, USER)) == 1  # the held story never also arrives as an alert
    clock.advance(hours=3)
    await bot.tick()
    assert len(digests(fake, USER)) == 1 and await held_rows(bot) == 0


async def test_a_digest_at_a_set_time_groups_stories_by_watchlist(env: Env, fake: FakeTelegramAPI) -> None:
    clock = Clock()
    at = clock.now + timedelta(hours=2)
    bot = await setup(env, clock, f"/digest {hm(at)}")
    env.publish("وزراء دفاع الناتو يجتمعون في بروكسل")
    env.publish("سفن حربية في البحر الأسود قرب أوديسا")
    env.publish("الناتو يقر خطة دفاعية جديدة")
    await bot.tick()
    assert alerts(fake, USER) == [] and digests(fake, USER) == []

    clock.advance(hours=2, minutes=1)
    await bot.tick()
    [digest] = digests(fake, USER)
    lines = digest.plain_text.split("\n")
    assert lines[0].startswith(f"{DIGEST}: 3 أخبار منذ ")
    groups = [ln for ln in lines if ln.startswith("\u200f▪️")]
    assert len(groups) == 2 and any("حلف الناتو" in g for g in groups) and any("البحر الأسود" in g for g in groups)
    nato = lines.index(next(g for g in groups if "حلف الناتو" in g))
    assert {"الناتو يقر خطة" in lines[nato + 1], "الناتو يقر خطة" in lines[nato + 2]} == {True, False}
    assert any("وزراء دفاع الناتو" in ln for ln in lines[nato + 1:nato + 3])  # both under their heading
    for title in ("وزراء دفاع الناتو", "سفن حربية في البحر الأسود", "الناتو يقر خطة"):
        assert digest.plain_text.count(title) == 1
    assert [e["url"] for e in digest.entities if e["type"] == "text_link"]  # titles are links
    assert alerts(fake, USER) == []


async def test_a_cap_folds_the_overflow_into_the_next_digest_with_one_notice(env: Env, fake: FakeTelegramAPI) -> None:
    clock = Clock()
    bot = await setup(env, clock, "/cap 2")
    for title in ("الناتو يعين قائداً جديداً لقواته في أوروبا", "مناورات بحرية للناتو قرب السواحل النرويجية",
                  "تركيا تعترض على توسيع عضوية حلف الناتو", "ميزانية الناتو تثير خلافاً بين واشنطن وبرلين"):
        env.publish(title)
    await bot.tick()
    assert len(alerts(fake, USER)) == 2
    notices = [m for m in fake.messages_to(USER) if CAP_NOTICE in m.plain_text]
    assert len(notices) == 1
    env.publish("الناتو يرسل قوات إضافية إلى بولندا")
    await bot.tick()
    assert len(alerts(fake, USER)) == 2  # still over the cap: held, and no second notice
    assert len([m for m in fake.messages_to(USER) if CAP_NOTICE in m.plain_text]) == 1

    clock.advance(hours=1, minutes=1)
    await bot.tick()
    [digest] = digests(fake, USER)
    assert digest.plain_text.startswith(f"{DIGEST}: 3 أخبار منذ ")
    assert len(alerts(fake, USER)) == 2


async def test_a_restart_between_hold_and_digest_loses_nothing_and_sends_nothing_twice(
        env: Env, fake: FakeTelegramAPI) -> None:
    clock = Clock()
    at = clock.now + timedelta(hours=1)
    bot = await setup(env, clock, f"/digest {hm(at)}")
    env.publish("الناتو يعقد قمة استثنائية")
    env.publish("البحر الأسود: إغلاق ممر الحبوب")
    await bot.tick()
    assert await held_rows(bot) == 2
    await bot.stop()
    env.bots.remove(bot)

    # Two replicas on the same database come up after the restart and both run the digest job at once.
    first = await env.start(clock=clock)
    second = await env.start(clock=clock)
    assert await held_rows(first) == 2 and digests(fake, USER) == []  # nothing lost, nothing due yet
    clock.advance(hours=1, minutes=5)
    await asyncio.gather(first.digests.run_once(), second.digests.run_once(), first.digests.run_once())
    await first.tick()
    await second.tick()
    async with first.db.read() as conn:
        rows = (await conn.execute(select(func.count()).select_from(Outbox).where(Outbox.kind == "digest"))).scalar()
    assert rows == 1
    [digest] = digests(fake, USER)
    assert "الناتو يعقد قمة استثنائية" in digest.plain_text and "إغلاق ممر الحبوب" in digest.plain_text
    assert alerts(fake, USER) == [] and await held_rows(first) == 0


async def test_notify_urgent_leaves_normal_alerts_silent(env: Env, fake: FakeTelegramAPI) -> None:
    clock = Clock()
    bot = await setup(env, clock, "/notify urgent")
    env.publish("الناتو يبحث ميزانية العام المقبل")
    await bot.tick()
    env.publish("عاجل | الناتو يفعّل المادة الرابعة")
    await bot.tick()
    normal, urgent = alerts(fake, USER)
    assert "ميزانية العام المقبل" in normal.plain_text and normal.disable_notification is True
    label = " ".join(format_datetime(clock.now, LONDON).split()[-2:])  # "بتوقيت لندن"
    assert label in normal.plain_text  # the time is written in the chat's /timezone
    assert "بتوقيت الرياض" not in normal.plain_text
    assert urgent.plain_text.startswith("\u200f🔴 عاجل") and not urgent.disable_notification
    [reply] = await env.command(USER, USER, "/watchlist")
    assert "الإشعار: للعاجلة وحدها" in reply.plain_text and "Europe/London" in reply.plain_text


async def test_bad_arguments_get_arabic_errors_and_store_nothing(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    cases = {
        "/timezone Mars/Olympus": "منطقة زمنية غير معروفة",
        "/quiet 25:00-07:00": "اكتب ساعات الهدوء هكذا",
        "/quiet 07:00-07:00": "متساويتان",
        "/digest 8am": "اكتب أوقات الملخص هكذا",
        "/digest 08:00 nosuchlist": "المتابعات الجاهزة المتاحة",
        "/cap lots": "اكتب الحد عدداً",
        "/notify urgent here": "متاح في قنوات Slack فقط",
        "/notify loud": "اكتب all",
        "/urgent nosuchlist": "المتابعات الجاهزة المتاحة",
    }
    for text, expected in cases.items():
        [reply] = await env.command(USER, USER, text)
        assert expected in reply.plain_text, (text, reply.plain_text)
    [reply] = await env.command(USER, USER, "/timezone Mars/Olympus")
    assert "Asia/Riyadh" in reply.plain_text and "Europe/London" in reply.plain_text  # valid examples
    dest = await env.dest(bot, USER)
    assert dest is not None
    rec = await bot.chats.attention(dest.id)
    assert rec.timezone is None and rec.quiet is None and rec.digest is None and rec.cap is None


async def test_a_story_becomes_urgent_as_outlets_pile_up(tmp_path: Path, fake: FakeTelegramAPI,
                                                         feed_server: FeedServer) -> None:
    now = datetime.now(UTC)
    paths = ["/a.xml", "/b.xml", "/c.xml"]
    for p in paths:
        feed_server.add_feed(p, rss2([Item("خبر عادي عن الطقس", f"https://{p[1]}.example/0", published=now)]))
    write_config(tmp_path / "config", [{"id": p[1:2], "url": feed_server.url(p), "name": f"وكالة {p[1]}"}
                                       for p in paths])
    env = Env.__new__(Env)
    env.tmp_path, env.fake, env.feeds, env.bots = tmp_path, fake, feed_server, []
    clock = Clock()
    try:
        bot = await env.start(clock=clock, urgent_outlets=3, urgent_window=30)
        await env.command(USER, USER, "/subscribe nato")
        title = "الناتو يعلن نشر قوات جديدة على حدوده الشرقية"

        def carry(path: str) -> None:
            feed_server.set_body(path, rss2([Item(title, f"https://{path[1]}.example/nato", published=clock.now),
                                             Item("خبر عادي عن الطقس", f"https://{path[1]}.example/0",
                                                  published=now)]))

        carry("/a.xml")
        await bot.tick()
        [first] = alerts(fake, USER)
        assert first.plain_text.startswith("\u200f🔔")  # one outlet: a normal alert
        clock.advance(minutes=4)
        carry("/b.xml")
        await bot.tick()
        assert len(alerts(fake, USER)) == 1  # two outlets: still normal
        clock.advance(minutes=7)
        carry("/c.xml")
        await bot.tick()
        await bot.tick()
        new = [m for m in alerts(fake, USER) if m is not first]
        assert len(new) == 1
        text = new[0].plain_text
        # 11 minutes on the clock plus the seconds the test itself took, rounded up: never understated
        assert text.startswith("\u200f🔴 عاجل · تتناقله 3 مصادر خلال 12 دقيقة") and title in text
    finally:
        await env.close()


async def test_each_forum_topic_and_a_channel_keep_their_own_policy(env: Env, fake: FakeTelegramAPI) -> None:
    """Topic 77 holds for a digest; topic 88 of the same forum, and a channel set from a private chat, do not."""
    clock = Clock()
    bot = await env.start(clock=clock)
    fake.set_member(CHANNEL, USER, "administrator")
    topic = {"message_thread_id": 77, "is_topic_message": True}
    other = {"message_thread_id": 88, "is_topic_message": True}
    await env.command(FORUM, ADMIN, "/subscribe nato", **topic)
    await env.command(FORUM, ADMIN, "/subscribe nato", **other)
    [reply] = await env.command(FORUM, ADMIN, f"/digest {hm(clock.now + timedelta(hours=1), RIYADH)}", **topic)
    assert reply.message_thread_id == 77 and "ملخص" in reply.plain_text
    await env.command(USER, USER, "/subscribe @alerts_channel nato")
    [reply] = await env.command(USER, USER, "/notify @alerts_channel urgent")
    assert "دون صوت" in reply.plain_text
    env.publish("الناتو يعقد اجتماعاً طارئاً لوزراء الخارجية")
    await bot.tick()
    assert [m.message_thread_id for m in alerts(fake, FORUM)] == [88]  # topic 77 holds it
    [silent] = alerts(fake, CHANNEL)
    assert silent.disable_notification is True

    clock.advance(hours=1, minutes=1)
    await bot.tick()
    [digest] = digests(fake, FORUM)
    assert digest.message_thread_id == 77 and "الناتو يعقد اجتماعاً طارئاً" in digest.plain_text
    assert digests(fake, CHANNEL) == [] and len(alerts(fake, FORUM)) == 1


async def test_a_breaking_news_category_makes_the_alert_urgent(env: Env, fake: FakeTelegramAPI) -> None:
    clock = Clock()
    start, end = clock.now - timedelta(minutes=30), clock.now + timedelta(hours=1)
    bot = await setup(env, clock, f"/quiet {hm(start)}-{hm(end)}")
    env.items.insert(0, Item("الناتو يرفع مستوى التأهب", "https://news.example/cat", published=clock.now,
                             categories=("أخبار عاجلة",)))
    env.feeds.set_body("/news.xml", rss2(env.items))
    await bot.tick()
    [urgent] = alerts(fake, USER)  # through the quiet hours: the outlet filed it as breaking news
    assert urgent.plain_text.startswith("\u200f🔴 عاجل") and "الناتو يرفع مستوى التأهب" in urgent.plain_text
