"""Every command's arguments fuzzed: an Arabic error or a correct result, never a traceback, and a
refused command stores nothing."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.app import NewsBot, build_fetcher
from bot.commands.service import Context
from bot.commands.table import COMMANDS
from bot.commands.texts import T
from bot.storage.models import Chat, CustomTerm, Destination, DestinationFeed, Feed, Subscription
from tests.conftest import make_settings, write_config


class NoDNS(AbstractResolver):
    """Every name fails to resolve at once (the fuzzer must not wait on real DNS)."""

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        raise OSError(f"no such host: {host}")

    async def close(self) -> None:
        return None


NASTY = [
    "", " ", "\x00", "\x00\x00abc", "x" * 10_000, "الناتو" * 2000, "\u064b\u064c\u0651\u0652", "\u0640\u0640\u0640",
    "\u200f\u200e\u202e\u2066\u2069\ufeff", "\u202eالناتو\u202c", "<b>bold</b>", "</b><a href='x'>", "&amp;&lt;",
    "*bold* _it_ ~s~ `c`", "<!channel>", "<@U123>", "@someone", "#BlackSea", "😀🔥🇺🇦", "NATO الناتو ناتو", "*", "* *",
    "a * * * b", "\n\n\t", "2h", "30m", "0m", "-5h", "99999999999d", "1.5h", "nato putin", "@channel nato",
    "http://", "ftp://x", "javascript:alert(1)", "http://exa mple.com/x", "ﷺ", "ﻻ", "\U0001d4dd\U0001d4d0",
    "--days 5", "الناتو --days 99", "mine", "قائمتي",
]

arguments = st.one_of(
    st.sampled_from(NASTY),
    st.text(max_size=300),
    st.text(alphabet=st.characters(min_codepoint=0x0600, max_codepoint=0x06FF), max_size=120),
    st.lists(st.sampled_from(NASTY), min_size=1, max_size=4).map(" ".join),
)
commands = st.sampled_from(sorted(COMMANDS) + ["unknown", "WATCH", "سجل"])


async def counts(bot: NewsBot) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with bot.db.read() as conn:
        for model in (Chat, Destination, Subscription, CustomTerm, DestinationFeed, Feed):
            out[model.__tablename__] = (await conn.execute(select(func.count()).select_from(model))).scalar_one()
        out["muted"] = (await conn.execute(select(Destination.muted_until))).scalars().all()
        out["enabled"] = (await conn.execute(select(Destination.enabled))).scalars().all()
    return out


def test_fuzzed_arguments_get_an_arabic_answer_and_errors_store_nothing(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    write_config(tmp_path / "config", [])
    s = make_settings(tmp_path, commands_per_minute=1_000_000, fetch_timeout=2.0)
    bot = NewsBot(s, console=True, http=False, fetcher=build_fetcher(s, dns=NoDNS()))
    loop.run_until_complete(bot.prepare())
    seen: dict[str, int] = {}

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(command=commands, argument=arguments, kind=st.sampled_from(["private", "private", "group"]))
    def check(command: str, argument: str, kind: str) -> None:
        async def run() -> None:
            ctx = Context("telegram", "777" if kind == "private" else "-777", kind, "777",
                          can_manage=_yes, resolve_target=None)
            before = await counts(bot)
            reply = await bot.commands.handle(ctx, f"/{command} {argument}")
            assert reply is not None
            text = reply.plain_text()
            assert text.strip(), (command, argument)
            assert T.INTERNAL not in text, (command, argument)  # no exception reached the user
            assert any("\u0621" <= c <= "\u064a" for c in text), text  # Arabic
            assert "\x00" not in text
            if reply.error:
                assert await counts(bot) == before, (command, argument, text)
            seen[command] = seen.get(command, 0) + 1

        loop.run_until_complete(run())

    try:
        check()
    finally:
        loop.run_until_complete(bot.stop())
        loop.close()
    assert len(seen) >= len(COMMANDS)  # every command was exercised


async def _yes(_chat: str) -> bool:
    return True
