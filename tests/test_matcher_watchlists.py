"""The curated lists, topic by topic (✔ must fire, ✘ must not), and watchlist mechanics."""

from __future__ import annotations

import pytest

from bot.domain.forms import english_plurals
from bot.domain.matcher import Matcher
from bot.domain.text import normalize
from bot.domain.watchlists import Term, TermError, Watchlist, parse_term, term_key
from tests.support.matcher_cases import TOPICS
from tests.support.matching import builtin_lists, fires, ids, user_fires, user_list

YES = [(topic, text) for topic, (yes, _) in TOPICS.items() for text in yes]
NO = [(topic, text) for topic, (_, no) in TOPICS.items() for text in no]


@pytest.mark.parametrize(("topic", "text"), YES)
def test_topic_fires(topic: str, text: str) -> None:
    assert fires(topic, text)
    assert fires(topic, f"عاجل: {text} - مصادر") and fires(topic, f"Breaking: {text} - sources")


@pytest.mark.parametrize(("topic", "text"), NO)
def test_topic_does_not_fire(topic: str, text: str) -> None:
    assert not fires(topic, text)


def test_config_loads_cleanly_with_every_topic() -> None:
    assert [w.id for w in builtin_lists()] == [
        "ceasefire", "black-sea", "nato", "putin", "trump", "zelensky", "ukraine", "kremlin", "russia", "gaza",
        "hamas", "israel", "iran", "un", "syria", "lebanon", "hezbollah", "houthis", "sudan",
    ]
    for wl in builtin_lists():
        keys = [(term_key(t.text), t.proper, t.upper, t.near) for t in wl.terms]
        assert len(keys) == len(set(keys)), f"{wl.id}: two terms normalise alike"
        assert wl.builtin and wl.label


# ------------------------------------------------- user terms like built-ins
SIMPLE_BUILTIN_TERMS = [
    (wl.id, t.text) for wl in builtin_lists() if wl.id in TOPICS
    for t in wl.terms if not (t.near or t.proper or t.upper)
]


@pytest.mark.parametrize(("topic", "term"), SIMPLE_BUILTIN_TERMS)
def test_a_term_added_by_a_user_behaves_like_the_built_in_one(topic: str, term: str) -> None:
    """Every positive example the built-in list fires on through this term, /watch TERM fires on too."""
    own = Matcher([Watchlist(topic, topic, (Term(term),))])
    mine = Matcher([user_list(term)])
    plurals = english_plurals(normalize(term).split()[-1])
    for text in TOPICS[topic][0] + TOPICS[topic][1]:
        expected = {(m.start, m.end, m.surface) for m in own.match(text)}
        got = {(m.start, m.end, m.surface) for m in mine.match(text)}
        assert expected <= got, (term, text)
        assert all(normalize(surface).split()[-1] in plurals for _, _, surface in got - expected), (term, text)


def test_most_curated_terms_have_an_example_above() -> None:
    """Keeps the comparison above from passing vacuously."""
    fired = [term for topic, term in SIMPLE_BUILTIN_TERMS
             if any(Matcher([Watchlist(topic, topic, (Term(term),))]).match(t) for t in TOPICS[topic][0])]
    assert len(fired) >= 0.7 * len(SIMPLE_BUILTIN_TERMS)


def test_one_list_holds_every_name_of_nato() -> None:
    m = Matcher([user_list("NATO", "الناتو", "حلف شمال الأطلسي", wl_id="custom:7")])
    for text in ("NATO summit", "قمة الناتو", "قمة حلف شمال الأطلسي", "والناتو", "Nato's chief", "لحلف شمال الأطلسي"):
        assert m.matched_ids(text) == ["custom:7"], text
    assert m.matched_ids("السيناتور والأطلسي") == []


