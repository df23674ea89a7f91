"""Spike alerts end to end: a burst on one list across several local feeds gives one spike alert with a
PNG chart, through sendPhoto on Telegram and the files.uploadV2 flow on Slack, once per period."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import SecretStr

from bot.app import NewsBot
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI, slash_command_body
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


async def subscribe_slack(bot: NewsBot) -> None:
    import aiohttp

    from tests.fakes.slack_api import sign_request

    body = slash_command_body(text="subscribe ceasefire", user_id="U1", channel_id=CHANNEL)
    assert bot.http is not None
    async with aiohttp.ClientSession() as s:
        async with s.post(f"http://127.0.0.1:{bot.http.port}/slack/events", data=body,
                          headers={**sign_request(body, SIGNING),
                                   "Content-Type": "application/x-www-form-urlencoded"}) as resp:
            assert resp.status == 200


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
            tg.push_message(USER, USER, "/subscribe ceasefire")
            await wait_until(lambda: any("تم الاشتراك" in m.plain_text for m in tg.messages_to(USER)), 15.0,
                             "the /subscribe reply", interval=0.05)
            await subscribe_slack(bot)

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
        finally:
            await bot.stop()
