"""Is a story urgent? The outlet's own breaking marker, or how fast other outlets pick it up.

Two rules of issue 16 live here, both pure:

* **the marker**: newsrooms flag breaking news at the very start of the title
  (``عاجل |``, ``🔴 عاجل:``, ``(عاجل)``, ``BREAKING:``, ``Breaking news -``)
  or with an RSS/Atom category. Only a *leading* marker counts: "ليس عاجلاً"
  or "an urgent meeting" are words, not flags. The title is scanned by hand,
  character by character (no regular expression over feed text);
* **the spread**: at least N distinct outlets carry the story within W
  minutes of its first sighting.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.domain.text import normalize

__all__ = ["Spread", "SpreadRule", "has_breaking_marker", "is_breaking_category", "is_breaking",
           "strip_breaking_marker", "spread_of"]

_OPEN = "([{«‹【〔〖「『<"
_CLOSE = ")]}»›】〕〗」』>"
# What may follow a marker word: the separators newsrooms put after it.
_SEPARATORS = ":|-–—/\\،؛.!•·¦｜：" + _CLOSE
_TATWEEL = "\u0640"

# Normalised (``bot.domain.text.normalize``) category values meaning "breaking".
_CATEGORIES = frozenset({"عاجل", "اخبار عاجله", "خبر عاجل", "عاجل جدا", "breaking", "breaking news",
                         "breakingnews", "urgent", "urgent news", "news alert", "flash"})


def _is_decoration(ch: str) -> bool:
    """Emoji, symbols, spaces, bidi marks and variation selectors that may precede a marker."""
    cat = unicodedata.category(ch)
    return cat in ("So", "Sk", "Sm", "Cf", "Zs", "Cc", "Mn", "Me") or ch in "*#~_\u200d\ufe0f"


def _is_word_char(ch: str) -> bool:
    return ch.isalpha() or ch == _TATWEEL or unicodedata.category(ch) == "Mn"


def _word(title: str, i: int) -> tuple[str, int]:
    """The word starting at ``i`` (letters, tatweel, marks) and where it ends."""
    j = i
    while j < len(title) and _is_word_char(title[j]):
        j += 1
    return title[i:j], j


def _skip_spaces(title: str, i: int) -> int:
    while i < len(title) and (title[i].isspace() or title[i] == _TATWEEL
                              or unicodedata.category(title[i]) == "Cf"):
        i += 1
    return i


def _marker_end(title: str) -> int | None:
    """Where a leading breaking marker ends (before its separator), or None when there is none."""
    i, n = 0, len(title)
    bracketed = False
    while i < n and (_is_decoration(title[i]) or title[i] in _OPEN):
        bracketed = bracketed or title[i] in _OPEN
        i += 1
    raw, j = _word(title, i)
    if not raw:
        return None
    first = normalize(raw)
    strict = False  # True: the word must be followed by a separator to count
    if first == "خبر":  # "خبر عاجل"
        raw2, j2 = _word(title, _skip_spaces(title, j))
        if normalize(raw2) != "عاجل":
            return None
        j = j2
    elif first == "عاجل":
        pass
    elif first in ("breaking", "urgent"):
        caps = raw.isupper() and len(raw) > 1
        k = _skip_spaces(title, j)
        nxt, k2 = _word(title, k)
        if first == "breaking" and nxt.casefold() == "news" and k > j:
            j, strict = k2, not caps
        else:
            strict = not caps  # "BREAKING Ceasefire…" counts; "Breaking the record" does not
    else:
        return None
    k = _skip_spaces(title, j)
    if k >= n:
        return j
    ch = title[k]
    if ch in _SEPARATORS or (bracketed and ch in _CLOSE):
        return j
    if _is_decoration(ch) and not ch.isspace():
        return j  # "عاجل 🔴 …"
    if strict or bracketed:
        return None
    if ch.isalpha() and first in ("عاجل", "خبر"):
        # "عاجل الرئيس يعلن…": a leading عاجل is the marker even without punctuation.
        return j if k > j else None
    return j if ch.isalnum() and k > j else None


def has_breaking_marker(title: str) -> bool:
    """True when the title opens with a breaking-news marker."""
    return _marker_end(title) is not None


def is_breaking_category(category: str) -> bool:
    """True for an RSS/Atom category meaning breaking news (عاجل, Breaking News, urgent…)."""
    return normalize(category) in _CATEGORIES


def is_breaking(title: str, categories: Iterable[str] = ()) -> bool:
    """The outlet flags the story as breaking: by its title's leading marker or a category."""
    return has_breaking_marker(title) or any(is_breaking_category(c) for c in categories)


def strip_breaking_marker(title: str) -> str:
    """The title without its leading marker (and the emoji, brackets and separator around it).

    The alert shows its own ``🔴 عاجل`` line, so the outlet's marker would say it twice. A title
    that is nothing but the marker is returned unchanged.
    """
    end = _marker_end(title)
    if end is None:
        return title
    i = end
    while i < len(title) and (title[i] in _SEPARATORS or title[i].isspace() or title[i] == _TATWEEL
                              or _is_decoration(title[i])):
        i += 1
    rest = title[i:].strip()
    return rest or title


@dataclass(frozen=True, slots=True)
class Spread:
    """How far a story spread: ``outlets`` distinct outlets within ``minutes`` of its first sighting."""

    outlets: int
    minutes: int


@dataclass(frozen=True, slots=True)
class SpreadRule:
    """``NEWSBOT_URGENT_OUTLETS`` and ``NEWSBOT_URGENT_WINDOW``."""

    outlets: int = 3
    window: timedelta = timedelta(minutes=30)


def spread_of(first_seen: datetime, sightings: Iterable[tuple[str, datetime]],
              rule: SpreadRule = SpreadRule()) -> Spread | None:
    """The story's spread when it is urgent by the spread rule, else None.

    ``sightings`` are (outlet, time) pairs, the first outlet's included; an outlet counts once,
    at its earliest sighting, and only sightings up to ``first_seen + rule.window`` count.
    ``minutes`` runs from the first sighting to the latest counted outlet, rounded up (at least
    1), so "تتناقله 4 مصادر خلال 12 دقيقة" is never an understatement.
    """
    limit = first_seen + rule.window
    earliest: dict[str, datetime] = {}
    for outlet, when in sightings:
        key = outlet.strip().casefold()
        if not key or when > limit:
            continue
        if key not in earliest or when < earliest[key]:
            earliest[key] = when
    if len(earliest) < max(1, rule.outlets):
        return None
    last = max(earliest.values())
    seconds = max(0.0, (last - first_seen).total_seconds())
    return Spread(len(earliest), max(1, math.ceil(seconds / 60)))
