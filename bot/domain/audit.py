"""The audit trail, pure: what one entry holds, and what changed between two snapshots of settings.

A snapshot is a destination's settings as plain values (lists of names, a time,
a flag), taken by the command core before and after a command that may change
them; ``changes`` says, key by key, what was there before and what is there now.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

__all__ = ["AuditDraft", "Change", "changes", "SNAPSHOT_KEYS", "UNSET"]

# The settings a snapshot holds, in the order a change is told.
SNAPSHOT_KEYS = ("enabled", "topics", "terms", "exclusions", "feeds", "muted_until", "policy", "buttons")


@dataclass(frozen=True, slots=True)
class AuditDraft:
    """One row of the audit log: who did what, where, when; before and after are snapshots (or None)."""

    at: datetime
    platform: str
    chat_id: str
    thread_id: int
    chat_title: str | None
    user_id: str
    user_name: str | None
    action: str  # a command name ("subscribe"), or "ack" / "assign" for work on an alert
    args: str = ""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Change:
    key: str
    before: Any
    after: Any


# What a destination nobody has set up yet amounts to.
UNSET: Mapping[str, Any] = {"enabled": True, "topics": [], "terms": [], "feeds": [], "muted_until": None,
                             "buttons": False, "policy": []}


def changes(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> list[Change]:
    """The keys whose values differ, in ``SNAPSHOT_KEYS`` order (a missing snapshot counts as ``UNSET``)."""
    b, a = (UNSET if before is None else before), (UNSET if after is None else after)
    out = []
    for key in (*SNAPSHOT_KEYS, *sorted((set(b) | set(a)) - set(SNAPSHOT_KEYS))):
        old, new = b.get(key, UNSET.get(key)), a.get(key, UNSET.get(key))
        if old != new and (key in b or key in a):
            out.append(Change(key, old, new))
    return out
