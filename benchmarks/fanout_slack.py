"""Fan-out on Slack: one matching story to N channels, against the Slack double with its rate limits on.

For each N (``fanout.py --platform slack``; default 60 and 600), in one run:

* **newsbot**: the real ``python -m bot run`` with Slack tokens (HTTP mode) on a fresh SQLite database
  where N channels each follow the built-in ``nato`` list; one local feed publishes one story naming
  NATO; the bot polls, matches, queues N outbox rows and posts them (``SLACK_GLOBAL_RATE``, 20/s, and
  ``SLACK_CHANNEL_INTERVAL``);
* **naive**: a plain ``slack_sdk`` ``AsyncWebClient`` in a subprocess of its own, ``chat_postMessage``
  of the same text and blocks to the same N channels with ``asyncio.gather``, slack_sdk's own
  ``AsyncRateLimitErrorRetryHandler`` (``max_retry_count=10``, as the PTB baseline's ``max_retries``)
  and one pooled aiohttp session.

Both talk to the same ``FakeSlackAPI`` (this process) enforcing ``SLACK_LIMITS``: ~1 message a second
per channel (a burst of 3) and 20 in any second workspace-wide, reset in between. Printed as for
Telegram: delivered, exactly once, 429s, alerts/s first to last against SLACK_GLOBAL_RATE, CPU ms per
alert (the sender process's utime+stime over the same window).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.fanout_run import (
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

__all__ = ["measure_slack", "SLACK_RATE"]

BOT_TOKEN, SIGNING = "xoxb-fanout", "fanout-signing-secret"
SLACK_RATE = 20.0  # SLACK_GLOBAL_RATE's default, and the double's workspace-wide window
RETRIES = 10

NAIVE = r'''
import asyncio, json, os, sys
import aiohttp
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler

async def main():
    base, token, retries = sys.argv[1], sys.argv[2], int(sys.argv[3])
    job = json.loads(sys.stdin.read())
    def cpu():
        t = os.times()
        return t.user + t.system
    out = {"errors": []}
    async with aiohttp.ClientSession() as session:
        client = AsyncWebClient(token=token, base_url=base, session=session,
                                retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=retries)])
        async def one(channel):
            try:
                await client.chat_postMessage(channel=channel, text=job["text"], blocks=job["blocks"],
                                              unfurl_links=False, unfurl_media=False)
            except Exception as exc:
                out["errors"].append(type(exc).__name__)
        c0 = cpu()
        await asyncio.gather(*(one(c) for c in job["channels"]))
        out["cpu"] = cpu() - c0
    print(json.dumps(out))

asyncio.run(main())
'''


def channels_for(n: int) -> list[str]:
    return [f"C{7_000_000 + i}" for i in range(n)]


def _prepare_db(db_path: Path, channels: list[str]) -> None:
    seed_subscribers(f"sqlite:///{db_path}", [("slack", ch, "channel", f"room-{i}") for i, ch in enumerate(channels)])


def _key(post: object) -> str:
    return str(post.channel)  # type: ignore[attr-defined]


def _posts(fake: object) -> list[object]:
    return fake.posts  # type: ignore[attr-defined,no-any-return]


async def _newsbot(channels: list[str], fake: object, feeds: object, work: Path) -> Run:
    from tests.replicas import Replica

    n = len(channels)
    run = Run("newsbot", n, SLACK_RATE)
    db_path = work / "newsbot.db"
    cfg, old = bot_config(work, feeds)
    await asyncio.to_thread(_prepare_db, db_path, channels)
    env = {"DATABASE_URL": f"sqlite:///{db_path}", "NEWSBOT_CONFIG_DIR": str(cfg),
           "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": SIGNING,
           "SLACK_API_URL": fake.base_url,  # type: ignore[attr-defined]
           "NEWSBOT_POLL_INTERVAL": "10", "NEWSBOT_MIN_FEED_INTERVAL": "10",
           "LOG_LEVEL": os.environ.get("FANOUT_LOG", "WARNING")}
    bot = Replica("fanout-slack", env, work)
    await bot.start()
    try:
        await wait_first_fetch(first_fetch_done_sqlite(db_path), bot.log)
        await asyncio.sleep(1.0)
        assert bot.proc is not None
        run.idle_ms_per_s = await idle_ms_per_s([bot.proc.pid])
        fake.set_flood_limits(None)  # type: ignore[attr-defined]  # SLACK_LIMITS, counted from now
        since = len(_posts(fake))
        publish(feeds, old)
        wanted = set(channels)
        spy = await profile("send", bot.proc.pid, max(5, 0.6 * n / SLACK_RATE))
        wall, cpu, alerts = await window(_posts(fake), _key, wanted, n, [bot.proc.pid],
                                         timeout=60 + 3 * n / SLACK_RATE)
        run.per_s, run.cpu_ms, run.wall = alerts / max(wall, 1e-9), 1000 * cpu / alerts, wall
        tally(run, _posts(fake), _key, wanted, since, len(fake.flood.refusals))  # type: ignore[attr-defined]
        if spy is not None:
            await spy.wait()
        if run.delivered < n:
            print(f"newsbot delivered {run.delivered}/{n}; its log ends:\n{bot.log()[-1500:]}", file=sys.stderr)
    finally:
        await bot.stop()
    return run


async def _naive(channels: list[str], fake: object, text: str, blocks: object) -> Run:
    n = len(channels)
    run = Run("naive", n, SLACK_RATE)
    fake.set_flood_limits(None)  # type: ignore[attr-defined]
    since = len(_posts(fake))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", NAIVE, fake.base_url, BOT_TOKEN, str(RETRIES),  # type: ignore[attr-defined]
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write(json.dumps({"text": text, "blocks": blocks, "channels": channels}).encode())
    proc.stdin.close()
    wanted = set(channels)
    wall, cpu, alerts = await window(_posts(fake), _key, wanted, n, [proc.pid], timeout=60 + 3 * n / SLACK_RATE)
    out = json.loads((await proc.stdout.read()).decode() or "{}")
    await proc.wait()
    run.per_s, run.wall = alerts / max(wall, 1e-9), wall
    run.cpu_ms = 1000 * float(out.get("cpu", cpu)) / n  # its own figure over the whole loop
    tally(run, _posts(fake), _key, wanted, since, len(fake.flood.refusals))  # type: ignore[attr-defined]
    errors = out.get("errors") or []
    if errors:
        run.note = f"{len(errors)} given up by slack_sdk ({sorted(set(errors))[0]})"
    return run


async def measure_slack(ns: list[int], repeat: int) -> list[tuple[Run, Run]]:
    from tests.fakes.feed_server import FeedServer
    from tests.fakes.slack_api import FakeSlackAPI

    results: list[tuple[Run, Run]] = []
    for n in ns:
        for _ in range(repeat):
            channels = channels_for(n)
            async with FakeSlackAPI(bot_token=BOT_TOKEN) as fake:
                for i, ch in enumerate(channels):
                    fake.add_channel(ch, f"room-{i}")
                feeds = FeedServer()
                await feeds.start()
                try:
                    with tempfile.TemporaryDirectory(prefix="fanout-slack-") as tmp:
                        ours = await _newsbot(channels, fake, feeds, Path(tmp))
                    first = next((p for p in fake.posts if p.channel == channels[0]), None)
                    text = first.text if first is not None and first.text else "الناتو"
                    blocks = first.blocks if first is not None else None
                    fake.posts.clear()
                    theirs = await _naive(channels, fake, text, blocks)
                finally:
                    await feeds.stop()
            print(ours.line(), flush=True)
            print(theirs.line(), flush=True)
            results.append((ours, theirs))
    return results
