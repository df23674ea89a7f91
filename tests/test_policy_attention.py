"""The attention policy: tiers × quiet hours × digest times × caps × time zones, DST days included."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.policy import (
    Action,
    AlertFacts,
    DestinationSettings,
    DigestSchedule,
    NotifyMode,
    QuietHours,
    Reason,
    RecentSends,
    Tier,
    Urgency,
    decide,
)
from bot.domain.urgency import Spread
from bot.domain.wallclock import at_local, quiet_window_at

RIYADH = ZoneInfo("Asia/Riyadh")
LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


def t(hhmm: str) -> time:
    h, m = hhmm.split(":")
    return time(int(h), int(m))


def local(tz: ZoneInfo, when: str) -> datetime:
    """'2026-12-03 23:30' in ``tz`` (first occurrence) as UTC."""
    return datetime.fromisoformat(when).replace(tzinfo=tz).astimezone(UTC)


def utc(when: str) -> datetime:
    return datetime.fromisoformat(when).replace(tzinfo=UTC)


def quiet(span: str, hold_urgent: bool = False) -> QuietHours:
    a, b = span.split("-")
    return QuietHours(t(a), t(b), hold_urgent)


def digest(*times: str, lists: tuple[str, ...] | None = None) -> DigestSchedule:
    return DigestSchedule(tuple(t(x) for x in times), frozenset(lists) if lists is not None else None)


NORMAL = AlertFacts(watchlists=("gaza",))
BREAKING = AlertFacts.of(breaking=True, watchlists=("gaza",))


@dataclass(frozen=True)
class Case:
    name: str
    tz: ZoneInfo
    now: str  # local wall time in ``tz``, or "…Z" for UTC
    dest: dict[str, Any]
    action: Action
    until: str | None = None  # local wall time in ``tz``, or "…Z" for UTC
    reason: str = ""
    facts: AlertFacts = field(default=NORMAL)
    cap_notice: bool = False


def _when(tz: ZoneInfo, s: str) -> datetime:
    return utc(s[:-1]) if s.endswith("Z") else local(tz, s)


def _sent(now: datetime, *minutes_ago: int) -> RecentSends:
    return RecentSends(tuple(now - timedelta(minutes=m) for m in minutes_ago))


D = "2026-12-03"
CASES = [
    # -- no attention settings: today's behaviour
    Case("plain", RIYADH, f"{D} 10:00", {}, Action.SEND),
    Case("plain urgent", RIYADH, f"{D} 10:00", {}, Action.SEND, facts=BREAKING),
    # -- quiet hours across midnight (Riyadh, no DST)
    Case("quiet before midnight", RIYADH, f"{D} 23:30", {"quiet": quiet("23:00-07:00")}, Action.HOLD,
         "2026-12-04 07:00", Reason.QUIET),
    Case("quiet after midnight", RIYADH, f"{D} 02:00", {"quiet": quiet("23:00-07:00")}, Action.HOLD,
         f"{D} 07:00", Reason.QUIET),
    Case("quiet starts inclusive", RIYADH, f"{D} 23:00", {"quiet": quiet("23:00-07:00")}, Action.HOLD,
         "2026-12-04 07:00", Reason.QUIET),
    Case("quiet ends exclusive", RIYADH, f"{D} 07:00", {"quiet": quiet("23:00-07:00")}, Action.SEND),
    Case("before quiet", RIYADH, f"{D} 22:59", {"quiet": quiet("23:00-07:00")}, Action.SEND),
    Case("urgent goes through quiet", RIYADH, f"{D} 02:00", {"quiet": quiet("23:00-07:00")}, Action.SEND,
         facts=BREAKING),
    Case("quiet all holds urgent", RIYADH, f"{D} 02:00", {"quiet": quiet("23:00-07:00", True)}, Action.HOLD,
         f"{D} 07:00", Reason.QUIET, facts=BREAKING),
    Case("daytime quiet", RIYADH, f"{D} 13:30", {"quiet": quiet("13:00-14:00")}, Action.HOLD, f"{D} 14:00",
         Reason.QUIET),
    Case("outside daytime quiet", RIYADH, f"{D} 12:00", {"quiet": quiet("13:00-14:00")}, Action.SEND),
    # -- digest times
    Case("digest later today", RIYADH, f"{D} 10:00", {"digest": digest("08:00", "20:00")}, Action.HOLD,
         f"{D} 20:00", Reason.DIGEST),
    Case("digest tomorrow", RIYADH, f"{D} 21:00", {"digest": digest("20:00", "08:00")}, Action.HOLD,
         "2026-12-04 08:00", Reason.DIGEST),
    Case("digest strictly after now", RIYADH, f"{D} 20:00", {"digest": digest("08:00", "20:00")}, Action.HOLD,
         "2026-12-04 08:00", Reason.DIGEST),
    Case("digest for its lists", RIYADH, f"{D} 10:00", {"digest": digest("12:00", lists=("gaza",))},
         Action.HOLD, f"{D} 12:00", Reason.DIGEST),
    Case("digest not for other lists", RIYADH, f"{D} 10:00", {"digest": digest("12:00", lists=("nato",))},
         Action.SEND),
    Case("an alert also answering a non-digest list", RIYADH, f"{D} 10:00",
         {"digest": digest("12:00", lists=("gaza",))}, Action.SEND,
         facts=AlertFacts(watchlists=("gaza", "nato"))),
    Case("urgent skips the digest", RIYADH, f"{D} 10:00", {"digest": digest("12:00")}, Action.SEND,
         facts=BREAKING),
    Case("digest inside quiet moves to its end", RIYADH, f"{D} 21:00",
         {"digest": digest("23:30"), "quiet": quiet("23:00-07:00")}, Action.HOLD, "2026-12-04 07:00",
         Reason.DIGEST),
    Case("in quiet, yesterday's deferred digest", RIYADH, f"{D} 02:00",
         {"digest": digest("23:30"), "quiet": quiet("23:00-07:00")}, Action.HOLD, f"{D} 07:00", Reason.QUIET),
    Case("in quiet, digest after it ends", RIYADH, f"{D} 02:00",
         {"digest": digest("12:00"), "quiet": quiet("23:00-07:00")}, Action.HOLD, f"{D} 12:00", Reason.QUIET),
    Case("in quiet, list not in digest mode", RIYADH, f"{D} 02:00",
         {"digest": digest("12:00", lists=("nato",)), "quiet": quiet("23:00-07:00")}, Action.HOLD,
         f"{D} 07:00", Reason.QUIET),
    # -- notification mode, Slack here, the chat's urgent lists
    Case("urgent-only: normal is silent", RIYADH, f"{D} 10:00", {"notify": NotifyMode.URGENT},
         Action.SEND_SILENT),
    Case("urgent-only: urgent rings", RIYADH, f"{D} 10:00", {"notify": NotifyMode.URGENT}, Action.SEND,
         facts=BREAKING),
    Case("chat's urgent list goes through quiet", RIYADH, f"{D} 02:00",
         {"quiet": quiet("23:00-07:00"), "urgent_watchlists": frozenset({"gaza"})}, Action.SEND),
    Case("chat's urgent list skips the digest", RIYADH, f"{D} 10:00",
         {"digest": digest("12:00"), "urgent_watchlists": frozenset({"gaza"})}, Action.SEND),
    # -- drops keep their meaning whatever the tier
    Case("muted", RIYADH, f"{D} 10:00", {"muted_until": local(RIYADH, f"{D} 12:00")}, Action.DROP,
         f"{D} 12:00", Reason.MUTED, facts=BREAKING),
    Case("paused", RIYADH, f"{D} 10:00", {"enabled": False}, Action.DROP, reason=Reason.PAUSED, facts=BREAKING),
    Case("gone", RIYADH, f"{D} 10:00", {"active": False, "quiet": quiet("09:00-11:00")}, Action.DROP,
         reason=Reason.GONE),
    # -- Europe/London, spring forward (2026-03-29 01:00 UTC: 01:00 GMT -> 02:00 BST)
    Case("spring: before the shrunk window", LONDON, "2026-03-29T00:50Z", {"quiet": quiet("01:30-02:30")},
         Action.SEND),
    Case("spring: inside what remains of 01:30-02:30", LONDON, "2026-03-29T01:10Z",
         {"quiet": quiet("01:30-02:30")}, Action.HOLD, "2026-03-29T01:30Z", Reason.QUIET),
    Case("spring: after the window", LONDON, "2026-03-29T01:30Z", {"quiet": quiet("01:30-02:30")}, Action.SEND),
    Case("spring: end in the gap moves forward", LONDON, "2026-03-29T00:45Z", {"quiet": quiet("00:30-01:30")},
         Action.HOLD, "2026-03-29T01:00Z", Reason.QUIET),
    Case("spring: digest in the gap at 02:00 BST", LONDON, "2026-03-29T00:00Z", {"digest": digest("01:30")},
         Action.HOLD, "2026-03-29T01:00Z", Reason.DIGEST),
    Case("spring: a night's quiet is an hour shorter", LONDON, "2026-03-28T23:00Z",
         {"quiet": quiet("22:00-07:00")}, Action.HOLD, "2026-03-29T06:00Z", Reason.QUIET),
    # -- Europe/London, fall back (2026-10-25 01:00 UTC: 02:00 BST -> 01:00 GMT)
    Case("fall: digest at the first 01:30", LONDON, "2026-10-24T23:00Z", {"digest": digest("01:30")},
         Action.HOLD, "2026-10-25T00:30Z", Reason.DIGEST),
    Case("fall: no second digest at the repeated 01:30", LONDON, "2026-10-25T00:45Z", {"digest": digest("01:30")},
         Action.HOLD, "2026-10-26T01:30Z", Reason.DIGEST),
    Case("fall: a night's quiet is an hour longer", LONDON, "2026-10-24T23:00Z", {"quiet": quiet("22:00-07:00")},
         Action.HOLD, "2026-10-25T07:00Z", Reason.QUIET),
    Case("fall: quiet in the first 01:00-01:30", LONDON, "2026-10-25T00:10Z", {"quiet": quiet("01:00-01:30")},
         Action.HOLD, "2026-10-25T00:30Z", Reason.QUIET),
    Case("fall: the repeated 01:00-01:30 is not quiet", LONDON, "2026-10-25T01:10Z",
         {"quiet": quiet("01:00-01:30")}, Action.SEND),
    # -- America/New_York (DST on other dates than London)
    Case("new york: quiet over its fall-back night", NEW_YORK, "2026-11-01T03:00Z",
         {"quiet": quiet("22:00-06:00")}, Action.HOLD, "2026-11-01T11:00Z", Reason.QUIET),
    Case("new york: digest in local time", NEW_YORK, "2026-07-01 07:00", {"digest": digest("08:00")},
         Action.HOLD, "2026-07-01T12:00Z", Reason.DIGEST),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_policy_table(case: Case) -> None:
    now = _when(case.tz, case.now)
    d = decide(case.facts, DestinationSettings(timezone=case.tz, **case.dest), now)
    assert d.action is case.action
    assert d.reason == case.reason
    assert d.until == (_when(case.tz, case.until) if case.until else None)
    assert d.cap_notice is case.cap_notice


NOW = local(RIYADH, f"{D} 10:00")


@pytest.mark.parametrize(("cap", "ago", "action", "release_in", "notice_ago", "notice"), [
    (2, (), Action.SEND, None, None, False),
    (2, (50,), Action.SEND, None, None, False),
    (2, (50, 10), Action.HOLD, 10, None, True),  # the place of the one sent 50 min ago frees at +10
    (2, (50, 30, 10), Action.HOLD, 30, None, True),  # two must leave the hour: the 30-min-old one at +30
    (2, (70, 65, 10), Action.SEND, None, None, False),  # only one inside the rolling hour
    (2, (50, 10), Action.HOLD, 10, 20, False),  # the notice was written 20 min ago
    (2, (50, 10), Action.HOLD, 10, 61, True),  # the last notice is outside the hour
    (0, (), Action.HOLD, 60, None, True),
])
def test_cap(cap: int, ago: tuple[int, ...], action: Action, release_in: int | None, notice_ago: int | None,
             notice: bool) -> None:
    recent = RecentSends(_sent(NOW, *ago).normal_sent,
                         NOW - timedelta(minutes=notice_ago) if notice_ago is not None else None)
    d = decide(AlertFacts(watchlists=("gaza",), recent=recent), DestinationSettings(timezone=RIYADH, cap=cap), NOW)
    assert d.action is action
    assert d.until == (NOW + timedelta(minutes=release_in) if release_in is not None else None)
    assert d.cap_notice is notice
    if action is Action.HOLD:
        assert d.reason == Reason.CAP


def test_cap_overflow_goes_to_the_next_digest() -> None:
    # The digest covers only "nato", so a gaza alert is sent, until the cap folds it into the digest.
    dest = DestinationSettings(timezone=RIYADH, cap=1, digest=digest("20:00", lists=("nato",)))
    d = decide(AlertFacts(watchlists=("gaza",), recent=_sent(NOW, 5)), dest, NOW)
    assert (d.action, d.reason, d.until, d.cap_notice) == (Action.HOLD, Reason.CAP, local(RIYADH, f"{D} 20:00"), True)


def test_cap_release_leaves_quiet_hours() -> None:
    now = local(RIYADH, f"{D} 22:30")
    dest = DestinationSettings(timezone=RIYADH, cap=1, quiet=quiet("23:00-07:00"))
    d = decide(AlertFacts(recent=_sent(now, 10)), dest, now)  # its place frees at 23:20, in quiet
    assert (d.action, d.until) == (Action.HOLD, local(RIYADH, "2026-12-04 07:00"))


def test_urgent_is_never_capped() -> None:
    d = decide(AlertFacts.of(spread=Spread(4, 12), recent=_sent(NOW, 1, 2, 3)),
               DestinationSettings(timezone=RIYADH, cap=1), NOW)
    assert d.action is Action.SEND and d.tier is Tier.URGENT and d.why.spread == Spread(4, 12)


def test_tier_and_reasons() -> None:
    facts = AlertFacts.of(watchlists=["gaza", "nato", "gaza"], urgent_watchlists=["nato"])
    assert facts.tier is Tier.URGENT and facts.why == Urgency(watchlists=("nato",))
    assert facts.watchlists == ("gaza", "nato")
    assert AlertFacts.of(watchlists=["gaza"]).tier is Tier.NORMAL and not AlertFacts.of().why
    d = decide(AlertFacts.of(breaking=True, watchlists=["gaza"]),
               DestinationSettings(urgent_watchlists=frozenset({"gaza"})), NOW)
    assert d.tier is Tier.URGENT and d.why == Urgency(breaking=True, watchlists=("gaza",))


def test_slack_here_only_for_urgent_when_opted_in() -> None:
    here = DestinationSettings(slack_here=True)
    assert decide(BREAKING, here, NOW).here
    assert not decide(NORMAL, here, NOW).here
    assert not decide(BREAKING, DestinationSettings(), NOW).here


def test_old_callers_get_old_answers() -> None:
    """DestinationSettings(enabled, active, muted_until) and AlertFacts() as ingest builds them today."""
    until = NOW + timedelta(hours=1)
    assert decide(AlertFacts(), DestinationSettings(True, True, None), NOW).action is Action.SEND
    assert decide(AlertFacts(), DestinationSettings(True, True, NOW - timedelta(seconds=1)), NOW).delivers
    muted = decide(AlertFacts(), DestinationSettings(True, True, until), NOW)
    assert (muted.action, muted.reason, muted.until) == (Action.DROP, "muted", until)
    assert decide(AlertFacts(), DestinationSettings(False, True, None), NOW).reason == "paused"
    assert decide(AlertFacts(), DestinationSettings(True, False, None), NOW).reason == "gone"


def test_settings_reject_nonsense() -> None:
    with pytest.raises(ValueError):
        QuietHours(t("07:00"), t("07:00"))
    with pytest.raises(ValueError):
        DigestSchedule(())
    assert DigestSchedule((t("20:00"), t("08:00"), t("20:00"))).times == (t("08:00"), t("20:00"))


def test_wallclock_dst_semantics() -> None:
    assert at_local(utc("2026-03-29T00:00").date(), t("01:30"), LONDON) == utc("2026-03-29T01:00")
    assert at_local(utc("2026-10-25T00:00").date(), t("01:30"), LONDON) == utc("2026-10-25T00:30")
    assert at_local(utc("2026-06-01T00:00").date(), t("01:30"), LONDON) == utc("2026-06-01T00:30")
    assert at_local(utc("2026-06-01T00:00").date(), t("01:30"), RIYADH) == utc("2026-05-31T22:30")
    # Lord Howe moves its clocks by 30 minutes.
    lord_howe = ZoneInfo("Australia/Lord_Howe")
    assert at_local(utc("2026-10-04T00:00").date(), t("02:15"), lord_howe).astimezone(lord_howe).strftime(
        "%H:%M") == "02:30"


# ---------------------------------------------------------------- properties
ZONES = [ZoneInfo(z) for z in ("Europe/London", "Asia/Riyadh", "America/New_York", "UTC", "Australia/Lord_Howe",
                               "Asia/Tehran", "America/Santiago")]
# Instants near DST changes, plus the whole year.
_DST_DAYS = [utc(s) for s in ("2026-03-29T00:00", "2026-10-25T00:00", "2026-03-08T00:00", "2026-11-01T00:00",
                              "2026-04-05T00:00", "2026-10-04T00:00", "2026-09-06T00:00")]
times = st.builds(time, st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 45, 59]))
nows = st.one_of(
    st.builds(lambda day, m: day + timedelta(minutes=m), st.sampled_from(_DST_DAYS), st.integers(-1440, 2880)),
    st.datetimes(datetime(2026, 1, 1), datetime(2027, 1, 1)).map(lambda d: d.replace(tzinfo=UTC)),
)


@st.composite
def setups(draw: st.DrawFn) -> tuple[AlertFacts, DestinationSettings, datetime]:
    now = draw(nows)
    q = None
    if draw(st.booleans()):
        a, b = draw(times), draw(times)
        if a != b:
            q = QuietHours(a, b, draw(st.booleans()))
    dg = None
    if draw(st.booleans()):
        dg = DigestSchedule(tuple(draw(st.lists(times, min_size=1, max_size=3))),
                            draw(st.one_of(st.none(), st.just(frozenset({"gaza"})), st.just(frozenset({"nato"})))))
    cap = draw(st.one_of(st.none(), st.integers(0, 4)))
    ago = draw(st.lists(st.integers(0, 120), max_size=6))
    recent = RecentSends(tuple(now - timedelta(minutes=m) for m in ago),
                         draw(st.one_of(st.none(), st.just(now - timedelta(minutes=draw(st.integers(0, 90)))))))
    facts = AlertFacts.of(breaking=draw(st.booleans()), watchlists=draw(st.sampled_from([["gaza"], ["nato"],
                                                                                         ["gaza", "nato"]])),
                          recent=recent)
    dest = DestinationSettings(timezone=draw(st.sampled_from(ZONES)), quiet=q, digest=dg, cap=cap,
                               notify=draw(st.sampled_from(list(NotifyMode))))
    return facts, dest, now


@settings(max_examples=1500, deadline=None)
@given(setups())
def test_holds_release_within_a_day_and_normal_never_rings_in_quiet(setup: tuple[AlertFacts, DestinationSettings,
                                                                                 datetime]) -> None:
    facts, dest, now = setup
    d = decide(facts, dest, now)
    window = quiet_window_at(now, dest.quiet.start, dest.quiet.end, dest.timezone) if dest.quiet else None
    if d.action is Action.HOLD:
        assert d.until is not None
        assert now < d.until <= now + timedelta(hours=25)
        if dest.quiet is not None and d.tier is Tier.NORMAL:
            # What is released is a (normal) digest: never inside quiet hours either.
            assert quiet_window_at(d.until, dest.quiet.start, dest.quiet.end, dest.timezone) is None
    if window is not None and d.tier is Tier.NORMAL:
        assert d.action not in (Action.SEND, Action.SEND_SILENT)
