"""What every fan-out benchmark mode shares: one run's figures, the delivery window, the bot's set-up.

``fanout.py`` (Telegram), ``fanout_slack.py`` and ``fanout_replicas.py`` each start the real
``python -m bot run`` against a platform double in this process, publish one matching story and
time the deliveries as the double saw them arrive; the helpers here keep them measuring alike.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from benchmarks.soak_results import proc_cpu_s

ROOT = Path(__file__).resolve().parent.parent

__all__ = ["ROOT", "TITLE", "Run", "window", "tally", "bot_config", "publish", "wait_first_fetch", "idle_ms_per_s",
           "first_fetch_done_sqlite", "proc_cpu_s", "profile", "seed_subscribers"]

TITLE = "قمة حلف الناتو تبدأ اليوم في لاهاي وسط خلافات حول الإنفاق الدفاعي"


@dataclass
class Run:
    who: str
    chats: int
    rate: float
    delivered: int = 0
    once: int = 0
    refused: int = 0
    per_s: float = 0.0
    cpu_ms: float = 0.0
    wall: float = 0.0
    idle_ms_per_s: float | None = None
    note: str = ""

    def line(self) -> str:
        idle = ""
        if self.idle_ms_per_s is not None:
            net = self.cpu_ms - self.idle_ms_per_s / max(self.per_s, 1e-9)
            idle = f"; idle {self.idle_ms_per_s:.0f} ms/s, so {net:.2f} ms/alert beyond idle"
        note = f"; {self.note}" if self.note else ""
        return (f"  {self.who:<8} N={self.chats:<5} delivered {self.delivered}/{self.chats}, once {self.once}, "
                f"429s {self.refused}, {self.per_s:.1f} alerts/s = {100 * self.per_s / self.rate:.0f} % of "
                f"{self.rate:g}/s, CPU {self.cpu_ms:.2f} ms/alert ({self.wall:.1f} s){idle}{note}")


async def window(sent: Sequence[Any], key: Callable[[Any], Hashable], wanted: set[Any], n: int,
                 pids: Sequence[int] | Callable[[], float], timeout: float) -> tuple[float, float, int]:
    """Wait for the N deliveries; (first-to-last seconds, CPU seconds of ``pids`` over it, alerts in it).

    ``sent`` is the double's list of what arrived (each with ``.time``), ``key`` names its destination;
    ``pids`` may be a function giving the CPU seconds to count instead.
    """
    cpu = pids if callable(pids) else (lambda: sum(proc_cpu_s(p) for p in pids))
    start = len(sent)
    deadline = time.monotonic() + timeout
    first_t = 0.0
    cpu0 = 0.0
    seen: set[Any] = set()
    idx = start
    last_progress = time.monotonic()
    while time.monotonic() < deadline:
        for m in sent[idx:]:
            if key(m) in wanted:
                if not seen:
                    first_t, cpu0 = m.time, cpu()
                seen.add(key(m))
                last_progress = time.monotonic()
        idx = len(sent)
        if len(seen) >= n:
            break
        if seen and time.monotonic() - last_progress > 20:
            break  # stuck: report what was delivered
        await asyncio.sleep(0.005)
    cpu1 = cpu()
    last_t = max((m.time for m in sent[start:] if key(m) in wanted), default=first_t)
    return last_t - first_t, cpu1 - cpu0, max(1, len(seen) - 1)


def tally(run: Run, sent: Sequence[Any], key: Callable[[Any], Hashable], wanted: set[Any], since: int,
          refused: int) -> Counter[Any]:
    counts: Counter[Any] = Counter(key(m) for m in sent[since:] if key(m) in wanted)
    run.delivered = len(counts)
    run.once = sum(1 for v in counts.values() if v == 1)
    run.refused = refused
    return counts


def bot_config(work: Path, feeds: Any, path: str = "/fanout.xml") -> tuple[Path, list[Any]]:
    """A config directory (the shipped lists, one local feed polled every 10 s); returns it and the old items."""
    from tests.fakes.feed_server import Item, rss2

    cfg = work / "config"
    cfg.mkdir(exist_ok=True)
    for extra in (ROOT / "config").glob("*.yaml"):
        if extra.name != "feeds.yaml":
            (cfg / extra.name).write_bytes(extra.read_bytes())
    old = [Item(f"خبر قديم {j}", f"https://news.example/old/{j}", "تفاصيل",
                published=datetime.now(UTC) - timedelta(hours=2, minutes=j)) for j in range(5)]
    feeds.add_feed(path, rss2(old))
    (cfg / "feeds.yaml").write_text(
        f"feeds:\n  - id: fanout\n    url: {feeds.url(path)}\n    name: وكالة الأنباء\n    interval: 10\n",
        encoding="utf-8")
    return cfg, old


def publish(feeds: Any, old: list[Any], path: str = "/fanout.xml") -> None:
    """The one story naming NATO, on top of the feed."""
    from tests.fakes.feed_server import Item, rss2

    fresh = Item(TITLE, "https://news.example/story/nato-1", "يجتمع قادة الحلف اليوم", published=datetime.now(UTC))
    feeds.set_body(path, rss2([fresh, *old]))


def _first_fetch_done_sqlite(db_path: Path) -> bool:
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT first_fetch_done FROM feeds").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return bool(rows) and all(r[0] for r in rows)


async def wait_first_fetch(done: Callable[[], Any], logs: Callable[[], str], timeout: float = 60) -> None:
    """Until ``done()`` (sync or async) says the feed had its first, silent look."""
    deadline = time.monotonic() + timeout
    while True:
        value = done()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if time.monotonic() > deadline:
            raise RuntimeError("the bot never fetched its feed:\n" + logs()[-2000:])
        await asyncio.sleep(0.2)


def first_fetch_done_sqlite(db_path: Path) -> Callable[[], bool]:
    return lambda: _first_fetch_done_sqlite(db_path)


def seed_subscribers(url: str, chats: Sequence[tuple[str, str, str, str]], watchlist: str = "nato") -> None:
    """A fresh database at ``url`` with one destination per (platform, external id, kind, title), each
    following ``watchlist``: the subscribers of a fan-out, written in three statements."""
    from sqlalchemy import create_engine, insert

    from bot.settings import database_urls
    from bot.storage.db import migrate
    from bot.storage.models import Chat, Destination, Subscription

    _, sync_url = database_urls(url)
    migrate(sync_url)
    now = datetime.now(UTC)
    engine = create_engine(sync_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Chat), [
                {"id": i + 1, "platform": platform, "external_id": ref, "kind": kind, "title": title,
                 "active": True, "is_ops": False, "created_at": now}
                for i, (platform, ref, kind, title) in enumerate(chats)])
            conn.execute(insert(Destination), [
                {"id": i + 1, "chat_id": i + 1, "thread_id": 0, "enabled": True, "created_at": now}
                for i in range(len(chats))])
            conn.execute(insert(Subscription), [
                {"destination_id": i + 1, "watchlist_id": watchlist, "created_at": now} for i in range(len(chats))])
    finally:
        engine.dispose()


IDLE_SECONDS = float(os.environ.get("FANOUT_IDLE_SECONDS", "5"))


async def profile(phase: str, pid: int, seconds: float) -> asyncio.subprocess.Process | None:
    """With FANOUT_PROFILE=DIR, py-spy samples the bot during ``phase`` (raw stacks in DIR/PHASE.txt).

    Read them with any flame-graph tool; this is how the send path's costs were found.
    """
    where = os.environ.get("FANOUT_PROFILE")
    if not where:
        return None
    Path(where).mkdir(parents=True, exist_ok=True)
    return await asyncio.create_subprocess_exec(
        "py-spy", "record", "--pid", str(pid), "--duration", str(max(1, int(seconds))), "--rate", os.environ.get("FANOUT_PROFILE_RATE", "250"),
        "--format", "raw", "--nonblocking", "-o", str(Path(where) / f"{phase}.txt"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def idle_ms_per_s(pids: Sequence[int], seconds: float = IDLE_SECONDS) -> float:
    """What the processes spend with nothing to send (jobs, heartbeat, polls), ms of CPU a second.

    FANOUT_IDLE_SECONDS sets how long (default 5 s).
    """
    c0, t0 = sum(proc_cpu_s(p) for p in pids), time.monotonic()
    spy = await profile("idle", pids[0], seconds) if pids else None
    await asyncio.sleep(seconds)
    if spy is not None:
        await spy.wait()
    return 1000 * (sum(proc_cpu_s(p) for p in pids) - c0) / (time.monotonic() - t0)
