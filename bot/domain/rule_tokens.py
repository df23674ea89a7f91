"""The rule language's tokens: one left-to-right pass over the text.

``bot.domain.rule_parse`` builds the tree from these; a token that cannot be is a
``RuleError`` with its position and an Arabic reason.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from bot.errors import NewsbotError

__all__ = ["LANGS", "MAX_NEAR", "RuleError", "Tok", "tokens"]

MAX_NEAR = 30
LANGS = ("ar", "en")


class RuleError(NewsbotError, ValueError):
    """A rule that cannot be used: ``position`` (0-based, into the rule text) and an Arabic reason."""

    def __init__(self, code: str, position: int, message_ar: str) -> None:
        super().__init__(f"{code} at {position}: {message_ar}")
        self.code = code
        self.position = position
        self.message_ar = message_ar


_OPEN_QUOTES = {'"': '"', "\u201c": "\u201d", "\u201d": "\u201d", "\u00ab": "\u00bb", "\u201e": "\u201d"}
_STOP = set('()+|~"\u201c\u201d\u00ab\u00bb\u201e')  # characters that end a word
_KEYWORDS = {"AND": "+", "OR": "|", "NOT": "-"}
_SCOPES = ("title", "source", "lang")


class Tok(NamedTuple):
    kind: str  # word quoted ( ) + | - ~ = title source lang end
    pos: int
    end: int
    value: str = ""
    number: int = 0


# The characters that end a word (every space, the operator and quote characters, NUL), and one
# search in C that finds the next of them: a word's end costs one call, not a step per letter.
_BREAKS = frozenset(chr(cp) for cp in range(0x3001) if chr(cp).isspace()) | _STOP | {"\0"}
_WORD_END = re.compile("[" + "".join(sorted(re.escape(c) for c in _BREAKS)) + "]")


_new = tuple.__new__  # Tok(...) through NamedTuple's generated __new__ costs several times more


def tokens(text: str) -> list[Tok]:
    out: list[Tok] = []
    add = out.append
    i, n = 0, len(text)
    word_end = _WORD_END.search
    while i < n:
        c = text[i]
        if c == " ":
            i += 1
            continue
        if c not in _BREAKS:  # not a space nor an operator or quote character: a word, - or =
            if c == "-" or c == "=":
                # Only where a token starts: inside a word ("cease-fire") the scan below keeps it.
                add(_new(Tok, (c, i, i + 1, "", 0)))
                i += 1
                continue
        elif c in "()+|":
            add(_new(Tok, (c, i, i + 1, "", 0)))
            i += 1
            continue
        elif c == "~":
            j = i + 1
            while j < n and text[j].isdigit() and text[j].isascii():
                j += 1
            if j == i + 1 or j - i > 4:
                raise RuleError("near_number", i, f"بعد ~ يأتي عدد الكلمات بين العبارتين، من 0 إلى {MAX_NEAR}: "
                                                  "مثل «زيلينسكي ~5 ترامب».")
            add(_new(Tok, ("~", i, j, "", int(text[i + 1:j]))))
            i = j
            continue
        elif c in _OPEN_QUOTES:
            j = text.find(_OPEN_QUOTES[c], i + 1)
            if j < 0:
                raise RuleError("unclosed_quote", i, "علامة تنصيص لم تُغلق.")
            add(_new(Tok, ("quoted", i, j + 1, text[i + 1:j], 0)))
            i = j + 1
            continue
        elif c in _STOP:
            raise RuleError("stray_quote", i, "علامة تنصيص إغلاق بلا علامة فتح.")
        else:
            i += 1  # another space
            continue
        found = word_end(text, i)
        j = n if found is None else found.start()
        word = text[i:j]
        if ":" in word:
            head, _, rest = word.partition(":")
            scope = head.lower()
            if scope in _SCOPES:
                if scope == "title":
                    add(_new(Tok, ("title", i, i + len(head) + 1, "", 0)))
                    i += len(head) + 1
                    continue
                if scope == "lang":
                    # "lang:ar|en": the alternatives belong to the scope, not to the rule's "|"
                    while j + 2 < n and text[j] == "|" and text[j + 1:j + 3].lower() in LANGS and (
                            j + 3 == n or text[j + 3].isspace() or text[j + 3] in _STOP):
                        j += 3
                    rest = text[i + len(head) + 1:j]
                add(_new(Tok, (scope, i, j, rest, 0)))
                i = j
                continue
        kind = _KEYWORDS.get(word)
        if kind is not None:
            add(_new(Tok, (kind, i, j, "", 0)))
        else:
            add(_new(Tok, ("word", i, j, word, 0)))
        i = j
    add(_new(Tok, ("end", n, n, "", 0)))
    return out
