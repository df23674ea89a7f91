"""SQLite on the event loop's own thread: aiosqlite's API without a thread hop per call.

aiosqlite runs every call (cursor, execute, fetchall, close, commit...) on a worker thread and
wakes the loop with its result; SQLAlchemy's adapter makes about four such calls per statement, so
a one-row read cost about a millisecond of CPU in thread hand-offs and loop wake-ups, far more than
SQLite's own work, and most of an alert's cost. Our statements are short (indexed, on a local file
in WAL mode, where readers never wait for the writer and commits do not sync), so here each call
runs where it is awaited. aiosqlite still opens the connection (on its thread, once per pooled
connection) so SQLAlchemy's connection set-up works unchanged.

A statement that meets another process's write lock must not block the loop in SQLite's busy
handler: connections here have no busy timeout, and a call that comes back SQLITE_BUSY is retried
after a short asynchronous sleep until ``BUSY_TIMEOUT`` has passed, the same wait as before with the
loop free meanwhile (another Database on the same file in this process can then commit).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import aiosqlite

__all__ = ["BUSY_TIMEOUT", "InlineConnection", "inline_dbapi"]

BUSY_TIMEOUT = 30.0  # seconds a statement may wait for another process's lock (was PRAGMA busy_timeout)
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, getattr(sqlite3, "SQLITE_BUSY_SNAPSHOT", 517),
                         getattr(sqlite3, "SQLITE_BUSY_RECOVERY", 261)})


def _busy(exc: sqlite3.OperationalError) -> bool:
    return getattr(exc, "sqlite_errorcode", None) in _BUSY_CODES


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the caller's thread (see the module docstring)."""

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as exc:
            if not _busy(exc):
                raise
        deadline = time.monotonic() + BUSY_TIMEOUT
        pause = 0.001
        while True:
            await asyncio.sleep(pause)
            pause = min(0.05, pause * 2)
            try:
                return fn(*args, **kwargs)
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() >= deadline:
                    raise


def _connect(database: Any, *, iter_chunk_size: int = 64, **kwargs: Any) -> InlineConnection:
    """``aiosqlite.connect`` with our connection class (the connection is opened on its thread)."""
    loc = database.decode("utf-8") if isinstance(database, bytes) else str(database)
    kwargs["timeout"] = 0  # no busy handler inside SQLite: InlineConnection waits without blocking
    return InlineConnection(lambda: sqlite3.connect(loc, **kwargs), iter_chunk_size)


def inline_dbapi() -> Any:
    """The DBAPI module to give SQLAlchemy's aiosqlite dialect (``create_async_engine(module=...)``)."""
    from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_dbapi

    module = SimpleNamespace(**{name: getattr(aiosqlite, name) for name in (
        "DatabaseError", "Error", "IntegrityError", "NotSupportedError", "OperationalError",
        "ProgrammingError", "sqlite_version", "sqlite_version_info")})
    module.Connection = InlineConnection
    module.connect = _connect
    return AsyncAdapt_aiosqlite_dbapi(module, sqlite3)  # type: ignore[arg-type]
