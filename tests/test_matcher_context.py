"""Context vetoes (``unless``): a namesake named with its context stays quiet in the whole story,
and the spellings the held-out set found missing (✔ must fire, ✘ must not)."""

from __future__ import annotations

import pytest

from bot.domain.matcher import Matcher
from bot.domain.user_lists import builtin_rules, custom_watchlist
from bot.domain.watchlists import Term, Watchlist, WatchlistError, watchlist_from_mapping
from tests.support.matching import builtin_lists, ids

# (topic, title, summary, fires?)
CASES: list[tuple[str, str, str, bool]] = [
    # the footballer, named with his club or a match, never with his first name
    ("zelensky", "زيلينسكي يقترب من الرحيل عن الإنتر", "", False),
    ("zelensky", "تقارير: زيلينسكي على رادار النيراتزوري", "", False),
    ("zelensky", "زيلينسكي يسجل", "وسجل هدفا في شباك روما في الدوري الإيطالي", False),
    ("zelensky", "فوز نابولي", "وأحرز زيلينسكي هدف الفوز في الدقيقة 80", False),
    ("zelensky", "Zielinski close to Napoli exit", "زيلينسكي: أنا سعيد في نابولي", False),
    ("zelensky", "انتهت المباراة بهدفين", "وشارك زيلنسكي في خط الوسط", False),
    # the president, with the words political news shares with football
    ("zelensky", "زيلينسكي يلتقي ترامب بهدف بحث وقف إطلاق النار", "", True),
    ("zelensky", "زيلينسكي يصل إلى باريس", "لحضور الاجتماع الدوري لنادي باريس للدائنين", True),
    ("zelensky", "Zelensky says", "the goal is a lasting peace", True),
    ("zelensky", "Zelensky meets Inter Milan fans", "", False),  # the veto is the story's, any language
    # the Kazan citadel named first, the bare word later
    ("kremlin", "جولة في كرملين قازان", "وقال الدليل إن الكرملين بني في القرن السادس عشر", False),
    ("kremlin", "سياح في كرملين كازان", "", False),
    ("kremlin", "الكرملين في كازان يستقبل الزوار", "", False),
    ("kremlin", "Tourists flock to the Kazan Kremlin", "The Kremlin's walls were restored", False),
    ("kremlin", "قال الكرملين إن بوتين سيزور قازان", "", True),
    ("kremlin", "The Kremlin said Putin will visit Kazan", "", True),
    # spellings
    ("putin", "بوتن يستقبل", "", True),
    ("putin", "لبوتن", "", True),
    ("trump", "إيفانا ترامب في نيويورك", "", False),
    ("trump", "السيدة ترامب تزور مستشفى", "", False),
    ("trump", "السيدة ترمب", "", False),
    ("trump", "Ivana Trump's memoir", "", False),
    ("trump", "Mrs. Trump visits", "", False),
    ("trump", "السيدة ترامب", "وقال الرئيس ترامب إن", True),  # the president is named too
]


@pytest.mark.parametrize(("topic", "title", "summary", "expected"), CASES)
def test_context_vetoes_and_spellings(topic: str, title: str, summary: str, expected: bool) -> None:
    assert (topic in ids(title, summary)) is expected


def test_a_context_veto_does_not_touch_other_lists() -> None:
    found = ids("زيلينسكي يقترب من الإنتر", "وقف إطلاق النار في أوكرانيا")
    assert "zelensky" not in found and {"ceasefire", "ukraine"} <= set(found)


def test_a_user_term_that_is_a_built_in_one_inherits_its_context_veto() -> None:
    own = custom_watchlist(7, ["زيلينسكي", "الإنتر"], builtin_rules(builtin_lists()))
    m = Matcher([own])
    assert [x.term for x in m.match("زيلينسكي إلى الإنتر")] == ["الإنتر"]
    assert [x.term for x in m.match("زيلينسكي في واشنطن")] == ["زيلينسكي"]


def test_unless_on_a_term_and_on_a_list() -> None:
    wl = watchlist_from_mapping({
        "id": "x", "label": "x", "unless": ["football"],
        "terms": ["alpha", {"term": "beta", "unless": "basket"}],
    })
    assert wl.terms[0].unless == ("football",) and wl.terms[1].unless == ("football", "basket")
    m = Matcher([wl])
    assert m.matched_ids("alpha and beta") == ["x"]
    assert m.matched_ids("alpha", "a football story") == []
    assert [x.term for x in m.match("alpha beta", "basket")] == ["alpha"]
    # the veto phrase is found with the same machinery as terms: clitics, whole words
    m2 = Matcher([Watchlist("y", "y", (Term("زيلينسكي", unless=("نابولي",)),))])
    assert m2.matched_ids("زيلينسكي", "ولنابولي") == []
    assert m2.matched_ids("زيلينسكي", "نابوليون") == ["y"]


@pytest.mark.parametrize("bad", [{"unless": [""]}, {"unless": 5}, {"unless": ["*"]}])
def test_a_bad_unless_is_a_config_error(bad: dict[str, object]) -> None:
    with pytest.raises(WatchlistError, match="unless"):
        watchlist_from_mapping({"id": "x", "label": "x", "terms": ["alpha"], **bad})
