"""The ops desk's stores (dead letters, alert work, audit log, sources, the buttons' key) and the gauges."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.domain.alertwork import derive_secret
from bot.ops.daily import DailyDigest, parse_at
from bot.ops.metrics import Metrics
from bot.ops.notices import NoticeQueue, OpsDestinations, OpsNotifier
from bot.settings import Settings
from bot.storage.alertwork_repo import AlertWorkRepo
from bot.storage.audit_repo import AuditRepo
from bot.storage.db import Database
from bot.storage.deadletters_repo import DeadLettersRepo
from bot.storage.imports_repo import ImportPlansRepo
from bot.storage.opsday_repo import OpsDayRepo
from bot.storage.records import FeedHealth, OutboxStats
from bot.storage.sources_repo import SourcesRepo

__all__ = ["Gauges", "Desk"]


@dataclass(frozen=True, slots=True)
class Desk:
    """What working the alerts needs from storage, and the key that signs the alerts' buttons."""

    dead_letters: DeadLettersRepo
    alert_work: AlertWorkRepo
    audit: AuditRepo
    sources: SourcesRepo
    secret: bytes
    imports: ImportPlansRepo  # /import plans awaiting their "apply" press, shared by the replicas

    @classmethod
    def on(cls, db: Database, secrets: list[str]) -> Desk:
        return cls(DeadLettersRepo(db), AlertWorkRepo(db), AuditRepo(db), SourcesRepo(db), derive_secret(secrets),
                   ImportPlansRepo(db))

    def daily(self, db: Database, destinations: OpsDestinations, outbox: NoticeQueue, settings: Settings,
              clock: Callable[[], datetime]) -> DailyDigest:
        """The daily ops digest, at ``OPS_DIGEST_TIME`` (checked with the gauges)."""
        return DailyDigest(OpsDayRepo(db), self.sources, self.alert_work, self.dead_letters, destinations, outbox,
                           tz=settings.tz, at=parse_at(settings.ops_digest_time), clock=clock)


class _Outbox(Protocol):
    async def stats(self, now: datetime) -> OutboxStats: ...


class _Feeds(Protocol):
    async def health(self) -> FeedHealth: ...


class _DeadLetters(Protocol):
    async def count(self) -> int: ...


class Gauges:
    def __init__(self, metrics: Metrics, ops: OpsNotifier, outbox: _Outbox, feeds: _Feeds,
                 dead_letters: _DeadLetters, clock: Callable[[], datetime], daily: DailyDigest | None = None) -> None:
        self.metrics, self.ops, self.daily = metrics, ops, daily
        self.outbox, self.feeds, self.dead_letters = outbox, feeds, dead_letters
        self.clock = clock

    async def __call__(self) -> None:
        stats = await self.outbox.stats(self.clock())
        self.metrics.outbox_depth.set(stats.pending)
        self.metrics.outbox_oldest.set(stats.oldest_age)
        health = await self.feeds.health()
        self.metrics.feeds_failing.set(health.failing)
        self.metrics.feeds_enabled.set(health.enabled)
        self.metrics.dead_letters_stored.set(await self.dead_letters.count())
        self.ops.backlog(stats.pending, stats.oldest_age)
        if self.daily is not None:
            await self.daily.tick()
