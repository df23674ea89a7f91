"""Forgetting what is old: closed outbox rows and stories past the retention window."""

from __future__ import annotations

from datetime import datetime

from bot.storage.db import Database
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["forget_before", "RETENTION_DAYS"]

RETENTION_DAYS = 30


async def forget_before(db: Database, outbox: OutboxRepo, stories: StoriesRepo, cutoff: datetime) -> tuple[int, int]:
    """Delete closed outbox rows and stories older than ``cutoff``; returns (rows, stories)."""
    async with db.begin() as conn:
        rows = await outbox.forget_before(conn, cutoff)
        gone = await stories.forget_before(conn, cutoff)
    return rows, gone
