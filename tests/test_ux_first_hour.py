"""What a newsroom user meets in the first hour (issue 14): the real PTB app against the Telegram double.

Each test asserts on the text the user reads (the message as Telegram parses it).
"""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult

from bot.alerts.model import TITLE_LIMIT
from bot.app import NewsBot, build_fetcher
from bot.commands.texts import FETCH_REASONS, T
from tests.conftest import write_config
from tests.fakes.feed_server import Item, rss2
from tests.fakes.telegram_api import FakeTelegramAPI, SentMessage
from tests.support.telegram import ADMIN, FORUM, STRANGER, USER, Env, alerts, env, fake, ptb_timedelta

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

PRIVATE_CHANNEL = -1005550001  # a private channel: no @name, only its id
OPS = -1009990001
SEVEN_CEASEFIRE_STORIES = (
    "وقف إطلاق النار يدخل حيز التنفيذ في الخرطوم",
    "مجلس الأمن يناقش هدنة إنسانية جديدة",
    "خروقات متبادلة لوقف إطلاق النار على الحدود الشمالية",
    "الوسطاء يقترحون تمديد الهدنة أسبوعين",
    "اتفاق على وقف لإطلاق النار في إقليم دارفور",
    "تبادل الأسرى يمهّد لهدنة دائمة بين الطرفين",
    "منظمات الإغاثة تطالب بوقف فوري لإطلاق النار في رفح",
)


def bolds(msg: SentMessage) -> list[str]:
    raw = msg.plain_text.encode("utf-16-le")
    return [raw[e["offset"] * 2:(e["offset"] + e["length"]) * 2].decode("utf-16-le")
            for e in msg.entities if e["type"] == "bold"]


