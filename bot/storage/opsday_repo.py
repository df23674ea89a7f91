"""What the daily ops digest counts: alerts sent per platform, new dead letters, the slowest delivery."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update

from bot.domain.states import OutboxKind, OutboxState
from bot.storage.db import Database
from bot.storage.models import Chat, Meta, Outbox, Story, table

__all__ = ["OpsDayRepo"]

DIGEST_DAY = "ops_digest_day"


class OpsDayRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim_day(self, day: int) -> bool:
        """True for exactly one replica per day (the day as YYYYMMDD): that one sends the digest."""
        m = table(Meta)
        async with self.db.begin() as conn:
            await conn.execute(self.db.insert(m).values(key=DIGEST_DAY, value=0).on_conflict_do_nothing())
            res = await conn.execute(update(m).where(m.c.key == DIGEST_DAY, m.c.value < day).values(value=day))
            return bool(res.rowcount)

    async def sent_per_platform(self, since: datetime) -> dict[str, int]:
        o, c = table(Outbox), table(Chat)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(c.c.platform, func.count()).join(c, c.c.id == o.c.chat_id)
                .where(o.c.kind == str(OutboxKind.ALERT), o.c.state == str(OutboxState.SENT), o.c.sent_at >= since)
                .group_by(c.c.platform))).all()
        return {str(p): int(n) for p, n in rows}

    async def dead_since(self, since: datetime) -> int:
        o = table(Outbox)
        async with self.db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(o).where(
                o.c.kind == str(OutboxKind.ALERT), o.c.state == str(OutboxState.FAILED),
                o.c.failed_at >= since))).scalar_one())

    async def slowest(self, since: datetime) -> tuple[float, str, str] | None:
        """(seconds from first sight to delivery, story title, platform) of the slowest alert sent since."""
        o, c, s = table(Outbox), table(Chat), table(Story)
        best: tuple[float, str, str] | None = None
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(o.c.sent_at, o.c.story_seen_at, s.c.title, c.c.platform)
                .join(c, c.c.id == o.c.chat_id).outerjoin(s, s.c.id == o.c.story_id)
                .where(o.c.kind == str(OutboxKind.ALERT), o.c.sent_at >= since, o.c.story_seen_at.is_not(None))
                .limit(200000))).all()
        for sent_at, seen_at, title, platform in rows:
            took = (sent_at - seen_at).total_seconds()
            if best is None or took > best[0]:
                best = (took, title or "", str(platform))
        return best
