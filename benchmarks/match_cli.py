"""Whole-process ``newsbot match``: 20,000 stories against 10,000 terms and against 10,000 rules.

Run ``python benchmarks/match_cli.py`` (about a minute) or ``--quick``. The
inputs are written to a temporary directory from ``benchmarks/match.py``'s
fixed-seed generators: the stories of that benchmark, and 10,000 terms or
rules drawn from the same dense news vocabulary (a stress case: most stories
hit something). Each figure is a fresh ``python -m bot match`` process, start-up
included: its wall time and its own CPU time (user + system; what a shared,
loaded machine disturbs least), medians of several runs, beside the same run's
naive baseline: a process that loads the same terms or rules and tests one
compiled ``re.search`` per phrase, over the first stories only (it is slow).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.match import SEED, _term_pool, make_rules, make_stories  # noqa: E402

NAIVE = r'''
import json, re, sys
from bot.domain.rule_parse import AllOf, AnyOf, FromSource, InLang, InTitle, Near, Not, Phrase, parse_rule

def pattern(text):
    words = [re.escape(w) for w in text.lower().split() if w != "*"]
    return re.compile(r"\b" + r"\s+".join(words) + r"\b")

def holds(node, title, text, pats):
    if isinstance(node, Phrase):
        return pats[node.text].search(title if isinstance(node, InTitle) else text) is not None
    if isinstance(node, AllOf):
        return all(holds(c, title, text, pats) for c in node.children)
    if isinstance(node, AnyOf):
        return any(holds(c, title, text, pats) for c in node.children)
    if isinstance(node, Not):
        return not holds(node.child, title, text, pats)
    if isinstance(node, InTitle):
        return holds(node.child, title, title, pats)
    if isinstance(node, Near):
        return holds(node.left, title, text, pats) and holds(node.right, title, text, pats)
    return True

kind, spec, stories, limit = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
if kind == "terms":
    import yaml
    lists = yaml.safe_load(open(spec, encoding="utf-8"))["watchlists"]
    pats = [(w["id"], pattern(t)) for w in lists for t in w["terms"]]
else:
    rules, pats = [], {}
    for line in open(spec, encoding="utf-8"):
        rid, _, text = line.rstrip("\n").partition("\t")
        tree = parse_rule(text)
        rules.append((rid, tree))
        stack = [tree]
        while stack:
            n = stack.pop()
            if isinstance(n, Phrase):
                pats.setdefault(n.text, pattern(n.text))
            elif isinstance(n, (AllOf, AnyOf)):
                stack.extend(n.children)
            elif isinstance(n, (Not, InTitle)):
                stack.append(n.child)
            elif isinstance(n, Near):
                stack.extend((n.left, n.right))
out = sys.stdout
for i, line in enumerate(open(stories, encoding="utf-8")):
    if i == limit:
        break
    obj = json.loads(line)
    title = (obj.get("title") or "").lower()
    text = title + "\n" + (obj.get("summary") or "").lower()
    if kind == "terms":
        found = sorted({w for w, p in pats if p.search(text)})
    else:
        found = sorted(r for r, t in rules if holds(t, title, text, pats))
    out.write(json.dumps({"id": obj["id"], "matches": found}, ensure_ascii=False) + "\n")
'''


def write_terms(path: Path, n_terms: int) -> None:
    """``n_terms`` /watch-style terms in lists of ten, as a watchlists YAML."""
    pool = _term_pool(random.Random(SEED))[:n_terms]
    lines = ["watchlists:"]
    for i in range(0, len(pool), 10):
        lines.append(f"  - id: list-{i // 10}\n    label: l{i // 10}\n    terms:")
        lines.extend(f"      - {json.dumps(t, ensure_ascii=False)}" for t in pool[i:i + 10])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _child_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run(cmd: list[str], out: Path) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one process."""
    c0, t0 = _child_cpu(), time.perf_counter()
    with out.open("w", encoding="utf-8") as sink:
        proc = subprocess.run(cmd, stdout=sink, stderr=subprocess.PIPE, text=True, cwd=ROOT, check=False)
    wall, cpu = time.perf_counter() - t0, _child_cpu() - c0
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, cpu


