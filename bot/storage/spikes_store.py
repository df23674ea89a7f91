"""Spike detection's storage: a list's (or a chat rule's) sightings over the last days, who heard of a spike when, and writes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from sqlalchemy import func, select

from bot.domain.alerting import Headline, OutboxDraft
from bot.domain.spikes import Sighting
from bot.domain.states import OutboxKind, StoryState
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from bot.storage.models import CustomTerm, Feed, Outbox, Story, StorySighting, table
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.records import Audience, SpikeHistory

__all__ = ["SqlSpikeStore"]

_MATCHED = [str(StoryState.ALERTED), str(StoryState.DUPLICATE)]


class SqlSpikeStore:
    def __init__(self, db: Database, chats: ChatsRepo, outbox: OutboxRepo) -> None:
        self.db, self.chats, self.outbox = db, chats, outbox

    async def history(self, since: datetime) -> SpikeHistory:
        """Matched stories first seen since ``since`` (by cluster root) and their later outlets."""
        s, g = table(Story), table(StorySighting)
        out: dict[str, list[Sighting]] = {}
        lists_of: dict[int, list[str]] = {}
        async with self.db.read() as conn:
            start = (await conn.execute(select(func.min(s.c.first_seen_at)))).scalar_one_or_none()
            rows = (await conn.execute(
                select(s.c.id, s.c.cluster_id, s.c.feed_id, s.c.first_seen_at, s.c.matches)
                .where(s.c.first_seen_at >= since, s.c.state.in_(_MATCHED)).order_by(s.c.id))).all()
            for r in rows:
                lists = [*((r.matches or {}).get("watchlists") or []), *((r.matches or {}).get("rules") or [])]
                root = int(r.cluster_id or r.id)
                for wl in lists:
                    out.setdefault(str(wl), []).append(Sighting(root, int(r.feed_id), r.first_seen_at))
                if root == r.id:
                    lists_of[root] = [str(w) for w in lists]
            copies = (await conn.execute(
                select(g.c.story_id, g.c.feed_id, g.c.seen_at).where(g.c.seen_at >= since))).all()
        for c in copies:  # the same URL in another feed: one more outlet for the story
            for wl in lists_of.get(int(c.story_id), ()):
                out.setdefault(wl, []).append(Sighting(int(c.story_id), int(c.feed_id), c.seen_at))
        return SpikeHistory(start, out)

    async def headlines(self, story_ids: Iterable[int]) -> dict[int, Headline]:
        ids = list(story_ids)
        if not ids:
            return {}
        s, f = table(Story), table(Feed)
        async with self.db.read() as conn:
            rows = (await conn.execute(select(s.c.id, s.c.title, s.c.link, f.c.name)
                                       .join(f, f.c.id == s.c.feed_id).where(s.c.id.in_(ids)))).all()
        return {int(r.id): Headline(r.title, r.link, r.name) for r in rows}

    async def last_spikes(self, since: datetime) -> dict[tuple[int, str], datetime]:
        """When each (destination, list) last had a spike alert queued, since ``since``."""
        o = table(Outbox)
        out: dict[tuple[int, str], datetime] = {}
        async with self.db.read() as conn:
            rows = (await conn.execute(select(o.c.destination_id, o.c.payload, o.c.created_at)
                                       .where(o.c.kind == str(OutboxKind.SPIKE), o.c.created_at >= since))).all()
        for r in rows:
            key = (int(r.destination_id), str((r.payload or {}).get("watchlist", "")))
            if key not in out or out[key] < r.created_at:
                out[key] = r.created_at
        return out

    async def rule_texts(self, destination_ids: Iterable[int]) -> dict[int, list[str]]:
        """Each destination's current /watch rules (a rule removed since it fired has no spike alert)."""
        ids = sorted(set(destination_ids))
        if not ids:
            return {}
        t = table(CustomTerm)
        out: dict[int, list[str]] = {}
        async with self.db.read() as conn:
            for r in (await conn.execute(select(t.c.destination_id, t.c.term)
                                         .where(t.c.destination_id.in_(ids)).order_by(t.c.id))).all():
                out.setdefault(int(r.destination_id), []).append(str(r.term))
        return out

    async def audience(self, watchlist_ids: Sequence[str]) -> Audience:
        async with self.db.read() as conn:
            return await self.chats.audience(conn, watchlist_ids, [])

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int:
        return await self.outbox.enqueue_now(drafts)
