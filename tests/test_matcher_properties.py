"""Properties of normalisation and matching, checked with generated inputs (hypothesis)."""

from __future__ import annotations

import itertools
import re

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from bot.domain.forms import PROCLITICS, english_plurals, first_token_forms
from bot.domain.matcher import Matcher
from bot.domain.text import (
    TokenSpans,
    fold,
    normalize,
    normalize_with_offsets,
    token_spans,
)
from bot.domain.watchlists import Term, Watchlist
from tests.support.matcher_cases import CEASEFIRE_YES, TOPICS
from tests.support.matching import builtin_lists, builtin_matcher, user_list, with_clitic

FAST = settings(max_examples=150, deadline=None, database=None)
SLOW = settings(max_examples=60, deadline=None, database=None)

ARABIC_LETTERS = "ابتثجحخدذرزسشصضطظعغفقكلمنهويءأإآةىؤئ"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
DIACRITICS = "\u064b\u064c\u064d\u064e\u064f\u0650\u0651\u0652\u0670\u0653\u0654\u06e1\u06d6\u0610"
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u2066\u2067\u2068\u2069\u061c\ufeff\u00ad\u2060"
TATWEEL = "\u0640"

# Texts that fire at least one built-in list, written plainly (no entities, no Latin hashtags,
# whose CamelCase split depends on the hashtag staying one word).
POSITIVES = sorted({
    text for _, (yes, _) in TOPICS.items() for text in yes
    if "&" not in text and not re.search(r"#[A-Za-z]", text)
} | set(CEASEFIRE_YES) | {"قال الكرملين إن بوتين التقى ترمب في كييف", "Zelensky and Putin met near the Black Sea"})


def _decorate(text: str, inserts: list[tuple[int, str]]) -> str:
    chars = list(text)
    for pos, mark in sorted(inserts, reverse=True):
        chars.insert(pos % (len(text) + 1), mark)
    return "".join(chars)


decorations = st.lists(
    st.tuples(st.integers(min_value=0, max_value=10_000), st.sampled_from(DIACRITICS + INVISIBLE + TATWEEL)),
    min_size=1, max_size=8,
)


@FAST
@given(st.sampled_from(POSITIVES), decorations)
def test_diacritics_tatweel_and_invisible_marks_never_lose_a_match(text: str, inserts: list[tuple[int, str]]) -> None:
    decorated = _decorate(text, inserts)
    assert normalize(decorated) == normalize(text)
    before = builtin_matcher().matched_ids(text)
    assert before
    assert builtin_matcher().matched_ids(decorated) == before


ARABIC_TERMS = [
    ("الناتو", "nato"), ("ناتو", "nato"), ("الكرملين", "kremlin"), ("البحر الأسود", "black-sea"),
    ("بوتين", "putin"), ("ترامب", "trump"), ("ترمب", "trump"), ("كييف", "ukraine"), ("أوكرانيا", "ukraine"),
    ("زيلينسكي", "zelensky"), ("هدنة", "ceasefire"), ("وقف إطلاق النار", "ceasefire"),
    ("حلف شمال الأطلسي", "nato"),
]


@FAST
@given(st.sampled_from(ARABIC_TERMS), st.sampled_from(sorted(PROCLITICS)), decorations)
def test_a_valid_proclitic_never_loses_a_match(pick: tuple[str, str], clitic: str,
                                               inserts: list[tuple[int, str]]) -> None:
    term, topic = pick
    first, _, rest = term.partition(" ")
    word = with_clitic(clitic, first)
    assume(word is not None)
    story = _decorate(f"قال مسؤول إن {word} {rest}".rstrip() + " اليوم", inserts)
    assert topic in builtin_matcher().matched_ids(story), story
    assert Matcher([user_list(term)]).match(story), story


SINGLE_TERMS = [
    "بوتين", "كييف", "الناتو", "ناتو", "ترامب", "هدنة", "الكرملين", "زيلينسكي", "أوكرانيا", "غزة",
    "NATO", "Putin", "Trump", "Kyiv", "Kremlin", "ceasefire", "Gaza",
]


@FAST
@given(
    st.sampled_from(SINGLE_TERMS),
    st.text(alphabet=ARABIC_LETTERS + LATIN_LETTERS, max_size=3),
    st.text(alphabet=ARABIC_LETTERS + LATIN_LETTERS, max_size=3),
)
def test_a_term_never_fires_inside_a_longer_word(term: str, before: str, after: str) -> None:
    assume(before or after)
    word = before + term + after
    token, glued = normalize(term), normalize(word)
    allowed = set(first_token_forms(token)) | set(english_plurals(token))
    assume(glued not in allowed)
    assert Matcher([user_list(term)]).match(f"قال {word} اليوم - said {word} today") == []