def test_arabic_and_english_terms_share_a_list() -> None:
    m = Matcher([user_list("ceasefire", "وقف إطلاق النار", "هدنة", wl_id="custom:9")])
    assert m.matched_ids("Gaza ceasefire holds") == ["custom:9"]
    assert m.matched_ids("صمود الهدنة") == ["custom:9"]
    assert [x.term for x in m.match("Ceasefire: وقف إطلاق النار")] == ["ceasefire", "وقف إطلاق النار"]


def test_user_and_builtin_lists_fire_independently() -> None:
    m = Matcher([*builtin_lists(), user_list("الناتو", "Black Sea")])
    assert m.matched_ids("قمة الناتو", "Protesters formed a black sea of flags") == ["custom:1", "nato"]
    assert user_fires("Black Sea", "the black sea of flags")  # a plain user term has no case rule


# ---------------------------------------------------------- term parsing
@pytest.mark.parametrize(("text", "code"), [
    ("", "empty"), ("   ", "empty"), ("*", "no_letters"), ("!!!", "no_letters"), ("* الناتو", "wildcard_edge"),
    ("الناتو *", "wildcard_edge"), ("x" * 101, "too_long"), ("a", "too_short"), ("ـ", "no_letters"),
    (" ".join(["كلمة"] * 13), "too_many_words"),
])
def test_term_errors(text: str, code: str) -> None:
    with pytest.raises(TermError) as err:
        parse_term(text)
    assert err.value.code == code


def test_term_keys_fold_spellings_together() -> None:
    assert term_key("النّـاتو") == term_key("الناتو") == "الناتو"
    assert term_key("وقف  *  لإطلاق النار") == "وقف * لاطلاق النار"
    assert term_key("Black SEA") == "black sea"
    assert parse_term("وقف ** لإطلاق النار").gaps == (2,)


def test_wildcard_exclusions_chain_their_segments() -> None:
    assert not fires("kremlin", "زار السياح كرملين نيجني نوفغورود")
    assert fires("kremlin", "قال الكرملين إن الزيارة إلى نوفغورود تأجلت")
    wl = Watchlist("x", "x", (Term("الكرملين"),), exclude=("كرملين * نوفغورود",))
    assert Matcher([wl]).matched_ids("الكرملين أعلن، وفي نيجني نوفغورود احتفال") == ["x"]


def test_near_rule_counts_words_and_stays_in_its_field() -> None:
    assert fires("nato", "اجتماع قوات الأطلسي")
    assert not fires("nato", "قوات بحرية في الأطلسي")
    assert "nato" not in ids("اجتماع القمة", "الأطلسي يشهد عاصفة")


# ---------------------------------------------------------------- edits
def test_set_replace_remove_and_compact() -> None:
    m = Matcher(builtin_lists())
    assert m.matched_ids("ارتفاع أسعار النفط") == []
    m.set_watchlist(user_list("النفط"))
    assert m.matched_ids("ارتفاع أسعار النفط") == ["custom:1"]
    assert "custom:1" in m.watchlists and not m.needs_compaction
    m.set_watchlist(user_list("الذهب"))
    assert m.matched_ids("ارتفاع أسعار النفط") == [] and m.matched_ids("الذهب") == ["custom:1"]
    m.compact()
    assert m.matched_ids("بالذهب") == ["custom:1"]
    m.remove_watchlist("custom:1")
    assert m.matched_ids("الذهب") == [] and "custom:1" not in m.watchlists
    m.remove_watchlist("ceasefire")
    assert m.matched_ids("هدنة") == []
    m.compact()
    assert m.matched_ids("هدنة قرب البحر الأسود") == ["black-sea"]


def test_needs_compaction_after_many_edits() -> None:
    m = Matcher(builtin_lists(), overlay_limit=3)
    for i in range(4):
        m.set_watchlist(user_list(f"كلمة{i}", wl_id=f"custom:{i}"))
    assert m.needs_compaction
    m.compact()
    assert not m.needs_compaction
    assert m.matched_ids("كلمة2") == ["custom:2"]
