"""Every chat's /watch rules and /exclude terms over one matcher, as ``newsbot match --rules`` runs them.

Each chat rule is compiled by one shared ``RuleSet`` (the same expansion and
defaults as the CLI); a rule that fires yields its matches under the chat's own
list id, so the rest of ingest (audience, payload, alert text) is unchanged. A
chat's exclusions are one small list; a story that hits it is vetoed for that
chat, whatever list it matched there.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from bot.domain.expansion import Expander
from bot.domain.matcher import Match
from bot.domain.rule_parse import RuleError
from bot.domain.rules import PHRASE_PREFIX, RuleSet, StoryFacts
from bot.domain.user_lists import Rules, user_watchlist
from bot.domain.watchlists import Watchlist, custom_watchlist_id

__all__ = ["EXCLUDE_PREFIX", "RULE_PREFIX", "ChatRules", "Resolved", "exclusion_watchlist", "rule_list_id",
           "rule_destination"]

EXCLUDE_PREFIX = "chat-exclude:"
RULE_PREFIX = "chat-rule:"
_NO_FACTS = StoryFacts()


def exclusion_watchlist(destination_id: int, terms: Sequence[str]) -> Watchlist:
    """A destination's /exclude terms as a list of its own (plain terms, English plurals)."""
    return user_watchlist(f"{EXCLUDE_PREFIX}{destination_id}", terms, None, label="", hashtag="")


def rule_list_id(destination_id: int, text: str) -> str:
    """One chat rule as a list of its own for spike detection and /trends: its destination and a digest of
    its text (short and fixed-length in the story record, whatever the rule's length)."""
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
    return f"{RULE_PREFIX}{destination_id}:{digest}"


def rule_destination(list_id: str) -> int | None:
    """The destination a ``rule_list_id`` belongs to; None for any other list id."""
    if not list_id.startswith(RULE_PREFIX):
        return None
    head = list_id[len(RULE_PREFIX):].partition(":")[0]
    return int(head) if head.isdigit() else None


@dataclass(frozen=True, slots=True)
class Resolved:
    """A story's matches once rules are evaluated, the destinations its exclusions veto, and the chat rules
    that fired (``rule_list_id``s, those of vetoed destinations left out)."""

    matches: list[Match]
    vetoed: frozenset[int]
    rules: tuple[str, ...] = ()


class ChatRules:
    """Rules and exclusions by destination; ``take_changes`` keeps a shared Matcher in step."""

    def __init__(self, builtins: Sequence[Watchlist] = (), *, expander: Expander | None = None,
                 rules: Rules | None = None) -> None:
        self.rules = RuleSet(builtins, expander=expander, rules=rules)
        self._by_dest: dict[int, tuple[str, ...]] = {}
        self._owner: dict[str, int] = {}
        self._excluded: dict[int, tuple[str, ...]] = {}
        self._lists_changed: dict[str, Watchlist] = {}
        self._lists_dropped: set[str] = set()
        self.broken: dict[str, str] = {}  # rule id -> why a stored rule does not compile (kept out)

    def set_rules(self, destination_id: int, texts: Sequence[str]) -> None:
        """Replace a destination's rules (unchanged ones are kept as compiled)."""
        for _ in self.apply_rules(destination_id, texts):
            pass

    def apply_rules(self, destination_id: int, texts: Sequence[str]) -> Iterator[None]:
        """``set_rules`` one rule at a time: yields after each rule it compiles, so a caller on an event
        loop can let other work run between them. Each step leaves a consistent state (a rule is
        in force or not; none is half added)."""
        old = self._by_dest.get(destination_id, ())
        new = tuple(dict.fromkeys(texts))
        if new == old:
            return
        for text in set(old) - set(new):
            rid = _rule_id(destination_id, text)
            self.rules.remove(rid)
            self._owner.pop(rid, None)
            self.broken.pop(rid, None)
        for text in new:
            rid = _rule_id(destination_id, text)
            if rid in self.rules or rid in self.broken:
                continue
            try:
                self.rules.add(rid, text)
            except (RuleError, ValueError) as exc:
                self.broken[rid] = str(exc)
                continue
            self._owner[rid] = destination_id
            yield
        if new:
            self._by_dest[destination_id] = new
        else:
            self._by_dest.pop(destination_id, None)

    def set_exclusions(self, destination_id: int, terms: Sequence[str]) -> None:
        new = tuple(dict.fromkeys(terms))
        if self._excluded.get(destination_id, ()) == new:
            return
        list_id = f"{EXCLUDE_PREFIX}{destination_id}"
        if new:
            self._excluded[destination_id] = new
            self._lists_changed[list_id] = exclusion_watchlist(destination_id, new)
            self._lists_dropped.discard(list_id)
        elif destination_id in self._excluded:
            del self._excluded[destination_id]
            self._lists_changed.pop(list_id, None)
            self._lists_dropped.add(list_id)

    def destinations(self) -> set[int]:
        return set(self._by_dest) | set(self._excluded)

    def watchlists(self) -> list[Watchlist]:
        """Every list in use (rule phrases and exclusions), for a new Matcher."""
        self._lists_changed.clear()
        self._lists_dropped.clear()
        return [*self.rules.watchlists(),
                *(exclusion_watchlist(d, ts) for d, ts in self._excluded.items())]

    def take_changes(self) -> tuple[list[Watchlist], list[str]]:
        """Lists added or changed and ids removed since the last call."""
        changed, dropped = self.rules.take_changes()
        changed += list(self._lists_changed.values())
        dropped += sorted(self._lists_dropped)
        self._lists_changed.clear()
        self._lists_dropped.clear()
        return changed, dropped

    def resolve(self, found: Sequence[Match], facts: StoryFacts | None = None,
                text: tuple[str, str] = ("", "")) -> Resolved:
        """Built-in matches as they are, fired chat rules as matches of the chat's own list."""
        plain: list[Match] = []
        vetoed: set[int] = set()
        rule_hits = False
        fired: set[str] = set()
        for m in found:
            if m.watchlist.startswith(PHRASE_PREFIX):
                rule_hits = True
            elif m.watchlist.startswith(EXCLUDE_PREFIX):
                vetoed.add(int(m.watchlist[len(EXCLUDE_PREFIX):]))
            else:
                plain.append(m)
        if rule_hits:
            seen: set[tuple[str, str, int, int]] = set()
            for hit in self.rules.evaluate(found, facts or _NO_FACTS, text):
                owner = self._owner[hit.rule_id]
                if owner not in vetoed:
                    fired.add(rule_list_id(owner, hit.rule_id.partition("\t")[2]))
                own = custom_watchlist_id(owner)
                for m in hit.matches:
                    key = (own, m.field, m.start, m.end)
                    if key not in seen:
                        seen.add(key)
                        plain.append(dataclasses.replace(m, watchlist=own))
        return Resolved(plain, frozenset(vetoed), tuple(sorted(fired)))


def _rule_id(destination_id: int, text: str) -> str:
    return f"{destination_id}\t{text}"
