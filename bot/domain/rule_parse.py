"""The rule language of /watch, /preview and ``newsbot match --rules``: text -> a typed tree.

One grammar for every platform (precedence from loosest to tightest)::

    rule    := either ( ("|" | OR) either )*
    either  := near ( ["+" | AND] near )*       juxtaposition is AND too: "غزة -كرة"
    near    := unary [ "~N" unary ]             within N words, same field
    unary   := ("-" | NOT) unary | "title:" unary | primary
    primary := phrase | '"' any text '"' | "(" rule ")" | "source:" IDS | "lang:" ar|en

A phrase is a term as /watch takes it (clitics, folds, ``*`` for one word);
``=`` in front of a phrase turns cross-lingual expansion off. ``-`` is the veto
only where an operand starts (``cease-fire`` stays one word). Parsing is a single
left-to-right pass with bounded depth, so no input is expensive, and nothing
the user types reaches a regular-expression engine.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.rule_tokens import LANGS, MAX_NEAR, RuleError, Tok, tokens
from bot.domain.slot_new import slot_setters
from bot.domain.watchlists import TermError, parse_term

__all__ = [
    "AllOf",
    "AnyOf",
    "FromSource",
    "InLang",
    "InTitle",
    "MAX_DEPTH",
    "MAX_NEAR",
    "MAX_PHRASES",
    "MAX_RULE_LENGTH",
    "Near",
    "Node",
    "Not",
    "Phrase",
    "RuleError",
    "needs_hit",
    "parse_rule",
    "parse_rule_phrases",
    "phrases_of",
]

MAX_RULE_LENGTH = 500
MAX_PHRASES = 20
MAX_DEPTH = 6


# ------------------------------------------------------------------ the tree
@dataclass(frozen=True, slots=True)
class Phrase:
    """A term; ``literal`` when written ``=TERM`` (no cross-lingual expansion)."""

    text: str
    literal: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Near:
    """``left ~window right``: at most ``window`` words between them, in the same field."""

    left: Node
    right: Node
    window: int


@dataclass(frozen=True, slots=True)
class InTitle:
    child: Node


@dataclass(frozen=True, slots=True)
class FromSource:
    feeds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InLang:
    langs: tuple[str, ...]


Node = Phrase | AllOf | AnyOf | Not | Near | InTitle | FromSource | InLang


_TERM_ERRORS_AR = {
    "empty": "عبارة فارغة.",
    "too_long": "العبارة طويلة جداً: الحد الأقصى 100 حرف.",
    "too_many_words": "العبارة طويلة جداً: الحد الأقصى 12 كلمة.",
    "no_letters": "العبارة بلا حروف ولا أرقام.",
    "too_short": "العبارة قصيرة جداً: اكتب حرفين على الأقل.",
    "wildcard_edge": "لا يمكن أن تبدأ العبارة أو تنتهي بالرمز *؛ استعمله بين كلمتين فقط.",
}


# ------------------------------------------------------------------- parser
class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = tokens(text)
        self.i = 0
        self.phrases: list[Phrase] = []  # in rule order, as phrases_of gives them

    def peek(self) -> Tok:
        return self.toks[self.i]

    def take(self) -> Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def rule(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise RuleError("too_deep", self.peek().pos, f"أقواس متداخلة أكثر من اللازم: الحد الأقصى {MAX_DEPTH} مستويات.")
        parts = [self.either(depth)]
        toks = self.toks
        while toks[self.i].kind == "|":
            self.i += 1
            parts.append(self.either(depth))
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def either(self, depth: int) -> Node:
        parts = [self.near(depth)]
        toks = self.toks
        while True:
            kind = toks[self.i].kind
            if kind == "+":
                self.i += 1
            elif kind in ("end", "|", ")"):
                break
            parts.append(self.near(depth))  # "A -B", "A (B | C)": juxtaposition is AND
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def near(self, depth: int) -> Node:
        left = self.unary(depth)
        if self.toks[self.i].kind != "~":
            return left
        op = self.take()
        if op.number > MAX_NEAR:
            raise RuleError("near_range", op.pos, f"المسافة بعد ~ من 0 إلى {MAX_NEAR} كلمة.")
        right = self.unary(depth)
        for side in (left, right):
            if not _has_positions(side):
                raise RuleError("near_operand", op.pos, "على جانبي ~ عبارتان (أو بدائل بينها |)، بلا نفي ولا "
                                                        "source: ولا lang:.")
        if self.peek().kind == "~":
            raise RuleError("near_chain", self.peek().pos, "لا يمكن وصل أكثر من ~ واحدة؛ استعمل + بين شرطين.")
        return Near(left, right, op.number)

    def unary(self, depth: int) -> Node:
        tok = self.toks[self.i]
        if tok.kind == "-":
            self.take()
            return Not(self.unary(depth + 1))
        if tok.kind == "title":
            self.take()
            child = self.unary(depth + 1)
            if not _has_positions(child) and not _only_phrases(child):
                raise RuleError("title_operand", tok.pos, "بعد title: عبارة أو مجموعة عبارات بين أقواس.")
            return InTitle(child)
        return self.primary(depth)

    def primary(self, depth: int) -> Node:
        tok = self.toks[self.i]
        if tok.kind == "(":
            self.take()
            if self.peek().kind == ")":
                raise RuleError("empty_group", tok.pos, "قوسان فارغان: اكتب عبارة بينهما.")
            inner = self.rule(depth + 1)
            if self.peek().kind != ")":
                raise RuleError("unclosed_paren", tok.pos, "قوس فُتح ولم يُغلق.")
            self.take()
            return inner
        if tok.kind == "source":
            self.take()
            feeds = tuple(f.lower() for f in tok.value.split(",") if f)  # ids and hosts are lower-case
            if not feeds or any(not _feed_id_ok(f) for f in feeds):
                raise RuleError("source_id", tok.pos, "بعد source: معرّف مصدر (أو عدة معرّفات بينها فاصلة): "
                                                      "source:aljazeera")
            return FromSource(feeds)
        if tok.kind == "lang":
            self.take()
            langs = tuple(x.lower() for x in tok.value.split("|"))
            if not langs or any(x not in LANGS for x in langs):
                raise RuleError("lang_code", tok.pos, "بعد lang: إما ar (العربية) أو en (الإنجليزية).")
            return InLang(langs)
        literal = False
        if tok.kind == "=":
            self.take()
            literal = True
            tok = self.peek()
        if tok.kind == "quoted":
            self.take()
            return self.phrase(tok.value, tok.pos + 1, literal)
        if tok.kind == "word":
            toks, i = self.toks, self.i + 1
            while toks[i].kind == "word":
                i += 1
            self.i = i
            return self.phrase(self.text[tok.pos:toks[i - 1].end], tok.pos, literal)
        raise _unexpected(tok)

    def phrase(self, text: str, pos: int, literal: bool) -> Phrase:
        if len(self.phrases) >= MAX_PHRASES:
            raise RuleError("too_many_phrases", pos, f"عبارات كثيرة في قاعدة واحدة: الحد الأقصى {MAX_PHRASES}.")
        try:
            parse_term(text)
        except TermError as exc:
            raise RuleError(f"term_{exc.code}", pos, _TERM_ERRORS_AR.get(exc.code, "عبارة غير صالحة.")) from None
        node = _new_phrase(text.strip(), literal, pos)
        self.phrases.append(node)
        return node


_PHRASE_SLOTS = slot_setters(Phrase, ("text", "literal", "position"))


def _new_phrase(text: str, literal: bool, position: int) -> Phrase:
    """``Phrase(text, literal, position)`` without a frozen dataclass's per-field ``object.__setattr__``."""
    node = object.__new__(Phrase)
    set_text, set_literal, set_position = _PHRASE_SLOTS
    set_text(node, text)
    set_literal(node, literal)
    set_position(node, position)
    return node


