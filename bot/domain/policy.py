"""Who gets an alert, when and how loudly: one pure function over (alert, destination, clock).

Storage answers "who subscribed to this list"; this module answers "and what
do we do about it now": send, send silently, hold until a given instant (a
digest), or drop. The rules, in the order ``decide`` applies them:

1. gone, paused, muted: DROP (a mute silences; nothing is delivered later);
2. the tier: urgent when the story is (breaking marker, spread) or when it
   answers one of the destination's urgent watchlists;
3. urgent: SEND (with ``here`` when a Slack channel opted in), except inside
   quiet hours marked "all": HOLD until they end;
4. normal, inside quiet hours: HOLD until the next release (see below);
5. normal, digest mode for all its lists: HOLD until the next release;
6. normal, over the cap (N normal alerts already sent in the rolling hour):
   HOLD until the next digest time, or without digest times until the rolling
   hour frees a place; ``cap_notice`` on the first overflow of the hour;
7. normal: SEND, or SEND_SILENT when the destination chose urgent-only
   notifications.

A *release* is a digest time, or the end of the quiet window when there are
no digest times; a digest time that falls inside quiet hours is moved to the
end of that quiet window (a digest is itself a normal message). Wall-clock
times are converted by ``bot.domain.wallclock`` (nonexistent local times move
forward to the end of the DST gap; ambiguous ones are their first occurrence).

Destinations with no attention settings (the defaults) get exactly the old
answers: SEND, or DROP for gone / paused / muted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.domain.urgency import Spread
from bot.domain.wallclock import next_time_after, quiet_window_at

__all__ = ["Tier", "Action", "Reason", "NotifyMode", "Urgency", "RecentSends", "AlertFacts", "QuietHours",
           "DigestSchedule", "DestinationSettings", "Decision", "decide", "CAP_WINDOW", "SEND"]

CAP_WINDOW = timedelta(hours=1)
_UTC = ZoneInfo("UTC")


class Tier(StrEnum):
    URGENT = "urgent"
    NORMAL = "normal"


class Action(StrEnum):
    SEND = "send"  # now, with a notification
    SEND_SILENT = "send_silent"  # now, without a notification sound
    HOLD = "hold"  # later (``Decision.until``), e.g. in a digest
    DROP = "drop"  # not at all (paused, muted, gone)


class Reason(StrEnum):
    """Why the decision is what it is (stored with held rows, shown in logs)."""

    NONE = ""
    GONE = "gone"
    PAUSED = "paused"
    MUTED = "muted"
    QUIET = "quiet"
    DIGEST = "digest"
    CAP = "cap"


class NotifyMode(StrEnum):
    ALL = "all"
    URGENT = "urgent"  # normal alerts arrive without a sound (Telegram ``disable_notification``)


@dataclass(frozen=True, slots=True)
class Urgency:
    """Why an alert is urgent; empty (falsy) for a normal alert."""

    breaking: bool = False  # the outlet's marker or category (``bot.domain.urgency.is_breaking``)
    spread: Spread | None = None  # ``bot.domain.urgency.spread_of``
    watchlists: tuple[str, ...] = ()  # urgent watchlists (the chat's or the operator's) it answers

    def __bool__(self) -> bool:
        return self.breaking or self.spread is not None or bool(self.watchlists)


@dataclass(frozen=True, slots=True)
class RecentSends:
    """The destination's recent history the cap needs (the caller reads it; the policy stays pure).

    ``normal_sent``: when normal alerts went out to this destination; only the last hour
    matters. ``cap_notice_at``: when the last cap notice was written. A caller deciding several
    alerts for one destination in a batch must add each SEND / SEND_SILENT it decides.
    """

    normal_sent: tuple[datetime, ...] = ()
    cap_notice_at: datetime | None = None

    def in_window(self, now: datetime) -> list[datetime]:
        """Sends inside the rolling hour before ``now``, oldest first."""
        return sorted(t for t in self.normal_sent if now - CAP_WINDOW < t <= now)


@dataclass(frozen=True, slots=True)
class AlertFacts:
    """What the policy needs to know about an alert for one destination."""

    tier: Tier = Tier.NORMAL  # the story's own tier (breaking or spread)
    why: Urgency = Urgency()
    watchlists: tuple[str, ...] = ()  # the destination's lists this alert answers
    recent: RecentSends = RecentSends()

    @classmethod
    def of(cls, *, breaking: bool = False, spread: Spread | None = None, watchlists: Iterable[str] = (),
           urgent_watchlists: Iterable[str] = (), recent: RecentSends = RecentSends()) -> AlertFacts:
        """Facts with the tier worked out; ``urgent_watchlists``: the operator's ``urgent: true`` lists."""
        lists = tuple(dict.fromkeys(watchlists))
        marked = frozenset(urgent_watchlists)
        why = Urgency(breaking, spread, tuple(w for w in lists if w in marked))
        return cls(Tier.URGENT if why else Tier.NORMAL, why, lists, recent)


@dataclass(frozen=True, slots=True)
class QuietHours:
    """Local [start, end), spanning midnight when end <= start; ``hold_urgent``: ``/quiet … all``."""

    start: time
    end: time
    hold_urgent: bool = False

    def __post_init__(self) -> None:
        if self.start == self.end:
            raise ValueError("quiet hours need a start different from the end")


