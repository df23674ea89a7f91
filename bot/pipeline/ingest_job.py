"""The ingest step as a singleton job: only the replica holding the ``ingest`` lease decides.

A replica that (re)takes the lease reloads the clustering index first, since
another replica may have alerted stories in between.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import structlog

from bot.pipeline.ingest import Ingestor, IngestReport, LeaseLost

__all__ = ["IngestJob", "INGEST_LEASE"]

log = structlog.get_logger(__name__)

INGEST_LEASE = "ingest"


class _Leases(Protocol):
    async def acquire(self, name: str, owner: str, now: datetime, seconds: float) -> bool: ...


class IngestJob:
    def __init__(self, ingestor: Ingestor, leases: _Leases, *, replica: str, lease_seconds: float,
                 clock: Callable[[], datetime]) -> None:
        self.ingestor, self.leases = ingestor, leases
        self.replica, self.lease_seconds, self.clock = replica, lease_seconds, clock
        self.holds = False

    async def __call__(self) -> IngestReport | None:
        """One run; None when another replica holds the lease (or took it half-way)."""
        held = await self.leases.acquire(INGEST_LEASE, self.replica, self.clock(), self.lease_seconds)
        if not held:
            self.holds = False
            return None
        if not self.holds:
            await self.ingestor.reload_clusters()
            self.holds = True
        try:
            return await self.ingestor.run_once()
        except LeaseLost:
            self.holds = False
            log.info("ingest_lease_lost", replica=self.replica)
            return None
