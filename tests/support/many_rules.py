"""Thousands of stored /watch rules for one destination, written in one statement (no tests here).

Adding them through /watch one by one would take minutes; what is stored is exactly what /watch
stores (the rule as written, its ``rule_key``, the destination's own list subscribed, the
generation bumped), so a WatchIndex reloads them as it would after a large /import elsewhere.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select, update

from bot.app import NewsBot
from bot.domain.watch_input import rule_key
from bot.domain.watchlists import custom_watchlist_id
from bot.storage.chats_repo import TERMS_GENERATION
from bot.storage.db import Database
from bot.storage.models import CustomTerm, Meta, Subscription, table

__all__ = ["many_rules", "reloading", "store_rules"]


def many_rules(n: int) -> list[str]:
    """``n`` distinct rules of the common shapes (a phrase and a +, a |, a veto)."""
    shapes = ("وزير{i} + هدنة", "Minister{i} | Envoy{i}", "سفير{i} -كرة", "title:مبعوث{i} + غزة")
    return [shapes[i % len(shapes)].format(i=i) for i in range(n)]


async def store_rules(db: Database, destination_id: int, rules: list[str]) -> None:
    now = datetime.now(UTC)
    async with db.begin() as conn:
        await conn.execute(table(CustomTerm).insert(), [
            {"destination_id": destination_id, "term": r, "key": rule_key(r), "created_by": "seed", "created_at": now}
            for r in rules])
        s = table(Subscription)
        own = custom_watchlist_id(destination_id)
        if (await conn.execute(select(s.c.watchlist_id).where(s.c.destination_id == destination_id,
                                                              s.c.watchlist_id == own))).first() is None:
            await conn.execute(s.insert().values(destination_id=destination_id, watchlist_id=own, created_at=now))
        m = table(Meta)
        await conn.execute(db.insert(m).values(key=TERMS_GENERATION, value=0).on_conflict_do_nothing())
        await conn.execute(update(m).where(m.c.key == TERMS_GENERATION).values(value=m.c.value + 1))


async def reloading(bot: NewsBot, destination_id: int, rules: list[str]) -> asyncio.Task[bool]:
    """Store ``rules`` as another replica's /import would, and start this replica's reload of them;
    returns once the reload has read them and is compiling."""
    await store_rules(bot.db, destination_id, rules)
    before = len(bot.index.chat_rules.rules)
    task = asyncio.create_task(bot.index.refresh())
    while len(bot.index.chat_rules.rules) <= before:
        await asyncio.sleep(0)
    return task
