"""What skipping web addresses costs the matcher, and why the address scan is written as it is.

Run ``python benchmarks/addresses.py`` (about 20 s) or ``--quick``. Two figures, each beside its
baseline, measured in one run (medians of process CPU time on one core):

1. Matcher throughput on the ``benchmarks/match.py`` corpus (1,000 terms), one story in five
   carrying a URL, an e-mail address or an @handle: with the address mask (ours) against the same
   matcher with the mask turned off (what it cost before; it also fired on the addresses).
   The same on the corpus as it is (no addresses): what the mask costs a story that has none.
2. The address scan on hostile runs ("ab.ab.ab…1", "x@a.x@a.…") of 20, 40 and 80 KB: the time
   doubles with the length (linear), the property a feed-controlled input needs.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import bot.domain.matcher as matcher_module  # noqa: E402
from bot.domain.addresses import address_spans, mask_addresses  # noqa: E402
from bot.domain.matcher import Matcher  # noqa: E402
from match import builtin_lists, make_stories, median_time, pin_one_core, term_set  # noqa: E402

ADDRESSES = ("https://www.gaza-market.example/gold", "nato-watch.example.org", "desk@nato.int", "@nato_watch",
             "https://news.example/a?utm_source=x&id=3")


def with_addresses(stories: list[tuple[str, str]]) -> list[tuple[str, str]]:
    rng = random.Random(7)
    out = []
    for i, (title, summary) in enumerate(stories):
        if i % 5 == 0:
            summary = f"{summary} المصدر: {rng.choice(ADDRESSES)}"
        out.append((title, summary))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true")
    quick = ap.parse_args(argv).quick
    reps = 3 if quick else 7
    where = pin_one_core()
    plain = make_stories(1000 if quick else 5000)
    matcher = Matcher(term_set(1000, builtin_lists()))
    print(f"address benchmark: {len(plain)} stories, medians of {reps} runs, {where}")
    for label, stories in (("one story in five with an address", with_addresses(plain)), ("no addresses", plain)):
        def run(stories: list[tuple[str, str]] = stories) -> int:
            return sum(len(matcher.match(t, s)) for t, s in stories)

        ours = median_time(run, reps)
        fired = run()
        matcher_module.mask_addresses = lambda text: text  # type: ignore[assignment]  # the baseline: no mask
        try:
            before = median_time(run, reps)
            fired_before = run()
        finally:
            matcher_module.mask_addresses = mask_addresses
        print(f"matcher, 1,000 terms, {label}: with the mask {len(stories) / ours:,.0f} stories/s, without it "
              f"{len(stories) / before:,.0f} stories/s (cost {100 * (ours / before - 1):+.1f} %); "
              f"matches {fired} with, {fired_before} without")
    for name, unit in (("ab.ab.…1", "ab."), ("x@a.x@a.…", "x@a.")):
        row = []
        for size in (20_000, 40_000, 80_000):
            text = unit * (size // len(unit)) + "1"
            row.append(f"{size // 1000} KB {median_time(lambda t=text: address_spans(t), reps) * 1e3:.2f} ms")
        print(f"scan of {name:>10}: " + ", ".join(row))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
