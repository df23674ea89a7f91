"""The operator's gauges: outbox depth and age, failing feeds, dead letters kept (read every few seconds)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.ops.metrics import Metrics
from bot.ops.notices import OpsNotifier
from bot.storage.records import FeedHealth, OutboxStats

__all__ = ["Gauges"]


class _Outbox(Protocol):
    async def stats(self, now: datetime) -> OutboxStats: ...


class _Feeds(Protocol):
    async def health(self) -> FeedHealth: ...


class _DeadLetters(Protocol):
    async def count(self) -> int: ...


class Gauges:
    def __init__(self, metrics: Metrics, ops: OpsNotifier, outbox: _Outbox, feeds: _Feeds,
                 dead_letters: _DeadLetters, clock: Callable[[], datetime]) -> None:
        self.metrics, self.ops = metrics, ops
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
