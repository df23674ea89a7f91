"""What a spike alert's chart costs, and the detector: ours beside the naive way, in one run.

Chart: ``bot.alerts.chart.spike_chart`` (an Agg canvas on a bare Figure, fixed
size, no tight bounding box) against the usual pyplot recipe (``plt.subplots``,
``plt.bar``, ``savefig(bbox_inches="tight")``, ``plt.close``), on the same
24-hour series of 96 bins with two highlighted. Detector: ``detect`` on eight
days of a busy list (10 stories every 15 minutes). Medians of process CPU time
over repetitions; the machine may be shared, so the figures describe this run only.

Run ``python benchmarks/spike_chart.py`` (about half a minute).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from io import BytesIO
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from bot.alerts.chart import spike_chart  # noqa: E402
from bot.domain.spikes import BIN, Sighting, SpikeRules, detect  # noqa: E402

START = datetime(2026, 3, 8, 12, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Riyadh")
REPS = 40


def naive(counts: list[int], highlight: list[int]) -> bytes:
    fig, ax = plt.subplots(figsize=(8, 3), dpi=100)
    ax.bar(range(len(counts)), counts, color=["red" if i in highlight else "steelblue" for i in range(len(counts))])
    ax.set_xticks(range(0, len(counts), 16))
    out = BytesIO()
    fig.savefig(out, format="png", bbox_inches="tight")
    plt.close(fig)
    return out.getvalue()


def timed(fn, *args) -> float:  # type: ignore[no-untyped-def]
    t = time.process_time()
    fn(*args)
    return (time.process_time() - t) * 1000


def main() -> None:
    rng = random.Random(19)
    counts = [rng.randint(0, 4) for _ in range(94)] + [9, 14]
    highlight = [94, 95]
    spike_chart(counts, highlight, START, TZ)
    naive(counts, highlight)  # warm both (fonts, caches)
    ours = [timed(spike_chart, counts, highlight, START, TZ) for _ in range(REPS)]
    base = [timed(naive, counts, highlight) for _ in range(REPS)]
    print(f"chart, 96 bins: ours {statistics.median(ours):.1f} ms, naive pyplot {statistics.median(base):.1f} ms "
          f"(medians of {REPS}); PNG {len(spike_chart(counts, highlight, START, TZ)):,} bytes")

    now = START + timedelta(days=8)
    sightings, k = [], 0
    t = START
    while t < now:
        for i in range(10):
            k += 1
            sightings.append(Sighting(k, k % 12, t + BIN * (i + 0.5) / 11))
        t += BIN
    rules = SpikeRules()
    det = [timed(detect, sightings, now, rules, START) for _ in range(REPS)]
    print(f"detect, {len(sightings):,} sightings over 8 days: {statistics.median(det):.1f} ms (median of {REPS})")


if __name__ == "__main__":
    main()
