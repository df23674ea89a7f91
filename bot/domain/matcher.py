"""Match stories against every watchlist at once with one Aho-Corasick automaton.

Text is normalised once (``bot.domain.text``) into space-separated tokens and
padded with spaces; every pattern is a token sequence padded the same way, so
a hit always sits on token boundaries and a term never fires inside a longer
word (ناتو in السيناتور, nato in senator). An Arabic term is indexed by the
*core* of its first word (الناتو -> "ناتو ..."): the letters in front of a hit
must then be exactly one of the proclitic sequences ``bot.domain.forms``
allows, which is the same as listing every prefixed spelling but keeps the
automaton about twenty times smaller (and faster to scan and rebuild).

The automaton is layered so that editing one chat's list is cheap: a large
*base* built from a snapshot, a small *overlay* rebuilt on each change, and a
set of *removed* item ids filtered out at match time. ``compact()`` folds the
overlay into a new base; callers run it in a worker thread, never on the hot
path. Matching reads one immutable state object, so it needs no lock.

A story without hits costs two folds (``bot.domain.text.fold``) and one
automaton scan; everything else (proclitic checks, chaining ``*`` gaps,
exclusions, context rules, spans in the original text) runs only for hits.
"""

from __future__ import annotations

import dataclasses
import itertools
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import ahocorasick

from bot.domain.addresses import mask_addresses
from bot.domain.forms import ARTICLE_PREFIXES, PLAIN_PREFIXES, SPLIT_HEADS, core_and_prefixes, english_plurals
from bot.domain.text import TokenSpans, fold, normalize
from bot.domain.watchlists import Term, Watchlist, parse_term

__all__ = ["Match", "Matcher"]

_TERM, _EXCL, _CTX = 0, 1, 2
# How a key is anchored: on both sides by spaces, or (an Arabic first token) by its
# core only, the letters before it being checked against the allowed proclitics.
_EXACT, _PLAIN, _ARTICLE = 0, 1, 2
_SEP = " | "  # between title and summary; "|" never survives normalisation

_Span = tuple[int, int]  # (leading space, trailing space) positions of a hit in the haystack


@dataclass(frozen=True, slots=True)
class Match:
    """Why a story fired: which watchlist, which term, and where in the original text."""

    watchlist: str
    term: str
    field: str  # "title" or "summary"
    start: int
    end: int
    surface: str
    # Normalised-token indices of the hit inside its field (first and last, inclusive): what
    # rules measure proximity with. Not part of a match's identity.
    first_word: int = dataclasses.field(default=0, compare=False)
    last_word: int = dataclasses.field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class _Item:
    """A compiled term, exclusion or context phrase with its automaton keys."""

    id: int
    kind: int
    watchlist: str
    keys: tuple[tuple[str, int, int], ...]  # (pattern, segment index, anchoring)
    term: Term | None = None
    gaps: tuple[int, ...] = ()  # max words between consecutive segments ("*")
    ctx: tuple[int, ...] = ()  # context item ids (for Term.near)
    unless: tuple[int, ...] = ()  # context item ids that veto the term anywhere in the story


# One automaton value: (pattern length, ((item, segment index, anchoring), ...)).
_Entries = tuple[int, tuple[tuple[_Item, int, int], ...]]


class _Index:
    """An immutable automaton over a set of items."""

    __slots__ = ("automaton", "size")

    def __init__(self, items: Iterable[_Item]) -> None:
        table: dict[str, list[tuple[_Item, int, int]]] = defaultdict(list)
        for item in items:
            for key, seg, anchor in item.keys:
                table[key].append((item, seg, anchor))
        self.size = len(table)
        self.automaton: ahocorasick.Automaton | None = None
        if table:
            auto = ahocorasick.Automaton()
            for key, entries in table.items():
                auto.add_word(key, (len(key), tuple(entries)))
            auto.make_automaton()
            self.automaton = auto


_EMPTY = _Index(())


