"""A chat's own terms compiled like the built-in ones (one place, for /watch, rules and the CLI).

A term a user types that is also a built-in term (``/watch Trump``) takes that
term's curated rules (proper, upper, near, unless) and its list's exclusions,
so "trump card" or "Melania Trump" stay quiet for the user as they do for the
built-in list; other terms get English plurals.
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.domain.slot_new import slot_setters
from bot.domain.text import normalize
from bot.domain.watchlists import Term, TermError, Watchlist, custom_watchlist_id, term_key

__all__ = ["CUSTOM_LABEL", "CUSTOM_TAG", "Rules", "builtin_rules", "custom_watchlist", "user_watchlist"]

CUSTOM_LABEL = "العبارات الخاصة"  # the same words for a person, a group and a channel
CUSTOM_TAG = "عبارات_خاصة"

#: A built-in term's identity -> (the term with its curated rules, its list's exclusions).
Rules = dict[str, tuple[Term, tuple[str, ...]]]


def builtin_rules(builtins: Sequence[Watchlist]) -> Rules:
    """Each built-in term's curated rules and its list's exclusions, by the term's identity."""
    rules: Rules = {}
    for wl in builtins:
        for t in wl.terms:
            try:
                rules.setdefault(term_key(t.text), (t, wl.exclude))
            except TermError:
                continue
    return rules


def user_watchlist(wl_id: str, terms: Sequence[str], rules: Rules | None = None, *,
                   label: str = CUSTOM_LABEL, hashtag: str = CUSTOM_TAG) -> Watchlist:
    """A list of user terms with the built-in treatment (see the module docstring)."""
    out: list[Term] = []
    excludes: dict[str, None] = {}
    own: list[str] = []  # the user's terms that are not built-in ones
    rules = rules or {}
    for text in terms:
        try:
            known = rules.get(term_key(text))
        except TermError:
            known = None
        if known is None:
            out.append(_term(text, False, False, (), 2, True, ()))  # Term(text, plural=True)
            own.append(text)
            continue
        rule, exclude = known
        out.append(_term(text, rule.proper, rule.upper, rule.near, rule.window, rule.plural, rule.unless))
        excludes.update(dict.fromkeys(exclude))
    # An inherited exclusion must not veto a term the user asked for: with "Trump" and "Melania"
    # both watched, "Melania Trump" no longer excludes anything. (Normalised only when there is one.)
    if excludes and own:
        padded = [f" {normalize(o)} " for o in own]
        kept = [x for x in excludes if not any(o in f" {normalize(x)} " for o in padded)]
    else:
        kept = list(excludes)
    wl = object.__new__(Watchlist)  # Watchlist(wl_id, label, terms, exclude, hashtag, builtin=False)
    set_id, set_label, set_terms, set_exclude, set_hashtag, set_builtin, set_description, set_urgent = _LIST_SLOTS
    set_id(wl, wl_id)
    set_label(wl, label)
    set_terms(wl, tuple(out))
    set_exclude(wl, tuple(kept))
    set_hashtag(wl, hashtag)
    set_builtin(wl, False)
    set_description(wl, "")
    set_urgent(wl, False)
    return wl


_TERM_SLOTS = slot_setters(Term, ("text", "proper", "upper", "near", "window", "plural", "unless"))
_LIST_SLOTS = slot_setters(Watchlist, ("id", "label", "terms", "exclude", "hashtag", "builtin", "description",
                                       "urgent"))


def _term(text: str, proper: bool, upper: bool, near: tuple[str, ...], window: int, plural: bool,
          unless: tuple[str, ...]) -> Term:
    """``Term(...)`` with every field given, through its slots (see ``bot.domain.slot_new``)."""
    t = object.__new__(Term)
    set_text, set_proper, set_upper, set_near, set_window, set_plural, set_unless = _TERM_SLOTS
    set_text(t, text)
    set_proper(t, proper)
    set_upper(t, upper)
    set_near(t, near)
    set_window(t, window)
    set_plural(t, plural)
    set_unless(t, unless)
    return t


def custom_watchlist(destination_id: int, terms: Sequence[str], rules: Rules | None = None) -> Watchlist:
    """A destination's own list: its /watch terms, with the same treatment as built-ins."""
    return user_watchlist(custom_watchlist_id(destination_id), terms, rules)
