"""Rules compiled onto the matcher and evaluated over its hits: linear in the story.

Every phrase of every rule becomes one small internal watchlist (its term and
what expansion added, with the built-in treatment of ``bot.domain.user_lists``),
shared by all rules that use the same phrase. The one Aho-Corasick scan of the
matcher finds them all; a rule is then only a boolean tree over "which phrase
lists were hit, where (field, word indices)". Only rules with a hit phrase are
looked at, and only those whose required phrases were (a veto alone makes no candidate), each node is
visited once, and ``~N`` is a merge of two sorted position lists, so a story
costs O(hits + size of the rules they touch): no backtracking, no regex.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.domain.expansion import Expander, Expansion
from bot.domain.matcher import Folded, Match, Matcher
from bot.domain.rule_parse import AllOf, AnyOf, InTitle, Near, Node, Not, Phrase, parse_rule, parse_rule_phrases
from bot.domain.rule_program import (
    _AND,
    StoryFacts,
    _Evaluator,
    _flat,
    _program,
    _required,
    story_language,
)
from bot.domain.slot_new import slot_setters
from bot.domain.user_lists import Rules, builtin_rules, user_watchlist
from bot.domain.watchlists import Watchlist, term_key

__all__ = [
    "PHRASE_PREFIX",
    "CompiledRule",
    "RuleHit",
    "RuleMatcher",
    "RuleSet",
    "StoryFacts",
    "story_language",
]

PHRASE_PREFIX = "rule-phrase:"
_NO_FACTS = StoryFacts()


def _split_phrase_hits(matches: Iterable[Match], hits: dict[str, list[Match]]) -> list[Match]:
    """Rules' phrase-list matches into ``hits`` by list id (in text order); returns the other matches."""
    plain: list[Match] = []
    for m in matches:
        wl = m.watchlist
        if wl.startswith(PHRASE_PREFIX):
            found = hits.get(wl)
            if found is None:
                hits[wl] = [m]
            else:
                found.append(m)
        else:
            plain.append(m)
    return plain


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired, with the matches of its un-negated phrases that made it fire."""

    rule_id: str
    matches: tuple[Match, ...]


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A parsed rule: its tree, one expansion per phrase (rule order) and the phrase lists it uses."""

    id: str
    text: str
    tree: Node
    expansions: tuple[Expansion, ...]
    list_ids: tuple[str, ...]
    program: tuple[Any, ...]  # the tree with each phrase replaced by its phrase list id

    def note_ar(self) -> str:
        """What expansion added to the whole rule ("يشمل أيضاً: …"), or ""."""
        added = list(dict.fromkeys(a for e in self.expansions for a in e.added))
        return "يشمل أيضاً: " + "، ".join(added) if added else ""


