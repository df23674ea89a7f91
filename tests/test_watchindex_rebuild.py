"""Reloading thousands of chat rules leaves the event loop free, and a change made meanwhile wins.

The real WatchIndex over the real ChatsRepo (SQLite file). Responsiveness is shown by order, never by
time: a heartbeat task that only runs when the loop is free sees the rules half compiled.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from bot.domain.watch_input import rule_key
from bot.domain.watchlists import custom_watchlist_id
from bot.pipeline.watchindex import WatchIndex
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from tests.support.many_rules import many_rules, store_rules
from tests.support.matching import builtin_lists

N = 4000
NOW = datetime.now(UTC)


def _lists(index: WatchIndex, title: str) -> set[str]:
    return {m.watchlist for m in index.match(title, "").matches}


async def _setup(tmp_path: Path) -> tuple[Database, ChatsRepo, int, list[str]]:
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'rules.db'}")
    db.migrate()
    chats = ChatsRepo(db)
    dest = await chats.ensure_destination("telegram", "42", "private", now=NOW)
    rules = many_rules(N)
    await store_rules(db, dest.id, rules)
    return db, chats, dest.id, rules


async def test_a_rebuild_lets_the_loop_run_between_its_slices(tmp_path: Path) -> None:
    db, chats, dest, _rules = await _setup(tmp_path)
    index = WatchIndex(builtin_lists(), chats)
    rebuild = asyncio.create_task(index.refresh())
    seen: list[int] = []
    while not rebuild.done():  # runs only when the loop is free
        seen.append(len(index.chat_rules.rules))
        await asyncio.sleep(0)
    assert await rebuild
    assert len(index.chat_rules.rules) == N
    assert any(0 < n < N for n in seen), seen[-5:]  # the loop ran while the rules were half compiled
    assert index.slices > 0
    own = custom_watchlist_id(dest)
    assert own in _lists(index, "وزير8 يعلن هدنة")
    await db.dispose()


async def test_a_watch_during_a_rebuild_is_in_force_after_it(tmp_path: Path) -> None:
    db, chats, dest, rules = await _setup(tmp_path)
    index = WatchIndex(builtin_lists(), chats)
    rebuild = asyncio.create_task(index.refresh())
    while len(index.chat_rules.rules) == 0:  # the rebuild has its snapshot and is compiling
        await asyncio.sleep(0)
    # No turn of the loop since: the rebuild read the rules before the change below is stored.
    assert not rebuild.done() and 0 < len(index.chat_rules.rules) < N
    own = custom_watchlist_id(dest)
    assert await chats.add_term(dest, "سفينة شحن", rule_key("سفينة شحن"), "42", NOW, limit=10 ** 6,
                                own_list=own) == "added"
    assert await chats.remove_term(dest, rule_key(rules[0])) == rules[0]
    # What /watch and /unwatch do after storing: wait for the rebuild if it still runs, then apply.
    assert await index.refresh()
    assert rebuild.done() and await rebuild
    assert len(index.chat_rules.rules) == N  # one rule more, one less
    assert own in _lists(index, "سفينة شحن تعبر المضيق")
    assert own not in _lists(index, "وزير0 يعلن هدنة")  # the rule removed meanwhile is gone
    assert own in _lists(index, "وزير4 يعلن هدنة")
    await db.dispose()
