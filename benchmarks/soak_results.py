"""What a soak run measured, and the report it prints.

RSS and CPU come from the bot's own ``/proc/<pid>`` entries; every figure is a median over
samples, because the machines are shared and noisy.
"""

from __future__ import annotations

import json
import os
import statistics
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["BaselineResult", "Sample", "SoakParams", "SoakResult", "interp", "median_rss", "minute_cpu", "proc_cpu_s",
           "proc_rss_kb", "proc_status", "render_report", "scan_log", "write_samples"]

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


# ------------------------------------------------------------------ parameters and results
@dataclass
class SoakParams:
    feeds: int = 1000
    chats: int = 5000
    stories_per_minute: float = 100.0
    minutes: float = 10.0
    poll_interval: int = 60  # NEWSBOT_POLL_INTERVAL
    min_feed_interval: int | None = None  # NEWSBOT_MIN_FEED_INTERVAL (default: the poll interval)
    match_share: float = 0.05  # share of stories naming a built-in watchlist
    global_rate: float = 60.0  # TELEGRAM_GLOBAL_RATE (messages a second)
    private_interval: float = 1.0  # TELEGRAM_PRIVATE_INTERVAL (seconds between two sends to one chat)
    warmup_s: float = 60.0  # stream time before the first memory window
    window_s: float = 60.0  # width of the first and last memory windows
    sample_every: float = 5.0  # seconds between samples
    hosts: int = 10  # loopback addresses the feeds are spread over (127.0.0.1..N)
    items_per_feed: int = 20  # newest items a feed lists
    initial_items: int = 10  # items each feed lists before the stream (recorded silently)
    baseline_minutes: float = 2.0  # naive poller afterwards (0: skip)
    drain_timeout: float | None = None  # after the last story (default: 1.5 poll intervals + 90 s)
    startup_timeout: float = 180.0  # bot start + first fetch of every feed
    memory_bound_pct: float = 15.0  # "memory flat": growth first -> last window below this
    seed: int = 20240601
    workdir: Path | None = None  # default: a temporary directory, removed unless keep
    keep: bool = False
    progress: Callable[[str], None] | None = None  # one line now and then (the CLI prints to stderr)

    @property
    def stream_seconds(self) -> float:
        return self.minutes * 60.0

    @property
    def total_stories(self) -> int:
        return round(self.stories_per_minute * self.minutes)


@dataclass
class Sample:
    t: float  # monotonic seconds
    rss_kb: int
    cpu_s: float
    outbox_pending: int
    outbox_rows: int
    delivered: int  # alert messages the double has recorded so far
    fetches: int  # requests the feed server has answered so far
    published: int
    threads: int = 0


@dataclass
class BaselineResult:
    seconds: float
    cpu_per_min: float  # median of one-minute windows
    cpu_windows: list[float]
    rss_median_mb: float  # over the last window
    rss_peak_mb: float
    fetches: int
    fetches_per_s: float
    entries_seen: int
    errors: int


