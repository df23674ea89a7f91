"""Telegram HTML rendering: escaping, mentions, links, the 4096 limit — checked by the fake's tdlib-like parser."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.telegram.render import (
    LIMIT,
    ZWJ,
    escape,
    neutralize,
    render,
    render_alert,
    render_notice,
    render_reply,
    safe_href,
    truncate_line,
    utf16_len,
)
from bot.alerts.model import Alert, Match, Span, Topic, format_alert
from bot.commands.reply import Button, Reply, bold
from bot.delivery.ports import Notice
from tests.fakes.telegram_api import parse_html

TZ = ZoneInfo("Asia/Riyadh")
NATO = Topic("nato", "حلف الناتو", "الناتو")
INJECTION = 'عاجل <a href="https://evil.example/x">انقر هنا</a> </b> <b> AT&T @someone الناتو'


def make_alert(title: str, summary: str = "", link: str = "https://news.example/a?x=1&y=2") -> Alert:
    matches = []
    at = title.find("الناتو")
    if at >= 0:
        matches.append(Match("nato", "الناتو", "title", at, at + len("الناتو"), "الناتو"))
    return Alert(story_id=1, title=title, summary=summary, link=link, source="وكالة @agency",
                 published_at=datetime(2026, 3, 1, 12, 0, tzinfo=UTC), topics=(NATO,), matches=tuple(matches))


def visible(html: str) -> tuple[str, list[dict]]:
    return parse_html(html, strict=True)


def test_injection_in_feed_text_stays_plain_text() -> None:
    view = format_alert(make_alert(INJECTION, summary="<b>غامق</b> & @attacker &amp; </a>"), TZ)
    out = render_alert(view)
    text, entities = visible(out.html)  # raises if Telegram would refuse it
    assert '<a href="https://evil.example/x">انقر هنا</a> </b> <b> AT&T' in text
    assert "<b>غامق</b> & " in text and "&amp; </a>" in text
    # Only our own entities: the bold header, the bold matched word and the story link.
    links = [e for e in entities if e["type"] == "text_link"]
    assert [e["url"] for e in links] == ["https://news.example/a?x=1&y=2"]
    bolds = [text_at(text, e) for e in entities if e["type"] == "bold"]
    assert bolds == ["حلف الناتو", "الناتو"]
    # Mentions are defused with a zero-width joiner; nothing else changed in the words.
    assert "@someone" not in text and f"@{ZWJ}someone" in text
    assert f"@{ZWJ}attacker" in text and f"@{ZWJ}agency" in text
    assert out.plain == text
    assert out.preview_url == "https://news.example/a?x=1&y=2"


def text_at(text: str, entity: dict) -> str:
    raw = text.encode("utf-16-le")
    return raw[entity["offset"] * 2:(entity["offset"] + entity["length"]) * 2].decode("utf-16-le")


def test_href_quotes_and_ampersands_are_escaped() -> None:
    link = 'https://news.example/q?a=1&b="x"<y>'
    view = format_alert(make_alert("قمة الناتو", link=link), TZ)
    out = render_alert(view)
    assert 'href="https://news.example/q?a=1&amp;b=%22x%22%3Cy%3E"' in out.html
    text, entities = visible(out.html)
    assert [e["url"] for e in entities if e["type"] == "text_link"] == ["https://news.example/q?a=1&b=%22x%22%3Cy%3E"]
    assert link in text  # the visible link text is the original


@pytest.mark.parametrize("link", ["javascript:alert(1)", "tg://resolve?domain=spam", "", "https://"])
def test_links_telegram_would_refuse_are_plain_text(link: str) -> None:
    view = format_alert(make_alert("قمة الناتو", link=link), TZ)
    out = render_alert(view)
    _text, entities = visible(out.html)
    assert not [e for e in entities if e["type"] == "text_link"]
    assert out.preview_url is None


def test_escape_and_neutralize() -> None:
    assert escape('<a href="x">&</a>') == '&lt;a href="x"&gt;&amp;&lt;/a&gt;'
    assert escape('"&', attribute=True) == "&quot;&amp;"
    assert neutralize("mail a@b.com or @user_1, but not @ alone or @@") == (
        f"mail a@{ZWJ}b.com or @{ZWJ}user_1, but not @ alone or @@")
    assert neutralize("@الناتو") == "@الناتو"  # not a username: left alone
    assert safe_href("https://ar.example/أخبار/1 2") == "https://ar.example/%D8%A3%D8%AE%D8%A8%D8%A7%D8%B1/1%202"


def test_long_alert_loses_summary_first_then_title_and_stays_valid() -> None:
    summary = ("كلمة " * 2000).strip()
    view = format_alert(make_alert("قمة الناتو " + "عنوان " * 50, summary=summary), TZ, summary_limit=100000)
    out = render_alert(view)
    text, _ = visible(out.html)
    assert utf16_len(text) <= LIMIT
    assert "🔗" in text and "#الناتو" in text and "سبب التنبيه" in text  # the tail survives
    assert "عنوان عنوان عنوان" in text  # the title was not needed to fit
    assert "…" in text

    huge_title = "الناتو " + ("😀كلمة " * 1500)  # astral characters count twice
    view = format_alert(make_alert(huge_title, summary=summary), TZ, summary_limit=100000, title_limit=100000)
    out = render_alert(view)
    text, entities = visible(out.html)
    assert utf16_len(text) <= LIMIT
    assert "كلمة كلمة" not in text.split("\n")[2]  # the summary line went first
    assert "#الناتو" in text and text.count("…") == 1
    assert entities  # still bold and linked


def test_truncate_line_never_splits_a_surrogate_pair_and_keeps_the_closing_isolate() -> None:
    line = (Span("\u200f\u2068"), Span("😀" * 10, bold=True), Span("\u2069"))
    cut = truncate_line(line, 8)
    assert sum(utf16_len(s.text) for s in cut) <= 8
    assert cut[-1].text == "\u2069" and cut[-2].text == "…"
    assert cut[1].text == "😀" * 2 and cut[1].bold


def test_reply_and_notice_render() -> None:
    reply = Reply().add(bold("العنوان:")).add("1 < 2 & ", Span("@channel_name"))
    reply.buttons.append([Button("✅ الناتو", "toggle:nato"), Button("x", "toggle:" + "y" * 80)])
    out = render_reply(reply)
    text, entities = visible(out.html)
    assert "1 < 2 & @\u200dchannel_name" in text
    assert out.buttons == ((("✅ الناتو", "toggle:nato"),),)  # callback data over 64 bytes is dropped
    assert out.preview_url is None

    long = Reply()
    for i in range(400):
        long.add(f"سطر طويل رقم {i} " * 3)
    text, _ = visible(render_reply(long).html)
    assert utf16_len(text) <= LIMIT and text.endswith("…")

    note = render(Notice("تنبيه <تشغيل>", ("المصدر «x» & @ops_team",)))
    text, entities = visible(note.html)
    assert text.startswith("تنبيه <تشغيل>\n") and entities[0]["type"] == "bold"
    assert render_notice(Notice("", ())).empty
