"""Values built through their slots on the compile paths equal what the dataclass constructors build."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot.domain.expansion import Expander, Expansion
from bot.domain.match_compile import _Item, _new_item
from bot.domain.slot_new import slot_setters
from bot.domain.user_lists import builtin_rules, user_watchlist
from bot.domain.watchlists import Term, Watchlist
from tests.support.matching import builtin_lists


def test_a_user_list_is_the_constructors_list_field_for_field() -> None:
    rules = builtin_rules(builtin_lists())
    wl = user_watchlist("rule-phrase:1", ["Trump", "Gaza strip", "الناتو"], rules, label="Trump", hashtag="")
    trump = rules[next(k for k in rules if rules[k][0].text == "Trump")][0]
    want_terms = (Term("Trump", proper=trump.proper, upper=trump.upper, near=trump.near, window=trump.window,
                       plural=trump.plural, unless=trump.unless), Term("Gaza strip", plural=True))
    assert wl.terms[:2] == want_terms and hash(wl.terms[1]) == hash(Term("Gaza strip", plural=True))
    again = Watchlist(id=wl.id, label="Trump", terms=wl.terms, exclude=wl.exclude, hashtag="", builtin=False)
    assert wl == again and hash(wl) == hash(again) and (wl.description, wl.urgent) == ("", False)


def test_an_expansion_and_an_item_equal_their_constructors() -> None:
    exp = Expander(builtin_lists()).expand("Sudan")
    assert exp == Expansion(exp.term, exp.terms, exp.added, exp.entity, exp.places)
    assert "السودان" in exp.terms and not exp.literal
    item = _new_item(3, 0, "w", (("k ", 0, 0),), Term("x1"), (), (1,), ())
    assert item == _Item(3, 0, "w", (("k ", 0, 0),), Term("x1"), (), (1,), ())


def test_slot_setters_refuse_a_field_list_that_is_not_the_classes() -> None:
    @dataclass(frozen=True, slots=True)
    class Two:
        a: int
        b: int = 0

    set_a, set_b = slot_setters(Two, ("a", "b"))
    two = object.__new__(Two)
    set_a(two, 1)
    set_b(two, 2)
    assert two == Two(1, 2)
    with pytest.raises(TypeError):
        slot_setters(Two, ("a",))
