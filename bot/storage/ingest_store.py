"""The ingest step's storage on SQLAlchemy: reads, and one write transaction per batch."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.alerting import OutboxDraft
from bot.domain.alertwork import FollowedAlert
from bot.storage.alertwork_repo import followed_in
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from bot.storage.held_repo import HeldRepo
from bot.storage.missed_repo import count_missed_in, end_mutes_in
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.records import Audience, EndedMute, EscalationRow, FingerprintRecord, StoryMark, StoryRecord
from bot.storage.stories_repo import StoriesRepo

__all__ = ["SqlIngestStore", "LeaseGuard"]

LeaseGuard = Callable[[AsyncConnection], Awaitable[bool]]


class _Tx:
    def __init__(self, store: SqlIngestStore, conn: AsyncConnection) -> None:
        self.s, self.conn = store, conn

    async def holds_lease(self) -> bool:
        guard = self.s.lease_guard
        return True if guard is None else await guard(self.conn)

    async def audience(self, watchlist_ids: Sequence[str], chat_feed_ids: Sequence[int]) -> Audience:
        return await self.s.chats.audience(self.conn, watchlist_ids, chat_feed_ids)

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int:
        return await self.s.outbox.enqueue(self.conn, drafts)

    async def count_missed(self, dropped: Mapping[int, Sequence[int]]) -> None:
        await count_missed_in(self.conn, dropped)

    async def end_mutes(self, now: datetime) -> list[EndedMute]:
        return await end_mutes_in(self.conn, now)

    async def mark(self, marks: Sequence[StoryMark]) -> None:
        await self.s.stories.mark_many(self.conn, marks)

    async def story(self, story_id: int) -> StoryRecord | None:
        return await self.s.stories.get_in(self.conn, story_id)

    async def add_sighting(self, root: int, feed_id: int, link: str, now: datetime) -> bool:
        return await self.s.stories.add_sighting(self.conn, root, feed_id, link, now)

    async def schedule_edits(self, dedupe_key: str, due: datetime, max_edits: int) -> int:
        return await self.s.outbox.schedule_edits(self.conn, dedupe_key, due, max_edits)

    async def followed(self, dedupe_key: str, feed_id: int) -> list[FollowedAlert]:
        return await followed_in(self.conn, dedupe_key, feed_id)

    async def recent_normal(self, destination_ids: Sequence[int], since: datetime) -> dict[int, list[datetime]]:
        return await self.s.held.recent_normal(self.conn, destination_ids, since)

    async def cap_noticed(self, destination_ids: Sequence[int], now: datetime) -> None:
        await self.s.held.cap_noticed(self.conn, destination_ids, now)

    async def sightings(self, root: int) -> tuple[datetime, list[tuple[str, datetime]]] | None:
        return await self.s.held.sightings(self.conn, root)

    async def escalation_rows(self, root: int) -> list[EscalationRow]:
        return await self.s.held.escalation_rows(self.conn, root)

    async def mark_urgent(self, row_id: int, now: datetime, payload: dict[str, Any] | None = None) -> None:
        await self.s.held.mark_urgent(self.conn, row_id, now, payload)


class SqlIngestStore:
    def __init__(self, db: Database, stories: StoriesRepo, chats: ChatsRepo, outbox: OutboxRepo, *,
                 lease_guard: LeaseGuard | None = None, held: HeldRepo | None = None) -> None:
        self.db, self.stories, self.chats, self.outbox = db, stories, chats, outbox
        self.held = held or HeldRepo(db, outbox, default_tz=chats.default_tz, default_cap=chats.default_cap)
        self.lease_guard = lease_guard

    async def pending(self, limit: int) -> list[StoryRecord]:
        return await self.stories.pending(limit)

    async def recent_fingerprints(self, since: datetime) -> list[FingerprintRecord]:
        return await self.stories.recent_fingerprints(since)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[_Tx]:
        async with self.db.begin() as conn:
            yield _Tx(self, conn)
