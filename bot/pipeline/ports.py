"""What the ingest step needs from storage: a reading side and one transaction per batch.

``bot.storage.ingest_store`` implements it on SQLAlchemy; the tests have an
in-memory fake. Everything a batch writes goes through one ``IngestTx`` so it
commits together or not at all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any, Protocol

from bot.domain.alerting import OutboxDraft
from bot.domain.alertwork import FollowedAlert
from bot.storage.records import Audience, EndedMute, EscalationRow, FingerprintRecord, StoryMark, StoryRecord

__all__ = ["IngestStore", "IngestTx", "StoryMark"]


class IngestTx(Protocol):
    async def holds_lease(self) -> bool:
        """True while this replica still holds the ingest lease (renewed inside the transaction)."""
        ...

    async def audience(self, watchlist_ids: Sequence[str], chat_feed_ids: Sequence[int]) -> Audience: ...

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int: ...

    async def count_missed(self, dropped: Mapping[int, Sequence[int]]) -> None:
        """Count the story clusters (root ids) a mute dropped, per destination, each once (told when it ends)."""
        ...

    async def end_mutes(self, now: datetime) -> list[EndedMute]:
        """Clear the mutes that ran out by ``now`` and hand them back with their counts."""
        ...

    async def mark(self, marks: Sequence[StoryMark]) -> None: ...

    async def story(self, story_id: int) -> StoryRecord | None: ...

    async def add_sighting(self, root: int, feed_id: int, link: str, now: datetime) -> bool: ...

    async def schedule_edits(self, dedupe_key: str, due: datetime, max_edits: int) -> int: ...

    async def followed(self, dedupe_key: str, feed_id: int) -> list[FollowedAlert]:
        """The sent alerts of a story that a member follows (🔔), with the name of the outlet ``feed_id``."""
        ...

    async def recent_normal(self, destination_ids: Sequence[int], since: datetime) -> dict[int, list[datetime]]:
        """When normal alerts were queued to go out at once to these destinations since ``since``."""
        ...

    async def cap_noticed(self, destination_ids: Sequence[int], now: datetime) -> None: ...

    async def sightings(self, root: int) -> tuple[datetime, list[tuple[str, datetime]]] | None:
        """The story's first sighting and the (outlet, time) pairs that carried it, its own first."""
        ...

    async def escalation_rows(self, root: int) -> list[EscalationRow]: ...

    async def mark_urgent(self, row_id: int, now: datetime, payload: dict[str, Any] | None = None) -> None: ...


class IngestStore(Protocol):
    async def pending(self, limit: int) -> list[StoryRecord]: ...

    async def recent_fingerprints(self, since: datetime) -> list[FingerprintRecord]: ...

    def transaction(self) -> AbstractAsyncContextManager[IngestTx]: ...
