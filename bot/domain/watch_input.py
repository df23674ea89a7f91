"""What a user typed after /watch: separate rules, and each rule's identity in the chat's list.

``لافروف، شويغو``, two lines, or ``Hamas حماس`` are several things to follow, not one
phrase: the input is cut at top-level ``،`` ``,`` ``;`` and line breaks (never inside
quotes or parentheses, nor in ``source:a,b``), and a bare phrase that mixes Arabic
and Latin words is cut where the script changes. The rule operators keep working
inside each part. One pass over the text, no regular expression.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.rule_parse import AllOf, AnyOf, FromSource, InLang, InTitle, Near, Node, Not, Phrase, parse_rule
from bot.domain.watchlists import term_key

__all__ = ["WatchInput", "split_watch_input", "rule_key", "MAX_PARTS"]

MAX_PARTS = 20  # rules one /watch may add at once
_SEPARATORS = frozenset("،,;؛\n")
_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201d"}


@dataclass(frozen=True, slots=True)
class WatchInput:
    """The rules in one /watch argument; ``split``: the text was cut into several of them."""

    parts: tuple[str, ...]
    split: bool


def _cut(text: str) -> list[str]:
    parts: list[str] = []
    start = depth = 0
    word_start = 0
    close: str | None = None
    for i, c in enumerate(text):
        if close is not None:
            if c == close:
                close = None
            continue
        if c in _QUOTES:
            close = _QUOTES[c]
        elif c == "(":
            depth += 1
        elif c == ")":
            depth = max(0, depth - 1)
        elif c.isspace() and c != "\n":
            word_start = i + 1
        elif c in _SEPARATORS and depth == 0:
            if c == "," and text[word_start:i].lower().startswith("source:"):
                continue  # source:a,b is one scope
            parts.append(text[start:i])
            start = word_start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


def _script(word: str) -> str:
    for ch in word:
        if "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\ufb50" <= ch <= "\ufefc":
            return "ar"
        if ch.isascii() and ch.isalpha():
            return "la"
    return ""


def _by_script(part: str) -> list[str]:
    """A bare phrase of Arabic and Latin words, as one phrase per run of one script."""
    try:
        tree = parse_rule(part)
    except ValueError:
        return [part]  # its error is reported on the whole part
    if not isinstance(tree, Phrase) or tree.literal or tree.text != part:
        return [part]
    runs: list[list[str]] = []
    last = ""
    for word in part.split():
        script = _script(word) or last
        if runs and script == last:
            runs[-1].append(word)
        else:
            runs.append([word])
        last = script
    return [" ".join(r) for r in runs]


def split_watch_input(text: str) -> WatchInput:
    """The separate rules of one /watch argument, in order, without repeats."""
    cut = _cut(text)
    parts: list[str] = []
    for piece in cut:
        parts.extend(_by_script(piece))
    unique = tuple(dict.fromkeys(parts))
    return WatchInput(unique, len(unique) > 1)


def rule_key(text: str) -> str:
    """A rule's identity in a chat's list; a plain term keeps the key terms always had.

    Raises RuleError. ``غزة + هدنة`` and ``هدنة + غزة`` are one rule.
    """
    tree = parse_rule(text)
    if isinstance(tree, Phrase) and not tree.literal:
        return term_key(tree.text)
    return _canonical(tree)


def _canonical(node: Node) -> str:
    if isinstance(node, Phrase):
        return ("=" if node.literal else "") + '"' + term_key(node.text) + '"'
    if isinstance(node, AllOf):
        return "(" + " + ".join(sorted(_canonical(c) for c in node.children)) + ")"
    if isinstance(node, AnyOf):
        return "(" + " | ".join(sorted(_canonical(c) for c in node.children)) + ")"
    if isinstance(node, Not):
        return "-" + _canonical(node.child)
    if isinstance(node, Near):
        return f"({_canonical(node.left)} ~{node.window} {_canonical(node.right)})"
    if isinstance(node, InTitle):
        return "title:" + _canonical(node.child)
    if isinstance(node, FromSource):
        return "source:" + ",".join(sorted(node.feeds))
    assert isinstance(node, InLang)
    return "lang:" + "|".join(sorted(node.langs))
