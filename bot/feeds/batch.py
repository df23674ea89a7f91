"""Batching writes: many polls' results committed in one transaction, each waiter told when its batch is in."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

__all__ = ["BatchWriter"]


class BatchWriter:
    """Collects items and writes them in batches; ``submit`` returns once its batch is committed."""

    def __init__(self, write: Callable[[list[Any]], Awaitable[None]], *, max_batch: int, max_delay: float) -> None:
        self._write = write
        self.max_batch = max_batch
        self.max_delay = max_delay
        self._buffer: list[tuple[Any, asyncio.Future[None]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()
        self._flushes: set[asyncio.Task[None]] = set()

    async def submit(self, item: Any) -> None:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        self._buffer.append((item, fut))
        if len(self._buffer) >= self.max_batch:
            self._schedule(0.0)
        elif self._timer is None:
            self._schedule(self.max_delay)
        await asyncio.shield(fut)

    def _schedule(self, delay: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        loop = asyncio.get_running_loop()
        self._timer = loop.call_later(delay, self._start_flush)

    def _start_flush(self) -> None:
        task = asyncio.get_running_loop().create_task(self._flush())
        self._flushes.add(task)
        task.add_done_callback(self._flushes.discard)

    async def _flush(self) -> None:
        async with self._lock:
            self._timer = None
            while self._buffer:
                batch, self._buffer = self._buffer[: self.max_batch], self._buffer[self.max_batch:]
                try:
                    await self._write([item for item, _ in batch])
                except Exception as exc:  # noqa: BLE001 - every waiter hears about the failed write
                    for _, fut in batch:
                        if not fut.done():
                            fut.set_exception(exc)
                    continue
                for _, fut in batch:
                    if not fut.done():
                        fut.set_result(None)
