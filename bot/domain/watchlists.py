"""Watchlists: what a chat tracks, as plain data.

A watchlist is a set of terms (any one fires), optional exclusion phrases
that veto the matches falling inside them, and per-term rules for ambiguous
aliases. Terms are data, never code: the only syntax is ``*`` for "at most
one word here" (``**`` for two), so nothing a user types reaches a
regular-expression engine.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from bot.domain.text import normalize
from bot.errors import NewsbotError

__all__ = [
    "Term",
    "Watchlist",
    "TermError",
    "WatchlistError",
    "MAX_TERM_LENGTH",
    "parse_term",
    "term_key",
    "watchlist_from_mapping",
    "custom_watchlist_id",
    "is_custom_watchlist_id",
]

MAX_TERM_LENGTH = 100
MAX_TERM_TOKENS = 12
WILDCARD = "*"
_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")


class TermError(NewsbotError, ValueError):
    """A term a user or a config file gave cannot be used; ``code`` names why."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code
        self.detail = detail


class WatchlistError(NewsbotError, ValueError):
    """A watchlist definition is invalid."""


@dataclass(frozen=True, slots=True)
class Term:
    """One alias.

    ``proper``: an English proper name that is also a common phrase ("Black
    Sea", "Trump"): an all-lower-case occurrence inside mixed-case text does
    not count. ``upper``: counts only written in capitals (acronyms such as
    UN, which is also a French word). ``near``: the term counts only with one
    of these phrases at most ``window`` words before or after it.
    ``unless``: the term does not count in a story that also contains one
    of these phrases anywhere (title or summary): the context that makes
    the name a namesake (زيلينسكي with نابولي is the footballer).
    ``plural``: an English last word also matches its regular plural (user
    terms have it on).
    """

    text: str
    proper: bool = False
    upper: bool = False
    near: tuple[str, ...] = ()
    window: int = 2
    plural: bool = False
    unless: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Watchlist:
    id: str
    label: str
    terms: tuple[Term, ...]
    exclude: tuple[str, ...] = ()
    hashtag: str = ""
    builtin: bool = True
    description: str = ""
    urgent: bool = False  # the operator's ``urgent: true``: every alert it answers is urgent

    @property
    def tag(self) -> str:
        """Hashtag body (no ``#``): the configured one, else the label with underscores."""
        if self.hashtag:
            return self.hashtag.lstrip("#")
        return re.sub(r"[^\w]+", "_", self.label).strip("_")


@dataclass(frozen=True, slots=True)
class ParsedTerm:
    """A term split into normalised segments separated by word gaps."""

    segments: tuple[tuple[str, ...], ...]
    gaps: tuple[int, ...] = field(default=())


_CUSTOM_PREFIX = "custom:"


def custom_watchlist_id(destination_id: int) -> str:
    """The id of a destination's own watchlist (built from /watch terms)."""
    return f"{_CUSTOM_PREFIX}{destination_id}"


def is_custom_watchlist_id(watchlist_id: str) -> bool:
    """Whether an id names a destination's own list rather than a built-in one."""
    return watchlist_id.startswith(_CUSTOM_PREFIX)


def parse_term(text: str) -> ParsedTerm:
    """Validate and split a term; raise TermError with a code the chat can explain."""
    if not isinstance(text, str):
        raise TermError("empty")
    return _parse_term(text)


@lru_cache(maxsize=1 << 16)
def _parse_term(text: str) -> ParsedTerm:
    """Cached: loading a list validates each term, then the matcher and term_key parse it again."""
    raw = text.strip()
    if not raw:
        raise TermError("empty")
    if len(raw) > MAX_TERM_LENGTH:
        raise TermError("too_long", str(len(raw)))
    if WILDCARD not in raw:  # most terms: one segment, the same checks as below
        toks = tuple(normalize(raw).split())
        if not toks:
            raise TermError("no_letters")
        if len(toks) > MAX_TERM_TOKENS:
            raise TermError("too_many_words", str(len(toks)))
        if sum(map(len, toks)) < 2:
            raise TermError("too_short")
        return ParsedTerm((toks,))
    parts = re.split(r"(\*+)", raw)
    segments: list[tuple[str, ...]] = []
    gaps: list[int] = []
    pending_gap = 0
    for part in parts:
        if part.startswith(WILDCARD):
            pending_gap += len(part)
            continue
        toks = tuple(normalize(part).split())
        if not toks:
            continue
        if segments:
            gaps.append(pending_gap)
        elif pending_gap:
            raise TermError("wildcard_edge")
        segments.append(toks)
        pending_gap = 0
    if not segments:
        raise TermError("no_letters")
    if pending_gap:
        raise TermError("wildcard_edge")
    # Merge segments that had no wildcard between them (e.g. "a * b" has one; "a b" none).
    merged: list[tuple[str, ...]] = [segments[0]]
    merged_gaps: list[int] = []
    for seg, gap in zip(segments[1:], gaps):
        if gap == 0:
            merged[-1] = merged[-1] + seg
        else:
            merged.append(seg)
            merged_gaps.append(gap)
    n_tokens = sum(len(s) for s in merged)
    if n_tokens > MAX_TERM_TOKENS:
        raise TermError("too_many_words", str(n_tokens))
    letters = sum(len(t) for s in merged for t in s)
    if letters < 2:
        raise TermError("too_short")
    return ParsedTerm(tuple(merged), tuple(merged_gaps))


