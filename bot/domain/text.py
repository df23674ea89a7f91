"""One normalisation for Arabic and English text, applied to terms and stories alike.

Matching compares *token sequences* of normalised text, so everything that
varies in how a newsroom writes a word and does not change its meaning is
folded here, in a single ``str.translate`` pass over a lazily built table:

* compatibility forms (presentation forms, lam-alef ligatures, fullwidth
  Latin, mathematical letters, NBSP) via NFKD;
* combining marks (Arabic harakat, shadda, superscript alef, Quranic marks,
  Latin accents) and format characters (bidi marks and isolates, ZWJ/ZWNJ,
  BOM, soft hyphen) and tatweel are deleted, so a word stays whole;
* alef forms, alef maqsura, taa marbuta, hamza carriers and Persian/Urdu
  letters are folded; every decimal digit becomes an ASCII digit;
* Latin (and any cased script) is case-folded;
* anything that is not a letter or digit becomes a token separator.

Two passes run only when needed: HTML entities (``&``) and CamelCase
hashtags (``#BlackSea``). ``normalize_with_offsets`` performs exactly the same
steps while remembering where each output character came from; it is used
only to report spans of a match, off the hot path.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

__all__ = [
    "normalize",
    "normalize_with_offsets",
    "tokens",
    "is_arabic_token",
    "NormalizedText",
]

# Letters that Unicode decomposition leaves alone but that we fold.
_LETTER_FOLDS = {
    "\u0671": "\u0627",  # ٱ alef wasla
    "\u0672": "\u0627",  # ٲ alef with wavy hamza above
    "\u0673": "\u0627",  # ٳ alef with wavy hamza below
    "\u0675": "\u0627",  # ٵ high hamza alef
    "\u0649": "\u064a",  # ى alef maqsura -> ي
    "\u0629": "\u0647",  # ة taa marbuta -> ه
    "\u06a9": "\u0643",  # ک keheh -> ك
    "\u06aa": "\u0643",  # ڪ swash kaf -> ك
    "\u06af": "\u0643",  # گ gaf -> ك
    "\u06cc": "\u064a",  # ی Farsi yeh -> ي
    "\u06d2": "\u064a",  # ے yeh barree -> ي
    "\u067e": "\u0628",  # پ peh -> ب
    "\u06a4": "\u0641",  # ڤ veh -> ف (Maghrebi/Levantine "V")
    "\u06a8": "\u0642",  # ڨ qaf with three dots -> ق (Maghrebi "G")
    "\u06d5": "\u0647",  # ە ae -> ه
    "\u06be": "\u0647",  # ھ heh doachashmee -> ه
    "\u06c1": "\u0647",  # ہ heh goal -> ه
}

_DELETE = object()
_TATWEEL = "\u0640"
# Spacing modifier letters (category Lm) that behave like apostrophes.
_MODIFIER_PUNCT = range(0x02B0, 0x0300)


def _fold_char(ch: str) -> str | object:
    """What one code point becomes: a string, a space, or deletion."""
    decomposed = unicodedata.normalize("NFKD", ch)
    decomposed = unicodedata.normalize("NFKD", decomposed.casefold())
    out: list[str] = []
    for c in decomposed:
        cat = unicodedata.category(c)
        if cat[0] == "M" or cat == "Cf" or c == _TATWEEL:
            continue  # marks, format characters, tatweel: delete, keep the word whole
        if cat == "Nd":
            out.append(str(unicodedata.decimal(c)))
            continue
        c = _LETTER_FOLDS.get(c, c)
        if c.isalnum() and ord(c) not in _MODIFIER_PUNCT:
            out.append(c)
        else:
            out.append(" ")
    if not out:
        return _DELETE
    return "".join(out)


class _FoldTable(dict[int, "str | None"]):
    """A translate table covering all of Unicode, filled in as code points appear."""

    def __missing__(self, key: int) -> str | None:
        folded = _fold_char(chr(key))
        value = None if folded is _DELETE else folded
        self[key] = value  # type: ignore[assignment]
        return value


_TABLE = _FoldTable()
for _cp in list(range(0x20, 0x250)) + list(range(0x600, 0x700)) + list(range(0x2000, 0x2070)):
    _TABLE[_cp]  # warm the common blocks so the first story does not pay for them

# Same pattern html.unescape uses, so per-match unescaping equals whole-string unescaping.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
_HASHTAG = re.compile(r"#([^\W_]+)")
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])")


def _split_camel(m: re.Match[str]) -> str:
    return "#" + _CAMEL.sub(" ", m.group(1))


def normalize(text: str) -> str:
    """Normalised text: folded tokens separated by single spaces, no outer spaces."""
    if "&" in text:
        text = html.unescape(text)
    if "#" in text:
        text = _HASHTAG.sub(_split_camel, text)
    return " ".join(text.translate(_TABLE).split())


def tokens(text: str) -> list[str]:
    """The token sequence of a text, as the matcher sees it."""
    return normalize(text).split()


def is_arabic_token(token: str) -> bool:
    """True when a normalised token is written in Arabic letters (so takes proclitics)."""
    return bool(token) and "\u0620" <= token[0] <= "\u06ff"


@dataclass(frozen=True, slots=True)
class NormalizedText:
    """Normalised text with, for every character, the span of the original it came from."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """Original [start, end) covering normalised characters [start, end)."""
        return self.starts[start], self.ends[end - 1]


def normalize_with_offsets(text: str) -> NormalizedText:
    """``normalize`` with provenance; slower, used only to report match spans."""
    # Stage 1: entities. Each piece is (text, original start, original end).
    pieces: list[tuple[str, int, int]] = []
    pos = 0
    if "&" in text:
        for m in _CHARREF.finditer(text):
            pieces.extend((text[i], i, i + 1) for i in range(pos, m.start()))
            pieces.append((html.unescape(m.group(0)), m.start(), m.end()))
            pos = m.end()
    pieces.extend((text[i], i, i + 1) for i in range(pos, len(text)))

    # Expand multi-character pieces so each character carries its origin.
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for piece, s, e in pieces:
        for c in piece:
            chars.append(c)
            starts.append(s)
            ends.append(e)

    # Stage 2: CamelCase hashtags get a space inserted (zero-width in the original).
    if "#" in text:
        joined = "".join(chars)
        inserts: list[int] = []
        for m in _HASHTAG.finditer(joined):
            inserts.extend(m.start(1) + cm.start() for cm in _CAMEL.finditer(m.group(1)))
        for at in reversed(inserts):
            chars.insert(at, " ")
            starts.insert(at, starts[at])
            ends.insert(at, starts[at])

    # Stage 3: fold character by character, exactly as str.translate does.
    out_chars: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    for c, s, e in zip(chars, starts, ends):
        folded = _TABLE[ord(c)]
        if folded is None:
            continue
        for fc in folded:
            out_chars.append(fc)
            out_starts.append(s)
            out_ends.append(e)

    # Stage 4: collapse whitespace and trim, as " ".join(s.split()) does.
    final: list[str] = []
    f_starts: list[int] = []
    f_ends: list[int] = []
    pending_space: tuple[int, int] | None = None
    for c, s, e in zip(out_chars, out_starts, out_ends):
        if c.isspace():
            if final and pending_space is None:
                pending_space = (s, e)
            continue
        if pending_space is not None:
            final.append(" ")
            f_starts.append(pending_space[0])
            f_ends.append(pending_space[1])
            pending_space = None
        final.append(c)
        f_starts.append(s)
        f_ends.append(e)
    return NormalizedText("".join(final), tuple(f_starts), tuple(f_ends))
