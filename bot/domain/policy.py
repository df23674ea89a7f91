"""Who gets an alert, when and how loudly: one pure function over (alert, destination, clock).

Storage answers "who subscribed to this list"; this module answers "and what
do we do about it now". Today the rules are pause and mute; urgency tiers,
quiet hours, digests and caps belong here too, so ingest never grows a
``WHERE`` clause for a product rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Tier", "Action", "AlertFacts", "DestinationSettings", "Decision", "decide"]


class Tier(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"


class Action(StrEnum):
    SEND = "send"  # now, with a notification
    SEND_SILENT = "send_silent"  # now, without a notification sound
    HOLD = "hold"  # later (``Decision.until``), e.g. in a digest
    DROP = "drop"  # not at all (paused, muted, gone)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What the policy needs to know about an alert."""

    tier: Tier = Tier.NORMAL


@dataclass(frozen=True, slots=True)
class DestinationSettings:
    """What the policy needs to know about a destination."""

    enabled: bool = True  # False: the chat paused alerts (/unsubscribe with no ids)
    active: bool = True  # False: the chat blocked or removed the bot
    muted_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: str = ""
    until: datetime | None = None

    @property
    def delivers(self) -> bool:
        """True when an outbox row is to be written for this destination."""
        return self.action is not Action.DROP


SEND = Decision(Action.SEND)


def decide(alert: AlertFacts, dest: DestinationSettings, now: datetime) -> Decision:
    """The one answer for one alert and one destination at ``now``."""
    if not dest.active:
        return Decision(Action.DROP, "gone")
    if not dest.enabled:
        return Decision(Action.DROP, "paused")
    if dest.muted_until is not None and dest.muted_until > now:
        return Decision(Action.DROP, "muted", dest.muted_until)
    return SEND
