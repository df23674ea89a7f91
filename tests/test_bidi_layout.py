"""Latin-first Arabic lines laid out right to left, checked with a real bidi algorithm (issue 14, item 3).

"NATO تعلن رفع الجاهزية في البحر الأسود" isolated with FSI would put NATO at the far left; every
isolation site (titles, summaries, source names, matched words, outlets, reply values, usage lines)
must keep the reader's order: NATO first, at the right. Every reply template, every alert variant
(Telegram and Slack) and the real PTB app's messages are run through python-bidi.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.adapters.slack.render import alert_message, reply_payload
from bot.adapters.telegram.render import render_alert, render_reply
from bot.alerts.arabic import FSI, PDI, RLI, RLM, isolate, isolate_mark
from bot.alerts.model import Alert, Match, Outlet, Topic, format_alert
from bot.commands.reply import Reply, phrase
from bot.commands.table import COMMANDS
from bot.commands.texts import FETCH_REASONS, TERM_ERRORS, T
from tests.fakes.telegram_api import FakeTelegramAPI, parse_html
from tests.support.bidi import check_latin_first, leads, visual
from tests.support.telegram import USER, Env, alerts, env, fake, ptb_timedelta

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

TZ = ZoneInfo("Asia/Riyadh")
TITLE = "NATO تعلن رفع الجاهزية في البحر الأسود."
SOURCE = "CNN: الحلف يرفع…"
NATO = Topic("nato", "حلف الناتو", "الناتو")


def block_texts(node: object) -> list[str]:
    """Every mrkdwn text in Slack blocks, in order."""
    if isinstance(node, dict):
        if node.get("type") in ("mrkdwn", "plain_text"):
            return [str(node["text"])]
        return [t for v in node.values() for t in block_texts(v)]
    if isinstance(node, list):
        return [t for v in node for t in block_texts(v)]
    return []


def shown(html: str) -> str:
    return parse_html(html, strict=True)[0]


def test_the_bidi_renderer_sees_what_fsi_got_wrong() -> None:
    """The check itself: FSI puts NATO at the left and the full stop at the right; RLI does not."""
    fsi, rli = f"{RLM}{FSI}{TITLE}{PDI}", f"{RLM}{RLI}{TITLE}{PDI}"
    assert not leads(fsi, "NATO", "تعلن") and leads(rli, "NATO", "تعلن")
    assert visual(rli).index(".") < visual(rli).index("نلعت")  # the full stop ends the line on the left
    assert isolate_mark(TITLE) == RLI and isolate_mark(SOURCE) == RLI and isolate_mark("NATO تعلن") == RLI
    assert isolate_mark("Reuters: Putin meets Xi في بكين", "ar") == RLI  # the feed says Arabic
    assert isolate_mark("NATO summit opens") == FSI  # English stays left to right


def _values(template: str) -> dict[str, str]:
    names = {n for _lit, n, _spec, _conv in string.Formatter().parse(template) if n}
    return {n: isolate(TITLE) for n in names}


TEMPLATES = sorted(
    [(f"T.{k}", v) for k, v in vars(T).items() if isinstance(v, str) and not k.startswith("_")]
    + [(f"FETCH_REASONS[{k}]", v) for k, v in FETCH_REASONS.items()]
    + [(f"TERM_ERRORS[{k}]", v) for k, v in TERM_ERRORS.items()])


@pytest.mark.parametrize(("name", "template"), TEMPLATES, ids=[n for n, _t in TEMPLATES])
def test_every_reply_template_keeps_latin_first_values_right_to_left(name: str, template: str) -> None:
    values = _values(template)
    reply = Reply().add(*phrase(template, **values))
    telegram = shown(render_reply(reply).html)
    slack = reply_payload(reply)["blocks"][0]["text"]["text"] if reply.lines else ""
    if values:
        assert check_latin_first(telegram) >= 1, telegram
        assert check_latin_first(slack, slack=True) >= 1, slack
    first = template.split("{")[0].split()
    if values and first and any("\u0600" <= ch <= "\u06ff" for ch in first[0]):
        # The sentence's own first word still opens the line (rightmost), before the value.
        word = first[0].strip("«»:،.")
        assert visual(telegram).rindex(word[::-1]) > visual(telegram).index("NATO"), visual(telegram)


def test_every_usage_line_reads_command_then_description() -> None:
    """/help: each usage (kept left to right as a whole) opens its line, the description follows."""
    from bot.commands.about import add_command_list
    text = shown(render_reply(add_command_list(Reply(), COMMANDS.values())).html)
    for cmd, line in zip(COMMANDS.values(), text.split("\n"), strict=True):
        screen = visual(line)
        assert f"/{cmd.name}" in screen
        described = cmd.description.split()[0]
        assert screen.index(f"/{cmd.name}") > screen.index(described[::-1]), (line, screen)


def _alert(**kw: object) -> Alert:
    values: dict[str, object] = dict(
        story_id=1, title=TITLE, summary="NATO تعلن أيضاً أن الحلف يرفع مستوى التأهب.", link="https://cnn.example/1",
        source=SOURCE, published_at=datetime(2026, 11, 29, 10, 5, tzinfo=UTC), topics=(NATO,),
        matches=(Match("nato", "nato", "title", 0, 4, "NATO"), Match("nato", "nato", "summary", 0, 4, "NATO")),
        also=(Outlet("CNN: الحلف يرفع الجاهزية", "https://cnn.example/2"), Outlet("BBC عربي", None)), lang="ar")
    values.update(kw)
    return Alert(**values)  # type: ignore[arg-type]


VARIANTS = {
    "full": _alert(),
    "no summary": _alert(summary=""),
    "summary equals title": _alert(summary=TITLE),
    "no outlets": _alert(also=()),
    "feed language unknown": _alert(lang=None),
    "no matches": _alert(matches=()),
    "long title": _alert(title="NATO تعلن " + "رفع الجاهزية في البحر الأسود " * 30),
    "no date": _alert(published_at=None),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_alert_variant_reads_right_to_left_on_both_platforms(variant: str) -> None:
    view = format_alert(VARIANTS[variant], TZ)
    telegram = shown(render_alert(view).html)
    assert check_latin_first(telegram) >= 2, telegram  # the title and the source at least
    text, blocks = alert_message(view)
    slack = "\n".join(block_texts(blocks))
    assert check_latin_first(slack, slack=True) >= 2, slack
    title_line = next(ln for ln in telegram.split("\n") if "NATO تعلن" in ln)
    if title_line.rstrip("\u2069").endswith("."):
        assert visual(title_line).index(".") < visual(title_line).index("نلعت")  # full stop on the left


async def test_real_app_messages_read_right_to_left(env: Env, fake: FakeTelegramAPI) -> None:
    """Through the real PTB app: a term, a preview, /watchlist, /unwatch and an alert from "CNN: …"."""
    env.feeds.add_feed("/cnn.xml", b"")
    from tests.conftest import write_config
    from tests.fakes.feed_server import Item, rss2
    env.feeds.set_body("/cnn.xml", rss2([Item("بداية", "https://cnn.example/start")], title=SOURCE))
    write_config(env.tmp_path / "config", [{"id": "cnn", "url": env.feeds.url("/cnn.xml"), "name": f'"{SOURCE}"',
                                            "language": "ar"}])
    bot = await env.start()
    replies = []
    replies += await env.command(USER, USER, "/watch الجاهزية")
    env.feeds.set_body("/cnn.xml", rss2([Item(TITLE, "https://cnn.example/1", "CNN: الحلف يرفع الجاهزية اليوم.",
                                              published=datetime.now(UTC))], title=SOURCE))
    await bot.tick()
    [alert] = alerts(fake, USER)
    for text in ("/preview الجاهزية", "/feeds", "/status"):
        replies += await env.command(USER, USER, text)
    assert check_latin_first(alert.plain_text) >= 3  # title, summary, source
    assert sum(check_latin_first(m.plain_text) for m in replies) >= 2, [m.plain_text for m in replies]
