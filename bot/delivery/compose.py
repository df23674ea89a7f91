"""From an outbox row to the neutral message a Sender renders (formatted once, here)."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from bot.alerts.model import Alert, MatchRef, format_alert
from bot.delivery.ports import Message, Notice
from bot.pipeline.watchindex import WatchIndex
from bot.storage.stories_repo import StoriesRepo

__all__ = ["Composer"]


class Composer:
    def __init__(self, stories: StoriesRepo, index: WatchIndex, tz: ZoneInfo) -> None:
        self.stories = stories
        self.index = index
        self.tz = tz

    async def build(self, row: Any) -> Message | None:
        """The message for a row, or None when its story no longer exists."""
        payload = row.payload or {}
        if row.kind != "alert":
            return Notice(str(payload.get("title", "")), tuple(str(x) for x in payload.get("lines", ())))
        story = await self.stories.get(row.story_id)
        if story is None:
            return None
        root = int(row.dedupe_key.split(":", 1)[1]) if row.dedupe_key.startswith("story:") else story.id
        also = (await self.stories.sightings([root])).get(root, [])
        if root != story.id:
            root_story = await self.stories.get(root)
            if root_story is not None:
                also = [root_story.feed_name, *also]
        also = [name for name in dict.fromkeys(also) if name != story.feed_name]
        matches = tuple(MatchRef.from_json(m) for m in payload.get("matches", ()))
        topics = tuple(self.index.topic(w) for w in payload.get("watchlists", ()))
        alert = Alert(
            story_id=story.id, title=story.title, summary=story.summary or "", link=story.link,
            source=story.feed_name, published_at=story.published_at or story.first_seen_at,
            topics=topics, matches=matches, also=tuple(also),
        )
        return format_alert(alert, self.tz)
