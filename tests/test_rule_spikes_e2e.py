"""Spike alerts per chat rule end to end (issue 19): a burst matching one chat's /watch rule across several
local feeds gives one spike alert with a PNG to that chat only; /trends lists the rules in a private chat, a
group and a forum topic (Telegram double); a Slack channel in quiet hours that hold urgent alerts hears no spike."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from pydantic import SecretStr

from bot.alerts.arabic import PDI
from bot.app import NewsBot
from tests.conftest import make_settings
from tests.fakes.feed_server import FeedServer, Item
from tests.fakes.slack_api import FakeSlackAPI, sign_request, slash_command_body
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.waiting import wait_until
from tests.test_spikes_e2e import BURST, CHANNEL, PNG, SIGNING, TOKEN, feeds, publish_burst  # noqa: F401

USER, ADMIN = 6161, 6162
GROUP, FORUM, TOPIC = -4161, -1003161, 77
RULE = "وقف إطلاق النار | هدنة"


async def slack_command(bot: NewsBot, text: str, channel: str = CHANNEL) -> str:
    """A signed /newsbot slash command from U1 in a channel; the answer's JSON as text."""
    body = slash_command_body(text=text, user_id="U1", channel_id=channel)
    assert bot.http is not None
    async with aiohttp.ClientSession() as s:
        async with s.post(f"http://127.0.0.1:{bot.http.port}/slack/events", data=body,
                          headers={**sign_request(body, SIGNING),
                                   "Content-Type": "application/x-www-form-urlencoded"}) as resp:
            assert resp.status == 200
            return json.dumps(await resp.json(), ensure_ascii=False)


async def say(tg: FakeTelegramAPI, chat: int, user: int, text: str, expect: str, thread: int | None = None) -> str:
    """A command in a chat (or a forum topic); the reply there that contains ``expect``."""
    before = len(tg.messages_to(chat, thread))
    tg.push_message(chat, user, text, message_thread_id=thread, is_topic_message=thread is not None)
    await wait_until(lambda: any(expect in m.plain_text for m in tg.messages_to(chat, thread)[before:]), 15.0,
                     f"the answer to {text}", interval=0.05)
    return next(m.plain_text for m in tg.messages_to(chat, thread)[before:] if expect in m.plain_text)


