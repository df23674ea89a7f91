"""Nothing lost, nothing twice: platform outages, SIGKILL at any moment, and secrets kept out of
logs, replies and metrics."""

from __future__ import annotations

import asyncio
import json
import random
import re
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
from pydantic import SecretStr

from bot.app import NewsBot
from bot.commands.service import Context
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database, migrate
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.replicas import Replica
from tests.support.stories import make_stories
from tests.support.waiting import wait_until

TG_TOKEN = "123456:RELIABILITY-secret-token-AAAA"
SLACK_TOKEN = "xoxb-reliability-secret-1234"
TG_CHATS = [3001, 3002, 3003]
SLACK_CHANNEL = "C0RELIAB"
LINK = re.compile(r"https://wire\.example/story/(\d+)")


def stories(n: int, seed: int) -> list[Item]:
    now = datetime.now(UTC)
    return [Item("الناتو " + t, f"https://wire.example/story/{i}", s, published=now)
            for i, (t, s) in enumerate(make_stories(n, seed=seed))]


async def subscribe_all(db: Database, chats: list[tuple[str, str, str]]) -> None:
    repo = ChatsRepo(db)
    now = datetime.now(UTC)
    for platform, chat, kind in chats:
        dest = await repo.ensure_destination(platform, chat, kind, now=now)
        await repo.subscribe(dest.id, ["nato"], now)


def story_ids(texts: list[str]) -> list[int]:
    return [int(m.group(1)) for t in texts if (m := LINK.search(t))]



async def test_outage_on_both_platforms_then_everything_in_order_once(tmp_path: Path, feed_server: FeedServer):
    async with FakeTelegramAPI(TG_TOKEN) as tg, FakeSlackAPI(bot_token=SLACK_TOKEN) as slack:
        for chat in TG_CHATS:
            tg.add_chat(chat, "private")
        slack.add_channel(SLACK_CHANNEL, "alerts")
        feed_server.add_feed("/wire.xml", rss2([Item("بداية", "https://wire.example/start")]))
        write_config(tmp_path / "config", [{"id": "wire", "url": feed_server.url("/wire.xml"), "name": "الوكالة"}])
        settings = make_settings(
            tmp_path, telegram_bot_token=SecretStr(TG_TOKEN), telegram_api_base_url=tg.base_url,
            slack_bot_token=SecretStr(SLACK_TOKEN), slack_signing_secret=SecretStr("s3cr3t"),
            slack_api_url=slack.base_url, telegram_private_interval=0.05, retry_max=1.0, lease_seconds=5)
        bot = NewsBot(settings, http=True)
        try:
            await bot.start()
            await subscribe_all(bot.db, [("telegram", str(c), "private") for c in TG_CHATS]
                                + [("slack", SLACK_CHANNEL, "slack")])
            await bot.tick()
            tg.set_outage("sendMessage", "500")
            slack.set_outage("chat.postMessage", "503")
            feed_server.set_body("/wire.xml", rss2(stories(12, seed=5)))
            await bot.tick(timeout=3)
            await asyncio.sleep(3)  # a few failed rounds
            assert not [m for m in tg.sent if m.method == "sendMessage"] and not slack.posts

            # The backlog shows in /status and /metrics.
            status = (await bot.commands.handle(Context("telegram", "3001", "private", "3001"), "/status")).plain_text()
            assert "ينتظر 12 تنبيهاً" in status and "48" not in status, status  # this chat's own queue only
            await bot._gauges()
            async with aiohttp.ClientSession() as s:
                async with s.get(f"http://127.0.0.1:{bot.http.port}/metrics") as resp:
                    assert "newsbot_outbox_depth 48.0" in await resp.text()

            tg.clear_outage()
            slack.clear_outage()
            await wait_until(lambda: sum(1 for m in tg.sent if m.method == "sendMessage") >= 36
                             and len(slack.posts) >= 12,
                             60, "delivery after the outage", interval=0.1)
            await asyncio.sleep(1)
            for chat in TG_CHATS:
                got = story_ids([m.plain_text for m in tg.messages_to(chat)])
                assert got == sorted(got) and Counter(got) == Counter(range(12)), got  # in order, each once
            got = story_ids([json.dumps(p.blocks, ensure_ascii=False) for p in slack.posts])
            assert got == sorted(got) and Counter(got) == Counter(range(12)), got
        finally:
            await bot.stop()


