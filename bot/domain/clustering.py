"""One alert per story: near-duplicate detection across outlets.

Outlets rewrite one wire story with small changes: a prefix ("عاجل |"), a
different verb, spelling variants, hamza or no hamza. Stories are compared on
normalised title tokens (Jaccard, or containment for prefixed/suffixed copies)
and on word 3-shingles of the summary's opening. Candidates come from an
inverted index over the rarer title tokens, so a new story is compared with
a handful of recent ones, not all of them. Only alerted stories inside the
time window are indexed: a copy of a story that alerted nobody cannot repeat
an alert.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from bot.domain.crosslingual import Concepts, concepts, from_json, same_event, to_json
from bot.domain.text import normalize

__all__ = ["Fingerprint", "Clusterer", "fingerprint"]

STOPWORDS = frozenset(normalize(
    "في من على إلى الى عن مع أن إن ان او أو ثم قد لا ما هذا هذه ذلك التي الذي الذين كان كانت بعد قبل "
    "بين حول خلال عند منذ حتى كل غير هو هي هم يوم اليوم عاجل فيديو صور بالصور شاهد "
    "the a an of in on to and for at by with from is are was were be as it its that this after over "
    "into about says said say new video live breaking update updates"
).split())

_SUMMARY_WORDS = 60


@dataclass(frozen=True, slots=True)
class Fingerprint:
    title: frozenset[str]
    shingles: frozenset[str]
    concepts: Concepts | None = None  # the title's language-free keys (bot.domain.crosslingual)

    def dumps(self) -> str:
        d: dict[str, object] = {"t": sorted(self.title), "s": sorted(self.shingles)}
        if self.concepts is not None:
            d["c"] = to_json(self.concepts)
        return json.dumps(d, ensure_ascii=False)

    @classmethod
    def loads(cls, raw: str) -> "Fingerprint":
        d = json.loads(raw)
        c = d.get("c")
        return cls(frozenset(d.get("t", ())), frozenset(d.get("s", ())), from_json(c) if isinstance(c, dict) else None)


def fingerprint(title: str, summary: str, *, lang: str | None = None, entities: Iterable[str] = ()) -> Fingerprint:
    """Normalised content tokens of the title and 3-word shingles of the summary's opening; with
    ``lang`` ('ar' or 'en') also the title's language-free keys, to find the same event across languages."""
    t_tokens = frozenset(t for t in normalize(title).split() if len(t) > 1 and t not in STOPWORDS)
    words = [w for w in normalize(summary).split() if w not in STOPWORDS][:_SUMMARY_WORDS]
    shingles = frozenset(" ".join(words[i:i + 3]) for i in range(max(0, len(words) - 2)))
    return Fingerprint(t_tokens, shingles, concepts(title, "", entities, lang) if lang else None)


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a or not b:
        return 0.0
    inter = len(a & b)
    return inter / (len(a) + len(b) - inter)


def same_story(a: Fingerprint, b: Fingerprint) -> bool:
    """The similarity rule, kept in one place so tests can probe it directly."""
    common = len(a.title & b.title)
    if common >= 3 and _jaccard(a.title, b.title) >= 0.6:
        return True
    if common >= 4 and common / min(len(a.title), len(b.title)) >= 0.85:
        return True
    if len(a.shingles) >= 6 and len(b.shingles) >= 6 and _jaccard(a.shingles, b.shingles) >= 0.5:
        return common >= 2
    return False


class Clusterer:
    """Recent alerted stories, indexed by title token, with a sliding time window."""

    def __init__(self, window_seconds: float) -> None:
        self.window = window_seconds
        self._docs: dict[int, Fingerprint] = {}
        self._feeds: dict[int, int | None] = {}
        self._order: deque[tuple[datetime, int]] = deque()
        self._index: dict[str, set[int]] = defaultdict(set)
        self._keys: dict[str, set[int]] = defaultdict(set)  # language-free keys -> stories

    def __len__(self) -> int:
        return len(self._docs)

    def add(self, story_id: int, fp: Fingerprint, seen_at: datetime, feed_id: int | None = None) -> None:
        if story_id in self._docs:
            return
        self._docs[story_id] = fp
        self._feeds[story_id] = feed_id
        self._order.append((seen_at, story_id))
        for tok in fp.title:
            self._index[tok].add(story_id)
        for key in fp.concepts.keys if fp.concepts is not None else ():
            self._keys[key].add(story_id)

    def prune(self, now: datetime) -> None:
        while self._order and (now - self._order[0][0]).total_seconds() > self.window:
            _, sid = self._order.popleft()
            fp = self._docs.pop(sid, None)
            self._feeds.pop(sid, None)
            if fp is None:
                continue
            for index, toks in ((self._index, fp.title),
                                (self._keys, fp.concepts.keys if fp.concepts is not None else ())):
                for tok in toks:
                    bucket = index.get(tok)
                    if bucket is not None:
                        bucket.discard(sid)
                        if not bucket:
                            del index[tok]

    def feed_of(self, story_id: int) -> int | None:
        """The feed that brought an indexed story (None if unknown)."""
        return self._feeds.get(story_id)

    def find(self, fp: Fingerprint, now: datetime) -> int | None:
        """The earliest indexed story that ``fp`` duplicates, if any."""
        self.prune(now)
        if not fp.title:
            return None
        votes: Counter[int] = Counter()
        # Rare tokens first: common ones add candidates without adding evidence.
        for tok in sorted(fp.title, key=lambda t: len(self._index.get(t, ())))[:12]:
            for sid in self._index.get(tok, ()):
                votes[sid] += 1
        for sid, _n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[:50]:
            if same_story(fp, self._docs[sid]):
                return sid
        return self._find_across_languages(fp.concepts)

    def _find_across_languages(self, mine: Concepts | None) -> int | None:
        """The earliest indexed story in the other language reporting the same event, if any."""
        if mine is None or not mine.keys:
            return None
        votes: Counter[int] = Counter()
        for key in sorted(mine.keys, key=lambda k: len(self._keys.get(k, ())))[:8]:
            for sid in self._keys.get(key, ()):
                votes[sid] += 1
        for sid, _n in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))[:50]:
            other = self._docs[sid].concepts
            if other is not None and same_event(mine, other):
                return sid
        return None
