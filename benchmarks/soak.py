"""Soak: 1,000 feeds, 5,000 chats, 100 new stories a minute for 10 minutes on SQLite.

The question is whether a long steady stream leaves the bot where it started:
memory flat, the outbox drained, no error logged, a clean exit on SIGTERM.

What runs where:

* the real bot, ``python -m bot run``, as a subprocess (``tests.replicas.Replica``)
  on a fresh SQLite database, logging JSON lines at INFO to a file;
* in this (the driver's) process: a lean feed server (ETag / 304, on 10 loopback
  addresses standing in for 10 publishers), the Telegram Bot API double
  (``FakeTelegramAPI``) with every chat registered, the publisher and the
  sampler. They stay here because the publisher edits the feeds and the
  delivery check reads the double's ``sent`` records in place, with no IPC;
  their load is small (~17 feed requests and ~30 sends a second) and none of
  it is counted against the bot, whose figures come from its own
  ``/proc/<pid>`` entries;
* afterwards, for a couple of minutes against the same feed server and the
  same stream of stories, a naive poller in a process of its own (aiohttp
  fetching every feed in full at the same pace, feedparser, a Python set of
  seen ids), measured exactly like the bot: RSS from ``/proc/<pid>/status``
  VmRSS, CPU from ``/proc/<pid>/stat`` utime + stime.

The figures the default run is sized for: 5,000 private chats, each subscribed
to one or two of the built-in watchlists (~19 lists, so ~400 subscribers each);
5 % of the 100 stories a minute name one watchlist, so ~5 matching stories a
minute x ~400 subscribers = ~2,000 sends a minute (~33/s on average, in bursts
of ~400 when a story matches). TELEGRAM_GLOBAL_RATE=60/s leaves room for the
bursts (a burst drains in ~7 s; the stream needs about half the rate) and
TELEGRAM_PRIVATE_INTERVAL stays at Telegram's 1 s per private chat (a chat gets
one or two alerts a minute). The poll interval is 60 s, so 1,000 feeds are
~17 polls a second, nearly all answered 304.

    python benchmarks/soak.py            # the full 10-minute soak (~13 minutes in all)
    python benchmarks/soak.py --quick    # 200 feeds, 1,000 chats, 2 minutes, 20 s polls (~3.5 minutes)

Each feed lists its newest 20 items (~11 KB of RSS). ``--keep`` keeps the work directory: the
database, the bot's log and ``samples.csv`` (every sample of RSS, CPU, outbox, deliveries).

``run_soak(SoakParams(...))`` is the same run as a coroutine (tests/test_soak_short.py). The
stories come from ``soak_stories``, the figures and the report from ``soak_results``, the naive
poller from ``soak_naive``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks.soak_results import (  # after the path set-up above
    BaselineResult,
    Sample,
    SoakParams,
    SoakResult,
    interp,
    median_rss,
    minute_cpu,
    proc_cpu_s,
    proc_rss_kb,
    proc_status,
    scan_log,
    write_samples,
)
from benchmarks.soak_stories import StoryMaker, StoryPlan

__all__ = ["BaselineResult", "Sample", "SoakParams", "SoakResult", "main", "run_soak"]

TOKEN = "123456:SOAK-test-token-AAAAAAAAAAAAAAAAAAAAAAAA"
STORY_RE = re.compile(r"https://soak\.example/story/(\d+)")
OLD_LINK = "https://soak.example/old/{feed}/{j}"
CHAT_BASE = 700_000_000  # Telegram private chat ids are the users' ids: positive
RSS_CT = "application/rss+xml; charset=utf-8"


# ------------------------------------------------------------------ feed server
class SoakFeeds:
    """A lean FeedServer: ``/f/<i>.xml`` on several loopback addresses, ETag + 304, counters only."""

    def __init__(self, n: int, hosts: int, items_per_feed: int) -> None:
        self.n = n
        self.hosts = [f"127.0.0.{i}" for i in range(1, max(1, hosts) + 1)]
        self.items: list[deque[Any]] = [deque(maxlen=items_per_feed) for _ in range(n)]
        self.versions = [0] * n
        self.bodies = [b""] * n
        self.hits = 0
        self.not_modified = 0
        self.last_hit = [0.0] * n
        self.gaps: list[float] = []  # seconds between two requests for the same feed
        self.port = 0
        self._runner: Any = None

    def url(self, i: int) -> str:
        return f"http://{self.hosts[i % len(self.hosts)]}:{self.port}/f/{i}.xml"

    def _build(self, i: int) -> None:
        from tests.fakes.feed_server import rss2

        self.bodies[i] = rss2(list(self.items[i]), title=f"مصدر {i}", link=f"https://soak.example/{i}/",
                              description="موجز تجريبي", language="ar")
        self.versions[i] += 1

    def set_items(self, i: int, items: Sequence[Any]) -> None:
        self.items[i].clear()
        self.items[i].extend(items)
        self._build(i)

    def publish(self, i: int, item: Any) -> None:
        self.items[i].appendleft(item)
        self._build(i)

    async def _feed(self, request: Any) -> Any:
        from aiohttp import web

        i = int(request.match_info["i"])
        if not 0 <= i < self.n:
            return web.Response(status=404)
        self.hits += 1
        now = time.monotonic()
        if self.last_hit[i]:
            self.gaps.append(now - self.last_hit[i])
        self.last_hit[i] = now
        etag = f'"{i}-{self.versions[i]}"'
        if request.headers.get("If-None-Match") == etag:
            self.not_modified += 1
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=self.bodies[i], headers={"ETag": etag, "Content-Type": RSS_CT})

    async def start(self) -> None:
        from aiohttp import web

        app = web.Application()
        app.router.add_get("/f/{i:\\d+}.xml", self._feed)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.5)
        await self._runner.setup()
        first = web.TCPSite(self._runner, self.hosts[0], 0, backlog=4096)
        await first.start()
        self.port = int(self._runner.addresses[0][1])
        for h in self.hosts[1:]:
            await web.TCPSite(self._runner, h, self.port, backlog=4096).start()

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


# ------------------------------------------------------------------ database
def _prepare_db(db_path: Path, chats: int, watchlist_ids: Sequence[str], seed: int) -> dict[int, list[str]]:
    """Migrate a fresh SQLite file and bulk-insert chats, destinations and subscriptions (one transaction)."""
    from sqlalchemy import create_engine, insert

    from bot.settings import database_urls
    from bot.storage.db import migrate
    from bot.storage.models import Chat, Destination, Subscription

    _, sync_url = database_urls(f"sqlite:///{db_path}")
    migrate(sync_url)
    rng = random.Random(f"subs:{seed}")
    now = datetime.now(UTC)
    ids = list(watchlist_ids)
    subs: dict[int, list[str]] = {}
    chat_rows, dest_rows, sub_rows = [], [], []
    for i in range(chats):
        ext = CHAT_BASE + i
        first = ids[i % len(ids)]  # every list gets its share; half the chats follow a second one
        chosen = [first]
        if len(ids) > 1 and rng.random() < 0.5:
            chosen.append(rng.choice([w for w in ids if w != first]))
        subs[ext] = chosen
        chat_rows.append({"id": i + 1, "platform": "telegram", "external_id": str(ext), "kind": "private",
                          "title": f"مشترك {i}", "active": True, "is_ops": False, "created_at": now})
        dest_rows.append({"id": i + 1, "chat_id": i + 1, "thread_id": 0, "enabled": True, "created_at": now})
        sub_rows += [{"destination_id": i + 1, "watchlist_id": w, "created_at": now} for w in chosen]
    engine = create_engine(sync_url)
    try:
        with engine.begin() as conn:
            conn.execute(insert(Chat), chat_rows)
            conn.execute(insert(Destination), dest_rows)
            conn.execute(insert(Subscription), sub_rows)
    finally:
        engine.dispose()
    return subs


def _query(db_path: Path, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """A read-only query (the bot owns the file; this never takes its write lock)."""
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=30)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


async def _q(db_path: Path, sql: str, args: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    return await asyncio.to_thread(_query, db_path, sql, args)


# ------------------------------------------------------------------ the run
class _Deliveries:
    """Alert messages the double recorded: (chat, story seq) -> count, read incrementally."""

    def __init__(self, fake: Any, chats: set[int]) -> None:
        self.fake = fake
        self.chats = chats
        self.counts: Counter[tuple[int, int]] = Counter()
        self.messages = 0
        self._seen = 0

    def update(self) -> int:
        sent = self.fake.sent
        for m in sent[self._seen:]:
            if m.method != "sendMessage" or m.chat_id not in self.chats:
                continue
            seqs = {int(x) for x in STORY_RE.findall(m.text)}
            if seqs:
                self.messages += 1
            for seq in seqs:
                self.counts[(m.chat_id, seq)] += 1
        self._seen = len(sent)
        return self.messages


async def run_soak(params: SoakParams) -> SoakResult:
    """Run the soak described by ``params`` and measure it (see the module docstring)."""
    from tests.fakes.telegram_api import FakeTelegramAPI

    p = params
    say = p.progress or (lambda _m: None)
    result = SoakResult(params=p)
    wall0 = time.monotonic()
    own_dir = p.workdir is None
    work = Path(tempfile.mkdtemp(prefix="newsbot-soak-")) if own_dir else Path(p.workdir)  # type: ignore[arg-type]
    work.mkdir(parents=True, exist_ok=True)
    cfg = work / "config"
    cfg.mkdir(exist_ok=True)
    shutil.copyfile(ROOT / "config" / "watchlists.yaml", cfg / "watchlists.yaml")
    db_path = work / "soak.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)

    maker = StoryMaker(cfg / "watchlists.yaml", p.seed, p.match_share)
    wl_ids = [w.id for w in maker.lists]
    result.watchlists = len(wl_ids)
    t = time.monotonic()
    subs = await asyncio.to_thread(_prepare_db, db_path, p.chats, wl_ids, p.seed)
    per_list = Counter(w for ws in subs.values() for w in ws)
    result.subscriptions = sum(per_list.values())
    result.subscribers_min, result.subscribers_max = min(per_list.values()), max(per_list.values())
    followers: dict[str, list[int]] = {w: [] for w in wl_ids}
    for chat, ws in subs.items():
        for w in ws:
            followers[w].append(chat)
    say(f"database: {p.chats} chats, {result.subscriptions} subscriptions to {len(wl_ids)} watchlists "
        f"({result.subscribers_min}-{result.subscribers_max} subscribers each) in {time.monotonic() - t:.1f} s")

    rng = random.Random(f"schedule:{p.seed}")
    n_stream = p.total_stories
    per_s = p.stories_per_minute / 60.0
    n_base = round(p.baseline_minutes * 60 * per_s) if p.baseline_minutes > 0 else 0
    plans = [maker.plan(seq, rng.randrange(p.feeds)) for seq in range(n_stream + n_base)]

    feeds = SoakFeeds(p.feeds, p.hosts, p.items_per_feed)
    fake = FakeTelegramAPI(TOKEN)
    try:
        await feeds.start()
        await fake.start()
        await _run(p, result, work, cfg, db_path, maker, plans, n_stream, subs, followers, feeds, fake, say)
    finally:
        await feeds.stop()
        await fake.stop()
        result.wall_seconds = time.monotonic() - wall0
        if own_dir and not p.keep and result.ok:
            shutil.rmtree(work, ignore_errors=True)
            result.log_path = None
    return result


async def _run(p: SoakParams, result: SoakResult, work: Path, cfg: Path, db_path: Path, maker: StoryMaker,
               plans: list[StoryPlan], n_stream: int, subs: dict[int, list[str]], followers: dict[str, list[int]],
               feeds: SoakFeeds, fake: Any, say: Callable[[str], None]) -> None:
    from tests.fakes.feed_server import Item
    from tests.replicas import Replica

    per_s = p.stories_per_minute / 60.0
    base_time = datetime.now(UTC) - timedelta(hours=3)
    for i in range(p.feeds):
        items = []
        for j in range(p.initial_items):
            title, summary = maker.ordinary()
            items.append(Item(title, OLD_LINK.format(feed=i, j=j), summary,
                              published=base_time - timedelta(minutes=7 * j)))
        feeds.set_items(i, items)
    lines = ["feeds:"]
    for i in range(p.feeds):
        lang = "ar" if i % 3 else "en"
        lines += [f"  - id: soak-{i}", f"    url: {feeds.url(i)}", f"    name: مصدر تجريبي {i}",
                  f"    language: {lang}"]
    (cfg / "feeds.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    for chat in subs:
        fake.add_chat(chat, "private", f"مشترك {chat - CHAT_BASE}")
    delivered = _Deliveries(fake, set(subs))

    env = {
        "DATABASE_URL": f"sqlite:///{db_path}", "NEWSBOT_CONFIG_DIR": str(cfg),
        "TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
        "TELEGRAM_GLOBAL_RATE": f"{p.global_rate:g}", "TELEGRAM_PRIVATE_INTERVAL": f"{p.private_interval:g}",
        "NEWSBOT_POLL_INTERVAL": str(p.poll_interval),
        "NEWSBOT_MIN_FEED_INTERVAL": str(p.min_feed_interval or p.poll_interval),
        # The soak is sized for one pace: entry-frequency pacing stays on but is pinned to it (its feeds'
        # first items are hours old, which would otherwise pace them at tens of minutes).
        "NEWSBOT_MAX_FEED_INTERVAL": str(max(p.poll_interval, p.min_feed_interval or 0)),
        "LOG_LEVEL": "INFO", "PTB_TIMEDELTA": "true",
    }
    bot = Replica("soak", env, work)
    result.log_path = bot.log_path
    samples: list[Sample] = result.samples
    published = 0
    stop_sampling = asyncio.Event()

    async def sample_loop() -> None:
        assert bot.proc is not None
        pid = bot.proc.pid
        while True:
            try:
                pending, rows = (await _q(db_path, "SELECT (SELECT count(*) FROM outbox WHERE state = 'pending'), "
                                                    "(SELECT coalesce(max(id), 0) FROM outbox)"))[0]
            except sqlite3.Error:
                pending, rows = -1, -1
            st = proc_status(pid)
            samples.append(Sample(time.monotonic(), st.get("VmRSS", 0), proc_cpu_s(pid), int(pending), int(rows),
                                  delivered.update(), feeds.hits, published, st.get("Threads", 0)))
            try:
                await asyncio.wait_for(stop_sampling.wait(), p.sample_every)
                return
            except TimeoutError:
                pass

    def alive() -> None:
        if bot.proc is not None and bot.proc.returncode is not None:
            raise RuntimeError(f"the bot exited early with status {bot.proc.returncode}:\n{bot.log()[-3000:]}")

    sampler: asyncio.Task[None] | None = None
    try:
        t = time.monotonic()
        await bot.start()
        sampler = asyncio.create_task(sample_loop())
        deadline = time.monotonic() + p.startup_timeout
        while True:
            alive()
            done = (await _q(db_path, "SELECT count(*) FROM feeds WHERE first_fetch_done = 1"))[0][0]
            if done >= p.feeds:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"first fetch incomplete after {p.startup_timeout:g} s ({done}/{p.feeds}):\n"
                                   f"{bot.log()[-3000:]}")
            await asyncio.sleep(0.5)
        say(f"bot started and fetched all {p.feeds} feeds once (silently) in {time.monotonic() - t:.1f} s")

        # ------------------------------------------------------------ the stream
        loop = asyncio.get_running_loop()
        t0 = loop.time()
        result.stream_start = time.monotonic()
        hits0, nm0, gaps0 = feeds.hits, feeds.not_modified, len(feeds.gaps)
        pid = bot.proc.pid if bot.proc is not None else 0
        prev = samples[-1] if samples else None
        samples.append(Sample(time.monotonic(), proc_rss_kb(pid), proc_cpu_s(pid), prev.outbox_pending if prev else 0,
                              prev.outbox_rows if prev else 0, delivered.update(), feeds.hits, 0))
        next_note = 60.0
        for k in range(n_stream):
            await asyncio.sleep(max(0.0, t0 + k / per_s - loop.time()))
            plan = plans[k]
            feeds.publish(plan.feed, Item(plan.title, plan.link, plan.summary, published=datetime.now(UTC)))
            published += 1
            elapsed = loop.time() - t0
            if elapsed >= next_note:
                next_note += 60.0
                last = samples[-1]
                say(f"  {elapsed / 60:4.1f} min: {published} stories, RSS {last.rss_kb / 1024:.0f} MB, "
                    f"outbox {last.outbox_pending} pending, {last.delivered} alerts delivered")
            if k % 50 == 0:
                alive()
        await asyncio.sleep(max(0.0, t0 + n_stream / per_s - loop.time()))  # the stream's full length
        result.stream_end = time.monotonic()
        result.stream_fetches = feeds.hits - hits0
        result.stream_not_modified = feeds.not_modified - nm0
        stream_gaps = feeds.gaps[gaps0:]
        result.poll_gap_median_s = statistics.median(stream_gaps) if stream_gaps else 0.0
        result.published = published
        result.matching_published = sum(1 for plan in plans[:n_stream] if plan.watchlists)

        # ------------------------------------------------------------ drain
        drain_timeout = p.drain_timeout if p.drain_timeout is not None else p.poll_interval * 1.5 + 90
        deadline = time.monotonic() + drain_timeout
        say(f"stream over ({published} stories); waiting up to {drain_timeout:.0f} s for the bot to catch up")
        pending = -1
        while True:
            alive()
            (stored, undecided), = await _q(
                db_path, "SELECT count(*), coalesce(sum(state = 'new'), 0) FROM stories WHERE link LIKE ?",
                ("https://soak.example/story/%",))
            pending = (await _q(db_path, "SELECT count(*) FROM outbox WHERE state = 'pending'"))[0][0]
            if stored >= published and not undecided and pending == 0:
                result.drain_seconds = time.monotonic() - result.stream_end
                break
            if time.monotonic() > deadline:
                say(f"gave up waiting: {stored}/{published} stored, {undecided} undecided, {pending} pending")
                break
            await asyncio.sleep(0.5)
        delivered.update()
        await asyncio.sleep(min(2.0, p.sample_every))  # one more sample of the settled state
    finally:
        stop_sampling.set()
        if sampler is not None:
            await sampler
        result.exit_code = await bot.stop(timeout=60)
        delivered.update()

    # ------------------------------------------------------------ what happened
    rows = _query(db_path, "SELECT link, state FROM stories WHERE link LIKE 'https://soak.example/story/%'")
    result.stored = len(rows)
    result.story_states = dict(Counter(state for _, state in rows))
    out = _query(db_path, "SELECT c.external_id, s.link, o.state FROM outbox o JOIN chats c ON c.id = o.chat_id "
                          "JOIN stories s ON s.id = o.story_id WHERE o.kind = 'alert'")
    result.alerts_expected = len(out)
    result.outbox_states = dict(Counter(state for _, _, state in out))
    result.outbox_final_pending = _query(db_path, "SELECT count(*) FROM outbox WHERE state = 'pending'")[0][0]
    for ext, link, _state in out:
        m = STORY_RE.fullmatch(link)
        if m:
            result.expected_pairs.add((int(ext), int(m.group(1))))
    for s in plans[:n_stream]:
        for w in s.watchlists:
            result.predicted_pairs.update((chat, s.seq) for chat in followers.get(w, ()))
    result.deliveries = Counter(delivered.counts)
    result.alerts_delivered = delivered.messages
    text = bot.log()
    (result.error_entries, result.tracebacks, result.warning_events, result.other_lines,
     result.log_lines) = scan_log(text)
    result.log_tail = text[-3000:]

    # ------------------------------------------------------------ figures
    s0, s1 = result.stream_start, result.stream_end
    result.outbox_max_pending = max((s.outbox_pending for s in samples), default=0)
    result.rss_peak_mb = max((s.rss_kb for s in samples), default=0) / 1024
    result.rss_start_mb = interp(samples, s0, "rss_kb") / 1024
    fa, fb = s0 + p.warmup_s, s0 + p.warmup_s + p.window_s
    la, lb = max(fa, s1 - p.window_s), s1
    result.first_window = (fa - s0, fb - s0)
    result.last_window = (la - s0, lb - s0)
    result.rss_first_mb = median_rss(samples, fa, fb)
    result.rss_last_mb = median_rss(samples, la, lb)
    if result.rss_first_mb:
        result.rss_growth_pct = (result.rss_last_mb - result.rss_first_mb) / result.rss_first_mb * 100
    result.cpu_windows = minute_cpu(samples, s0 + min(p.warmup_s, p.stream_seconds / 2), s1)
    result.cpu_per_min = statistics.median(result.cpu_windows) if result.cpu_windows else 0.0
    result.polls_per_s = result.stream_fetches / max(1e-9, s1 - s0)
    write_samples(work / "samples.csv", samples, s0)  # for a closer look (kept with --keep)

    # ------------------------------------------------------------ naive baseline
    if p.baseline_minutes > 0:
        say(f"naive baseline: {p.baseline_minutes:g} min on the same feed server, same pace, stream going on")
        result.baseline = await _baseline(p, feeds, plans[n_stream:], work, Item)


async def _baseline(p: SoakParams, feeds: SoakFeeds, plans: Sequence[StoryPlan], work: Path,
                    item: Any) -> BaselineResult:
    urls = work / "naive-urls.txt"
    urls.write_text("\n".join(feeds.url(i) for i in range(p.feeds)) + "\n", encoding="utf-8")
    settle = 5.0  # interpreter start and imports, left out of the windows
    duration = p.baseline_minutes * 60 + settle
    proc = await asyncio.create_subprocess_exec(
        sys.executable, str(Path(__file__).resolve().with_name("soak_naive.py")), str(urls),
        "--interval", str(p.poll_interval), "--duration", str(duration),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=work)
    assert proc.stdout is not None
    await proc.stdout.readline()  # "ready": imports done
    samples: list[Sample] = []
    loop = asyncio.get_running_loop()
    t0 = loop.time()
    start = time.monotonic()
    hits0 = feeds.hits
    per_s = p.stories_per_minute / 60.0
    k = 0

    async def publish() -> None:  # the stream goes on, at the same pace
        nonlocal k
        while k < len(plans):
            await asyncio.sleep(max(0.0, t0 + k / per_s - loop.time()))
            s = plans[k]
            feeds.publish(s.feed, item(s.title, s.link, s.summary, published=datetime.now(UTC)))
            k += 1

    pub = asyncio.create_task(publish())
    try:
        while proc.returncode is None:
            rss = proc_rss_kb(proc.pid)
            if rss:  # 0: it has just exited
                samples.append(Sample(time.monotonic(), rss, proc_cpu_s(proc.pid), 0, 0, 0, feeds.hits, k))
            try:
                await asyncio.wait_for(proc.wait(), p.sample_every)
            except TimeoutError:
                pass
        out = (await proc.stdout.read()).decode("utf-8", "replace").strip().splitlines()
    finally:
        pub.cancel()
        await asyncio.gather(pub, return_exceptions=True)
    try:
        figures = json.loads(out[-1]) if out else {}
    except ValueError:
        raise RuntimeError("the naive poller failed:\n" + "\n".join(out[-20:])) from None
    end = samples[-1].t if samples else time.monotonic()
    windows = minute_cpu(samples, start + settle, end)
    rss_last = median_rss(samples, max(start + settle, end - p.window_s), end)
    return BaselineResult(
        seconds=end - start, cpu_per_min=statistics.median(windows) if windows else 0.0, cpu_windows=windows,
        rss_median_mb=rss_last, rss_peak_mb=max((s.rss_kb for s in samples), default=0) / 1024,
        fetches=feeds.hits - hits0, fetches_per_s=(feeds.hits - hits0) / max(1e-9, end - start),
        entries_seen=int(figures.get("entries_seen", 0)), errors=int(figures.get("errors", -1)))


# ------------------------------------------------------------------ CLI
PROFILES = {
    "full": {"feeds": 1000, "chats": 5000, "stories_per_minute": 100.0, "minutes": 10.0, "poll_interval": 60,
             "warmup_s": 60.0, "window_s": 60.0, "baseline_minutes": 2.0, "sample_every": 5.0},
    "quick": {"feeds": 200, "chats": 1000, "stories_per_minute": 100.0, "minutes": 2.0, "poll_interval": 20,
              "warmup_s": 30.0, "window_s": 30.0, "baseline_minutes": 1.0, "sample_every": 2.0},
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="200 feeds, 1,000 chats, 2 minutes, 20 s polls")
    ap.add_argument("--feeds", type=int)
    ap.add_argument("--chats", type=int)
    ap.add_argument("--stories-per-minute", type=float)
    ap.add_argument("--minutes", type=float)
    ap.add_argument("--poll-interval", type=int)
    ap.add_argument("--match-share", type=float)
    ap.add_argument("--global-rate", type=float)
    ap.add_argument("--private-interval", type=float)
    ap.add_argument("--baseline-minutes", type=float)
    ap.add_argument("--hosts", type=int)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--workdir", type=Path)
    ap.add_argument("--keep", action="store_true", help="keep the work directory (database, log)")
    ap.add_argument("--json", action="store_true", help="also print the numbers as JSON")
    a = ap.parse_args(argv)
    values: dict[str, Any] = dict(PROFILES["quick" if a.quick else "full"])
    for name in ("feeds", "chats", "stories_per_minute", "minutes", "poll_interval", "match_share", "global_rate",
                 "private_interval", "baseline_minutes", "hosts", "seed", "workdir"):
        v = getattr(a, name)
        if v is not None:
            values[name] = v
    params = SoakParams(**values, keep=a.keep,
                        progress=lambda m: print(f"[{time.strftime('%H:%M:%S')}] {m}", file=sys.stderr, flush=True))
    result = asyncio.run(run_soak(params))
    print(result.report())
    if a.json:
        print(json.dumps(result.summary(), ensure_ascii=False))
    return 0 if result.ok else 1


if __name__ == "__main__":
    sys.exit(main())
