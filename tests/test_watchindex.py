"""Chat terms get the built-in treatment: curated rules and exclusions follow a term a user types."""

from __future__ import annotations

import pytest

from bot.configfiles import load_watchlists
from bot.domain.matcher import Matcher
from bot.pipeline.watchindex import builtin_rules, custom_watchlist
from tests.conftest import ROOT

BUILTINS, _ = load_watchlists(ROOT / "config" / "watchlists.yaml")
RULES = builtin_rules(BUILTINS)


def surfaces(terms: list[str], text: str) -> list[str]:
    return [m.surface for m in Matcher([custom_watchlist(1, terms, RULES)]).match(text)]


@pytest.mark.parametrize("terms,text,expected", [
    (["Trump"], "Biden plays his trump card in the debate", []),
    (["Trump"], "Melania Trump opens an exhibition", []),
    (["Trump"], "Trump meets Putin", ["Trump"]),
    (["ترامب"], "ميلانيا ترامب تزور باريس", []),
    (["حماس"], "استقبل الجمهور اللاعبين بحماس كبير", []),
    (["حماس"], "وفد من حماس في القاهرة", ["حماس"]),
    (["UN"], "un ballon rouge et un chat", []),
    (["الأطلسي"], "عاصفة في المحيط الأطلسي", []),
    (["الأطلسي"], "قمة الأطلسي في لاهاي", ["الأطلسي"]),
    (["drone"], "Drones hit the port", ["Drones"]),  # a term of the user's own gets English plurals
    (["Trump", "Melania"], "Melania Trump visits Paris", ["Melania", "Trump"]),  # nothing asked for is vetoed
])
def test_user_terms_inherit_builtin_rules(terms: list[str], text: str, expected: list[str]):
    assert surfaces(terms, text) == expected


@pytest.mark.parametrize("text,expected", [
    ("اتفق الطرفان على الهدنة", []),
    ("وعلى الجميع الالتزام", []),
    ("وصل علي إلى بغداد", ["علي"]),
    ("التقى الرئيس بعليّ", ["بعليّ"]),
])
def test_the_name_ali_is_not_the_preposition_ala(text: str, expected: list[str]):
    assert surfaces(["علي"], text) == expected


def test_egyptian_final_yaa_still_folds():
    assert surfaces(["زيلينسكي"], "زيلينسكى يزور القاهرة") == ["زيلينسكى"]
