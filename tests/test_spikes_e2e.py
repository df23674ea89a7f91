"""Spike alerts end to end: a burst on one list across several local feeds gives one spike alert with a
PNG chart, through sendPhoto on Telegram and the files.uploadV2 flow on Slack, once per period."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.app import NewsBot
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI, sign_request, slash_command_body
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.waiting import wait_until

TOKEN = "123456:SPIKE-test-token"
SIGNING = "spike-signing-secret"
USER, CHANNEL = 5151, "C0SPIKE"
PNG = b"\x89PNG\r\n\x1a\n"
OUTLETS = ("alpha", "beta", "gamma", "delta")
BURST = (
    "وقف إطلاق النار في غزة يدخل حيز التنفيذ صباح الأحد",
    "مجلس الأمن يرحب بوقف إطلاق النار ويدعو إلى تثبيته",
    "وسطاء قطريون ومصريون يعلنون تفاصيل اتفاق وقف إطلاق النار",
    "سكان خان يونس يعودون إلى منازلهم بعد سريان وقف إطلاق النار",
    "الأمم المتحدة تستعد لإدخال مساعدات واسعة مع وقف إطلاق النار",
    "أسعار النفط تتراجع بعد إعلان وقف إطلاق النار",
    "خروقات محدودة للهدنة في رفح وفق شهود عيان",
    "واشنطن تقول إن وقف إطلاق النار صامد حتى الآن",
    "تبادل الأسرى يبدأ في اليوم الثاني من وقف إطلاق النار",
    "البرلمان الأوروبي يطالب بضمانات دولية لوقف إطلاق النار",
)


def published() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def feeds(feed_server: FeedServer, tmp_path: Path) -> dict[str, list[Item]]:
    items = {name: [Item(f"خبر قديم من {name}", f"https://{name}.example/old", published=published())]
             for name in OUTLETS}
    for name in OUTLETS:
        feed_server.add_feed(f"/{name}.xml", rss2(items[name]))
    write_config(tmp_path / "config", [{"id": name, "url": feed_server.url(f"/{name}.xml"), "name": f"وكالة {name}"}
                                       for name in OUTLETS])
    return items


def publish_burst(feed_server: FeedServer, items: dict[str, list[Item]], titles: tuple[str, ...]) -> None:
    for i, title in enumerate(titles):
        name = OUTLETS[i % len(OUTLETS)]
        items[name].insert(0, Item(title, f"https://{name}.example/{abs(hash(title))}", published=published()))
    for name in OUTLETS:
        feed_server.set_body(f"/{name}.xml", rss2(items[name]))


async def slack_command(bot: NewsBot, text: str) -> str:
    """A signed /newsbot slash command from U1 in the channel; the answer's JSON as text."""
    body = slash_command_body(text=text, user_id="U1", channel_id=CHANNEL)
    assert bot.http is not None
    async with aiohttp.ClientSession() as s:
        async with s.post(f"http://127.0.0.1:{bot.http.port}/slack/events", data=body,
                          headers={**sign_request(body, SIGNING),
                                   "Content-Type": "application/x-www-form-urlencoded"}) as resp:
            assert resp.status == 200
            return json.dumps(await resp.json(), ensure_ascii=False)


async def telegram_command(tg: FakeTelegramAPI, text: str, expect: str) -> str:
    before = len(tg.messages_to(USER))
    tg.push_message(USER, USER, text)
    await wait_until(lambda: any(expect in m.plain_text for m in tg.messages_to(USER)[before:]), 15.0,
                     f"the answer to {text}", interval=0.05)
    return next(m.plain_text for m in tg.messages_to(USER)[before:] if expect in m.plain_text)


