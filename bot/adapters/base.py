"""What the composition root needs from a chat platform, so it loops over them without probing.

Each adapter (Telegram, Slack) implements every method; one that has nothing
to do for a step (Slack has no update-polling leader) does nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

from bot.delivery.ports import Sender
from bot.ops.http import HttpServer

__all__ = ["PlatformAdapter", "LeaseKeeper", "ErrorReporter"]

ErrorReporter = Callable[[str, str], None]  # (where, what): told to the ops channel


class LeaseKeeper(Protocol):
    """Named singleton leases (one replica polls Telegram for updates)."""

    async def acquire(self, name: str, owner: str, now: datetime, seconds: float) -> bool: ...

    async def release(self, name: str, owner: str) -> None: ...


class PlatformAdapter(Protocol):
    @property
    def platform(self) -> str: ...

    @property
    def sender(self) -> Sender:
        """What the dispatcher sends this platform's outbox rows through."""
        ...

    def register_routes(self, http: HttpServer) -> None:
        """Add the platform's HTTP routes (webhooks, Slack events) to the shared port."""
        ...

    async def start(self) -> None:
        """Connect and start receiving commands."""
        ...

    async def start_sending(self) -> None:
        """Connect for sending only (poll-once, tests)."""
        ...

    async def leader_tick(self, leases: LeaseKeeper, replica: str, now: datetime, lease_seconds: float) -> None:
        """Called by the heartbeat job: take part in any per-platform singleton work."""
        ...

    async def ready(self) -> tuple[bool, str]: ...

    async def stop_receiving(self) -> None:
        """Stop taking commands; sending keeps working for the last notices."""
        ...

    async def stop(self) -> None: ...