@dataclass(frozen=True, slots=True)
class _State:
    base: _Index
    overlay: _Index
    removed: frozenset[int]
    items: dict[int, _Item]
    watchlists: dict[str, Watchlist]
    base_ids: frozenset[int] = field(default=frozenset())
    overlay_ids: frozenset[int] = field(default=frozenset())


def _segment_keys(seg: tuple[str, ...], first: bool, plural: bool, last: bool) -> set[tuple[str, int]]:
    """Automaton keys of one segment, with their anchoring.

    The first token of an Arabic term is indexed by its core (الناتو -> "ناتو ...")
    and the proclitics are checked at match time: one key per term instead of
    one per prefixed spelling keeps the automaton small and cache-friendly.
    """
    found = core_and_prefixes(seg[0]) if first else None
    variants: list[set[str]] = [{seg[0] if found is None else found[0]}] + [{t} for t in seg[1:]]
    if plural and last:
        variants[-1] |= english_plurals(seg[-1])
    if found is None:
        return {(" " + " ".join(combo) + " ", _EXACT) for combo in itertools.product(*variants)}
    anchor = _ARTICLE if found[1] is ARTICLE_PREFIXES else _PLAIN
    return {(" ".join(combo) + " ", anchor) for combo in itertools.product(*variants)}


def _phrase_keys(text: str, plural: bool = False) -> tuple[tuple[tuple[str, int, int], ...], tuple[int, ...]]:
    parsed = parse_term(text)
    keys: list[tuple[str, int, int]] = []
    n = len(parsed.segments)
    for i, seg in enumerate(parsed.segments):
        keys.extend((k, i, a) for k, a in sorted(_segment_keys(seg, i == 0, plural, i == n - 1)))
    return tuple(keys), parsed.gaps


