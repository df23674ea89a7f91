"""Telegram end to end for a rule's ``source:`` naming the chat's own feeds, and for /preview's near misses that
a built-in term's context veto removed; the real PTB Application against FakeTelegramAPI, feeds on FeedServer.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.app import NewsBot, build_fetcher
from bot.domain.chat_config import parse_document
from tests.fakes.dns import TableResolver
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import ADMIN, GROUP, USER, Env, alerts, env, fake, ptb_timedelta
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

_MARKS = "\u2066\u2067\u2068\u2069\u200f"


def plain(message: SentMessage) -> str:
    return "".join(c for c in message.plain_text if c not in _MARKS)


def titles(fake: FakeTelegramAPI, chat: int) -> str:
    return "\n".join(m.plain_text for m in alerts(fake, chat))


class ChatFeed:
    """A feed on the local server, published to as a site would."""

    def __init__(self, server: FeedServer, path: str, title: str) -> None:
        self.server, self.path, self.title = server, path, title
        self.items = [Item("خبر قديم", f"https://{path.strip('/')}.example/0", published=datetime.now(UTC))]
        server.add_feed(path, rss2(self.items, title=title))

    def publish(self, title: str, summary: str = "") -> None:
        link = f"https://{self.path.strip('/').replace('.xml', '')}.example/{len(self.items)}"
        self.items.insert(0, Item(title, link, summary, published=datetime.now(UTC)))
        self.server.set_body(self.path, rss2(self.items, title=self.title))


async def _bot(env: Env) -> NewsBot:
    """The env's bot, with feeds.example.com and www.other.example.com resolving to the local feed server."""
    settings = env.settings()
    hosts = frozenset({"feeds.example.com", "www.other.example.com"})
    fetcher = build_fetcher(settings, dns=TableResolver({h: ["127.0.0.1"] for h in hosts}), public_hosts=hosts)
    bot = NewsBot(settings, http=False, fetcher=fetcher)
    env.bots.append(bot)
    await bot.start()
    await bot.tick()
    return bot


async def test_source_names_the_chats_own_feeds_by_site(env: Env, fake: FakeTelegramAPI,
                                                         feed_server: FeedServer) -> None:
    wire = ChatFeed(feed_server, "/wire.xml", "وكالة الشرق")
    other = ChatFeed(feed_server, "/other.xml", "صحيفة الغرب")
    bot = await _bot(env)
    [added] = await env.command(USER, USER, f"/addfeed http://feeds.example.com:{feed_server.port}/wire.xml",
                                timeout=15)
    assert "أضفتُ المصدر" in added.plain_text and "source:feeds.example.com" in plain(added)
    assert "/watch source:feeds.example.com + غزة" in plain(added)
    [added] = await env.command(USER, USER, f"/addfeed http://www.other.example.com:{feed_server.port}/other.xml",
                                timeout=15)
    assert "source:other.example.com" in plain(added)  # www. is no part of the site's name
    [listed] = await env.command(USER, USER, "/feeds")
    assert "في القواعد: source:feeds.example.com" in plain(listed)
    assert "في القواعد: source:other.example.com" in plain(listed)

    # An id that names no feed is refused before anything is stored, with what is there to name.
    [bad] = await env.command(USER, USER, "/watch source:nowhere.example + غزة")
    text = plain(bad)
    assert bad.plain_text.startswith("\u200fلا يوجد مصدر بالمعرّف") and "nowhere.example" in text
    assert "مصادر هذه المحادثة: feeds.example.com، other.example.com" in text and "/feeds" in text
    assert "مصادر المشغّل: news." in text
    [bad] = await env.command(GROUP, ADMIN, "/watch source:feeds.example.com + غزة")  # not the group's feed
    assert "لم تُضِف هذه المحادثة أي مصدر بعد" in plain(bad) and "/addfeed" in plain(bad)
    [none] = await env.command(USER, USER, "/watchlist")
    assert "غزة" not in plain(none)

    [ok] = await env.command(USER, USER, "/watch source:FEEDS.example.com + غزة")
    assert "أضفتُ القاعدة" in ok.plain_text
    [ok] = await env.command(USER, USER, "/watch source:news + هدنة")  # the operator's feed id still works
    assert "أضفتُ القاعدة" in ok.plain_text
    await bot.tick()
    wire.publish("غارات جديدة على غزة فجر اليوم", "بحسب مراسلنا")
    other.publish("غزة تستقبل قافلة مساعدات", "عبر المعبر")
    env.publish("قصف في غزة ومخاوف من التصعيد", "قالت الأمم المتحدة")
    env.publish("هدنة إنسانية لساعات", "أعلنها الوسطاء")
    await bot.tick()
    mine = titles(fake, USER)
    assert "غارات جديدة على غزة" in mine and "هدنة إنسانية" in mine
    assert "قافلة مساعدات" not in mine and "قصف في غزة" not in mine

    [preview] = await env.command(USER, USER, "/preview source:feeds.example.com + غزة")
    shown = plain(preview)
    assert "غارات جديدة على غزة" in shown and "خبر واحد" in shown and "قافلة مساعدات" not in shown
    [bad] = await env.command(USER, USER, "/preview source:elsewhere.example غزة")
    assert "elsewhere.example" in plain(bad) and "لا يوجد مصدر" in plain(bad)

    # Export, then import into the group: the feed and the rule arrive together, and the rule names the feed.
    [_said] = await env.command(USER, USER, "/export")
    doc = fake.documents[-1]
    assert "source:FEEDS.example.com + غزة" in parse_document(doc.content).rules  # as the user wrote it
    before = len(fake.sent)
    fake.push_document(GROUP, ADMIN, doc.filename, doc.content, caption="/import")
    await fake.wait_sent(before + 1, timeout=15)
    plan = fake.sent[before]
    [data] = [b["callback_data"] for row in plan.reply_markup["inline_keyboard"] for b in row if b["text"] == "تطبيق"]
    fake.push_callback_query(GROUP, ADMIN, data, plan.message_id)
    await wait_until(lambda: any(e.message_id == plan.message_id for e in fake.edits), what="plan applied",
                     timeout=20)
    await bot.tick()
    wire.publish("مستشفيات غزة تعمل بطاقة محدودة", "نقص في الوقود")
    other.publish("مدارس غزة تفتح أبوابها", "بعد أشهر من الإغلاق")
    await bot.tick()
    for chat in (USER, GROUP):
        assert "مستشفيات غزة" in titles(fake, chat) and "مدارس غزة" not in titles(fake, chat)


async def test_preview_shows_a_story_a_context_veto_removed_and_why(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    [ok] = await env.command(USER, USER, "/watch زيلينسكي")
    assert "أضفتُ «زيلينسكي»" in plain(ok)
    env.publish("زيلينسكي يتألق في فوز نابولي", "قاد فريقه إلى الصدارة")
    env.publish("زيلينسكي يلتقي قادة أوروبا في بروكسل", "لبحث الدعم العسكري")
    await bot.tick()
    mine = titles(fake, USER)
    assert "قادة أوروبا" in mine and "نابولي" not in mine  # the footballer's story is not the president's

    [preview] = await env.command(USER, USER, "/preview زيلينسكي")
    text = plain(preview)
    assert "قادة أوروبا" in text and "أقرب الأخبار التي أسقطها نفي أو استبعاد أو سياق (خبر واحد)" in text
    assert "زيلينسكي يتألق في فوز نابولي" in text
    assert ("لم تُحتسب «زيلينسكي» لأن الخبر يذكر «نابولي»، وهو سياق يدل على أن المقصود شخص أو شيء آخر "
            "بالاسم نفسه.") in text
