"""Fan-out: one matching story to N private chats, against the Bot API double with flood limits on.

For each N (default 500 and 5,000; ``--quick``: 200), in one run:

* **newsbot**: the real ``python -m bot run`` as a subprocess on a fresh SQLite database where N
  private chats each follow the built-in ``nato`` list; one feed (a local feed server) publishes
  one story naming NATO; the bot polls, matches, queues N outbox rows and sends them;
* **naive**: a plain python-telegram-bot loop in a subprocess of its own — ``ExtBot`` with PTB's
  ``AIORateLimiter`` at the same overall rate, ``send_message`` to the same N chats with a message
  of the same shape (``asyncio.gather``), PTB's default transport.

Both talk to the same ``FakeTelegramAPI`` (this process) enforcing Telegram's limits (30/s overall,
1/s per private chat, 20/min per group; 1,000/s with ``allow_paid_broadcast``), reset in between.

Printed per run: delivered, delivered exactly once, 429s earned, alerts/s from the first to the
last delivery against the configured rate, and CPU ms per alert: the sender's own utime+stime
(/proc/<pid>/stat) over the same first-to-last window, divided by the alerts in it. newsbot's
figure includes everything the process did meanwhile (its heartbeat, lease renewals, the
scheduler), the naive loop's only its sends.

    python benchmarks/fanout.py                 # N = 500 and 5,000 at the default rate (27/s)
    python benchmarks/fanout.py --quick         # N = 200
    python benchmarks/fanout.py --paid          # TELEGRAM_PAID_BROADCAST=true, 1,000/s, limits raised
    python benchmarks/fanout.py --chats 1000 --repeat 3
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.soak_results import proc_cpu_s  # after the path set-up above

TOKEN = "123456:FANOUT-token"
CHAT_BASE = 7_000_000
FREE_RATE, PAID_RATE = 27.0, 1000.0
IDLE_SECONDS = float(os.environ.get("FANOUT_IDLE_SECONDS", "5"))
TITLE = "قمة حلف الناتو تبدأ اليوم في لاهاي وسط خلافات حول الإنفاق الدفاعي"

NAIVE = r'''
import asyncio, json, os, sys, time
from telegram.ext import AIORateLimiter, ExtBot
from telegram.constants import ParseMode
from telegram import LinkPreviewOptions

async def main():
    base, token, first, n, rate, paid = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), sys.argv[6] == "1"
    text = sys.stdin.read()
    limiter = AIORateLimiter(overall_max_rate=rate, overall_time_period=1, max_retries=10)
    bot = ExtBot(token, base_url=base, rate_limiter=limiter)
    await bot.initialize()
    def cpu():
        t = os.times()
        return t.user + t.system
    out = {}
    async def one(chat):
        try:
            await bot.send_message(chat, text, parse_mode=ParseMode.HTML,
                                   link_preview_options=LinkPreviewOptions(is_disabled=True),
                                   allow_paid_broadcast=paid or None)
        except Exception as exc:
            out.setdefault("errors", []).append(type(exc).__name__)
    c0, t0 = cpu(), time.monotonic()
    await asyncio.gather(*(one(first + i) for i in range(n)))
    out.update(cpu=cpu() - c0, wall=time.monotonic() - t0)
    await bot.shutdown()
    print(json.dumps(out))

asyncio.run(main())
'''


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

    def line(self) -> str:
        idle = ""
        if self.idle_ms_per_s is not None:
            net = self.cpu_ms - self.idle_ms_per_s / max(self.per_s, 1e-9)
            idle = f"; idle {self.idle_ms_per_s:.0f} ms/s, so {net:.2f} ms/alert beyond idle"
        return (f"  {self.who:<8} N={self.chats:<5} delivered {self.delivered}/{self.chats}, once {self.once}, "
                f"429s {self.refused}, {self.per_s:.1f} alerts/s = {100 * self.per_s / self.rate:.0f} % of "
                f"{self.rate:g}/s, CPU {self.cpu_ms:.2f} ms/alert ({self.wall:.1f} s){idle}")


def _prepare_db(db_path: Path, chats: int) -> None:
    from sqlalchemy import create_engine, insert

    from bot.settings import database_urls
    from bot.storage.db import migrate
    from bot.storage.models import Chat, Destination, Subscription

    _, sync_url = database_urls(f"sqlite:///{db_path}")
    migrate(sync_url)
    now = datetime.now(UTC)
    engine = create_engine(sync_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Chat), [
                {"id": i + 1, "platform": "telegram", "external_id": str(CHAT_BASE + i), "kind": "private",
                 "title": f"مشترك {i}", "active": True, "is_ops": False, "created_at": now} for i in range(chats)])
            conn.execute(insert(Destination), [
                {"id": i + 1, "chat_id": i + 1, "thread_id": 0, "enabled": True, "created_at": now}
                for i in range(chats)])
            conn.execute(insert(Subscription), [
                {"destination_id": i + 1, "watchlist_id": "nato", "created_at": now} for i in range(chats)])
    finally:
        engine.dispose()


def _first_fetch_done(db_path: Path) -> bool:
    import sqlite3

    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5)
        try:
            rows = conn.execute("SELECT first_fetch_done FROM feeds").fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return bool(rows) and all(r[0] for r in rows)


async def _window(fake: object, chats: set[int], n: int, pid: int, timeout: float) -> tuple[float, float, float]:
    """Wait for the N deliveries; (first-to-last seconds, CPU seconds over it, alerts in it)."""
    sent = fake.sent  # type: ignore[attr-defined]
    start = len(sent)
    deadline = time.monotonic() + timeout
    first_t = cpu0 = 0.0
    seen: set[int] = set()
    idx = start
    last_progress = time.monotonic()
    while time.monotonic() < deadline:
        for m in sent[idx:]:
            if m.chat_id in chats:
                if not seen:
                    first_t, cpu0 = m.time, proc_cpu_s(pid)
                seen.add(m.chat_id)
                last_progress = time.monotonic()
        idx = len(sent)
        if len(seen) >= n:
            break
        if seen and time.monotonic() - last_progress > 20:
            break  # stuck: report what was delivered
        await asyncio.sleep(0.005)
    cpu1 = proc_cpu_s(pid)
    last_t = max((m.time for m in sent[start:] if m.chat_id in chats), default=first_t)
    return last_t - first_t, cpu1 - cpu0, max(1, len(seen) - 1)


def _tally(run: Run, fake: object, chats: set[int], since: int) -> None:
    from collections import Counter

    counts = Counter(m.chat_id for m in fake.sent[since:] if m.chat_id in chats)  # type: ignore[attr-defined]
    run.delivered = len(counts)
    run.once = sum(1 for v in counts.values() if v == 1)
    run.refused = len(fake.flood.refusals)  # type: ignore[attr-defined]


async def _newsbot(n: int, paid: bool, rate: float, fake: object, feeds: object, work: Path) -> Run:
    from tests.fakes.feed_server import Item, rss2
    from tests.fakes.flood import FloodLimits
    from tests.replicas import Replica

    run = Run("newsbot", n, rate)
    db_path, cfg = work / "newsbot.db", work / "config"
    cfg.mkdir(exist_ok=True)
    for extra in (ROOT / "config").glob("*.yaml"):
        if extra.name != "feeds.yaml":
            (cfg / extra.name).write_bytes(extra.read_bytes())
    await asyncio.to_thread(_prepare_db, db_path, n)
    old = [Item(f"خبر قديم {j}", f"https://news.example/old/{j}", "تفاصيل",
                published=datetime.now(UTC) - timedelta(hours=2, minutes=j)) for j in range(5)]
    feeds.add_feed("/fanout.xml", rss2(old))  # type: ignore[attr-defined]
    (cfg / "feeds.yaml").write_text(
        f"feeds:\n  - id: fanout\n    url: {feeds.url('/fanout.xml')}\n    name: وكالة الأنباء\n    interval: 10\n",  # type: ignore[attr-defined]
        encoding="utf-8")
    env = {"DATABASE_URL": f"sqlite:///{db_path}", "NEWSBOT_CONFIG_DIR": str(cfg),
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,  # type: ignore[attr-defined]
           "NEWSBOT_POLL_INTERVAL": "10", "NEWSBOT_MIN_FEED_INTERVAL": "10", "LOG_LEVEL": os.environ.get("FANOUT_LOG", "WARNING"),
           "PTB_TIMEDELTA": "true"}
    if paid:
        env["TELEGRAM_PAID_BROADCAST"] = "true"
    bot = Replica("fanout", env, work)
    await bot.start()
    try:
        deadline = time.monotonic() + 60
        while not _first_fetch_done(db_path):
            if time.monotonic() > deadline:
                raise RuntimeError("the bot never fetched its feed:\n" + bot.log()[-2000:])
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.0)
        assert bot.proc is not None
        idle0, t0 = proc_cpu_s(bot.proc.pid), time.monotonic()
        spy = await _profile("idle", bot.proc.pid, int(IDLE_SECONDS))
        await asyncio.sleep(IDLE_SECONDS)  # what the bot spends with nothing to send (jobs, heartbeat, polls)
        if spy is not None:
            await spy.wait()
        run.idle_ms_per_s = 1000 * (proc_cpu_s(bot.proc.pid) - idle0) / (time.monotonic() - t0)
        fake.set_flood_limits(FloodLimits())  # type: ignore[attr-defined]
        since = len(fake.sent)  # type: ignore[attr-defined]
        fresh = Item(TITLE, "https://news.example/story/nato-1", "يجتمع قادة الحلف اليوم", published=datetime.now(UTC))
        feeds.set_body("/fanout.xml", rss2([fresh, *old]))  # type: ignore[attr-defined]
        chats = set(range(CHAT_BASE, CHAT_BASE + n))
        assert bot.proc is not None
        spy = await _profile("send", bot.proc.pid, max(5, int(0.6 * n / rate)))
        wall, cpu, alerts = await _window(fake, chats, n, bot.proc.pid, timeout=60 + 3 * n / rate)
        run.per_s, run.cpu_ms, run.wall = alerts / max(wall, 1e-9), 1000 * cpu / alerts, wall
        _tally(run, fake, chats, since)
        if spy is not None:
            await spy.wait()
        if run.delivered < n:
            print(f"newsbot delivered {run.delivered}/{n}; its log ends:\n{bot.log()[-1500:]}", file=sys.stderr)
    finally:
        await bot.stop()
    return run


async def _profile(phase: str, pid: int, seconds: int) -> asyncio.subprocess.Process | None:
    """With FANOUT_PROFILE=DIR, py-spy samples the bot during ``phase`` (raw stacks in DIR/PHASE.txt)."""
    where = os.environ.get("FANOUT_PROFILE")
    if not where:
        return None
    Path(where).mkdir(parents=True, exist_ok=True)
    return await asyncio.create_subprocess_exec(
        "py-spy", "record", "--pid", str(pid), "--duration", str(seconds), "--rate", "250", "--format", "raw",
        "--nonblocking", "-o", str(Path(where) / f"{phase}.txt"),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL)


async def _naive(n: int, paid: bool, rate: float, fake: object, text: str) -> Run:
    from tests.fakes.flood import FloodLimits

    run = Run("naive", n, rate)
    fake.set_flood_limits(FloodLimits())  # type: ignore[attr-defined]
    since = len(fake.sent)  # type: ignore[attr-defined]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", NAIVE, fake.base_url, TOKEN, str(CHAT_BASE), str(n), f"{rate:g}",  # type: ignore[attr-defined]
        "1" if paid else "0", stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        env={**os.environ, "PTB_TIMEDELTA": "true"})
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(text.encode())
    proc.stdin.close()
    chats = set(range(CHAT_BASE, CHAT_BASE + n))
    wall, cpu, alerts = await _window(fake, chats, n, proc.pid, timeout=60 + 3 * n / rate)
    out = json.loads((await proc.stdout.read()).decode() or "{}")
    await proc.wait()
    run.per_s, run.wall = alerts / max(wall, 1e-9), wall
    # Its own figure over the whole loop (process start-up excluded), per alert.
    run.cpu_ms = 1000 * float(out.get("cpu", cpu)) / n
    _tally(run, fake, chats, since)
    return run


async def measure(ns: list[int], paid: bool, repeat: int) -> list[tuple[Run, Run]]:
    from tests.fakes.feed_server import FeedServer
    from tests.fakes.telegram_api import FakeTelegramAPI

    rate = PAID_RATE if paid else FREE_RATE
    results: list[tuple[Run, Run]] = []
    for n in ns:
        for _ in range(repeat):
            async with FakeTelegramAPI(TOKEN, username="newsbot_fanout_bot") as fake:
                for i in range(n):
                    fake.add_chat(CHAT_BASE + i, "private", f"مشترك {i}")
                feeds = FeedServer()
                await feeds.start()
                try:
                    with tempfile.TemporaryDirectory(prefix="fanout-") as tmp:
                        ours = await _newsbot(n, paid, rate, fake, feeds, Path(tmp))
                        if os.environ.get("FANOUT_KEEP"):
                            import shutil
                            shutil.copytree(tmp, os.environ["FANOUT_KEEP"], dirs_exist_ok=True)
                    text = next((m.text for m in fake.sent if m.chat_id == CHAT_BASE), TITLE)
                    fake.sent.clear()
                    theirs = await _naive(n, paid, rate, fake, text)
                finally:
                    await feeds.stop()
            print(ours.line(), flush=True)
            print(theirs.line(), flush=True)
            results.append((ours, theirs))
    return results


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chats", type=int, nargs="+", default=None)
    ap.add_argument("--quick", action="store_true", help="N = 200 only")
    ap.add_argument("--paid", action="store_true", help="TELEGRAM_PAID_BROADCAST=true at 1,000/s")
    ap.add_argument("--repeat", type=int, default=1, help="runs per N (medians are printed)")
    args = ap.parse_args(argv)
    ns = args.chats or ([200] if args.quick else [500, 5000])
    results = asyncio.run(measure(ns, args.paid, args.repeat))
    print("medians:")
    for n in ns:
        mine = [r for r in results if r[0].chats == n]
        for who, i in (("newsbot", 0), ("naive", 1)):
            runs = [r[i] for r in mine]
            print(f"  {who:<8} N={n:<5} {statistics.median(r.per_s for r in runs):.1f} alerts/s, "
                  f"CPU {statistics.median(r.cpu_ms for r in runs):.2f} ms/alert, "
                  f"429s {statistics.median(r.refused for r in runs):g}, "
                  f"once {min(r.once for r in runs)}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
