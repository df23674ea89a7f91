"""The command table and the core that reads it: fast, no chat library, no network, a real SQLite file.

Every command is declared once (``bot.commands.table``); these tests check the
entries themselves, that /help, the unknown-command answer and the permission
checks follow the table, and that each platform writes a command its own way.
"""

from __future__ import annotations

import inspect
import re
import string
import subprocess
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.adapters.slack.render import reply_payload
from bot.adapters.telegram.render import render_reply
from bot.commands.context import ChatTarget, Context, Deps, TargetError, UsageError, Where
from bot.commands.reply import CommandSpan, Reply, Span, command, phrase
from bot.commands.service import CommandService
from bot.commands.table import COMMANDS, Command, command_table
from bot.commands.texts import T
from bot.configfiles import load_watchlists
from bot.feeds.fetch import Fetcher, FetchLimits
from bot.pipeline.watchindex import WatchIndex
from bot.storage.chats_repo import ChatsRepo
from bot.storage.db import Database
from bot.storage.feeds_repo import FeedsRepo
from bot.storage.models import Destination
from bot.storage.outbox_repo import OutboxRepo
from bot.storage.stories_repo import StoriesRepo
from tests.conftest import ROOT, make_settings

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
TELEGRAM_NAME = re.compile(r"^[a-z][a-z0-9_]{0,31}$")  # Bot API: a-z, 0-9, _; 1-32 (our parser wants a letter first)
LRI, PDI = "\u2066", "\u2069"


# ------------------------------------------------------------------ the entries


@pytest.mark.parametrize("cmd", COMMANDS.values(), ids=list(COMMANDS))
def test_entry_is_complete(cmd: Command) -> None:
    assert TELEGRAM_NAME.match(cmd.name), cmd.name
    assert 3 <= len(cmd.description) <= 256  # setMyCommands' limits for a description
    assert re.search(r"[\u0600-\u06ff]", cmd.description), "descriptions are Arabic"
    assert inspect.iscoroutinefunction(cmd.handler)
    assert list(inspect.signature(cmd.handler).parameters) == ["deps", "ctx", "where", "args"]
    doc = inspect.getdoc(cmd.handler) or ""
    assert doc and "\n" not in doc, f"{cmd.handler.__qualname__} needs a one-line docstring"
    # Platform-neutral usage: the arguments only, never the invocation.
    assert not cmd.usage.startswith("/") and cmd.name not in cmd.usage.split()


def test_names_are_unique_and_the_table_refuses_a_second_declaration() -> None:
    assert len(set(COMMANDS)) == len(COMMANDS) == 33
    entry = COMMANDS["watch"]
    with pytest.raises(ValueError, match="declared twice: watch"):
        command_table([entry, entry])
    with pytest.raises(TypeError):
        COMMANDS["x"] = entry  # type: ignore[index]  # read-only


def test_who_may_run_what() -> None:
    """The permission columns, pinned: the core reads them, so a slip here would open a settings change."""
    changes = {"subscribe", "unsubscribe", "resume", "watch", "unwatch", "exclude", "include", "mute", "unmute",
               "addfeed", "removefeed", "import", "timezone", "quiet", "digest", "cap", "notify", "urgent"}
    assert {c.name for c in COMMANDS.values() if c.mutates} == changes | {"retry", "buttons"}
    assert {c.name for c in COMMANDS.values() if c.targetable} == changes | {"watchlist", "feeds", "history", "topics",
                                                                              "buttons", "export", "sources"}
    assert {c.name for c in COMMANDS.values() if c.admin} == {"failed", "history"}


def test_usage_is_written_by_each_platform() -> None:
    for cmd in COMMANDS.values():
        reply = Reply().add(command(cmd.name, cmd.usage, isolated=True))
        written = f"{cmd.name} {cmd.usage}" if cmd.usage else cmd.name
        assert render_reply(reply).plain == f"\u200f{LRI}/{written}{PDI}"
        assert render_reply(reply).html == f"\u200f{LRI}/{written}{PDI}"
        assert reply_payload(reply)["blocks"][0]["text"]["text"] == f"\u200f{LRI}/newsbot {written}{PDI}"
        assert reply_payload(reply, command="/akhbar")["text"] == f"\u200f{LRI}/akhbar {written}{PDI}"


def test_the_table_loads_no_chat_library() -> None:
    code = ("import sys, bot.commands.table, bot.commands.service; "
            "print([m for m in sys.modules if m.split('.')[0] in ('telegram', 'slack_bolt', 'slack_sdk')])")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------ sentences that name a command


def _fields(template: str) -> dict[str, str]:
    return {name: "X" for _lit, name, _spec, _conv in string.Formatter().parse(template) if name}


