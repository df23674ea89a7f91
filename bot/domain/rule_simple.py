"""The common rule shapes parsed without the full parser, and phrase checks memoised.

``newsbot match --rules`` and a replica's ``WatchIndex`` compile thousands of rules at
start; most are one phrase or phrases joined by ``+`` and ``-`` (``A + B``, ``A -B``), and
``simple_rule`` builds their tree in one pass. It returns exactly the tree
``bot.domain.rule_parse`` would, or None for anything else (including every error, so
the parser's Arabic message and position stay the only ones).
"""

from __future__ import annotations

from bot.domain.rule_tree import AllOf, Node, Not, Phrase
from bot.domain.watchlists import TermError, parse_term

__all__ = ["MAX_PHRASES", "simple_rule", "term_problem"]

MAX_PHRASES = 20

_CHECKED: dict[str, str | None] = {}  # phrase text -> TermError code (None: a valid term)


def term_problem(text: str) -> str | None:
    """``parse_term``'s verdict on a phrase, memoised: 10,000 rules share far fewer phrases."""
    try:
        return _CHECKED[text]
    except KeyError:
        pass
    code: str | None = None
    try:
        parse_term(text)
    except TermError as exc:
        code = exc.code
    if len(_CHECKED) < 100_000:
        _CHECKED[text] = code
    return code


# Characters that make a rule need the full parser; without them a rule is phrases, "+" and "-".
_COMPLEX = frozenset('()|~="\u201c\u201d\u00ab\u00bb\u201e:\0')


def simple_rule(text: str) -> Node | None:
    """The common shapes ("A", "A + B", "A -B", "A B -C") parsed in one pass, or None (use the parser).

    Same tree as the parser builds for them: words run into a phrase, "+" and juxtaposition
    make one AllOf, "-" where an operand starts negates the phrase after it. Anything unusual
    (an error, a keyword, no positive phrase) is left to the parser, which explains it.
    """
    if not _COMPLEX.isdisjoint(text):
        return None
    parts: list[Node] = []
    i, n = 0, len(text)
    negate, start, end, plus = 0, -1, 0, False

    def close() -> bool:
        nonlocal negate, start, plus
        phrase = text[start:end].strip()
        if len(parts) >= MAX_PHRASES or term_problem(phrase) is not None:
            return False
        node: Node = Phrase(phrase, False, start)
        for _ in range(negate):
            node = Not(node)
        parts.append(node)
        negate, start, plus = 0, -1, False
        return True

    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
        elif c == "+":
            if start >= 0:
                if not close():
                    return None
            elif negate or plus or not parts:
                return None
            plus = True
            i += 1
        elif c == "-":  # words run to a space or "+", so this "-" starts an operand
            if start >= 0 and not close():
                return None
            negate += 1
            i += 1
        else:
            j = i
            while j < n and text[j] != "+" and not text[j].isspace():
                j += 1
            if text[i:j] in _KEYWORDS:
                return None
            if start < 0:
                start = i
            end = i = j
    if start >= 0:
        if not close():
            return None
    elif negate or plus:
        return None
    if not any(isinstance(p, Phrase) for p in parts):
        return None
    return parts[0] if len(parts) == 1 else AllOf(tuple(parts))


_KEYWORDS = frozenset(("AND", "OR", "NOT"))
