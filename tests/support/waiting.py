"""The one way an end-to-end test waits for something the bot does in the background."""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["wait_until"]


async def wait_until(check: Callable[[], Any] | Callable[[], Awaitable[Any]], timeout: float = 10.0,
                     what: str = "condition", *, interval: float = 0.02,
                     detail: Callable[[], str] | None = None) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy, and return that.

    After ``timeout`` seconds fail with ``what`` in the message, followed by ``detail()``
    (e.g. the replicas' logs) when given. ``interval`` is the pause between checks.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            extra = f"\n{detail()}" if detail is not None else ""
            raise AssertionError(f"timed out waiting for {what}{extra}")
        await asyncio.sleep(interval)
