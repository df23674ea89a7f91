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
    python benchmarks/fanout.py --platform slack  # N = 60 and 600 Slack channels (benchmarks/fanout_slack.py)
    python benchmarks/fanout.py --replicas 2 --postgres URL [--kill | --join]  # benchmarks/fanout_replicas.py
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.fanout_run import (  # after the path set-up above
    TITLE,
    Run,
    bot_config,
    first_fetch_done_sqlite,
    idle_ms_per_s,
    profile,
    publish,
    seed_subscribers,
    tally,
    wait_first_fetch,
    window,
)

TOKEN = "123456:FANOUT-token"
CHAT_BASE = 7_000_000
FREE_RATE, PAID_RATE = 27.0, 1000.0

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


def _prepare_db(db_path: Path, chats: int) -> None:
    seed_subscribers(f"sqlite:///{db_path}", [("telegram", str(CHAT_BASE + i), "private", f"مشترك {i}")
                                               for i in range(chats)])


def _tally(run: Run, fake: object, chats: set[int], since: int) -> None:
    tally(run, fake.sent, lambda m: m.chat_id, chats, since, len(fake.flood.refusals))  # type: ignore[attr-defined]


async def _newsbot(n: int, paid: bool, rate: float, fake: object, feeds: object, work: Path) -> Run:
    from tests.fakes.flood import FloodLimits
    from tests.replicas import Replica

    run = Run("newsbot", n, rate)
    db_path = work / "newsbot.db"
    cfg, old = bot_config(work, feeds)
    await asyncio.to_thread(_prepare_db, db_path, n)
    env = {"DATABASE_URL": f"sqlite:///{db_path}", "NEWSBOT_CONFIG_DIR": str(cfg),
           "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,  # type: ignore[attr-defined]
           "NEWSBOT_POLL_INTERVAL": "10", "NEWSBOT_MIN_FEED_INTERVAL": "10", "LOG_LEVEL": os.environ.get("FANOUT_LOG", "WARNING"),
           "PTB_TIMEDELTA": "true"}
    if paid:
        env["TELEGRAM_PAID_BROADCAST"] = "true"
    bot = Replica("fanout", env, work)
    await bot.start()
    try:
        await wait_first_fetch(first_fetch_done_sqlite(db_path), bot.log)
        await asyncio.sleep(1.0)
        assert bot.proc is not None
        run.idle_ms_per_s = await idle_ms_per_s([bot.proc.pid])
        fake.set_flood_limits(FloodLimits())  # type: ignore[attr-defined]
        since = len(fake.sent)  # type: ignore[attr-defined]
        publish(feeds, old)
        chats = set(range(CHAT_BASE, CHAT_BASE + n))
        spy = await profile("send", bot.proc.pid, max(5, 0.6 * n / rate))
        wall, cpu, alerts = await window(fake.sent, lambda m: m.chat_id, chats, n, [bot.proc.pid],  # type: ignore[attr-defined]
                                         timeout=60 + 3 * n / rate)
        run.per_s, run.cpu_ms, run.wall = alerts / max(wall, 1e-9), 1000 * cpu / alerts, wall
        _tally(run, fake, chats, since)
        if spy is not None:
            await spy.wait()
        if run.delivered < n:
            print(f"newsbot delivered {run.delivered}/{n}; its log ends:\n{bot.log()[-1500:]}", file=sys.stderr)
    finally:
        await bot.stop()
    return run


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
    wall, cpu, alerts = await window(fake.sent, lambda m: m.chat_id, chats, n, [proc.pid],  # type: ignore[attr-defined]
                                     timeout=60 + 3 * n / rate)
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


def _medians(results: list[tuple[Run, Run]], ns: list[int]) -> None:
    print("medians:")
    for n in ns:
        mine = [r for r in results if r[0].chats == n]
        for who, i in (("newsbot", 0), ("naive", 1)):
            runs = [r[i] for r in mine]
            print(f"  {who:<8} N={n:<5} {statistics.median(r.per_s for r in runs):.1f} alerts/s, "
                  f"CPU {statistics.median(r.cpu_ms for r in runs):.2f} ms/alert, "
                  f"429s {statistics.median(r.refused for r in runs):g}, "
                  f"once {min(r.once for r in runs)}/{n}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--chats", type=int, nargs="+", default=None)
    ap.add_argument("--quick", action="store_true", help="N = 200 only (Slack: 60)")
    ap.add_argument("--paid", action="store_true", help="TELEGRAM_PAID_BROADCAST=true at 1,000/s")
    ap.add_argument("--platform", choices=("telegram", "slack"), default="telegram")
    ap.add_argument("--replicas", type=int, default=0,
                    help="Telegram: K replicas on PostgreSQL sharing one token (needs --postgres)")
    ap.add_argument("--postgres", default=None, help="an admin URL of a PostgreSQL server (a database is made)")
    ap.add_argument("--kill", action="store_true", help="with --replicas: SIGKILL one replica mid-fan-out")
    ap.add_argument("--join", action="store_true", help="with --replicas: the last replica starts mid-fan-out")
    ap.add_argument("--lease", type=float, default=30.0, help="with --replicas: NEWSBOT_LEASE_SECONDS")
    ap.add_argument("--repeat", type=int, default=1, help="runs per N (medians are printed)")
    args = ap.parse_args(argv)
    if args.replicas:
        from benchmarks.fanout_replicas import run_replicas

        if not args.postgres:
            ap.error("--replicas needs --postgres URL")
        return run_replicas(args.replicas, args.chats or ([300] if args.quick else [1000]), args.postgres,
                            kill=args.kill, repeat=args.repeat, lease=args.lease,
                            join=args.join)
    if args.platform == "slack":
        from benchmarks.fanout_slack import measure_slack

        ns = args.chats or ([60] if args.quick else [60, 600])
        results = asyncio.run(measure_slack(ns, args.repeat))
    else:
        ns = args.chats or ([200] if args.quick else [500, 5000])
        results = asyncio.run(measure(ns, args.paid, args.repeat))
    _medians(results, ns)
    return 0


if __name__ == "__main__":
    sys.exit(main())
