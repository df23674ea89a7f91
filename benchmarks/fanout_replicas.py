"""Replicas sharing one bot token: K ``newsbot run`` on PostgreSQL, one fan-out, against the flood limits.

``fanout.py --replicas K --postgres URL [--kill] [--chats N]``: a fresh database on that server, N
private chats each following the built-in ``nato`` list, K replicas of the real ``python -m bot run``
(each with its own port and log, as tests/replicas.py starts them) and the Bot API double enforcing
Telegram's limits (30 in any second overall, 1/s per private chat). The replicas are given time to see
each other (every replica's heartbeat counted by every other), then one story naming NATO is published.
Each replica takes ``TELEGRAM_GLOBAL_RATE / live replicas`` as its share, recomputed on each heartbeat.

Printed: delivered, exactly once, 429s, combined alerts/s against the configured rate, CPU per alert
(all replicas' utime+stime over the window, divided by the alerts), and a timeline of deliveries a
second. With ``--kill``: one replica is SIGKILLed once a quarter of the chats have their alert; the
rate before the kill, while the dead replica still counts as live (its heartbeat is younger than
``NEWSBOT_LEASE_SECONDS``) and after the survivors have taken its share, and the repeats (at most the
one row in flight per chat at the kill may go out twice). With ``--join``: K-1 replicas start the
fan-out and the K-th starts a quarter of the way in; the 429s earned after it started are counted.

The naive baseline, in the same run against the same double (limits reset): K plain PTB loops, each
``ExtBot`` with ``AIORateLimiter`` at the full configured rate over its slice of the chats — what K
copies of a bot that does not know about the others send.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.fanout import CHAT_BASE, FREE_RATE, NAIVE, TOKEN
from benchmarks.fanout_run import (
    Run,
    bot_config,
    idle_ms_per_s,
    proc_cpu_s,
    publish,
    seed_subscribers,
    tally,
    wait_first_fetch,
    window,
)

__all__ = ["run_replicas"]


def _prepare(url: str, chats: int) -> None:
    seed_subscribers(url, [("telegram", str(CHAT_BASE + i), "private", f"مشترك {i}") for i in range(chats)])


def _query(url: str, sql: str) -> list[tuple[object, ...]]:
    import psycopg

    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            return list(conn.execute(sql).fetchall())
    except psycopg.Error:
        return []


class _Cpu:
    """The replicas' CPU seconds together; a killed one keeps what it had spent when last read."""

    def __init__(self, pids: list[int]) -> None:
        self.last = dict.fromkeys(pids, 0.0)

    def __call__(self) -> float:
        for pid in self.last:
            now = proc_cpu_s(pid)
            if now > 0:
                self.last[pid] = now
        return sum(self.last.values())


def _rate(times: list[float], start: float, end: float) -> tuple[int, float]:
    n = sum(1 for t in times if start < t <= end)
    return n, n / max(end - start, 1e-9)


