"""Spans: a Match's start/end slice the ORIGINAL field text to the matched words."""

from __future__ import annotations

import pytest

from bot.domain.matcher import Match, Matcher
from bot.domain.text import normalize
from tests.support.matching import builtin_matcher, user_matcher


def only(matches: list[Match], watchlist: str | None = None) -> Match:
    found = [m for m in matches if watchlist is None or m.watchlist == watchlist]
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(("text", "topic", "surface"), [
    ("قال إنَّ وَقْفَ إِطْلَاقِ النَّارِ صامد", "ceasefire", "وَقْفَ إِطْلَاقِ النَّارِ"),
    ("قمة النـاتو اليوم", "nato", "النـاتو"),
    ("قمة النّاتو", "nato", "النّاتو"),
    ("\u200fترامب: لا اتفاق", "trump", "ترامب"),
    ("لقاء \u2067بوتين\u2069 وترمب", "putin", "بوتين"),
    ("ﺍﻟﻨﺎﺗﻮ يجتمع", "nato", "ﺍﻟﻨﺎﺗﻮ"),
    ("قمة الـ«ناتو» في لاهاي", "nato", "الـ«ناتو"),
    ("&quot;NATO&quot; summit", "nato", "NATO"),
    ("Black&amp;nbsp;Sea fleet", "black-sea", "Black&amp;nbsp;Sea"),
    ("Talks &amp; more: Putin&#039;s plan", "putin", "Putin"),
    ("Ships #BlackSea", "black-sea", "#BlackSea"),
    ("#BlackSeaFleet", "black-sea", "#BlackSea"),
    ("#NATOSummit", "nato", "#NATO"),
    ("وسم #وقف_إطلاق_النار يتصدر", "ceasefire", "#وقف_إطلاق_النار"),
    ("ضربة على كييف\u200f.", "ukraine", "كييف"),
    ("وقف فوري ودائم لإطلاق النار", "ceasefire", "وقف فوري ودائم لإطلاق النار"),
    ("البحر\u00a0\u00a0الأسود", "black-sea", "البحر\u00a0\u00a0الأسود"),
    ("½ بوتين ﻻ", "putin", "بوتين"),
    ("𝐍𝐀𝐓𝐎 and NATO", "nato", "𝐍𝐀𝐓𝐎"),
])
def test_span_slices_the_original_words(text: str, topic: str, surface: str) -> None:
    m = next(x for x in builtin_matcher().match(text) if x.watchlist == topic)
    assert (m.field, m.surface) == ("title", surface)
    assert text[m.start:m.end] == surface


def test_summary_spans_are_relative_to_the_summary() -> None:
    title, summary = "عاجل", "\u200fقال الكرملين إن بوتين سيلتقي ترمب"
    found = builtin_matcher().match(title, summary)
    assert [(m.watchlist, m.field, summary[m.start:m.end]) for m in found] == [
        ("kremlin", "summary", "الكرملين"), ("putin", "summary", "بوتين"), ("trump", "summary", "ترمب"),
    ]


def test_every_occurrence_is_reported_in_text_order() -> None:
    text = "بوتين: لقاء بوتين وترامب، ثم Putin"
    found = builtin_matcher().match(text)
    assert [(m.watchlist, m.start, m.end) for m in found] == [
        ("putin", 0, 5), ("putin", 12, 17), ("trump", 18, 24), ("putin", 29, 34),
    ]


def test_a_longer_alias_hides_the_shorter_one_inside_it() -> None:
    found = builtin_matcher().match("قمة حلف شمال الأطلسي")
    assert [(m.watchlist, m.surface) for m in found] == [("nato", "حلف شمال الأطلسي")]


def test_user_term_span_with_clitics_and_entities() -> None:
    m = only(user_matcher("الناتو").match("قال &quot;للنّاتو&quot; إن"))
    assert (m.surface, m.start, m.end) == ("للنّاتو", 10, 17)
    assert m.term == "الناتو" and m.watchlist == "custom:1"


@pytest.mark.parametrize("text", [
    "وَقْفُ إِطْلَاقِ النَّارِ في غزة", "قمة الـ«ناتو»", "#BlackSea", "لـ\"بوتين\"", "Black&amp;nbsp;Sea",
    "Putin&#039;s", "ﺍﻟﻨﺎﺗﻮ", "وللبحـر الأسـود", "وقف شامل لإطلاق نار",
])
def test_the_surface_alone_matches_the_same_term_end_to_end(text: str) -> None:
    for m in builtin_matcher().match(text):
        alone = [x for x in builtin_matcher().match(m.surface) if x.term == m.term]
        assert alone and (alone[0].start, alone[0].end) == (0, len(m.surface)), (m, alone)
        assert normalize(m.surface)


def test_matches_are_plain_values() -> None:
    a = builtin_matcher().match("Putin")[0]
    b = Matcher(list(builtin_matcher().watchlists.values())).match("Putin")[0]
    assert a == b and hash(a) == hash(b)
    assert a == Match("putin", "Putin", "title", 0, 5, "Putin")
