"""Telegram send benchmark: CPU per Bot API call, PTB's default transport (httpx) vs ours (aiohttp).

Every alert is one sendMessage, so the transport's CPU is paid once per alert. The Bot API double
(tests/fakes/telegram_api.py) runs in a process of its own; this process drives a real PTB ``Bot``
through each transport in turn (same messages, 8 in flight, HTML parse mode) and measures its own
CPU time. Rounds alternate between the two, and the figure is the median over rounds.

    python benchmarks/telegram_send.py              # 2,000 sends x 5 rounds each
    python benchmarks/telegram_send.py --quick      # 500 sends x 3 rounds
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TOKEN = "123456:BENCH"
CHATS = 50


async def _serve() -> None:
    from tests.fakes.telegram_api import FakeTelegramAPI

    api = FakeTelegramAPI(TOKEN)
    await api.start()
    for i in range(CHATS):
        api.add_chat(1000 + i, "private", f"مشترك {i}")
    print(api.base_url, flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the driver closes stdin
    await api.stop()


async def _round(kind: str, base_url: str, sends: int, in_flight: int) -> tuple[float, float]:
    """(CPU ms per send, wall seconds) for ``sends`` messages through one transport."""
    from telegram import Bot
    from telegram.request import HTTPXRequest

    from bot.adapters.telegram.transport import AiohttpRequest

    request = HTTPXRequest(connection_pool_size=16) if kind == "httpx" else AiohttpRequest(pool_size=16)
    gate = asyncio.Semaphore(in_flight)
    async with Bot(TOKEN, base_url=base_url, request=request) as bot:
        async def one(i: int) -> None:
            async with gate:
                text = f'<b>عاجل</b>: خبر رقم {i} عن الناتو\n<a href="https://x.example/{i}">المصدر</a>'
                await bot.send_message(chat_id=1000 + i % CHATS, text=text, parse_mode="HTML")

        await asyncio.gather(*(one(i) for i in range(100)))  # warm the pool
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(one(i) for i in range(sends)))
        return (time.process_time() - cpu) * 1000 / sends, time.perf_counter() - wall


async def _measure(base_url: str, sends: int, rounds: int, in_flight: int) -> dict[str, list[tuple[float, float]]]:
    figures: dict[str, list[tuple[float, float]]] = {"httpx": [], "aiohttp": []}
    for _ in range(rounds):
        for kind, runs in figures.items():
            runs.append(await _round(kind, base_url, sends, in_flight))
    return figures


def _drive(sends: int, rounds: int, in_flight: int) -> int:
    server = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "_serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        base_url = server.stdout.readline().strip()
        if not base_url:
            print("the Bot API double did not start", file=sys.stderr)
            return 1
        figures = asyncio.run(_measure(base_url, sends, rounds, in_flight))
    finally:
        if server.stdin is not None:
            server.stdin.close()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
    cpu = {k: statistics.median(c for c, _ in v) for k, v in figures.items()}
    wall = {k: statistics.median(w for _, w in v) for k, v in figures.items()}
    print(f"Telegram sendMessage through a real PTB Bot, {sends:,} sends x {rounds} rounds, {in_flight} in flight; "
          "the Bot API double in its own process; medians over rounds")
    print(f"  {'transport':<28}{'CPU per send':>14}{'wall per round':>16}")
    print(f"  {'newsbot (aiohttp)':<28}{cpu['aiohttp']:>11.2f} ms{wall['aiohttp']:>14.2f} s")
    print(f"  {'PTB default (httpx)':<28}{cpu['httpx']:>11.2f} ms{wall['httpx']:>14.2f} s")
    print(f"  ratio: {cpu['httpx'] / cpu['aiohttp']:.1f}x less CPU per send")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_serve"]:
        asyncio.run(_serve())
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="500 sends x 3 rounds")
    ap.add_argument("--sends", type=int)
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--in-flight", type=int, default=8)
    a = ap.parse_args(argv)
    sends = a.sends or (500 if a.quick else 2000)
    rounds = a.rounds or (3 if a.quick else 5)
    return _drive(sends, rounds, a.in_flight)


if __name__ == "__main__":
    sys.exit(main())
