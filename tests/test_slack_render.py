"""Slack rendering without a network: escaping, look-alikes, Block Kit limits, replies and buttons."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.slack.render import (
    HEADER_MAX,
    SECTION_MAX,
    alert_message,
    from_slack,
    inert,
    note_text,
    plain_payload,
    render_spans,
    reply_payload,
)
from bot.alerts.model import Alert, Match, Span, Topic, format_alert
from bot.commands.reply import Button, Reply, bold, command
from bot.commands.reply import note as reply_note
from bot.commands.texts import T
from tests.fakes.slack_api import validate_blocks

TZ = ZoneInfo("Asia/Riyadh")
NATO = Topic("nato", "حلف الناتو", "الناتو")


def alert(title: str, summary: str = "", link: str = "https://wire.example/1", matches: tuple = (),
          topics: tuple = (NATO,)) -> Alert:
    return Alert(1, title, summary, link, "وكالة", datetime(2026, 5, 1, 10, tzinfo=UTC), topics, matches)


@pytest.mark.parametrize(("raw", "shown"), [
    ("<!channel> <!here|here> <@U123> <#C1|general>",
     "&lt;!channel&gt; &lt;!here|here&gt; &lt;@U123&gt; &lt;#C1|general&gt;"),
    ("<https://evil.example|click>", "&lt;https://evil.example|click&gt;"),
    ("A & B &amp;", "A &amp; B &amp;amp;"),
    ("*bold* _it_ ~gone~ `code`", "\u2217bold\u2217 \u02cdit\u02cd \u223cgone\u223c \u02cbcode\u02cb"),
    ("وقف * لإطلاق النار", "وقف * لإطلاق النار"),  # a lone * between spaces cannot format: kept as typed
])
def test_inert_text(raw: str, shown: str) -> None:
    assert inert(raw) == shown


def test_from_slack_gives_back_what_the_user_typed() -> None:
    assert from_slack("watch AT&amp;T &lt;x&gt;") == "watch AT&T <x>"
    assert from_slack("addfeed <https://a.example/rss?x=1&amp;y=2|a.example/rss>") == \
        "addfeed https://a.example/rss?x=1&y=2"
    assert from_slack("watch <@U1|alice> <#C1|general> <!here>") == "watch @alice #general @here"


def test_spans_bold_only_from_our_spans_and_links_are_safe() -> None:
    line = (Span("\u200f"), Span("قال "), Span("حلف *الناتو*", bold=True), Span(" إن "),
            Span("x", href="https://a.example/p?q=1&r=|2 3>"), Span(" وال"), Span("ناتو", bold=True))
    text = render_spans(line)
    assert "*حلف \u2217الناتو\u2217*" in text
    assert "<https://a.example/p?q=1&amp;r=%7C2%203%3E|x>" in text
    assert text.endswith(" وال\u200b*ناتو*")  # mid-word bold gets a zero-width edge
    assert render_spans((Span("x", href="javascript:alert(1)"),)) == "x"  # only http(s) links
    assert render_spans((Span("\u2066https://a.example/a_b*c\u2069"),)) == "\u2066<https://a.example/a_b*c>\u2069"


def test_alert_blocks_limits_and_fallback() -> None:
    huge = "الناتو " + "كلمة & " * 2000
    view = format_alert(alert(huge, huge + " نهاية", matches=(Match("nato", "الناتو", "summary", 0, 6, "الناتو"),)),
                        TZ, summary_limit=20000, title_limit=20000)
    text, blocks = alert_message(view)
    assert validate_blocks(blocks) == []
    assert len(blocks[1]["text"]["text"]) <= SECTION_MAX and len(blocks[0]["text"]["text"]) <= HEADER_MAX
    assert blocks[1]["text"]["text"].count("<https://wire.example/1|") == 1
    assert "\u2026\u2069>\n" in blocks[1]["text"]["text"]  # the title is cut at a word, its isolate closed
    assert "&amp;" in text and len(text) < 10000

    many = tuple(Topic(f"t{i}", "موضوع طويل الاسم جداً " * 3, f"t{i}") for i in range(12))
    _text, blocks = alert_message(format_alert(alert("عنوان", topics=many), TZ))
    assert validate_blocks(blocks) == [] and blocks[0]["text"]["text"].endswith("…")

    _text, blocks = alert_message(format_alert(alert("عنوان بلا رابط", link=""), TZ))
    assert validate_blocks(blocks) == [] and "<" not in blocks[1]["text"]["text"]
    _text, blocks = alert_message(format_alert(alert("رابط عجيب", link="https://a.example/" + "&" * 3000), TZ))
    assert validate_blocks(blocks) == [] and "<" not in blocks[1]["text"]["text"]


def test_plain_payload_is_the_whole_alert_escaped() -> None:
    text = plain_payload(format_alert(alert("الناتو <@U1>", "ملخص *مهم*"), TZ))
    assert "&lt;@U1&gt;" in text and "\u2217مهم\u2217" in text and "https://wire.example/1" in text
    assert "<" not in text


def test_reply_buttons_split_into_actions_blocks_of_25() -> None:
    reply = Reply().add(bold("الموضوعات:"))
    reply.buttons = [[Button(f"✅ موضوع {i}", f"toggle:w{i}"), Button(f"⬜ موضوع {i}b", f"toggle:w{i}b")]
                     for i in range(15)]
    reply.buttons.append([Button("مكرر", "toggle:w0")])  # a duplicate action id is dropped
    payload = reply_payload(reply)
    actions = [b for b in payload["blocks"] if b["type"] == "actions"]
    assert [len(b["elements"]) for b in actions] == [25, 5]
    assert validate_blocks(payload["blocks"]) == []
    assert payload["blocks"][0]["text"]["text"] == "\u200f\u200b*الموضوعات:*"  # RLM, then a clean word edge


def test_long_replies_are_split_into_sections() -> None:
    reply = Reply()
    for i in range(400):
        reply.add(f"سطر رقم {i} ", command("subscribe"), " <تفاصيل> " * 5)
    payload = reply_payload(reply, command="/akhbar")
    assert validate_blocks(payload["blocks"]) == []
    assert 2 < len(payload["blocks"]) <= 50
    assert all(len(b["text"]["text"]) <= SECTION_MAX for b in payload["blocks"])
    assert "/akhbar subscribe" in payload["blocks"][0]["text"]["text"]
    assert "<تفاصيل>" not in payload["text"] and "&lt;تفاصيل&gt;" in payload["text"]


def test_note_names_the_user_and_nothing_else_pings() -> None:
    told = reply_note(T.NOTE_WATCH_ADDED, term="<!channel>")
    note = note_text("U0ABC123", told)
    assert note.startswith("\u200f") and note.endswith("عبارة «&lt;!channel&gt;» إلى متابعات هذه القناة.")
    assert re.findall(r"<[^>]*>", note) == ["<@U0ABC123>"]
    assert note.index("<@U0ABC123>") < note.index("عبارة")  # "أضاف <@U…> عبارة…": the third person
    assert "<@" not in note_text("<!channel>", told)
    assert "/akhbar resume" in note_text("U0ABC123", reply_note(T.NOTE_PAUSED), command="/akhbar")
