"""Alerts a muted destination did not get (issue 14): counted at ingest, told when the mute ends.

A mute drops alerts (nothing is delivered later); this keeps only their number, per destination,
so "/unmute" and the end of a mute can say how many were missed. ``ChatsRepo`` mixes it in for
the command core; the ingest transaction calls the ``*_in`` forms on its own connection.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.storage.db import Database
from bot.storage.models import Chat, Destination, table
from bot.storage.records import EndedMute

__all__ = ["MissedStoreMixin", "count_missed_in", "end_mutes_in"]


async def count_missed_in(conn: AsyncConnection, dropped: Mapping[int, Sequence[int]]) -> None:
    """Count the story clusters a mute dropped (destination id -> root ids), each once.

    ``missed_upto`` is the highest root counted: a batch decided twice (two ingest runs racing, a
    retried batch) or a later copy of the same story adds nothing.
    """
    d = table(Destination)
    for dest_id, roots in sorted(dropped.items()):
        upto = (await conn.execute(select(d.c.missed_upto).where(d.c.id == dest_id))).scalar_one_or_none()
        if upto is None:
            continue
        new = [r for r in roots if r > upto]
        if new:
            await conn.execute(update(d).where(d.c.id == dest_id).values(
                missed_alerts=d.c.missed_alerts + len(new), missed_upto=max(new)))


async def end_mutes_in(conn: AsyncConnection, now: datetime, limit: int = 500) -> list[EndedMute]:
    """Mutes that have run out: cleared (and their counts taken) in this transaction, returned to be told."""
    d, c = table(Destination), table(Chat)
    rows = (await conn.execute(
        select(d.c.id, d.c.chat_id, d.c.thread_id, d.c.muted_until, d.c.missed_alerts, c.c.kind)
        .join(c, c.c.id == d.c.chat_id)
        .where(d.c.muted_until.is_not(None), d.c.muted_until <= now, c.c.active.is_(True))
        .order_by(d.c.id).limit(limit))).all()
    if not rows:
        return []
    await conn.execute(update(d).where(d.c.id.in_([r.id for r in rows])).values(muted_until=None, missed_alerts=0))
    return [EndedMute(r.id, r.chat_id, int(r.thread_id or 0), str(r.kind), r.muted_until, int(r.missed_alerts or 0))
            for r in rows]


class MissedStoreMixin:
    db: Database

    async def take_missed(self, destination_id: int) -> int:
        """How many alerts the destination's mute dropped since it began; the count starts again at 0."""
        d = table(Destination)
        async with self.db.begin() as conn:
            n = (await conn.execute(select(d.c.missed_alerts).where(d.c.id == destination_id))).scalar_one_or_none()
            await conn.execute(update(d).where(d.c.id == destination_id).values(missed_alerts=0))
        return int(n or 0)
