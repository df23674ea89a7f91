"""Scale-out on PostgreSQL: several ``newsbot run`` processes share one database safely.

Two replicas, one local feed server, 200 stories x 50 chats on a fake Bot API:
every (story, chat) pair is delivered exactly once; a replica killed with
SIGKILL mid-delivery leaves its work to the other once its leases expire;
/metrics from both parse with prometheus-client's own parser and add up;
the ops chat hears about a failing feed and then its recovery.
"""

from __future__ import annotations

import asyncio
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select

from bot.storage.db import Database
from bot.storage.models import Feed
from tests.conftest import write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.replicas import Replica, log_tails, subscribe_private
from tests.support.stories import make_stories
from tests.support.waiting import wait_until

pytestmark = pytest.mark.postgres

TOKEN = "123456:REPLICA-test-token"
CHATS = [2000 + i for i in range(50)]
OPS = -1009990
N_STORIES = 200
LINK = re.compile(r"https://wire\.example/story/(\d+)")


def env_for(pg_url: str, fake: FakeTelegramAPI, config: Path) -> dict[str, str]:
    return {
        "DATABASE_URL": pg_url, "NEWSBOT_CONFIG_DIR": str(config), "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_API_BASE_URL": fake.base_url, "TELEGRAM_GLOBAL_RATE": "1000",
        "TELEGRAM_PRIVATE_INTERVAL": "0", "TELEGRAM_GROUP_INTERVAL": "0", "NEWSBOT_LEASE_SECONDS": "4",
        "OPS_TELEGRAM_CHAT_ID": str(OPS), "OPS_FEED_FAILURES": "2", "OPS_MIN_INTERVAL": "1",
        "NEWSBOT_MAX_BACKOFF": "10", "NEWSBOT_MIN_FEED_INTERVAL": "10", "LOG_LEVEL": "INFO",
        "PTB_TIMEDELTA": "true",
    }


async def prepare(pg_url: str, tmp_path: Path, server: FeedServer, fake: FakeTelegramAPI) -> Path:
    """Schema, 50 chats subscribed to NATO, the fake's chats, and the feeds."""
    await subscribe_private(pg_url, fake, CHATS)
    fake.add_chat(OPS, "supergroup", "غرفة العمليات")
    server.add_feed("/wire.xml", rss2([Item("خبر عادي", "https://wire.example/start")]))
    server.add_feed("/flaky.xml", rss2([Item("خبر", "https://flaky.example/1")]))
    return write_config(tmp_path / "config", [
        {"id": "wire", "url": server.url("/wire.xml"), "name": "وكالة الأنباء", "interval": 10},
        {"id": "flaky", "url": server.url("/flaky.xml"), "name": "المصدر المتقطع", "interval": 10},
    ])


def nato_stories() -> bytes:
    stories = make_stories(N_STORIES, seed=99)
    return rss2([Item("الناتو " + t, f"https://wire.example/story/{i}", s, published=datetime.now(UTC))
                 for i, (t, s) in enumerate(stories)])


async def first_fetch_done(pg_url: str) -> bool:
    db = Database(pg_url)
    try:
        async with db.read() as conn:
            row = (await conn.execute(select(Feed.first_fetch_done).where(Feed.key == "wire"))).first()
        return bool(row and row[0])
    finally:
        await db.dispose()


def deliveries(fake: FakeTelegramAPI) -> Counter[tuple[int, str]]:
    out: Counter[tuple[int, str]] = Counter()
    for m in fake.sent:
        if m.method == "sendMessage" and int(m.chat_id) in CHATS:
            found = LINK.search(m.plain_text)
            if found:
                out[(int(m.chat_id), found.group(1))] += 1
    return out



async def metrics(replica: Replica) -> dict[str, list]:
    async with aiohttp.ClientSession() as s:
        async with s.get(f"http://127.0.0.1:{replica.port}/metrics") as resp:
            assert resp.status == 200
            text = await resp.text()
    return {f.name: f.samples for f in text_string_to_metric_families(text)}


def total(samples: list, name: str, **labels: str) -> float:
    return sum(s.value for s in samples if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()))


