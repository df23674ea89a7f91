"""The matcher's compiled form: items (terms, exclusions, context phrases), their automaton keys, the state.

``bot.domain.matcher`` keeps these in step with the watchlists; ``bot.domain.match_resolve``
turns automaton hits over them into ``Match`` values. Nothing here scans a story.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

from bot.domain.forms import ARTICLE_PREFIXES, core_and_prefixes, english_plurals
from bot.domain.slot_new import slot_setters
from bot.domain.watchlists import Term, Watchlist, parse_term

__all__ = ["Match"]

_TERM, _EXCL, _CTX = 0, 1, 2
# How a key is anchored: on both sides by spaces, or (an Arabic first token) by its
# core only, the letters before it being checked against the allowed proclitics.
_EXACT, _PLAIN, _ARTICLE = 0, 1, 2
_SEP = " | "  # between title and summary; "|" never survives normalisation

_Span = tuple[int, int]  # (leading space, trailing space) positions of a hit in the haystack


@dataclass(frozen=True, slots=True)
class Match:
    """Why a story fired: which watchlist, which term, and where in the original text."""

    watchlist: str
    term: str
    field: str  # "title" or "summary"
    start: int
    end: int
    surface: str
    # Normalised-token indices of the hit inside its field (first and last, inclusive): what
    # rules measure proximity with. Not part of a match's identity.
    first_word: int = dataclasses.field(default=0, compare=False)
    last_word: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class _Item:
    """A compiled term, exclusion or context phrase with its automaton keys."""

    id: int
    kind: int
    watchlist: str
    keys: tuple[tuple[str, int, int], ...]  # (pattern, segment index, anchoring)
    term: Term | None = None
    gaps: tuple[int, ...] = ()  # max words between consecutive segments ("*")
    ctx: tuple[int, ...] = ()  # context item ids (for Term.near)
    unless: tuple[int, ...] = ()  # context item ids that veto the term anywhere in the story


_ITEM_SLOTS = slot_setters(_Item, ("id", "kind", "watchlist", "keys", "term", "gaps", "ctx", "unless"))


def _new_item(item_id: int, kind: int, watchlist: str, keys: tuple[tuple[str, int, int], ...], term: Term | None,
              gaps: tuple[int, ...], ctx: tuple[int, ...], unless: tuple[int, ...]) -> _Item:
    """``_Item(...)`` with every field given, through its slots (see ``bot.domain.slot_new``)."""
    item = object.__new__(_Item)
    set_id, set_kind, set_watchlist, set_keys, set_term, set_gaps, set_ctx, set_unless = _ITEM_SLOTS
    set_id(item, item_id)
    set_kind(item, kind)
    set_watchlist(item, watchlist)
    set_keys(item, keys)
    set_term(item, term)
    set_gaps(item, gaps)
    set_ctx(item, ctx)
    set_unless(item, unless)
    return item


# One automaton value: (pattern length, ((item, segment index, anchoring), ...)).
_Entries = tuple[int, tuple[tuple[_Item, int, int], ...]]


class _Index:
    """An immutable automaton over a set of items."""

    __slots__ = ("automaton", "size")

    def __init__(self, items: Iterable[_Item]) -> None:
        table: dict[str, list[tuple[_Item, int, int]]] = defaultdict(list)
        for item in items:
            for key, seg, anchor in item.keys:
                table[key].append((item, seg, anchor))
        self.size = len(table)
        self.automaton: ahocorasick.Automaton | None = None
        if table:
            auto = ahocorasick.Automaton()
            for key, entries in table.items():
                auto.add_word(key, (len(key), tuple(entries)))
            auto.make_automaton()
            self.automaton = auto


_EMPTY = _Index(())


@dataclass(frozen=True, slots=True)
class _State:
    base: _Index
    overlay: _Index
    removed: frozenset[int]
    items: dict[int, _Item]
    watchlists: dict[str, Watchlist]
    base_ids: frozenset[int] = field(default=frozenset())
    overlay_ids: frozenset[int] = field(default=frozenset())


def _segment_keys(seg: tuple[str, ...], first: bool, plural: bool, last: bool) -> set[tuple[str, int]]:
    """Automaton keys of one segment, with their anchoring.

    The first token of an Arabic term is indexed by its core (الناتو -> "ناتو ...")
    and the proclitics are checked at match time: one key per term instead of
    one per prefixed spelling keeps the automaton small and cache-friendly.
    """
    found = core_and_prefixes(seg[0]) if first else None
    words = [seg[0] if found is None else found[0], *seg[1:]]
    # Only the last word varies (its plurals), so the keys are the words with each last word.
    lasts = {words[-1]} | english_plurals(seg[-1]) if plural and last else (words[-1],)
    head = " ".join(words[:-1]) + " " if len(words) > 1 else ""
    if found is None:
        return {(" " + head + w + " ", _EXACT) for w in lasts}
    anchor = _ARTICLE if found[1] is ARTICLE_PREFIXES else _PLAIN
    return {(head + w + " ", anchor) for w in lasts}


def _phrase_keys(text: str, plural: bool = False) -> tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]]:
    parsed = parse_term(text)
    keys: list[tuple[str, int, int]] = []
    n = len(parsed.segments)
    for i, seg in enumerate(parsed.segments):
        keys.extend((k, i, a) for k, a in sorted(_segment_keys(seg, i == 0, plural, i == n - 1)))
    return tuple(keys), parsed.gaps
