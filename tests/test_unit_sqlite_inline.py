"""SQLite calls run on the loop's thread (bot/storage/sqlite_inline.py), and a lock held by another
connection is waited for without blocking the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import exc, text

from bot.storage import sqlite_inline
from bot.storage.db import Database


async def _db(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'x.db'}")
    await asyncio.to_thread(db.migrate)
    return db


async def test_statements_run_on_the_loop_thread(tmp_path: Path) -> None:
    db = await _db(tmp_path)
    seen: list[int] = []
    try:
        async with db.read() as conn:
            raw = (await conn.get_raw_connection()).driver_connection
            raw._conn.create_function("whose", 0, lambda: seen.append(threading.get_ident()) or 1)  # noqa: SLF001
            assert (await conn.execute(text("SELECT whose()"))).scalar_one() == 1
    finally:
        await db.dispose()
    assert seen == [threading.get_ident()]


async def test_a_writer_waits_for_another_connection_without_blocking_the_loop(tmp_path: Path) -> None:
    first, second = await _db(tmp_path), Database(f"sqlite:///{tmp_path / 'x.db'}")
    ticks: list[float] = []

    async def heartbeat() -> None:
        while True:
            ticks.append(time.monotonic())
            await asyncio.sleep(0.01)

    beat = asyncio.create_task(heartbeat())
    try:
        async with first.begin() as conn:
            await conn.execute(text("INSERT INTO meta (key, value) VALUES ('a', '1')"))
            waiter = asyncio.create_task(_write(second, "b"))
            await asyncio.sleep(0.3)  # the second writer meets the lock all this while
            assert not waiter.done()
            during = len(ticks)
        await asyncio.wait_for(waiter, timeout=5)
        assert during >= 10, "the loop stalled while the second writer waited"
        async with second.read() as conn:
            rows = (await conn.execute(text("SELECT key FROM meta WHERE key IN ('a', 'b') ORDER BY key"))).all()
        assert [r.key for r in rows] == ["a", "b"]
    finally:
        beat.cancel()
        await first.dispose()
        await second.dispose()


async def _write(db: Database, key: str) -> None:
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO meta (key, value) VALUES (:k, '1')"), {"k": key})


async def test_a_lock_held_past_the_timeout_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sqlite_inline, "BUSY_TIMEOUT", 0.2)
    first, second = await _db(tmp_path), Database(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        async with first.begin() as conn:
            await conn.execute(text("INSERT INTO meta (key, value) VALUES ('a', '1')"))
            with pytest.raises(exc.OperationalError) as caught:
                await asyncio.wait_for(_write(second, "b"), timeout=5)
            assert isinstance(caught.value.orig, sqlite3.OperationalError)
            assert "locked" in str(caught.value.orig)
    finally:
        await first.dispose()
        await second.dispose()
