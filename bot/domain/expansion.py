"""Cross-lingual expansion of a user's term: NATO is also الناتو, Sudan is also السودان.

Two sources, both data, none of it hand-written here:

* the built-in watchlists: a term that is one of a list's terms names that
  list's entity and gains all its terms (``NATO`` -> الناتو، حلف شمال الأطلسي …);
* CLDR, through Babel: territory names in Arabic and English (``Sudan`` <->
  ``السودان``, with the Arabic nisba adjectives سوداني، سودانية، سودانيون، سودانيين
  generated for one-word names), and the exemplar cities of time zones, which
  cover most capitals (``Khartoum`` <-> ``الخرطوم``).

``=TERM`` keeps the term as typed. The result says what was added so the
reply can tell the user ("يشمل أيضاً: …").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from bot.domain.slot_new import slot_setters
from bot.domain.text import is_arabic_token, normalize
from bot.domain.watchlists import TermError, Watchlist, parse_term, term_key

__all__ = ["Expansion", "Expander", "LITERAL_MARK", "arabic_nisba", "place_names", "use_place_table"]

LITERAL_MARK = "="
_MAX_ADDED = 40  # an entity with more aliases than this is not expanded (a reply must stay short)


@dataclass(frozen=True, slots=True)
class Expansion:
    """What one typed term stands for.

    ``terms``: the term first, then what expansion added (``added``, in a stable
    order); ``entity``: the built-in watchlist id it names, if any; ``places``:
    the CLDR territory codes or time-zone ids it names; ``literal``: typed
    with ``=`` (nothing added).
    """

    term: str
    terms: tuple[str, ...]
    added: tuple[str, ...] = ()
    entity: str | None = None
    places: tuple[str, ...] = ()
    literal: bool = False

    def note_ar(self) -> str:
        """The line a reply adds ("يشمل أيضاً: …"), or "" when nothing was added."""
        if not self.added:
            return ""
        return "يشمل أيضاً: " + "، ".join(self.added)


def _key(text: str) -> str | None:
    try:
        return term_key(text)
    except TermError:
        return None


def _plain_key(text: str) -> str | None:
    """A one-word Arabic key without its article: السودان and سودان name the same place."""
    key = _key(text)
    if key is None:
        return None
    if " " not in key and is_arabic_token(key) and key.startswith("ال") and len(key) > 4:
        return key[2:]
    return key


#: The regular rule would give these wrongly (النمسا -> نمسي): morphology, not place data.
_IRREGULAR_NISBA = {"نمسا": "نمساو"}


def arabic_nisba(name: str) -> tuple[str, ...]:
    """Nisba adjectives of a one-word Arabic place name: السودان -> سوداني، سودانية، سودانيون، سودانيين.

    Written without the article (a term without it also matches with it: السوداني).
    The article is dropped, then a final ـيا or ـا (روسيا -> روسي، فرنسا -> فرنسي);
    none for names ending in ي، و or ى (مالي is itself "financial", بيرو، توغو) or whose
    stem would have fewer than three letters.
    """
    word = name.strip()
    if " " in word or not word or not is_arabic_token(normalize(word)):
        return ()
    if word.startswith("ال") and len(word) > 4:
        word = word[2:]
    if word[-1] in "يوى":
        return ()
    if word in _IRREGULAR_NISBA:
        stem = _IRREGULAR_NISBA[word]
    elif word.endswith("يا"):
        stem = word[:-2]
    elif word.endswith("ا"):
        stem = word[:-1]
    else:
        stem = word
    if len(normalize(stem)) < 3:
        return ()
    return (stem + "ي", stem + "ية", stem + "يون", stem + "يين")


_Places = dict[str, tuple[tuple[str, ...], tuple[str, ...]]]
_given: list[_Places] = []  # the table, worked out in another process (see use_place_table)


def use_place_table(table: _Places) -> None:
    """Use ``table``, what ``place_names()`` builds, worked out by another process of the same
    program (``newsbot match`` builds it in a helper while it parses the rules)."""
    _given[:] = [table]


def _places() -> _Places:
    return _given[0] if _given else _built_places()


@cache
def _built_places() -> _Places:
    """Normalised name -> (place ids, spellings in both languages), from CLDR via Babel."""
    from zoneinfo import available_timezones

    from babel import Locale

    ar, en = Locale("ar"), Locale("en")
    pairs: list[tuple[str, list[str]]] = []
    for code, en_name in en.territories.items():
        ar_name = ar.territories.get(code)
        if not code.isalpha() or not ar_name:
            continue  # "001" and the other numeric regions are continents, not places
        pairs.append((code, [en_name, ar_name, *arabic_nisba(ar_name)]))
    for zone in sorted(available_timezones()):
        if "/" not in zone or zone.startswith(("Etc/", "SystemV/", "US/")):
            continue
        en_city, ar_city = exemplar_city(zone, en), exemplar_city(zone, ar)
        if en_city and ar_city and en_city != ar_city:
            pairs.append((zone, [en_city, ar_city]))
    table: dict[str, tuple[list[str], list[str]]] = {}
    for place, names in pairs:
        spellings = [n for n in dict.fromkeys(names) if _key(n) is not None]
        for n in spellings[:2]:  # the names, not the adjectives, identify the place
            k = _plain_key(n)
            if k is None:
                continue
            ids, words = table.setdefault(k, ([], []))
            if place not in ids:
                ids.append(place)
                words.extend(w for w in spellings if w not in words)
    return {k: (tuple(ids), tuple(words)) for k, (ids, words) in table.items()}


def exemplar_city(zone: str, locale: Any) -> str:
    """A time zone's exemplar city in ``locale`` (a Babel Locale), from CLDR data only.

    What ``babel.dates.get_timezone_location(zone, locale, return_city=True)`` gives, without
    loading the zone's tz file first: that costs most of building the place table, and the
    city names are locale data.
    """
    from babel.core import get_global

    zone = get_global("zone_aliases").get(zone, zone)
    info = locale.time_zones.get(zone, {})
    if "city" in info:
        return str(info["city"])
    meta = locale.meta_zones.get(get_global("meta_zones").get(zone), {})
    if "city" in meta:
        return str(meta["city"])
    return zone.rpartition("/")[2].replace("_", " ")


def place_names() -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """Normalised place name (Arabic without its article) -> (place ids, spellings), from CLDR."""
    return _places()


class Expander:
    """Expands user terms against the built-in lists and CLDR place names."""

    def __init__(self, builtins: Sequence[Watchlist] = (), *, places: bool = True) -> None:
        self._entities: dict[str, Watchlist] = {}
        for wl in builtins:
            for t in wl.terms:
                k = _key(t.text)
                if k is not None:
                    self._entities.setdefault(k, wl)
        self._use_places = places

    def expand(self, text: str) -> Expansion:
        """The term and what it stands for; ``=TERM`` is the term alone."""
        raw = text.strip()
        if raw.startswith(LITERAL_MARK):
            term = raw[len(LITERAL_MARK):].strip()
            return Expansion(term, (term,), literal=True)
        parse_term(raw)  # a term that cannot be used is the caller's error, not an empty expansion
        key = _key(raw)
        seen = {key}
        added: list[str] = []

        def add(word: str) -> None:
            k = _key(word)
            if k is not None and k not in seen:
                seen.add(k)
                added.append(word)

        entity = self._entities.get(key) if key is not None else None
        if entity is not None and len(entity.terms) <= _MAX_ADDED:
            for t in entity.terms:
                add(t.text)
        places: tuple[str, ...] = ()
        if self._use_places:
            pk = _plain_key(raw)
            found = _places().get(pk) if pk is not None else None
            if found is not None:
                places, words = found
                for w in words:
                    add(w)
        exp = object.__new__(Expansion)  # Expansion(raw, terms, added, entity, places), through its slots
        set_term, set_terms, set_added, set_entity, set_places, set_literal = _EXPANSION_SLOTS
        set_term(exp, raw)
        set_terms(exp, (raw, *added))
        set_added(exp, tuple(added))
        set_entity(exp, entity.id if entity else None)
        set_places(exp, places)
        set_literal(exp, False)
        return exp


_EXPANSION_SLOTS = slot_setters(Expansion, ("term", "terms", "added", "entity", "places", "literal"))
