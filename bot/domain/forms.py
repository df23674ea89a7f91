"""Surface forms of a term: generate the allowed spellings, never strip text.

Arabic attaches conjunctions, prepositions and the article to the next word
(والناتو، للناتو، وبالبحر). Stripping such letters from text tokens breaks
names that begin with them (بوتين -> وتين) and invents words (وكيف -> كيف),
so instead the finite set of valid prefixed spellings of a term's first
token is defined here and compared by equality.

The set depends only on whether the term's first token carries the article,
so a term is indexed once by its *core* (the token without its article) and
the letters in front of the core are checked against one of two fixed sets:
``first_token_forms`` and the matcher agree by construction.
"""

from __future__ import annotations

from bot.domain.text import is_arabic_token

__all__ = [
    "ARTICLE_PREFIXES",
    "PLAIN_PREFIXES",
    "PROCLITICS",
    "SPLIT_HEADS",
    "core_and_prefixes",
    "english_plurals",
    "first_token_forms",
]

_CONJ = ("", "و", "ف")
_PREP = ("", "ب", "ك", "ل")
_ARTICLE_PREP = ("", "ب", "ك")  # ل + ال contracts to لل
_ARTICLE = "ال"

#: Every proclitic sequence that may stand before a noun (for docs and tests).
PROCLITICS: frozenset[str] = frozenset(
    {c + p for c in _CONJ for p in _PREP}
    | {c + p + _ARTICLE for c in _CONJ for p in _ARTICLE_PREP}
    | {c + "لل" for c in _CONJ}
) - {""}

#: What may stand before the core of a term written with the article (الناتو -> ناتو):
#: the article with its clitics, or لل. ``لال`` stays because a hamza-initial word
#: folds to the same letters (لألمانيا -> لالمانيا).
ARTICLE_PREFIXES: frozenset[str] = frozenset(
    {c + p + _ARTICLE for c in _CONJ for p in _PREP} | {c + "لل" for c in _CONJ}
)
#: What may stand before a term without the article: clitics, and the article too (هدنة -> بالهدنة).
PLAIN_PREFIXES: frozenset[str] = frozenset(
    {c + p for c in _CONJ for p in _PREP}
    | {c + p + _ARTICLE for c in _CONJ for p in _ARTICLE_PREP}
    | {c + "لل" for c in _CONJ}
)
#: The article cut off by tatweel or quotes, as its own token: الـ«ناتو» -> "ال ناتو".
SPLIT_HEADS: frozenset[str] = frozenset(
    {c + p + _ARTICLE for c in _CONJ for p in _ARTICLE_PREP} | {c + "لل" for c in _CONJ}
)


def _has_article(token: str) -> bool:
    return token.startswith(_ARTICLE) and len(token) > 3


def core_and_prefixes(token: str) -> tuple[str, frozenset[str]] | None:
    """(core, allowed prefixes) of an Arabic first token; None for other scripts (no clitics)."""
    if not is_arabic_token(token):
        return None
    if _has_article(token):
        return token[len(_ARTICLE):], ARTICLE_PREFIXES
    return token, PLAIN_PREFIXES


def first_token_forms(token: str) -> frozenset[str]:
    """All spellings of a term's first token with the proclitics Arabic allows."""
    found = core_and_prefixes(token)
    if found is None:
        return frozenset((token,))
    core, prefixes = found
    return frozenset(p + core for p in prefixes)


def english_plurals(token: str) -> frozenset[str]:
    """Regular English plurals of a Latin word (drone -> drones, embassy -> embassies)."""
    if len(token) < 3 or not token.isascii() or not token.isalpha():
        return frozenset()
    if token.endswith("y") and token[-2] not in "aeiou":
        return frozenset((token[:-1] + "ies",))
    if token.endswith(("s", "x", "z", "ch", "sh")):
        return frozenset((token + "es",))
    return frozenset((token + "s",))
