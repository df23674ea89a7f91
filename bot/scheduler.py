"""Wiring of the periodic jobs (APScheduler) and the event-driven kicks between them.

A job is referenced by its handle (``Job``), never by a name string, so a
kick of a job that does not exist cannot be written.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler

__all__ = ["Coalesced", "Job", "Jobs"]

log = structlog.get_logger(__name__)

OnError = Callable[[str, BaseException], None]


class Coalesced:
    """An async job that never overlaps itself: calls during a run fold into one more run."""

    def __init__(self, name: str, fn: Callable[[], Awaitable[Any]], on_error: OnError | None = None) -> None:
        self.name = name
        self.fn = fn
        self.on_error = on_error
        self._running = False
        self._again = False
        self.idle = False  # the last run found nothing to do (its result was falsy)
        self.ended_at = 0.0  # time.monotonic() when the last run ended

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
                    self.idle = not await self.fn()
                except asyncio.CancelledError:
                    raise
                except Exception as exc:  # noqa: BLE001 - one failed run must not stop the job
                    log.error("job_failed", job=self.name, error=repr(exc), exc_info=True)
                    if self.on_error is not None:
                        self.on_error(self.name, exc)
                if not self._again:
                    break
        finally:
            self._running = False
            self.ended_at = time.monotonic()


class Job:
    """A scheduled job's handle: ``kick()`` runs it now (or once more right after its current run).

    With ``idle_every``, a tick after a run that found nothing to do is skipped until that many
    seconds have passed since it: an idle bot checks less often, and a kick (new stories, new
    outbox rows) still runs the job at once.
    """

    def __init__(self, jobs: Jobs, body: Coalesced, idle_every: float | None = None) -> None:
        self._jobs = jobs
        self.body = body
        self.idle_every = idle_every

    def tick(self) -> None:
        """The scheduler's periodic call."""
        body = self.body
        if self.idle_every is not None and body.idle and time.monotonic() - body.ended_at < self.idle_every:
            return
        self.kick()

    @property
    def name(self) -> str:
        return self.body.name

    def kick(self) -> None:
        """A no-op until the jobs are started: one-shot runs (poll-once, tests) drive the steps themselves."""
        if self._jobs.running:
            self._jobs.spawn(self.body)


class Jobs:
    """The scheduler plus coalesced jobs that can also be kicked to run now."""

    def __init__(self, on_error: OnError | None = None) -> None:
        self.scheduler = AsyncIOScheduler(job_defaults={"coalesce": True, "max_instances": 1,
                                                        "misfire_grace_time": 30})
        self.on_error = on_error
        self._tasks: set[asyncio.Task[None]] = set()

    def every(self, name: str, seconds: float, fn: Callable[[], Awaitable[Any]], *,
              idle_every: float | None = None) -> Job:
        job = Job(self, Coalesced(name, fn, self.on_error), idle_every)
        self.scheduler.add_job(self._tick, "interval", seconds=seconds, args=[job], id=name, name=name)
        return job

    async def _tick(self, job: Job) -> None:
        job.tick()

    def spawn(self, body: Coalesced) -> None:
        task = asyncio.get_running_loop().create_task(body())
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