def _unexpected(tok: Tok) -> RuleError:
    if tok.kind == "end":
        return RuleError("missing_operand", tok.pos, "القاعدة تنتهي قبل أوانها: ينقص عبارة بعد آخر عامل.")
    if tok.kind == ")":
        return RuleError("stray_paren", tok.pos, "قوس إغلاق بلا قوس فتح، أو بلا عبارة قبله.")
    if tok.kind in ("+", "|"):
        return RuleError("missing_operand", tok.pos, f"ينقص عبارة قبل «{tok.kind}».")
    if tok.kind == "~":
        return RuleError("missing_operand", tok.pos, "ينقص عبارة قبل ~.")
    return RuleError("unexpected", tok.pos, "رمز في غير موضعه.")


def _feed_id_ok(feed: str) -> bool:
    """An operator feed id (lower-case letters, digits, ``.-_``), a chat feed's host, or ``@channel``."""
    return len(feed) <= 100 and all(c.isascii() and (c.isalnum() or c in "._-:@") for c in feed)


def _has_positions(node: Node) -> bool:
    """Whether a node stands for word positions (what ~N measures)."""
    if isinstance(node, Phrase):
        return True
    if isinstance(node, InTitle):
        return _has_positions(node.child)
    if isinstance(node, AnyOf):
        return all(_has_positions(c) for c in node.children)
    return False