def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="smoke run: 3 runs, a shorter naive sample")
    ap.add_argument("--stories", type=int, default=20000)
    ap.add_argument("--size", type=int, default=10000, help="terms and rules (default 10,000)")
    args = ap.parse_args(argv)
    reps = 3 if args.quick else 5
    naive_n = 100 if args.quick else 300
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        stories = d / "stories.jsonl"
        with stories.open("w", encoding="utf-8") as f:
            for i, (title, summary) in enumerate(make_stories(args.stories)):
                f.write(json.dumps({"id": i, "title": title, "summary": summary}, ensure_ascii=False) + "\n")
        terms = d / "terms.yaml"
        write_terms(terms, args.size)
        rules = d / "rules.txt"
        rules.write_text("".join(f"r{i}\t{r}\n" for i, r in enumerate(make_rules(args.size))), encoding="utf-8")
        naive = d / "naive.py"
        naive.write_text(NAIVE, encoding="utf-8")
        py = sys.executable
        # Each case twice: one process (--jobs 1), and as it runs by default (two processes after
        # start-up on a machine with two cores: less wall time, a little more CPU time in all).
        cases = {
            f"{kind} {label}": [py, "-m", "bot", "match", *flag, *spec, str(stories)]
            for kind, spec in (("terms", ["--watchlists", str(terms)]), ("rules", ["--rules", str(rules)]))
            for label, flag in (("1p", ["--jobs", "1"]), ("auto", []))
        }
        startup_stories = d / "empty.jsonl"
        startup_stories.write_text("", encoding="utf-8")
        print(f"newsbot match, whole process: {args.stories} stories, {args.size} terms / rules, "
              f"median of {reps} runs (wall time, start-up included); Python {sys.version.split()[0]}")
        print(f"{'case':<11} {'wall s':>7} {'cpu s':>6} {'start-up wall/cpu s':>20} {'st/s wall':>10} "
              f"{'st/s cpu':>9} {'hit':>5} {'naive st/s cpu':>15} {'ratio':>6}")
        naive_cpu: dict[str, float] = {}
        for case, cmd in cases.items():
            name = case.split()[0]
            wall, cpu = medians([run(cmd, d / "out.jsonl") for _ in range(reps)])
            outs = [json.loads(line) for line in (d / "out.jsonl").read_text(encoding="utf-8").splitlines()]
            assert len(outs) == args.stories
            hit = sum(1 for o in outs if o["matches"]) / len(outs)
            s_wall, s_cpu = medians([run(cmd[:-1] + [str(startup_stories)], d / "o2.jsonl") for _ in range(reps)])
            spec = str(terms if name == "terms" else rules)
            if name not in naive_cpu:  # one baseline per kind, shared by its two rows
                naive_cpu[name] = medians([run([py, str(naive), name, spec, str(stories), str(naive_n)],
                                               d / "n.jsonl") for _ in range(max(1, reps // 2))])[1]
            nv = naive_cpu[name]
            rate, nv_rate = args.stories / cpu, naive_n / nv
            print(f"{case:<11} {wall:>7.2f} {cpu:>6.2f} {s_wall:>11.2f} / {s_cpu:<6.2f} {args.stories / wall:>10,.0f} "
                  f"{rate:>9,.0f} {hit:>5.0%} {nv_rate:>15,.0f} {rate / nv_rate:>5.0f}x")
        print(f"naive: the same process shape over the first {naive_n} stories (start-up included); the ratio "
              "compares CPU rates.\nst/s wall depends on what else the machine runs; st/s cpu is the process's "
              "own user+system time (with --jobs, both processes').\n1p: --jobs 1; auto: the default "
              f"(two processes for a file of 1 MB or more on a machine with two cores; this one has "
              f"{len(os.sched_getaffinity(0))}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