@lru_cache(maxsize=1 << 16)
def term_key(text: str) -> str:
    """Identity of a term inside one watchlist: two spellings that normalise alike are one."""
    parsed = parse_term(text)
    out: list[str] = []
    for i, seg in enumerate(parsed.segments):
        if i:
            out.append(WILDCARD * parsed.gaps[i - 1])
        out.append(" ".join(seg))
    return " ".join(out)


def _phrases(obj: Any, where: str, key: str) -> tuple[str, ...]:
    """A phrase or list of phrases (``near``, ``unless``), each checked as a term."""
    raw = obj or ()
    if isinstance(raw, str):
        raw = (raw,)
    if not isinstance(raw, (list, tuple)):
        raise WatchlistError(f"{where}: '{key}' must be a phrase or a list of phrases")
    out = tuple(str(p) for p in raw)
    for phrase in out:
        try:
            parse_term(phrase)
        except TermError as exc:
            raise WatchlistError(f"{where}: {key} {phrase!r}: {exc}") from None
    return out


def _term_from(obj: Any, where: str, unless: tuple[str, ...] = ()) -> Term:
    if isinstance(obj, str):
        parse_term(obj)
        return Term(obj, unless=unless)
    if isinstance(obj, Mapping):
        text = obj.get("term")
        if not isinstance(text, str):
            raise WatchlistError(f"{where}: a term mapping needs a 'term' string")
        unknown = set(obj) - {"term", "proper", "upper", "near", "window", "plural", "unless"}
        if unknown:
            raise WatchlistError(f"{where}: unknown keys {sorted(unknown)}")
        near = _phrases(obj.get("near"), where, "near")
        own_unless = _phrases(obj.get("unless"), where, "unless")
        window = obj.get("window", 2)
        if not isinstance(window, int) or not 0 <= window <= 10:
            raise WatchlistError(f"{where}: window must be an integer 0..10")
        parse_term(text)
        return Term(
            text,
            proper=bool(obj.get("proper", False)),
            upper=bool(obj.get("upper", False)),
            near=near,
            window=window,
            plural=bool(obj.get("plural", False)),
            unless=tuple(dict.fromkeys(unless + own_unless)),
        )
    raise WatchlistError(f"{where}: a term is a string or a mapping with 'term'")


def watchlist_from_mapping(obj: Mapping[str, Any], where: str = "watchlist") -> Watchlist:
    """Build a Watchlist from its YAML mapping; raise WatchlistError saying what is wrong."""
    if not isinstance(obj, Mapping):
        raise WatchlistError(f"{where}: expected a mapping")
    wl_id = obj.get("id")
    if not isinstance(wl_id, str) or not _ID_RE.match(wl_id):
        raise WatchlistError(f"{where}: 'id' must be lower-case letters, digits, '-' or '_'")
    label = obj.get("label")
    if not isinstance(label, str) or not label.strip():
        raise WatchlistError(f"{where} ({wl_id}): 'label' (Arabic display name) is required")
    raw_terms = obj.get("terms")
    if not isinstance(raw_terms, list) or not raw_terms:
        raise WatchlistError(f"{where} ({wl_id}): 'terms' must be a non-empty list")
    unknown = set(obj) - {"id", "label", "terms", "exclude", "unless", "hashtag", "description", "urgent"}
    if unknown:
        raise WatchlistError(f"{where} ({wl_id}): unknown keys {sorted(unknown)}")
    # A list-wide ``unless`` is every term's context veto (a term may add its own).
    list_unless = _phrases(obj.get("unless"), f"{where} ({wl_id})", "unless")
    terms = []
    for i, t in enumerate(raw_terms):
        try:
            terms.append(_term_from(t, f"{where} ({wl_id}) term {i + 1}", list_unless))
        except TermError as exc:
            raise WatchlistError(f"{where} ({wl_id}) term {i + 1} {t!r}: {exc}") from None
    excludes = obj.get("exclude") or []
    if not isinstance(excludes, list):
        raise WatchlistError(f"{where} ({wl_id}): 'exclude' must be a list")
    for x in excludes:
        try:
            parse_term(str(x))
        except TermError as exc:
            raise WatchlistError(f"{where} ({wl_id}) exclude {x!r}: {exc}") from None
    return Watchlist(
        id=wl_id,
        label=label.strip(),
        terms=tuple(terms),
        exclude=tuple(str(x) for x in excludes),
        hashtag=str(obj.get("hashtag") or ""),
        builtin=True,
        description=str(obj.get("description") or ""),
        urgent=obj.get("urgent") is True,
    )
