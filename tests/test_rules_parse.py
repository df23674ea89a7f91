"""The rule language's parser: table-driven trees and errors, and properties over any input."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rule_parse import (
    MAX_DEPTH,
    MAX_NEAR,
    MAX_PHRASES,
    MAX_RULE_LENGTH,
    AllOf,
    AnyOf,
    FromSource,
    InLang,
    InTitle,
    Near,
    Node,
    Not,
    Phrase,
    RuleError,
    parse_rule,
    parse_rule_phrases,
    phrases_of,
)
from bot.domain.rule_tokens import tokens


def P(text: str, pos: int, literal: bool = False) -> Phrase:
    return Phrase(text, literal, pos)


# rule -> tree
TREES: list[tuple[str, Node]] = [
    ("غزة", P("غزة", 0)),
    ("وقف إطلاق النار + غزة -كرة",
     AllOf((P("وقف إطلاق النار", 0), P("غزة", 18), Not(P("كرة", 23))))),
    ("زيلينسكي -(نادي | الدوري | هدف)",
     AllOf((P("زيلينسكي", 0), Not(AnyOf((P("نادي", 11), P("الدوري", 18), P("هدف", 27))))))),
    ("(الناتو | حلف الأطلسي) + البحر الأسود",
     AllOf((AnyOf((P("الناتو", 1), P("حلف الأطلسي", 10))), P("البحر الأسود", 25)))),
    ("title:عاجل + ترامب", AllOf((InTitle(P("عاجل", 6)), P("ترامب", 13)))),
    ("Zelensky ~5 Trump", Near(P("Zelensky", 0), P("Trump", 12), 5)),
    # keywords, upper-case only; a hyphen inside a word is the word's
    ("ceasefire AND Gaza NOT football", AllOf((P("ceasefire", 0), P("Gaza", 14), Not(P("football", 23))))),
    ("ceasefire and Gaza", P("ceasefire and Gaza", 0)),
    ("cease-fire | pro-Kremlin", AnyOf((P("cease-fire", 0), P("pro-Kremlin", 13)))),
    ("a1 OR b2 c3", AnyOf((P("a1", 0), P("b2 c3", 6)))),
    # AND binds tighter than OR
    ("a1 | b2 + c3", AnyOf((P("a1", 0), AllOf((P("b2", 5), P("c3", 10)))))),
    # quotes protect operator characters; Arabic and typographic quotes too
    ('"OPEC+" + النفط', AllOf((P("OPEC+", 1), P("النفط", 10)))),
    ("«حماس | فتح» + غزة", AllOf((P("حماس | فتح", 1), P("غزة", 15)))),
    ("\u201cA-B (x)\u201d", P("A-B (x)", 1)),
    # "=" turns expansion off
    ("=NATO + غزة", AllOf((P("NATO", 1, True), P("غزة", 8)))),
    ('="NATO"', P("NATO", 2, True)),
    # wildcards as in /watch
    ("وقف * النار + غزة", AllOf((P("وقف * النار", 0), P("غزة", 14)))),
    # scopes
    ("source:aljazeera,bbc-ar غزة", AllOf((FromSource(("aljazeera", "bbc-ar")), P("غزة", 24)))),
    ("lang:ar|en + غزة", AllOf((InLang(("ar", "en")), P("غزة", 13)))),
    ("lang:EN Gaza", AllOf((InLang(("en",)), P("Gaza", 8)))),
    ("غزة -source:x1", AllOf((P("غزة", 0), Not(FromSource(("x1",)))))),
    ("title:(عاجل | ترامب)", InTitle(AnyOf((P("عاجل", 7), P("ترامب", 14))))),
    ("title:عاجل ~2 ترامب", Near(InTitle(P("عاجل", 6)), P("ترامب", 14), 2)),
    ("(a1 | b2) ~0 c3", Near(AnyOf((P("a1", 1), P("b2", 6))), P("c3", 13), 0)),
    ("Serie A: Napoli", P("Serie A: Napoli", 0)),
    # juxtaposed groups are AND
    ("غزة (هدنة | تهدئة)", AllOf((P("غزة", 0), AnyOf((P("هدنة", 5), P("تهدئة", 12)))))),
    ("  غزة  ", P("غزة", 2)),
]


@pytest.mark.parametrize(("rule", "tree"), TREES)
def test_parse(rule: str, tree: Node) -> None:
    assert parse_rule(rule) == tree


# rule -> (error code, position)
ERRORS: list[tuple[str, str, int]] = [
    ("", "empty", 0),
    ("   ", "empty", 0),
    ("غزة +", "missing_operand", 5),
    ("+ غزة", "missing_operand", 0),
    ("غزة | | هدنة", "missing_operand", 6),
    ("(غزة", "unclosed_paren", 0),
    ("غزة)", "stray_paren", 3),
    ("()", "empty_group", 0),
    ('"غزة', "unclosed_quote", 0),
    ("غزة «هدنة", "unclosed_quote", 4),
    ("-غزة", "no_positive", 0),
    ("-(غزة | هدنة)", "no_positive", 0),
    ("source:x1", "no_positive", 0),
    ("lang:ar | غزة", "no_positive", 0),
    ("a1 ~ b2", "near_number", 3),
    ("a1 ~x b2", "near_number", 3),
    (f"a1 ~{MAX_NEAR + 1} b2", "near_range", 3),
    ("a1 ~3 -b2", "near_operand", 3),
    ("a1 ~3 source:x", "near_operand", 3),
    ("a1 ~3 (b2 + c3)", "near_operand", 3),
    ("a1 ~3 b2 ~3 c3", "near_chain", 9),
    ("lang:fr غزة", "lang_code", 0),
    ("غزة source:", "source_id", 4),
    ("غزة source:a/b", "source_id", 4),
    ("title:source:x1 غزة", "title_operand", 0),
    ("غزة + *", "term_no_letters", 6),
    ("غزة + * هدنة", "term_wildcard_edge", 6),
    ("غزة + x", "term_too_short", 6),
    ("غزة + " + "ا" * 120, "term_too_long", 6),
    ("=", "missing_operand", 1),
    ("غزة = +", "missing_operand", 6),
    ("غزة » هدنة", "stray_quote", 4),
    ("(" * (MAX_DEPTH + 2) + "غزة" + ")" * (MAX_DEPTH + 2), "too_deep", MAX_DEPTH + 1),
    (" | ".join(f"w{i}x" for i in range(MAX_PHRASES + 1)), "too_many_phrases",
     " | ".join(f"w{i}x" for i in range(MAX_PHRASES + 1)).index(f"w{MAX_PHRASES}x")),
    ("غزة " * 200, "too_long", MAX_RULE_LENGTH),
]


@pytest.mark.parametrize(("rule", "code", "position"), ERRORS)
def test_errors_name_the_problem_and_where(rule: str, code: str, position: int) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule(rule)
    assert (info.value.code, info.value.position) == (code, position)
    assert re.search("[\u0600-\u06ff]", info.value.message_ar)


def test_limits_are_explained_in_arabic_with_the_number() -> None:
    for rule, code in ((" | ".join(f"w{i}x" for i in range(MAX_PHRASES + 1)), str(MAX_PHRASES)),
                       ("(" * 9 + "غزة" + ")" * 9, str(MAX_DEPTH)), ("a1 ~99 b2", str(MAX_NEAR))):
        with pytest.raises(RuleError) as info:
            parse_rule(rule)
        assert code in info.value.message_ar


def test_phrases_in_rule_order() -> None:
    tree = parse_rule("(الناتو | حلف الأطلسي) + البحر الأسود -title:تحليل")
    assert [p.text for p in phrases_of(tree)] == ["الناتو", "حلف الأطلسي", "البحر الأسود", "تحليل"]


@pytest.mark.parametrize(("rule", "tree"), TREES)
def test_phrases_collected_while_parsing_are_the_trees_own(rule: str, tree: Node) -> None:
    parsed, phrases = parse_rule_phrases(rule)
    assert parsed == tree
    assert len(phrases) == len(phrases_of(parsed))
    assert all(a is b for a, b in zip(phrases, phrases_of(parsed), strict=True))


# A word ends at any space (ASCII, no-break, ideographic, tab), NUL, operator or quote character;
# "-" and "=" inside a word are part of it.
WORD_ENDS = [" ", "\u00a0", "\u2003", "\u3000", "\t", "\0", "(", ")", "+", "|", "~1", '"x"', "«x»"]


@pytest.mark.parametrize("after", WORD_ENDS)
def test_a_word_ends_at_every_break_character(after: str) -> None:
    toks = tokens("cease-fire=غزة" + after)
    assert (toks[0].kind, toks[0].pos, toks[0].end, toks[0].value) == ("word", 0, 14, "cease-fire=غزة")
    assert toks[-1].kind == "end"


# ----------------------------------------------------------------- properties
ALPHABET = st.sampled_from(list("غزةهدنالبحر abcAND OR NOT ()+|-~=*:\"«»“”0123456789\t") + [
    "title:", "source:", "lang:", "ar", "en", " ~3 ", "AND", "OR", "NOT"])


@settings(max_examples=600, deadline=None)
@given(st.lists(ALPHABET, max_size=60).map("".join))
def test_any_input_parses_or_fails_with_a_position_inside_it_and_an_arabic_reason(text: str) -> None:
    try:
        tree = parse_rule(text)
    except RuleError as exc:
        assert 0 <= exc.position <= len(text)
        assert exc.message_ar and re.search("[\u0600-\u06ff]", exc.message_ar)
        return
    phrases = phrases_of(tree)
    assert 1 <= len(phrases) <= MAX_PHRASES
    assert parse_rule_phrases(text)[1] == phrases
    for p in phrases:  # every phrase is text the user wrote, at the position it was written
        assert p.text and p.text in text[p.position:]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_unicode_never_crashes_the_parser(text: str) -> None:
    try:
        parse_rule(text)
    except RuleError as exc:
        assert 0 <= exc.position <= len(text) and exc.message_ar
