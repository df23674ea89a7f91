"""An /import plan awaiting its "apply" press (issue 17), as every replica stores and reads it.

The plan lives in the database, not in one process, so a press that reaches another replica
finds it. Only its owner (same platform, chat and person) may take it, once, before it expires;
``claimable`` is that rule, and the store's claim enforces it atomically on the server.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.domain.chat_config import ConfigPlan, FeedEntry

__all__ = ["IMPORT_TTL", "ImportOwner", "PendingImport", "claimable", "plan_to_json", "plan_from_json"]

IMPORT_TTL = timedelta(minutes=10)


@dataclass(frozen=True, slots=True)
class ImportOwner:
    """Who asked, and where: only this person in this chat may apply the plan."""

    platform: str
    chat_id: str
    user_id: str


@dataclass(frozen=True, slots=True)
class PendingImport:
    token: str
    owner: ImportOwner
    payload: Mapping[str, Any]  # the plan and where it applies, as JSON values
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None


def claimable(item: PendingImport, owner: ImportOwner, now: datetime) -> bool:
    """May ``owner`` take ``item`` at ``now``: theirs, never taken, not expired."""
    return item.owner == owner and item.used_at is None and now < item.expires_at


_FEEDS = ("add_feeds", "remove_feeds")
_TEXTS = ("add_topics", "remove_topics", "unknown_topics", "add_rules", "remove_rules", "add_exclusions",
          "remove_exclusions", "notes")


def plan_to_json(p: ConfigPlan) -> dict[str, Any]:
    """The plan as JSON values (the attention settings already are)."""
    out: dict[str, Any] = {k: list(getattr(p, k)) for k in _TEXTS}
    out.update({k: [[f.url, f.name] for f in getattr(p, k)] for k in _FEEDS})
    out.update(enabled=p.enabled, unmute=p.unmute, buttons=p.buttons, attention=p.attention,
               muted_until=p.muted_until.isoformat() if p.muted_until is not None else None)
    return out


def plan_from_json(d: Mapping[str, Any]) -> ConfigPlan:
    """``plan_to_json`` read back."""
    texts: dict[str, Any] = {k: tuple(str(x) for x in d.get(k) or ()) for k in _TEXTS}
    feeds: dict[str, Any] = {k: tuple(FeedEntry(str(u), str(n)) for u, n in d.get(k) or ()) for k in _FEEDS}
    muted = d.get("muted_until")
    return ConfigPlan(**texts, **feeds, enabled=d.get("enabled"), unmute=bool(d.get("unmute")),
                      buttons=d.get("buttons"), attention=d.get("attention"),
                      muted_until=datetime.fromisoformat(muted) if muted else None)