def _only_phrases(node: Node) -> bool:
    """Phrases combined by + | - ~ only (what title: may scope)."""
    if isinstance(node, Phrase):
        return True
    if isinstance(node, (AllOf, AnyOf)):
        return all(_only_phrases(c) for c in node.children)
    if isinstance(node, Not):
        return _only_phrases(node.child)
    if isinstance(node, Near):
        return True
    if isinstance(node, InTitle):
        return _only_phrases(node.child)
    return False


def needs_hit(node: Node) -> bool:
    """True when the node can hold only if one of its un-negated phrases is in the story.

    Every rule must: a rule of vetoes and scopes alone would fire on nearly every story,
    and this is what lets the evaluator look only at rules whose phrases were hit.
    """
    if isinstance(node, (Phrase, Near)):
        return True
    if isinstance(node, InTitle):
        return needs_hit(node.child)
    if isinstance(node, AllOf):
        return any(needs_hit(c) for c in node.children)
    if isinstance(node, AnyOf):
        return all(needs_hit(c) for c in node.children)
    return False


def phrases_of(node: Node) -> list[Phrase]:
    """Every phrase of a tree, in rule order."""
    if isinstance(node, Phrase):
        return [node]
    if isinstance(node, (AllOf, AnyOf)):
        return [p for c in node.children for p in phrases_of(c)]
    if isinstance(node, Near):
        return phrases_of(node.left) + phrases_of(node.right)
    if isinstance(node, (Not, InTitle)):
        return phrases_of(node.child)
    return []


def parse_rule(text: str) -> Node:
    """Parse and validate one rule; raise RuleError with the position of the first problem."""
    return parse_rule_phrases(text)[0]


def parse_rule_phrases(text: str) -> tuple[Node, list[Phrase]]:
    """``parse_rule`` and the tree's phrases in rule order (``phrases_of``), collected while parsing."""
    if not isinstance(text, str) or not text.strip():
        raise RuleError("empty", 0, "القاعدة فارغة: اكتب عبارة واحدة على الأقل.")
    if len(text) > MAX_RULE_LENGTH:
        raise RuleError("too_long", MAX_RULE_LENGTH, f"القاعدة طويلة جداً: الحد الأقصى {MAX_RULE_LENGTH} حرف.")
    p = _Parser(text)
    root = p.rule(0)
    tok = p.peek()
    if tok.kind != "end":
        raise _unexpected(tok)
    if not needs_hit(root):
        raise RuleError("no_positive", 0, "القاعدة كلها نفي أو نطاقات: أضف عبارة يجب أن يذكرها الخبر، "
                                          "مثل «غزة -كرة».")
    return root, p.phrases
