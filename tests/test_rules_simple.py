"""The one-pass parse of the common rule shapes builds exactly the parser's tree (or defers to it)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.rule_parse import AllOf, Not, Phrase, RuleError, _Parser, needs_hit, parse_rule
from bot.domain.rule_simple import simple_rule


def _full_parse(text: str) -> object:
    """The recursive-descent parser alone (no shortcut), or "error"."""
    try:
        p = _Parser(text)
        root = p.rule(0)
    except RuleError:
        return "error"
    if p.peek().kind != "end" or not needs_hit(root):
        return "error"
    return root


@pytest.mark.parametrize(("rule", "tree"), [
    ("غزة", Phrase("غزة", False, 0)),
    ("  وقف إطلاق النار ", Phrase("وقف إطلاق النار", False, 2)),
    ("غزة + كرة", AllOf((Phrase("غزة", False, 0), Phrase("كرة", False, 6)))),
    ("غزة -كرة", AllOf((Phrase("غزة", False, 0), Not(Phrase("كرة", False, 5))))),
    ("cease-fire Gaza -- ball", AllOf((Phrase("cease-fire Gaza", False, 0), Not(Not(Phrase("ball", False, 19)))))),
    ("ab+cd", AllOf((Phrase("ab", False, 0), Phrase("cd", False, 3)))),
])
def test_common_shapes_get_the_parsers_tree(rule: str, tree: object) -> None:
    assert simple_rule(rule) == tree
    assert parse_rule(rule) == tree
    assert _full_parse(rule) == tree


@pytest.mark.parametrize("rule", [
    "(غزة)", "a | b", "a ~3 b", "title:a", "=NATO", '"a+b"', "a AND b", "NOT a",
    "-a", "a +", "+ a", "a + + b", "a - + b", "a -", "*", "a " + " + ".join(["b"] * 20),
])
def test_anything_else_is_left_to_the_parser(rule: str) -> None:
    assert simple_rule(rule) is None


_PIECES = st.sampled_from(["a", "ab", "غزة", "كرة", "-", "+", " ", "\t", "cease-fire", "AND", "x*y", "*", "a-", "ن"])


@settings(max_examples=400, deadline=None)
@given(st.lists(_PIECES, min_size=1, max_size=14).map("".join))
def test_shortcut_agrees_with_the_parser_on_any_mix(text: str) -> None:
    tree = simple_rule(text)
    if tree is not None:
        assert tree == _full_parse(text)
