"""Composition root: builds every part from the settings; nothing runs at import.

``NewsBot.start()`` migrates the database, loads the config, and starts the
HTTP port, the chat platforms and the jobs; ``stop()`` undoes it in order.
Platform adapters are imported only when their tokens are set, so the
embedded default (and ``newsbot match``) never loads a chat library.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import structlog
from sqlalchemy import delete

from bot.configfiles import ConfigError, FeedSpec, load_feeds, load_watchlists
from bot.delivery.compose import Composer
from bot.delivery.console import CONSOLE_CHAT, ConsoleSender
from bot.delivery.dispatcher import Dispatcher, DispatchPolicy
from bot.delivery.ports import Sender
from bot.domain.watchlists import Watchlist
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.feeds.poller import Poller, PollPolicy
from bot.ops.http import HttpServer
from bot.ops.memory import release_free_memory
from bot.ops.metrics import Metrics
from bot.ops.notices import OpsNotifier
from bot.ops.observer import Observer
from bot.pipeline.ingest import Ingestor, LeaseLost
from bot.pipeline.watchindex import WatchIndex
from bot.scheduler import Jobs
from bot.settings import Settings
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from bot.storage.feeds_repo import FeedsRepo
from bot.storage.leases_repo import LeasesRepo
from bot.storage.models import Outbox, Story
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["NewsBot", "utcnow", "build_fetcher"]

log = structlog.get_logger(__name__)

INGEST_LEASE = "ingest"
RETENTION_DAYS = 30


def utcnow() -> datetime:
    return datetime.now(UTC)


def load_config(settings: Settings) -> tuple[list[FeedSpec], list[Watchlist]]:
    """The config files, or ConfigError listing every problem with its file and line."""
    feeds, p1 = load_feeds(settings.config_dir / "feeds.yaml")
    lists, p2 = load_watchlists(settings.config_dir / "watchlists.yaml")
    if p1 or p2:
        raise ConfigError([*p1, *p2])
    return feeds, lists


def build_fetcher(settings: Settings, **seams: Any) -> Fetcher:
    """The HTTP fetcher with the limits from the settings (``seams``: test-only DNS overrides)."""
    return Fetcher(FetchLimits(
        max_bytes=settings.max_feed_bytes, max_redirects=settings.max_redirects,
        total_timeout=settings.fetch_timeout, connect_timeout=settings.connect_timeout,
        read_timeout=settings.read_timeout, concurrency=settings.fetch_concurrency,
        per_host=settings.fetch_per_host,
    ), settings.user_agent, **seams)


class NewsBot:
    def __init__(self, settings: Settings, *, console: bool | None = None, stdout: TextIO | None = None,
                 clock: Callable[[], datetime] = utcnow, http: bool = True, fetcher: Fetcher | None = None) -> None:
        self.settings = settings
        self.clock = clock
        self.replica = settings.replica_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.started_at = clock()
        platforms = settings.telegram_enabled or settings.slack_enabled
        self.console = bool(console) or settings.console or not platforms

        self.db = Database(settings.database_url)
        self.feeds = FeedsRepo(self.db)
        self.stories = StoriesRepo(self.db)
        self.chats = ChatsRepo(self.db)
        self.outbox = OutboxRepo(self.db)
        self.leases = LeasesRepo(self.db)
        self.metrics = Metrics()
        self.ops = OpsNotifier(self.chats, self.outbox, clock=clock, feed_failures=settings.ops_feed_failures,
                               backlog_threshold=settings.ops_backlog_threshold,
                               min_interval=settings.ops_min_interval, replica=self.replica)
        self.observer = Observer(self.metrics, self.ops)
        self.fetcher = fetcher or build_fetcher(settings)
        self.http = HttpServer(self.metrics, settings.http_host, settings.port) if http else None
        self.jobs = Jobs()
        self.senders: dict[str, Sender] = {}
        if self.console:
            self.senders["console"] = ConsoleSender(stdout)
        self.adapters: list[Any] = []
        # Built in prepare(), once the config is loaded:
        self.builtin_watchlists: list[Watchlist] = []
        self.feed_specs: list[FeedSpec] = []
        self.index: WatchIndex | None = None
        self.ingestor: Ingestor | None = None
        self.poller: Poller | None = None
        self.dispatcher: Dispatcher | None = None
        self.commands: Any = None
        self._holds_ingest = False
        self._prepared = False
        self._started = False

    # ------------------------------------------------------------ build
    async def prepare(self) -> None:
        """Migrate, load config, build the pipeline; safe to call once per process."""
        if self._prepared:
            return
        s = self.settings
        await asyncio.to_thread(self.db.migrate)
        self.feed_specs, self.builtin_watchlists = load_config(s)
        self.index = WatchIndex(self.builtin_watchlists, self.chats)
        self.ingestor = Ingestor(self.db, self.index, self.stories, self.chats, self.outbox,
                                 max_age=s.max_age_seconds, cluster_window=s.cluster_window_hours * 3600,
                                 clock=self.clock, on_report=self.observer.ingested, edit_delay=s.edit_delay,
                                 lease_guard=self._ingest_guard)
        policy = PollPolicy(default_interval=s.poll_interval, min_interval=s.min_feed_interval,
                            max_interval=s.max_feed_interval,
                            disable_after=s.failure_deactivate_after, backfill=s.backfill,
                            max_backoff=s.max_backoff,
                            max_age=s.max_age_seconds, lease_seconds=s.fetch_timeout * 2 + 10)
        self.poller = Poller(self.feeds, self.stories, self.fetcher, policy, owner=self.replica, clock=self.clock,
                             events=self.observer, on_same_url=self.ingestor.record_same_url)
        self.poller.on_stored = lambda _n: self.jobs.kick("ingest")
        await self.feeds.sync_config(self.feed_specs, self.clock(), trusted=s.allow_private_config_feeds)
        if self.console:
            dest = await self.chats.ensure_destination("console", CONSOLE_CHAT, "console", now=self.clock())
            wanted = self._console_watchlists()
            await self.chats.subscribe(dest.id, wanted, self.clock())
        await self._build_platforms()
        composer = Composer(self.stories, self.index, s.tz)
        self.dispatcher = Dispatcher(self.outbox, self.chats, composer, self.senders, owner=self.replica,
                                     clock=self.clock, policy=DispatchPolicy(lease_seconds=s.lease_seconds, max_backoff=s.retry_max),
                                     events=self.observer)
        self._prepared = True

    def _console_watchlists(self) -> list[str]:
        return self.settings.console_watchlist_ids([w.id for w in self.builtin_watchlists])

    async def _build_platforms(self) -> None:
        """Chat platforms and ops destinations (imported only when configured)."""
        from bot.commands.service import CommandService

        assert self.index is not None
        self.commands = CommandService(self.settings, self.chats, self.feeds, self.stories, self.index,
                                       fetcher=self.fetcher, clock=self.clock, status=self.status)
        s = self.settings
        if s.telegram_enabled:
            from bot.adapters.telegram.adapter import TelegramAdapter

            tg = TelegramAdapter(s, self.commands, self.chats, clock=self.clock)
            self.adapters.append(tg)
            self.senders["telegram"] = tg.sender
            if s.ops_telegram_chat_id:
                await self.chats.ensure_destination("telegram", s.ops_telegram_chat_id.strip(), "ops",
                                                    now=self.clock(), is_ops=True)
        if s.slack_enabled:
            from bot.adapters.slack.adapter import SlackAdapter

            sl = SlackAdapter(s, self.commands, self.chats, clock=self.clock)
            self.adapters.append(sl)
            self.senders["slack"] = sl.sender
            if s.ops_slack_channel:
                await self.chats.ensure_destination("slack", s.ops_slack_channel.strip(), "ops",
                                                    now=self.clock(), is_ops=True)

    # ------------------------------------------------------------- jobs
    async def _ingest_guard(self, conn: Any) -> bool:
        if not self._started:
            return True  # poll-once and tests: one process, nobody to share with
        return await self.leases.renew_in(conn, INGEST_LEASE, self.replica, self.clock(), self.settings.lease_seconds)

    async def _ingest(self) -> None:
        assert self.ingestor is not None
        held = await self.leases.acquire(INGEST_LEASE, self.replica, self.clock(), self.settings.lease_seconds)
        if not held:
            self._holds_ingest = False
            return
        if not self._holds_ingest:
            await self.ingestor.reload_clusters()  # another replica may have alerted since we last held it
            self._holds_ingest = True
        try:
            report = await self.ingestor.run_once()
        except LeaseLost:
            self._holds_ingest = False
            log.info("ingest_lease_lost", replica=self.replica)
            return
        if report.rows:
            self.jobs.kick("dispatch")

    async def _dispatch(self) -> None:
        assert self.dispatcher is not None
        while await self.dispatcher.run_once():
            pass

    async def _poll(self) -> None:
        assert self.poller is not None
        await self.poller.start_due(self.settings.fetch_concurrency * 2)

    async def _heartbeat(self) -> None:
        now = self.clock()
        await self.leases.heartbeat(self.replica, socket.gethostname(), os.getpid(), self.started_at, now)
        n = await self.leases.live_replicas(now, within=self.settings.lease_seconds)
        if self.dispatcher is not None:
            self.dispatcher.set_replicas(n)
        for adapter in self.adapters:
            if hasattr(adapter, "leader_tick"):
                await adapter.leader_tick(self.leases, self.replica, now, self.settings.lease_seconds)

    async def _gauges(self) -> None:
        stats = await self.outbox.stats(self.clock())
        self.metrics.outbox_depth.set(stats["pending"])
        self.metrics.outbox_oldest.set(stats["oldest_age"])
        health = await self.feeds.health()
        self.metrics.feeds_failing.set(health["failing"])
        self.metrics.feeds_enabled.set(health["enabled"])
        self.ops.backlog(stats["pending"], stats["oldest_age"])

    async def _ops_flush(self) -> None:
        if await self.ops.flush():
            self.jobs.kick("dispatch")

    async def _retention(self) -> None:
        """Forget what is old: sent and closed outbox rows, and stories past the retention window."""
        cutoff = self.clock() - timedelta(days=RETENTION_DAYS)
        async with self.db.begin() as conn:
            await conn.execute(delete(Outbox).where(Outbox.created_at < cutoff, Outbox.state != "pending"))
            await conn.execute(delete(Story).where(Story.first_seen_at < cutoff))

    # -------------------------------------------------------- lifecycle
    async def status(self) -> dict[str, Any]:
        """The ops picture for /status and tests."""
        now = self.clock()
        feeds = await self.feeds.health()
        outbox = await self.outbox.stats(now)
        chats = await self.chats.counts()
        return {"feeds": feeds, "outbox": outbox, "chats": chats, "replica": self.replica,
                "started_at": self.started_at, "now": now}

    async def start(self) -> None:
        await self.prepare()
        # A restarted replica (same NEWSBOT_REPLICA_ID) holds nothing any more: free what it held
        # when it died, rather than waiting for those leases to expire.
        await self.leases.leave(self.replica)
        if self.http is not None:
            for adapter in self.adapters:
                if hasattr(adapter, "register_routes"):
                    adapter.register_routes(self.http)
            self.http.add_check("database", self._check_db)
            self.http.add_check("scheduler", self._check_scheduler)
            for adapter in self.adapters:
                self.http.add_check(adapter.platform, adapter.ready)
            await self.http.start()
        for adapter in self.adapters:
            await adapter.start()
        j = self.jobs
        j.every("poll", 1.0, self._poll)
        j.every("ingest", 2.0, self._ingest)
        j.every("dispatch", 0.5, self._dispatch)
        j.every("heartbeat", max(2.0, self.settings.lease_seconds / 3), self._heartbeat)
        j.every("gauges", 15.0, self._gauges)
        j.every("ops", 5.0, self._ops_flush)
        j.every("retention", 3600.0, self._retention)
        j.every("memory", 60.0, self._release_memory)
        await self._heartbeat()
        j.start()
        self.metrics.up.set(1)
        self._started = True
        await self.ops.lifecycle(True)
        j.kick("poll")
        j.kick("dispatch")
        log.info("started", replica=self.replica, database=self.settings.redacted_database_url(),
                 feeds=len(self.feed_specs), watchlists=len(self.builtin_watchlists),
                 platforms=sorted(self.senders), port=self.http.port if self.http else None)

    async def _last_notice(self) -> None:
        """Deliver the stop notice, waiting out the ops chat's pacing if it was just written to."""
        assert self.dispatcher is not None
        while await self.outbox.waiting(list(self.senders), self.clock(), ops_only=True):
            if not await self.dispatcher.run_once(ops_only=True):
                await asyncio.sleep(0.25)

    async def _release_memory(self) -> None:
        """Give malloc's free pages back now and then so resident memory stays flat (bot.ops.memory)."""
        release_free_memory()

    async def _check_db(self) -> tuple[bool, str]:
        ok = await self.db.ping()
        return ok, "ok" if ok else "unreachable"

    async def _check_scheduler(self) -> tuple[bool, str]:
        return self.jobs.running, "running" if self.jobs.running else "stopped"

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set."""
        try:
            await self.start()
            await stop.wait()
        finally:
            await self.stop()

    async def stop(self) -> None:
        if self._started:
            self._started = False
            if self.dispatcher is not None:
                self.dispatcher.stop()  # no new sends; the one in flight per chat is still recorded
            await self.jobs.stop()
            for adapter in reversed(self.adapters):
                try:
                    await adapter.stop_receiving()
                except Exception as exc:  # noqa: BLE001 - stopping goes on
                    log.warning("adapter_stop_failed", platform=adapter.platform, error=repr(exc))
            if self.poller is not None:
                await self.poller.drain(timeout=5)
            try:
                await self.ops.lifecycle(False)
                if self.dispatcher is not None:
                    await asyncio.wait_for(self._last_notice(), timeout=5)
            except Exception as exc:  # noqa: BLE001 - best effort on the way out
                log.warning("stop_notice_failed", error=repr(exc))
            if self.dispatcher is not None:
                await self.dispatcher.quiesce()
            for adapter in reversed(self.adapters):
                try:
                    await adapter.stop()
                except Exception as exc:  # noqa: BLE001
                    log.warning("adapter_stop_failed", platform=adapter.platform, error=repr(exc))
            if self.http is not None:
                await self.http.stop()
            try:
                await self.leases.leave(self.replica)
            except Exception as exc:  # noqa: BLE001
                log.warning("leave_failed", error=repr(exc))
            self.metrics.up.set(0)
            log.info("stopped", replica=self.replica)
        await self.fetcher.close()
        await self.db.dispose()

    async def tick(self, *, force: bool = True, timeout: float = 60.0) -> dict[str, Any]:
        """Poll (every feed with ``force``), ingest, and deliver until nothing more is due now.

        The same steps the jobs run, in order and awaited: for ``poll-once`` and tests.
        """
        assert self.poller is not None and self.ingestor is not None and self.dispatcher is not None
        report = await self.poller.run_once(force=force)
        ingest = await self.ingestor.run_once()
        delivered = await self.drain(timeout=timeout)
        return {"feeds": report.feeds, "ok": report.ok, "not_modified": report.not_modified,
                "failed": report.failed, "new_stories": report.new_stories, "alerted": ingest.alerted,
                "delivered": delivered, "errors": report.errors}

    async def drain(self, *, timeout: float = 60.0) -> int:
        """Deliver until no row for a platform this process serves is waiting (or ``timeout``)."""
        assert self.dispatcher is not None
        delivered = 0
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            n = await self.dispatcher.run_once()
            delivered += n
            if n:
                continue
            if not await self.outbox.waiting(list(self.senders), self.clock()):
                break
            await asyncio.sleep(0.1)
        return delivered

    async def poll_once(self, *, timeout: float = 120.0) -> dict[str, Any]:
        """One poll of every feed, then ingest and deliver what it found (for cron and tests)."""
        await self.prepare()
        for adapter in self.adapters:
            await adapter.start_sending()
        try:
            return await self.tick(force=True, timeout=timeout)
        finally:
            for adapter in self.adapters:
                await adapter.stop()
