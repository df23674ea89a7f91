"""Surface forms of a term: generate the allowed spellings, never strip text.

Arabic attaches conjunctions, prepositions and the article to the next word
(والناتو، للناتو، وبالبحر). Stripping such letters from text tokens breaks
names that begin with them (بوتين -> وتين) and invents words (وكيف -> كيف),
so instead the finite set of valid prefixed spellings of a term's first
token is generated and compared by equality.
"""

from __future__ import annotations

from bot.domain.text import is_arabic_token

__all__ = ["first_token_forms", "split_article_forms", "english_plurals", "PROCLITICS"]

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


def _has_article(token: str) -> bool:
    return token.startswith(_ARTICLE) and len(token) > 3


def first_token_forms(token: str) -> frozenset[str]:
    """All spellings of a term's first token with the proclitics Arabic allows."""
    if not is_arabic_token(token):
        return frozenset((token,))
    forms = {c + p + token for c in _CONJ for p in _PREP}
    if _has_article(token):
        rest = token[len(_ARTICLE):]
        forms.update(c + "لل" + rest for c in _CONJ)
    else:
        forms.update(c + p + _ARTICLE + token for c in _CONJ for p in _ARTICLE_PREP)
        forms.update(c + "لل" + token for c in _CONJ)
    return frozenset(forms)


def split_article_forms(token: str) -> frozenset[tuple[str, str]]:
    """Two-token spellings where tatweel or quotes cut the article off: الـ«ناتو»."""
    if not is_arabic_token(token) or not _has_article(token):
        return frozenset()
    rest = token[len(_ARTICLE):]
    heads = {c + p + _ARTICLE for c in _CONJ for p in _ARTICLE_PREP} | {c + "لل" for c in _CONJ}
    return frozenset((h, rest) for h in heads)


def english_plurals(token: str) -> frozenset[str]:
    """Regular English plurals of a Latin word (drone -> drones, embassy -> embassies)."""
    if len(token) < 3 or not token.isascii() or not token.isalpha():
        return frozenset()
    if token.endswith("y") and token[-2] not in "aeiou":
        return frozenset((token[:-1] + "ies",))
    if token.endswith(("s", "x", "z", "ch", "sh")):
        return frozenset((token + "es",))
    return frozenset((token + "s",))
