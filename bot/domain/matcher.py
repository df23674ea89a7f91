"""Match stories against every watchlist at once with one Aho-Corasick automaton.

Text is normalised once (``bot.domain.text``) into space-separated tokens and
padded with spaces; every pattern is a token sequence padded the same way, so
a hit always sits on token boundaries and a term never fires inside a longer
word (ناتو in السيناتور, nato in senator).

The automaton is layered so that editing one chat's list is cheap: a large
*base* built from a snapshot, a small *overlay* rebuilt on each change, and a
set of *removed* item ids filtered out at match time. ``compact()`` folds the
overlay into a new base; callers run it in a worker thread, never on the hot
path. Matching reads one immutable state object, so it needs no lock.
"""

from __future__ import annotations

import itertools
import threading
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import ahocorasick

from bot.domain.forms import english_plurals, first_token_forms, split_article_forms
from bot.domain.text import normalize, normalize_with_offsets
from bot.domain.watchlists import Term, Watchlist, parse_term

__all__ = ["Match", "Matcher"]

_TERM, _EXCL, _CTX = 0, 1, 2
_SEP = " | "  # between title and summary; "|" never survives normalisation


@dataclass(frozen=True, slots=True)
class Match:
    """Why a story fired: which watchlist, which term, and where in the original text."""

    watchlist: str
    term: str
    field: str  # "title" or "summary"
    start: int
    end: int
    surface: str


@dataclass(frozen=True, slots=True)
class _Item:
    """A compiled term, exclusion or context phrase with its automaton keys."""

    id: int
    kind: int
    watchlist: str
    keys: tuple[tuple[str, int], ...]  # (pattern, segment index)
    term: Term | None = None
    gaps: tuple[int, ...] = ()
    ctx: tuple[int, ...] = ()  # context item ids (for Term.near)


class _Index:
    """An immutable automaton over a set of items."""

    __slots__ = ("automaton", "size")

    def __init__(self, items: Iterable[_Item]) -> None:
        table: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for item in items:
            for key, seg in item.keys:
                table[key].append((item.kind, item.id, seg))
        self.size = len(table)
        self.automaton: ahocorasick.Automaton | None = None
        if table:
            auto = ahocorasick.Automaton()
            for key, entries in table.items():
                auto.add_word(key, (len(key), tuple(entries)))
            auto.make_automaton()
            self.automaton = auto

    def iter(self, hay: str) -> Iterator[tuple[int, tuple[int, tuple[tuple[int, int, int], ...]]]]:
        if self.automaton is None:
            return iter(())
        return self.automaton.iter(hay)


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


def _segment_keys(seg: tuple[str, ...], first: bool, plural: bool, last: bool) -> set[str]:
    heads = first_token_forms(seg[0]) if first else frozenset((seg[0],))
    variants: list[set[str]] = [set(heads)] + [{t} for t in seg[1:]]
    if plural and last:
        variants[-1] |= english_plurals(seg[-1])
    keys = {" " + " ".join(combo) + " " for combo in itertools.product(*variants)}
    if first:
        tail = " ".join(seg[1:])
        for head, rest in split_article_forms(seg[0]):
            keys.add(f" {head} {rest} {tail} " if tail else f" {head} {rest} ")
    return keys


def _phrase_keys(text: str, plural: bool = False) -> tuple[tuple[tuple[str, int], ...], tuple[int, ...]]:
    parsed = parse_term(text)
    keys: list[tuple[str, int]] = []
    n = len(parsed.segments)
    for i, seg in enumerate(parsed.segments):
        keys.extend((k, i) for k in _segment_keys(seg, i == 0, plural, i == n - 1))
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
                for wl in watchlists:
                    self._stage(wl)
                self._state = self._with_items(self._state, self._state.items, self._state.watchlists)
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
            for wl in lists:
                self._stage(wl)
            st = self._state
            self._state = self._with_items(st, st.items, st.watchlists)

    def remove_watchlist(self, watchlist_id: str) -> None:
        with self._lock:
            st = self._state
            old = self._by_list.pop(watchlist_id, ())
            items = {k: v for k, v in st.items.items() if k not in set(old)}
            wls = {k: v for k, v in st.watchlists.items() if k != watchlist_id}
            self._state = self._with_items(st, items, wls)

    def _stage(self, wl: Watchlist) -> None:
        """Compile ``wl`` into the pending state (caller holds the lock)."""
        st = self._state
        old = set(self._by_list.get(wl.id, ()))
        items = {k: v for k, v in st.items.items() if k not in old}
        new_ids: list[int] = []
        for term in wl.terms:
            ctx_ids = tuple(self._context_id(items, p) for p in term.near)
            keys, gaps = _phrase_keys(term.text, plural=term.plural)
            item = _Item(next(self._ids), _TERM, wl.id, keys, term, gaps, ctx_ids)
            items[item.id] = item
            new_ids.append(item.id)
        for phrase in wl.exclude:
            keys, _ = _phrase_keys(phrase)
            item = _Item(next(self._ids), _EXCL, wl.id, keys)
            items[item.id] = item
            new_ids.append(item.id)
        self._by_list[wl.id] = tuple(new_ids)
        wls = dict(st.watchlists)
        wls[wl.id] = wl
        self._state = _State(st.base, st.overlay, st.removed, items, wls, st.base_ids, st.overlay_ids)

    def _context_id(self, items: dict[int, _Item], phrase: str) -> int:
        key = " ".join(normalize(phrase).split())
        cid = self._ctx_by_key.get(key)
        if cid is None or cid not in items:
            keys, _ = _phrase_keys(phrase)
            cid = next(self._ids)
            items[cid] = _Item(cid, _CTX, "", keys)
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
        """Every watchlist match in a story, with spans in the original title/summary."""
        st = self._state
        tn = normalize(title) if title else ""
        sn = normalize(summary) if summary else ""
        hay = " " + tn + _SEP + sn + " "
        hits = list(st.base.iter(hay))
        if st.overlay.automaton is not None:
            hits.extend(st.overlay.iter(hay))
        if not hits:
            return []
        return _Resolver(st, hay, len(tn), title, summary).resolve(hits)

    def matched_ids(self, title: str, summary: str = "") -> list[str]:
        """Sorted ids of the watchlists a story matches."""
        return sorted({m.watchlist for m in self.match(title, summary)})