async def _ours(k: int, n: int, url: str, fake: object, feeds: object, work: Path, *, kill: bool,
                lease: float, join: bool) -> tuple[Run, list[str]]:
    from tests.fakes.flood import FloodLimits
    from tests.replicas import Replica

    run, notes = Run(f"newsbot×{k}", n, FREE_RATE), []
    cfg, old = bot_config(work, feeds)
    await asyncio.to_thread(_prepare, url, n)
    env = {"DATABASE_URL": url, "NEWSBOT_CONFIG_DIR": str(cfg), "TELEGRAM_BOT_TOKEN": TOKEN,
           "TELEGRAM_API_BASE_URL": fake.base_url,  # type: ignore[attr-defined]
           "NEWSBOT_POLL_INTERVAL": "10", "NEWSBOT_MIN_FEED_INTERVAL": "10", "NEWSBOT_LEASE_SECONDS": f"{lease:g}",
           "LOG_LEVEL": os.environ.get("FANOUT_LOG", "WARNING"), "PTB_TIMEDELTA": "true"}
    replicas = [Replica(f"r{i + 1}", env, work) for i in range(k)]
    heartbeat = max(2.0, lease / 3)
    try:
        for r in replicas[:-1] if join else replicas:
            await r.start()
        logs = lambda: "\n".join(r.log()[-800:] for r in replicas)  # noqa: E731
        await wait_first_fetch(lambda: _query(url, "SELECT bool_and(first_fetch_done) FROM feeds") == [(True,)],
                               logs)
        await wait_first_fetch(lambda: _query(url, "SELECT count(*) FROM replicas") == [(k - join,)], logs)
        await asyncio.sleep(heartbeat + 1.5)  # every replica has had a heartbeat that counted all K
        pids = [r.proc.pid for r in replicas if r.proc is not None]
        run.idle_ms_per_s = await idle_ms_per_s(pids)
        fake.set_flood_limits(FloodLimits())  # type: ignore[attr-defined]
        sent = fake.sent  # type: ignore[attr-defined]
        since = len(sent)
        chats = set(range(CHAT_BASE, CHAT_BASE + n))
        killed: dict[str, float] = {}

        async def killer() -> None:
            while len({m.chat_id for m in sent[since:] if m.chat_id in chats}) < n // 4:
                await asyncio.sleep(0.01)
            if join:  # the last replica starts mid-fan-out (its own CPU is not counted)
                killed["joined"] = time.monotonic()
                await replicas[-1].start()
                return
            killed["at"] = time.monotonic()
            replicas[0].kill()
            rows = await asyncio.to_thread(_query, url, "SELECT heartbeat_at FROM replicas WHERE id = 'r1'")
            if rows:  # its last heartbeat, on the monotonic clock the double stamps arrivals with
                beat = rows[0][0]
                killed["beat"] = time.monotonic() - (datetime.now(UTC) - beat).total_seconds()  # type: ignore[operator]

        task = asyncio.create_task(killer()) if kill or join else None
        publish(feeds, old)
        wall, cpu, alerts = await window(sent, lambda m: m.chat_id, chats, n, _Cpu(pids),
                                         timeout=120 + 3 * n / FREE_RATE + (2 * lease if kill else 0))
        if task is not None:
            task.cancel()
        run.per_s, run.cpu_ms, run.wall = alerts / max(wall, 1e-9), 1000 * cpu / alerts, wall
        counts = tally(run, sent, lambda m: m.chat_id, chats, since, len(fake.flood.refusals))  # type: ignore[attr-defined]
        times = sorted(m.time for m in sent[since:] if m.chat_id in chats)
        if times:
            t0 = times[0]
            per_s = Counter(int(t - t0) for t in times)
            notes.append("timeline (alerts in each second): " + " ".join(str(per_s.get(s, 0))
                                                                     for s in range(int(times[-1] - t0) + 1)))
        if "at" in killed and times:
            at, end = killed["at"], times[-1]
            expiry = killed.get("beat", at) + lease  # from then on no replica counts the dead one
            phases = (("before the kill", times[0], at), ("while it still counted", at, expiry),
                      ("the others' next heartbeat", expiry, expiry + heartbeat),
                      ("after its share was taken", expiry + heartbeat, end))
            said = [f"{what} {r:.1f}/s ({c})" for what, a, b in phases if b > a
                    for c, r in [_rate(times, a, min(b, end))]]
            repeats = sum(v - 1 for v in counts.values())
            notes.append(f"killed r1 at +{at - times[0]:.1f} s, its lease gone at +{expiry - times[0]:.1f} s: "
                         + ", ".join(said) + f"; repeats {repeats}")
        if "joined" in killed and times:
            joined, refusals = killed["joined"], fake.flood.refusals  # type: ignore[attr-defined]
            late = [f.at - joined for f in refusals if f.at >= joined]
            notes.append(f"r{k} started at +{joined - times[0]:.1f} s: 429s after it {len(late)}"
                         + (f" (from +{min(late):.1f} s to +{max(late):.1f} s after its start)" if late else "")
                         + f", before it {len(refusals) - len(late)}")
        if run.delivered < n:
            notes.append(f"delivered {run.delivered}/{n}; logs end:\n{logs()}")
    finally:
        for r in replicas:
            await r.stop()
    return run, notes