class RuleSet:
    """Rules by id over shared phrase watchlists; feed ``watchlists()`` to a Matcher."""

    def __init__(self, builtins: Sequence[Watchlist] = (), *, expand: bool = True,
                 expander: Expander | None = None, rules: Rules | None = None) -> None:
        self._expander = expander or (Expander(builtins) if expand else None)
        self._inherit = rules if rules is not None else builtin_rules(builtins)
        self._rules: dict[str, CompiledRule] = {}
        # Rules that are one phrase, or phrases joined by one + or one | (most rules): evaluated without
        # walking the tree, with the same result (the phrases of an | in order, the first one hit).
        self._flat: dict[str, tuple[int, tuple[str, ...]] | None] = {}
        self._lists: dict[str, Watchlist] = {}
        self._by_key: dict[tuple[str, ...], str] = {}
        self._key_of: dict[str, tuple[str, ...]] = {}
        self._users: dict[str, set[str]] = {}  # phrase list id -> ids of the rules using it
        # phrase list id -> ids of the rules that cannot hold unless it (or another of their few
        # required lists) is hit: a veto's phrase, or one side of an +, does not make a candidate
        self._triggers: dict[str, set[str]] = {}
        self._expansions: dict[tuple[str, bool], Expansion] = {}
        # id(expansion) -> (the expansion, kept alive so the id stays its own; its phrase list key)
        self._list_keys: dict[int, tuple[Expansion, tuple[str, ...]]] = {}
        self._ids = itertools.count(1)
        self._changed: dict[str, Watchlist] = {}
        self._dropped: set[str] = set()
        self.steps = 0  # evaluation steps of the last evaluate() (for tests of linearity)

    # ---------------------------------------------------------------- edits
    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def get(self, rule_id: str) -> CompiledRule | None:
        return self._rules.get(rule_id)

    def compile(self, text: str) -> tuple[Node, tuple[Expansion, ...]]:
        """Parse and expand without adding (what /watch replies with, what /preview runs)."""
        tree = parse_rule(text)
        return tree, tuple(self._expand(p) for p in _phrases(tree))

    def add(self, rule_id: str, text: str, tree: Node | None = None,
            phrases: Sequence[Phrase] | None = None) -> CompiledRule:
        """Add or replace one rule (``tree``: already parsed from ``text``, ``phrases``: its phrases
        in rule order, as ``parse_rule_phrases`` gives both); raises RuleError."""
        if tree is None:
            tree, phrases = parse_rule_phrases(text)
        elif phrases is None:
            phrases = _phrases(tree)
        expansions = tuple(self._expand(p) for p in phrases)
        if rule_id in self._rules:
            self.remove(rule_id)
        list_for = self._list_for
        ids = [list_for(exp, rule_id) for exp in expansions]  # phrase order, as _program walks the tree
        program = _program(tree, iter(ids))
        rule = _compiled_rule(rule_id, text, tree, expansions, tuple(dict.fromkeys(ids)), program)
        self._rules[rule_id] = rule
        self._flat[rule_id] = _flat(program)
        triggers = self._triggers
        for list_id in _required(program) or rule.list_ids:
            found = triggers.get(list_id)
            if found is None:
                triggers[list_id] = {rule_id}
            else:
                found.add(rule_id)
        return rule

    def remove(self, rule_id: str) -> None:
        rule = self._rules.pop(rule_id, None)
        self._flat.pop(rule_id, None)
        if rule is None:
            return
        for list_id in _required(rule.program) or rule.list_ids:
            triggered = self._triggers[list_id]
            triggered.discard(rule_id)
            if not triggered:
                del self._triggers[list_id]
        for list_id in rule.list_ids:
            users = self._users[list_id]
            users.discard(rule_id)
            if not users:
                del self._users[list_id], self._lists[list_id]
                del self._by_key[self._key_of.pop(list_id)]
                self._changed.pop(list_id, None)
                self._dropped.add(list_id)

    def watchlists(self) -> list[Watchlist]:
        """Every phrase list in use (build a Matcher with these, plus any others)."""
        self._changed.clear()
        self._dropped.clear()
        return list(self._lists.values())

    def take_changes(self) -> tuple[list[Watchlist], list[str]]:
        """Phrase lists added and ids removed since the last call: to keep a shared Matcher in step."""
        changed, dropped = list(self._changed.values()), sorted(self._dropped)
        self._changed.clear()
        self._dropped.clear()
        return changed, dropped

    def _expand(self, phrase: Phrase) -> Expansion:
        key = (phrase.text, phrase.literal)
        exp = self._expansions.get(key)
        if exp is None:
            if self._expander is None or phrase.literal:
                exp = Expansion(phrase.text, (phrase.text,), literal=phrase.literal)
            else:
                exp = self._expander.expand(phrase.text)
            if len(self._expansions) < 100_000:
                self._expansions[key] = exp
        return exp

    def _list_for(self, exp: Expansion, rule_id: str) -> str:
        # The identity of a phrase list, worked out once per expansion (a phrase recurs across rules).
        key = self._list_keys.get(id(exp))
        if key is None or key[0] is not exp:
            key = (exp, tuple(sorted({term_key(t) for t in exp.terms})))
            if len(self._list_keys) < 100_000:
                self._list_keys[id(exp)] = key
        list_id = self._by_key.get(key[1])
        if list_id is None:
            list_id = f"{PHRASE_PREFIX}{next(self._ids)}"
            wl = user_watchlist(list_id, exp.terms, self._inherit, label=exp.term, hashtag="")
            self._lists[list_id] = wl
            self._by_key[key[1]] = list_id
            self._key_of[list_id] = key[1]
            self._users[list_id] = {rule_id}
            self._changed[list_id] = wl
            self._dropped.discard(list_id)
        else:
            self._users[list_id].add(rule_id)
        return list_id

    # ----------------------------------------------------------- evaluation
    def evaluate(self, matches: Iterable[Match], facts: StoryFacts = _NO_FACTS,
                 text: tuple[str, str] = ("", "")) -> list[RuleHit]:
        """The rules a story's matches satisfy, sorted by id (matches from a Matcher with our lists).

        ``text``: the story's (title, summary), to work out its language if ``facts`` does not
        say and a rule asks.
        """
        hits: dict[str, list[Match]] = {}
        _split_phrase_hits(matches, hits)
        return self.evaluate_hits(hits, facts, text)

    def evaluate_hits(self, hits: dict[str, list[Match]], facts: StoryFacts, text: tuple[str, str]) -> list[RuleHit]:
        """``evaluate`` over the phrase-list hits, by list id (each list's matches in text order)."""
        self.steps = 0
        if not hits:
            return []
        triggers = self._triggers
        candidates: set[str] = set()
        for list_id in hits:
            triggered = triggers.get(list_id)
            if triggered:
                candidates |= triggered
        ev: _Evaluator | None = None
        steps = 0
        out: list[RuleHit] = []
        flat = self._flat
        for rule_id in sorted(candidates):
            shape = flat.get(rule_id)
            if shape is not None:
                op, ids = shape
                steps += len(ids)
                if op == _AND:
                    if len(ids) == 1:
                        found = hits.get(ids[0])
                        if found:
                            out.append(_rule_hit(rule_id, _in_order(found)))
                        continue
                    used: list[Match] = []
                    for i in ids:
                        found = hits.get(i)
                        if not found:
                            break
                        used += found
                    else:  # the ids are distinct (see _flat), so no match is there twice
                        out.append(_rule_hit(rule_id, tuple(sorted(used, key=_order))))
                else:
                    for i in ids:
                        found = hits.get(i)
                        if found:
                            out.append(_rule_hit(rule_id, _in_order(found)))
                            break
                continue
            if ev is None:
                ev = _Evaluator(hits, facts, text)
            used = []
            ev.used = used
            if ev.holds(self._rules[rule_id].program, False, True):
                unique = {id(m): m for m in used}.values()  # a phrase met twice (~N records its words)
                out.append(_rule_hit(rule_id, tuple(sorted(unique, key=_order))))
        self.steps = steps + (ev.steps if ev is not None else 0)
        return out