def test_every_command_a_sentence_names_is_in_the_table() -> None:
    mentioned = set()
    for name, value in vars(T).items():
        if name.startswith("_") or not isinstance(value, (str, tuple)):
            continue
        for text in (value,) if isinstance(value, str) else value:
            spans = phrase(text, **_fields(text))
            assert "".join(s.text for s in spans) == text.format(**_fields(text))
            mentioned |= {s.name for s in spans if isinstance(s, CommandSpan)}
    assert mentioned == {"subscribe", "resume", "topics", "watch", "unwatch", "addfeed", "failed", "retry", "include",
                         "preview", "exclude", "help", "assign", "watchlist", "trends", "import", "export",
                         "feeds"}
    assert mentioned <= set(COMMANDS)


def test_phrase_marks_our_mentions_and_never_the_values() -> None:
    spans = phrase("أرسل /subscribe أو /watch. ثم {term} (/unwatch) http://x/y a/mute", term="/mute «x»")
    marked = [s.name for s in spans if isinstance(s, CommandSpan)]
    assert marked == ["subscribe", "watch", "unwatch"]  # "/mute" is user text; "x/y", "a/mute" are no mentions
    assert "".join(s.text for s in spans) == "أرسل /subscribe أو /watch. ثم /mute «x» (/unwatch) http://x/y a/mute"
    slack = reply_payload(Reply().add(*spans))["text"]
    assert "/newsbot subscribe" in slack and "(/newsbot unwatch)" in slack and "ثم /mute" in slack
    assert phrase("{n} من {m:>3}", n=5, m=7) == (Span("5"), Span(" من "), Span("  7"))


# ------------------------------------------------------------------ the core, on a real SQLite file


@dataclass
class Core:
    service: CommandService
    db: Database

    async def ask(self, ctx: Context, text: str) -> Reply:
        reply = await self.service.handle(ctx, text)
        assert reply is not None
        return reply

    async def destinations(self) -> int:
        async with self.db.read() as conn:
            return int((await conn.execute(select(func.count()).select_from(Destination))).scalar_one())


async def _build(tmp_path: Path, table: Any = COMMANDS) -> tuple[Core, Fetcher]:
    settings = make_settings(tmp_path, commands_per_minute=200)  # one person tries every command here
    db = Database(settings.database_url)
    db.migrate()
    watchlists, problems = load_watchlists(ROOT / "config" / "watchlists.yaml")
    assert not problems
    chats, feeds, stories, outbox = ChatsRepo(db), FeedsRepo(db), StoriesRepo(db), OutboxRepo(db)
    index = WatchIndex(watchlists, chats)

    async def status() -> dict[str, Any]:
        return {"feeds": await feeds.health(), "outbox": await outbox.stats(NOW), "now": NOW}

    fetcher = Fetcher(FetchLimits(), "newsbot-test")
    service = CommandService(settings, chats, feeds, stories, index, fetcher=fetcher, clock=lambda: NOW,
                             status=status, table=table)
    return Core(service, db), fetcher


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    built, fetcher = await _build(tmp_path)
    try:
        yield built
    finally:
        await fetcher.close()
        await built.db.dispose()


def person(chat_id: str = "42", kind: str = "private", *, admin: bool) -> Context:
    async def can_manage(_chat: str) -> bool:
        return admin

    async def resolve(ref: str) -> ChatTarget:
        if ref == "@chan":
            return ChatTarget("-100777", "channel", "قناة")
        raise TargetError("not_found")

    return Context("telegram", chat_id, kind, "42", chat_title=None if kind == "private" else "مجموعة",
                   can_manage=can_manage, resolve_target=resolve)


# Arguments each command accepts, so a refusal can only come from the permission check.
VALID = {"subscribe": "nato", "unsubscribe": "nato", "watch": "الهدنة", "unwatch": "الهدنة", "mute": "2h",
         "unmute": "", "addfeed": "https://feeds.example/rss", "removefeed": "https://feeds.example/rss",
         "preview": "الناتو", "exclude": "كرة", "include": "كرة", "buttons": "on",
         "import": "newsbot: 1", "timezone": "Europe/London", "quiet": "23:00-07:00", "digest": "08:00", "cap": "5",
         "notify": "urgent", "urgent": "nato"}


def listed(reply: Reply) -> list[str]:
    return [s.name for ln in reply.lines for s in ln if isinstance(s, CommandSpan) and s.isolated]


async def test_help_and_unknown_list_exactly_the_table(core: Core) -> None:
    for text in ("/help",):
        reply = await core.ask(person(admin=False), text)
        assert listed(reply) == list(COMMANDS)
        plain = render_reply(reply).plain
        for cmd in COMMANDS.values():
            assert f"/{cmd.name}" in plain and cmd.description in plain
    unknown = await core.ask(person(admin=False), "/nosuchcommand")
    assert unknown.error and T.UNKNOWN in unknown.plain_text() and listed(unknown) == list(COMMANDS)


