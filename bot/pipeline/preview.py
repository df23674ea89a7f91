"""Which stored stories a term or watchlist would have matched, and why (CLI and chat)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from bot.domain.matcher import Match, Matcher
from bot.domain.watchlists import Term, Watchlist
from bot.storage.records import StoryRecord

__all__ = ["PreviewHit", "RecentStories", "preview_term", "preview_watchlist"]


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