class _Resolver:
    """Turns raw automaton hits into checked matches (rare path: only stories with hits)."""

    def __init__(self, st: _State, hay: str, title_len: int, title: str, summary: str) -> None:
        self.st = st
        self.hay = hay
        self.title_len = title_len
        self.fields = {"title": title, "summary": summary}
        self._offsets: dict[str, object] = {}

    def resolve(self, hits: list[tuple[int, tuple[int, tuple[tuple[int, int, int], ...]]]]) -> list[Match]:
        st = self.st
        segs: dict[int, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
        excl: dict[str, list[tuple[int, int]]] = defaultdict(list)
        ctx: dict[int, list[tuple[int, int]]] = defaultdict(list)
        for end, (length, entries) in hits:
            start = end - length + 1
            for kind, item_id, seg in entries:
                if item_id in st.removed:
                    continue
                item = st.items.get(item_id)
                if item is None:
                    continue
                if kind == _TERM:
                    segs[item_id][seg].append((start, end))
                elif kind == _EXCL:
                    excl[item.watchlist].append((start, end))
                else:
                    ctx[item_id].append((start, end))

        found: dict[str, list[tuple[int, int, Term]]] = defaultdict(list)
        for item_id, by_seg in segs.items():
            item = st.items[item_id]
            assert item.term is not None
            for span in self._chains(item, by_seg):
                if any(xs <= span[0] and span[1] <= xe for xs, xe in excl.get(item.watchlist, ())):
                    continue
                if item.term.near and not self._near(span, item, ctx):
                    continue
                found[item.watchlist].append((span[0], span[1], item.term))

        matches: list[Match] = []
        for wl_id, spans in found.items():
            spans.sort(key=lambda x: (x[0], -(x[1] - x[0])))
            kept: list[tuple[int, int, Term]] = []
            for s, e, term in spans:
                if any(ks <= s and e <= ke for ks, ke, _ in kept):
                    continue
                m = self._to_match(wl_id, s, e, term)
                if m is not None:
                    kept.append((s, e, term))
                    matches.append(m)
        matches.sort(key=lambda m: (m.field != "title", m.start, m.watchlist))
        return matches

    def _chains(self, item: _Item, by_seg: dict[int, list[tuple[int, int]]]) -> list[tuple[int, int]]:
        """Spans where consecutive segments sit with at most ``gap`` words between them."""
        chains = list(by_seg.get(0, ()))
        for i, gap in enumerate(item.gaps, start=1):
            nxt = by_seg.get(i, ())
            joined: list[tuple[int, int]] = []
            for s0, e0 in chains:
                for s1, e1 in nxt:
                    if s1 < e0:
                        continue
                    between = self.hay[e0:s1 + 1]
                    words = between.count(" ") - 1
                    if 0 <= words <= gap and "|" not in between:
                        joined.append((s0, e1))
            chains = joined
            if not chains:
                break
        return chains

    def _token_range(self, start: int, end: int) -> tuple[int, int]:
        return self.hay.count(" ", 0, start + 1) - 1, self.hay.count(" ", 0, end) - 1

    def _near(self, span: tuple[int, int], item: _Item, ctx: dict[int, list[tuple[int, int]]]) -> bool:
        assert item.term is not None
        ms, me = self._token_range(*span)
        for cid in item.ctx:
            for cs_pos, ce_pos in ctx.get(cid, ()):
                lo, hi = min(span[0], cs_pos), max(span[1], ce_pos)
                if "|" in self.hay[lo:hi]:
                    continue
                cs, ce = self._token_range(cs_pos, ce_pos)
                if ce < ms:
                    dist = ms - ce - 1
                elif cs > me:
                    dist = cs - me - 1
                else:
                    dist = 0
                if dist <= item.term.window:
                    return True
        return False

    def _to_match(self, wl_id: str, s: int, e: int, term: Term) -> Match | None:
        if s + 1 <= self.title_len:
            name, a, b = "title", s, e - 1
        else:
            off = self.title_len + len(_SEP) + 1
            name, a, b = "summary", s + 1 - off, e - off
        original = self.fields[name]
        norm = self._offsets.get(name)
        if norm is None:
            norm = normalize_with_offsets(original)
            self._offsets[name] = norm
        os_, oe = norm.original_span(a, b)  # type: ignore[attr-defined]
        surface = original[os_:oe]
        if term.proper and not _proper_ok(surface, original):
            return None
        if term.upper and any(c.islower() for c in surface):
            return None
        return Match(wl_id, term.text, name, os_, oe, surface)


def _proper_ok(surface: str, text: str) -> bool:
    """A proper-name alias written all lower-case inside mixed-case text is the common phrase."""
    if any(c.isupper() for c in surface) or not any(c.islower() for c in surface):
        return True
    return not any(c.isupper() for c in text)
