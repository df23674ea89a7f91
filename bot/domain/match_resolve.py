"""From raw automaton hits to checked matches: proclitics, ``*`` chains, exclusions, context, spans.

Only stories with hits get here; ``bot.domain.matcher`` does the scan.
"""

from __future__ import annotations

import unicodedata

from bot.domain.forms import ARTICLE_PREFIXES, PLAIN_PREFIXES, SPLIT_HEADS
from bot.domain.match_compile import (
    _ARTICLE,
    _EXACT,
    _EXCL,
    _PLAIN,
    _SEP,
    _TERM,
    Match,
    _Entries,
    _Item,
    _Span,
    _State,
)
from bot.domain.slot_new import slot_setters
from bot.domain.text import TokenSpans
from bot.domain.watchlists import Term

__all__ = ["Resolver"]


class Resolver:
    """Turns raw automaton hits into checked matches (only stories with hits get here)."""

    __slots__ = ("_cased", "_spans", "hay", "norm", "original", "shapes", "st", "summary_at")

    def __init__(self, st: _State, hay: str, norm: tuple[str, str], original: tuple[str, str],
                 shapes: tuple[str | None, str | None]) -> None:
        self.st = st
        self.hay = hay
        self.norm = norm
        self.original = original
        self.shapes = shapes
        self.summary_at = len(norm[0]) + len(_SEP) + 1  # haystack position of the summary's first char
        self._spans: list[TokenSpans | None] = [None, None]
        self._cased: list[bool | None] = [None, None]

    def resolve(self, hits: list[tuple[int, _Entries]]) -> list[Match]:
        removed = self.st.removed
        found: list[tuple[int, str, int, int, _Item]] = []  # (start, watchlist, -end, id, item)
        excl: dict[str, list[_Span]] = {}
        ctx: dict[int, list[_Span]] = {}
        segmented: dict[int, dict[int, list[_Span]]] = {}
        hay = self.hay
        for end, (length, entries) in hits:
            at = end - length + 1
            plain = article = -2  # leading-space position of a core hit (-2: not worked out, -1: refused)
            for item, seg, anchor in entries:
                if removed and item.id in removed:
                    continue
                if anchor == _EXACT:
                    start = at
                elif anchor == _PLAIN:
                    if plain == -2:
                        plain = at - 1 if hay[at - 1] == " " else self._head(at, _PLAIN)
                    start = plain
                else:
                    if article == -2:
                        article = self._head(at, _ARTICLE)
                    start = article
                if start < 0:
                    continue
                if item.gaps:
                    segmented.setdefault(item.id, {}).setdefault(seg, []).append((start, end))
                elif item.kind == _TERM:
                    found.append((start, item.watchlist, -end, item.id, item))
                elif item.kind == _EXCL:
                    excl.setdefault(item.watchlist, []).append((start, end))
                else:
                    ctx.setdefault(item.id, []).append((start, end))
        for item_id, by_seg in segmented.items():
            item = self.st.items[item_id]
            for start, end in self._chains(item, by_seg):
                if item.kind == _TERM:
                    found.append((start, item.watchlist, -end, item.id, item))
                elif item.kind == _EXCL:
                    excl.setdefault(item.watchlist, []).append((start, end))
                else:
                    ctx.setdefault(item.id, []).append((start, end))

        # In text order, longest first, so a span inside an earlier kept one is a repeat: every
        # kept span starts no later, so "inside one" is "ends no later than the furthest end".
        found.sort()
        kept: dict[str, int] = {}  # watchlist -> furthest end of its kept spans
        matches: list[Match] = []
        summary_at = self.summary_at
        all_spans = self._spans
        # Spaces before a position, counted incrementally (starts only grow): linear in the story.
        at_pos, at_count, summary_base = 0, 0, -1
        for start, wl_id, neg_end, _, item in found:
            end = -neg_end
            if excl:
                vetoes = excl.get(wl_id)
                if vetoes and any(xs <= start and end <= xe for xs, xe in vetoes):
                    continue
            if item.ctx and not self._near((start, end), item, ctx):
                continue
            if item.unless and any(c in ctx for c in item.unless):
                continue  # the story speaks of a context that makes this term another namesake
            if end <= kept.get(wl_id, -1):
                continue
            # Token range inside its field, then the original characters it came from.
            if start + 1 > at_pos:
                at_count += hay.count(" ", at_pos, start + 1)
                at_pos = start + 1
            if start < summary_at - 1:
                f, first = 0, at_count - 1
            else:
                if summary_base < 0:
                    summary_base = hay.count(" ", 0, summary_at)
                f, first = 1, at_count - summary_base
            spans = all_spans[f]
            if spans is None:
                spans = all_spans[f] = TokenSpans(self.original[f], self.shapes[f], self.norm[f].count(" ") + 1)
            last = first + hay.count(" ", start + 1, end)
            o_start, o_end = spans.cover(first, last)
            original = self.original[f]
            if o_start and original[o_start - 1] == "#":
                o_start -= 1  # a hashtag is reported whole: "#BlackSea", not "BlackSea"
            surface = original[o_start:o_end]
            term: Term = item.term  # type: ignore[assignment]  # terms always carry one
            if term.upper and any(c.islower() for c in surface):
                continue
            if term.proper and not self._proper_ok(f, surface):
                continue
            if "\u0649" in surface and _maqsura_clash(term.text, surface):
                continue
            if end > kept.get(wl_id, -1):
                kept[wl_id] = end
            matches.append(_new_match(wl_id, term.text, _FIELDS[f], o_start, o_end, surface, first, last))
        return matches

    def _head(self, at: int, anchor: int) -> int:
        """Leading-space position of a core hit at ``at`` if its proclitics are allowed, else -1."""
        hay = self.hay
        if hay[at - 1] == " ":
            if anchor == _PLAIN:
                return at - 1
            q = hay.rfind(" ", 0, at - 1)  # the article cut off as its own token: الـ«ناتو»
            return q if hay[q + 1:at - 1] in SPLIT_HEADS else -1
        q = hay.rfind(" ", 0, at)
        return q if hay[q + 1:at] in (ARTICLE_PREFIXES if anchor == _ARTICLE else PLAIN_PREFIXES) else -1

    def _chains(self, item: _Item, by_seg: dict[int, list[_Span]]) -> list[_Span]:
        """Spans where consecutive segments sit with at most ``gap`` words between them."""
        chains = by_seg.get(0, [])
        for i, gap in enumerate(item.gaps, start=1):
            nxt = by_seg.get(i, ())
            joined: list[_Span] = []
            for s0, e0 in chains:
                for s1, e1 in nxt:
                    if s1 < e0:
                        continue
                    between = self.hay[e0:s1 + 1]
                    if between.count(" ") - 1 <= gap and "|" not in between:
                        joined.append((s0, e1))
            chains = joined
            if not chains:
                break
        return chains

    def _token_range(self, start: int, end: int) -> tuple[int, int]:
        return self.hay.count(" ", 0, start + 1) - 1, self.hay.count(" ", 0, end) - 1

    def _near(self, span: _Span, item: _Item, ctx: dict[int, list[_Span]]) -> bool:
        assert item.term is not None
        ms, me = self._token_range(*span)
        for cid in item.ctx:
            for cs_pos, ce_pos in ctx.get(cid, ()):
                lo, hi = min(span[0], cs_pos), max(span[1], ce_pos)
                if "|" in self.hay[lo:hi]:
                    continue
                cs, ce = self._token_range(cs_pos, ce_pos)
                dist = ms - ce - 1 if ce < ms else cs - me - 1 if cs > me else 0
                if dist <= item.term.window:
                    return True
        return False

    def _proper_ok(self, f: int, surface: str) -> bool:
        """An all-lower-case proper name counts in a hashtag or in all-lower-case text only."""
        if surface.lower() != surface or not any(c.islower() for c in surface) or surface[0] == "#":
            return True
        cased = self._cased[f]
        if cased is None:
            original = self.original[f]
            cased = self._cased[f] = original.lower() != original
        return not cased


