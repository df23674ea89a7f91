"""Public Telegram channels as sources: the t.me/s/NAME web preview (a saved page, served locally) read as a feed.

End to end: the page polled by the real poller, the newest post alerting once on the console; /addfeed
@channel and the t.me URL through the command core, fetched through the SSRF guard like any feed.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import NewsBot, build_fetcher
from bot.commands.service import Context
from bot.feeds.parse import parse_feed
from bot.feeds.telegram import channel_name, read_channel_preview
from bot.storage.models import Feed, Story
from tests.conftest import Console, make_settings, write_config
from tests.fakes.dns import TableResolver
from tests.fakes.feed_server import FeedServer

PAGE = (Path(__file__).parent / "fakes" / "pages" / "tme_s_newswire.html").read_text(encoding="utf-8")
HTML = "text/html; charset=utf-8"


def page(*, newest: bool = True) -> bytes:
    """The saved page with its posts dated in the last hour (alerts skip stories older than NEWSBOT_MAX_AGE)."""
    now = datetime.now(UTC).replace(microsecond=0)
    times = iter(now - timedelta(minutes=m) for m in (40, 30, 20, 10))
    text = re.sub(r'datetime="[^"]+"', lambda _m: f'datetime="{next(times).isoformat()}"', PAGE)
    if not newest:
        text = text[: text.index("<!-- newest -->")] + "</section></main></body></html>"
    return text.encode()


def test_posts_read_from_the_saved_page() -> None:
    parsed = parse_feed(page(), HTML, "https://t.me/s/newswire_ar")
    assert parsed.parser == "telegram" and parsed.title == "وكالة الأخبار العاجلة"
    got = [(e.link, e.guid, e.title) for e in parsed.entries]
    assert got == [  # the photo-only post 1042 has no text: skipped
        ("https://t.me/newswire_ar/1041", "https://t.me/newswire_ar/1041",
         "🟥عاجل | ارتفاع أسعار النفط بعد قرار أوبك+ خفض الإنتاج"),
        ("https://t.me/newswire_ar/1043", "https://t.me/newswire_ar/1043",
         "تحديث: وزير الطاقة يعلّق على القرار في مؤتمر صحفي مباشر"),
        ("https://t.me/newswire_ar/1044", "https://t.me/newswire_ar/1044",
         "عاجل: الناتو يرحب بوقف إطلاق النار في البحر الأسود"),
    ]
    first, reply = parsed.entries[0], parsed.entries[1]
    assert first.summary.endswith("يبدأ الشهر المقبل & يستمر حتى نهاية العام.")  # whole text, entity read
    assert "أوبك+" not in reply.summary  # the quoted post's text is not the reply's
    assert all(e.published is not None and e.published.tzinfo for e in parsed.entries)


@pytest.mark.parametrize(("ref", "name"), [
    ("@newswire_ar", "newswire_ar"), ("https://t.me/newswire_ar", "newswire_ar"),
    ("https://t.me/s/newswire_ar", "newswire_ar"), ("t.me/newswire_ar/", "newswire_ar"),
    ("http://telegram.me/NewsWire", "NewsWire"), ("@abc", None), ("@1abcde", None), ("@bad-name", None),
    ("https://t.me/joinchat", None), ("https://t.me/newswire_ar/1044", None), ("https://example.org/x", None),
    ("@" + "a" * 33, None),
])
def test_channel_references(ref: str, name: str | None) -> None:
    assert channel_name(ref) == name


def test_unbalanced_markup_is_read_and_linear() -> None:
    """Stray and missing end tags neither lose posts nor cost more than a bounded look back."""
    post = ('<div class="tgme_widget_message_wrap"><div class="tgme_widget_message" data-post="c/{i}">'
            '<div class="tgme_widget_message_text js-message_text">خبر {i}</p></span><b>'
            '</div><time datetime="2026-12-01T08:00:00+00:00"></time></div></div>')
    doc = "<html><body>" + "".join(post.format(i=i) for i in range(2000)) + "</div>" * 5000 + "</body></html>"
    parsed = read_channel_preview(doc)
    assert [p.text for p in parsed.posts[:2]] == ["خبر 0", "خبر 1"] and len(parsed.posts) == 2000


async def test_a_new_channel_post_alerts_once(tmp_path: Path, feed_server: FeedServer) -> None:
    feed_server.add_feed("/s/newswire_ar", page(newest=False), content_type=HTML)
    write_config(tmp_path / "config", [{"id": "tg-newswire", "url": feed_server.url("/s/newswire_ar")}])
    console = Console()
    bot = NewsBot(make_settings(tmp_path), console=True, stdout=console, http=False)
    try:
        await bot.poll_once(timeout=10)
        assert console.alerts() == []  # first sight: recorded, not alerted
        feed_server.set_body("/s/newswire_ar", page())
        await bot.tick(force=True)
        await bot.tick(force=True)  # the same page again: nothing new
        alerts = console.alerts()
        assert len(alerts) == 1, alerts
        assert "الناتو يرحب بوقف إطلاق النار في البحر الأسود" in alerts[0]
        assert "https://t.me/newswire_ar/1044" in alerts[0]
        async with bot.db.read() as conn:
            keys = sorted((await conn.execute(select(Story.url_key))).scalars())
        assert keys == [f"https://t.me/newswire_ar/{n}" for n in (1041, 1043, 1044)]
    finally:
        await bot.stop()


@pytest.fixture
async def guarded_bot(tmp_path: Path, feed_server: FeedServer):
    write_config(tmp_path / "config", [])
    s = make_settings(tmp_path, telegram_preview_url=f"http://t.me:{feed_server.port}/s/")
    dns = TableResolver({"t.me": ["127.0.0.1"]})
    bot = NewsBot(s, console=True, http=False,
                  fetcher=build_fetcher(s, dns=dns, public_hosts=frozenset({"t.me"})))
    await bot.prepare()
    try:
        yield bot
    finally:
        await bot.stop()


def private(user: str = "42") -> Context:
    return Context("telegram", user, "private", user)


async def test_addfeed_a_channel_by_handle_or_link(guarded_bot: NewsBot, feed_server: FeedServer) -> None:
    feed_server.add_feed("/s/newswire_ar", page(), content_type=HTML)
    text = (await guarded_bot.commands.handle(private(), "/addfeed @newswire_ar")).plain_text()
    assert "أضفتُ المصدر" in text and "وكالة الأخبار العاجلة" in text, text
    again = (await guarded_bot.commands.handle(private(), "/addfeed https://t.me/newswire_ar")).plain_text()
    assert "مضاف مسبقاً" in again, again
    async with guarded_bot.db.read() as conn:
        feeds = (await conn.execute(select(Feed.url, Feed.trusted, Feed.name))).all()
    assert [(f.url, f.trusted, f.name) for f in feeds] == [
        (f"http://t.me:{feed_server.port}/s/newswire_ar", False, "وكالة الأخبار العاجلة")]
    report = await guarded_bot.poll_once(timeout=10)  # polled through the guard like any chat-added feed
    assert report.failed == 0
    async with guarded_bot.db.read() as conn:
        assert len((await conn.execute(select(Story.id))).all()) == 3


async def test_addfeed_bad_channel_names_get_an_arabic_error(guarded_bot: NewsBot) -> None:
    reply = await guarded_bot.commands.handle(private(), "/addfeed @ab")
    assert reply.error and "ليس اسم قناة تيليجرام صالحًا" in reply.plain_text()


async def test_the_preview_host_goes_through_the_ssrf_guard(tmp_path: Path, feed_server: FeedServer) -> None:
    """Without the test's public-host mapping, t.me resolving to 127.0.0.1 is refused like any private address."""
    write_config(tmp_path / "config", [])
    s = make_settings(tmp_path, telegram_preview_url=f"http://t.me:{feed_server.port}/s/")
    bot = NewsBot(s, console=True, http=False, fetcher=build_fetcher(s, dns=TableResolver({"t.me": ["127.0.0.1"]})))
    await bot.prepare()
    try:
        feed_server.add_feed("/s/newswire_ar", page(), content_type=HTML)
        reply = await bot.commands.handle(private(), "/addfeed @newswire_ar")
        assert reply.error and "عنوان داخلي" in reply.plain_text(), reply.plain_text()
        assert feed_server.hits["/s/newswire_ar"] == 0
    finally:
        await bot.stop()
