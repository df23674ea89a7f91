"""Every setting, set in the environment as an operator would, checked on what it builds and runs.

Settings come from ``load_settings()`` exactly as ``newsbot`` builds them (``bot/cli.py``); each
case then looks at the object that setting drives (the fetcher's limits, the poller's policy, the
dispatcher's policy, the adapters, the HTTP port...) or at a real poll against a local feed server.
Impossible combinations are refused by the CLI; those cases live in ``tests/test_settings_refused.py``.
"""

from __future__ import annotations

import hashlib
import hmac
import socket
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from sqlalchemy import select

from bot.alerts.arabic import format_datetime
from bot.app import NewsBot
from bot.commands.service import Context
from bot.commands.texts import T
from bot.delivery.console import CONSOLE_CHAT
from bot.domain.urgency import SpreadRule
from bot.feeds.poller import PollPolicy, hinted_interval
from bot.settings import Settings, load_settings
from bot.storage.models import Feed
from tests.conftest import ROOT, Console, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2

TOKEN = "123456:settings-test-token"
NOW = datetime.now(UTC).replace(microsecond=0)


async def all_feeds(bot: NewsBot) -> list[Any]:
    """Every stored feed row (read straight from the database)."""
    from sqlalchemy import select

    from bot.storage.models import Feed

    async with bot.db.read() as conn:
        return list((await conn.execute(select(Feed.__table__).order_by(Feed.id))).all())


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Callable[..., Settings]:
    """Put variables in the environment and build the settings from it, as ``newsbot`` does."""
    monkeypatch.chdir(tmp_path)  # no stray .env file
    write_config(tmp_path / "config", [])
    base = {"DATABASE_URL": f"sqlite:///{tmp_path / 'newsbot.db'}", "NEWSBOT_CONFIG_DIR": str(tmp_path / "config"),
            "PORT": "0", "NEWSBOT_HTTP_HOST": "127.0.0.1", "LOG_LEVEL": "WARNING"}

    def build(**variables: str) -> Settings:
        for k, v in {**base, **variables}.items():
            monkeypatch.setenv(k, v)
        return load_settings()
    return build


@pytest.fixture
async def bots() -> AsyncIterator[list[NewsBot]]:
    made: list[NewsBot] = []
    yield made
    for b in made:
        await b.stop()


async def prepared(made: list[NewsBot], settings: Settings, **kw: Any) -> NewsBot:
    bot = NewsBot(settings, **kw)
    made.append(bot)
    await bot.prepare()
    return bot


def tg(bot: NewsBot) -> Any:
    return next(a for a in bot.adapters if a.platform == "telegram")


def sl(bot: NewsBot) -> Any:
    return next(a for a in bot.adapters if a.platform == "slack")


SLACK = {"SLACK_BOT_TOKEN": "xoxb-settings", "SLACK_SIGNING_SECRET": "signing-secret"}

