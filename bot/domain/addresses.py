"""Web addresses, e-mail addresses and @handles inside story text: not words of the story.

``https://nato-watch.example.org/`` names no story about NATO, and ``nato.int`` in a summary
is no mention to alert on. ``address_spans`` finds them; ``mask_addresses`` blanks them out
(same length, so every other offset still points into the original text) before matching.

Each pattern starts only where a run of its characters starts (look-behinds), and every
repetition stops at a character class it cannot re-enter, so one scan is linear in the text.
"""

from __future__ import annotations

import re

__all__ = ["address_spans", "mask_addresses", "inside_address"]

_TAIL = r"[^\s<>\"«»]*"
_ADDRESS = re.compile(
    r"(?:https?|ftp)://" + _TAIL                                         # a URL with its scheme
    + r"|(?<![\w.-])www\." + _TAIL                                       # www.example.com/…
    + r"|(?<![\w.%+@-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"  # e-mail
    + r"|(?<![\w@])@[A-Za-z0-9_]{2,64}"                                  # @handle
    + r"|(?<![\w.@/-])(?:[A-Za-z0-9-]+\.)+[a-z]{2,24}(?![\w-])(?:/" + _TAIL + ")?",  # nato.int/…
    re.ASCII,
)
_TRAILING = ".,;:!?)]}'،؛"  # sentence punctuation after an address is not part of it
# Every address has "@", "://" or a dot before a Latin letter; most story text has none, and
# two substring tests and one literal-led search find that out in a fraction of a microsecond.
_DOT_LETTER = re.compile(r"\.[A-Za-z]")


def address_spans(text: str) -> list[tuple[int, int]]:
    """[start, end) of every address in ``text``, in order."""
    if not text or ("@" not in text and "://" not in text and _DOT_LETTER.search(text) is None):
        return []
    out: list[tuple[int, int]] = []
    for m in _ADDRESS.finditer(text):
        start, end = m.span()
        while end > start and text[end - 1] in _TRAILING:
            end -= 1
        if end > start + 1:
            out.append((start, end))
    return out


def mask_addresses(text: str) -> str:
    """``text`` with every address replaced by spaces of the same length."""
    spans = address_spans(text)
    if not spans:
        return text
    parts: list[str] = []
    pos = 0
    for start, end in spans:
        parts.append(text[pos:start])
        parts.append(" " * (end - start))
        pos = end
    parts.append(text[pos:])
    return "".join(parts)


def inside_address(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    """Whether [start, end) overlaps one of ``spans``."""
    return any(s < end and start < e for s, e in spans)
