"""The Sender port: what delivery needs from a chat platform, with explicit outcomes.

Every send ends in exactly one ``Outcome``: sent (with the platform's message
reference, for later edits), retry (after a delay the platform asked for, or
a backoff), gone (the chat blocked or removed the bot: deactivate it) or
failed (this message can never be delivered; move on).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from bot.alerts.digest import DigestMessage
from bot.alerts.model import AlertView
from bot.alerts.spike import SpikeView
from bot.delivery.budget import SendBudget
from bot.domain.states import DeadLetterReason, OutboxState, OutcomeKind
from bot.storage.records import ChatRecord, OutboxItem, OutcomeWrite, StoryRecord

__all__ = ["Outcome", "Address", "Notice", "Message", "Sender", "StoryReader", "OutboxStore", "ChatDirectory",
           "DeliveryEvents"]


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: OutcomeKind
    message_ref: str | None = None
    retry_after: float | None = None
    error: str | None = None
    migrate_to: str | None = None  # the chat moved (Telegram group upgraded to a supergroup)

    @classmethod
    def sent(cls, ref: str | None = None) -> Outcome:
        return cls(OutcomeKind.SENT, message_ref=ref)

    @classmethod
    def retry(cls, error: str, after: float | None = None) -> Outcome:
        return cls(OutcomeKind.RETRY, retry_after=after, error=error)

    @classmethod
    def gone(cls, error: str) -> Outcome:
        return cls(OutcomeKind.GONE, error=error)

    @classmethod
    def failed(cls, error: str) -> Outcome:
        return cls(OutcomeKind.FAILED, error=error)


@dataclass(frozen=True, slots=True)
class Address:
    """Where a message goes, in the platform's own terms."""

    platform: str
    chat: str
    thread: int
    kind: str
    reply_to: str | None = None  # post as a reply to this message (Telegram) / in its thread (Slack)


@dataclass(frozen=True, slots=True)
class Notice:
    """A plain Arabic message (ops notices, digests): a bold title and lines."""

    title: str
    lines: tuple[str, ...] = ()

    def plain_text(self) -> str:
        return "\n".join([self.title, *self.lines])


Message = AlertView | Notice | SpikeView | DigestMessage  # a spike alert carries its chart


class Sender(Protocol):
    platform: str
    global_rate: float  # messages per second for the whole bot (every replica together)
    budget: SendBudget  # this replica's share of it, drawn on by everything sent (alerts, replies, edits)

    def pacing(self, chat_kind: str) -> float:
        """Minimum seconds between two messages to one chat."""
        ...

    async def send(self, to: Address, message: Message) -> Outcome: ...

    async def edit(self, to: Address, message_ref: str, message: Message) -> Outcome: ...


class StoryReader(Protocol):
    """What composing a message reads: the story and the other outlets that carried it."""

    async def get(self, story_id: int) -> StoryRecord | None: ...

    async def sightings(self, story_ids: Iterable[int]) -> dict[int, list[tuple[str, str]]]: ...


class OutboxStore(Protocol):
    """What the dispatcher needs from the outbox: claim chats, read their rows, record outcomes."""

    async def claim_chats(self, owner: str, now: datetime, limit: int, lease_s: float,
                          platforms: Sequence[str], ops_only: bool = False) -> list[ChatRecord]: ...

    async def due_for_chat(self, chat_id: int, now: datetime, limit: int) -> list[OutboxItem]: ...

    async def claim_with_rows(self, owner: str, now: datetime, limit: int, lease_s: float,
                              platforms: Sequence[str], ops_only: bool = False, rows_per_chat: int = 10,
                              ) -> list[tuple[ChatRecord, list[OutboxItem]]]: ...

    async def record_many(self, writes: Sequence[OutcomeWrite]) -> list[bool]: ...

    async def record(
        self, row_id: int, chat_id: int, owner: str, *, state: OutboxState | None, now: datetime,
        next_send_at: datetime | None, message_ref: str | None = None, error: str | None = None,
        edited: bool = False, release: bool = True, renew_until: datetime | None = None,
        reason: DeadLetterReason | None = None,
    ) -> bool: ...

    async def release_chat(self, chat_id: int, owner: str, next_send_at: datetime | None = None) -> None: ...

    async def waiting(self, platforms: Sequence[str], now: datetime, *, ops_only: bool = False) -> int: ...


class ChatDirectory(Protocol):
    """Chats coming and going: one path, whoever notices (a refused send, a membership update)."""

    async def chat_gone(self, platform: str, external_id: str, reason: str) -> bool: ...

    async def chat_back(self, platform: str, external_id: str) -> None: ...

    async def migrate_chat(self, platform: str, old_external: str, new_external: str, kind: str) -> None: ...


class DeliveryEvents(Protocol):
    def delivered(self, platform: str, row: OutboxItem, outcome: Outcome, now: datetime) -> None: ...

    def dead_letter(self, chat: ChatRecord, row: OutboxItem, reason: DeadLetterReason, error: str) -> None:
        """An alert became a dead letter (kept for /failed and /retry)."""
        ...

    async def chat_gone(self, platform: str, name: str, reason: str) -> None: ...