async def test_web_addresses_in_a_summary_are_not_words_of_the_story(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 2: a gold story linking gaza-market.example and nato-watch.example.org alerts no one."""
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato gaza")
    env.publish("ارتفاع أسعار الذهب في الأسواق المحلية",
                "تفاصيل الأسعار على https://www.gaza-market.example/gold وتحليل على https://nato-watch.example.org/ "
                "وللتواصل desk@nato.int أو @gaza_prices")
    await bot.tick()
    assert alerts(fake, USER) == []

    env.publish("قمة لحلف الناتو في بروكسل", "البيان الكامل على nato.int وقال الناتو إن القمة تبدأ غداً.")
    await bot.tick()
    [alert] = alerts(fake, USER)
    assert "nato.int" in alert.plain_text
    assert "nato" not in " ".join(bolds(alert)) and "الناتو" in bolds(alert)  # bold on the word, never in the address


# ------------------------------------------------------------------ shared


class NameTable(AbstractResolver):
    """DNS for the test: some names stand for the feed server, every other name does not exist."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.asked: list[str] = []

    async def resolve(self, host: str, port: int = 0,
                      family: socket.AddressFamily = socket.AF_INET) -> list[ResolveResult]:
        self.asked.append(host)
        if host not in self.names:
            raise OSError(socket.EAI_NONAME, "Name or service not known")
        return [{"hostname": host, "host": self.names[host], "port": port, "family": socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        return None


async def start_with_dns(env: Env, dns: NameTable, **overrides: Any) -> NewsBot:
    """A started bot whose fetcher resolves names through ``dns`` (the named hosts count as public)."""
    settings = env.settings(**overrides)
    fetcher = build_fetcher(settings, dns=dns, public_hosts=frozenset(dns.names))
    bot = NewsBot(settings, http=False, fetcher=fetcher)
    env.bots.append(bot)
    await bot.start()
    await bot.tick()
    return bot


_MARKS = dict.fromkeys(map(ord, "\u200e\u200f\u2066\u2067\u2068\u2069"))


def lines_of(msg: SentMessage) -> list[str]:
    """The lines a reader sees, direction marks left out."""
    return [ln.translate(_MARKS).strip() for ln in msg.plain_text.split("\n")]


def latin_words(text: str) -> list[str]:
    return re.findall(r"[A-Za-z]{3,}", text)


# ------------------------------------------------------------------ item 7


async def test_fetch_errors_are_arabic_and_say_what_to_do(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 7: no "cannot connect: [Errno -2] …" in a reply; the reason in Arabic, with what to do."""
    port = env.feeds.port
    env.feeds.add_feed("/gone.xml", b"", content_type="text/plain")
    dns = NameTable({"news.example.com": "127.0.0.1"})
    bot = await start_with_dns(env, dns)
    [no_name] = await env.command(USER, USER, "/addfeed https://no-such-outlet.example/rss")
    assert FETCH_REASONS["dns"] in no_name.plain_text
    assert "Errno" not in no_name.plain_text and not latin_words(no_name.plain_text.replace("no-such-outlet", ""))
    [missing] = await env.command(USER, USER, f"/addfeed http://news.example.com:{port}/nothing-here.xml")
    assert FETCH_REASONS["not_found"] in missing.plain_text and "404" in missing.plain_text
    assert await env.dest(bot, USER) is None  # nothing stored


# ------------------------------------------------------------------ item 11


async def test_missing_arguments_and_natural_inputs(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 11: "/mute" alone is missing, not invalid; ساعتين, 2س, 30د; bbc.com/arabic; -100… channel ids."""
    dns = NameTable({"news.example.com": "127.0.0.1"})
    bot = await start_with_dns(env, dns)
    [bare] = await env.command(USER, USER, "/mute")
    assert T.MUTE_MISSING in bare.plain_text and "غير صالحة" not in bare.plain_text
    for text, hours in (("/mute ساعتين", 2.0), ("/mute 2س", 2.0), ("/mute 30د", 0.5), ("/mute ٣ أيام", 72.0)):
        [ok] = await env.command(USER, USER, text)
        assert "كُتمت التنبيهات حتى" in ok.plain_text, (text, ok.plain_text)
        dest = await env.dest(bot, USER)
        assert dest is not None and dest.muted_until is not None
        left = (dest.muted_until - datetime.now(UTC)).total_seconds() / 3600
        assert hours - 0.1 < left <= hours, (text, left)
    [bad] = await env.command(USER, USER, "/mute للأبد")
    assert "مدة غير صالحة" in bad.plain_text

    [feed] = await env.command(USER, USER, "/addfeed bbc.com/arabic")  # read as https://bbc.com/arabic
    assert "bbc.com" in dns.asked and FETCH_REASONS["dns"] in feed.plain_text
    assert T.FEED_BAD_URL not in feed.plain_text
    [no_url] = await env.command(USER, USER, "/addfeed")
    assert T.FEED_URL_MISSING in no_url.plain_text

    fake.add_chat(PRIVATE_CHANNEL, "channel", "قناة المكتب الخاصة")
    fake.set_member(PRIVATE_CHANNEL, USER, "administrator")
    [by_id] = await env.command(USER, USER, f"/subscribe {PRIVATE_CHANNEL} nato")
    assert "تم الاشتراك" in by_id.plain_text and "حلف الناتو" in by_id.plain_text
    target = await env.dest(bot, PRIVATE_CHANNEL)
    assert target is not None and await bot.chats.subscriptions(target.id) == ["nato"]
    mine = await env.dest(bot, USER)
    assert mine is not None and await bot.chats.subscriptions(mine.id) == []  # the private chat is unchanged


# ------------------------------------------------------------------ item 10


async def test_preview_of_a_built_in_list_and_honest_counts(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 10: /preview ceasefire previews the list; "7 أخبار، وهذه أحدث 5 منها"; the period in words."""
    bot = await env.start()
    for title in SEVEN_CEASEFIRE_STORIES:
        env.publish(title)
    await bot.tick()
    [listed] = await env.command(USER, USER, "/preview ceasefire")
    head = lines_of(listed)[0]
    assert head == "الأخبار التي كانت ستطابق المتابعة الجاهزة «وقف إطلاق النار» خلال الأيام الثلاثة الأخيرة: " \
                   "7 أخبار، وهذه أحدث 5 منها", head
    assert sum(1 for ln in lines_of(listed) if ln.startswith("•")) == 5
    [word] = await env.command(USER, USER, "/preview الناتو")
    assert lines_of(word)[0] == "لم يطابق «الناتو» أي خبر مخزَّن خلال الأيام الثلاثة الأخيرة."
    [two] = await env.command(USER, USER, "/preview الخرطوم --days 2")
    assert lines_of(two)[0] == "الأخبار التي كانت ستطابق «الخرطوم» خلال اليومين الأخيرين: خبر واحد"


async def test_watchlist_in_a_forums_general_mentions_its_topics(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 10: the General topic says that two forum topics follow things of their own."""
    await env.start()
    for thread in (11, 12):
        await env.command(FORUM, ADMIN, "/subscribe nato", message_thread_id=thread, is_topic_message=True)
    [general] = await env.command(FORUM, ADMIN, "/watchlist")
    assert general.message_thread_id is None
    assert "في هذا المنتدى موضوعا نقاش بمتابعات خاصة" in general.plain_text
    assert "/watchlist" in general.plain_text
    [inside] = await env.command(FORUM, ADMIN, "/watchlist", message_thread_id=11, is_topic_message=True)
    assert "حلف الناتو" in inside.plain_text and "موضوعا نقاش" not in inside.plain_text


async def test_a_batch_of_alerts_reads_like_a_wire(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 10: oldest first, a summary equal to the title said once, long titles cut, no click trackers."""
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    now = datetime.now(UTC)
    long_title = "الناتو " + "يبحث خطة طويلة جداً للدفاع الجوي " * 18
    assert len(long_title) > 530
    batch = [
        Item("وزراء دفاع الناتو يجتمعون لبحث الميزانية", "https://news.example/3?utm_source=rss&utm_medium=feed&id=3&fbclid=abc",
             "وزراء دفاع الناتو يجتمعون لبحث الميزانية", published=now - timedelta(minutes=1)),
        Item(long_title, "https://news.example/2?gclid=x", "ملخص قصير.", published=now - timedelta(minutes=2)),
        Item("الناتو يرسل سفناً إلى البلطيق", "https://news.example/1", "تفاصيل الانتشار البحري.",
             published=now - timedelta(minutes=3)),
    ]
    env.items[:0] = batch  # a feed lists newest first
    env.feeds.set_body("/news.xml", rss2(env.items))
    await bot.tick()
    got = alerts(fake, USER)
    assert [lines_of(m)[1][:20] for m in got] == [batch[2].title[:20], long_title[:20], batch[0].title[:20]]
    first, long_one, repeated = got
    assert lines_of(first)[2] == "تفاصيل الانتشار البحري."
    title_line = lines_of(long_one)[1]
    assert title_line.endswith("…") and len(title_line) <= TITLE_LIMIT
    assert repeated.plain_text.count("وزراء دفاع الناتو يجتمعون") == 1  # the summary repeated the title
    links = [e["url"] for m in got for e in m.entities if e["type"] == "text_link"]
    assert "https://news.example/3?id=3" in links and "https://news.example/2" in links
    assert not [u for u in links if "utm_" in u or "clid" in u]
    assert "utm_" not in repeated.plain_text and "fbclid" not in repeated.plain_text


async def test_other_outlets_are_linked_to_their_articles(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 10: "وأوردته أيضاً" links the other outlet's own article."""
    env.feeds.add_feed("/other.xml", rss2([Item("بداية", "https://other.example/start")]))
    write_config(env.tmp_path / "config", [{"id": "news", "url": env.feeds.url("/news.xml"), "name": "وكالة الأنباء"},
                                           {"id": "other", "url": env.feeds.url("/other.xml"), "name": "الصحيفة الأخرى"}])
    bot = await env.start(edit_delay=0.0)
    await env.command(USER, USER, "/subscribe nato")
    env.publish("الناتو يعقد قمة طارئة في بروكسل", link="https://news.example/summit")
    await bot.tick()
    [alert] = alerts(fake, USER)
    env.feeds.set_body("/other.xml", rss2([Item("الناتو يعقد قمة طارئة في بروكسل", "https://other.example/a/77",
                                                published=datetime.now(UTC))]))
    await bot.tick()
    await bot.tick()
    [edit] = [m for m in fake.edits if m.message_id == alert.message_id]
    assert "🗞️ وأوردته أيضاً: الصحيفة الأخرى" in lines_of(edit)
    [linked] = [e for e in edit.entities if e["type"] == "text_link" and e["url"] == "https://other.example/a/77"]
    raw = edit.plain_text.encode("utf-16-le")
    shown = raw[linked["offset"] * 2:(linked["offset"] + linked["length"]) * 2].decode("utf-16-le")
    assert shown.translate(_MARKS) == "الصحيفة الأخرى"  # the outlet's name is the link to its article


# ------------------------------------------------------------------ item 12


async def test_status_shows_this_chat_and_keeps_other_chats_private(env: Env, fake: FakeTelegramAPI) -> None:
    """Item 12: "قبل لحظات", nothing queued shows nothing, no global counts for ordinary users, failing feeds
    with their Arabic reason, a section about this chat; the ops chat sees the whole queue."""
    # "/broken.xml" is not served: the feed fails with HTTP 404 on every poll.
    write_config(env.tmp_path / "config", [{"id": "news", "url": env.feeds.url("/news.xml"), "name": "وكالة الأنباء"},
                                           {"id": "broken", "url": env.feeds.url("/broken.xml"), "name": "المصدر المعطل"}])
    fake.add_chat(OPS, "supergroup", "غرفة التشغيل")
    fake.set_member(OPS, ADMIN, "administrator")
    fake.add_chat(STRANGER, "private", "Sami")
    bot = await start_with_dns(env, NameTable({}), ops_telegram_chat_id=str(OPS))
    await env.command(STRANGER, STRANGER, "/subscribe nato")
    env.publish("الناتو يعقد قمة طارئة")
    await bot.tick()
    assert len(alerts(fake, STRANGER)) == 1  # another chat's activity

    [fresh] = await env.command(USER, USER, "/status")
    text = fresh.plain_text
    assert "قبل لحظات" in text and "منذ 0" not in text and " ث)" not in text
    assert "في كل المحادثات" not in text and "أُرسل تنبيه واحد" not in text  # the stranger's alert is not shown
    assert "مصادر متعثّرة" in text and "المصدر المعطل" in text and FETCH_REASONS["not_found"] in text
    assert "HTTP" not in text
    assert "هذه المحادثة" in text and "لا تتابع هذه المحادثة شيئاً بعد" in text
    assert "مصدران مفعّلان" in text and "منها مصدر واحد متعثّر" in text

    [mine] = await env.command(STRANGER, STRANGER, "/status")
    assert "المتابعات الجاهزة: حلف الناتو" in mine.plain_text and "أُرسل تنبيه واحد" in mine.plain_text
    assert "ينتظر" not in mine.plain_text and "تعذّر" not in mine.plain_text  # nothing queued, nothing failed

    [ops] = [m for m in await env.command(OPS, ADMIN, "/status") if "حالة البوت" in m.plain_text]
    assert "التنبيهات في كل المحادثات: أُرسل" in ops.plain_text  # the whole bot's, for the operator


# ------------------------------------------------------------------ Arabic quality


async def test_arabic_a_reader_would_write(env: Env, fake: FakeTelegramAPI) -> None:
    """No nested guillemets or emoji in stored terms, no jargon, مسبقاً, CLDR counts, no "(منذ 0 ث)"."""
    await env.start()
    [quoted] = await env.command(USER, USER, "/watch «الناتو»")
    text = "\n".join(lines_of(quoted))
    assert "«الناتو» إلى قائمتك" in text and "««" not in text and "«الـ«" not in text and "»»" not in text
    [emoji] = await env.command(USER, USER, "/watch 🔴 عاجل 🔴")
    assert "أضفتُ «عاجل» إلى" in "\n".join(lines_of(emoji))
    [listed] = await env.command(USER, USER, "/watchlist")
    assert "🔴" not in listed.plain_text and "«عاجل»" in "\n".join(lines_of(listed))

    [unknown] = await env.command(USER, USER, "/subscribe foo")
    first = lines_of(unknown)[0]
    assert first.startswith("لا أعرف متابعة جاهزة باسم «foo». المتابعات الجاهزة المتاحة: وقف إطلاق النار (ceasefire)، "), first
    assert "معرفات" not in unknown.plain_text
    await env.command(USER, USER, "/subscribe nato")
    [again] = await env.command(USER, USER, "/subscribe nato")
    assert "مشتركة مسبقاً في: حلف الناتو" in again.plain_text and "أصلاً" not in again.plain_text
    [not_muted] = await env.command(USER, USER, "/unmute")
    assert lines_of(not_muted) == ["التنبيهات ليست مكتومة الآن."]
    [status] = await env.command(USER, USER, "/status")
    assert "لم يُرسَل أي تنبيه بعد" in status.plain_text and "0 أُرسلت" not in status.plain_text
    assert "العبارات الخاصة: عبارتان" in status.plain_text
