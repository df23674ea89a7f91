"""Held alerts and what the attention rules read back: recent sends, spread, digests.

Held rows are outbox rows in ``OutboxState.HELD`` with a ``release_at``. The
digest job claims a destination's due held rows by moving them to
``DIGESTED`` inside the same transaction that writes the digest message rows,
so a digest is written exactly once whoever (which replica, which restart)
gets there first; the dispatcher then sends it like any other row.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.alerting import OutboxDraft, story_dedupe_key
from bot.domain.policy import Tier
from bot.domain.states import OutboxKind, OutboxState
from bot.storage.attention_repo import ATTENTION_COLUMNS, settings_of
from bot.storage.db import Database
from bot.storage.models import Chat, Destination, Feed, Outbox, Story, StorySighting, table
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.records import DueDigest, EscalationRow, HeldAlert

__all__ = ["HeldRepo", "DigestTx"]

_HELD = OutboxState.HELD


class DigestTx:
    """One destination's digest: the held rows it claimed, and where its messages are written."""

    def __init__(self, repo: HeldRepo, conn: AsyncConnection, held: list[HeldAlert]) -> None:
        self.repo, self.conn, self.held = repo, conn, held

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int:
        return await self.repo.outbox.enqueue(self.conn, drafts)


class HeldRepo:
    def __init__(self, db: Database, outbox: OutboxRepo, *, default_tz: ZoneInfo, default_cap: int | None) -> None:
        self.db, self.outbox = db, outbox
        self.default_tz, self.default_cap = default_tz, default_cap

    # ------------------------------------------------------------ ingest side (caller's transaction)
    async def recent_normal(self, conn: AsyncConnection, destination_ids: Sequence[int],
                            since: datetime) -> dict[int, list[datetime]]:
        """When normal alerts were queued to go out now (not held) to these destinations since ``since``."""
        o = table(Outbox)
        out: dict[int, list[datetime]] = defaultdict(list)
        ids = list(destination_ids)
        for i in range(0, len(ids), 500):
            q = select(o.c.destination_id, o.c.created_at).where(
                o.c.destination_id.in_(ids[i:i + 500]), o.c.kind == OutboxKind.ALERT, o.c.created_at > since,
                o.c.state.in_([OutboxState.PENDING, OutboxState.SENT]),
                or_(o.c.tier.is_(None), o.c.tier == Tier.NORMAL))
            for r in (await conn.execute(q)).all():
                out[r.destination_id].append(r.created_at)
        return dict(out)

    async def cap_noticed(self, conn: AsyncConnection, destination_ids: Sequence[int], now: datetime) -> None:
        d = table(Destination)
        if destination_ids:
            await conn.execute(update(d).where(d.c.id.in_(list(destination_ids))).values(last_cap_notice_at=now))

    async def sightings(self, conn: AsyncConnection, root: int) -> tuple[datetime, list[tuple[str, datetime]]] | None:
        """The story's first sighting and every (outlet, time) that carried it, its own outlet first."""
        s, ss, f = table(Story), table(StorySighting), table(Feed)
        story = (await conn.execute(select(s.c.first_seen_at, s.c.feed_id).where(s.c.id == root))).first()
        if story is None:
            return None
        out: list[tuple[str, datetime]] = [(str(story.feed_id), story.first_seen_at)]
        for r in (await conn.execute(select(ss.c.feed_id, ss.c.seen_at).join(f, f.c.id == ss.c.feed_id)
                                     .where(ss.c.story_id == root))).all():
            out.append((str(r.feed_id), r.seen_at))
        return story.first_seen_at, out

    async def escalation_rows(self, conn: AsyncConnection, root: int) -> list[EscalationRow]:
        """Alert rows of the story not yet urgent: held, waiting or sent as normal."""
        o, d, c = table(Outbox), table(Destination), table(Chat)
        q = (select(o.c.id.label("row_id"), o.c.destination_id, o.c.chat_id, o.c.story_id, o.c.state, o.c.payload,
                    o.c.story_seen_at, d.c.enabled, d.c.muted_until, c.c.active,
                    *(d.c[n] for n in ATTENTION_COLUMNS))
             .join(d, d.c.id == o.c.destination_id).join(c, c.c.id == o.c.chat_id)
             .where(o.c.dedupe_key == story_dedupe_key(root), o.c.kind == OutboxKind.ALERT,
                    o.c.urgent_at.is_(None), or_(o.c.tier.is_(None), o.c.tier == Tier.NORMAL),
                    o.c.state.in_([_HELD, OutboxState.PENDING, OutboxState.SENT])))
        out = []
        for r in (await conn.execute(q)).all():
            m = r._mapping  # noqa: SLF001
            payload = dict(m["payload"] or {})
            out.append(EscalationRow(m["row_id"], m["destination_id"], m["chat_id"], m["story_id"],
                                     OutboxState(m["state"]), tuple(str(w) for w in payload.get("watchlists", ())),
                                     payload, m["story_seen_at"], settings_of(m, self.default_tz, self.default_cap)))
        return out

    async def mark_urgent(self, conn: AsyncConnection, row_id: int, now: datetime,
                          payload: dict[str, Any] | None = None) -> None:
        """The row's story became urgent; with ``payload`` a row still waiting goes out as urgent itself."""
        o = table(Outbox)
        values: dict[str, Any] = {"urgent_at": now}
        if payload is not None:
            values.update(payload=payload, tier=str(Tier.URGENT))
        await conn.execute(update(o).where(o.c.id == row_id).values(**values))

    # ------------------------------------------------------------ digest side
    async def due(self, now: datetime, limit: int = 200) -> list[DueDigest]:
        """Destinations of active chats with held rows due by ``now``."""
        o, d, c = table(Outbox), table(Destination), table(Chat)
        q = (select(d.c.id, d.c.chat_id, c.c.platform, d.c.timezone).distinct()
             .join(o, o.c.destination_id == d.c.id).join(c, c.c.id == d.c.chat_id)
             .where(o.c.state == _HELD, o.c.release_at <= now, c.c.active.is_(True))
             .order_by(d.c.id).limit(limit))
        async with self.db.read() as conn:
            rows = (await conn.execute(q)).all()
        out = []
        for r in rows:
            try:
                zone = ZoneInfo(r.timezone) if r.timezone else self.default_tz
            except (ValueError, KeyError):
                zone = self.default_tz
            out.append(DueDigest(r.id, r.chat_id, r.platform, zone))
        return out

    @asynccontextmanager
    async def claim(self, destination_id: int, now: datetime) -> AsyncIterator[DigestTx]:
        """Claim the destination's due held rows (-> digested) and write its digest, in one transaction."""
        o, s, f = table(Outbox), table(Story), table(Feed)
        async with self.db.begin() as conn:
            q = select(o.c.id).where(o.c.destination_id == destination_id, o.c.state == _HELD,
                                     o.c.release_at <= now)
            if self.db.is_postgres:
                q = q.with_for_update(skip_locked=True)
            ids = list((await conn.execute(q)).scalars())
            held: list[HeldAlert] = []
            if ids:
                res = await conn.execute(update(o).where(o.c.id.in_(ids), o.c.state == _HELD)
                                         .values(state=str(OutboxState.DIGESTED)).returning(o.c.id))
                taken = list(res.scalars())
                rows = (await conn.execute(
                    select(o.c.id, o.c.story_id, o.c.payload, o.c.created_at, o.c.urgent_at, s.c.title, s.c.link,
                           s.c.published_at, s.c.first_seen_at, f.c.name)
                    .join(s, s.c.id == o.c.story_id).join(f, f.c.id == s.c.feed_id)
                    .where(and_(o.c.id.in_(taken))).order_by(o.c.id))).all() if taken else []
                for r in rows:
                    lists = tuple(str(w) for w in (r.payload or {}).get("watchlists", ()))
                    held.append(HeldAlert(r.id, r.story_id, r.title, r.link, r.name,
                                          r.published_at or r.first_seen_at, lists, r.created_at,
                                          r.urgent_at is not None))
            yield DigestTx(self, conn, held)
