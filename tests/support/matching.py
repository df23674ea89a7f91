"""Helpers shared by the matcher tests: matchers over the real lists and small predicates.

The built-in lists are read from the repository's own config/watchlists.yaml,
located from this file, so the tests run from any working directory.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from bot.configfiles import load_watchlists
from bot.domain.matcher import Match, Matcher
from bot.domain.watchlists import Term, Watchlist

ROOT = Path(__file__).resolve().parent.parent.parent
CONFIG = ROOT / "config" / "watchlists.yaml"


@cache
def builtin_lists() -> tuple[Watchlist, ...]:
    lists, problems = load_watchlists(CONFIG)
    assert not problems, problems
    return tuple(lists)


@cache
def builtin_matcher() -> Matcher:
    return Matcher(builtin_lists())


def user_list(*terms: str, wl_id: str = "custom:1") -> Watchlist:
    """A chat's own list, built the way /watch builds it."""
    return Watchlist(wl_id, "قائمتك الخاصة", tuple(Term(t, plural=True) for t in terms), builtin=False)


@cache
def user_matcher(*terms: str) -> Matcher:
    return Matcher([user_list(*terms)])


def ids(text: str, summary: str = "") -> list[str]:
    """Built-in watchlist ids a story matches."""
    return builtin_matcher().matched_ids(text, summary)


def fires(topic: str, text: str) -> bool:
    return topic in ids(text)


def user_fires(term: str, text: str) -> bool:
    return bool(user_matcher(term).match(text))


def surfaces(matches: list[Match]) -> list[str]:
    return [m.surface for m in matches]


def with_clitic(clitic: str, word: str) -> str | None:
    """``clitic`` attached to ``word`` as Arabic spells it; None when the pair is not Arabic."""
    if word.startswith("ال"):
        if clitic.endswith(("ال", "لل")):
            return None  # the word already has its article
        if clitic.endswith("ل"):
            return clitic + word[1:]  # ل + الناتو -> للناتو
    return clitic + word
