"""The shortcuts ``newsbot match --rules`` starts and runs with give what the general code gives.

Flat rules (one phrase, or phrases under one ``+`` or ``|``) are evaluated without walking
their tree; CLDR exemplar cities are read as locale data instead of through Babel's time-zone
lookup; each output line is written without ``json.dumps``.
"""

from __future__ import annotations

import json
import random
from zoneinfo import available_timezones

import pytest
from babel import Locale
from babel.dates import get_timezone_location

from bot.cli_match import _line
from bot.domain.expansion import exemplar_city
from bot.domain.rules import RuleMatcher, RuleSet
from tests.support.matcher_cases import TOPICS
from tests.support.matching import builtin_lists


@pytest.mark.parametrize("code", ["ar", "en"])
def test_exemplar_cities_are_babels(code: str) -> None:
    locale = Locale(code)
    zones = sorted(z for z in available_timezones() if "/" in z)
    assert len(zones) > 300
    assert [exemplar_city(z, locale) for z in zones] == [
        get_timezone_location(z, locale=locale, return_city=True) for z in zones]


def _words() -> list[str]:
    return sorted({t for yes, no in TOPICS.values() for t in yes + no} | {"غزة", "كرة", "هدنة", "Gaza"})


def test_flat_rules_fire_with_the_same_matches_as_their_tree() -> None:
    rng = random.Random(5)
    words = _words()
    flat = RuleSet(builtin_lists())
    walked = RuleSet(builtin_lists())
    for i in range(400):
        a, b, c = (rng.choice(words).replace("+", " ") for _ in range(3))
        text = rng.choice([f"{a}", f"{a} + {b}", f"{a} | {b} | {c}", f"{a} + {a}", f"{a} | ={a}", f"{a} + {b} + {c}"])
        for rs in (flat, walked):
            try:
                rs.add(f"r{i}", text)
            except ValueError:
                break
    walked._flat.clear()  # every rule through _Evaluator.holds
    m_flat, m_walked = RuleMatcher(flat), RuleMatcher(walked)
    fired_any = 0
    for _ in range(300):
        title = " ".join(rng.choice(words) for _ in range(rng.randint(1, 4)))
        summary = " و".join(rng.choice(words) for _ in range(rng.randint(0, 6)))
        _, got = m_flat.match(title, summary)
        _, want = m_walked.match(title, summary)
        assert [(h.rule_id, [(m.watchlist, m.field, m.start, m.end, m.surface, m.first_word) for m in h.matches])
                for h in got] == [(h.rule_id, [(m.watchlist, m.field, m.start, m.end, m.surface, m.first_word)
                                               for m in h.matches]) for h in want]
        fired_any += bool(got)
    assert fired_any > 100


@pytest.mark.parametrize("story_id", [7, -1, 2.5, 1e300, "a\"b", "غزة\u200f", "\ud800", None, True, [1, "x"],
                                      {"k": [1, {"z": None}]}])
@pytest.mark.parametrize("terms", [{}, {"r1": ["غزة"]}, {"b": ["x \"y\"", "\n\t\\"], "a": ["«هدنة»"], "nato": ["NATO"]}])
def test_each_line_is_what_json_dumps_writes(story_id: object, terms: dict[str, list[str]]) -> None:
    want = json.dumps({"id": story_id, "matches": sorted(terms), "terms": terms}, ensure_ascii=False) + "\n"
    assert _line(story_id, terms) == want