@dataclass(frozen=True, slots=True)
class DigestSchedule:
    """Local digest times; ``watchlists``: digest mode only for these lists (None: all)."""

    times: tuple[time, ...]
    watchlists: frozenset[str] | None = None

    def __post_init__(self) -> None:
        if not self.times:
            raise ValueError("a digest schedule needs at least one time")
        object.__setattr__(self, "times", tuple(sorted(set(t.replace(tzinfo=None) for t in self.times))))

    def covers(self, watchlists: tuple[str, ...]) -> bool:
        """Digest mode applies when every list the alert answers is in digest mode."""
        if self.watchlists is None:
            return True
        return bool(watchlists) and all(w in self.watchlists for w in watchlists)


@dataclass(frozen=True, slots=True)
class DestinationSettings:
    """What the policy needs to know about a destination; every attention field defaults to off."""

    enabled: bool = True  # False: the chat paused alerts (/unsubscribe with no ids)
    active: bool = True  # False: the chat blocked or removed the bot
    muted_until: datetime | None = None
    timezone: ZoneInfo = _UTC  # the chat's /timezone, else the caller passes NEWSBOT_TIMEZONE
    quiet: QuietHours | None = None
    digest: DigestSchedule | None = None
    cap: int | None = None  # normal alerts per rolling hour; None: no cap
    notify: NotifyMode = NotifyMode.ALL
    slack_here: bool = False  # ``/newsbot notify urgent here``: urgent alerts may ``<!here>``
    urgent_watchlists: frozenset[str] = field(default_factory=frozenset)  # the chat's ``/urgent`` lists


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    reason: str = Reason.NONE
    until: datetime | None = None  # HOLD: the exact UTC release instant; DROP "muted": the mute's end
    tier: Tier = Tier.NORMAL
    why: Urgency = Urgency()
    here: bool = False  # an urgent Slack alert may ``<!here>`` (the channel opted in)
    cap_notice: bool = False  # write the "تجاوزت التنبيهات الحد" notice now (first overflow this hour)

    @property
    def delivers(self) -> bool:
        """True when an outbox row is to be written for this destination (sent now or held)."""
        return self.action is not Action.DROP

    @property
    def silent(self) -> bool:
        return self.action is Action.SEND_SILENT


SEND = Decision(Action.SEND)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _digest_release(after: datetime, dest: DestinationSettings, digest: DigestSchedule) -> datetime:
    """The next digest instant after ``after``, moved out of quiet hours (see the module)."""
    tz, quiet = dest.timezone, dest.quiet
    # A digest time that fell inside a quiet window still running releases at that window's end.
    window = quiet_window_at(after, quiet.start, quiet.end, tz) if quiet else None
    best: datetime | None = None
    if window is not None and quiet is not None:
        earlier = next_time_after(window[0] - timedelta(seconds=1), digest.times, tz)
        if earlier < window[1]:
            best = window[1]
    when = next_time_after(after, digest.times, tz)
    if quiet is not None:
        inside = quiet_window_at(when, quiet.start, quiet.end, tz)
        if inside is not None:
            when = inside[1]
    return when if best is None or when < best else best


def _out_of_quiet(when: datetime, dest: DestinationSettings) -> datetime:
    if dest.quiet is None:
        return when
    window = quiet_window_at(when, dest.quiet.start, dest.quiet.end, dest.timezone)
    return window[1] if window else when


def decide(alert: AlertFacts, dest: DestinationSettings, now: datetime) -> Decision:
    """The one answer for one alert and one destination at ``now`` (aware; naive is taken as UTC)."""
    if not dest.active:
        return Decision(Action.DROP, Reason.GONE)
    if not dest.enabled:
        return Decision(Action.DROP, Reason.PAUSED)
    if dest.muted_until is not None and dest.muted_until > now:
        return Decision(Action.DROP, Reason.MUTED, dest.muted_until)
    now = _aware(now)
    chat_urgent = tuple(w for w in alert.watchlists if w in dest.urgent_watchlists and w not in alert.why.watchlists) \
        if dest.urgent_watchlists else ()
    why = Urgency(alert.why.breaking, alert.why.spread, alert.why.watchlists + chat_urgent) \
        if chat_urgent else alert.why
    tier = Tier.URGENT if alert.tier is Tier.URGENT or chat_urgent else Tier.NORMAL
    quiet = dest.quiet
    window = quiet_window_at(now, quiet.start, quiet.end, dest.timezone) if quiet else None

    if tier is Tier.URGENT:
        if window is not None and quiet is not None and quiet.hold_urgent:
            return Decision(Action.HOLD, Reason.QUIET, window[1], tier, why)
        return Decision(Action.SEND, Reason.NONE, None, tier, why, here=dest.slack_here)

    digest = dest.digest
    if window is not None:
        release = _digest_release(now, dest, digest) if digest and digest.covers(alert.watchlists) else window[1]
        return Decision(Action.HOLD, Reason.QUIET, release, tier, why)
    if digest is not None and digest.covers(alert.watchlists):
        return Decision(Action.HOLD, Reason.DIGEST, _digest_release(now, dest, digest), tier, why)
    if dest.cap is not None:
        sent = alert.recent.in_window(now)
        if len(sent) >= max(0, dest.cap):
            if digest is not None:
                release = _digest_release(now, dest, digest)
            elif dest.cap <= 0 or not sent:
                release = _out_of_quiet(now + CAP_WINDOW, dest)
            else:  # the moment the rolling hour has room again
                release = _out_of_quiet(sent[len(sent) - dest.cap] + CAP_WINDOW, dest)
            last = alert.recent.cap_notice_at
            notice = last is None or _aware(last) <= now - CAP_WINDOW
            return Decision(Action.HOLD, Reason.CAP, release, tier, why, cap_notice=notice)
    action = Action.SEND_SILENT if dest.notify is NotifyMode.URGENT else Action.SEND
    return Decision(action, Reason.NONE, None, tier, why)