TEXT_FRAGMENTS = [
    "&amp;", "&amp;amp;", "&#039;", "&#x41;", "&quot;", "&nbsp;", "&#35;", "&lt;", "&amp;#039;", "&", "&#",
    "#", "#BlackSea", "#NATOSummit", "#وقف_إطلاق_النار", "Sea", "ﻻ", "½", "ﷺ", "ß", "İ", "ﺍﻟﻨﺎﺗﻮ", "ＮＡＴＯ",
    "𝐍𝐀𝐓𝐎", "😀", " ", "\n", "\u00a0", "ـ", "ٌ", "\u200f", "\u200c", "\u2067", "بوتين", "Putin",
]
CODE_PAGE = bytes(range(256)).decode("cp1256")  # the byte-table route of normalisation
any_text = st.lists(
    st.one_of(
        st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=6),
        st.text(alphabet=CODE_PAGE, max_size=12),
        st.sampled_from(TEXT_FRAGMENTS),
    ),
    max_size=12,
).map("".join)


@settings(max_examples=400, deadline=None, database=None)
@given(any_text)
def test_offsets_spans_and_fold_agree_with_normalize(text: str) -> None:
    norm = normalize(text)
    with_offsets = normalize_with_offsets(text)
    assert with_offsets.text == norm
    assert fold(text)[0] == norm
    toks = norm.split()
    spans = token_spans(text)
    assert len(spans) == len(toks)
    pos = 0
    for tok, (start, end) in zip(toks, spans):
        assert with_offsets.original_span(pos, pos + len(tok)) == (start, end)
        assert 0 <= start < end <= len(text)
        pos += len(tok) + 1
    assert list(TokenSpans(text, fold(text)[1], len(toks))) == spans
    # in text order (spans overlap only where one character made two tokens: "¼" -> "1 4")
    assert all(a[0] <= b[0] and a[1] <= b[1] for a, b in itertools.pairwise(spans))


@FAST
@given(st.sampled_from(POSITIVES), decorations, st.sampled_from(["", "عاجل: ", "Breaking: ", "\u200f"]))
def test_spans_slice_the_original_and_the_slice_is_a_form_of_the_term(
        text: str, inserts: list[tuple[int, str]], prefix: str) -> None:
    story = prefix + _decorate(text, inserts)
    found = builtin_matcher().match("عنوان", story)
    assert found
    for m in found:
        assert m.field == "summary" and 0 <= m.start < m.end <= len(story)
        assert story[m.start:m.end] == m.surface
        term = next(t for wl in builtin_lists() if wl.id == m.watchlist for t in wl.terms if t.text == m.term)
        if term.near:
            continue  # its context lies outside the slice
        alone = Matcher([Watchlist("t", "t", (term,))]).match(m.surface)
        assert (0, len(m.surface)) in [(x.start, x.end) for x in alone], (m, alone)


# ----------------------------------------------------------------- edits
EDIT_POOL = [
    *[wl for wl in builtin_lists() if wl.id in ("nato", "kremlin", "ceasefire", "trump", "black-sea")],
    user_list("الناتو", "Black Sea", wl_id="custom:1"),
    user_list("بوتين", "وقف * لإطلاق النار", wl_id="custom:1"),
    user_list("كييف", "Kyiv", wl_id="custom:2"),
    user_list("النفط", "oil", "الأطلسي", wl_id="custom:3"),
    Watchlist("nato", "nato", (Term("الأطلسي", near=("قمة",), window=0), Term("NATO")), exclude=("عبر الأطلسي",)),
    Watchlist("custom:4", "x", (Term("الأطلسي", near=("قوات", "قمة"), window=1),), builtin=False),
]
PROBES = [
    ("قمة الناتو وقمة الأطلسي", "قوات الأطلسي عبر الأطلسي"),
    ("Black Sea oil", "النفط في البحر الأسود قرب كييف"),
    ("وقف فوري لإطلاق النار", "Trump, Melania Trump and ترمب"),
    ("الكرملين: بوتين في كرملين قازان", "Kyiv NATO الناتو"),
]
edit_ops = st.lists(
    st.one_of(
        st.tuples(st.just("set"), st.integers(min_value=0, max_value=len(EDIT_POOL) - 1)),
        st.tuples(st.just("remove"), st.sampled_from(sorted({w.id for w in EDIT_POOL}))),
        st.tuples(st.just("compact"), st.just(0)),
    ),
    max_size=12,
)


def _results(m: Matcher) -> list[list[tuple[str, str, str, int, int, str]]]:
    return [[(x.watchlist, x.term, x.field, x.start, x.end, x.surface) for x in m.match(t, s)] for t, s in PROBES]


@SLOW
@given(st.lists(st.integers(min_value=0, max_value=len(EDIT_POOL) - 1), max_size=4), edit_ops)
def test_edits_in_any_order_equal_a_fresh_matcher(initial: list[int], ops: list[tuple[str, object]]) -> None:
    current: dict[str, Watchlist] = {}
    for i in initial:
        current[EDIT_POOL[i].id] = EDIT_POOL[i]
    m = Matcher(list(current.values()), overlay_limit=2)
    for op, arg in ops:
        if op == "set":
            wl = EDIT_POOL[arg]  # type: ignore[index]
            m.set_watchlist(wl)
            current[wl.id] = wl
        elif op == "remove":
            m.remove_watchlist(arg)  # type: ignore[arg-type]
            current.pop(arg, None)  # type: ignore[call-overload]
        else:
            m.compact()
        assert _results(m) == _results(Matcher(list(current.values())))
    assert set(m.watchlists) == set(current)
