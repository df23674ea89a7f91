"""Limits and permissions of the command core, each answered with a clear Arabic message."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.app import NewsBot, build_fetcher
from bot.commands.service import ChatTarget, Context, TargetError
from bot.commands.texts import T
from bot.storage.models import Chat, CustomTerm, Destination, Subscription
from tests.conftest import make_settings, write_config
from tests.fakes.dns import TableResolver
from tests.fakes.feed_server import FeedServer, Item, rss2


@pytest.fixture
async def bot(tmp_path: Path, feed_server: FeedServer):
    write_config(tmp_path / "config", [])
    s = make_settings(tmp_path, commands_per_minute=20, max_terms_per_chat=200, max_feeds_per_chat=50)
    dns = TableResolver({"feeds.example.com": ["127.0.0.1"]})
    b = NewsBot(s, console=True, http=False,
                fetcher=build_fetcher(s, dns=dns, public_hosts=frozenset({"feeds.example.com"})))
    await b.prepare()
    try:
        yield b
    finally:
        await b.stop()


def private(user: str = "42") -> Context:
    return Context("telegram", user, "private", user)


async def count(bot: NewsBot, model: type) -> int:
    """Rows of ``model`` outside the console destination every embedded bot has."""
    async with bot.db.read() as conn:
        q = select(func.count()).select_from(model)
        if model is Destination:
            q = q.where(Destination.chat_id.not_in(select(Chat.id).where(Chat.platform == "console")))
        if model is Subscription:
            q = q.where(Subscription.destination_id.not_in(
                select(Destination.id).join(Chat, Chat.id == Destination.chat_id).where(Chat.platform == "console")))
        return int((await conn.execute(q)).scalar_one())


async def test_term_length_and_count_limits(bot: NewsBot):
    long = "ا" * 101
    reply = await bot.commands.handle(private(), f"/watch {long}")
    assert reply.error and "100" in reply.plain_text()
    assert await count(bot, CustomTerm) == 0 and await count(bot, Destination) == 0
    svc = bot.commands
    svc.settings.commands_per_minute = 10_000
    for i in range(200):
        assert "أضفتُ" in (await svc.handle(private(), f"/watch مصطلح{i}")).plain_text()
    reply = await svc.handle(private(), "/watch مصطلح جديد")
    assert reply.error and "200" in reply.plain_text()
    assert await count(bot, CustomTerm) == 200
    # The same term spelled differently is one term.
    assert "موجودة" in (await svc.handle(private(), "/watch مُصْطَلَح0")).plain_text()


async def test_feed_count_limit(bot: NewsBot, feed_server: FeedServer):
    bot.commands.settings.commands_per_minute = 10_000
    for i in range(51):
        feed_server.add_feed(f"/f{i}.xml", rss2([Item("خبر", f"https://x.example/{i}")], title=f"مصدر {i}"))
    port = feed_server.port
    for i in range(50):
        text = (await bot.commands.handle(private(), f"/addfeed http://feeds.example.com:{port}/f{i}.xml")).plain_text()
        assert "أضفتُ المصدر" in text, text
    reply = await bot.commands.handle(private(), f"/addfeed http://feeds.example.com:{port}/f50.xml")
    assert reply.error and "50" in reply.plain_text()
    assert "مصدر 49" in (await bot.commands.handle(private(), "/feeds")).plain_text()


async def test_commands_are_rate_limited_per_user(bot: NewsBot):
    limited = "أرسلتَ أوامر كثيرة"
    for _ in range(20):
        assert limited not in (await bot.commands.handle(private("1"), "/help")).plain_text()
    assert limited in (await bot.commands.handle(private("1"), "/help")).plain_text()
    assert limited not in (await bot.commands.handle(private("2"), "/help")).plain_text()


async def test_members_cannot_change_a_group_and_nobody_changes_another_chat_by_naming_it(bot: NewsBot):
    async def no(_chat: str) -> bool:
        return False

    async def admin_only_of_own_group(chat: str) -> bool:
        return chat == "-100"

    async def resolve(ref: str) -> ChatTarget:
        if ref == "@their_channel":
            return ChatTarget("-200", "channel", "قناتهم")
        raise TargetError("not_found")

    member = Context("telegram", "-100", "supergroup", "5", can_manage=no)
    for cmd in ("/subscribe", "/watch الناتو", "/mute 1h", "/unsubscribe", "/addfeed https://x.example/f"):
        reply = await bot.commands.handle(member, cmd)
        assert reply.error and T.NOT_ADMIN in reply.plain_text(), cmd
    assert await count(bot, Destination) == 0
    # Read-only commands stay open to members.
    assert not (await bot.commands.handle(member, "/watchlist")).error

    user = Context("telegram", "5", "private", "5", can_manage=admin_only_of_own_group, resolve_target=resolve)
    reply = await bot.commands.handle(user, "/subscribe @their_channel nato")
    assert reply.error and "مشرفاً" in reply.plain_text()
    reply = await bot.commands.handle(user, "/subscribe @nowhere nato")
    assert reply.error and "لم أجد" in reply.plain_text()
    assert await count(bot, Subscription) == 0
    # From inside a group, naming another chat is refused outright.
    group_admin = Context("telegram", "-100", "supergroup", "5", can_manage=admin_only_of_own_group,
                          resolve_target=resolve)
    reply = await bot.commands.handle(group_admin, "/subscribe @their_channel nato")
    assert reply.error and T.TARGET_ONLY_PRIVATE in reply.plain_text()


async def test_bad_arguments_store_nothing(bot: NewsBot):
    for cmd in ("/subscribe nato xyz", "/unsubscribe nope", "/mute forever", "/mute 0m", "/mute 31d", "/watch *",
                "/watch ـ", "/addfeed notaurl", "/preview", "/unwatch"):
        reply = await bot.commands.handle(private("9"), cmd)
        assert reply.error or "ليست" in reply.plain_text() or "غير" in reply.plain_text(), cmd
    assert await count(bot, Destination) == 0
