"""Database engines, dialect helpers and migrations (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Table, create_engine, event, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from bot.settings import database_urls
from bot.storage.sqlite_inline import inline_dbapi

__all__ = ["Database", "migrate"]

_MIGRATIONS = Path(__file__).parent / "migrations"
_MIGRATION_LOCK = 7_424_105_001  # pg_advisory_lock key: one replica migrates at a time


def _sqlite_pragmas(dbapi_conn: Any, _record: Any, *, busy_ms: int = 30_000) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN itself (see _sqlite_begin).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _inline_pragmas(dbapi_conn: Any, record: Any) -> None:
    """The pragmas without SQLite's busy handler: an inline connection waits for a lock asynchronously."""
    _sqlite_pragmas(dbapi_conn, record, busy_ms=0)


def _sqlite_begin(conn: Any) -> None:
    """Write transactions take SQLite's write lock at BEGIN, so two of them never
    deadlock upgrading from a read; read-only connections begin deferred."""
    if conn.get_execution_options().get("readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


class Database:
    """One async engine plus what differs between SQLite and PostgreSQL."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.async_url, self.sync_url = database_urls(url)
        self.dialect = "postgresql" if self.async_url.startswith("postgresql") else "sqlite"
        kwargs: dict[str, Any] = {"echo": echo}
        if self.dialect == "postgresql":
            kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
        else:
            kwargs["module"] = inline_dbapi()  # calls run on the loop's thread (bot.storage.sqlite_inline)
        self.engine: AsyncEngine = create_async_engine(self.async_url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine.sync_engine, "connect", _inline_pragmas)
            event.listen(self.engine.sync_engine, "begin", _sqlite_begin)
        # SQLite has one writer at a time; queueing writers here is far cheaper than letting
        # them collide on the file lock and sleep in SQLite's busy handler.
        self._write_lock = asyncio.Lock() if self.dialect == "sqlite" else None
        self._write_owner: asyncio.Task[Any] | None = None

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A connection inside one write transaction, committed on success."""
        if self._write_lock is None:
            async with self.engine.begin() as conn:
                yield conn
            return
        task = asyncio.current_task()
        if task is not None and task is self._write_owner:
            raise RuntimeError("nested write transaction on SQLite would deadlock")
        async with self._write_lock:
            self._write_owner = task
            try:
                async with self.engine.begin() as conn:
                    yield conn
            finally:
                self._write_owner = None

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only connection (on SQLite it does not take the write lock)."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(readonly=True)
            yield conn

    def insert(self, table: Table) -> Any:
        """An INSERT that supports ``on_conflict_do_nothing`` on this backend."""
        if self.is_postgres:
            return postgresql.insert(table)
        return sqlite.insert(table)

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:  # noqa: BLE001 - readiness reports any failure as not ready
            return False

    async def dispose(self) -> None:
        await self.engine.dispose()

    def migrate(self) -> None:
        migrate(self.sync_url)


def migrate(sync_url: str) -> None:
    """Bring the schema to the newest Alembic revision (safe with several replicas)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sync_url)
    engine = create_engine(sync_url, poolclass=NullPool)
    if sync_url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    try:
        with engine.begin() as conn:
            if engine.dialect.name == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK})
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    finally:
        engine.dispose()
