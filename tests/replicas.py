"""Running ``newsbot run`` as separate processes (replicas) for the scale-out tests."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from tests.conftest import ROOT

__all__ = ["Replica", "free_port", "log_tails"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Replica:
    """One ``python -m bot run`` process with its own port and log file."""

    def __init__(self, name: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.env = {**os.environ, **env, "PORT": str(self.port), "NEWSBOT_HTTP_HOST": "127.0.0.1",
                    "NEWSBOT_REPLICA_ID": name, "PYTHONPATH": str(ROOT)}
        self.workdir = workdir
        self.log_path = workdir / f"{name}.log"
        self.proc: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        self._log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", env=self.env, cwd=self.workdir,
            stdout=self._log, stderr=asyncio.subprocess.STDOUT)

    def log(self) -> str:
        return self.log_path.read_text("utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL: no clean-up, leases stay until they expire."""
        if self.proc is not None and self.proc.returncode is None:
            self.proc.send_signal(signal.SIGKILL)

    async def stop(self, timeout: float = 30.0) -> int | None:
        if self.proc is None:
            return None
        if self.proc.returncode is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.proc.wait(), timeout=timeout)
            except TimeoutError:
                self.proc.kill()
                await self.proc.wait()
        self._log.close()
        return self.proc.returncode


async def subscribe_private(db_url: str, fake: object, chats: Iterable[int], watchlist: str = "nato") -> None:
    """Migrate the database at ``db_url`` and subscribe each private chat (known to ``fake`` too)."""
    from datetime import UTC, datetime

    from bot.storage.chats_repo import ChatsRepo
    from bot.storage.db import Database, migrate

    await asyncio.to_thread(migrate, Database(db_url).sync_url)
    db = Database(db_url)
    repo = ChatsRepo(db)
    now = datetime.now(UTC)
    try:
        for chat in chats:
            fake.add_chat(chat, "private")  # type: ignore[attr-defined]
            dest = await repo.ensure_destination("telegram", str(chat), "private", now=now)
            await repo.subscribe(dest.id, [watchlist], now)
    finally:
        await db.dispose()


def log_tails(replicas: list[Replica], tail: int = 3000) -> Callable[[], str]:
    """The end of each replica's log at the time of asking, for a failure message."""
    return lambda: "\n".join(f"--- {r.name}\n{r.log()[-tail:]}" for r in replicas)