async def test_a_burst_on_a_chat_rule_alerts_that_chat_only_and_trends_list_the_rules(
        tmp_path: Path, feed_server: FeedServer, feeds: dict[str, list[Item]],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    async with FakeTelegramAPI(TOKEN) as tg:
        tg.add_chat(USER, "private")
        tg.add_chat(GROUP, "group", "مجموعة")
        tg.add_chat(FORUM, "supergroup", "منتدى", is_forum=True)
        for chat in (GROUP, FORUM):
            tg.set_member(chat, ADMIN, "administrator")
        settings = make_settings(tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=tg.base_url,
                                 lease_seconds=3, spike_interval=0)
        bot = NewsBot(settings, http=False)
        try:
            await bot.start()
            await bot.tick()  # the feeds' first fetch: their existing items are not alerted
            await say(tg, USER, USER, f"/watch {RULE}", RULE)
            await say(tg, GROUP, ADMIN, "/watch NATO", "NATO")
            await say(tg, FORUM, ADMIN, "/watch الناتو + قمة", "الناتو", TOPIC)

            publish_burst(feed_server, feeds, BURST)
            await bot.tick()
            await wait_until(lambda: tg.photos, 15.0, "the rule's spike alert", interval=0.05)
            await bot.tick()
            [photo] = tg.photos  # to the chat whose rule it is, and nowhere else
            assert photo.chat_id == USER and photo.data.startswith(PNG)
            caption = photo.plain_caption
            assert "⚡ ارتفاع مفاجئ: 10 أخبار عن " in caption and f"{RULE}{PDI} من 4 مصادر خلال 30 دقيقة" in caption
            assert "(لا سجل سابق للمقارنة بعد)" in caption and len(caption) <= 1024
            assert len([e for e in photo.entities if e.get("type") == "text_link"]) == 3
            assert not any("ارتفاع مفاجئ" in m.plain_text for m in tg.messages_to(GROUP) + tg.messages_to(FORUM))

            # A second burst inside the period: no second spike alert.
            publish_burst(feed_server, feeds, tuple(f"{t} (تحديث)" for t in BURST))
            await bot.tick()
            await bot.tick()
            assert len(tg.photos) == 1

            # /trends beside the built-in lists: the rule by its text, in a private chat, a group, a topic.
            await say(tg, USER, USER, "/subscribe nato", "تم الاشتراك")
            answer = await say(tg, USER, USER, "/trends", "📊")
            assert f"1. \u2067{RULE}{PDI}: 10 أخبار من 4 مصادر — لا سجل سابق للمقارنة بعد" in answer
            assert "2. حلف الناتو: لا أخبار في هذه المدة" in answer
            await wait_until(lambda: len(tg.photos) == 2, 15.0, "the /trends chart", interval=0.05)
            assert tg.photos[1].chat_id == USER and f"rule1 = \u2067{RULE}{PDI}" in tg.photos[1].plain_caption

            group = await say(tg, GROUP, ADMIN, "/trends 7d", "📊")
            assert "📊 الاتجاهات خلال آخر 7 أيام" in group and "1. \u2068NATO\u2069: لا أخبار في هذه المدة" in group
            await wait_until(lambda: len(tg.photos) == 3, 15.0, "the group's chart", interval=0.05)
            assert tg.photos[2].chat_id == GROUP and tg.photos[2].data.startswith(PNG)

            topic = await say(tg, FORUM, ADMIN, "/trends", "📊", TOPIC)
            assert "الناتو + قمة" in topic and "لا أخبار في هذه المدة" in topic
            await wait_until(lambda: len(tg.photos) == 4, 15.0, "the topic's chart", interval=0.05)
            assert (tg.photos[3].chat_id, tg.photos[3].message_thread_id) == (FORUM, TOPIC)
            bad = await say(tg, FORUM, ADMIN, "/trends 30d", "7d", TOPIC)
            assert "اكتب 24h لآخر 24 ساعة أو 7d لآخر 7 أيام" in bad
        finally:
            await bot.stop()


async def test_a_slack_channel_in_quiet_hours_that_hold_urgent_alerts_hears_no_spike(
        tmp_path: Path, feed_server: FeedServer, feeds: dict[str, list[Item]],  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    loud = "C0LOUD"
    async with FakeSlackAPI(bot_token="xoxb-spike") as slack:
        slack.add_user("U1", "layla")
        slack.add_channel(CHANNEL, "desk", members=["U1"])
        slack.add_channel(loud, "wire", members=["U1"])
        settings = make_settings(tmp_path, slack_bot_token=SecretStr("xoxb-spike"),
                                 slack_signing_secret=SecretStr(SIGNING), slack_api_url=slack.base_url,
                                 lease_seconds=3, spike_interval=0)
        bot = NewsBot(settings, http=True)
        try:
            await bot.start()
            await bot.tick()
            local = datetime.now(settings.tz)
            window = f"{(local - timedelta(hours=1)):%H:%M}-{(local + timedelta(hours=1)):%H:%M}"
            assert RULE in await slack_command(bot, f"watch {RULE}")
            assert "حتى العاجلة" in await slack_command(bot, f"quiet {window} all")
            assert RULE in await slack_command(bot, f"watch {RULE}", channel=loud)

            publish_burst(feed_server, feeds, BURST)
            await bot.tick()
            await wait_until(lambda: slack.uploads, 15.0, "the spike alert in the other channel", interval=0.05)
            await bot.tick()
            [upload] = slack.uploads  # the quiet channel heard nothing, the other one its own rule's spike
            assert upload.channel == loud and upload.data.startswith(PNG)
            assert "ارتفاع مفاجئ: 10 أخبار عن" in (upload.initial_comment or "")
            assert RULE in (upload.initial_comment or "")
        finally:
            await bot.stop()
