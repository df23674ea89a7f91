"""How long the event loop stalls while a replica reloads thousands of chat rules.

Run ``python benchmarks/rule_rebuild.py`` (about a minute; ``--rules N``, ``--repeat K``).
10,000 /watch rules (the common shapes: ``A + B``, ``A | B``, ``A -B``, ``title:A + B``) over
500 destinations are stored in a fresh SQLite file; a ``WatchIndex`` then loads them as a
replica does at start. A heartbeat task (``await asyncio.sleep(0)`` in a loop) records the gap
between its turns: the longest gap is the longest time nothing else (a reply, a send) could
run. Ours: ``WatchIndex.refresh`` (compiling in slices with a turn of the loop between them,
automata in a worker thread). Baseline, measured in the same run: the same rules compiled in
one go on the loop (the previous ``refresh``), then the same automata work in a thread. Medians
of ``--repeat`` runs of wall time on a shared machine: they describe this run only.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import update

from bot.configfiles import load_watchlists
from bot.domain.watch_input import rule_key
from bot.pipeline.watchindex import WatchIndex
from bot.storage.chats_repo import TERMS_GENERATION, ChatsRepo
from bot.storage.db import Database
from bot.storage.models import CustomTerm, Meta, table

SHAPES = ("وزير{i} + هدنة", "Minister{i} | Envoy{i}", "سفير{i} -كرة", "title:مبعوث{i} + غزة")


async def _seed(db: Database, chats: ChatsRepo, n: int, per_dest: int) -> None:
    now = datetime.now(UTC)
    rows = []
    for d in range(0, n, per_dest):
        dest = await chats.ensure_destination("telegram", str(1000 + d), "private", now=now)
        for i in range(d, min(n, d + per_dest)):
            text = SHAPES[i % len(SHAPES)].format(i=i)
            rows.append({"destination_id": dest.id, "term": text, "key": rule_key(text), "created_by": "bench",
                         "created_at": now})
    async with db.begin() as conn:
        await conn.execute(table(CustomTerm).insert(), rows)
        m = table(Meta)
        await conn.execute(db.insert(m).values(key=TERMS_GENERATION, value=0).on_conflict_do_nothing())
        await conn.execute(update(m).where(m.c.key == TERMS_GENERATION).values(value=m.c.value + 1))


async def _one_go(index: WatchIndex) -> None:
    """The previous refresh: every rule compiled on the loop in one go, then the automata in a thread."""
    chats = index._chats
    assert chats is not None
    terms = await chats.all_custom_terms()
    for dest_id in index.chat_rules.destinations() | set(terms):
        index.chat_rules.set_rules(dest_id, terms.get(dest_id, ()))
    changed, _dropped = index.chat_rules.take_changes()
    await asyncio.to_thread(index.matcher.set_watchlists, changed)
    if index.matcher.needs_compaction:
        await asyncio.to_thread(index.matcher.compact)


async def _measure(builtins: list, chats: ChatsRepo, sliced: bool) -> tuple[float, float, int]:
    """(seconds for the whole reload, longest heartbeat gap in seconds, heartbeat turns)."""
    index = WatchIndex(builtins, chats)
    started = time.perf_counter()
    task = asyncio.create_task(index.refresh() if sliced else _one_go(index))
    gaps: list[float] = []
    last = time.perf_counter()
    while not task.done():
        await asyncio.sleep(0)
        now = time.perf_counter()
        gaps.append(now - last)
        last = now
    await task
    return time.perf_counter() - started, max(gaps), len(gaps)


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rules", type=int, default=10_000)
    ap.add_argument("--per-chat", type=int, default=20)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--freeze", action="store_true",
                    help="gc.freeze() the start-up heap first (the longest stalls left are full collections)")
    args = ap.parse_args()
    builtins, problems = load_watchlists(ROOT / "config" / "watchlists.yaml")
    assert not problems
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'bench.db'}")
        db.migrate()
        chats = ChatsRepo(db)
        await _seed(db, chats, args.rules, args.per_chat)
        if args.freeze:
            gc.collect()
            gc.freeze()
        results: dict[str, list[tuple[float, float, int]]] = {"ours (sliced)": [], "baseline (one go)": []}
        for _ in range(args.repeat):  # interleaved, so both see the same machine
            results["ours (sliced)"].append(await _measure(builtins, chats, True))
            results["baseline (one go)"].append(await _measure(builtins, chats, False))
        await db.dispose()
    print("gc.freeze() of the start-up heap" if args.freeze else "default garbage collector")
    print(f"{args.rules} rules over {args.rules // args.per_chat} destinations, {args.repeat} runs each (medians)")
    print(f"{'':20} {'reload s':>9} {'longest stall ms':>17} {'heartbeat turns':>16}")
    for name, runs in results.items():
        total = statistics.median(r[0] for r in runs)
        stall = statistics.median(r[1] for r in runs) * 1000
        turns = statistics.median(r[2] for r in runs)
        print(f"{name:20} {total:9.2f} {stall:17.1f} {turns:16.0f}")
    ours = statistics.median(r[1] for r in results["ours (sliced)"])
    base = statistics.median(r[1] for r in results["baseline (one go)"])
    print(f"longest stall: baseline / ours = {base / ours:.1f}x")


if __name__ == "__main__":
    asyncio.run(main())