@dataclass
class SoakResult:
    params: SoakParams
    wall_seconds: float = 0.0
    watchlists: int = 0
    subscribers_min: int = 0
    subscribers_max: int = 0
    subscriptions: int = 0
    # memory (MB) and CPU of the bot process
    rss_start_mb: float = 0.0
    rss_first_mb: float = 0.0
    rss_last_mb: float = 0.0
    rss_growth_pct: float = 0.0
    rss_peak_mb: float = 0.0
    first_window: tuple[float, float] = (0.0, 0.0)
    last_window: tuple[float, float] = (0.0, 0.0)
    cpu_per_min: float = 0.0
    cpu_windows: list[float] = field(default_factory=list)
    # outbox
    outbox_max_pending: int = 0
    outbox_final_pending: int = -1
    drain_seconds: float | None = None  # last story published -> stored, decided and delivered
    outbox_states: dict[str, int] = field(default_factory=dict)
    # stories
    published: int = 0
    matching_published: int = 0
    stored: int = 0
    story_states: dict[str, int] = field(default_factory=dict)
    # alerts: (chat id, story seq) pairs
    alerts_expected: int = 0  # outbox alert rows created
    expected_pairs: set[tuple[int, int]] = field(default_factory=set)
    predicted_pairs: set[tuple[int, int]] = field(default_factory=set)  # matcher x subscriptions
    deliveries: Counter[tuple[int, int]] = field(default_factory=Counter)
    alerts_delivered: int = 0  # alert messages recorded by the double
    # log and exit
    error_entries: list[str] = field(default_factory=list)
    tracebacks: int = 0
    warning_events: Counter[str] = field(default_factory=Counter)
    other_lines: list[str] = field(default_factory=list)
    log_lines: int = 0
    exit_code: int | None = None
    # polling
    stream_fetches: int = 0
    stream_not_modified: int = 0
    polls_per_s: float = 0.0
    poll_gap_median_s: float = 0.0  # per feed, between two polls, as the feed server saw them
    baseline: BaselineResult | None = None
    samples: list[Sample] = field(default_factory=list)
    stream_start: float = 0.0  # monotonic
    stream_end: float = 0.0
    log_path: Path | None = None
    log_tail: str = ""

    # ---------------------------------------------------------------- verdicts
    @property
    def duplicates(self) -> int:
        return sum(n - 1 for n in self.deliveries.values() if n > 1)

    @property
    def missing(self) -> int:
        return len(self.expected_pairs - set(self.deliveries))

    @property
    def unexpected(self) -> int:
        return len(set(self.deliveries) - self.expected_pairs)

    @property
    def memory_flat(self) -> bool:
        return self.rss_growth_pct < self.params.memory_bound_pct

    @property
    def drained(self) -> bool:
        return self.outbox_final_pending == 0

    @property
    def delivered_exactly_once(self) -> bool:
        return bool(self.expected_pairs) and set(self.deliveries) == self.expected_pairs \
            and all(n == 1 for n in self.deliveries.values())

    @property
    def clean_log(self) -> bool:
        return not self.error_entries and self.tracebacks == 0

    @property
    def ok(self) -> bool:
        """Every criterion of the issue: clean exit, drained, exactly once, clean log, memory flat."""
        return (self.exit_code == 0 and self.drained and self.clean_log and self.delivered_exactly_once
                and self.stored == self.published and self.expected_pairs == self.predicted_pairs
                and self.memory_flat)

    def summary(self) -> dict[str, Any]:
        """The numbers, JSON-friendly."""
        skip = {"params", "samples", "expected_pairs", "predicted_pairs", "deliveries", "log_tail"}
        out = {k: v for k, v in self.__dict__.items() if k not in skip}
        out["params"] = {k: v for k, v in asdict(self.params).items() if k != "progress"}
        out.update(duplicates=self.duplicates, missing=self.missing, unexpected=self.unexpected,
                   memory_flat=self.memory_flat, ok=self.ok, baseline=asdict(self.baseline) if self.baseline else None)
        return json.loads(json.dumps(out, default=str))

    def report(self) -> str:
        return render_report(self)


# ------------------------------------------------------------------ /proc
def proc_status(pid: int) -> dict[str, int]:
    """VmRSS (kB) and Threads of a process from /proc/<pid>/status ({} once it is gone)."""
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key in ("VmRSS", "Threads"):
                    out[key] = int(value.split()[0])
    except (OSError, ValueError, IndexError):
        pass
    return out


def proc_rss_kb(pid: int) -> int:
    return proc_status(pid).get("VmRSS", 0)


