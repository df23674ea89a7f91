"""A chat's own terms compiled like the built-in ones (one place, for /watch, rules and the CLI).

A term a user types that is also a built-in term (``/watch Trump``) takes that
term's curated rules (proper, upper, near, unless) and its list's exclusions,
so "trump card" or "Melania Trump" stay quiet for the user as they do for the
built-in list; other terms get English plurals.
"""

from __future__ import annotations

from collections.abc import Sequence

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
            out.append(Term(text, plural=True))
            own.append(text)
            continue
        rule, exclude = known
        out.append(Term(text, proper=rule.proper, upper=rule.upper, near=rule.near, window=rule.window,
                        plural=rule.plural, unless=rule.unless))
        excludes.update(dict.fromkeys(exclude))
    # An inherited exclusion must not veto a term the user asked for: with "Trump" and "Melania"
    # both watched, "Melania Trump" no longer excludes anything. (Normalised only when there is one.)
    if excludes and own:
        padded = [f" {normalize(o)} " for o in own]
        kept = [x for x in excludes if not any(o in f" {normalize(x)} " for o in padded)]
    else:
        kept = list(excludes)
    return Watchlist(id=wl_id, label=label, terms=tuple(out), exclude=tuple(kept), hashtag=hashtag,
                     builtin=False)


def custom_watchlist(destination_id: int, terms: Sequence[str], rules: Rules | None = None) -> Watchlist:
    """A destination's own list: its /watch terms, with the same treatment as built-ins."""
    return user_watchlist(custom_watchlist_id(destination_id), terms, rules)
