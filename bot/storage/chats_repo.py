"""Chats, their destinations (chat or forum topic) and each destination's settings."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Table, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.domain.states import AddResult, OutboxState
from bot.storage.attention_repo import AttentionStoreMixin
from bot.storage.db import Database
from bot.storage.missed_repo import MissedStoreMixin
from bot.storage.models import (
    Chat,
    ChatExclusion,
    CustomTerm,
    Destination,
    DestinationFeed,
    Feed,
    Meta,
    Outbox,
    Subscription,
    table,
)
from bot.storage.records import (
    ChatCounts,
    ChatFeed,
    DestinationRef,
    from_row,
)

__all__ = ["ChatsRepo", "DestinationRef", "TERMS_GENERATION"]

TERMS_GENERATION = "terms_generation"


class ChatsRepo(AttentionStoreMixin, MissedStoreMixin):
    def __init__(self, db: Database, *, default_tz: ZoneInfo | None = None, default_cap: int | None = None) -> None:
        self.db = db
        self.default_tz = default_tz or ZoneInfo("UTC")
        self.default_cap = default_cap

    # ------------------------------------------------------------ chats
    async def ensure_destination(
        self, platform: str, external_id: str, kind: str, *, thread_id: int = 0, title: str | None = None,
        now: datetime, reactivate: bool = True, is_ops: bool = False,
    ) -> DestinationRef:
        """The destination for a chat (and topic), created on first use."""
        c, d = table(Chat), table(Destination)
        async with self.db.begin() as conn:
            await conn.execute(
                self.db.insert(c).values(platform=platform, external_id=external_id, kind=kind, title=title,
                                         active=True, is_ops=is_ops, created_at=now)
                .on_conflict_do_nothing()
            )
            chat = (await conn.execute(
                select(c).where(c.c.platform == platform, c.c.external_id == external_id))).one()
            changes: dict[str, Any] = {}
            if reactivate and not chat.active:
                changes.update(active=True, deactivated_reason=None)
            if title and title != chat.title:
                changes["title"] = title
            if kind != chat.kind and kind and not chat.is_ops:  # the ops chat keeps its pacing class
                changes["kind"] = kind
            if is_ops and not chat.is_ops:
                changes["is_ops"] = True
            if changes:
                await conn.execute(update(c).where(c.c.id == chat.id).values(**changes))
            await conn.execute(
                self.db.insert(d).values(chat_id=chat.id, thread_id=thread_id, enabled=True, created_at=now)
                .on_conflict_do_nothing()
            )
            return await self._ref(conn, chat.id, thread_id)

    async def find_destination(self, platform: str, external_id: str, thread_id: int = 0) -> DestinationRef | None:
        c = table(Chat)
        async with self.db.read() as conn:
            chat = (await conn.execute(
                select(c.c.id).where(c.c.platform == platform, c.c.external_id == external_id))).first()
            if chat is None:
                return None
            try:
                return await self._ref(conn, chat.id, thread_id)
            except LookupError:
                return None

    async def _ref(self, conn: AsyncConnection, chat_id: int, thread_id: int) -> DestinationRef:
        c, d = table(Chat), table(Destination)
        row = (await conn.execute(
            select(d.c.id, d.c.chat_id, d.c.thread_id, d.c.enabled, d.c.muted_until,
                   c.c.platform, c.c.external_id, c.c.kind, c.c.active, c.c.title)
            .join(c, c.c.id == d.c.chat_id).where(d.c.chat_id == chat_id, d.c.thread_id == thread_id)
        )).first()
        if row is None:
            raise LookupError("no such destination")
        return DestinationRef(row.id, row.chat_id, row.platform, row.external_id, row.thread_id, row.kind,
                              row.enabled, row.active, row.muted_until, row.title)

    async def chat_gone(self, platform: str, external_id: str, reason: str) -> bool:
        """The chat blocked or removed the bot: stop delivering, close what was queued, keep settings.

        One transaction for both, whoever noticed (a send refused, a membership update).
        True when the chat was active until now.
        """
        c, o = table(Chat), table(Outbox)
        async with self.db.begin() as conn:
            chat = (await conn.execute(
                select(c.c.id).where(c.c.platform == platform, c.c.external_id == external_id))).first()
            if chat is None:
                return False
            res = await conn.execute(update(c).where(c.c.id == chat.id, c.c.active.is_(True))
                                     .values(active=False, deactivated_reason=reason[:300]))
            await conn.execute(update(o).where(o.c.chat_id == chat.id, o.c.state == OutboxState.PENDING)
                               .values(state=str(OutboxState.GONE), last_error=reason[:500]))
            return bool(res.rowcount)

    async def chat_back(self, platform: str, external_id: str) -> None:
        """The bot may post in the chat again (re-added, unblocked): deliver to it from now on."""
        c = table(Chat)
        async with self.db.begin() as conn:
            await conn.execute(update(c).where(c.c.platform == platform, c.c.external_id == external_id)
                               .values(active=True, deactivated_reason=None))

    async def migrate_chat(self, platform: str, old_external: str, new_external: str, kind: str) -> None:
        """Follow a group upgraded to a supergroup: the same settings, the new chat id."""
        c = table(Chat)
        async with self.db.begin() as conn:
            clash = (await conn.execute(
                select(c.c.id).where(c.c.platform == platform, c.c.external_id == new_external))).first()
            old = (await conn.execute(
                select(c.c.id).where(c.c.platform == platform, c.c.external_id == old_external))).first()
            if old is None:
                return
            if clash is not None:
                # The new chat was already seen (e.g. a message arrived first): move the settings over.
                d = table(Destination)
                await conn.execute(delete(d).where(d.c.chat_id == clash.id))
                await conn.execute(delete(c).where(c.c.id == clash.id))
            await conn.execute(update(c).where(c.c.id == old.id)
                               .values(external_id=new_external, kind=kind, active=True, deactivated_reason=None))

    # ---------------------------------------------------- subscriptions
    async def subscriptions(self, destination_id: int) -> list[str]:
        s = table(Subscription)
        async with self.db.read() as conn:
            return list((await conn.execute(
                select(s.c.watchlist_id).where(s.c.destination_id == destination_id).order_by(s.c.watchlist_id)
            )).scalars())

    async def subscribe(self, destination_id: int, watchlist_ids: Iterable[str], now: datetime) -> list[str]:
        """Add subscriptions and switch alerts on; returns the ids that were new."""
        s, d = table(Subscription), table(Destination)
        ids = list(dict.fromkeys(watchlist_ids))
        async with self.db.begin() as conn:
            have = set((await conn.execute(
                select(s.c.watchlist_id).where(s.c.destination_id == destination_id))).scalars())
            new = [i for i in ids if i not in have]
            for wid in new:
                await conn.execute(self.db.insert(s).values(destination_id=destination_id, watchlist_id=wid,
                                                            created_at=now).on_conflict_do_nothing())
            await conn.execute(update(d).where(d.c.id == destination_id).values(enabled=True))
        return new

    async def unsubscribe(self, destination_id: int, watchlist_ids: Iterable[str]) -> list[str]:
        s = table(Subscription)
        ids = list(watchlist_ids)
        async with self.db.begin() as conn:
            have = set((await conn.execute(
                select(s.c.watchlist_id).where(s.c.destination_id == destination_id, s.c.watchlist_id.in_(ids))
            )).scalars())
            if have:
                await conn.execute(delete(s).where(s.c.destination_id == destination_id,
                                                   s.c.watchlist_id.in_(list(have))))
        return [i for i in ids if i in have]

    async def set_enabled(self, destination_id: int, enabled: bool) -> None:
        d = table(Destination)
        async with self.db.begin() as conn:
            await conn.execute(update(d).where(d.c.id == destination_id).values(enabled=enabled))

    async def set_muted(self, destination_id: int, until: datetime | None) -> None:
        d = table(Destination)
        async with self.db.begin() as conn:
            await conn.execute(update(d).where(d.c.id == destination_id).values(muted_until=until))

    # ------------------------------------------------------------ terms and exclusions
    # A chat's own terms (/watch) and its exclusions (/exclude) are the same shape: rows of (destination,
    # term as written, key), unique by key, capped per destination. One set of helpers serves both tables.
    async def _keyed(self, t: Table, destination_id: int) -> list[str]:
        async with self.db.read() as conn:
            return list((await conn.execute(
                select(t.c.term).where(t.c.destination_id == destination_id).order_by(t.c.id))).scalars())

    async def _insert_keyed(self, conn: AsyncConnection, t: Table, destination_id: int, term: str, key: str,
                            by: str | None, now: datetime, limit: int) -> AddResult:
        exists = (await conn.execute(
            select(t.c.id).where(t.c.destination_id == destination_id, t.c.key == key))).first()
        if exists:
            return AddResult.EXISTS
        count = (await conn.execute(
            select(func.count()).select_from(t).where(t.c.destination_id == destination_id))).scalar_one()
        if count >= limit:
            return AddResult.LIMIT
        await conn.execute(self.db.insert(t).values(destination_id=destination_id, term=term, key=key,
                                                    created_by=by, created_at=now).on_conflict_do_nothing())
        return AddResult.ADDED

    async def _remove_keyed(self, t: Table, destination_id: int, key: str) -> str | None:
        async with self.db.begin() as conn:
            row = (await conn.execute(
                select(t.c.id, t.c.term).where(t.c.destination_id == destination_id, t.c.key == key))).first()
            if row is None:
                return None
            await conn.execute(delete(t).where(t.c.id == row.id))
            await self._bump(conn, TERMS_GENERATION)
            return str(row.term)

    async def _all_keyed(self, t: Table) -> dict[int, list[str]]:
        out: dict[int, list[str]] = defaultdict(list)
        async with self.db.read() as conn:
            for r in (await conn.execute(select(t.c.destination_id, t.c.term).order_by(t.c.id))).all():
                out[r.destination_id].append(r.term)
        return dict(out)

    async def terms(self, destination_id: int) -> list[str]:
        return await self._keyed(table(CustomTerm), destination_id)

    async def add_term(
        self, destination_id: int, term: str, key: str, by: str | None, now: datetime, *, limit: int,
        own_list: str,
    ) -> AddResult:
        """Add a term; adding also subscribes the destination to its own list."""
        s, d = table(Subscription), table(Destination)
        async with self.db.begin() as conn:
            result = await self._insert_keyed(conn, table(CustomTerm), destination_id, term, key, by, now, limit)
            if result is not AddResult.ADDED:
                return result
            await conn.execute(self.db.insert(s).values(destination_id=destination_id, watchlist_id=own_list,
                                                        created_at=now).on_conflict_do_nothing())
            await conn.execute(update(d).where(d.c.id == destination_id).values(enabled=True))
            await self._bump(conn, TERMS_GENERATION)
        return AddResult.ADDED

    async def remove_term(self, destination_id: int, key: str) -> str | None:
        """Remove a term by its key; returns the term as written, or None if absent."""
        return await self._remove_keyed(table(CustomTerm), destination_id, key)

    async def all_custom_terms(self) -> dict[int, list[str]]:
        return await self._all_keyed(table(CustomTerm))

    async def exclusions(self, destination_id: int) -> list[str]:
        return await self._keyed(table(ChatExclusion), destination_id)

    async def add_exclusion(self, destination_id: int, term: str, key: str, by: str | None, now: datetime, *,
                            limit: int) -> AddResult:
        """Add a /exclude term (it vetoes every alert of the destination whose story contains it)."""
        async with self.db.begin() as conn:
            result = await self._insert_keyed(conn, table(ChatExclusion), destination_id, term, key, by, now, limit)
            if result is AddResult.ADDED:
                await self._bump(conn, TERMS_GENERATION)
        return result

    async def remove_exclusion(self, destination_id: int, key: str) -> str | None:
        """Remove a /exclude term by its key; returns it as written, or None if absent."""
        return await self._remove_keyed(table(ChatExclusion), destination_id, key)

    async def all_exclusions(self) -> dict[int, list[str]]:
        return await self._all_keyed(table(ChatExclusion))

    async def generation(self, key: str = TERMS_GENERATION) -> int:
        m = table(Meta)
        async with self.db.read() as conn:
            v = (await conn.execute(select(m.c.value).where(m.c.key == key))).scalar_one_or_none()
        return int(v or 0)

    async def _bump(self, conn: AsyncConnection, key: str) -> None:
        m = table(Meta)
        await conn.execute(self.db.insert(m).values(key=key, value=0).on_conflict_do_nothing())
        await conn.execute(update(m).where(m.c.key == key).values(value=m.c.value + 1))

    # ------------------------------------------------------------ feeds
    async def feeds(self, destination_id: int) -> list[ChatFeed]:
        df, f = table(DestinationFeed), table(Feed)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(f.c.id, f.c.url, f.c.source_url, f.c.name, f.c.enabled, f.c.failure_count, f.c.last_error,
                       f.c.disabled_reason)
                .join(df, df.c.feed_id == f.c.id).where(df.c.destination_id == destination_id).order_by(f.c.id)
            )).all()
        return [from_row(ChatFeed, r) for r in rows]

    async def link_feed(self, destination_id: int, feed_id: int, by: str | None, now: datetime, *,
                        limit: int) -> AddResult:
        """Link a chat-added feed to a destination, within the per-destination limit."""
        df = table(DestinationFeed)
        async with self.db.begin() as conn:
            if (await conn.execute(select(df.c.feed_id).where(
                    df.c.destination_id == destination_id, df.c.feed_id == feed_id))).first():
                return AddResult.EXISTS
            count = (await conn.execute(select(func.count()).select_from(df)
                                        .where(df.c.destination_id == destination_id))).scalar_one()
            if count >= limit:
                return AddResult.LIMIT
            await conn.execute(self.db.insert(df).values(destination_id=destination_id, feed_id=feed_id,
                                                         added_by=by, created_at=now).on_conflict_do_nothing())
        return AddResult.ADDED

    async def feed_count(self, destination_id: int) -> int:
        df = table(DestinationFeed)
        async with self.db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(df)
                                           .where(df.c.destination_id == destination_id))).scalar_one())

    async def unlink_feed(self, destination_id: int, feed_id: int) -> bool:
        df = table(DestinationFeed)
        async with self.db.begin() as conn:
            res = await conn.execute(delete(df).where(df.c.destination_id == destination_id, df.c.feed_id == feed_id))
            return bool(res.rowcount)

    # ------------------------------------------------- what a chat is shown
    async def followed_threads(self, platform: str, external_id: str) -> list[int]:
        """The chat's forum topics (thread id != 0) that follow at least one list, in thread order."""
        c, d, s = table(Chat), table(Destination), table(Subscription)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(d.c.thread_id).join(c, c.c.id == d.c.chat_id).join(s, s.c.destination_id == d.c.id)
                .where(c.c.platform == platform, c.c.external_id == external_id, d.c.thread_id != 0)
                .group_by(d.c.thread_id).order_by(d.c.thread_id))).scalars().all()
        return [int(t) for t in rows]

    async def activity(self, destination_id: int) -> dict[str, int]:
        """This destination's alerts by outbox state (its own, never another chat's)."""
        o = table(Outbox)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(o.c.state, func.count()).where(o.c.destination_id == destination_id, o.c.kind == "alert")
                .group_by(o.c.state))).all()
        return {str(r[0]): int(r[1]) for r in rows}

    async def is_ops_chat(self, platform: str, external_id: str) -> bool:
        """Whether this chat is the operator's (ops) chat, which may see the whole bot's figures."""
        c = table(Chat)
        async with self.db.read() as conn:
            row = (await conn.execute(select(c.c.is_ops).where(
                c.c.platform == platform, c.c.external_id == external_id))).first()
        return bool(row and row[0])

    # --------------------------------------------------------- delivery
    async def ops_destinations(self) -> list[DestinationRef]:
        c, d = table(Chat), table(Destination)
        async with self.db.read() as conn:
            rows = (await conn.execute(
                select(d.c.chat_id, d.c.thread_id).join(c, c.c.id == d.c.chat_id)
                .where(c.c.is_ops.is_(True), c.c.active.is_(True)))).all()
            return [await self._ref(conn, r.chat_id, r.thread_id) for r in rows]

    async def counts(self) -> ChatCounts:
        c, d = table(Chat), table(Destination)
        async with self.db.read() as conn:
            row = (await conn.execute(select(
                func.count().filter(c.c.active.is_(True)), func.count().filter(c.c.active.is_(False))
            ).select_from(c))).one()
            dests = (await conn.execute(select(func.count()).select_from(d))).scalar_one()
        return ChatCounts(int(row[0]), int(row[1]), int(dests))
