"""The naive baseline of the soak: what a simple feed bot does, in a process of its own.

Every feed fetched in full at the same pace as the bot, parsed with feedparser, a Python set of
seen ids; no matching, storing or delivering. Run by ``soak.py`` as
``python benchmarks/soak_naive.py URLS_FILE --interval S --duration S``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import Any


async def _naive_main(urls: list[str], interval: float, duration: float, concurrency: int) -> dict[str, Any]:
    """What a simple bot does: every feed in full each cycle, feedparser, a set of seen ids."""
    import aiohttp
    import feedparser

    seen: set[str] = set()
    counts = {"fetches": 0, "errors": 0}
    sem = asyncio.Semaphore(concurrency)
    loop = asyncio.get_running_loop()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency, limit_per_host=8)) as session:
        async def one(url: str) -> None:
            async with sem:
                try:
                    async with session.get(url) as resp:
                        body = await resp.read()
                    for e in feedparser.parse(body).entries:
                        seen.add(e.get("id") or e.get("link") or e.get("title", ""))
                    counts["fetches"] += 1
                except Exception:  # noqa: BLE001 - counted, the loop goes on
                    counts["errors"] += 1

        tasks: set[asyncio.Task[None]] = set()
        t0 = loop.time()
        n = len(urls)
        k = 0
        while True:  # the same pace as the bot: every feed once per interval, evenly spread
            cycle, i = divmod(k, n)
            at = t0 + cycle * interval + i * interval / n
            if at - t0 >= duration:
                break
            await asyncio.sleep(max(0.0, at - loop.time()))
            task = loop.create_task(one(urls[i]))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            k += 1
        if tasks:
            await asyncio.gather(*tasks)
    return {**counts, "entries_seen": len(seen)}


def _naive_cli(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(prog="soak_naive.py")
    ap.add_argument("urls")
    ap.add_argument("--interval", type=float, required=True)
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--concurrency", type=int, default=50)
    a = ap.parse_args(argv)
    urls = Path(a.urls).read_text("utf-8").split()
    print("ready", flush=True)
    result = asyncio.run(_naive_main(urls, a.interval, a.duration, a.concurrency))
    print(json.dumps(result), flush=True)
    return 0



if __name__ == "__main__":
    sys.exit(_naive_cli(sys.argv[1:]))
