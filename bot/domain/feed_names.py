"""What a rule's ``source:`` names: an operator feed by its id, or one of the chat's own feeds by its site.

An operator feed has the id of config/feeds.yaml (``source:bbc-arabic``). A feed a
chat added with /addfeed has no id of its own that a person would know, so it is
named by where it lives: the host of the address it was added with, without
``www.`` (``https://www.bbc.com/arabic/rss.xml`` is ``bbc.com``), or ``@NAME`` for
a public Telegram channel. /feeds and the /addfeed reply show it. Several of a
chat's feeds on one site share the id: ``source:bbc.com`` is "from bbc.com". A
story from a chat's feed only ever reaches the chats that added that feed, so the
id needs no chat in it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from bot.domain.rule_parse import AllOf, AnyOf, FromSource, InTitle, Near, Node, Not

__all__ = ["chat_feed_id", "story_source", "source_ids", "unknown_sources"]

_TELEGRAM = frozenset({"t.me", "telegram.me", "telegram.dog"})


def chat_feed_id(address: str) -> str:
    """The id ``source:`` takes for a chat's feed added with ``address`` ("" if it has no host)."""
    try:
        parts = urlsplit(address.strip())
        host = (parts.hostname or "").lower().rstrip(".")
    except ValueError:
        return ""
    if host.startswith("www."):
        host = host[4:]
    if host in _TELEGRAM:
        path = [p for p in parts.path.split("/") if p]
        if path and path[0] == "s":
            path = path[1:]
        if len(path) == 1:
            return "@" + path[0].lower()
    return host


def story_source(feed_key: str, *, chat_feed: bool, address: str = "") -> str | None:
    """What a story's ``source:`` is tested against: the operator's id, or the chat feed's id."""
    if chat_feed:
        return chat_feed_id(address) or None
    return feed_key or None


def source_ids(node: Node) -> list[str]:
    """Every id a rule's ``source:`` scopes name, in rule order, without repeats."""
    found: list[str] = []

    def walk(n: Node) -> None:
        if isinstance(n, FromSource):
            found.extend(n.feeds)
        elif isinstance(n, (AllOf, AnyOf)):
            for c in n.children:
                walk(c)
        elif isinstance(n, (Not, InTitle)):
            walk(n.child)
        elif isinstance(n, Near):
            walk(n.left)
            walk(n.right)

    walk(node)
    return list(dict.fromkeys(found))


def unknown_sources(node: Node, known: Iterable[str]) -> list[str]:
    """The ids of ``node``'s ``source:`` scopes that are in ``known`` in no letter case."""
    have = {k.lower() for k in known}
    return [i for i in source_ids(node) if i.lower() not in have]
