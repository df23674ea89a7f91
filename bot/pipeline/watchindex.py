"""The matcher kept in step with every chat's own terms, across replicas.

Built-in watchlists come from config; chat terms live in the database. A
generation counter (bumped in the same transaction as a term change) tells
a replica cheaply whether to reload; only changed lists are recompiled, into
the matcher's small overlay, and compaction runs in a worker thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

from bot.alerts.model import Topic
from bot.domain.matcher import Matcher
from bot.domain.user_lists import CUSTOM_LABEL, CUSTOM_TAG, Rules, builtin_rules, custom_watchlist
from bot.domain.watchlists import Watchlist, custom_watchlist_id, is_custom_watchlist_id

# The chat-term treatment (re-exported) lives in the domain so rules and the CLI share it.

__all__ = ["WatchIndex", "TermSource", "CUSTOM_LABEL", "CUSTOM_TAG", "Rules", "builtin_rules", "custom_watchlist"]


class TermSource(Protocol):
    """Where the chats' own terms live, with a counter bumped on every change."""

    async def generation(self) -> int: ...

    async def all_custom_terms(self) -> dict[int, list[str]]: ...


class WatchIndex:
    def __init__(self, builtins: Sequence[Watchlist], chats: TermSource | None = None) -> None:
        self.builtins = {w.id: w for w in builtins}
        self.rules = builtin_rules(builtins)
        self.matcher = Matcher(builtins)
        self._chats = chats
        self._generation = -1
        self._custom: dict[int, tuple[str, ...]] = {}
        self._lock = asyncio.Lock()

    def topic(self, watchlist_id: str) -> Topic:
        wl = self.builtins.get(watchlist_id)
        if wl is not None:
            return Topic(wl.id, wl.label, wl.tag)
        if is_custom_watchlist_id(watchlist_id):
            return Topic(watchlist_id, CUSTOM_LABEL, CUSTOM_TAG)
        return Topic(watchlist_id, watchlist_id, watchlist_id.replace("-", "_"))

    async def refresh(self, *, force: bool = False) -> bool:
        """Reload chat terms if another command changed them; True when something changed."""
        if self._chats is None:
            return False
        async with self._lock:
            gen = await self._chats.generation()
            if gen == self._generation and not force:
                return False
            terms = await self._chats.all_custom_terms()
            changed: list[Watchlist] = []
            for dest_id, ts in terms.items():
                key = tuple(ts)
                if self._custom.get(dest_id) != key:
                    changed.append(custom_watchlist(dest_id, key, self.rules))
            removed = [d for d in self._custom if d not in terms]
            if changed:
                await asyncio.to_thread(self.matcher.set_watchlists, changed)
            for dest_id in removed:
                self.matcher.remove_watchlist(custom_watchlist_id(dest_id))
            self._custom = {d: tuple(ts) for d, ts in terms.items()}
            self._generation = gen
            if self.matcher.needs_compaction:
                await asyncio.to_thread(self.matcher.compact)
            return bool(changed or removed)