# (variables, what they drive, expected): one row per variable (or group documented together).
CASES: list[tuple[dict[str, str], Callable[[NewsBot], Any], Any]] = [
    ({"NEWSBOT_POLL_INTERVAL": "10"}, lambda b: b.poller.policy.default_interval, 10),
    ({"NEWSBOT_MIN_FEED_INTERVAL": "30", "NEWSBOT_MAX_FEED_INTERVAL": "900"},
     lambda b: (b.poller.policy.min_interval, b.poller.policy.max_interval), (30, 900)),
    ({"NEWSBOT_POLL_INTERVAL": "7200"}, lambda b: (b.poller.policy.default_interval, b.poller.policy.max_interval),
     (7200, 3600)),  # a default above the hint bound stays as given; the bound is for hints
    ({"NEWSBOT_TIMEZONE": "America/New_York"}, lambda b: b.dispatcher.composer.tz, ZoneInfo("America/New_York")),
    ({"NEWSBOT_MAX_AGE": "90m"}, lambda b: b.ingestor.max_age, 5400),
    ({"NEWSBOT_BACKFILL": "7"}, lambda b: b.poller.policy.backfill, 7),
    ({"NEWSBOT_CONSOLE": "true", "TELEGRAM_BOT_TOKEN": TOKEN}, lambda b: sorted(b.senders), ["console", "telegram"]),
    ({"TELEGRAM_BOT_TOKEN": TOKEN}, lambda b: sorted(b.senders), ["telegram"]),
    ({}, lambda b: sorted(b.senders), ["console"]),  # no platform: the console
    ({"NEWSBOT_USER_AGENT": "ua-test/1"}, lambda b: b.fetcher.user_agent, "ua-test/1"),
    ({"NEWSBOT_FETCH_CONCURRENCY": "17", "NEWSBOT_FETCH_PER_HOST": "3"},
     lambda b: (b.fetcher.limits.concurrency, b.fetcher.limits.per_host), (17, 3)),
    ({"NEWSBOT_FETCH_CONCURRENCY": "2"}, lambda b: (b.fetcher.limits.concurrency, b.fetcher.limits.per_host), (2, 2)),
    ({"NEWSBOT_FETCH_PER_HOST": "3", "NEWSBOT_FETCH_PER_HOST_MAX": "12"},
     lambda b: (b.fetcher.hosts["h.example"].current, b.fetcher.hosts.ceiling), (3, 12)),
    ({"NEWSBOT_FETCH_CONCURRENCY": "20"}, lambda b: b.fetcher.hosts.ceiling, 20),  # the default maximum follows
    ({"NEWSBOT_ADAPTIVE_POLLING": "false"}, lambda b: b.poller.policy.adaptive, False),
    ({"NEWSBOT_PUBLIC_URL": "https://bot.example.org/"}, lambda b: b.websub.public_url, "https://bot.example.org"),
    ({}, lambda b: b.websub, None),  # no public URL: no WebSub, polling only
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://hook.example.org/tg/hook"},
     lambda b: b.websub.public_url, "https://hook.example.org"),  # webhook mode: its origin
    ({"NEWSBOT_PUBLIC_URL": "https://bot.example.org", "NEWSBOT_WEBSUB_SECRET": "shared-key"},
     lambda b: (b.websub.token(7, "https://t.example/f"),
                "shared-key" in b.settings.secret_values()),
     (hmac.new(b"shared-key", b"callback\n7\nhttps://t.example/f", hashlib.sha256).hexdigest()[:40], True)),
    ({"NEWSBOT_TELEGRAM_PREVIEW_URL": "https://preview.example/s/"}, lambda b: b.commands.settings.telegram_preview_url,
     "https://preview.example/s/"),
    ({}, lambda b: b.poller.policy.adaptive, True),
    ({"NEWSBOT_FETCH_TIMEOUT": "12", "NEWSBOT_CONNECT_TIMEOUT": "3", "NEWSBOT_READ_TIMEOUT": "7"},
     lambda b: (b.fetcher.limits.total_timeout, b.fetcher.limits.connect_timeout, b.fetcher.limits.read_timeout),
     (12, 3, 7)),
    ({"NEWSBOT_FETCH_TIMEOUT": "5"},  # the defaults (10, 15) follow a shorter total instead of exceeding it
     lambda b: (b.fetcher.limits.total_timeout, b.fetcher.limits.connect_timeout, b.fetcher.limits.read_timeout),
     (5, 5, 5)),
    ({"NEWSBOT_FETCH_TIMEOUT": "30"}, lambda b: b.poller.policy.lease_seconds, 70),  # feed lease: 2 × + 10 s
    ({"NEWSBOT_MAX_FEED_BYTES": "65536"}, lambda b: b.fetcher.limits.max_bytes, 65536),
    ({"NEWSBOT_MAX_REDIRECTS": "2"}, lambda b: b.fetcher.limits.max_redirects, 2),
    ({"NEWSBOT_FEED_DISABLE_AFTER": "9"}, lambda b: b.poller.policy.disable_after, 9),
    ({"NEWSBOT_MAX_BACKOFF": "600"}, lambda b: b.poller.policy.max_backoff, 600),
    ({"NEWSBOT_RETRY_MAX": "42"}, lambda b: b.dispatcher.policy.max_backoff, 42),
    ({"NEWSBOT_CLUSTER_WINDOW_HOURS": "6"}, lambda b: b.ingestor.clusterer.window, 6 * 3600),
    ({"NEWSBOT_EDIT_DELAY": "5"}, lambda b: b.ingestor.edit_delay, timedelta(seconds=5)),
    ({"NEWSBOT_LEASE_SECONDS": "12"}, lambda b: b.dispatcher.policy.lease_seconds, 12),
    ({"NEWSBOT_REPLICA_ID": "replica-7"}, lambda b: b.replica, "replica-7"),
    ({"NEWSBOT_REPLICA_ID": "  "}, lambda b: b.replica.startswith(socket.gethostname()), True),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9/bot"},
     lambda b: tg(b).app.bot.base_url, "http://127.0.0.1:9/bot" + TOKEN),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/tg/hook",
      "TELEGRAM_WEBHOOK_SECRET": "s3cret_-x"},
     lambda b: (tg(b).webhook_url, tg(b)._secret), ("https://bot.example.org/tg/hook", "s3cret_-x")),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_GLOBAL_RATE": "7", "TELEGRAM_PRIVATE_INTERVAL": "0.5",
      "TELEGRAM_GROUP_INTERVAL": "4"},
     lambda b: (tg(b).sender.global_rate, tg(b).sender.pacing("private"), tg(b).sender.pacing("group")),
     (7, 0.5, 4)),
    ({"TELEGRAM_BOT_TOKEN": TOKEN}, lambda b: (tg(b).sender.global_rate, tg(b).sender.budget.rate,
                                               tg(b).sender.paid_broadcast), (27, 27, False)),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_PAID_BROADCAST": "true"},
     lambda b: (tg(b).sender.global_rate, tg(b).sender.budget.rate, tg(b).sender.paid_broadcast), (1000, 1000, True)),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_PAID_BROADCAST": "true", "TELEGRAM_GLOBAL_RATE": "400"},
     lambda b: (tg(b).sender.global_rate, tg(b).sender.paid_broadcast), (400, True)),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_REPLY_GIVE_UP": "12"}, lambda b: tg(b).replies.give_up_after, 12),
    ({**SLACK, "SLACK_API_URL": "http://127.0.0.1:9/api/", "SLACK_SETTINGS_POLICY": "admins"},
     lambda b: (sl(b).mode, sl(b).client.base_url, sl(b).access.policy), ("http", "http://127.0.0.1:9/api/", "admins")),
    ({"SLACK_BOT_TOKEN": "xoxb-settings", "SLACK_APP_TOKEN": "xapp-settings"}, lambda b: sl(b).mode, "socket"),
    ({**SLACK, "SLACK_GLOBAL_RATE": "7", "SLACK_CHANNEL_INTERVAL": "2.5", "NEWSBOT_REPLY_GIVE_UP": "12"},
     lambda b: (sl(b).sender.global_rate, sl(b).sender.budget.rate, sl(b).sender.pacing("channel"),
                sl(b).sender.channels.interval, sl(b).replies.give_up_after, sl(b).replies.budget is sl(b).sender.budget),
     (7, 7, 2.5, 2.5, 12, True)),
    (SLACK, lambda b: (sl(b).sender.global_rate, sl(b).sender.budget.rate, sl(b).sender.channels.interval),
     (20, 20, 1.0)),
    ({"PORT": "18123", "NEWSBOT_HTTP_HOST": "127.0.0.2"}, lambda b: (b.http.host, b.http.port), ("127.0.0.2", 18123)),
    ({"OPS_FEED_FAILURES": "5", "OPS_BACKLOG_THRESHOLD": "77", "OPS_MIN_INTERVAL": "9"},
     lambda b: (b.ops.feed_failures, b.ops.backlog_threshold, b.ops.min_interval), (5, 77, 9)),
    ({"NEWSBOT_ALLOW_PRIVATE_CONFIG_FEEDS": "false"}, lambda b: b.settings.allow_private_config_feeds, False),
    ({"NEWSBOT_TIMEZONE": "Europe/London"}, lambda b: (b.chats.default_tz, b.digests.store.default_tz),
     (ZoneInfo("Europe/London"),) * 2),  # a chat without /timezone: its quiet hours and digests
    ({"NEWSBOT_URGENT_OUTLETS": "4", "NEWSBOT_URGENT_WINDOW": "45"}, lambda b: b.ingestor.spread,
     SpreadRule(4, timedelta(minutes=45))),
    ({}, lambda b: (b.ingestor.spread, b.chats.default_cap), (SpreadRule(3, timedelta(minutes=30)), None)),
    ({"NEWSBOT_DEFAULT_CAP": "6"}, lambda b: (b.chats.default_cap, b.digests.store.default_cap), (6, 6)),
    ({"OPS_DIGEST_TIME": " 21:30 "}, lambda b: b.daily.at, dtime(21, 30)),  # the daily ops digest
    ({"OPS_DIGEST_TIME": "off"}, lambda b: b.daily.at, None),
    ({}, lambda b: b.daily.at, dtime(8, 0)),
]


