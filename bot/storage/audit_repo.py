"""The audit log: appended by the command core, read by /history and ``newsbot audit``."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import insert, select

from bot.domain.audit import AuditDraft
from bot.storage.db import Database
from bot.storage.models import AuditEntry, table
from bot.storage.records import AuditRecord, from_row

__all__ = ["AuditRepo"]


class AuditRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(self, entry: AuditDraft) -> None:
        values = asdict(entry)
        values["detail"] = values["detail"] or None
        values["args"] = values["args"][:500]
        async with self.db.begin() as conn:
            await conn.execute(insert(table(AuditEntry)).values(**values))

    async def latest(self, platform: str, chat_id: str, thread_id: int | None = None,
                     limit: int = 10) -> list[AuditRecord]:
        """The newest entries of one chat (one forum topic of it, when given), newest first."""
        t = table(AuditEntry)
        q = select(t).where(t.c.platform == platform, t.c.chat_id == chat_id)
        if thread_id is not None:
            q = q.where(t.c.thread_id == thread_id)
        async with self.db.read() as conn:
            rows = (await conn.execute(q.order_by(t.c.id.desc()).limit(limit))).all()
        return [from_row(AuditRecord, r) for r in rows]

    async def listing(self, *, platform: str | None = None, chat_id: str | None = None,
                      limit: int = 1000) -> list[AuditRecord]:
        """Entries oldest first (the newest ``limit``), of one chat when named; for the operator."""
        t = table(AuditEntry)
        q = select(t)
        if platform is not None:
            q = q.where(t.c.platform == platform)
        if chat_id is not None:
            q = q.where(t.c.chat_id == chat_id)
        async with self.db.read() as conn:
            rows = (await conn.execute(q.order_by(t.c.id.desc()).limit(limit))).all()
        return [from_row(AuditRecord, r) for r in reversed(rows)]
