"""Only rules whose required phrases were hit are looked at: a veto's phrase alone makes no candidate."""

from __future__ import annotations

import pytest

from bot.domain.rules import RuleMatcher, RuleSet
from tests.support.matching import builtin_lists


@pytest.mark.parametrize(("rule", "title", "looked_at"), [
    ("غزة -كرة", "مباراة كرة القدم", False),           # only the veto's phrase
    ("غزة -كرة", "قصف على غزة", True),
    ("غزة + هدنة", "هدنة في لبنان", False),            # one side of +: the other is required too
    ("غزة + هدنة", "هدنة في غزة", True),
    ("(غزة | لبنان) + هدنة", "لبنان يرحب", False),
    ("(غزة | لبنان) -(هدنة | كرة)", "لبنان يرحب", True),   # either side of | can make it hold
    ("(غزة | لبنان) -(هدنة | كرة)", "هدنة وكرة", False),
    ("title:غزة + هدنة", "هدنة", False),
    ("غزة ~3 هدنة", "هدنة", False),
])
def test_candidates_are_rules_whose_required_phrases_hit(rule: str, title: str, looked_at: bool) -> None:
    rs = RuleSet(builtin_lists())
    rs.add("r", rule)
    found, fired = RuleMatcher(rs).match(title, "")
    assert (rs.steps > 0) == looked_at
    assert not fired or looked_at


def test_replacing_and_removing_a_rule_forgets_what_it_required() -> None:
    rs = RuleSet(builtin_lists())
    rs.add("r", "غزة -كرة")
    rs.add("r", "كرة -غزة")  # now كرة is required and غزة a veto
    m = RuleMatcher(rs)
    _, fired = m.match("قصف على غزة", "")
    assert fired == [] and rs.steps == 0
    _, fired = m.match("مباراة كرة القدم", "")
    assert [h.rule_id for h in fired] == ["r"]
    rs.remove("r")
    _, fired = m.match("مباراة كرة القدم", "")
    assert fired == [] and rs.steps == 0
