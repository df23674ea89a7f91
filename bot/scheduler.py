"""Wiring of the periodic jobs (APScheduler) and the event-driven kicks between them."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

__all__ = ["Coalesced", "Jobs"]

log = structlog.get_logger(__name__)


class Coalesced:
    """An async job that never overlaps itself: calls during a run fold into one more run."""

    def __init__(self, name: str, fn: Callable[[], Awaitable[Any]]) -> None:
        self.name = name
        self.fn = fn
        self._running = False
        self._again = False

    @property
    def running(self) -> bool:
        return self._running

    async def __call__(self) -> None:
        if self._running:
            self._again = True
            return
        self._running = True
        try:
            while True:
                self._again = False
                try:
                    await self.fn()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - one failed run must not stop the job
                    log.error("job_failed", job=self.name, error=repr(exc), exc_info=True)
                if not self._again:
                    break
        finally:
            self._running = False


class Jobs:
    """The scheduler plus named coalesced jobs that can also be kicked to run now."""

    def __init__(self) -> None:
        self.scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                        "misfire_grace_time": 30})
        self.jobs: dict[str, Coalesced] = {}
        self._tasks: set[asyncio.Task[None]] = set()

    def every(self, name: str, seconds: float, fn: Callable[[], Awaitable[Any]]) -> Coalesced:
        job = Coalesced(name, fn)
        self.jobs[name] = job
        self.scheduler.add_job(self._spawn, "interval", seconds=seconds, args=[name], id=name, name=name)
        return job

    async def _spawn(self, name: str) -> None:
        self.kick(name)

    def kick(self, name: str) -> None:
        """Run a job now (or once more right after its current run)."""
        job = self.jobs.get(name)
        if job is None:
            return
        task = asyncio.get_running_loop().create_task(job())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def start(self) -> None:
        self.scheduler.start()

    @property
    def running(self) -> bool:
        return bool(self.scheduler.running)

    async def stop(self, grace: float = 10.0) -> None:
        """Stop scheduling; let running jobs finish for up to ``grace`` seconds, then cancel them."""
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=grace)
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
