"""Named leases for singleton jobs, and replica heartbeats.

A lease row is taken when it is free or expired and renewed by its holder;
a replica that dies simply stops renewing, and another takes over once the
lease expires. The same statements run on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database
from bot.storage.models import Chat, Feed, Lease, Replica, table

__all__ = ["LeasesRepo"]


class LeasesRepo:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def acquire(self, name: str, owner: str, now: datetime, seconds: float) -> bool:
        """Take or renew the lease; True while ``owner`` holds it."""
        t = table(Lease)
        until = now + timedelta(seconds=seconds)
        async with self.db.begin() as conn:
            await conn.execute(self.db.insert(t).values(name=name, owner=None, until=None).on_conflict_do_nothing())
            res = await conn.execute(
                update(t).where(t.c.name == name,
                                or_(t.c.owner.is_(None), t.c.owner == owner, t.c.until.is_(None), t.c.until < now))
                .values(owner=owner, until=until)
            )
            return bool(res.rowcount)

    async def renew_in(self, conn: AsyncConnection, name: str, owner: str, now: datetime, seconds: float) -> bool:
        """Inside a caller's transaction: extend the lease if ``owner`` still holds it.

        On PostgreSQL the row stays locked until that transaction ends, so nobody can take
        the lease half-way through the work it protects.
        """
        t = table(Lease)
        res = await conn.execute(update(t).where(t.c.name == name, t.c.owner == owner)
                                 .values(until=now + timedelta(seconds=seconds)))
        return bool(res.rowcount)

    async def release(self, name: str, owner: str) -> None:
        t = table(Lease)
        async with self.db.begin() as conn:
            await conn.execute(update(t).where(t.c.name == name, t.c.owner == owner).values(owner=None, until=None))

    async def holder(self, name: str, now: datetime) -> str | None:
        t = table(Lease)
        async with self.db.read() as conn:
            row = (await conn.execute(select(t.c.owner, t.c.until).where(t.c.name == name))).first()
        if row is None or row.owner is None or row.until is None or row.until < now:
            return None
        return str(row.owner)

    async def heartbeat(self, replica: str, host: str, pid: int, started: datetime, now: datetime) -> None:
        t = table(Replica)
        async with self.db.begin() as conn:
            await conn.execute(self.db.insert(t).values(id=replica, host=host, pid=pid, started_at=started,
                                                        heartbeat_at=now).on_conflict_do_nothing())
            await conn.execute(update(t).where(t.c.id == replica).values(heartbeat_at=now))

    async def live_replicas(self, now: datetime, within: float) -> int:
        t = table(Replica)
        async with self.db.read() as conn:
            n = (await conn.execute(select(func.count()).select_from(t)
                                    .where(t.c.heartbeat_at >= now - timedelta(seconds=within)))).scalar_one()
        return max(1, int(n))

    async def leave(self, replica: str) -> None:
        """A clean stop: give back every lease this replica holds so others need not wait."""
        async with self.db.begin() as conn:
            await conn.execute(delete(table(Replica)).where(Replica.id == replica))
            await conn.execute(update(table(Lease)).where(Lease.owner == replica).values(owner=None, until=None))
            await conn.execute(update(table(Feed)).where(Feed.lease_owner == replica)
                               .values(lease_owner=None, lease_until=None))
            await conn.execute(update(table(Chat)).where(Chat.lease_owner == replica)
                               .values(lease_owner=None, lease_until=None))
