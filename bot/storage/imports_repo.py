"""Pending /import plans (issue 17), shared by every replica: put, peek, claim once, drop, forget.

The claim is one conditional UPDATE (``used_at IS NULL`` and not expired, for the owner): of two
presses racing on two replicas, exactly one changes the row and gets the plan.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.pending_import import ImportOwner, PendingImport
from bot.storage.db import Database
from bot.storage.models import PendingImportRow, table

__all__ = ["ImportPlansRepo", "forget_expired_in"]


def _record(r: Row[Any]) -> PendingImport:
    return PendingImport(r.token, ImportOwner(r.platform, r.chat_id, r.user_id), r.payload, r.created_at,
                         r.expires_at, r.used_at)


def _mine(token: str, owner: ImportOwner) -> list[Any]:
    t = table(PendingImportRow)
    return [t.c.token == token, t.c.platform == owner.platform, t.c.chat_id == owner.chat_id,
            t.c.user_id == owner.user_id]


async def forget_expired_in(conn: AsyncConnection, now: datetime) -> int:
    """Delete plans that expired or were used (retention)."""
    t = table(PendingImportRow)
    result = await conn.execute(delete(t).where(or_(t.c.expires_at <= now, t.c.used_at.is_not(None))))
    return int(result.rowcount or 0)


class ImportPlansRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def put(self, owner: ImportOwner, payload: Mapping[str, Any], now: datetime, ttl: timedelta) -> str:
        token = secrets.token_urlsafe(12)
        async with self.db.begin() as conn:
            await conn.execute(insert(table(PendingImportRow)).values(
                token=token, platform=owner.platform, chat_id=owner.chat_id, user_id=owner.user_id,
                payload=dict(payload), created_at=now, expires_at=now + ttl, used_at=None))
        return token

    async def peek(self, token: str, owner: ImportOwner, now: datetime) -> PendingImport | None:
        """The owner's plan while it may still be applied, left in place."""
        t = table(PendingImportRow)
        async with self.db.read() as conn:
            row = (await conn.execute(select(t).where(*_mine(token, owner), t.c.used_at.is_(None),
                                                      t.c.expires_at > now))).first()
        return _record(row) if row is not None else None

    async def claim(self, token: str, owner: ImportOwner, now: datetime) -> PendingImport | None:
        """The owner's plan, once: marked used in the same statement that checks it was not."""
        t = table(PendingImportRow)
        async with self.db.begin() as conn:
            row = (await conn.execute(
                update(t).where(*_mine(token, owner), t.c.used_at.is_(None), t.c.expires_at > now)
                .values(used_at=now).returning(*t.c))).first()
        return _record(row) if row is not None else None

    async def drop(self, token: str, owner: ImportOwner) -> bool:
        async with self.db.begin() as conn:
            result = await conn.execute(delete(table(PendingImportRow)).where(*_mine(token, owner)))
        return bool(result.rowcount)

    async def forget_expired(self, now: datetime) -> int:
        async with self.db.begin() as conn:
            return await forget_expired_in(conn, now)