def _in_order(found: list[Match]) -> tuple[Match, ...]:
    """One phrase list's matches, in text order without repeats (a Matcher gives them so already)."""
    if len(found) == 1:
        return (found[0],)
    return tuple(sorted({id(m): m for m in found}.values(), key=_order))


_HIT_SLOTS = slot_setters(RuleHit, ("rule_id", "matches"))
_RULE_SLOTS = tuple(getattr(CompiledRule, name).__set__
                    for name in ("id", "text", "tree", "expansions", "list_ids", "program"))


def _compiled_rule(rule_id: str, text: str, tree: Node, expansions: tuple[Expansion, ...],
                   list_ids: tuple[str, ...], program: tuple[Any, ...]) -> CompiledRule:
    """``CompiledRule(...)`` without the per-field ``object.__setattr__`` (10,000 rules: 10,000 of them)."""
    rule = object.__new__(CompiledRule)
    set_id, set_text, set_tree, set_expansions, set_list_ids, set_program = _RULE_SLOTS
    set_id(rule, rule_id)
    set_text(rule, text)
    set_tree(rule, tree)
    set_expansions(rule, expansions)
    set_list_ids(rule, list_ids)
    set_program(rule, program)
    return rule


def _rule_hit(rule_id: str, matches: tuple[Match, ...]) -> RuleHit:
    """``RuleHit(rule_id, matches)`` without a frozen dataclass's per-field ``object.__setattr__``."""
    hit = object.__new__(RuleHit)
    set_id, set_matches = _HIT_SLOTS
    set_id(hit, rule_id)
    set_matches(hit, matches)
    return hit


def _order(m: Match) -> tuple[int, int, int]:
    return (0 if m.field == "title" else 1, m.start, m.end)


def _phrases(node: Node) -> list[Phrase]:
    if isinstance(node, Phrase):
        return [node]
    if isinstance(node, (AllOf, AnyOf)):
        return [p for c in node.children for p in _phrases(c)]
    if isinstance(node, Near):
        return _phrases(node.left) + _phrases(node.right)
    if isinstance(node, (Not, InTitle)):
        return _phrases(node.child)
    return []


class RuleMatcher:
    """A Matcher over rules (and optionally ordinary watchlists): what ``newsbot match --rules`` runs."""

    def __init__(self, rules: RuleSet, watchlists: Sequence[Watchlist] = ()) -> None:
        self.rules = rules
        self.matcher = Matcher([*watchlists, *rules.watchlists()])

    def match(self, title: str, summary: str = "", facts: StoryFacts | None = None,
              folded: Folded | None = None) -> tuple[list[Match], list[RuleHit]]:
        """(matches of the ordinary watchlists, rules that fired); ``folded`` as for ``Matcher.match``."""
        hits: dict[str, list[Match]] = {}
        plain = _split_phrase_hits(self.matcher.match(title, summary, folded), hits)
        return plain, self.rules.evaluate_hits(hits, facts or _NO_FACTS, (title, summary))