def proc_cpu_s(pid: int) -> float:
    """utime + stime of one process, in seconds."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            fields = f.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def interp(samples: Sequence[Sample], t: float, attr: str) -> float:
    before = [s for s in samples if s.t <= t]
    after = [s for s in samples if s.t >= t]
    if not before:
        return float(getattr(after[0], attr))
    if not after:
        return float(getattr(before[-1], attr))
    a, b = before[-1], after[0]
    if b.t == a.t:
        return float(getattr(a, attr))
    return getattr(a, attr) + (getattr(b, attr) - getattr(a, attr)) * (t - a.t) / (b.t - a.t)


def minute_cpu(samples: Sequence[Sample], start: float, end: float) -> list[float]:
    """CPU seconds in each whole minute of [start, end) (or the span scaled to a minute if shorter)."""
    if end - start < 60:
        span = end - start
        if span <= 0:
            return []
        return [(interp(samples, end, "cpu_s") - interp(samples, start, "cpu_s")) * 60 / span]
    out = []
    t = start
    while t + 60 <= end + 1e-6:
        out.append(interp(samples, t + 60, "cpu_s") - interp(samples, t, "cpu_s"))
        t += 60
    return out


def median_rss(samples: Sequence[Sample], a: float, b: float) -> float:
    vals = [s.rss_kb for s in samples if a <= s.t <= b and s.rss_kb]
    return statistics.median(vals) / 1024 if vals else 0.0


def write_samples(path: Path, samples: Sequence[Sample], s0: float) -> None:
    with open(path, "w", encoding="utf-8") as f:
        f.write("t_stream_s,rss_kb,cpu_s,outbox_pending,outbox_rows,alerts_delivered,feed_requests,published,"
                "threads\n")
        f.writelines(f"{x.t - s0:.2f},{x.rss_kb},{x.cpu_s:.2f},{x.outbox_pending},{x.outbox_rows},{x.delivered},"
                     f"{x.fetches},{x.published},{x.threads}\n" for x in samples)


# ------------------------------------------------------------------ log
def scan_log(text: str) -> tuple[list[str], int, Counter[str], list[str], int]:
    """(error-level entries, tracebacks, warning events by name, non-JSON lines, lines)."""
    errors: list[str] = []
    warnings: Counter[str] = Counter()
    other: list[str] = []
    tracebacks = lines = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        lines += 1
        try:
            rec = json.loads(line)
        except ValueError:
            rec = None
        if isinstance(rec, dict):
            level = str(rec.get("level", "")).lower()
            if level in ("error", "critical", "exception", "fatal"):
                errors.append(line[:400])
            elif level == "warning":
                warnings[str(rec.get("event", "?"))[:80]] += 1
            if "Traceback (most recent call last)" in line:
                tracebacks += 1
        else:
            other.append(line[:400])
            if line.startswith("Traceback"):
                tracebacks += 1
    return errors, tracebacks, warnings, other, lines


# ------------------------------------------------------------------ report
def render_report(r: SoakResult) -> str:
    p = r.params
    s0 = r.stream_start
    lines: list[str] = []
    add = lines.append
    length = f"{p.minutes:g} min" if p.minutes >= 1 else f"{p.stream_seconds:.0f} s"
    add(f"newsbot soak: {p.feeds:,} feeds ({p.hosts} loopback hosts), {p.chats:,} Telegram private chats, "
        f"{p.stories_per_minute:g} stories/min for {length}, SQLite; {os.cpu_count()} cores, shared")
    match_per_min = p.stories_per_minute * p.match_share
    avg_subs = r.subscriptions / max(1, r.watchlists)
    add(f"  settings: NEWSBOT_POLL_INTERVAL={p.poll_interval} s, TELEGRAM_GLOBAL_RATE={p.global_rate:g}/s, "
        f"TELEGRAM_PRIVATE_INTERVAL={p.private_interval:g} s; {p.match_share:.0%} of stories name a watchlist "
        f"({r.watchlists} lists, {r.subscribers_min}-{r.subscribers_max} subscribers each) -> "
        f"~{match_per_min * avg_subs:,.0f} sends/min needed on average")
    add(f"  samples every {p.sample_every:g} s; wall time {r.wall_seconds / 60:.1f} min")
    add("")
    add("timeline of the stream")
    add(f"  {'minutes':>9} {'RSS MB (median)':>16} {'CPU s':>7} {'outbox max':>11} {'alerts sent':>12} {'polls/s':>8}"
        f" {'threads':>8}")
    dur = r.stream_end - s0
    m = 0
    while m * 60 < dur - 1e-6:
        a, b = s0 + m * 60, min(s0 + (m + 1) * 60, r.stream_end)
        win = [s for s in r.samples if a <= s.t <= b]
        if win:
            rss = statistics.median(s.rss_kb for s in win) / 1024
            cpu = interp(r.samples, b, "cpu_s") - interp(r.samples, a, "cpu_s")
            sent = interp(r.samples, b, "delivered") - interp(r.samples, a, "delivered")
            polls = (interp(r.samples, b, "fetches") - interp(r.samples, a, "fetches")) / max(1e-9, b - a)
            span = f"{(a - s0) / 60:g}-{(b - s0) / 60:.3g}"
            add(f"  {span:>9} {rss:>16.1f} {cpu:>7.1f} {max(s.outbox_pending for s in win):>11,} {sent:>12,.0f} "
                f"{polls:>8.1f} {max(s.threads for s in win):>8}")
        m += 1
    after = [s for s in r.samples if s.t > r.stream_end]
    if after:
        add(f"  {'after':>9} {statistics.median(s.rss_kb for s in after) / 1024:>16.1f} "
            f"{after[-1].cpu_s - interp(r.samples, r.stream_end, 'cpu_s'):>7.1f} "
            f"{max(s.outbox_pending for s in after):>11,} "
            f"{after[-1].delivered - interp(r.samples, r.stream_end, 'delivered'):>12,.0f}   "
            f"(the {(after[-1].t - r.stream_end):.0f} s after the stream, until SIGTERM)")
    add("")
    add("memory (bot process, VmRSS)")
    fa, fb = r.first_window
    la, lb = r.last_window
    for label, value in (("at the start of the stream (after the first fetch)", f"{r.rss_start_mb:8.1f} MB"),
                         (f"median, first window [{fa:.0f}-{fb:.0f} s of the stream]", f"{r.rss_first_mb:8.1f} MB"),
                         (f"median, last window [{la:.0f}-{lb:.0f} s]", f"{r.rss_last_mb:8.1f} MB"),
                         ("growth, first -> last window", (f"{r.rss_growth_pct:+8.1f} %   (flat means < "
                                                           f"{p.memory_bound_pct:g} %: "
                                                           f"{'yes' if r.memory_flat else 'NO'})")),
                         ("peak", f"{r.rss_peak_mb:8.1f} MB")):
        add(f"  {label:<52}{value}")
    add("outbox")
    drain = f"{r.drain_seconds:.0f} s" if r.drain_seconds is not None else "NOT within the time allowed"
    add(f"  depth: max {r.outbox_max_pending:,} pending (sampled), final {r.outbox_final_pending:,}; "
        f"caught up {drain} after the last story was published; rows by state {r.outbox_states}")
    add("stories")
    add(f"  published {r.published:,} ({r.matching_published} naming a watchlist), stored {r.stored:,}; "
        f"states {r.story_states}")
    add("alerts")
    add(f"  expected {r.alerts_expected:,} (outbox rows created); predicted from matcher x subscriptions "
        f"{len(r.predicted_pairs):,} ({'same pairs' if r.predicted_pairs == r.expected_pairs else 'DIFFERENT pairs'})")
    add(f"  delivered {r.alerts_delivered:,} messages: {len(r.deliveries):,} distinct (chat, story) pairs, "
        f"{r.duplicates} duplicates, {r.missing} missing, {r.unexpected} unexpected")
    add("log and exit")
    warn = ", ".join(f"{k} x{v}" for k, v in r.warning_events.most_common(5)) or "none"
    add(f"  {r.log_lines:,} lines; {len(r.error_entries)} error-level entries, {r.tracebacks} tracebacks, "
        f"warnings: {warn}; {len(r.other_lines)} non-JSON lines; exit status {r.exit_code} (SIGTERM)")
    for e in r.error_entries[:5]:
        add(f"    ! {e[:300]}")
    for o in r.other_lines[:3]:
        add(f"    ? {o[:300]}")
    add("polling")
    share = r.stream_not_modified / r.stream_fetches if r.stream_fetches else 0.0
    add(f"  {r.polls_per_s:.1f} polls/s during the stream ({r.stream_fetches:,} requests, {share:.1%} answered 304); "
        f"each feed polled every {r.poll_gap_median_s:.1f} s (median gap), i.e. "
        f"{p.feeds / r.poll_gap_median_s if r.poll_gap_median_s else 0:.1f} polls/s in steady state")
    add("  (the first fetch polls every feed at once and the +-5 % jitter spreads them slowly, so the window "
        "holds whole cycles only)")
    add("")
    n_cpu = len(r.cpu_windows)
    cpu_note = (f"median of {n_cpu} one-minute window{'s' * (n_cpu != 1)} after warm-up" if dur - p.warmup_s >= 60
                else "after warm-up, scaled to a minute")
    if r.baseline is not None:
        bl = r.baseline
        n_b = len(bl.cpu_windows)
        bnote = f"median of {n_b} one-minute window{'s' * (n_b != 1)}" if bl.seconds >= 65 else "scaled to a minute"
        add("newsbot vs a naive poller (same feed server, same pace, same stream; measured the same way)")
        add(f"  {'':<30}{'newsbot':>14}{'naive':>14}")
        add(f"  {'CPU s per minute':<30}{r.cpu_per_min:>14.2f}{bl.cpu_per_min:>14.2f}"
            f"   ({cpu_note}; naive: {bnote})")
        add(f"  {'RSS median, last window':<30}{r.rss_last_mb:>11.1f} MB{bl.rss_median_mb:>11.1f} MB")
        add(f"  {'RSS peak':<30}{r.rss_peak_mb:>11.1f} MB{bl.rss_peak_mb:>11.1f} MB")
        add(f"  {'fetches/s':<30}{r.polls_per_s:>14.1f}{bl.fetches_per_s:>14.1f}")
        add(f"  naive: {bl.fetches:,} full fetches in {bl.seconds:.0f} s, {bl.errors} errors, {bl.entries_seen:,} ids "
            "seen; it matches, stores and delivers nothing, while newsbot's figure also covers matching, storing")
        add(f"  and delivering ~{match_per_min * avg_subs:,.0f} alerts/min.")
    else:
        add(f"CPU (bot): {r.cpu_per_min:.2f} s per minute ({cpu_note}); no naive baseline in this run")
    add("")
    checks = [("exit status 0", r.exit_code == 0), ("outbox drained", r.drained),
              ("every story stored", r.stored == r.published),
              ("alerts as predicted", r.expected_pairs == r.predicted_pairs),
              ("each delivered exactly once", r.delivered_exactly_once),
              ("no error logged, no traceback", r.clean_log),
              (f"memory flat (< {p.memory_bound_pct:g} %)", r.memory_flat)]
    add("verdict: " + "; ".join(f"{name}: {'yes' if ok else 'NO'}" for name, ok in checks))
    if r.log_path is not None:
        add(f"bot log: {r.log_path}")
    return "\n".join(lines)

