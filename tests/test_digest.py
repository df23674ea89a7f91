"""Digests: Arabic counts, grouping by watchlist, newest first, one story once, size splits, nothing when empty."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.alerts.digest import compose_digest, digest_header, utf16_units
from bot.alerts.model import Line
from bot.alerts.plural import MINUTES, NEWS, SOURCES, counted, spread_phrase
from bot.domain.digest import DigestItem, ListRef, plan_digest

RIYADH = ZoneInfo("Asia/Riyadh")
LONDON = ZoneInfo("Europe/London")
SINCE = datetime(2026, 12, 3, 20, 0, tzinfo=UTC)  # 23:00 in Riyadh
NATO = ListRef("nato", "الناتو")
GAZA = ListRef("gaza", "غزة")
OIL = ListRef("oil", "النفط")


def item(story: int, minutes: int, *lists: ListRef, title: str | None = None, urgent: bool = False,
         outlet: str = "الجزيرة") -> DigestItem:
    return DigestItem(story, title or f"عنوان الخبر {story}", f"https://news.example/{story}", outlet,
                      SINCE + timedelta(minutes=minutes), lists, urgent)


@pytest.mark.parametrize(("n", "words"), [
    (1, "خبر واحد"), (2, "خبران"), (3, "3 أخبار"), (10, "10 أخبار"), (11, "11 خبراً"), (14, "14 خبراً"),
    (99, "99 خبراً"), (100, "100 خبر"), (101, "101 خبر"), (102, "102 خبر"), (103, "103 أخبار"),
    (111, "111 خبراً"), (1000, "1000 خبر"), (0, "لا أخبار"),
])
def test_news_counts(n: int, words: str) -> None:
    assert counted(n, NEWS) == words


def test_other_nouns_and_the_spread_wording() -> None:
    assert [counted(n, SOURCES) for n in (1, 2, 4, 11, 100)] == ["مصدر واحد", "مصدران", "4 مصادر", "11 مصدراً",
                                                                  "100 مصدر"]
    assert [counted(n, MINUTES) for n in (1, 2, 12, 5)] == ["دقيقة واحدة", "دقيقتين", "12 دقيقة", "5 دقائق"]
    assert spread_phrase(4, 12) == "تتناقله 4 مصادر خلال 12 دقيقة"
    assert spread_phrase(3, 7) == "تتناقله 3 مصادر خلال 7 دقائق"


def test_header_in_the_chat_zone() -> None:
    assert digest_header(14, SINCE, RIYADH) == "ملخص الأخبار: 14 خبراً منذ 23:00"
    assert digest_header(1, SINCE, ZoneInfo("UTC")) == "ملخص الأخبار: خبر واحد منذ 20:00"
    assert digest_header(2, SINCE, RIYADH, now=SINCE + timedelta(hours=8)) == "ملخص الأخبار: خبران منذ 23:00"
    assert digest_header(3, SINCE, RIYADH, now=SINCE + timedelta(hours=2)) == "ملخص الأخبار: 3 أخبار منذ 23:00"
    assert digest_header(5, SINCE, RIYADH, now=SINCE + timedelta(hours=24)) == "ملخص الأخبار: 5 أخبار منذ 3 ديسمبر 23:00"


def test_empty_input_gives_no_digest() -> None:
    assert plan_digest([], SINCE) is None
    assert compose_digest([], SINCE, RIYADH) == []


def test_groups_order_and_one_story_once() -> None:
    items = [item(1, 5, GAZA), item(2, 50, NATO), item(3, 30, GAZA, NATO), item(4, 40, GAZA),
             item(5, 10, NATO), item(3, 30, NATO)]  # story 3 held twice
    plan = plan_digest(items, SINCE)
    assert plan is not None and plan.count == 5
    assert [g.list.id for g in plan.groups] == ["nato", "gaza"]  # the group with the newest story first
    assert [[p.item.story_id for p in g.items] for g in plan.groups] == [[2, 5], [4, 3, 1]]
    story3 = plan.groups[1].items[1]
    assert story3.also == ("الناتو",)

    [msg] = compose_digest(items, SINCE, RIYADH)
    assert msg.story_ids == (2, 5, 4, 3, 1)
    text = msg.plain_text()
    assert text.splitlines()[0] == "\u200fملخص الأخبار: 5 أخبار منذ 23:00"
    assert text.count("عنوان الخبر 3") == 1
    assert "أيضاً في: \u2067الناتو\u2069" in text
    assert text.index("الناتو") < text.index("غزة")
    assert "23:50" in text and "23:05" in text  # item times in the chat's zone


def test_story_links_outlets_and_urgent_flag() -> None:
    [msg] = compose_digest([item(7, 3, OIL, urgent=True, outlet="Reuters", title="Oil jumps <b>8%</b>")], SINCE,
                           LONDON)
    spans = [s for ln in msg.lines for s in ln]
    linked = [s for s in spans if s.href]
    assert [s.href for s in linked] == ["https://news.example/7"]
    assert "Oil jumps <b>8%</b>" in linked[0].text  # raw: the platform renderer escapes it
    text = msg.plain_text()
    assert "\u2068Reuters\u2069 · 20:03" in text
    assert "🔴" in text and "أُرسل تنبيهاً عاجلاً" in text
    assert text.splitlines()[0].endswith("خبر واحد منذ 20:00")


def test_group_order_ties_by_label() -> None:
    plan = plan_digest([item(1, 5, NATO), item(2, 5, OIL), item(3, 5, GAZA)], SINCE)
    assert plan is not None
    assert [g.list.label for g in plan.groups] == sorted(["الناتو", "النفط", "غزة"])


def test_items_without_lists_still_appear() -> None:
    [msg] = compose_digest([item(1, 5)], SINCE, RIYADH)
    assert "أخبار أخرى" in msg.plain_text()


def _size(lines: tuple[Line, ...]) -> int:
    return sum(utf16_units(ln) for ln in lines) + len(lines) - 1


def test_one_message_when_it_fits() -> None:
    items = [item(i, i, GAZA if i % 2 else NATO) for i in range(1, 30)]
    msgs = compose_digest(items, SINCE, RIYADH)
    assert len(msgs) == 1 and len(msgs[0].story_ids) == 29


def test_split_by_characters() -> None:
    items = [item(i, i, GAZA if i % 3 else NATO, title="خبر طويل " * 20 + str(i)) for i in range(1, 61)]
    msgs = compose_digest(items, SINCE, RIYADH, max_chars=4096)
    assert len(msgs) > 1
    assert all(_size(m.lines) <= 4096 for m in msgs)
    ids = [i for m in msgs for i in m.story_ids]
    assert sorted(ids) == list(range(1, 61)) and len(ids) == len(set(ids))
    assert msgs[0].plain_text().splitlines()[0].endswith("60 خبراً منذ 23:00")
    for m in msgs[1:]:
        assert m.plain_text().splitlines()[0] == "\u200fملخص الأخبار (تتمة)"
        assert "(تابع)" in m.plain_text().splitlines()[1] or m.plain_text().splitlines()[1].startswith("\u200f▪️")


def test_split_by_items_and_continued_groups() -> None:
    items = [item(i, i, NATO) for i in range(1, 8)]
    msgs = compose_digest(items, SINCE, RIYADH, max_items=3)
    assert [len(m.story_ids) for m in msgs] == [3, 3, 1]
    assert [i for m in msgs for i in m.story_ids] == [7, 6, 5, 4, 3, 2, 1]
    assert "(تابع)" not in msgs[0].plain_text()
    assert all("(تابع)" in m.plain_text().splitlines()[1] for m in msgs[1:])


def test_an_oversized_title_is_shortened_to_fit() -> None:
    msgs = compose_digest([item(1, 1, NATO, title="كلمة " * 2000), item(2, 2, NATO)], SINCE, RIYADH, max_chars=500)
    assert all(_size(m.lines) <= 500 for m in msgs)
    assert sorted(i for m in msgs for i in m.story_ids) == [1, 2]
    assert "…" in msgs[-1].plain_text() or "…" in msgs[0].plain_text()


def test_a_custom_measure() -> None:
    """Slack's renderer counts link markup: the caller passes its own measure."""
    def with_links(line: Line) -> int:
        return sum(len(s.text) + (len(s.href) + 3 if s.href else 0) for s in line)

    items = [item(i, i, GAZA) for i in range(1, 40)]
    msgs = compose_digest(items, SINCE, RIYADH, max_chars=1000, measure=with_links)
    assert len(msgs) > 1
    assert all(sum(with_links(ln) for ln in m.lines) + len(m.lines) - 1 <= 1000 for m in msgs)
