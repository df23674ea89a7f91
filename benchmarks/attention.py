"""What the attention rules cost ingest: ``decide()`` per (alert, destination), beside the old rules.

Ingest calls the policy once per subscriber of every matched story. This
times 20,000 decisions over destinations with a fixed-seed mix of settings
(a third with no attention settings; the rest with zones, quiet hours across
midnight, digest times, caps with recent sends, urgent-only notifications),
against the pre-attention rules (gone / paused / muted only) over the same
destinations. Medians of process CPU time over several repetitions; the
machine may be shared, so the figures describe this run only.

Run ``python benchmarks/attention.py`` (a few seconds).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from datetime import time as wall
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.domain.policy import (  # noqa: E402
    Action,
    AlertFacts,
    Decision,
    DestinationSettings,
    DigestSchedule,
    NotifyMode,
    QuietHours,
    RecentSends,
    decide,
)

SEED = 20261203
N = 20_000
REPEAT = 7
ZONES = [ZoneInfo(z) for z in ("Asia/Riyadh", "Europe/London", "Africa/Cairo", "America/New_York", "UTC")]


def old_decide(dest: DestinationSettings, now: datetime) -> Decision:
    """The rules before issue 16, as a baseline."""
    if not dest.active:
        return Decision(Action.DROP, "gone")
    if not dest.enabled:
        return Decision(Action.DROP, "paused")
    if dest.muted_until is not None and dest.muted_until > now:
        return Decision(Action.DROP, "muted", dest.muted_until)
    return Decision(Action.SEND)


def workload(rng: random.Random, now: datetime) -> list[tuple[AlertFacts, DestinationSettings]]:
    out = []
    for i in range(N):
        if i % 3 == 0:
            dest = DestinationSettings()
        else:
            quiet = QuietHours(wall(rng.randrange(20, 24)), wall(rng.randrange(5, 9))) if rng.random() < 0.6 else None
            digest = DigestSchedule((wall(8), wall(20))) if rng.random() < 0.3 else None
            dest = DestinationSettings(timezone=rng.choice(ZONES), quiet=quiet, digest=digest,
                                       cap=rng.choice([None, 5, 10]),
                                       notify=rng.choice([NotifyMode.ALL, NotifyMode.URGENT]))
        sent = tuple(now - timedelta(minutes=rng.randrange(0, 90)) for _ in range(rng.randrange(0, 8)))
        facts = AlertFacts.of(breaking=rng.random() < 0.1, watchlists=["gaza"], recent=RecentSends(sent))
        out.append((facts, dest))
    return out


def median_seconds(fn: object) -> float:
    assert callable(fn)
    runs = []
    for _ in range(REPEAT):
        start = time.process_time()
        fn()
        runs.append(time.process_time() - start)
    return statistics.median(runs)


def main() -> None:
    rng = random.Random(SEED)
    now = datetime(2026, 12, 3, 21, 30, tzinfo=UTC)
    work = workload(rng, now)
    plain = [(f, DestinationSettings()) for f, _ in work]
    ours = median_seconds(lambda: [decide(f, d, now) for f, d in work])
    ours_plain = median_seconds(lambda: [decide(f, d, now) for f, d in plain])
    naive = median_seconds(lambda: [old_decide(d, now) for _, d in work])
    held = sum(decide(f, d, now).action is Action.HOLD for f, d in work)
    print(f"{N} decisions, {held} held; medians of {REPEAT} runs (process CPU time)")
    print(f"  attention decide, mixed settings : {ours * 1e6 / N:7.2f} µs/decision")
    print(f"  attention decide, no settings    : {ours_plain * 1e6 / N:7.2f} µs/decision")
    print(f"  old rules (baseline)             : {naive * 1e6 / N:7.2f} µs/decision")


if __name__ == "__main__":
    main()
