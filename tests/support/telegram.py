"""Shared harness for the Telegram end-to-end tests (no tests here).

Test modules import the fixtures they use (``env``, ``fake``, the autouse ``ptb_timedelta``) by name.

The real NewsBot, with the real python-telegram-bot Application, talks to
FakeTelegramAPI on 127.0.0.1; feeds come from FeedServer; the database is a
fresh SQLite file. Nothing of ours is mocked.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from bot.adapters.telegram.adapter import TelegramAdapter
from bot.app import NewsBot
from bot.storage.chats_repo import DestinationRef
from bot.storage.models import Feed
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.waiting import wait_until

TOKEN = "123456:TEST-token"
BOT_NAME = "newsbot_test_bot"
USER, ADMIN, MEMBER, STRANGER = 1001, 1002, 1003, 1004
GROUP, SUPER, FORUM, CHANNEL = -4001, -1002001, -1003001, -1004001
ALERT_MARK = "\u200f🔔"
URGENT_MARK = "\u200f🔴 عاجل"  # an urgent alert's leading line (issue 16)

__all__ = ["TOKEN", "BOT_NAME", "USER", "ADMIN", "MEMBER", "STRANGER", "GROUP", "SUPER", "FORUM", "CHANNEL",
           "Env", "env", "fake", "ptb_timedelta", "alerts"]


@pytest.fixture(autouse=True)
def ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB's timedelta periods (no deprecation warnings from RetryAfter)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegramAPI]:
    async with FakeTelegramAPI(TOKEN, username=BOT_NAME) as api:
        api.add_chat(GROUP, "group", "مجموعة")
        api.add_chat(SUPER, "supergroup", "مجموعة كبرى")
        api.add_chat(FORUM, "supergroup", "منتدى", is_forum=True)
        api.add_chat(CHANNEL, "channel", "قناة التنبيهات", username="alerts_channel")
        for chat in (GROUP, SUPER, FORUM, CHANNEL):
            api.set_member(chat, ADMIN, "administrator")
        yield api



def alerts(fake: FakeTelegramAPI, chat: int, thread: int | None = None) -> list[SentMessage]:
    return [m for m in fake.messages_to(chat, thread) if m.plain_text.startswith((ALERT_MARK, URGENT_MARK))]


class Env:
    """One feed, a bot factory, and helpers to talk to the bot as users do."""

    def __init__(self, tmp_path: Path, fake: FakeTelegramAPI, feeds: FeedServer) -> None:
        self.tmp_path, self.fake, self.feeds = tmp_path, fake, feeds
        self.items = [Item("خبر عادي عن الطقس", "https://news.example/weather", "تفاصيل", published=datetime.now(UTC))]
        feeds.add_feed("/news.xml", rss2(self.items))
        write_config(tmp_path / "config", [{"id": "news", "url": feeds.url("/news.xml"), "name": "وكالة الأنباء"}])
        self.bots: list[NewsBot] = []

    def settings(self, **overrides: Any) -> Any:
        values: dict[str, Any] = {"telegram_bot_token": SecretStr(TOKEN), "telegram_api_base_url": self.fake.base_url,
                                  "lease_seconds": 3}
        values.update(overrides)
        return make_settings(self.tmp_path, **values)

    async def start(self, *, http: bool = False, clock: Any = None, **overrides: Any) -> NewsBot:
        """A started NewsBot whose feeds have had their first (silent) look (``clock``: a controllable now)."""
        bot = NewsBot(self.settings(**overrides), http=http, **({"clock": clock} if clock is not None else {}))
        self.bots.append(bot)
        await bot.start()
        await bot.tick()
        await wait_until(lambda: self._first_fetch_done(bot), what="first sight of the feeds")
        return bot

    async def polling(self, bot: NewsBot) -> None:
        adapter = bot.adapters[0]
        assert isinstance(adapter, TelegramAdapter)
        await wait_until(lambda: adapter.polling, what="the updater to poll")

    @staticmethod
    async def _first_fetch_done(bot: NewsBot) -> bool:
        async with bot.db.read() as conn:
            return all((await conn.execute(select(Feed.first_fetch_done))).scalars())

    def publish(self, title: str, summary: str = "", *, link: str | None = None) -> str:
        """Put a new story at the top of the feed; returns its link."""
        link = link or f"https://news.example/story/{len(self.items)}"
        self.items.insert(0, Item(title, link, summary, published=datetime.now(UTC)))
        self.feeds.set_body("/news.xml", rss2(self.items))
        return link

    async def command(self, chat: int, user: int, text: str, *, replies: int = 1, timeout: float = 10.0,
                      **kwargs: Any) -> list[SentMessage]:
        """Push a message and wait for ``replies`` new messages from the bot (anywhere)."""
        before = len(self.fake.sent)
        self.fake.push_message(chat, user, text, **kwargs)
        await self.fake.wait_sent(before + replies, timeout=timeout)
        return self.fake.sent[before:]

    async def channel_post(self, chat: int, text: str) -> list[SentMessage]:
        before = len(self.fake.sent)
        self.fake.push_channel_post(chat, text)
        await self.fake.wait_sent(before + 1, timeout=10)
        return self.fake.sent[before:]

    async def silent(self, chat: int, user: int, text: str, **kwargs: Any) -> None:
        """Push a message that must get no answer: a /watchlist barrier in the same chat proves it."""
        before = len(self.fake.sent)
        self.fake.push_message(chat, user, text, **kwargs)
        barrier = kwargs.get("message_thread_id")
        self.fake.push_message(chat, user, "/watchlist", **kwargs)
        await self.fake.wait_sent(before + 1, timeout=10)
        await asyncio.sleep(0.05)
        new = self.fake.sent[before:]
        assert len(new) == 1, [m.plain_text for m in new]
        assert barrier is None or new[0].message_thread_id == barrier

    @staticmethod
    async def dest(bot: NewsBot, chat: int | str, thread: int = 0) -> DestinationRef | None:
        return await bot.chats.find_destination("telegram", str(chat), thread)

    async def close(self) -> None:
        for bot in reversed(self.bots):
            await bot.stop()


@pytest.fixture
async def env(tmp_path: Path, fake: FakeTelegramAPI, feed_server: FeedServer) -> AsyncIterator[Env]:
    e = Env(tmp_path, fake, feed_server)
    try:
        yield e
    finally:
        await e.close()