async def test_a_burst_gives_one_spike_alert_with_a_chart_on_both_platforms(
        tmp_path: Path, feed_server: FeedServer, feeds: dict[str, list[Item]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with FakeTelegramAPI(TOKEN) as tg, FakeSlackAPI(bot_token="xoxb-spike") as slack:
        tg.add_chat(USER, "private")
        slack.add_user("U1", "layla")
        slack.add_channel(CHANNEL, "desk", members=["U1"])
        settings = make_settings(tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=tg.base_url,
                                 slack_bot_token=SecretStr("xoxb-spike"), slack_signing_secret=SecretStr(SIGNING),
                                 slack_api_url=slack.base_url, lease_seconds=3, spike_interval=0)
        bot = NewsBot(settings, http=True)
        try:
            await bot.start()
            await bot.tick()  # the feeds' first fetch: their existing items are not alerted
            await telegram_command(tg, "/subscribe ceasefire nato", "تم الاشتراك")
            assert "تم الاشتراك" in await slack_command(bot, "subscribe ceasefire nato")

            publish_burst(feed_server, feeds, BURST)
            await bot.tick()
            await wait_until(lambda: tg.photos and slack.uploads, 15.0, "the spike alert on both platforms",
                             interval=0.05)

            [photo] = tg.photos
            assert photo.chat_id == USER and photo.data.startswith(PNG)
            caption = photo.plain_caption
            assert "⚡ ارتفاع مفاجئ: 10 أخبار عن وقف إطلاق النار من 4 مصادر خلال 30 دقيقة" in caption
            assert "(لا سجل سابق للمقارنة بعد)" in caption  # a new install: the cold-start rule
            assert len(caption) <= 1024 and "#وقف_إطلاق_النار" in caption
            links = [e["url"] for e in photo.entities if e.get("type") == "text_link"]
            assert len(links) == 3 and all(".example/" in u for u in links)

            [upload] = slack.uploads
            assert upload.channel == CHANNEL and upload.data.startswith(PNG) and upload.filename.endswith(".png")
            assert upload.initial_comment is not None
            assert "ارتفاع مفاجئ: 10 أخبار عن وقف إطلاق النار من 4 مصادر" in upload.initial_comment
            assert upload.initial_comment.count("|") >= 3  # three linked headlines, <url|title>
            called = [name for name, _ in slack.calls if name.startswith("files.")]
            assert called == ["files.getUploadURLExternal", "files.completeUploadExternal"]

            # The stories themselves still alert one by one, as always.
            assert sum("وقف إطلاق النار" in m.plain_text for m in tg.messages_to(USER)) >= 9

            # A second burst inside the period: no second spike alert.
            publish_burst(feed_server, feeds, tuple(f"{t} (تحديث)" for t in BURST))
            await bot.tick()
            await bot.tick()
            assert len(tg.photos) == 1 and len(slack.uploads) == 1

            # /trends: the lists ranked by volume, with a chart of one line per list.
            answer = await telegram_command(tg, "/trends", "📊")
            assert "📊 الاتجاهات خلال آخر 24 ساعة" in answer
            assert "1. وقف إطلاق النار: 10 أخبار من 4 مصادر — لا سجل سابق للمقارنة بعد" in answer
            assert "2. حلف الناتو: لا أخبار في هذه المدة — لا سجل سابق للمقارنة بعد" in answer
            await wait_until(lambda: len(tg.photos) == 2, 15.0, "the /trends chart", interval=0.05)
            chart = tg.photos[1]
            assert chart.data.startswith(PNG) and "ceasefire = \u2067وقف إطلاق النار\u2069" in chart.plain_caption
            assert "عدد الأخبار كل 15 دقيقة خلال آخر 24 ساعة" in chart.plain_caption
            bad = await telegram_command(tg, "/trends 30d", "7d")
            assert "اكتب 24h لآخر 24 ساعة أو 7d لآخر 7 أيام" in bad and len(tg.photos) == 2

            week = await slack_command(bot, "trends 7d")
            assert "📊 الاتجاهات خلال آخر 7 أيام" in week and "10 أخبار من 4 مصادر" in week
            await wait_until(lambda: len(slack.uploads) == 2, 15.0, "the /newsbot trends chart", interval=0.05)
            assert slack.uploads[1].data.startswith(PNG) and slack.uploads[1].channel == CHANNEL
            assert "عدد الأخبار كل ساعة خلال آخر 7 أيام" in (slack.uploads[1].initial_comment or "")
        finally:
            await bot.stop()


async def test_quiet_hours_that_hold_urgent_alerts_hold_back_the_spike_too(
        tmp_path: Path, feed_server: FeedServer, feeds: dict[str, list[Item]],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    quiet_chat = 5252
    async with FakeTelegramAPI(TOKEN) as tg:
        tg.add_chat(USER, "private")
        tg.add_chat(quiet_chat, "private")
        settings = make_settings(tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=tg.base_url,
                                 lease_seconds=3, spike_interval=0)
        bot = NewsBot(settings, http=False)
        try:
            await bot.start()
            await bot.tick()
            local = datetime.now(settings.tz)
            window = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
            await telegram_command(tg, "/subscribe ceasefire", "تم الاشتراك")
            await telegram_command(tg, f"/quiet {window}", "🌙")  # normal alerts only: urgent ones still ring
            before = len(tg.messages_to(quiet_chat))
            tg.push_message(quiet_chat, quiet_chat, "/subscribe ceasefire")
            await wait_until(lambda: len(tg.messages_to(quiet_chat)) > before, 15.0, "the reply", interval=0.05)
            tg.push_message(quiet_chat, quiet_chat, f"/quiet {window} all")
            await wait_until(lambda: any("حتى العاجلة" in m.plain_text for m in tg.messages_to(quiet_chat)), 15.0,
                             "the /quiet … all reply", interval=0.05)

            publish_burst(feed_server, feeds, BURST)
            await bot.tick()
            await wait_until(lambda: tg.photos, 15.0, "the spike alert in the first chat", interval=0.05)
            await bot.tick()
            assert [p.chat_id for p in tg.photos] == [USER]  # the quiet-for-everything chat heard nothing
            assert not any("ارتفاع مفاجئ" in m.plain_text for m in tg.messages_to(quiet_chat))
        finally:
            await bot.stop()
