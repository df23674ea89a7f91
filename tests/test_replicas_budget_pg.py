"""Two replicas sharing one bot token on PostgreSQL stay under Telegram's line together.

Each replica takes TELEGRAM_GLOBAL_RATE / live replicas as its share of the send budget (counted on
each heartbeat from the replicas table). With the Bot API double enforcing Telegram's flood limits
(30 in any second overall, 1/s per private chat), a fan-out of one story to 300 private chats served
by both replicas earns no 429 and reaches every chat exactly once.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Feed
from bot.storage.models import Replica as ReplicaRow
from tests.conftest import write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.flood import FloodLimits
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.replicas import Replica, log_tails, subscribe_private
from tests.support.waiting import wait_until

pytestmark = pytest.mark.postgres

TOKEN = "123456:SHARE-test-token"
CHATS = range(70_001, 70_301)
STORY = "قمة حلف الناتو تبدأ اليوم في لاهاي"


async def prepare(pg_url: str, tmp_path: Path, server: FeedServer, fake: FakeTelegramAPI) -> Path:
    await subscribe_private(pg_url, fake, CHATS)
    server.add_feed("/wire.xml", rss2([Item("خبر عادي", "https://wire.example/start")]))
    return write_config(tmp_path / "config", [
        {"id": "wire", "url": server.url("/wire.xml"), "name": "وكالة الأنباء", "interval": 10}])


async def rows(pg_url: str, query):  # type: ignore[no-untyped-def]
    db = Database(pg_url)
    try:
        async with db.read() as conn:
            return list(await conn.execute(query))
    finally:
        await db.dispose()


async def beats_since(pg_url: str, moment: datetime | None, want: int) -> datetime | None:
    """The newest heartbeat once ``want`` replicas have each beaten after ``moment`` (None: once they exist)."""
    found = await rows(pg_url, select(ReplicaRow.heartbeat_at))
    if len(found) < want or (moment is not None and any(at <= moment for (at,) in found)):
        return None
    return max(at for (at,) in found)


async def test_two_replicas_sharing_a_token_earn_no_429_and_reach_every_chat_once(
        pg_url: str, tmp_path: Path, feed_server: FeedServer) -> None:
    async with FakeTelegramAPI(TOKEN) as fake:
        config = await prepare(pg_url, tmp_path, feed_server, fake)
        env = {"DATABASE_URL": pg_url, "NEWSBOT_CONFIG_DIR": str(config), "TELEGRAM_BOT_TOKEN": TOKEN,
               "TELEGRAM_API_BASE_URL": fake.base_url, "NEWSBOT_LEASE_SECONDS": "4",
               "NEWSBOT_MIN_FEED_INTERVAL": "10", "LOG_LEVEL": "INFO", "PTB_TIMEDELTA": "true"}
        replicas = [Replica("share1", env, tmp_path), Replica("share2", env, tmp_path)]
        try:
            for r in replicas:
                await r.start()

            async def fetched() -> bool:
                return bool(await rows(pg_url, select(Feed.first_fetch_done).where(Feed.first_fetch_done)))

            await wait_until(fetched, 60, "the first fetch", interval=0.3, detail=log_tails(replicas))
            # Two heartbeats of each after both rows exist: the second one's count saw the other replica.
            both = await wait_until(lambda: beats_since(pg_url, None, 2), 30, "both heartbeats", interval=0.2)
            seen = await wait_until(lambda: beats_since(pg_url, both, 2), 30, "a heartbeat each", interval=0.2)
            await wait_until(lambda: beats_since(pg_url, seen, 2), 30, "another heartbeat each", interval=0.2)

            fake.set_flood_limits(FloodLimits())
            feed_server.set_body("/wire.xml", rss2([Item(STORY, "https://wire.example/summit",
                                                         published=datetime.now(UTC))]))

            def delivered() -> Counter[int]:
                return Counter(m.chat_id for m in fake.sent if m.chat_id in CHATS and "الناتو" in m.plain_text)

            await wait_until(lambda: len(delivered()) == len(CHATS), 90, "every chat's alert", interval=0.3,
                             detail=log_tails(replicas))
            assert set(delivered().values()) == {1}, "a chat got the alert twice"
            assert fake.flood_refusals == 0, fake.flood.refusals[:5]
        finally:
            codes = [await r.stop() for r in replicas]
        assert codes == [0, 0], "\n".join(r.log()[-2000:] for r in replicas)
