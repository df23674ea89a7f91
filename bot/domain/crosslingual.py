"""One event across Arabic and English: language-free keys of a story, and the rule that joins two.

Within a language, copies are found on words (``bot.domain.clustering``);
across languages no word is shared, so a story is reduced to what does not
depend on the language it is written in:

* **entities**: the built-in watchlists it matches (the matcher already knows
  ``NATO`` = الناتو, ``Zelensky`` = زيلينسكي);
* **places**: CLDR territory and city names in either language (``Khartoum`` =
  الخرطوم, with the article and one proclitic taken off Arabic words for the
  lookup only), as ``bot.domain.expansion`` reads them;
* **numbers** of two digits or more (casualties, percentages, days), years left out.

Two stories in different languages are one event when they share at least
``MIN_SHARED`` keys with a Jaccard of at least ``MIN_JACCARD`` over entities and
places, and their numbers do not contradict (both give numbers and none is
common: 12 killed is not 30 killed). The clusterer (``bot.domain.clustering``)
asks this only when no same-language copy is found. Precision matters more than recall — a
false merge hides a distinct story — and the figures on a paired headline set
are in the README (``tests/test_unit_crosslingual.py`` measures them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.expansion import place_names
from bot.domain.text import is_arabic_token, normalize

_ARABIC_LETTERS = range(0x0600, 0x0700)

__all__ = ["Concepts", "concepts", "same_event", "language_of", "MIN_SHARED", "MIN_JACCARD"]

MIN_SHARED = 2
MIN_JACCARD = 0.5
_PROCLITICS = ("و", "ف", "ب", "ل", "ك")

# What happened, in both languages: word beginnings after normalisation (Arabic without its article
# and one proclitic). Small and closed on purpose: an event word must mean the same in both columns.
EVENTS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "killed": (("مقتل", "قتلي", "قتيل", "قتلت", "يقتل", "تقتل"), ("kill", "dead", "death")),
    "strike": (("غاره", "غارات", "هجوم", "قصف", "ضربه", "ضربات", "يستهدف", "تستهدف", "استهداف", "تشن", "يشن"),
               ("strike", "airstrike", "attack", "shell", "hit", "target", "launch")),
    "missile": (("صاروخ", "صواريخ"), ("missile", "rocket")),
    "drone": (("مسيره", "مسيرات"), ("drone",)),
    "truce": (("هدنه", "وقف اطلاق"), ("truce", "ceasefire")),
    "summit": (("قمه",), ("summit",)),
    "talks": (("محادثات", "مفاوضات", "مباحثات"), ("talks", "negotiat")),
    "meet": (("يلتقي", "تلتقي", "لقاء", "يجتمع", "يجتمعون", "اجتماع"), ("meet",)),
    "release": (("تفرج", "يفرج", "افراج", "رهائن", "رهينه"), ("release", "hostage")),
    "prisoners": (("اسير", "اسري", "تبادل"), ("prisoner", "pows", "swap")),
    "election": (("ينتخب", "انتخاب"), ("elect",)),
    "earthquake": (("زلزال",), ("earthquake", "quake")),
    "tariffs": (("رسوم", "جمركيه"), ("tariff",)),
    "vote": (("يصوت", "تصويت"), ("vote",)),
    "famine": (("مجاعه",), ("famine",)),
    "explosion": (("انفجار",), ("explosion", "blast")),
    "outage": (("انقطاع",), ("outage", "blackout")),
    "downed": (("اسقاط", "اعتراض"), ("shot down", "downed", "intercept")),
    "retake": (("يستعيد", "تستعيد", "استعاده"), ("retake", "recapture")),
    "spending": (("انفاق",), ("spending",)),
    "sanctions": (("عقوبات",), ("sanction",)),
    "execution": (("اعدام",), ("execut",)),
    "visit": (("زياره", "يزور", "تزور"), ("visit",)),
    "reject": (("يرفض", "ترفض", "رفض"), ("reject",)),
    "host": (("تستضيف", "يستضيف"), ("host",)),
    "clashes": (("اشتباكات",), ("clash",)),
}


@dataclass(frozen=True, slots=True)
class Concepts:
    lang: str  # "ar" or "en"
    keys: frozenset[str]  # entities ("wl:nato") and places ("place:SD")
    numbers: frozenset[str]
    events: frozenset[str] = frozenset()  # what happened ("ev:killed")


def _place_keys(tokens: list[str]) -> set[str]:
    table = place_names()
    found: set[str] = set()
    for n in (3, 2, 1):
        for i in range(len(tokens) - n + 1):
            gram = " ".join(tokens[i:i + n])
            candidates = [gram]
            if n == 1 and is_arabic_token(gram):
                bare = [gram, *(gram[1:] for p in _PROCLITICS if gram.startswith(p) and len(gram) > 3)]
                candidates = [c[2:] if c.startswith("ال") and len(c) > 4 else c for c in bare]
            for c in candidates:
                hit = table.get(c)
                if hit is not None:
                    found.add("place:" + min(hit[0]))
                    break
    return found


def _bare(token: str) -> list[str]:
    """An Arabic word as written, without one proclitic, and without the article."""
    forms = [token, *(token[1:] for p in _PROCLITICS if token.startswith(p) and len(token) > 3)]
    return [f[2:] if f.startswith("ال") and len(f) > 4 else f for f in forms] + forms


def _event_keys(tokens: list[str]) -> set[str]:
    text = " " + " ".join(w for t in tokens for w in (_bare(t)[:1] if not is_arabic_token(t) else _bare(t))) + " "
    found = set()
    for name, (ar, en) in EVENTS.items():
        if any(f" {normalize(w)}" in text for w in (*ar, *en)):
            found.add("ev:" + name)
    return found


def _numbers(tokens: list[str]) -> frozenset[str]:
    out = set()
    for t in tokens:
        digits = t.rstrip("%")
        if digits.isdigit() and len(digits) >= 2 and not (len(digits) == 4 and 1900 <= int(digits) <= 2100):
            out.add(digits.lstrip("0") or "0")
    return frozenset(out)


def concepts(title: str, summary: str, entities: Iterable[str], lang: str) -> Concepts:
    """The language-free keys of a story; ``entities``: the built-in watchlist ids it matched."""
    tokens = normalize(f"{title} {summary}").split()
    keys = {f"wl:{e}" for e in entities} | _place_keys(tokens)
    return Concepts(lang, frozenset(keys), _numbers(normalize(f"{title} {summary}").replace("%", " ").split()),
                    frozenset(_event_keys(tokens)))


def same_event(a: Concepts, b: Concepts) -> bool:
    """Two reports in different languages of one event (see the module for the rule)."""
    if a.lang == b.lang:
        return False  # within a language the word-level clustering decides
    shared = len(a.keys & b.keys)
    union = len(a.keys | b.keys)
    if shared < MIN_SHARED or shared / union < MIN_JACCARD:
        return False
    events = len(a.events & b.events)
    if not events or events / len(a.events | b.events) < MIN_JACCARD:
        return False  # the same actors, but not (visibly) the same thing happening
    return not (a.numbers and b.numbers and not a.numbers & b.numbers)


def language_of(title: str, lang: str | None) -> str:
    """'ar' or 'en': the feed's language when it names one of the two, else the title's letters."""
    code = (lang or "").strip().lower()[:2]
    if code in ("ar", "en"):
        return code
    arabic = sum(1 for ch in title if ord(ch) in _ARABIC_LETTERS)
    latin = sum(1 for ch in title if ch.isascii() and ch.isalpha())
    return "ar" if arabic >= latin else "en"


def to_json(c: Concepts) -> dict[str, object]:
    return {"l": c.lang, "k": sorted(c.keys), "n": sorted(c.numbers), "e": sorted(c.events)}


def from_json(d: dict[str, object]) -> Concepts:
    def strings(key: str) -> frozenset[str]:
        value = d.get(key)
        return frozenset(str(x) for x in value) if isinstance(value, list) else frozenset()
    return Concepts(str(d.get("l", "")), strings("k"), strings("n"), strings("e"))
