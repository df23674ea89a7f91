"""Polling benchmark: 1,000 feeds on loopback with 50 ms latency (~60 KB, 50 items each).

Three processes, so each figure belongs to one program: a feed server, our
poller (the real NewsBot on SQLite), and a naive baseline (aiohttp fetching
every feed in full and parsing it with feedparser, no conditional GET, no
fast path, no storage). The server listens on 20 loopback addresses
(127.0.0.1-20), standing in for 20 publishers, so the per-host politeness
limit applies as it would on the web; ``--hosts 1`` puts every feed on one
host (a self-hosted RSSHub).

Our poller runs twice per repetition, side by side in one run: with the
adaptive per-host limit (``NEWSBOT_FETCH_PER_HOST=4`` growing up to
``NEWSBOT_FETCH_PER_HOST_MAX=64``) and with the old fixed 4 per host
(``NEWSBOT_FETCH_PER_HOST_MAX=4``).

    python benchmarks/poll.py            # 1,000 feeds on 20 hosts
    python benchmarks/poll.py --hosts 1  # 1,000 feeds on one host
    python benchmarks/poll.py --feeds 200 --quick
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing as mp
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

HOSTS = [f"127.0.0.{i}" for i in range(1, 21)]
TOPICS = ["الناتو", "بوتين", "وقف إطلاق النار", "البحر الأسود", "Zelensky", "the Kremlin", "طقس", "رياضة"]
WORDS = ("اجتماع مباحثات تصريحات قرار مجلس وزراء قمة مؤتمر تقرير بيان اتفاق هجوم صفقة عقوبات ميناء سفن حبوب طاقة "
         "غاز نفط قوات حدود لاجئين مساعدات انتخابات برلمان حكومة رئيس وزير سفير مبعوث محادثات مفاوضات خطة مبادرة "
         "talks summit minister envoy grain port sanctions drones missiles deal court budget election market").split()
BASE_PORT = 0  # chosen at run time


def feed_url(i: int, port: int, hosts: int = len(HOSTS)) -> str:
    return f"http://{HOSTS[i % hosts]}:{port}/feed/{i}.xml"


# ----------------------------------------------------------------- server
def serve(n: int, port_q: mp.Queue, stop_q: mp.Queue, latency: float) -> None:
    """The feed server: 1,000 ~60 KB feeds with ETags; POST /fresh adds two new items to every feed."""
    from aiohttp import web

    from tests.fakes.feed_server import Item, big_feed, rss2

    originals = [big_feed(50, 60_000, seed=i, lang="ar" if i % 3 else "en") for i in range(n)]
    bodies = list(originals)
    versions = [0] * n

    async def feed(request: web.Request) -> web.StreamResponse:
        await asyncio.sleep(latency)
        i = int(request.match_info["i"])
        etag = f'"{i}-{versions[i]}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=bodies[i], headers={"ETag": etag, "Content-Type": "application/rss+xml; charset=utf-8"})

    async def fresh(_request: web.Request) -> web.Response:
        now = datetime.now(UTC)
        for i in range(n):
            versions[i] += 1
            rng = random.Random(f"{i}:{versions[i]}")
            new = [Item(f"{rng.choice(TOPICS)} {' '.join(rng.sample(WORDS, 6))}", f"https://fresh.example/{i}/{versions[i]}/{k}",
                        " ".join(rng.sample(WORDS, 20)), published=now) for k in range(2)]
            head, _, tail = bodies[i].partition(b"<item>")
            extra = rss2(new).split(b"<item>", 1)[1].rsplit(b"</channel>", 1)[0]
            bodies[i] = head + b"<item>" + extra + b"<item>" + tail
        return web.Response(text="ok")

    async def reset(_request: web.Request) -> web.Response:
        """Every feed back to its first 50 items (each measured run starts from the same documents)."""
        bodies[:] = originals
        for i in range(n):
            versions[i] += 1  # new ETags: no stale 304 across runs
        return web.Response(text="ok")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/feed/{i}.xml", feed)
        app.router.add_post("/fresh", fresh)
        app.router.add_post("/reset", reset)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await runner.setup()
        first = web.TCPSite(runner, HOSTS[0], 0, backlog=4096)
        await first.start()
        port = first._server.sockets[0].getsockname()[1]  # noqa: SLF001
        for h in HOSTS[1:]:
            await web.TCPSite(runner, h, port, backlog=4096).start()
        port_q.put(port)
        await asyncio.get_running_loop().run_in_executor(None, stop_q.get)
        await runner.cleanup()

    asyncio.run(main())


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -------------------------------------------------------------------- ours
def run_ours(n: int, port: int, out_q: mp.Queue, hosts: int, per_host_max: int) -> None:
    from aiohttp import ClientSession

    from bot.app import NewsBot
    from bot.settings import Settings

    async def main() -> dict[str, float]:
        tmp = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
        cfg = tmp / "config"
        cfg.mkdir()
        lines = ["feeds:"] + [f"  - id: f{i}\n    url: {feed_url(i, port, hosts)}\n    name: مصدر {i}" for i in range(n)]
        (cfg / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
        (cfg / "watchlists.yaml").write_text((ROOT / "config" / "watchlists.yaml").read_text("utf-8"), "utf-8")
        settings = Settings(_env_file=None, database_url=f"sqlite:///{tmp / 'bench.db'}", config_dir=cfg,
                            log_level="ERROR", fetch_concurrency=200, fetch_per_host=4,
                            fetch_per_host_max=per_host_max)
        bot = NewsBot(settings, console=False, http=False)
        await bot.prepare()
        figures: dict[str, float] = {}

        async def cycle(name: str) -> None:
            w0, c0 = time.perf_counter(), time.process_time()
            report = await bot.poller.run_once(force=True)
            await bot.ingestor.run_once()
            figures[f"{name}_wall"] = time.perf_counter() - w0
            figures[f"{name}_cpu"] = time.process_time() - c0
            figures[f"{name}_failed"] = report.failed
            figures[f"{name}_new"] = report.new_stories

        await cycle("full")
        await cycle("all304")
        async with ClientSession() as s:
            await (await s.post(f"http://{HOSTS[0]}:{port}/fresh")).read()
        await cycle("changed")
        figures["peak_rss_mb"] = rss_mb()
        await bot.stop()
        return figures

    out_q.put(asyncio.run(main()))


# ------------------------------------------------------------------ naive
def run_naive(n: int, port: int, out_q: mp.Queue, hosts: int, _per_host_max: int) -> None:
    """What a simple bot does: fetch every feed in full, feedparser on each, every cycle."""
    import aiohttp
    import feedparser

    async def main() -> dict[str, float]:
        figures: dict[str, float] = {}
        sem = asyncio.Semaphore(200)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=200, limit_per_host=8)) as session:
            async def one(i: int) -> int:
                async with sem:
                    async with session.get(feed_url(i, port, hosts)) as resp:
                        body = await resp.read()
                return len(feedparser.parse(body).entries)

            for name in ("full", "all304"):
                w0, c0 = time.perf_counter(), time.process_time()
                counts = await asyncio.gather(*(one(i) for i in range(n)))
                figures[f"{name}_wall"] = time.perf_counter() - w0
                figures[f"{name}_cpu"] = time.process_time() - c0
                figures[f"{name}_entries"] = sum(counts)
        figures["peak_rss_mb"] = rss_mb()
        return figures

    out_q.put(asyncio.run(main()))


def child(target, n: int, port: int, hosts: int, per_host_max: int = 0) -> dict[str, float]:
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"http://{HOSTS[0]}:{port}/reset", method="POST")).read()
    q: mp.Queue = mp.Queue()
    p = mp.Process(target=target, args=(n, port, q, hosts, per_host_max))
    p.start()
    result = q.get()
    p.join()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--feeds", type=int, default=1000)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--hosts", type=int, default=len(HOSTS), choices=range(1, len(HOSTS) + 1), metavar="1-20",
                    help="loopback hosts the feeds are spread over (1: every feed on one host)")
    ap.add_argument("--runs", type=int, default=3, help="repetitions of each side (medians are reported)")
    ap.add_argument("--quick", action="store_true", help="one run each")
    args = ap.parse_args()
    runs = 1 if args.quick else args.runs
    mp.set_start_method("spawn")
    port_q: mp.Queue = mp.Queue()
    stop_q: mp.Queue = mp.Queue()
    server = mp.Process(target=serve, args=(args.feeds, port_q, stop_q, args.latency), daemon=True)
    server.start()
    port = port_q.get(timeout=300)
    try:
        ours, fixed, naive = [], [], []
        for _ in range(runs):
            ours.append(child(run_ours, args.feeds, port, args.hosts, 64))
            fixed.append(child(run_ours, args.feeds, port, args.hosts, 4))
            naive.append(child(run_naive, args.feeds, port, args.hosts))
    finally:
        stop_q.put(None)
        server.join(timeout=10)

    def med(rows: list[dict[str, float]], key: str) -> float:
        return statistics.median(r[key] for r in rows)

    print(f"newsbot poll benchmark: {args.feeds} feeds (~60 KB, 50 items), {args.latency * 1000:.0f} ms latency, "
          f"{args.hosts} loopback host(s); medians of {runs} run(s); {os.cpu_count()} cores")
    print("ours: adaptive per-host limit (4 up to 64); fixed: the old fixed 4 per host; naive: 8 per host, no storage")
    print(f"{'cycle':<34}{'ours wall':>11}{'ours CPU':>10}{'fixed wall':>12}{'fixed CPU':>11}"
          f"{'naive wall':>12}{'naive CPU':>11}")
    for name, label, naive_key in (("full", "full cycle (first fetch, 200s)", "full"),
                                   ("all304", "unchanged cycle (ours: all 304)", "all304"),
                                   ("changed", "every feed changed (2 new items)", "full")):
        ow, oc = med(ours, f"{name}_wall"), med(ours, f"{name}_cpu")
        fw, fc = med(fixed, f"{name}_wall"), med(fixed, f"{name}_cpu")
        nw, nc = med(naive, f"{naive_key}_wall"), med(naive, f"{naive_key}_cpu")
        print(f"{label:<34}{ow:>10.2f}s{oc:>9.2f}s{fw:>11.2f}s{fc:>10.2f}s{nw:>11.2f}s{nc:>10.2f}s")
    print(f"{'peak RSS':<34}{med(ours, 'peak_rss_mb'):>10.0f}MB{'':>9}{med(fixed, 'peak_rss_mb'):>11.0f}MB"
          f"{'':>10}{med(naive, 'peak_rss_mb'):>11.0f}MB")
    print(f"stories stored in the full cycle: {med(ours, 'full_new'):.0f}; failed polls: "
          f"{med(ours, 'full_failed'):.0f} / {med(ours, 'all304_failed'):.0f} / {med(ours, 'changed_failed'):.0f}")
    print("targets: full cycle <= 10 s, all-304 cycle <= 2 s, peak RSS <= 250 MB")
    print(json.dumps({"ours": ours, "fixed": fixed, "naive": naive}))


if __name__ == "__main__":
    main()
