"""Which stored stories a term, watchlist or rule would have matched, and why (CLI and chat)."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.chat_rules import EXCLUDE_PREFIX, exclusion_watchlist
from bot.domain.matcher import Match, Matcher
from bot.domain.rule_parse import AllOf, AnyOf, InTitle, Node, Not, needs_hit
from bot.domain.rules import RuleSet
from bot.domain.states import FeedOrigin
from bot.domain.watchlists import Term, Watchlist
from bot.pipeline.watchindex import story_facts
from bot.storage.records import StoryRecord

__all__ = ["PreviewHit", "NearMiss", "ContextVeto", "RulePreview", "RecentStories", "preview_term", "preview_watchlist",
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
class ContextVeto:
    """A word of the rule that did not count because the story also speaks of a curated context
    (config/watchlists.yaml ``unless``): the word as found, and the context phrases found."""

    match: Match
    context: tuple[Match, ...]


@dataclass(frozen=True, slots=True)
class NearMiss:
    """A story the rule would have alerted but for a veto: what matched, and what vetoed it (the rule's
    own ``-`` or the chat's /exclude in ``vetoes``, a built-in term's context veto in ``contexts``)."""

    story: StoryRecord
    matches: list[Match]
    vetoes: list[Match]
    contexts: list[ContextVeto] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RulePreview:
    hits: list[PreviewHit]  # newest first
    near: list[NearMiss]  # strongest first
    scanned: int


_RELAXED = "preview-relaxed:"  # a phrase list as it is, but with its terms' context vetoes lifted
_CONTEXT = "preview-context"  # the context phrases themselves, to name the one a story speaks of


class _Contexts:
    """The rule's phrase lists whose terms have context vetoes, matched a second time without them.

    One scan finds both: a word the real list dropped and the relaxed copy kept was removed by its
    context, and the context list says which phrase of it the story contains.
    """

    def __init__(self, lists: Sequence[Watchlist]) -> None:
        self.unless: dict[str, dict[str, tuple[str, ...]]] = {}  # list id -> term -> its context phrases
        self.lists: list[Watchlist] = []
        phrases: dict[str, None] = {}
        for wl in lists:
            if not any(t.unless for t in wl.terms):
                continue
            self.unless[wl.id] = {t.text: t.unless for t in wl.terms if t.unless}
            self.lists.append(dataclasses.replace(wl, id=_RELAXED + wl.id, terms=tuple(
                dataclasses.replace(t, unless=()) for t in wl.terms)))
            phrases.update(dict.fromkeys(p for t in wl.terms for p in t.unless))
        if phrases:
            self.lists.append(Watchlist(_CONTEXT, "", tuple(Term(p) for p in phrases), builtin=False))

    def split(self, found: list[Match]) -> tuple[list[Match], list[ContextVeto]]:
        """(the real matches, the words context vetoes removed from them, with the context found)."""
        if not self.unless:
            return found, []
        real = [m for m in found if not m.watchlist.startswith((_RELAXED, _CONTEXT))]
        relaxed = [m for m in found if m.watchlist.startswith(_RELAXED)]
        if not relaxed:
            return real, []
        seen = {(m.watchlist, m.field, m.start, m.end) for m in real}
        context = [m for m in found if m.watchlist == _CONTEXT]
        removed: list[ContextVeto] = []
        for m in relaxed:
            list_id = m.watchlist[len(_RELAXED):]
            if (list_id, m.field, m.start, m.end) in seen:
                continue
            phrases = self.unless[list_id].get(m.term, ())
            said = tuple(c for c in context if c.term in phrases)
            if said:
                removed.append(ContextVeto(dataclasses.replace(m, watchlist=list_id), said))
        return real, removed


async def preview_rule(stories: RecentStories, rules: RuleSet, text: str, *, days: float, now: datetime,
                       exclusions: Sequence[str] = (), own_feeds: Collection[int] | None = None,
                       scan_limit: int = 20000) -> RulePreview:
    """Stored stories of the last ``days`` a /watch rule would have alerted, and its near misses.

    ``rules``: an empty RuleSet with the chats' expansion (``WatchIndex.rule_set``);
    ``exclusions``: the chat's /exclude terms, vetoes like the rule's own ``-``; ``own_feeds``: the
    chat's own feeds (a story from another chat's feed never reaches this one). Raises RuleError.
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
    base = "positive" if "positive" in rules else "rule"  # what holds when no veto does
    extra = [exclusion_watchlist(0, exclusions)] if exclusions else []
    phrase_lists = rules.watchlists()
    contexts = _Contexts([wl for wl in phrase_lists if wl.id in wanted])
    matcher = Matcher([*extra, *phrase_lists, *contexts.lists])
    hits: list[PreviewHit] = []
    near: list[tuple[tuple[int, int], NearMiss]] = []
    rows = await stories.recent(now - timedelta(days=days), limit=scan_limit)
    for row in rows:
        if own_feeds is not None and row.feed_origin is FeedOrigin.CHAT and row.feed_id not in own_feeds:
            continue
        summary = row.summary or ""
        found, removed = contexts.split(matcher.match(row.title, summary))
        if not found and not removed:
            continue
        facts = story_facts(row)
        fired = {h.rule_id: h for h in rules.evaluate(found, facts, (row.title, summary))}
        excluded = [m for m in found if m.watchlist.startswith(EXCLUDE_PREFIX)]
        full = fired.get("rule")
        if full is not None and not excluded:
            hits.append(PreviewHit(row, list(full.matches)))
            continue
        if base in fired:
            removed = []  # the words that count already make it: a context veto changed nothing
        elif not removed or base not in {h.rule_id for h in rules.evaluate(
                [*found, *(c.match for c in removed)], facts, (row.title, summary))}:
            continue
        words = [m for m in [*found, *(c.match for c in removed)] if m.watchlist in wanted]
        vetoes = excluded + [m for rid, h in fired.items() if rid.startswith("veto") for m in h.matches]
        strength = (len({m.surface for m in words}), sum(1 for m in words if m.field == "title"))
        near.append((strength, NearMiss(row, words, vetoes, removed)))
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