@pytest.mark.parametrize(("variables", "probe", "expected"), CASES,
                         ids=[",".join(c[0]) or "defaults" for c in CASES])
async def test_each_setting_reaches_what_it_drives(env: Callable[..., Settings], bots: list[NewsBot],
                                                   variables: dict[str, str], probe: Callable[[NewsBot], Any],
                                                   expected: Any) -> None:
    bot = await prepared(bots, env(**variables), stdout=Console())
    assert probe(bot) == expected


async def test_database_url_and_config_dir_are_used(env: Callable[..., Settings], bots: list[NewsBot],
                                                    tmp_path: Path) -> None:
    other = write_config(tmp_path / "elsewhere", [{"id": "only-here", "url": "https://example.org/rss"}])
    db = tmp_path / "data" / "chosen.db"
    db.parent.mkdir()
    bot = await prepared(bots, env(DATABASE_URL=f"sqlite:///{db}", NEWSBOT_CONFIG_DIR=str(other)), stdout=Console())
    assert [f.id for f in bot.feed_specs] == ["only-here"]
    assert db.exists() and not (tmp_path / "newsbot.db").exists()
    assert [f.key for f in await all_feeds(bot)] == ["only-here"]


async def test_console_watchlists_are_what_the_console_follows(env: Callable[..., Settings],
                                                                bots: list[NewsBot]) -> None:
    bot = await prepared(bots, env(NEWSBOT_CONSOLE_WATCHLISTS="nato, gaza"), stdout=Console())
    dest = await bot.chats.find_destination("console", CONSOLE_CHAT)
    assert dest is not None and sorted(await bot.chats.subscriptions(dest.id)) == ["gaza", "nato"]
    everything = await prepared(bots, env(NEWSBOT_CONSOLE_WATCHLISTS="all",
                                          DATABASE_URL=f"sqlite:///{Path.cwd() / 'b.db'}"), stdout=Console())
    dest = await everything.chats.find_destination("console", CONSOLE_CHAT)
    assert dest is not None
    assert sorted(await everything.chats.subscriptions(dest.id)) == sorted(w.id for w in everything.builtin_watchlists)