async def _naive(k: int, n: int, fake: object, text: str) -> Run:
    from tests.fakes.flood import FloodLimits

    run = Run(f"naive×{k}", n, FREE_RATE)
    fake.set_flood_limits(FloodLimits())  # type: ignore[attr-defined]
    sent = fake.sent  # type: ignore[attr-defined]
    since = len(sent)
    share = [n // k + (1 if i < n % k else 0) for i in range(k)]
    firsts = [CHAT_BASE + sum(share[:i]) for i in range(k)]
    procs = [await asyncio.create_subprocess_exec(
        sys.executable, "-c", NAIVE, fake.base_url, TOKEN, str(first), str(count), f"{FREE_RATE:g}", "0",  # type: ignore[attr-defined]
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env={**os.environ, "PTB_TIMEDELTA": "true"})
        for first, count in zip(firsts, share)]
    for p in procs:
        assert p.stdin is not None
        p.stdin.write(text.encode())
        p.stdin.close()
    chats = set(range(CHAT_BASE, CHAT_BASE + n))
    wall, cpu, alerts = await window(sent, lambda m: m.chat_id, chats, n, _Cpu([p.pid for p in procs]),
                                     timeout=120 + 3 * n / FREE_RATE)
    outs = []
    for p in procs:
        assert p.stdout is not None
        outs.append(json.loads((await p.stdout.read()).decode() or "{}"))
        await p.wait()
    run.per_s, run.wall = alerts / max(wall, 1e-9), wall
    run.cpu_ms = 1000 * sum(float(o.get("cpu", 0.0)) for o in outs) / n
    tally(run, sent, lambda m: m.chat_id, chats, since, len(fake.flood.refusals))  # type: ignore[attr-defined]
    return run


async def _measure(k: int, n: int, admin: str, *, kill: bool, lease: float, join: bool) -> tuple[Run, Run]:
    import psycopg

    from tests.fakes.feed_server import FeedServer
    from tests.fakes.telegram_api import FakeTelegramAPI

    name = f"fanout_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = admin.rsplit("/", 1)[0] + f"/{name}"
    try:
        async with FakeTelegramAPI(TOKEN, username="newsbot_fanout_bot") as fake:
            for i in range(n):
                fake.add_chat(CHAT_BASE + i, "private", f"مشترك {i}")
            feeds = FeedServer()
            await feeds.start()
            try:
                with tempfile.TemporaryDirectory(prefix="fanout-replicas-") as tmp:
                    ours, notes = await _ours(k, n, url, fake, feeds, Path(tmp), kill=kill, lease=lease,
                                             join=join)
                text = next((m.text for m in fake.sent if m.chat_id == CHAT_BASE), "الناتو")
                fake.sent.clear()
                theirs = await _naive(k, n, fake, text)
            finally:
                await feeds.stop()
    finally:
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
    print(ours.line(), flush=True)
    for note in notes:
        print(f"           {note}", flush=True)
    print(theirs.line(), flush=True)
    return ours, theirs


def run_replicas(k: int, ns: list[int], admin: str, *, kill: bool, repeat: int, lease: float = 30.0,
                 join: bool = False) -> int:
    import statistics

    for n in ns:
        results = [asyncio.run(_measure(k, n, admin, kill=kill, lease=lease, join=join)) for _ in range(repeat)]
        if repeat > 1:
            for who, i in (("newsbot", 0), ("naive", 1)):
                runs = [r[i] for r in results]
                print(f"median {who}: {statistics.median(r.per_s for r in runs):.1f} alerts/s, "
                      f"CPU {statistics.median(r.cpu_ms for r in runs):.2f} ms/alert, "
                      f"429s {statistics.median(r.refused for r in runs):g}")
    return 0
