"""Working an alert: who took it, who it is assigned to, and the signed tokens its buttons carry.

A button's callback data (Telegram) or block id (Slack) is a token naming the
action and the outbox row, signed with a server secret over the platform and
the chat the alert went to. A token copied into another chat, or made up,
fails ``verify``; the command core then also checks the row server-side
(its chat and message) before acting.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.states import AlertAction

__all__ = ["AlertWork", "WorkTarget", "FollowedAlert", "Pressed", "derive_secret", "sign", "verify", "TOKEN_PREFIX"]

TOKEN_PREFIX = "w"
_SIG_BYTES = 12  # 16 base64 characters: "w|a|123456789|" + 16 fits Telegram's 64 bytes with room


@dataclass(frozen=True, slots=True)
class AlertWork:
    """The state of work on one sent alert (one outbox row)."""

    outbox_id: int
    acked_by: str | None = None  # display name
    acked_by_id: str | None = None
    acked_at: datetime | None = None
    assignee_id: str | None = None  # the platform's user id, when known (Slack always; Telegram text mentions)
    assignee_name: str | None = None  # a Telegram @username, or a display name
    assigned_by: str | None = None
    followed_by: str | None = None  # display name of who asked for the story's copies as replies
    followed_by_id: str | None = None
    followed_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class WorkTarget:
    """What the server knows of the alert a button sits on (looked up by row id, never taken from the client)."""

    outbox_id: int
    destination_id: int
    platform: str
    chat_id: str  # the platform's chat id
    thread_id: int
    message_ref: str | None
    terms: tuple[str, ...]  # the words that fired it
    story_title: str | None = None


@dataclass(frozen=True, slots=True)
class FollowedAlert:
    """A sent alert whose story a member follows (🔔): a new copy of the story goes to it as a reply."""

    outbox_id: int
    destination_id: int
    chat_id: int
    message_ref: str  # the alert's own message (Telegram message id, Slack ts)
    title: str  # the alerted story's title
    outlet: str  # the outlet that just carried the story too


@dataclass(frozen=True, slots=True)
class Pressed:
    action: AlertAction
    outbox_id: int


def derive_secret(parts: Iterable[str]) -> bytes:
    """The signing key, from the server's own secrets (the same on every replica); b"" without any."""
    parts = sorted(parts)
    if not parts:
        return b""
    h = hashlib.sha256(b"newsbot-alert-buttons")
    for part in parts:
        h.update(b"\0" + part.encode())
    return h.digest()


def _sig(secret: bytes, action: AlertAction, outbox_id: int, platform: str, chat_id: str) -> str:
    msg = f"{action.value}|{outbox_id}|{platform}|{chat_id}".encode()
    digest = hmac.new(secret, msg, hashlib.sha256).digest()[:_SIG_BYTES]
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def sign(secret: bytes, action: AlertAction, outbox_id: int, platform: str, chat_id: str) -> str:
    return f"{TOKEN_PREFIX}|{action.value}|{outbox_id}|{_sig(secret, action, outbox_id, platform, chat_id)}"


def verify(secret: bytes, token: str, platform: str, chat_id: str) -> Pressed | None:
    """The action and row a token names, if it was signed for this platform and chat; else None."""
    if len(token) > 100:
        return None
    parts = token.split("|")
    if len(parts) != 4 or parts[0] != TOKEN_PREFIX or not parts[2].isdigit() or len(parts[2]) > 18:
        return None
    try:
        action = AlertAction(parts[1])
    except ValueError:
        return None
    outbox_id = int(parts[2])
    if not hmac.compare_digest(parts[3], _sig(secret, action, outbox_id, platform, chat_id)):
        return None
    return Pressed(action, outbox_id)
