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

import itertools
import threading
from collections.abc import Iterable

from bot.domain.addresses import mask_addresses
from bot.domain.match_compile import (
    _CTX,
    _EMPTY,
    _EXCL,
    _SEP,
    _TERM,
    Match,
    _Entries,
    _Index,
    _Item,
    _new_item,
    _phrase_keys,
    _State,
)
from bot.domain.match_resolve import Resolver
from bot.domain.text import fold, normalize
from bot.domain.watchlists import Watchlist

__all__ = ["Folded", "Match", "Matcher"]

#: ``fold`` of a story's masked title and summary: (title, its shape, summary, its shape).
Folded = tuple[str, "str | None", str, "str | None"]


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
            item = _new_item(next(self._ids), _TERM, wl.id, keys, term, gaps, ctx_ids, unless_ids)
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
    def match(self, title: str, summary: str = "", folded: Folded | None = None) -> list[Match]:
        """Every watchlist match in a story, with spans in the original title/summary (addresses skipped).

        ``folded``: ``fold`` of the masked title and of the masked summary (text, shape each), when
        worked out elsewhere (``newsbot match`` folds a large file while it compiles the rules).
        """
        st = self._state
        title, summary = mask_addresses(title), mask_addresses(summary)  # URLs, e-mails, @handles: no words
        if folded is None:
            tn, t_shape = fold(title) if title else ("", None)
            sn, s_shape = fold(summary) if summary else ("", None)
        else:
            tn, t_shape, sn, s_shape = folded
        hay = " " + tn + _SEP + sn + " "
        hits: list[tuple[int, _Entries]] = []
        if st.base.automaton is not None:
            hits = list(st.base.automaton.iter(hay))
        if st.overlay.automaton is not None:
            hits.extend(st.overlay.automaton.iter(hay))
        if not hits:
            return []
        return Resolver(st, hay, (tn, sn), (title, summary), (t_shape, s_shape)).resolve(hits)

    def matched_ids(self, title: str, summary: str = "") -> list[str]:
        """Sorted ids of the watchlists a story matches."""
        return sorted({m.watchlist for m in self.match(title, summary)})

