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

Two passes run only when needed: HTML entities (``&``, decoded up to three
times because feeds double-encode) and CamelCase hashtags (``#BlackSea``,
``#NATOSummit``). ``token_spans`` and ``normalize_with_offsets`` repeat the
same steps while remembering where each token came from in the original;
they run only for stories that matched, to report spans.

Speed: the table is applied as a one-character-per-character *shape* (a deleted mark becomes a
marker, then is dropped), so positions survive for spans; text that fits Windows-1256 (nearly all
news) is translated as bytes, several times faster than ``str.translate``; both give the same text.
"""

from __future__ import annotations

import codecs
import html
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, repeat

__all__ = [
    "NormalizedText",
    "TokenSpans",
    "fold",
    "is_arabic_token",
    "normalize",
    "normalize_with_offsets",
    "token_spans",
    "tokens",
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
# Letters (category Lo/Lm) that are really marks on the previous letter: delete them.
_MARK_LETTERS = frozenset("\u0674\u06e5\u06e6")  # high hamza; Quranic small waw, small yeh

_TATWEEL = "\u0640"
# Spacing modifier letters (category Lm) that behave like apostrophes.
_MODIFIER_PUNCT = range(0x02B0, 0x0300)


def _fold_char(ch: str) -> str | None:
    """What one code point becomes: a string, a space, or nothing (None: deleted)."""
    decomposed = unicodedata.normalize("NFKD", ch)
    decomposed = unicodedata.normalize("NFKD", decomposed.casefold())
    out: list[str] = []
    for c in decomposed:
        cat = unicodedata.category(c)
        if cat[0] == "M" or cat == "Cf" or c == _TATWEEL or c in _MARK_LETTERS:
            continue  # marks, format characters, tatweel: delete, keep the word whole
        if cat == "Nd":
            out.append(str(unicodedata.decimal(c)))
            continue
        c = _LETTER_FOLDS.get(c, c)
        if c.isalnum() and ord(c) not in _MODIFIER_PUNCT:
            out.append(c)
        else:
            out.append(" ")
    return "".join(out) or None


class _FoldTable(dict[int, "str | None"]):
    """A translate table covering all of Unicode, filled in as code points appear."""

    def __missing__(self, key: int) -> str | None:
        value = self[key] = _fold_char(chr(key))
        return value


# What each code point does to token *shape*, one character per code point, so
# token positions in ``s.translate(_SHAPE)`` are positions in ``s``:
# a mark (kept at a token's end) / another deletion / a longer fold / as folded.
_SHAPE_MARK, _SHAPE_GONE, _SHAPE_WIDE = "\x01", "\x02", "\x03"
_MARKERS = _SHAPE_MARK + _SHAPE_GONE


class _ShapeTable(dict[int, str]):
    def __missing__(self, key: int) -> str:
        folded = _TABLE[key]
        if folded is None:
            value = _SHAPE_MARK if unicodedata.category(chr(key))[0] == "M" else _SHAPE_GONE
        elif len(folded) == 1:
            value = folded
        elif not folded.strip():
            value = " "  # "…" folds to three separators: one is the same
        elif " " not in folded:
            value = _SHAPE_WIDE  # "ﻻ" -> "لا": one token either way
        else:
            value = folded  # a fold that spans tokens ("½" -> "1 2"): lengths differ, slow path
        self[key] = value
        return value


_TABLE = _FoldTable()
_SHAPE = _ShapeTable()
# A plain dict translates faster than one with __missing__, so the blocks news is written in (Latin,
# Greek, Cyrillic, Hebrew, Arabic, punctuation, currency, presentation and fullwidth forms) are filled
# in at import (microseconds a code point: these, not all of 0-0x3000); other text uses the lazy table.
_FAST_BLOCKS = ((0, 0x0700), (0x0750, 0x0780), (0x08A0, 0x0900), (0x1E00, 0x1F00), (0x2000, 0x2150),
                (0xFB00, 0x10000))
_FAST_SHAPE: dict[int, str] = {cp: _SHAPE[cp] for lo, hi in _FAST_BLOCKS for cp in range(lo, hi)}
_NOT_FAST = re.compile("[^" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi - 1))}" for lo, hi in _FAST_BLOCKS) + "]")


def _code_page_shape(codec: str) -> bytes:
    """The shape table of a single-byte code page's characters, as a bytes.translate table: built
    from the shape table, so translating Windows-1256 bytes gives the same shape, several times faster."""
    table = bytearray()
    for ch in bytes(range(256)).decode(codec):
        shape = _SHAPE[ord(ch)]
        try:
            table += shape.encode(codec) if len(shape) == 1 else _NO_BYTE
        except UnicodeEncodeError:
            table += _NO_BYTE
    return bytes(table)


_CODE_PAGE = "cp1256"
_NO_BYTE = b"\x04"  # this character's shape is not one code-page character: use str.translate
_CODE_PAGE_SHAPE = _code_page_shape(_CODE_PAGE)
_CP_DECODE = bytes(range(256)).decode(_CODE_PAGE)  # the codec's tables, called directly: no lookup by name
_CP_ENCODE = codecs.charmap_build(_CP_DECODE)


def _shape(text: str) -> str:
    """``text.translate(_SHAPE)``, by the fastest route that gives the same string."""
    try:
        coded = codecs.charmap_encode(text, "strict", _CP_ENCODE)[0].translate(_CODE_PAGE_SHAPE)
        shape = codecs.charmap_decode(coded, "strict", _CP_DECODE)[0]
    except UnicodeEncodeError:
        pass
    else:
        if "\x04" not in shape:  # _NO_BYTE, decoded
            return shape
    return text.translate(_SHAPE if _NOT_FAST.search(text) else _FAST_SHAPE)


# Same pattern html.unescape uses, so per-match unescaping equals whole-string unescaping.
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")
_UNESCAPE_ROUNDS = 3  # "&amp;#039;" (double-encoded RSS) needs two
_HASHTAG = re.compile(r"#([^\W_]+)")
# Lower->upper ("BlackSea") and acronym->word ("NATOSummit") boundaries.
_CAMEL = re.compile(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _split_camel(m: re.Match[str]) -> str:
    return "#" + _CAMEL.sub(" ", m.group(1))


def _unescape(text: str) -> str:
    for _ in range(_UNESCAPE_ROUNDS):
        decoded = html.unescape(text)
        if decoded == text:
            break
        text = decoded
    return text


def fold(text: str) -> tuple[str, str | None]:
    """``normalize(text)`` and the token shape ``token_spans`` can reuse (None: it cannot).

    One ``translate`` through the shape table gives both: drop the deletion
    markers and collapse spaces. Only a character that folds to several
    characters (ﻻ, ß, ½) sends the text through the full fold table.
    """
    if "&" in text:
        text = _unescape(text)
    if "#" in text:
        text = _HASHTAG.sub(_split_camel, text)
    shape = _shape(text)
    if len(shape) != len(text) or _SHAPE_WIDE in shape:
        return _collapse(text.translate(_TABLE)), None
    return _collapse(shape.replace(_SHAPE_MARK, "").replace(_SHAPE_GONE, "")), shape


def _collapse(s: str) -> str:
    """``" ".join(s.split())`` for text whose only whitespace is " " (folded text), faster."""
    while "  " in s:
        s = s.replace("  ", " ")
    return s.strip(" ")


def normalize(text: str) -> str:
    """Normalised text: folded tokens separated by single spaces, no outer spaces."""
    return fold(text)[0]


def tokens(text: str) -> list[str]:
    """The token sequence of a text, as the matcher sees it."""
    return normalize(text).split()


def is_arabic_token(token: str) -> bool:
    """True when a normalised token is written in Arabic letters (so takes proclitics)."""
    return bool(token) and "\u0620" <= token[0] <= "\u06ff"


# ------------------------------------------------------------- provenance
_Origins = tuple[list[int], list[int]]


def _edit(s: str, origins: _Origins | None, edits: list[tuple[int, int, str]]) -> tuple[str, _Origins]:
    """Apply sorted, disjoint (start, end, replacement) edits to ``s``, carrying per-char origins.

    A replacement's characters all come from the whole replaced range; an
    insertion (start == end) comes from nowhere (an empty range).
    """
    starts, ends = origins if origins is not None else (list(range(len(s))), list(range(1, len(s) + 1)))
    parts: list[str] = []
    o_starts: list[int] = []
    o_ends: list[int] = []
    pos = 0
    for a, b, rep in edits:
        parts.append(s[pos:a])
        o_starts += starts[pos:a]
        o_ends += ends[pos:a]
        lo, hi = (starts[a], ends[b - 1]) if b > a else (starts[a], starts[a])
        parts.append(rep)
        o_starts += [lo] * len(rep)
        o_ends += [hi] * len(rep)
        pos = b
    parts.append(s[pos:])
    o_starts += starts[pos:]
    o_ends += ends[pos:]
    return "".join(parts), (o_starts, o_ends)


def _prepare(text: str) -> tuple[str, _Origins | None]:
    """The entity and hashtag passes of ``normalize``, with origins (None: unchanged text)."""
    s, origins = text, None
    if "&" in s:
        for _ in range(_UNESCAPE_ROUNDS):
            edits = [(m.start(), m.end(), rep) for m in _CHARREF.finditer(s)
                     if (rep := html.unescape(m.group(0))) != m.group(0)]
            if not edits:
                break
            s, origins = _edit(s, origins, edits)
    if "#" in s:
        edits = [(m.start(1) + c.start(), m.start(1) + c.start(), " ")
                 for m in _HASHTAG.finditer(s) for c in _CAMEL.finditer(m.group(1))]
        if edits:
            s, origins = _edit(s, origins, edits)
    return s, origins


class TokenSpans(Sequence[tuple[int, int]]):
    """Original [start, end) of each token of ``normalize(text)``, trailing diacritics included.

    Built from the token *shape* (one translate, or the one ``fold`` already
    did), split on spaces; a token's span is worked out only when asked for,
    because a story with hits usually needs two or three of its fifty tokens.
    """

    __slots__ = ("_ends", "_index", "_origins", "_pieces", "_slow")

    def __init__(self, text: str, shape: str | None = None, count: int = -1) -> None:
        """``shape``: from ``fold(text)``; ``count``: the number of tokens, if known."""
        self._origins: _Origins | None = None
        self._slow: list[tuple[int, int]] | None = None
        s = text
        if "&" in text or "#" in text:
            s, self._origins = _prepare(text)
        if shape is None:
            shape = s.translate(_SHAPE)
        if len(shape) != len(s):  # a character folds to several tokens
            self._slow = _slow_spans(text)
            return
        pieces = self._pieces = shape.split(" ")
        self._ends = list(accumulate(map(len, pieces)))  # piece i ends at _ends[i] + i
        index = self._index = list(compress(range(len(pieces)), pieces))
        if len(index) != count and (_SHAPE_MARK in shape or _SHAPE_GONE in shape):
            # Some pieces may be deletions only (a lone RLM between spaces): not tokens.
            self._index = list(compress(range(len(pieces)), map(str.strip, pieces, repeat(_MARKERS))))

    def __len__(self) -> int:
        return len(self._slow) if self._slow is not None else len(self._index)

    def __getitem__(self, k: int) -> tuple[int, int]:  # type: ignore[override]
        return self.cover(k, k)

    def cover(self, first: int, last: int) -> tuple[int, int]:
        """Original [start, end) from the start of token ``first`` to the end of token ``last``."""
        if self._slow is not None:
            return self._slow[first][0], self._slow[last][1]
        pieces, ends, index = self._pieces, self._ends, self._index
        i = index[first]
        piece = pieces[i]
        start = ends[i] + i - len(piece)
        if piece[0] in _MARKERS:  # leading deletions are not part of the word
            start += len(piece) - len(piece.lstrip(_MARKERS))
        i = index[last]
        piece = pieces[i]
        end = ends[i] + i
        if piece[-1] == _SHAPE_GONE:  # nor trailing format characters (trailing marks are)
            end -= len(piece) - len(piece.rstrip(_SHAPE_GONE))
        if self._origins is None:
            return start, end
        return self._origins[0][start], self._origins[1][end - 1]


def token_spans(text: str) -> list[tuple[int, int]]:
    """Original [start, end) of every token of ``normalize(text)``, in order."""
    return list(TokenSpans(text))


def _slow_spans(text: str) -> list[tuple[int, int]]:
    norm = normalize_with_offsets(text)
    spans: list[tuple[int, int]] = []
    pos = 0
    for tok in norm.text.split():
        spans.append(norm.original_span(pos, pos + len(tok)))
        pos += len(tok) + 1
    return spans


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
    """``normalize`` with per-character provenance (a diacritic belongs to the letter before it)."""
    s, origins = _prepare(text)
    starts, ends = origins if origins is not None else (range(len(s)), range(1, len(s) + 1))
    out_chars: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    for c, st, en in zip(s, starts, ends):
        folded = _TABLE[ord(c)]
        if folded is None:
            if out_chars and out_chars[-1] != " " and _SHAPE[ord(c)] == _SHAPE_MARK:
                out_ends[-1] = max(out_ends[-1], en)
            continue
        for fc in folded:
            out_chars.append(fc)
            out_starts.append(st)
            out_ends.append(en)

    # Collapse whitespace and trim, as " ".join(s.split()) does.
    final: list[str] = []
    f_starts: list[int] = []
    f_ends: list[int] = []
    pending: tuple[int, int] | None = None
    for c, st, en in zip(out_chars, out_starts, out_ends):
        if c == " ":
            if final and pending is None:
                pending = (st, en)
            continue
        if pending is not None:
            final.append(" ")
            f_starts.append(pending[0])
            f_ends.append(pending[1])
            pending = None
        final.append(c)
        f_starts.append(st)
        f_ends.append(en)
    return NormalizedText("".join(final), tuple(f_starts), tuple(f_ends))