class Matcher:
    """All watchlists, compiled; thread-safe for one writer and many readers."""

    def __init__(self, watchlists: Iterable[Watchlist] = (), *, overlay_limit: int = 500) -> None:
        self._ids = itertools.count(1)
        self._lock = threading.RLock()
        self._by_list: dict[str, tuple[int, ...]] = {}
        self._ctx_by_key: dict[str, int] = {}
        self._overlay_limit = overlay_limit
        self._state = _State(_EMPTY, _EMPTY, frozenset(), {}, {})
        watchlists = list(watchlists)
        if watchlists:
            with self._lock:
                self._stage(watchlists)
            self.compact()

    # ------------------------------------------------------------------ edits
    @property
    def watchlists(self) -> dict[str, Watchlist]:
        return self._state.watchlists

    @property
    def needs_compaction(self) -> bool:
        return len(self._state.overlay_ids) > self._overlay_limit

    def set_watchlist(self, wl: Watchlist) -> None:
        """Add or replace one watchlist; costs only an overlay rebuild."""
        self.set_watchlists([wl])

    def set_watchlists(self, lists: Iterable[Watchlist]) -> None:
        with self._lock:
            self._stage(list(lists))
            st = self._state
            self._state = self._with_items(st, st.items, st.watchlists)

    def remove_watchlist(self, watchlist_id: str) -> None:
        self.remove_watchlists([watchlist_id])

    def remove_watchlists(self, watchlist_ids: Iterable[str]) -> None:
        """Remove several lists with one copy of the state (rules drop phrase lists in batches)."""
        with self._lock:
            st = self._state
            gone = set(watchlist_ids)
            old = {i for wl_id in gone for i in self._by_list.pop(wl_id, ())}
            items = {k: v for k, v in st.items.items() if k not in old}
            wls = {k: v for k, v in st.watchlists.items() if k not in gone}
            self._state = self._with_items(st, items, wls)

    def _stage(self, lists: list[Watchlist]) -> None:
        """Compile ``lists`` into the pending state (caller holds the lock); one copy for all of them."""
        st = self._state
        lists = list({wl.id: wl for wl in lists}.values())  # the same id twice: the last one wins
        old = {i for wl in lists for i in self._by_list.get(wl.id, ())}
        items = {k: v for k, v in st.items.items() if k not in old} if old else dict(st.items)
        wls = dict(st.watchlists)
        for wl in lists:
            self._stage_one(wl, items)
            wls[wl.id] = wl
        self._state = _State(st.base, st.overlay, st.removed, items, wls, st.base_ids, st.overlay_ids)

    def _stage_one(self, wl: Watchlist, items: dict[int, _Item]) -> None:
        new_ids: list[int] = []
        for term in wl.terms:
            ctx_ids = tuple(self._context_id(items, p) for p in term.near)
            unless_ids = tuple(self._context_id(items, p) for p in term.unless)
            keys, gaps = _phrase_keys(term.text, plural=term.plural)
            item = _Item(next(self._ids), _TERM, wl.id, keys, term, gaps, ctx_ids, unless_ids)
            items[item.id] = item
            new_ids.append(item.id)
        for phrase in wl.exclude:
            keys, gaps = _phrase_keys(phrase)
            item = _Item(next(self._ids), _EXCL, wl.id, keys, gaps=gaps)
            items[item.id] = item
            new_ids.append(item.id)
        self._by_list[wl.id] = tuple(new_ids)

    def _context_id(self, items: dict[int, _Item], phrase: str) -> int:
        key = normalize(phrase)
        cid = self._ctx_by_key.get(key)
        if cid is None or cid not in items:
            keys, gaps = _phrase_keys(phrase)
            cid = next(self._ids)
            items[cid] = _Item(cid, _CTX, "", keys, gaps=gaps)
            self._ctx_by_key[key] = cid
        return cid

    def _with_items(self, st: _State, items: dict[int, _Item], wls: dict[str, Watchlist]) -> _State:
        overlay_ids = frozenset(k for k in items if k not in st.base_ids)
        removed = frozenset(k for k in st.base_ids if k not in items)
        overlay = _Index(items[k] for k in overlay_ids) if overlay_ids != st.overlay_ids else st.overlay
        return _State(st.base, overlay, removed, items, wls, st.base_ids, overlay_ids)

    def compact(self) -> None:
        """Rebuild the base automaton from every live item (slow: run it in a worker thread)."""
        with self._lock:
            snapshot = self._state
        base = _Index(snapshot.items.values())
        with self._lock:
            st = self._state
            base_ids = frozenset(snapshot.items)
            pending = _State(base, _EMPTY, frozenset(), st.items, st.watchlists, base_ids, frozenset())
            self._state = self._with_items(pending, st.items, st.watchlists)

    # --------------------------------------------------------------- matching
    def match(self, title: str, summary: str = "") -> list[Match]:
        """Every watchlist match in a story, with spans in the original title/summary (addresses skipped)."""
        st = self._state
        title, summary = mask_addresses(title), mask_addresses(summary)  # URLs, e-mails, @handles: no words
        tn, t_shape = fold(title) if title else ("", None)
        sn, s_shape = fold(summary) if summary else ("", None)
        hay = " " + tn + _SEP + sn + " "
        hits: list[tuple[int, _Entries]] = []
        if st.base.automaton is not None:
            hits = list(st.base.automaton.iter(hay))
        if st.overlay.automaton is not None:
            hits.extend(st.overlay.automaton.iter(hay))
        if not hits:
            return []
        return _Resolver(st, hay, (tn, sn), (title, summary), (t_shape, s_shape)).resolve(hits)

    def matched_ids(self, title: str, summary: str = "") -> list[str]:
        """Sorted ids of the watchlists a story matches."""
        return sorted({m.watchlist for m in self.match(title, summary)})


class _Resolver:
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
_MATCH_SLOTS = tuple(getattr(Match, name).__set__ for name in
                     ("watchlist", "term", "field", "start", "end", "surface", "first_word", "last_word"))


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