async def test_ops_channels_become_ops_destinations(env: Callable[..., Settings], bots: list[NewsBot]) -> None:
    bot = await prepared(bots, env(TELEGRAM_BOT_TOKEN=TOKEN, OPS_TELEGRAM_CHAT_ID="-1001234", **SLACK,
                                   OPS_SLACK_CHANNEL="COPS1"))
    assert sorted((d.platform, d.external_id) for d in await bot.chats.ops_destinations()) == \
        [("slack", "COPS1"), ("telegram", "-1001234")]


# ----------------------------------------------------------------- polling
PLACES = ["غزة", "الخرطوم", "حلب", "طرابلس", "صنعاء"]
EVENTS = ["يبدأ صباح الأحد", "ينهار بعد ساعات", "يصمد رغم القصف", "يمدد أسبوعاً", "تحت رقابة أممية"]


def story_feed(n: int = 1, published: datetime = NOW, ttl: int | None = None) -> bytes:
    """``n`` distinct ceasefire stories (distinct enough not to cluster as one)."""
    return rss2([Item(f"وقف إطلاق النار في {PLACES[i]} {EVENTS[i]}", f"https://p.example/s/{i}",
                      published=published) for i in range(n)], ttl=ttl)


async def next_polls(bot: NewsBot) -> dict[str, float]:
    now = datetime.now(UTC)
    async with bot.db.read() as conn:
        rows = (await conn.execute(select(Feed.key, Feed.next_poll_at))).all()
    return {k: (when.replace(tzinfo=UTC) if when.tzinfo is None else when).timestamp() - now.timestamp()
            for k, when in rows}


