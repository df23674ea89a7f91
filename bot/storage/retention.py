"""Forgetting what is old: closed outbox rows and stories past the retention window, and /import plans
that expired or were used."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.storage.db import Database
from bot.storage.imports_repo import forget_expired_in
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.stories_repo import StoriesRepo

__all__ = ["forget_before", "forget_old", "RETENTION_DAYS"]

RETENTION_DAYS = 30


async def forget_before(db: Database, outbox: OutboxRepo, stories: StoriesRepo, cutoff: datetime) -> tuple[int, int]:
    """Delete closed outbox rows and stories older than ``cutoff``; returns (rows, stories)."""
    async with db.begin() as conn:
        rows = await outbox.forget_before(conn, cutoff)
        gone = await stories.forget_before(conn, cutoff)
    return rows, gone


async def forget_old(db: Database, outbox: OutboxRepo, stories: StoriesRepo, now: datetime) -> tuple[int, int, int]:
    """The hourly retention job: ``forget_before`` the window, and the pending imports done with by ``now``."""
    rows, gone = await forget_before(db, outbox, stories, now - timedelta(days=RETENTION_DAYS))
    async with db.begin() as conn:
        plans = await forget_expired_in(conn, now)
    return rows, gone, plans
