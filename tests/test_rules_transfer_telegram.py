"""Telegram end to end for /export and /import: a YAML round trip between two chats, and an OPML import
whose feeds pass the same SSRF guard as /addfeed; the real PTB Application against FakeTelegramAPI.
"""

from __future__ import annotations

from bot.app import NewsBot, build_fetcher
from bot.domain.chat_config import parse_document
from tests.fakes.dns import TableResolver
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import ADMIN, GROUP, MEMBER, USER, Env, env, fake, ptb_timedelta
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

RULE = "وقف إطلاق النار + غزة -كرة"


async def _bot(env: Env) -> NewsBot:
    """The env's bot, with feeds.example.com / other.example.com resolving to the local feed server."""
    settings = env.settings()
    dns = TableResolver({"feeds.example.com": ["127.0.0.1"], "other.example.com": ["127.0.0.1"]})
    fetcher = build_fetcher(settings, dns=dns, public_hosts=frozenset({"feeds.example.com", "other.example.com"}))
    bot = NewsBot(settings, http=False, fetcher=fetcher)
    env.bots.append(bot)
    await bot.start()
    await bot.tick()
    return bot


async def _document(env: Env, fake: FakeTelegramAPI, chat: int, user: int, name: str, body: bytes) -> SentMessage:
    before = len(fake.sent)
    fake.push_document(chat, user, name, body, caption="/import")
    await fake.wait_sent(before + 1, timeout=15)
    return fake.sent[before]


def _press(fake: FakeTelegramAPI, chat: int, user: int, plan: SentMessage, label: str) -> None:
    [data] = [b["callback_data"] for row in plan.reply_markup["inline_keyboard"] for b in row if b["text"] == label]
    fake.push_callback_query(chat, user, data, plan.message_id)


async def test_export_then_import_into_another_chat_round_trips(env: Env, fake: FakeTelegramAPI,
                                                                feed_server: FeedServer) -> None:
    feed_server.add_feed("/extra.xml", rss2([Item("خبر قديم", "https://extra.example/1")], title="مصدر إضافي"))
    extra = f"http://feeds.example.com:{feed_server.port}/extra.xml"
    bot = await _bot(env)
    for text in ("/subscribe nato", f"/watch {RULE}", "/exclude كرة", f"/addfeed {extra}", "/mute 2h",
                 "/quiet 22:00-07:00"):
        [answer] = await env.command(USER, USER, text, timeout=15)
        assert not answer.plain_text.startswith("\u200fعذراً"), answer.plain_text

    [said] = await env.command(USER, USER, "/export")
    assert "الملف المرفق" in said.plain_text
    [doc] = fake.documents
    assert doc.chat_id == USER and doc.filename.endswith(".yaml")
    exported = parse_document(doc.content)
    assert exported.topics == ("nato",) and exported.rules == (RULE,) and exported.exclusions == ("كرة",)
    assert [f.url for f in exported.feeds] == [extra] and exported.muted_until is not None
    assert exported.attention is not None and exported.attention["quiet"]["start"] == "22:00"

    # A member of the group may not import; an admin sees the plan, and only the admin's press applies it.
    refused = await _document(env, fake, GROUP, MEMBER, doc.filename, doc.content)
    assert "لمشرفيها فقط" in refused.plain_text
    plan = await _document(env, fake, GROUP, ADMIN, doc.filename, doc.content)
    text = plan.plain_text
    assert "سيغيّر الاستيراد" in text and RULE in text and "كرة" in text and "مصدر إضافي" in text
    assert await env.dest(bot, GROUP) is None  # nothing is applied before the press
    _press(fake, GROUP, MEMBER, plan, "تطبيق")
    await wait_until(lambda: len(fake.callback_answers) == 1, what="the member's press answered")
    assert await env.dest(bot, GROUP) is None
    _press(fake, GROUP, ADMIN, plan, "تطبيق")
    await wait_until(lambda: any(e.message_id == plan.message_id for e in fake.edits), what="plan applied")
    [applied] = [e for e in fake.edits if e.message_id == plan.message_id]
    assert "طُبّق الاستيراد" in applied.plain_text
    dest = await env.dest(bot, GROUP)
    assert dest is not None and dest.muted_until is not None
    assert "nato" in await bot.chats.subscriptions(dest.id)
    assert await bot.chats.terms(dest.id) == [RULE] and await bot.chats.exclusions(dest.id) == ["كرة"]
    assert [f.source_url for f in await bot.chats.feeds(dest.id)] == [extra]
    quiet = (await bot.chats.attention(dest.id)).quiet
    assert quiet is not None and f"{quiet.start:%H:%M}-{quiet.end:%H:%M}" == "22:00-07:00"

    # The group's own export reads back the same; importing it again changes nothing; a used token is spent.
    [_said] = await env.command(GROUP, ADMIN, "/export")
    again = parse_document(fake.documents[-1].content)
    assert (again.topics, again.rules, again.exclusions, again.feeds, again.muted_until, again.attention) == (
        exported.topics, exported.rules, exported.exclusions, exported.feeds, exported.muted_until,
        exported.attention)
    same = await _document(env, fake, USER, USER, doc.filename, doc.content)
    assert "لا شيء يتغير" in same.plain_text
    _press(fake, GROUP, ADMIN, plan, "تطبيق")
    await wait_until(lambda: len(fake.callback_answers) == 3, what="the spent token answered")
    assert "انتهت مهلة" in fake.callback_answers[-1]["text"]


