"""Confirmations kept on the server: a button carries only a random token, never the change itself.

/import shows what a document would change and stores the plan here under a token;
the "apply" button sends the token back, and only the same person in the same chat,
within ``ttl`` seconds, gets the stored plan applied. Tokens are single-use.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from typing import Any

__all__ = ["PendingStore", "Pending"]


@dataclass(frozen=True, slots=True)
class Pending:
    owner: tuple[str, str, str]  # (platform, chat, user) that asked
    value: Any
    expires: float


class PendingStore:
    def __init__(self, *, ttl: float = 600.0, limit: int = 1000) -> None:
        self.ttl = ttl
        self.limit = limit
        self._items: dict[str, Pending] = {}

    def put(self, owner: tuple[str, str, str], value: Any) -> str:
        now = time.monotonic()
        if len(self._items) >= self.limit:
            self._items = {k: v for k, v in self._items.items() if v.expires > now}
            while len(self._items) >= self.limit:
                self._items.pop(next(iter(self._items)))
        token = secrets.token_urlsafe(12)
        self._items[token] = Pending(owner, value, now + self.ttl)
        return token

    def take(self, token: str, owner: tuple[str, str, str]) -> Any | None:
        """The stored value, once, for its owner while fresh; None otherwise (a stranger's press keeps it)."""
        item = self._items.get(token)
        if item is None or item.owner != owner:
            return None
        del self._items[token]
        return item.value if item.expires > time.monotonic() else None

    def peek(self, token: str, owner: tuple[str, str, str]) -> Any | None:
        """The stored value for its owner, left in place."""
        item = self._items.get(token)
        if item is None or item.owner != owner or item.expires <= time.monotonic():
            return None
        return item.value

    def drop(self, token: str, owner: tuple[str, str, str]) -> bool:
        item = self._items.get(token)
        if item is None or item.owner != owner:
            return False
        del self._items[token]
        return True
