"""The digest job: held alerts become one digest message per destination, written once.

Every round it asks storage which destinations have held rows due, and for
each claims them and writes the digest's message rows in one transaction
(``DigestStore.claim``): a replica or a restart that comes second finds
nothing left to claim, so a digest is never written twice and a held alert
never lost. The rows then go out through the dispatcher like any other.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import structlog

from bot.alerts.digest import TELEGRAM_LIMIT, DigestMessage, compose_digest, utf16_units
from bot.alerts.model import Line, Span
from bot.domain.alerting import DigestPayload, OutboxDraft, digest_dedupe_key
from bot.domain.digest import DigestItem, ListRef
from bot.domain.states import OutboxKind
from bot.pipeline.watchindex import WatchIndex
from bot.storage.records import DueDigest, HeldAlert

__all__ = ["DigestJob", "DigestLimits", "DigestStore", "DigestClaim", "digest_message", "LIMITS"]

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class DigestLimits:
    """How big one digest message may be on a platform (``max_items``: stories per message)."""

    max_chars: int
    max_items: int | None = None
    measure: Callable[[Line], int] = utf16_units


def _chars(line: Line) -> int:
    return sum(len(s.text) + (len(s.href) + 3 if s.href else 0) for s in line)


# Telegram: 4096 UTF-16 units. Slack: 50 blocks of at most 3000 characters; lines are packed into
# sections, so 40 stories and 20 sections' worth of characters (links' markup counted) stay inside.
LIMITS: Mapping[str, DigestLimits] = {
    "telegram": DigestLimits(TELEGRAM_LIMIT),
    "slack": DigestLimits(3000 * 20, 40, _chars),
}
_DEFAULT = DigestLimits(TELEGRAM_LIMIT)


class DigestClaim(Protocol):
    held: list[HeldAlert]

    async def enqueue(self, drafts: Sequence[OutboxDraft]) -> int: ...


class DigestStore(Protocol):
    async def due(self, now: datetime, limit: int = 200) -> list[DueDigest]: ...

    def claim(self, destination_id: int, now: datetime) -> AbstractAsyncContextManager[DigestClaim]: ...


def digest_message(payload: Mapping[str, object] | None) -> DigestMessage:
    """A stored digest row as the message the senders render."""
    p = DigestPayload.from_json(payload)
    lines = tuple(tuple(Span(t, bold=b, href=h) for t, b, h in ln) for ln in p.lines)
    return DigestMessage(lines, p.story_ids)


def _payload(message: DigestMessage) -> DigestPayload:
    return DigestPayload(tuple(tuple((s.text, s.bold, s.href) for s in ln) for ln in message.lines),
                         message.story_ids)


class DigestJob:
    def __init__(self, store: DigestStore, index: WatchIndex, *, clock: Callable[[], datetime],
                 limits: Mapping[str, DigestLimits] = LIMITS) -> None:
        self.store, self.index, self.clock, self.limits = store, index, clock, limits

    def _item(self, h: HeldAlert) -> DigestItem:
        lists = tuple(ListRef(w, self.index.topic(w).label) for w in h.watchlists)
        return DigestItem(h.story_id, h.title, h.link, h.outlet, h.at, lists, h.urgent)

    async def run_once(self) -> int:
        """Write every due digest; returns the message rows written."""
        now = self.clock()
        written = 0
        for due in await self.store.due(now):
            async with self.store.claim(due.destination_id, now) as tx:
                if not tx.held:
                    continue
                lim = self.limits.get(due.platform, _DEFAULT)
                since = min(h.created_at for h in tx.held)
                messages = compose_digest([self._item(h) for h in tx.held], since, due.zone, now=now,
                                          max_chars=lim.max_chars, max_items=lim.max_items, measure=lim.measure)
                drafts = [OutboxDraft(due.destination_id, due.chat_id, None, OutboxKind.DIGEST,
                                      digest_dedupe_key(due.destination_id, now, i), _payload(m).to_json(), now)
                          for i, m in enumerate(messages)]
                written += await tx.enqueue(drafts)
                log.info("digest_written", destination=due.destination_id, stories=len(tx.held),
                         messages=len(drafts))
        return written
