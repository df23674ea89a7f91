"""A rule compiled for evaluation, and its evaluation over one story's hits.

``bot.domain.rules`` turns a parsed rule into a program (nested tuples, the op first:
cheaper to walk than the tree) over phrase list ids; ``_Evaluator`` walks it once per
candidate rule, each node at most once (twice under a hit ``~N``), and ``~N`` is a merge
of two sorted position lists, so a story costs time linear in its hits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from bot.domain.matcher import Match
from bot.domain.rule_parse import AllOf, AnyOf, FromSource, InTitle, Near, Node, Not, Phrase

__all__ = ["StoryFacts", "story_language"]

_Pos = tuple[int, int, int]  # (field: 0 title / 1 summary, first word, last word)


@dataclass(frozen=True, slots=True)
class StoryFacts:
    """What ``source:`` and ``lang:`` test: the story's feed id and language ("ar", "en" or "").

    ``lang=None``: not known; worked out from the text (``story_language``) only when a
    rule asks, so stories pay nothing for it otherwise.
    """

    source: str | None = None
    lang: str | None = None


_NOT_LATIN = bytes(b for b in range(256) if not (65 <= b <= 90 or 97 <= b <= 122))


def story_language(title: str, summary: str = "") -> str:
    """"ar" when Arabic letters outnumber Latin ones, "en" for Latin-script text, else "".

    Counted on UTF-8 bytes (lead bytes D8-DB are the Arabic block), in C: a story's first
    600 characters cost a microsecond or two.
    """
    raw = (title + " " + summary)[:600].encode("utf-8")
    arabic = raw.count(0xD8) + raw.count(0xD9) + raw.count(0xDA) + raw.count(0xDB)
    latin = len(raw.translate(None, _NOT_LATIN))
    if arabic and arabic >= latin:
        return "ar"
    return "en" if latin else ""


# A rule compiled for evaluation: nested tuples, the op first (cheaper to walk than the tree).
_PHRASE, _AND, _OR, _NOT, _TITLE, _NEAR, _SOURCE, _LANG = range(8)
_Program = tuple[Any, ...]


def _flat(program: _Program) -> tuple[int, tuple[str, ...]] | None:
    """(op, phrase list ids) for a rule that is one phrase or phrases under one + or one |; else None."""
    if program[0] == _PHRASE:
        return (_AND, (program[1],))
    if program[0] in (_AND, _OR) and all(c[0] == _PHRASE for c in program[1]):
        # Without repeats (two phrases may share a list): the same result, in the same order.
        return (program[0], tuple(dict.fromkeys(c[1] for c in program[1])))
    return None


def _required(program: _Program) -> frozenset[str] | None:
    """Phrase lists of which one must be hit for the rule to hold (a small set), or None if none must.

    A phrase needs itself; ``+`` and ``~N`` need what their most selective operand needs; ``|``
    needs what any of its operands needs; a veto, ``source:`` and ``lang:`` need nothing.
    """
    op = program[0]
    if op == _PHRASE:
        return frozenset((program[1],))
    if op == _TITLE:
        return _required(program[1])
    if op in (_AND, _NEAR):
        needs = [r for r in map(_required, program[1] if op == _AND else program[1:3]) if r is not None]
        return min(needs, key=len) if needs else None
    if op == _OR:
        each = [_required(c) for c in program[1]]
        return None if any(r is None for r in each) else frozenset().union(*each)  # type: ignore[arg-type]
    return None


def _program(node: Node, lists: Iterator[str]) -> _Program:
    """The tree as nested tuples; ``lists``: the phrase list id of each phrase, in rule order."""
    kind = type(node)
    if kind is Phrase:
        return (_PHRASE, next(lists))
    if kind is AllOf:
        return (_AND, tuple([_program(c, lists) for c in node.children]))  # type: ignore[union-attr]
    if kind is AnyOf:
        return (_OR, tuple([_program(c, lists) for c in node.children]))  # type: ignore[union-attr]
    if kind is Not:
        return (_NOT, _program(node.child, lists))  # type: ignore[union-attr]
    if kind is InTitle:
        return (_TITLE, _program(node.child, lists))  # type: ignore[union-attr]
    if kind is Near:
        left = _program(node.left, lists)  # type: ignore[union-attr]
        return (_NEAR, left, _program(node.right, lists), node.window)  # type: ignore[union-attr]
    if kind is FromSource:
        return (_SOURCE, frozenset(node.feeds))  # type: ignore[union-attr]
    return (_LANG, node.langs)  # type: ignore[union-attr]


class _Evaluator:
    """One story's hits; ``holds`` visits each node of a rule at most once (twice under a hit ~N)."""

    __slots__ = ("facts", "hits", "lang", "steps", "text", "used")

    def __init__(self, hits: dict[str, list[Match]], facts: StoryFacts, text: tuple[str, str]) -> None:
        self.hits = hits
        self.facts = facts
        self.lang = facts.lang
        self.text = text
        self.steps = 0
        self.used: list[Match] = []

    def holds(self, node: _Program, title: bool, positive: bool) -> bool:
        self.steps += 1
        op = node[0]
        if op == _PHRASE:
            all_found = self.hits.get(node[1])
            if not all_found:
                return False
            found = all_found
            if title:
                found = [m for m in all_found if m.field == "title"]
                self.steps += len(all_found)
            if found and positive:
                self.used.extend(found)
            return bool(found)
        if op == _AND:
            for child in node[1]:
                if not self.holds(child, title, positive):
                    return False
            return True
        if op == _OR:
            for child in node[1]:
                if self.holds(child, title, positive):
                    return True
            return False
        if op == _NOT:
            return not self.holds(node[1], title, False)
        if op == _TITLE:
            return self.holds(node[1], True, positive)
        if op == _NEAR:
            left = self.positions(node[1], title)
            right = self.positions(node[2], title) if left else []
            window = node[3]
            ok = bool(right) and (self._close(left, right, window) or self._close(right, left, window))
            if ok and positive:
                self.holds(node[1], title, True)  # record the words
                self.holds(node[2], title, True)
            return ok
        if op == _SOURCE:
            return self.facts.source is not None and self.facts.source in node[1]
        if self.lang is None:
            self.lang = story_language(*self.text)
        return self.lang in node[1]

    def positions(self, node: _Program, title: bool) -> list[_Pos]:
        """Sorted (field, first word, last word) of a position-bearing node (phrase, title:, |)."""
        self.steps += 1
        op = node[0]
        if op == _PHRASE:
            found = self.hits.get(node[1], ())
            self.steps += len(found)
            return [(0 if m.field == "title" else 1, m.first_word, m.last_word)
                    for m in found if not title or m.field == "title"]
        if op == _TITLE:
            return self.positions(node[1], True)
        if op == _OR:
            merged = [p for c in node[1] for p in self.positions(c, title)]
            self.steps += len(merged)
            merged.sort()  # sorted runs: Timsort merges them in linear time
            return merged
        raise TypeError(node)  # pragma: no cover - the parser only lets these through

    def _close(self, a: list[_Pos], b: list[_Pos], window: int) -> bool:
        """Some x in ``a`` starts no later than some y in ``b`` (same field) with <= window words between."""
        best = [-(1 << 30), -(1 << 30)]  # per field: the furthest last word of an ``a`` started so far
        i, n = 0, len(a)
        for field, first, _last in b:
            while i < n and (a[i][0], a[i][1]) <= (field, first):
                f = a[i][0]
                if a[i][2] > best[f]:
                    best[f] = a[i][2]
                i += 1
            self.steps += 1
            if first - best[field] - 1 <= window:
                return True
        self.steps += i
        return False