async def test_sigkill_at_any_moment_loses_nothing(tmp_path: Path, feed_server: FeedServer):
    """Kill -9 a running bot again and again while it polls and delivers; restart it each time."""
    rng = random.Random(3)
    async with FakeTelegramAPI(TG_TOKEN) as tg:
        for chat in TG_CHATS:
            tg.add_chat(chat, "private")
        n, kills = 100, 0
        # Every story is new to a fresh database: a backfill of 100 alerts them all on the first fetch,
        # so kills land in polling, ingest and delivery alike.
        feed_server.add_feed("/wire.xml", rss2(stories(n, seed=8)))
        config = write_config(tmp_path / "config", [
            {"id": "wire", "url": feed_server.url("/wire.xml"), "name": "الوكالة", "interval": 10}])
        url = f"sqlite:///{tmp_path / 'crash.db'}"
        await asyncio.to_thread(migrate, Database(url).sync_url)
        db = Database(url)
        await subscribe_all(db, [("telegram", str(c), "private") for c in TG_CHATS])
        await db.dispose()
        env = {"DATABASE_URL": url, "NEWSBOT_CONFIG_DIR": str(config), "TELEGRAM_BOT_TOKEN": TG_TOKEN,
               "TELEGRAM_API_BASE_URL": tg.base_url, "TELEGRAM_PRIVATE_INTERVAL": "0.05",
               "TELEGRAM_GLOBAL_RATE": "1000", "NEWSBOT_LEASE_SECONDS": "3", "NEWSBOT_BACKFILL": "100",
               "NEWSBOT_FETCH_TIMEOUT": "5", "PTB_TIMEDELTA": "true"}
        at_kill: list[int] = []

        def delivered() -> int:
            return sum(len(story_ids([m.plain_text for m in tg.messages_to(c)])) for c in TG_CHATS)

        while True:
            replica = Replica("crashy", env, tmp_path)  # the same service restarted, as a supervisor would
            await replica.start()
            if kills >= 4 or delivered() >= n * len(TG_CHATS):
                break
            if kills < 2:
                await asyncio.sleep(rng.uniform(1.5, 4.0))  # start-up, polling, ingest
            else:
                before = delivered()
                await wait_until(lambda: delivered() >= before + rng.randint(5, 40) or delivered() >= n * len(TG_CHATS),
                                 60, "some deliveries", interval=0.1)  # then in the middle of delivering
            at_kill.append(delivered())
            replica.kill()
            await replica.proc.wait()
            replica._log.close()
            kills += 1
        try:
            await wait_until(lambda: all(set(story_ids([m.plain_text for m in tg.messages_to(c)])) == set(range(n))
                                         for c in TG_CHATS), 120, "every story in every chat", interval=0.1)
        finally:
            code = await replica.stop()
        assert code == 0, replica.log()[-2000:]
        assert any(0 < d < n * len(TG_CHATS) for d in at_kill), at_kill  # killed in the middle of delivery
        for chat in TG_CHATS:
            got = Counter(story_ids([m.plain_text for m in tg.messages_to(chat)]))
            repeats = sum(v - 1 for v in got.values())
            assert repeats <= kills, (chat, repeats, kills)  # at most the message in flight at each kill


async def test_tokens_never_reach_logs_replies_or_metrics(tmp_path: Path, feed_server: FeedServer):
    async with FakeTelegramAPI(TG_TOKEN) as tg:
        tg.add_chat(TG_CHATS[0], "private")
        feed_server.add_status("/broken.xml", 500)
        config = write_config(tmp_path / "config", [{"id": "b", "url": feed_server.url("/broken.xml")}])
        env = {"DATABASE_URL": f"sqlite:///{tmp_path / 's.db'}", "NEWSBOT_CONFIG_DIR": str(config),
               "TELEGRAM_BOT_TOKEN": TG_TOKEN, "TELEGRAM_API_BASE_URL": tg.base_url, "LOG_LEVEL": "DEBUG",
               "SLACK_BOT_TOKEN": SLACK_TOKEN, "SLACK_SIGNING_SECRET": "signing-secret-value-xyz",
               "SLACK_API_URL": "http://127.0.0.1:9/api/", "PTB_TIMEDELTA": "true"}
        replica = Replica("secrets", env, tmp_path)
        await replica.start()
        try:
            tg.fail_next("sendMessage", error="500")
            tg.push_message(TG_CHATS[0], TG_CHATS[0], "/status")
            await wait_until(lambda: any("حالة البوت" in m.plain_text for m in tg.messages_to(TG_CHATS[0])), 60,
                             "the /status reply", interval=0.1)
            async with aiohttp.ClientSession() as s:
                async with s.get(f"http://127.0.0.1:{replica.port}/metrics") as resp:
                    metrics_text = await resp.text()
                async with s.get(f"http://127.0.0.1:{replica.port}/readyz") as resp:
                    ready_text = await resp.text()
        finally:
            await replica.stop()
        log = replica.log()
        assert "getUpdates" in log or "sendMessage" in log or "HTTP Request" in log  # debug logs were written
        replies = "\n".join(m.text for m in tg.sent)
        for secret in (TG_TOKEN, TG_TOKEN.split(":")[1], SLACK_TOKEN, "signing-secret-value-xyz"):
            for where, text in (("logs", log), ("replies", replies), ("metrics", metrics_text),
                                ("readyz", ready_text)):
                assert secret not in text, f"{where} leaked a secret"
