"""The ops picture behind /status, /readyz-style checks and tests: one typed snapshot."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.storage.records import ChatCounts, FeedHealth, OutboxStats

__all__ = ["StatusSnapshot", "StatusSource"]


@dataclass(frozen=True, slots=True)
class StatusSnapshot:
    feeds: FeedHealth
    outbox: OutboxStats
    chats: ChatCounts
    replica: str
    started_at: datetime
    now: datetime


class _Feeds(Protocol):
    async def health(self) -> FeedHealth: ...


class _Outbox(Protocol):
    async def stats(self, now: datetime) -> OutboxStats: ...


class _Chats(Protocol):
    async def counts(self) -> ChatCounts: ...


class StatusSource:
    """Reads the snapshot from storage when asked (the command core calls it for /status)."""

    def __init__(self, feeds: _Feeds, outbox: _Outbox, chats: _Chats, *, replica: str, started_at: datetime,
                 clock: Callable[[], datetime]) -> None:
        self.feeds, self.outbox, self.chats = feeds, outbox, chats
        self.replica, self.started_at, self.clock = replica, started_at, clock

    async def __call__(self) -> StatusSnapshot:
        now = self.clock()
        return StatusSnapshot(await self.feeds.health(), await self.outbox.stats(now), await self.chats.counts(),
                              self.replica, self.started_at, now)
