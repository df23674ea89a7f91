"""The Sender port: what delivery needs from a chat platform, with explicit outcomes.

Every send ends in exactly one ``Outcome``: sent (with the platform's message
reference, for later edits), retry (after a delay the platform asked for, or
a backoff), gone (the chat blocked or removed the bot: deactivate it) or
failed (this message can never be delivered; move on).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from bot.alerts.model import AlertView

__all__ = ["Outcome", "Address", "Notice", "Message", "Sender"]


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: Literal["sent", "retry", "gone", "failed"]
    message_ref: str | None = None
    retry_after: float | None = None
    error: str | None = None
    migrate_to: str | None = None  # the chat moved (Telegram group upgraded to a supergroup)

    @classmethod
    def sent(cls, ref: str | None = None) -> "Outcome":
        return cls("sent", message_ref=ref)

    @classmethod
    def retry(cls, error: str, after: float | None = None) -> "Outcome":
        return cls("retry", retry_after=after, error=error)

    @classmethod
    def gone(cls, error: str) -> "Outcome":
        return cls("gone", error=error)

    @classmethod
    def failed(cls, error: str) -> "Outcome":
        return cls("failed", error=error)


@dataclass(frozen=True, slots=True)
class Address:
    """Where a message goes, in the platform's own terms."""

    platform: str
    chat: str
    thread: int
    kind: str


@dataclass(frozen=True, slots=True)
class Notice:
    """A plain Arabic message (ops notices, digests): a bold title and lines."""

    title: str
    lines: tuple[str, ...] = ()

    def plain_text(self) -> str:
        return "\n".join([self.title, *self.lines])


Message = AlertView | Notice


class Sender(Protocol):
    platform: str
    global_rate: float  # messages per second for the whole bot

    def pacing(self, chat_kind: str) -> float:
        """Minimum seconds between two messages to one chat."""
        ...

    async def send(self, to: Address, message: Message) -> Outcome: ...

    async def edit(self, to: Address, message_ref: str, message: Message) -> Outcome: ...