async def test_two_replicas_deliver_every_pair_exactly_once(pg_url: str, tmp_path: Path, feed_server: FeedServer):
    async with FakeTelegramAPI(TOKEN) as fake:
        config = await prepare(pg_url, tmp_path, feed_server, fake)
        env = env_for(pg_url, fake, config)
        replicas = [Replica("r1", env, tmp_path), Replica("r2", env, tmp_path)]
        try:
            for r in replicas:
                await r.start()
            await wait_until(lambda: first_fetch_done(pg_url), 60, "the first fetch",
                             interval=0.3, detail=log_tails(replicas))
            feed_server.set_body("/wire.xml", nato_stories())
            feed_server.add_status("/flaky.xml", 500)
            want = len(CHATS) * N_STORIES
            await wait_until(lambda: sum(deliveries(fake).values()) >= want, 240, f"{want} deliveries",
                             interval=0.3, detail=log_tails(replicas))
            feed_server.add_feed("/flaky.xml", rss2([Item("خبر", "https://flaky.example/1")]))

            def ops_text() -> str:
                return "\n".join(m.plain_text for m in fake.messages_to(OPS))

            await wait_until(lambda: "المصدر المتقطع" in ops_text() and "يفشل" in ops_text(), 60,
                             "the failing-feed notice", interval=0.3, detail=log_tails(replicas))
            await wait_until(lambda: "عاد المصدر" in ops_text(), 90, "the recovery notice",
                             interval=0.3, detail=log_tails(replicas))
            got = deliveries(fake)
            assert len(got) == want and set(got.values()) == {1}, Counter(got.values())
            assert ops_text().index("يفشل") < ops_text().index("عاد المصدر")

            await asyncio.sleep(16)  # one gauges round on each replica
            families = [await metrics(r) for r in replicas]
            sent = sum(total(f["newsbot_alerts_sent"], "newsbot_alerts_sent_total", platform="telegram")
                       for f in families)
            latency = sum(total(f["newsbot_alert_latency_seconds"], "newsbot_alert_latency_seconds_count",
                                platform="telegram") for f in families)
            assert sent >= want and latency == want
            assert sum(total(f["newsbot_matches"], "newsbot_matches_total", watchlist="nato") for f in families) \
                == N_STORIES
            assert sum(total(f["newsbot_stories_seen"], "newsbot_stories_seen_total") for f in families) >= N_STORIES
            assert any(total(f["newsbot_feed_polls"], "newsbot_feed_polls_total", feed="wire") for f in families)
            assert any(total(f["newsbot_feed_failures"], "newsbot_feed_failures_total", feed="flaky") for f in families)
            for f in families:
                assert total(f["newsbot_outbox_depth"], "newsbot_outbox_depth") == 0
                assert "newsbot_outbox_oldest_age_seconds" in f and "newsbot_up" in f
                assert "newsbot_alert_latency_seconds" in f
            # A replica that happened to send nothing has no labelled series yet; the histogram is checked
            # on each replica that did (the counts above already add up to every pair).
            senders = [f for f in families if total(f["newsbot_alert_latency_seconds"],
                                                    "newsbot_alert_latency_seconds_count", platform="telegram")]
            assert senders
            for f in senders:
                buckets = [s for s in f["newsbot_alert_latency_seconds"] if s.name.endswith("_bucket")]
                assert buckets and buckets[-1].labels["le"] == "+Inf"
        finally:
            codes = [await r.stop() for r in replicas]
        assert codes == [0, 0], "\n".join(r.log()[-2000:] for r in replicas)
        assert "Traceback" not in replicas[0].log() + replicas[1].log()


async def test_killed_replica_leaves_its_work_to_the_other(pg_url: str, tmp_path: Path, feed_server: FeedServer):
    async with FakeTelegramAPI(TOKEN) as fake:
        config = await prepare(pg_url, tmp_path, feed_server, fake)
        env = env_for(pg_url, fake, config)
        a, b = Replica("doomed", env, tmp_path), Replica("survivor", env, tmp_path)
        replicas = [a, b]
        try:
            await a.start()
            await wait_until(lambda: first_fetch_done(pg_url), 60, "the first fetch",
                             interval=0.3, detail=log_tails(replicas))
            await b.start()
            await asyncio.sleep(3)
            feed_server.set_body("/wire.xml", nato_stories())
            want = len(CHATS) * N_STORIES
            await wait_until(lambda: sum(deliveries(fake).values()) >= want // 4, 120, "a quarter delivered",
                             interval=0.3, detail=log_tails(replicas))
            a.kill()
            await a.proc.wait()
            at_kill = sum(deliveries(fake).values())
            assert at_kill < want, "too late to test the takeover"
            await wait_until(lambda: len(deliveries(fake)) >= want, 240, "every pair delivered",
                             interval=0.3, detail=log_tails(replicas))
            got = deliveries(fake)
            repeats = Counter(chat for (chat, _story), n in got.items() for _ in range(n - 1))
            # At most the one message in flight per chat at the kill may be repeated.
            assert all(n <= 1 for n in repeats.values()), repeats

            # The Telegram update poller moves to the survivor too.
            fake.push_message(CHATS[0], CHATS[0], "/status")
            await wait_until(lambda: any("حالة البوت" in m.plain_text for m in fake.messages_to(CHATS[0])), 60,
                             "a reply from the survivor", interval=0.3, detail=log_tails(replicas))
        finally:
            await b.stop()
            await a.stop()
