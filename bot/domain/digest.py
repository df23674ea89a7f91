"""What a digest contains and in what order: held items grouped by watchlist, each story once.

The rules are product rules, so they live in the domain; the Arabic wording,
the links and the split into platform-sized messages are
``bot.alerts.digest``'s (the domain does not import the alert vocabulary).

* a story appears once even when it was held for several lists (or several
  held rows name it): in the group of its first list, with the other lists'
  labels beside it;
* inside a group the newest story comes first; groups are ordered by their
  newest story, then by label;
* nothing held: no digest.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["ListRef", "DigestItem", "PlannedItem", "DigestGroup", "DigestPlan", "plan_digest"]


@dataclass(frozen=True, slots=True)
class ListRef:
    id: str
    label: str  # the Arabic label shown as the group's heading


@dataclass(frozen=True, slots=True)
class DigestItem:
    """One held alert. ``lists``: the destination's lists it answered, the preferred group first."""

    story_id: int
    title: str
    link: str
    outlet: str
    at: datetime  # published (or first seen) time
    lists: tuple[ListRef, ...]
    urgent_since: bool = False  # it became urgent and was also sent as an urgent alert


@dataclass(frozen=True, slots=True)
class PlannedItem:
    item: DigestItem
    also: tuple[str, ...]  # labels of the item's other lists


@dataclass(frozen=True, slots=True)
class DigestGroup:
    list: ListRef
    items: tuple[PlannedItem, ...]


@dataclass(frozen=True, slots=True)
class DigestPlan:
    since: datetime  # the period's start
    groups: tuple[DigestGroup, ...]

    @property
    def count(self) -> int:
        return sum(len(g.items) for g in self.groups)


_NO_LIST = ListRef("", "أخبار أخرى")


def _merge(items: Iterable[DigestItem]) -> list[DigestItem]:
    """One item per story: lists joined in order, the latest time, urgent if any row says so."""
    by_story: dict[int, DigestItem] = {}
    for it in items:
        old = by_story.get(it.story_id)
        if old is None:
            by_story[it.story_id] = it
            continue
        lists = tuple({ref.id: ref for ref in old.lists + it.lists}.values())
        newer = it if it.at > old.at else old
        by_story[it.story_id] = DigestItem(newer.story_id, newer.title, newer.link, newer.outlet, newer.at,
                                           lists, old.urgent_since or it.urgent_since)
    return list(by_story.values())


def plan_digest(items: Iterable[DigestItem], since: datetime) -> DigestPlan | None:
    """The digest's groups, or None when nothing is held."""
    merged = _merge(items)
    if not merged:
        return None
    groups: dict[str, tuple[ListRef, list[PlannedItem]]] = {}
    for it in merged:
        home = it.lists[0] if it.lists else _NO_LIST
        also = tuple(dict.fromkeys(ref.label for ref in it.lists[1:] if ref.label != home.label))
        groups.setdefault(home.id, (home, []))[1].append(PlannedItem(it, also))
    built = []
    for ref, planned in groups.values():
        planned.sort(key=lambda p: (p.item.at, p.item.story_id), reverse=True)
        built.append(DigestGroup(ref, tuple(planned)))
    built.sort(key=lambda g: g.list.label)
    built.sort(key=lambda g: g.items[0].item.at, reverse=True)
    return DigestPlan(since, tuple(built))
