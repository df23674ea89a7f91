"""Button actions: what a press asks for, and — for a chat named with "@" — signed so it cannot be forged.

A button acting on the chat it is shown in carries "kind:arg" ("toggle:nato"): the press is checked
against that chat, as a typed command would be. A button shown in a private chat that acts on a
channel named with "@" (``/topics @desk``) carries the channel too, "kind:arg@<k><chat id>.<sig>",
where ``sig`` is an HMAC over the platform, the chat the button is in, the action and the target, so
a client cannot point a press at another chat (and the presser's rights there are checked again).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

__all__ = ["ActionCodec", "Action", "TargetRef"]

_KINDS = {"c": "channel", "g": "group", "s": "supergroup"}
_LETTERS = {v: k for k, v in _KINDS.items()}
SIG_LEN = 11  # base64url characters: 66 bits


@dataclass(frozen=True, slots=True)
class TargetRef:
    chat_id: str
    kind: str


@dataclass(frozen=True, slots=True)
class Action:
    kind: str  # toggle | sub | watch | start
    arg: str
    target: TargetRef | None = None


class ActionCodec:
    def __init__(self, key: bytes) -> None:
        self._key = key

    def _sig(self, platform: str, origin: str, body: str) -> str:
        mac = hmac.new(self._key, f"{platform}\x00{origin}\x00{body}".encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(mac).decode()[:SIG_LEN]

    def encode(self, kind: str, arg: str, *, platform: str, origin: str, target: TargetRef | None = None) -> str:
        """The callback data for a button shown in chat ``origin``."""
        if target is None:
            return f"{kind}:{arg}"
        body = f"{kind}:{arg}@{_LETTERS.get(target.kind, 'c')}{target.chat_id}"
        return f"{body}.{self._sig(platform, origin, body)}"

    def decode(self, data: str, *, platform: str, origin: str) -> Action | None:
        """What a press asks for; None for anything malformed or wrongly signed."""
        kind, sep, rest = data.partition(":")
        if not sep or not kind.isalpha():
            return None
        if kind == "watch" or "@" not in rest:  # a term may contain anything; it acts on this chat only
            return Action(kind, rest)
        body, dot, sig = data.rpartition(".")
        if not dot or not hmac.compare_digest(sig, self._sig(platform, origin, body)):
            return None
        arg, _, ref = body[len(kind) + 1:].rpartition("@")
        letter, chat_id = ref[:1], ref[1:]
        if letter not in _KINDS or not chat_id.lstrip("-").isdigit():
            return None
        return Action(kind, arg, TargetRef(chat_id, _KINDS[letter]))
