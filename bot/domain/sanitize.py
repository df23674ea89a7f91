"""Invisible characters out of text that came from feeds or users, before any platform shows it.

A right-to-left override inside a title makes a link or file name read
backwards; zero-width characters hide words from the reader and the matcher;
a NUL or other control character breaks rendering. ``plain_text`` removes:

* bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) and
  the marks LRM, RLM, ALM: direction is the alert formatter's job, which adds
  its own isolates around feed text;
* zero-width and invisible characters (U+200B, U+2060-U+2064, U+FEFF,
  U+180E) and Unicode tag characters (used to smuggle hidden text), except in
  an emoji tag sequence (subdivision flags);
* ZWJ (U+200D) except between two letters/marks of a joining script or two
  emoji, where it changes how the text is drawn; ZWNJ (U+200C) is kept, since
  Persian and Arabic typography needs it;
* C0 and C1 control characters (NUL included) except tab and newline; line
  and paragraph separators become spaces.

Pure and linear: ``str.isprintable`` (clean text is returned as it is), else one
``str.translate`` and, only when ZWJ or tag characters are present, one pass
over the characters. No regular expressions.
"""

from __future__ import annotations

import unicodedata

__all__ = ["plain_text", "INVISIBLE"]

_BIDI = [*range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x200E, 0x200F, 0x061C]
_ZERO_WIDTH = [0x200B, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF, 0x180E]
_CONTROLS = [c for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)) if c not in (0x09, 0x0A)]
INVISIBLE = frozenset(_BIDI + _ZERO_WIDTH + _CONTROLS)
_TABLE: dict[int, str | None] = {cp: None for cp in INVISIBLE}
_TABLE.update({0x2028: " ", 0x2029: " "})

_ZWJ = "\u200d"
_TAG_FIRST, _TAG_LAST = 0xE0000, 0xE007F
_BLACK_FLAG = "\U0001f3f4"
_ZWJ_SCRIPT_CATEGORIES = ("Lo", "Lm", "Mn", "Mc")


def _emoji_like(ch: str) -> bool:
    cp = ord(ch)
    return (unicodedata.category(ch) == "So" or 0x1F000 <= cp <= 0x1FAFF or cp in (0xFE0F, 0x20E3)
            or 0x1F3FB <= cp <= 0x1F3FF)


def _zwj_needed(before: str, after: str) -> bool:
    """ZWJ changes drawing between two emoji, or two non-Latin letters/marks (Arabic, Indic joining)."""
    if _emoji_like(before) and _emoji_like(after):
        return True
    return (not before.isascii() and not after.isascii()
            and unicodedata.category(before) in _ZWJ_SCRIPT_CATEGORIES
            and unicodedata.category(after) in _ZWJ_SCRIPT_CATEGORIES)


def _contextual(text: str) -> str:
    """Drop ZWJ where it is not needed and tag characters outside an emoji tag sequence."""
    out: list[str] = []
    in_tags = False
    n = len(text)
    for i, ch in enumerate(text):
        cp = ord(ch)
        if _TAG_FIRST <= cp <= _TAG_LAST:
            if in_tags or (out and out[-1] == _BLACK_FLAG):
                in_tags = cp != 0xE007F  # CANCEL TAG ends the sequence
                out.append(ch)
            continue
        in_tags = False
        if ch == _ZWJ:
            if out and i + 1 < n and _zwj_needed(out[-1], text[i + 1]):
                out.append(ch)
            continue
        out.append(ch)
    return "".join(out)


def plain_text(text: str) -> str:
    """``text`` without bidi controls, needless zero-width characters and control characters."""
    if not text:
        return text
    if text.isprintable():
        return text  # no control, format (bidi, zero-width, tag) or separator character: the usual case
    cleaned = text.translate(_TABLE)
    if cleaned.isascii():
        return cleaned
    if _ZWJ in cleaned or max(cleaned) >= "\U000e0000":
        cleaned = _contextual(cleaned)
    return cleaned