# Folding ى into ي (Egyptian spelling writes زيلينسكى for زيلينسكي) also makes the preposition على
# look like the name علي. A one-word term written with a final ي never matches these function
# words written with ى: otherwise /watch علي would fire on nearly every Arabic story.
_MAQSURA_WORDS = frozenset({"على", "إلى", "الى", "حتى", "متى", "لدى", "سوى", "مدى"})


def _bare(word: str) -> str:
    return "".join(c for c in word if not unicodedata.category(c).startswith("M") and c != "\u0640")


def _maqsura_clash(term: str, surface: str) -> bool:
    written = _bare(term.strip())
    if " " in written or not written.endswith("\u064a"):
        return False
    word = _bare(surface.split()[-1]) if surface.split() else ""
    if word in _MAQSURA_WORDS:
        return True
    return any(word.startswith(p) and word[len(p):] in _MAQSURA_WORDS for p in PLAIN_PREFIXES if p)


_FIELDS = ("title", "summary")
_MATCH_SLOTS = slot_setters(Match, ("watchlist", "term", "field", "start", "end", "surface", "first_word",
                                     "last_word"))


def _new_match(watchlist: str, term: str, field: str, start: int, end: int, surface: str,
               first_word: int, last_word: int) -> Match:
    """``Match(...)`` at half the cost: a frozen dataclass's __init__ goes through
    ``object.__setattr__`` per field, and a busy story builds several matches."""
    m = object.__new__(Match)
    set_w, set_t, set_f, set_s, set_e, set_x, set_a, set_b = _MATCH_SLOTS
    set_w(m, watchlist)
    set_t(m, term)
    set_f(m, field)
    set_s(m, start)
    set_e(m, end)
    set_x(m, surface)
    set_a(m, first_word)
    set_b(m, last_word)
    return m