async def test_opml_import_adds_feeds_through_the_ssrf_guard(env: Env, fake: FakeTelegramAPI,
                                                             feed_server: FeedServer) -> None:
    feed_server.add_feed("/world.xml", rss2([Item("خبر", "https://world.example/1")], title="أخبار العالم"))
    good = f"http://other.example.com:{feed_server.port}/world.xml"
    private = f"http://127.0.0.1:{feed_server.port}/world.xml"
    opml = f"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>اشتراكاتي</title></head><body>
  <outline text="أخبار" title="أخبار">
    <outline type="rss" text="أخبار العالم" xmlUrl="{good}"/>
    <outline type="rss" text="داخلي" xmlUrl="{private}"/>
  </outline>
</body></opml>""".encode()
    bot = await _bot(env)
    plan = await _document(env, fake, USER, USER, "feeds.opml", opml)
    assert "➕ المصادر" in plan.plain_text and "أخبار العالم" in plan.plain_text and "داخلي" in plan.plain_text
    _press(fake, USER, USER, plan, "تطبيق")
    await wait_until(lambda: any(e.message_id == plan.message_id for e in fake.edits), what="OPML applied", timeout=20)
    [applied] = [e for e in fake.edits if e.message_id == plan.message_id]
    assert "طُبّق الاستيراد" in applied.plain_text
    assert "لم أُضف المصدر" in applied.plain_text and "عنوان داخلي" in applied.plain_text
    dest = await env.dest(bot, USER)
    assert dest is not None and [f.source_url for f in await bot.chats.feeds(dest.id)] == [good]
    [listed] = await env.command(USER, USER, "/feeds")
    assert "أخبار العالم" in listed.plain_text

    # A hostile document is refused with a reason, and a cancelled plan changes nothing.
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml><body/></opml>'
    refused = await _document(env, fake, USER, USER, "bomb.opml", bomb)
    assert "تعذّرت قراءة الملف" in refused.plain_text and "كيانات" in refused.plain_text
    plan = await _document(env, fake, USER, USER, "x.yaml", "newsbot: 1\nrules: [حماس]\n".encode())
    _press(fake, USER, USER, plan, "إلغاء")
    await wait_until(lambda: any(e.message_id == plan.message_id for e in fake.edits), what="cancelled")
    assert await bot.chats.terms(dest.id) == []