@pytest.mark.parametrize(("variables", "expected"), [
    # NEWSBOT_POLL_INTERVAL=10 polls every 10 s: the 60 s hint minimum does not apply to it.
    # (Entry-frequency pacing off: these are the operator's pace and the publishers' hints alone.)
    ({"NEWSBOT_POLL_INTERVAL": "10", "NEWSBOT_ADAPTIVE_POLLING": "false"},
     {"plain": 10, "fixed": 45, "short": 10, "ttl": 3600, "cached": 300}),
    # The hint bounds move hints only: a short max-age is raised to the minimum, a long ttl cut to the maximum.
    ({"NEWSBOT_POLL_INTERVAL": "120", "NEWSBOT_MIN_FEED_INTERVAL": "60", "NEWSBOT_MAX_FEED_INTERVAL": "1800",
      "NEWSBOT_ADAPTIVE_POLLING": "false"},
     {"plain": 120, "fixed": 45, "short": 60, "ttl": 1800, "cached": 300}),
    ({"NEWSBOT_POLL_INTERVAL": "120", "NEWSBOT_MIN_FEED_INTERVAL": "20", "NEWSBOT_ADAPTIVE_POLLING": "false"},
     {"plain": 120, "fixed": 45, "short": 20, "ttl": 3600, "cached": 300}),
])
async def test_poll_intervals_after_a_real_poll(env: Callable[..., Settings], bots: list[NewsBot], tmp_path: Path,
                                                feed_server: FeedServer, variables: dict[str, str],
                                                expected: dict[str, float]) -> None:
    feed_server.add_feed("/plain.xml", story_feed())
    feed_server.add_feed("/fixed.xml", story_feed(ttl=600))
    feed_server.add_cache_control("/short.xml", story_feed(), max_age=5)
    feed_server.add_feed("/ttl.xml", story_feed(ttl=24 * 60))
    feed_server.add_cache_control("/cached.xml", story_feed(), max_age=300)
    write_config(tmp_path / "config", [
        {"id": "plain", "url": feed_server.url("/plain.xml")},
        {"id": "fixed", "url": feed_server.url("/fixed.xml"), "interval": 45},  # as configured, hints or not
        {"id": "short", "url": feed_server.url("/short.xml")},
        {"id": "ttl", "url": feed_server.url("/ttl.xml")},
        {"id": "cached", "url": feed_server.url("/cached.xml")},
    ])
    bot = await prepared(bots, env(**variables), stdout=Console(), http=False)
    await bot.poll_once(timeout=5)
    got = await next_polls(bot)
    for key, seconds in expected.items():
        assert seconds * 0.93 - 1 <= got[key] <= seconds * 1.06, (key, got[key], seconds)


@pytest.mark.parametrize(("default", "low", "high", "hint", "expected"), [
    (10, 60, 3600, None, 10),  # no hint: the operator's interval, as given
    (10, 60, 3600, 5, 10),  # a hint never pulls below the operator's interval through the minimum
    (10, 60, 3600, 30, 30),
    (10, 60, 3600, 86400, 3600),
    (120, 60, 3600, 30, 60),  # the minimum bounds a short hint
    (120, 60, 3600, 90, 90),
    (120, 60, 3600, 900, 900),
    (7200, 60, 3600, None, 7200),  # a default above the maximum stays as given
    (7200, 60, 3600, 86400, 7200),  # a maximum below the default caps hints at the default
    (7200, 60, 3600, 600, 600),
])
def test_hinted_interval(default: float, low: float, high: float, hint: float | None, expected: float) -> None:
    policy = PollPolicy(default_interval=default, min_interval=low, max_interval=high)
    assert hinted_interval(policy, hint) == expected


async def test_poll_interval_of_ten_seconds_polls_again_within_ten(env: Callable[..., Settings], bots: list[NewsBot],
                                                                   tmp_path: Path, feed_server: FeedServer) -> None:
    """The running jobs, not just the schedule: two polls of one feed about 10 s apart."""
    import asyncio

    feed_server.add_feed("/plain.xml", story_feed())
    write_config(tmp_path / "config", [{"id": "plain", "url": feed_server.url("/plain.xml")}])
    bot = NewsBot(env(NEWSBOT_POLL_INTERVAL="10", NEWSBOT_ADAPTIVE_POLLING="false"), stdout=Console())
    bots.append(bot)
    await bot.start()
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 25
    while feed_server.hits["/plain.xml"] < 2 and loop.time() < deadline:
        await asyncio.sleep(0.2)
    assert feed_server.hits["/plain.xml"] >= 2  # with the old 60 s clamp the second poll would come at ~60 s


