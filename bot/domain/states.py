"""The states things pass through, named once: stories, outbox rows, send outcomes, feeds, chats.

They are ``StrEnum``s because they are stored as text; comparing with the
stored string still works, but code names the member so the type checker
finds every site.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["StoryState", "OutboxState", "OutboxKind", "OutcomeKind", "HoldReason", "FeedOrigin", "Platform", "ChatKind",
           "AddResult", "DeadLetterReason", "AlertAction"]


class StoryState(StrEnum):
    """new -> (seen | old | nomatch | alerted | duplicate); only ``new`` waits for the ingest step."""

    NEW = "new"
    SEEN = "seen"  # listed before this feed's first fetch finished (no backfill)
    OLD = "old"
    NOMATCH = "nomatch"
    ALERTED = "alerted"
    DUPLICATE = "duplicate"


class OutboxState(StrEnum):
    """pending -> sent | failed | gone; held -> digested (its story went out in a digest row)."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    GONE = "gone"
    HELD = "held"  # waits for ``release_at`` (quiet hours, digest mode, cap): a digest carries it
    DIGESTED = "digested"  # a digest row took it; never sent on its own


class HoldReason(StrEnum):
    """Why an alert row is held (``bot.domain.policy.Reason`` of a HOLD)."""

    QUIET = "quiet"
    DIGEST = "digest"
    CAP = "cap"


class DeadLetterReason(StrEnum):
    """Why an alert row ended ``failed`` (a dead letter, kept until retried or forgotten)."""

    REFUSED = "refused"  # the platform said this message can never be delivered
    EXHAUSTED = "exhausted"  # transient failures went on past the give-up age
    MISSING = "missing"  # the story was no longer stored when its turn came


class AlertAction(StrEnum):
    """A button on an alert (the letters are what its signed callback carries)."""

    ACK = "a"  # ✅ تابعتُه: someone takes the story
    IRRELEVANT = "n"  # 🔕 ليس ذا صلة: feedback on the term that fired
    ASSIGN = "s"  # 👤 أسنده: hand it to a member
    FOLLOW = "f"  # 🔔 تابع القصة: later copies of the story come as replies to this alert (press again: stop)


class OutboxKind(StrEnum):
    ALERT = "alert"
    OPS = "ops"
    DIGEST = "digest"  # a digest message: its lines are in the payload
    SPIKE = "spike"  # a list suddenly everywhere (bot.domain.spikes), with its chart
    CHART = "chart"  # a chart asked for by a command (/trends), with its caption
    FOLLOW = "follow"  # a later copy of a followed story, posted as a reply to (in the thread of) its alert


class OutcomeKind(StrEnum):
    """How one send ended (see ``bot.delivery.ports.Outcome``)."""

    SENT = "sent"
    RETRY = "retry"
    GONE = "gone"
    FAILED = "failed"


class FeedOrigin(StrEnum):
    CONFIG = "config"
    CHAT = "chat"


class Platform(StrEnum):
    TELEGRAM = "telegram"
    SLACK = "slack"
    CONSOLE = "console"


class ChatKind(StrEnum):
    PRIVATE = "private"
    GROUP = "group"
    SUPERGROUP = "supergroup"
    CHANNEL = "channel"
    SLACK = "slack"
    CONSOLE = "console"
    OPS = "ops"


class AddResult(StrEnum):
    """Adding something to a destination's settings (a term, a feed)."""

    ADDED = "added"
    EXISTS = "exists"
    LIMIT = "limit"
