"""Composition root: builds every part from the settings and wires them; it does no work itself.

``NewsBot(settings)`` builds everything at once (no I/O; the config files are read here, so a bad
one fails before anything starts). ``start()`` migrates the database, syncs the configured feeds,
and starts the HTTP port, the chat platforms and the jobs; ``stop()`` undoes it in order. Platform
adapters are imported only when their tokens are set, so the embedded default (and ``newsbot
match``) never loads a chat library.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import structlog

from bot.adapters.base import PlatformAdapter
from bot.assembly import build_fetcher, load_config, poll_policy
from bot.delivery.compose import Composer
from bot.delivery.console import CONSOLE_CHAT, ConsoleSender
from bot.delivery.digests import DigestJob
from bot.delivery.dispatcher import Dispatcher, DispatchPolicy
from bot.delivery.membership import ChatLifecycle
from bot.delivery.ports import Sender
from bot.domain.expansion import place_names
from bot.domain.states import ChatKind, Platform
from bot.domain.urgency import SpreadRule
from bot.feeds.fetch import Fetcher
from bot.feeds.poller import Poller
from bot.feeds.websub import build_websub
from bot.ops.desk import Desk, Gauges
from bot.ops.http import HttpServer
from bot.ops.logs import Redactor
from bot.ops.memory import release_free_memory
from bot.ops.metrics import Metrics
from bot.ops.notices import OpsNotifier
from bot.ops.observer import Observer
from bot.ops.status import StatusSource
from bot.pipeline.ingest import Ingestor
from bot.pipeline.ingest_job import INGEST_LEASE, IngestJob
from bot.pipeline.spikes_job import SpikeJob
from bot.pipeline.watchindex import WatchIndex
from bot.scheduler import Jobs
from bot.settings import Settings
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from bot.storage.feeds_repo import FeedsRepo
from bot.storage.ingest_store import SqlIngestStore
from bot.storage.leases_repo import LeasesRepo
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.retention import forget_old
from bot.storage.spikes_store import SqlSpikeStore
from bot.storage.stories_repo import StoriesRepo

__all__ = ["NewsBot", "TickReport", "utcnow", "build_fetcher", "load_config"]

log = structlog.get_logger(__name__)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TickReport:
    """What one ``tick`` did: polls, new stories, alerts queued and messages delivered."""

    feeds: int
    ok: int
    not_modified: int
    failed: int
    new_stories: int
    alerted: int
    delivered: int
    errors: dict[str, str]


class NewsBot:
    def __init__(self, settings: Settings, *, console: bool | None = None, stdout: TextIO | None = None,
                 clock: Callable[[], datetime] = utcnow, http: bool = True, fetcher: Fetcher | None = None) -> None:
        s = self.settings = settings
        self.clock = clock
        self.replica = s.replica_id or f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        self.started_at = clock()
        self.console = bool(console) or s.console or not (s.telegram_enabled or s.slack_enabled)
        self.feed_specs, self.builtin_watchlists = load_config(s)

        # Storage
        self.db = Database(s.database_url)
        self.feeds = FeedsRepo(self.db)
        self.stories = StoriesRepo(self.db)
        self.chats = ChatsRepo(self.db, default_tz=s.tz, default_cap=s.default_cap)
        self.outbox = OutboxRepo(self.db)
        self.leases = LeasesRepo(self.db)
        self.desk = d = Desk.on(self.db, s.secret_values())  # dead letters, audit, work on alerts

        # Ops
        self.metrics = Metrics()
        self.ops = OpsNotifier(self.chats, self.outbox, clock=clock, feed_failures=s.ops_feed_failures,
                               backlog_threshold=s.ops_backlog_threshold, min_interval=s.ops_min_interval,
                               replica=self.replica, scrub=Redactor(s.secret_values()).scrub)
        self.observer = Observer(self.metrics, self.ops)
        self.status = StatusSource(self.feeds, self.outbox, self.chats, replica=self.replica,
                                   started_at=self.started_at, clock=clock)
        self.http = HttpServer(self.metrics, s.http_host, s.port) if http else None
        self.jobs = Jobs(on_error=self._job_failed)

        # Pipeline
        self.fetcher = fetcher or build_fetcher(s)
        self.index = WatchIndex(self.builtin_watchlists, self.chats)
        store = SqlIngestStore(self.db, self.stories, self.chats, self.outbox, lease_guard=self._ingest_guard)
        self.ingestor = Ingestor(store, self.index, max_age=s.max_age_seconds,
                                 cluster_window=s.cluster_window_hours * 3600, clock=clock,
                                 on_report=self.observer.ingested, edit_delay=s.edit_delay,
                                 spread=SpreadRule(s.urgent_outlets, timedelta(minutes=s.urgent_window)))
        self.digests = DigestJob(store.held, self.index, clock=clock)  # held alerts -> digest rows
        self.ingest_job = IngestJob(self.ingestor, self.leases, replica=self.replica,
                                    lease_seconds=s.lease_seconds, clock=clock)
        self.spike_store = SqlSpikeStore(self.db, self.chats, self.outbox)  # spike checks and /trends
        self.spike_job = SpikeJob.configured(s, self.spike_store, clock)
        self.poller = Poller(self.feeds, self.stories, self.fetcher, poll_policy(s), owner=self.replica,
                             clock=clock, events=self.observer, on_same_url=self.ingestor.record_same_url)

        # Commands and platforms
        from bot.commands.service import CommandService

        self.commands = CommandService(s, self.chats, self.feeds, self.stories, self.index,
                                       fetcher=self.fetcher, clock=clock, status=self.status, pending=d.imports,
                                       dead_letters=d.dead_letters, audit_log=d.audit, alert_work=d.alert_work,
                                       alert_secret=d.secret, sources=d.sources, trends=self.spike_store)
        self.lifecycle = ChatLifecycle(self.chats, self.observer)
        self.senders: dict[str, Sender] = {}
        if self.console:
            self.senders[Platform.CONSOLE] = ConsoleSender(stdout)
        self.adapters: list[PlatformAdapter] = self._platforms()
        for adapter in self.adapters:
            self.senders[adapter.platform] = adapter.sender

        # Delivery
        composer = Composer(self.stories, self.index, s.tz, work=d.alert_work, secret=d.secret,
                            zones=self.chats.zone_of)  # each destination's /timezone
        self.dispatcher = Dispatcher(self.outbox, self.lifecycle, composer,
                                     self.senders, owner=self.replica, clock=clock,
                                     policy=DispatchPolicy(lease_seconds=s.lease_seconds, max_backoff=s.retry_max),
                                     events=self.observer)

        # Jobs (started by start(); their handles let one job kick another)
        j = self.jobs
        # Idle checks back off (idle_every): new work kicks these jobs, the ticks are the safety net.
        self.poll_job = j.every("poll", 1.0, self._poll, idle_every=2.0)
        self.ingest_step = j.every("ingest", 2.0, self._ingest, idle_every=4.0)
        self.dispatch_job = j.every("dispatch", 0.5, self._dispatch, idle_every=2.0)
        self.digest_job = j.every("digest", 2.0, self.digests.run_once,  # the dispatcher sends what it writes
                                  idle_every=4.0)
        self.heartbeat_job = j.every("heartbeat", max(2.0, s.lease_seconds / 3), self._heartbeat)
        self.daily = d.daily(self.db, self.chats, self.outbox, s, clock)  # the ops digest, checked with the gauges
        self._gauges = Gauges(self.metrics, self.ops, self.outbox, self.feeds, d.dead_letters, clock, self.daily)
        j.every("gauges", 15.0, self._gauges)
        j.every("ops", 5.0, self._ops_flush)
        j.every("retention", 3600.0, self._retention)
        j.every("memory", 60.0, self._release_memory)
        self.poller.on_stored = lambda _n: self.ingest_step.kick()
        self.websub = build_websub(s, self.fetcher, self.poller, clock, self.http)
        self._prepared = False
        self._started = False

    def _platforms(self) -> list[PlatformAdapter]:
        """The configured chat platforms (their libraries imported only when configured)."""
        s, lost, report, clock = self.settings, self.observer.reply_lost, self._report, self.clock
        out: list[PlatformAdapter] = []
        if s.telegram_enabled:
            from bot.adapters.telegram.adapter import TelegramAdapter

            out.append(TelegramAdapter(s, self.commands, self.lifecycle, clock=clock, report=report,
                                       on_reply_lost=lost))
        if s.slack_enabled:
            from bot.adapters.slack.adapter import SlackAdapter

            out.append(SlackAdapter(s, self.commands, self.lifecycle, clock=clock, report=report, on_reply_lost=lost))
        return out

    def _ops_channels(self) -> list[tuple[str, str]]:
        s = self.settings
        out = []
        if s.telegram_enabled and s.ops_telegram_chat_id:
            out.append((Platform.TELEGRAM.value, s.ops_telegram_chat_id.strip()))
        if s.slack_enabled and s.ops_slack_channel:
            out.append((Platform.SLACK.value, s.ops_slack_channel.strip()))
        return out

    # ------------------------------------------------------- the one error path to ops
    def _report(self, where: str, what: str) -> None:
        """An error worth an operator's attention (a job or a platform handler failed)."""
        self.ops.error(where, what)

    def _job_failed(self, name: str, exc: BaseException) -> None:
        self._report(f"job {name}", f"{type(exc).__name__}: {str(exc)[:200]}")

    # ------------------------------------------------------------- start-up I/O
    async def prepare(self) -> None:
        """Migrate, sync configured feeds, ensure the console and ops destinations; once per process."""
        if self._prepared:
            return
        s = self.settings
        await asyncio.to_thread(self.db.migrate)
        # CLDR's place names (cross-language grouping) are built once, here in a thread, rather than
        # on the event loop when the first story arrives (about half a second).
        await asyncio.to_thread(place_names)
        await self.feeds.sync_config(self.feed_specs, self.clock(), trusted=s.allow_private_config_feeds)
        if self.console:
            dest = await self.chats.ensure_destination(Platform.CONSOLE, CONSOLE_CHAT, ChatKind.CONSOLE,
                                                       now=self.clock())
            ids = self.settings.console_watchlist_ids([w.id for w in self.builtin_watchlists])
            await self.chats.subscribe(dest.id, ids, self.clock())
        for platform, chat in self._ops_channels():
            await self.chats.ensure_destination(platform, chat, ChatKind.OPS, now=self.clock(), is_ops=True)
        self._prepared = True

    # ------------------------------------------------------------- job bodies
    async def _ingest_guard(self, conn: Any) -> bool:
        if not self._started:
            return True  # poll-once and tests: one process, nobody to share with
        return await self.leases.renew_in(conn, INGEST_LEASE, self.replica, self.clock(), self.settings.lease_seconds)

    async def _ingest(self) -> bool:
        """Whether it found work (stories decided on, rows written)."""
        report = await self.ingest_job()
        spikes = await self.spike_job() if report is not None and self.spike_job is not None else 0
        if report is not None and (report.rows or spikes):
            self.dispatch_job.kick()
        return report is not None and bool(report.stories or report.rows or spikes)

    async def _dispatch(self) -> int:
        total = 0
        while n := await self.dispatcher.run_once():
            total += n
        return total

    async def _poll(self) -> int:
        return await self.poller.start_due(self.settings.fetch_concurrency * 2)

    async def _heartbeat(self) -> None:
        now = self.clock()
        await self.leases.heartbeat(self.replica, socket.gethostname(), os.getpid(), self.started_at, now)
        self.dispatcher.set_replicas(await self.leases.live_replicas(now, within=self.settings.lease_seconds))
        for adapter in self.adapters:
            await adapter.leader_tick(self.leases, self.replica, now, self.settings.lease_seconds)

    async def _ops_flush(self) -> None:
        if await self.ops.flush():
            self.dispatch_job.kick()

    async def _retention(self) -> None:
        await forget_old(self.db, self.outbox, self.stories, self.clock())  # and /import plans done with

    async def _release_memory(self) -> None:
        release_free_memory()  # malloc's free pages back now and then: resident memory stays flat

    async def _check_db(self) -> tuple[bool, str]:
        return (True, "ok") if await self.db.ping() else (False, "unreachable")

    async def _check_scheduler(self) -> tuple[bool, str]:
        return (True, "running") if self.jobs.running else (False, "stopped")

    # --------------------------------------------------------------- lifecycle
    async def start(self) -> None:
        await self.prepare()
        # A restarted replica (same NEWSBOT_REPLICA_ID) frees at once what it held when it died.
        await self.leases.leave(self.replica)
        if self.http is not None:
            for adapter in self.adapters:
                adapter.register_routes(self.http)
            self.http.add_check("database", self._check_db)
            self.http.add_check("scheduler", self._check_scheduler)
            for adapter in self.adapters:
                self.http.add_check(adapter.platform, adapter.ready)
            await self.http.start()
        for adapter in self.adapters:
            await adapter.start()
        await self._heartbeat()
        self.jobs.start()
        self.metrics.up.set(1)
        self._started = True
        await self.ops.lifecycle(True)
        self.poll_job.kick()
        self.dispatch_job.kick()
        log.info("started", replica=self.replica, database=self.settings.redacted_database_url(),
                 feeds=len(self.feed_specs), watchlists=len(self.builtin_watchlists),
                 platforms=sorted(self.senders), port=self.http.port if self.http else None)

    async def run(self, stop: asyncio.Event) -> None:
        """Run until ``stop`` is set."""
        try:
            await self.start()
            await stop.wait()
        finally:
            await self.stop()

    async def _last_notice(self) -> None:
        """Deliver the stop notice, waiting out the ops chat's pacing if it was just written to."""
        while await self.outbox.waiting(list(self.senders), self.clock(), ops_only=True):
            if not await self.dispatcher.run_once(ops_only=True):
                await asyncio.sleep(0.25)

    async def stop(self) -> None:
        if self._started:
            self._started = False
            self.dispatcher.stop()  # no new sends; the one in flight per chat is still recorded
            await self.jobs.stop()
            await self._each_adapter(lambda a: a.stop_receiving())
            await self.poller.drain(timeout=5)
            try:
                await self.ops.lifecycle(False)
                await asyncio.wait_for(self._last_notice(), timeout=5)
            except Exception as exc:  # noqa: BLE001 - best effort on the way out
                log.warning("stop_notice_failed", error=repr(exc))
            await self.dispatcher.quiesce()
            await self._each_adapter(lambda a: a.stop())
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

    async def _each_adapter(self, step: Callable[[PlatformAdapter], Awaitable[None]]) -> None:
        """A stopping step for every adapter, last started first; one failing does not stop the rest."""
        for adapter in reversed(self.adapters):
            try:
                await step(adapter)
            except Exception as exc:  # noqa: BLE001 - stopping goes on
                log.warning("adapter_stop_failed", platform=adapter.platform, error=repr(exc))

    # ------------------------------------------------- one-shot runs (CLI poll-once, tests)
    async def tick(self, *, force: bool = True, timeout: float = 60.0) -> TickReport:
        """Poll (every feed with ``force``), ingest, digest, and deliver until nothing more is due now.

        The same steps the jobs run, in order and awaited."""
        report = await self.poller.run_once(force=force)
        ingest = await self.ingestor.run_once()
        await self.digests.run_once()
        await self.spike_job() if self.spike_job is not None else None
        delivered = await self.drain(timeout=timeout)
        return TickReport(report.feeds, report.ok, report.not_modified, report.failed, report.new_stories,
                          ingest.alerted, delivered, report.errors)

    async def drain(self, *, timeout: float = 60.0) -> int:
        """Deliver until no row for a platform this process serves is waiting (or ``timeout``)."""
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

    async def poll_once(self, *, timeout: float = 120.0) -> TickReport:
        """One poll of every feed, then ingest and deliver what it found (for cron and tests)."""
        await self.prepare()
        for adapter in self.adapters:
            await adapter.start_sending()
        try:
            return await self.tick(force=True, timeout=timeout)
        finally:
            for adapter in self.adapters:
                await adapter.stop()

