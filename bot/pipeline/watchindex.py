"""The matcher kept in step with every chat's own rules and exclusions, across replicas.

Built-in watchlists come from config; chat rules (/watch) and exclusions
(/exclude) live in the database and are compiled by ``ChatRules`` exactly as
``newsbot match --rules`` compiles a rules file. A generation counter (bumped
in the same transaction as a change) tells a replica cheaply whether to reload;
only changed phrase lists are recompiled, into the matcher's small overlay, and
compaction runs in a worker thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Protocol

from bot.alerts.model import Topic
from bot.domain.chat_rules import ChatRules, Resolved
from bot.domain.expansion import Expander, place_names
from bot.domain.feed_names import story_source
from bot.domain.matcher import Matcher
from bot.domain.rules import RuleSet, StoryFacts
from bot.domain.states import FeedOrigin
from bot.domain.user_lists import CUSTOM_LABEL, CUSTOM_TAG, Rules, builtin_rules, custom_watchlist
from bot.domain.watchlists import Watchlist, is_custom_watchlist_id
from bot.storage.records import StoryRecord

# The chat-term treatment (re-exported) lives in the domain so rules and the CLI share it.

__all__ = ["WatchIndex", "TermSource", "story_facts", "CUSTOM_LABEL", "CUSTOM_TAG", "Rules", "builtin_rules", "custom_watchlist"]


# How long a rebuild computes before it lets the event loop run once (replies, sends, heartbeats). A
# step is one rule compiled (tens of microseconds), so a slice overshoots this by one rule at most.
SLICE = 0.005


class TermSource(Protocol):
    """Where the chats' own rules and exclusions live, with a counter bumped on every change."""

    async def generation(self) -> int: ...

    async def all_custom_terms(self) -> dict[int, list[str]]: ...

    async def all_exclusions(self) -> dict[int, list[str]]: ...


def story_facts(story: StoryRecord) -> StoryFacts:
    """What a rule's ``source:`` and ``lang:`` test of a stored story (ingest and /preview alike)."""
    return StoryFacts(story_source(story.feed_key, chat_feed=story.feed_origin is FeedOrigin.CHAT,
                                   address=story.feed_address))


class WatchIndex:
    def __init__(self, builtins: Sequence[Watchlist], chats: TermSource | None = None) -> None:
        self.builtins = {w.id: w for w in builtins}
        self.rules = builtin_rules(builtins)
        self.expander = Expander(builtins)
        self.chat_rules = ChatRules(expander=self.expander, rules=self.rules)
        self.matcher = Matcher(builtins)
        self._chats = chats
        self._generation = -1
        self._lock = asyncio.Lock()
        self.slices = 0  # times a rebuild has yielded to the loop (tests show it happens)
        self._since = 0.0
        self._warm = False

    def topic(self, watchlist_id: str) -> Topic:
        wl = self.builtins.get(watchlist_id)
        if wl is not None:
            return Topic(wl.id, wl.label, wl.tag)
        if is_custom_watchlist_id(watchlist_id):
            return Topic(watchlist_id, CUSTOM_LABEL, CUSTOM_TAG)
        return Topic(watchlist_id, watchlist_id, watchlist_id.replace("-", "_"))

    def rule_set(self) -> RuleSet:
        """A fresh RuleSet with the chats' expansion and defaults (for /watch replies and /preview)."""
        return RuleSet(expander=self.expander, rules=self.rules)

    def match(self, title: str, summary: str, facts: StoryFacts | None = None) -> Resolved:
        """A story against the built-in lists, every chat's rules and every chat's exclusions."""
        found = self.matcher.match(title, summary)
        return self.chat_rules.resolve(found, facts, (title, summary))

    async def refresh(self, *, force: bool = False) -> bool:
        """Reload chat rules and exclusions if a command changed them; True when something changed.

        Compiling is CPU work on the event loop, so it runs in slices of ``SLICE`` seconds with one
        turn of the loop between them: a rebuild of thousands of rules (a replica's start, a large
        /import on another replica) leaves replies, sends and heartbeats running. Matching meanwhile
        sees each rule either in force or not yet. A change made meanwhile waits on the lock and is
        applied right after, from a fresh read: the newer state wins. The automata are built in a
        worker thread.
        """
        if self._chats is None:
            return False
        async with self._lock:
            gen = await self._chats.generation()
            if gen == self._generation and not force:
                return False
            terms = await self._chats.all_custom_terms()
            exclusions = await self._chats.all_exclusions()
            if not self._warm:  # CLDR's place names, read once per process: a tenth of a second, not on the loop
                await asyncio.to_thread(place_names)
                self._warm = True
            self._since = time.perf_counter()
            for dest_id in self.chat_rules.destinations() | set(terms) | set(exclusions):
                for _ in self.chat_rules.apply_rules(dest_id, terms.get(dest_id, ())):
                    await self._pause()
                self.chat_rules.set_exclusions(dest_id, exclusions.get(dest_id, ()))
                await self._pause()
            changed, dropped = self.chat_rules.take_changes()
            if changed:
                await asyncio.to_thread(self.matcher.set_watchlists, changed)
            if dropped:
                await asyncio.to_thread(self.matcher.remove_watchlists, dropped)
            self._generation = gen
            if self.matcher.needs_compaction:
                await asyncio.to_thread(self.matcher.compact)
            return bool(changed or dropped)

    async def _pause(self) -> None:
        """One turn of the event loop once this slice has run ``SLICE`` seconds."""
        if time.perf_counter() - self._since > SLICE:
            self.slices += 1
            await asyncio.sleep(0)
            self._since = time.perf_counter()
