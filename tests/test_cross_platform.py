"""One process, two platforms, one subscription model: a Telegram chat and a Slack channel
subscribed to the same watchlist each receive the story exactly once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot.app import NewsBot
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI, sign_request, slash_command_body
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.waiting import wait_until

TOKEN = "123456:CROSS-platform-token"
SIGNING = "cross-platform-signing-secret"
USER, CHANNEL = 4242, "C0NEWS"



async def test_telegram_chat_and_slack_channel_each_get_the_story_once(
        tmp_path: Path, feed_server: FeedServer, monkeypatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    items = [Item("خبر عادي", "https://wire.example/0", published=datetime.now(UTC))]
    feed_server.add_feed("/wire.xml", rss2(items))
    write_config(tmp_path / "config", [{"id": "wire", "url": feed_server.url("/wire.xml"), "name": "الوكالة"}])
    async with FakeTelegramAPI(TOKEN) as tg, FakeSlackAPI(bot_token="xoxb-cross") as slack:
        tg.add_chat(USER, "private")
        slack.add_user("U1", "layla")
        slack.add_channel(CHANNEL, "news", members=["U1"])
        settings = make_settings(tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=tg.base_url,
                                 slack_bot_token=SecretStr("xoxb-cross"), slack_signing_secret=SecretStr(SIGNING),
                                 slack_api_url=slack.base_url, lease_seconds=3)
        bot = NewsBot(settings, http=True)
        try:
            await bot.start()
            await bot.tick()
            # Telegram: a private chat subscribes with /subscribe.
            tg.push_message(USER, USER, "/subscribe nato")
            await wait_until(lambda: any("تم الاشتراك" in m.plain_text for m in tg.messages_to(USER)), 15.0,
                             "the /subscribe reply", interval=0.05)
            # Slack: a channel subscribes with the slash command, over signed HTTP.
            body = slash_command_body(text="subscribe nato", user_id="U1", channel_id=CHANNEL,
                                      response_url=slack.response_url("sub"))
            async with aiohttp.ClientSession() as s:
                async with s.post(f"http://127.0.0.1:{bot.http.port}/slack/events", data=body,
                                  headers={**sign_request(body, SIGNING),
                                           "Content-Type": "application/x-www-form-urlencoded"}) as resp:
                    assert resp.status == 200
                    assert "تم الاشتراك" in json.dumps(await resp.json(), ensure_ascii=False)

            items.insert(0, Item("قمة طارئة لحلف الناتو في بروكسل", "https://wire.example/nato",
                                 published=datetime.now(UTC)))
            feed_server.set_body("/wire.xml", rss2(items))
            await bot.tick()
            await bot.tick()  # a second cycle changes nothing

            tg_alerts = [m for m in tg.messages_to(USER) if "قمة طارئة لحلف الناتو" in m.plain_text]
            slack_alerts = [p for p in slack.posts_to(CHANNEL)
                            if "قمة طارئة لحلف الناتو" in json.dumps(p.blocks, ensure_ascii=False)]
            assert len(tg_alerts) == 1 and len(slack_alerts) == 1
            assert "<b>" in tg_alerts[0].text and "#الناتو" in tg_alerts[0].plain_text
            assert slack_alerts[0].blocks[0]["type"] == "header" and "حلف الناتو" in slack_alerts[0].blocks[0]["text"]["text"]
        finally:
            await bot.stop()
