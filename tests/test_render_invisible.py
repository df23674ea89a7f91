"""Invisible and control characters in feed text never reach a platform.

A right-to-left override (U+202E), a zero width space (U+200B) and a NUL are
put into an item's title, summary and link, into a configured feed's name,
and into the title of a feed added with /addfeed (which becomes its name).
One NewsBot runs the real PTB Application and the real Bolt app against the
Telegram and Slack doubles; every call either double recorded is searched for
the three characters. The alert's own direction marks (RLM, FSI, LRI, PDI) stay.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from pydantic import SecretStr

from bot.app import NewsBot, build_fetcher
from tests.conftest import make_settings, write_config
from tests.fakes.dns import TableResolver
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI, sign_request, slash_command_body
from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123456:INVISIBLE-token"
SIGNING = "invisible-signing-secret"
USER, CHANNEL = 5151, "C0INV"
PUBLIC = "news.example.com"
BAD = ("\u202e", "\u200b", "\x00")
DIRT = "\u202e\u200b\x00"


async def until(check: Callable[[], Any], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.05)


STORIES = {  # two unrelated stories, so neither is taken for a copy of the other
    "wire": ("الناتو {d}يحذّر من exe.{d}gnp", "قال حلف الناتو{d} إن {d}الوضع خطير في الشمال"),
    "own": ("الناتو {d}يعلن مناورات بحرية واسعة", "تبدأ مناورات{d} الحلف {d}غداً قرب السواحل الجنوبية"),
}


def dirty_items(tag: str) -> list[Item]:
    title, summary = STORIES[tag]
    return [Item(title.format(d=DIRT), f"https://wire.example/{tag}/a{DIRT}b.exe", summary.format(d=DIRT),
                 published=datetime.now(UTC))]


async def test_bidi_override_zero_width_and_nul_reach_neither_platform(tmp_path: Path, feed_server: FeedServer,
                                                                       monkeypatch: Any) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")
    calm = [Item("خبر عادي", "https://wire.example/0", published=datetime.now(UTC))]
    feed_server.add_feed("/wire.xml", rss2(calm))
    feed_server.add_feed("/own.xml", rss2(calm, title=f"مصدر{DIRT} المحادثة"))
    # YAML double-quoted escapes: the configured name really holds U+202E, U+200B and NUL.
    write_config(tmp_path / "config", [{"id": "wire", "url": feed_server.url("/wire.xml"),
                                        "name": '"وكالة\\u202e\\u200b\\0 الاختبار"'}])
    async with FakeTelegramAPI(TOKEN) as tg, FakeSlackAPI(bot_token="xoxb-inv") as slack:
        tg.add_chat(USER, "private")
        slack.add_user("U1", "layla")
        slack.add_channel(CHANNEL, "news", members=["U1"])
        settings = make_settings(tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=tg.base_url,
                                 slack_bot_token=SecretStr("xoxb-inv"), slack_signing_secret=SecretStr(SIGNING),
                                 slack_api_url=slack.base_url, lease_seconds=3, commands_per_minute=200)
        fetcher = build_fetcher(settings, dns=TableResolver({PUBLIC: ["127.0.0.1"]}), public_hosts=frozenset({PUBLIC}))
        bot = NewsBot(settings, http=True, fetcher=fetcher)
        own = f"http://{PUBLIC}:{feed_server.port}/own.xml"
        try:
            await bot.start()
            await bot.tick()
            assert bot.http is not None

            async def slack_command(text: str) -> str:
                body = slash_command_body(text=text, user_id="U1", channel_id=CHANNEL)
                async with aiohttp.ClientSession() as s, s.post(
                        f"http://127.0.0.1:{bot.http.port}/slack/events", data=body,
                        headers={**sign_request(body, SIGNING), "Content-Type": "application/x-www-form-urlencoded"},
                ) as resp:
                    assert resp.status == 200
                    return json.dumps(await resp.json(), ensure_ascii=False)

            async def telegram_command(text: str) -> str:
                before = len(tg.sent)
                tg.push_message(USER, USER, text)
                await tg.wait_sent(before + 1, timeout=15)
                return tg.sent[before].text

            for send in (telegram_command, slack_command):
                assert "تم الاشتراك" in await send("/subscribe nato" if send is telegram_command else "subscribe nato")
                assert "أضفتُ المصدر" in await send(f"/addfeed {own}" if send is telegram_command else f"addfeed {own}")
            await bot.tick(force=True)  # first sight of the chat-added feed: recorded, not alerted
            listed = await telegram_command("/feeds") + await slack_command("feeds")
            assert "مصدر المحادثة" in listed

            feed_server.set_body("/wire.xml", rss2([*dirty_items("wire"), *calm]))
            feed_server.set_body("/own.xml", rss2([*dirty_items("own"), *calm], title=f"مصدر{DIRT} المحادثة"))
            await bot.tick(force=True)

            def alerts_in() -> tuple[list[str], list[str]]:
                tg_alerts = [m.plain_text for m in tg.messages_to(USER) if "\u200f🔔" in m.plain_text]
                slack_alerts = [json.dumps(p.blocks, ensure_ascii=False) + p.text for p in slack.posts_to(CHANNEL)
                                if "🔔" in p.text + json.dumps(p.blocks, ensure_ascii=False)]
                return tg_alerts, slack_alerts

            await until(lambda: all(len(a) >= 2 for a in alerts_in()))
            tg_alerts, slack_alerts = alerts_in()
        finally:
            await bot.stop()

    # The feed really carried the characters (the parser keeps U+202E and U+200B; see test_sanitize) ...
    assert all(ch in rss2(dirty_items("wire")).decode() for ch in BAD)
    # ... and nothing either double recorded contains any of them.
    recorded = json.dumps([tg.calls, [(m.text, m.plain_text) for m in tg.sent]], ensure_ascii=False)
    recorded_slack = json.dumps([slack.calls, [(p.text, p.blocks) for p in slack.posts_to(CHANNEL)],
                                 dict(slack.responses)], ensure_ascii=False, default=str)
    for ch in BAD:
        assert ch not in recorded, f"U+{ord(ch):04X} reached Telegram"
        assert ch not in recorded_slack, f"U+{ord(ch):04X} reached Slack"
        assert json.dumps(ch)[1:-1] not in recorded and json.dumps(ch)[1:-1] not in recorded_slack
    for alerts in (tg_alerts, slack_alerts):
        text = "\n".join(alerts)
        assert "يحذّر من exe.gnp" in text and "يعلن مناورات بحرية" in text
        assert "wire.example/wire/ab.exe" in text and "wire.example/own/ab.exe" in text  # the links, cleaned
        assert "\u200f" in text and ("\u2068" in text or "\u2067" in text) and "\u2069" in text  # our own isolation marks stay
        assert "وكالة الاختبار" in text and "مصدر المحادثة" in text  # both source names, cleaned
