"""Which stored stories a term, watchlist or rule would have matched, and why (CLI and chat)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.chat_rules import EXCLUDE_PREFIX, exclusion_watchlist
from bot.domain.matcher import Match, Matcher
from bot.domain.rule_parse import AllOf, AnyOf, InTitle, Node, Not, needs_hit
from bot.domain.rules import RuleMatcher, RuleSet, StoryFacts
from bot.domain.watchlists import Term, Watchlist
from bot.storage.records import StoryRecord

__all__ = ["PreviewHit", "NearMiss", "RulePreview", "RecentStories", "preview_term", "preview_watchlist",
           "preview_rule", "without_vetoes", "vetoes_of"]


class RecentStories(Protocol):
    async def recent(self, since: datetime, limit: int = 5000) -> list[StoryRecord]: ...


@dataclass(frozen=True, slots=True)
class PreviewHit:
    story: StoryRecord
    matches: list[Match]


async def preview_watchlist(stories: RecentStories, watchlist: Watchlist, *, days: float, now: datetime,
                            scan_limit: int = 20000) -> list[PreviewHit]:
    """Newest first: stored stories of the last ``days`` that ``watchlist`` matches."""
    matcher = Matcher([watchlist])
    hits = []
    for row in await stories.recent(now - timedelta(days=days), limit=scan_limit):
        found = matcher.match(row.title, row.summary or "")
        if found:
            hits.append(PreviewHit(row, found))
    return hits


async def preview_term(stories: RecentStories, term: str, *, days: float, now: datetime) -> list[PreviewHit]:
    """The same for one term, treated exactly as a /watch term is."""
    wl = Watchlist("preview", term, (Term(term, plural=True),), builtin=False)
    return await preview_watchlist(stories, wl, days=days, now=now)


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A story the rule would have alerted but for a veto: what matched, and what vetoed it."""

    story: StoryRecord
    matches: list[Match]
    vetoes: list[Match]


@dataclass(frozen=True, slots=True)
class RulePreview:
    hits: list[PreviewHit]  # newest first
    near: list[NearMiss]  # strongest first
    scanned: int


async def preview_rule(stories: RecentStories, rules: RuleSet, text: str, *, days: float, now: datetime,
                       exclusions: Sequence[str] = (), scan_limit: int = 20000) -> RulePreview:
    """Stored stories of the last ``days`` a /watch rule would have alerted, and its near misses.

    ``rules``: an empty RuleSet with the chats' expansion (``WatchIndex.rule_set``);
    ``exclusions``: the chat's /exclude terms, vetoes like the rule's own ``-``. Raises RuleError.
    """
    rule = rules.add("rule", text)
    positive = without_vetoes(rule.tree)
    if positive is not None and positive != rule.tree and needs_hit(positive):
        rules.add("positive", text, positive)
    veto_lists: set[str] = set()
    for i, veto in enumerate(vetoes_of(rule.tree)):
        if needs_hit(veto):
            veto_lists.update(rules.add(f"veto{i}", text, veto).list_ids)
    wanted = set((rules.get("positive") or rule).list_ids) - veto_lists
    extra = [exclusion_watchlist(0, exclusions)] if exclusions else []
    matcher = RuleMatcher(rules, extra).matcher
    hits: list[PreviewHit] = []
    near: list[tuple[tuple[int, int], NearMiss]] = []
    rows = await stories.recent(now - timedelta(days=days), limit=scan_limit)
    for row in rows:
        summary = row.summary or ""
        found = matcher.match(row.title, summary)
        if not found:
            continue
        fired = {h.rule_id: h for h in rules.evaluate(found, StoryFacts(row.feed_key or None), (row.title, summary))}
        excluded = [m for m in found if m.watchlist.startswith(EXCLUDE_PREFIX)]
        full = fired.get("rule")
        if full is not None and not excluded:
            hits.append(PreviewHit(row, list(full.matches)))
            continue
        if full is None and "positive" not in fired:
            continue
        words = [m for m in found if m.watchlist in wanted]
        vetoes = excluded + [m for rid, h in fired.items() if rid.startswith("veto") for m in h.matches]
        strength = (len({m.surface for m in words}), sum(1 for m in words if m.field == "title"))
        near.append((strength, NearMiss(row, words, vetoes)))
    near.sort(key=lambda x: x[0], reverse=True)  # stable: newest first among equals
    return RulePreview(hits, [n for _, n in near], len(rows))


def without_vetoes(node: Node) -> Node | None:
    """The rule with its ``-`` parts taken out (what it would match but for them); None if nothing is left."""
    if isinstance(node, Not):
        return None
    if isinstance(node, AllOf):
        kept = [c for c in (without_vetoes(x) for x in node.children) if c is not None]
        if not kept:
            return None
        return kept[0] if len(kept) == 1 else AllOf(tuple(kept))
    if isinstance(node, AnyOf):
        parts = [without_vetoes(x) for x in node.children]
        if any(p is None for p in parts):
            return None
        return AnyOf(tuple(p for p in parts if p is not None))
    if isinstance(node, InTitle):
        child = without_vetoes(node.child)
        return None if child is None else InTitle(child)
    return node


def vetoes_of(node: Node) -> list[Node]:
    """What each ``-`` of a rule negates."""
    if isinstance(node, Not):
        return [node.child]
    if isinstance(node, (AllOf, AnyOf)):
        return [v for c in node.children for v in vetoes_of(c)]
    if isinstance(node, InTitle):
        return vetoes_of(node.child)
    return []
