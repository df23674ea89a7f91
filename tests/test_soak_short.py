"""The soak (benchmarks/soak.py), short: 40 feeds, 200 chats, 60 stories a minute for 40 s.

The real ``newsbot run`` in a subprocess on SQLite, the feeds and the Bot API
double on loopback. Everything it publishes is generated from a fixed seed and
vetted by the bot's own matcher and clusterer, so which alerts are due is
known in advance; only the timing varies from run to run.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.soak import SoakParams, run_soak

SHORT = SoakParams(
    feeds=40, chats=200, stories_per_minute=60, minutes=40 / 60,
    poll_interval=10, min_feed_interval=10,  # NEWSBOT_POLL_INTERVAL / NEWSBOT_MIN_FEED_INTERVAL
    match_share=0.2,  # 8 of the 40 stories alert, ~15-30 chats each
    global_rate=100, private_interval=0.2,
    warmup_s=10, window_s=10, sample_every=1.0, hosts=2, items_per_feed=15, initial_items=5,
    baseline_minutes=0, drain_timeout=35, startup_timeout=40, memory_bound_pct=30, seed=7,
)


@pytest.mark.timeout(150)
async def test_short_soak_drains_delivers_once_logs_no_error_and_keeps_memory_flat(tmp_path: Path):
    r = await run_soak(dataclasses.replace(SHORT, workdir=tmp_path))
    report = r.report()
    print(report)

    assert r.exit_code == 0, r.log_tail
    assert r.published == 40 and r.matching_published == 8, report
    assert r.stored == r.published, report
    assert r.story_states.get("alerted") == 8 and r.story_states.get("nomatch") == 32, report
    # The outbox drained, and it holds exactly what the watchlists and subscriptions call for.
    assert r.drain_seconds is not None and r.outbox_final_pending == 0, report
    assert r.predicted_pairs and r.expected_pairs == r.predicted_pairs, report
    assert r.alerts_expected == len(r.expected_pairs), report
    assert r.outbox_states == {"sent": r.alerts_expected}, report
    # Every expected alert reached its chat exactly once, and nothing else did.
    assert set(r.deliveries) == r.expected_pairs, report
    assert Counter(r.deliveries.values()) == Counter({1: len(r.expected_pairs)}), report
    # No error-level entry, no traceback.
    assert r.log_lines > 0
    assert r.error_entries == [] and r.tracebacks == 0, report
    # Memory after warm-up: generous (short and noisy).
    assert r.rss_first_mb > 0 and r.rss_last_mb > 0, report
    assert r.rss_growth_pct < 30, report
    assert r.polls_per_s > 0
