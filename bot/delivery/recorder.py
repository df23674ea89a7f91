"""Group commit for delivery outcomes: the outcomes of many chats' sends in one transaction.

Each chat still records every send before its next one (its ``record`` call returns only once
the outcome is committed), so order within a chat and "at most one repeat per chat after a
SIGKILL" hold as before. What changes is that the chats served concurrently share a write:
outcomes that arrive while one batch is being committed go into the next, and while other sends
are still under way (``busy``) a batch waits up to ``linger`` seconds for their outcomes. A
fan-out paced at 27 messages a second thus commits a handful of outcomes per transaction instead
of one each, and at a thousand a second a few hundred; a lone send is committed at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from bot.storage.records import OutcomeWrite

__all__ = ["OutcomeRecorder"]

WriteMany = Callable[[Sequence[OutcomeWrite]], Awaitable[list[bool]]]


class OutcomeRecorder:
    def __init__(self, write_many: WriteMany, *, max_batch: int = 200, linger: float = 0.0,
                 busy: Callable[[], bool] = lambda: False) -> None:
        self._write_many = write_many
        self._max_batch = max_batch
        self._linger = linger
        self._busy = busy
        self._queue: list[tuple[OutcomeWrite, asyncio.Future[bool]]] = []
        self._flusher: asyncio.Task[None] | None = None
        self._nudge = asyncio.Event()

    async def record(self, write: OutcomeWrite) -> bool:
        """Commit ``write`` (with whatever else is waiting); whether the chat's lease held."""
        fut: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append((write, fut))
        self._nudge.set()
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.get_running_loop().create_task(self._flush())
        # Shielded: a cancelled caller must not cancel the write of the others in the batch.
        return await asyncio.shield(fut)

    def nudge(self) -> None:
        """A send ended without an outcome to record: a lingering batch need not wait for it."""
        self._nudge.set()

    async def _gather(self) -> None:
        """Wait (up to ``linger``) while sends still under way may add their outcomes to this batch."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._linger
        while len(self._queue) < self._max_batch and self._busy():
            left = deadline - loop.time()
            if left <= 0:
                return
            self._nudge.clear()
            try:
                await asyncio.wait_for(self._nudge.wait(), left)
            except TimeoutError:
                return

    async def _flush(self) -> None:
        await asyncio.sleep(0)  # let the sends that finished in this loop turn queue theirs too
        while self._queue:
            await self._gather()
            batch, self._queue = self._queue[: self._max_batch], self._queue[self._max_batch:]
            try:
                held = await self._write_many([w for w, _ in batch])
            except BaseException as exc:  # noqa: BLE001 - every waiter hears of it
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc if isinstance(exc, Exception) else RuntimeError(repr(exc)))
                if not isinstance(exc, Exception):
                    raise
                continue
            for (_, fut), ok in zip(batch, held, strict=True):
                if not fut.done():
                    fut.set_result(ok)