async def test_timezone_backfill_and_user_agent_in_a_real_poll(env: Callable[..., Settings], bots: list[NewsBot],
                                                               tmp_path: Path, feed_server: FeedServer) -> None:
    published = NOW - timedelta(minutes=5)
    feed_server.add_feed("/news.xml", story_feed(4, published))
    write_config(tmp_path / "config", [{"id": "news", "url": feed_server.url("/news.xml")}])
    out = Console()
    bot = await prepared(bots, env(NEWSBOT_TIMEZONE="America/New_York", NEWSBOT_BACKFILL="2",
                                   NEWSBOT_USER_AGENT="newsbot-test/9 (+https://example.org)"), stdout=out, http=False)
    report = await bot.poll_once(timeout=10)
    assert report.alerted == 2 and len(out.alerts()) == 2  # 2 of the 4 existing items
    assert all(format_datetime(published, ZoneInfo("America/New_York")) in a for a in out.alerts())
    assert not any(format_datetime(published, ZoneInfo("Asia/Riyadh")) in a for a in out.alerts())
    assert feed_server.requests["/news.xml"][0]["User-Agent"] == "newsbot-test/9 (+https://example.org)"


async def test_max_age_decides_what_alerts(env: Callable[..., Settings], bots: list[NewsBot], tmp_path: Path,
                                           feed_server: FeedServer) -> None:
    feed_server.add_feed("/news.xml", story_feed(1, NOW - timedelta(hours=3)))
    write_config(tmp_path / "config", [{"id": "news", "url": feed_server.url("/news.xml")}])
    young = await prepared(bots, env(NEWSBOT_MAX_AGE="2h", NEWSBOT_BACKFILL="5"), stdout=Console(), http=False)
    assert (await young.poll_once(timeout=5)).alerted == 0
    old = await prepared(bots, env(NEWSBOT_MAX_AGE="4h", NEWSBOT_BACKFILL="5",
                                   DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}"), stdout=Console(), http=False)
    assert (await old.poll_once(timeout=5)).alerted == 1


async def test_fetch_limits_and_private_feeds_in_a_real_poll(env: Callable[..., Settings], bots: list[NewsBot],
                                                             tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_huge("/huge.xml", 200_000)
    feed_server.add_redirect("/r1", feed_server.url("/r2"))
    feed_server.add_redirect("/r2", feed_server.url("/news.xml"))
    feed_server.add_feed("/news.xml", story_feed())
    write_config(tmp_path / "config", [{"id": "huge", "url": feed_server.url("/huge.xml")},
                                       {"id": "hops", "url": feed_server.url("/r1")}])
    bot = await prepared(bots, env(NEWSBOT_MAX_FEED_BYTES="65536", NEWSBOT_MAX_REDIRECTS="1"), http=False,
                         stdout=Console())
    errors = (await bot.poll_once(timeout=5)).errors
    assert "65536" in errors["huge"] or "64" in errors["huge"], errors
    assert "redirect" in errors["hops"], errors
    blocked = await prepared(bots, env(NEWSBOT_ALLOW_PRIVATE_CONFIG_FEEDS="false",
                                       DATABASE_URL=f"sqlite:///{tmp_path / 'b.db'}"), http=False, stdout=Console())
    errors = (await blocked.poll_once(timeout=5)).errors
    assert set(errors) == {"huge", "hops"} and all("not allowed" in e for e in errors.values()), errors


async def test_feed_disable_after_disables_a_failing_feed(env: Callable[..., Settings], bots: list[NewsBot],
                                                          tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_status("/down.xml", 503)
    write_config(tmp_path / "config", [{"id": "down", "url": feed_server.url("/down.xml")}])
    bot = await prepared(bots, env(NEWSBOT_FEED_DISABLE_AFTER="2", NEWSBOT_MAX_BACKOFF="10"), http=False,
                         stdout=Console())
    await bot.poll_once(timeout=5)
    (row,) = await all_feeds(bot)
    assert row.enabled and (row.next_poll_at.replace(tzinfo=UTC) - datetime.now(UTC)).total_seconds() <= 12.5
    await bot.poll_once(timeout=5)
    (row,) = await all_feeds(bot)
    assert not row.enabled and "2 failures" in (row.disabled_reason or "")


# ---------------------------------------------------------------- commands
async def test_chat_limits_from_the_environment(env: Callable[..., Settings], bots: list[NewsBot]) -> None:
    bot = await prepared(bots, env(NEWSBOT_MAX_TERMS="2", NEWSBOT_COMMANDS_PER_MINUTE="4"), stdout=Console())
    ctx = Context("telegram", "42", "private", "42")
    for term in ("أول", "ثان"):
        assert not (await bot.commands.handle(ctx, f"/watch {term}")).error
    third = await bot.commands.handle(ctx, "/watch ثالث")
    assert third.error and T.WATCH_LIMIT.format(own="قائمتك", limit="عبارتين") in third.plain_text()
    await bot.commands.handle(ctx, "/help")  # the 4th command this minute
    assert "أرسلتَ أوامر كثيرة في وقت قصير" in (await bot.commands.handle(ctx, "/help")).plain_text()


async def test_default_cap_from_the_environment_is_every_chats_cap(env: Callable[..., Settings],
                                                                   bots: list[NewsBot]) -> None:
    """NEWSBOT_DEFAULT_CAP=1: a chat that never ran /cap is capped at one alert an hour; /cap off lifts it."""
    bot = await prepared(bots, env(NEWSBOT_DEFAULT_CAP="1", NEWSBOT_URGENT_OUTLETS="5"), stdout=Console())
    ctx = Context("telegram", "42", "private", "42")
    assert not (await bot.commands.handle(ctx, "/subscribe nato")).error
    shown = (await bot.commands.handle(ctx, "/watchlist")).plain_text()
    assert "الحد: لا يزيد عن تنبيه واحد في الساعة" in shown
    dest = await bot.chats.find_destination("telegram", "42")
    assert dest is not None
    assert (await _settings(bot, dest.id)).cap == 1
    assert not (await bot.commands.handle(ctx, "/cap off")).error
    assert (await _settings(bot, dest.id)).cap is None


async def _settings(bot: NewsBot, destination_id: int) -> Any:
    """What the delivery policy is handed for the destination (its subscriber entry)."""
    async with bot.db.begin() as conn:
        subs = (await bot.chats.audience(conn, ["nato"], [])).subscribers["nato"]
    return next(e.settings for e in subs if e.destination_id == destination_id)


async def test_max_feeds_from_the_environment(env: Callable[..., Settings], bots: list[NewsBot]) -> None:
    bot = await prepared(bots, env(NEWSBOT_MAX_FEEDS="1"), stdout=Console())
    ctx = Context("telegram", "42", "private", "42")
    dest = await bot.chats.ensure_destination("telegram", "42", "private", now=datetime.now(UTC))
    feed_id = await bot.feeds.create_chat_feed("https://example.org/a.xml", "a", "chat-a", datetime.now(UTC))
    await bot.chats.link_feed(dest.id, feed_id, "42", datetime.now(UTC), limit=1)
    reply = await bot.commands.handle(ctx, "/addfeed https://example.org/b.xml")
    assert reply.error and T.FEED_LIMIT.format(limit=1) in reply.plain_text()


# ------------------------------------------------------------- HTTP and logs
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_port_and_host_serve_health(env: Callable[..., Settings], bots: list[NewsBot]) -> None:
    port = free_port()
    bot = NewsBot(env(PORT=str(port), NEWSBOT_HTTP_HOST="127.0.0.1"), stdout=Console())
    bots.append(bot)
    await bot.start()
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{port}/healthz") as resp:
        assert resp.status == 200


@pytest.mark.parametrize(("level", "shown"), [("WARNING", True), ("ERROR", False)])
def test_log_level_filters_what_newsbot_logs(tmp_path: Path, level: str, shown: bool) -> None:
    """A feed on a closed port fails: its warning is logged at LOG_LEVEL=WARNING and not at ERROR."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    config = write_config(tmp_path / "config", [{"id": "gone", "url": f"http://127.0.0.1:{closed}/rss"}])
    env = {"PYTHONPATH": str(ROOT), "NEWSBOT_CONFIG_DIR": str(config), "LOG_LEVEL": level,
           "DATABASE_URL": f"sqlite:///{tmp_path / 'n.db'}", "PATH": "/usr/bin:/bin"}
    res = subprocess.run([sys.executable, "-m", "bot", "poll-once", "--timeout", "5"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr
    assert ("feed_failing" in res.stderr) is shown, res.stderr


def test_every_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Configuration"):]
    table = table[: table.index("\n## ", 3)]
    missing = [f.alias for f in Settings.model_fields.values() if f.alias and f"`{f.alias}`" not in table]
    assert not missing, missing