async def test_mutating_commands_are_refused_for_non_admins_and_store_nothing(core: Core) -> None:
    group = person("-5", "supergroup", admin=False)
    for cmd in COMMANDS.values():
        reply = await core.ask(group, f"/{cmd.name} {VALID.get(cmd.name, '')}".strip())
        refused = reply.error and reply.plain_text().endswith(T.NOT_ADMIN)
        assert refused == cmd.mutates, (cmd.name, reply.plain_text())
        viewing_refused = reply.error and reply.plain_text().endswith(T.NOT_ADMIN_VIEW)
        assert viewing_refused == cmd.admin, (cmd.name, reply.plain_text())
    assert await core.destinations() == 0
    # The same commands from an admin get through (here: watch stores the term).
    reply = await core.ask(person("-5", "supergroup", admin=True), "/watch الهدنة")
    assert reply.changed and not reply.error


async def test_only_targetable_commands_take_a_channel(core: Core) -> None:
    for cmd in COMMANDS.values():
        reply = await core.ask(person(admin=False), f"/{cmd.name} @chan {VALID.get(cmd.name, '')}".strip())
        refused = reply.plain_text().endswith(T.NOT_ADMIN_TARGET.format(target="\u2068@chan\u2069"))
        assert refused == cmd.targetable, (cmd.name, reply.plain_text())
    reply = await core.ask(person(admin=True), "/mute @chan 2h")
    assert reply.changed and reply.plain_text().startswith("\u200f\u2068@chan\u2069\n")  # named on top


async def test_a_refused_argument_shows_the_usage_from_the_table(core: Core) -> None:
    reply = await core.ask(person(admin=True), "/mute 5x")
    assert reply.error and reply.plain_text().startswith("\u200f" + T.MUTE_BAD)
    assert render_reply(reply).plain.endswith(T.TRY.format(usage=f"{LRI}/mute 2h{PDI}"))
    assert reply_payload(reply)["text"].endswith(T.TRY.format(usage=f"{LRI}/newsbot mute 2h{PDI}"))


async def test_slack_never_shows_a_bare_slash_command(core: Core) -> None:
    bare = re.compile(r"(?<![\w/])/(" + "|".join(COMMANDS) + r")(?!\w)")
    me = person(admin=True)
    # Each of these answers names a command (help, empty lists, pause, usage); /subscribe sets up the pause.
    for text in ("/help", "/nosuch", "/watchlist", "/feeds", "/subscribe", "/unsubscribe", "/watchlist", "/mute",
                 "/watch *"):
        reply = await core.ask(me, text)
        payload = reply_payload(reply)
        texts = [payload["text"]] + [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section"]
        for shown in texts:
            assert not bare.search(shown.replace("/newsbot ", "")), shown
        assert text == "/subscribe" or all("/newsbot " in t for t in texts), (text, texts)


async def test_a_new_command_is_one_entry_and_one_handler(tmp_path: Path) -> None:
    async def ping(deps: Deps, ctx: Context, where: Where, args: str) -> Reply:
        """Answer, or refuse an argument."""
        if args:
            raise UsageError("لا يأخذ هذا الأمر شيئاً.")
        return Reply(changed=True, note="x").add(f"pong {where.chat_id}")

    entry = Command("ping", "اختبار الاتصال بالبوت", "", ping, mutates=True, targetable=True)
    built, fetcher = await _build(tmp_path, command_table([*COMMANDS.values(), entry]))
    try:
        assert listed(await built.ask(person(admin=False), "/help"))[-1] == "ping"
        assert (await built.ask(person("-5", "group", admin=False), "/ping")).plain_text().endswith(T.NOT_ADMIN)
        assert (await built.ask(person("-5", "group", admin=True), "/ping")).plain_text().endswith("pong -5")
        assert (await built.ask(person(admin=True), "/ping @chan")).plain_text().endswith("pong -100777")
        usage = await built.ask(person(admin=True), "/ping now")
        assert usage.error and render_reply(usage).plain.endswith(f"{LRI}/ping{PDI}")
    finally:
        await fetcher.close()
        await built.db.dispose()


async def test_toggle_buttons_still_work(core: Core) -> None:
    me = person(admin=True)
    on = await core.service.action(me, "toggle:nato")
    assert on.changed and on.toast == T.TOPIC_TOGGLED_ON.format(label=core.service.deps.index.builtins["nato"].label)
    off = await core.service.action(me, "toggle:nato")
    assert off.toast == T.TOPIC_TOGGLED_OFF.format(label=core.service.deps.index.builtins["nato"].label)
    assert (await core.service.action(person("-5", "group", admin=False), "toggle:nato")).plain_text().endswith(
        T.NOT_ADMIN)
    assert (await core.service.action(me, "toggle:nosuch")).error

