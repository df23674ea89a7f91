"""``newsbot match``: JSON Lines stories in, one line of matches out per story, in order.

Start-up is much of a run (10,000 rules take about a second to compile), so this module loads
only the matcher: no chat library, no settings, no storage. A large input *file* is matched by
two processes once the rules are compiled (``--jobs``): the parent forks, the child matches the
second half of the file into a temporary file, the parent matches the first half and then copies
the child's output and messages after its own, so stdout and stderr are byte for byte what one
process writes. With rules, a helper process forked before compiling builds the place table
expansion needs and folds every story of the file meanwhile (``bot.cli_parts``), which the
matchers then read instead of folding. Standard input is always matched in one pass, line by
line, as it arrives.
"""

from __future__ import annotations

import argparse
import gc
import io
import itertools
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from bot.cli_parts import Prefold, part_counts, split_points, tail
from bot.errors import NewsbotError

__all__ = ["MatchError", "cmd_match", "register", "split_points"]

#: Below this size a second process costs more than it saves.
SPLIT_MIN_BYTES = 1 << 20
_Story = Callable[[dict[str, Any], str, str, Any], str]  # (story, title, summary, folded or None) -> line


class MatchError(NewsbotError):
    """A one-line error for the user (``newsbot`` exits with status 2)."""


def register(sub: Any) -> None:
    """Add ``match`` to ``newsbot``'s parser."""
    m = sub.add_parser("match", help="match JSON Lines stories against the watchlists",
                       description="Reads one story per line ({\"id\", \"title\", \"summary\"}) and writes "
                                   "{\"id\", \"matches\": [watchlist ids]} per line, in order.")
    m.add_argument("input", nargs="?", default="-", help="JSON Lines file (default: stdin)")
    m.add_argument("--watchlists", metavar="FILE", help="watchlists YAML (default: config/watchlists.yaml)")
    m.add_argument("--rules", metavar="FILE",
                   help="rules, one per line as ID<TAB>RULE (the /watch rule language); matches lists rule "
                        "ids, plus watchlist ids when --watchlists is given too. source: names a story's "
                        "\"source\" (the operator's feed ids); a chat's own feeds exist only in a chat")
    m.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="processes matching a large input file (default: 2 when the machine has two cores; "
                        "1: one process)")
    m.set_defaults(func=cmd_match)


def _read_lines(path: str | None) -> TextIO:
    if path in (None, "-"):
        return sys.stdin
    try:
        return open(path, encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise MatchError(f"cannot read {path}: {exc.strerror}") from None


def load_lists(path: Path) -> list[Any]:
    from bot.configfiles import load_watchlists

    lists, problems = load_watchlists(path)
    if problems:
        raise MatchError(str(problems[0]) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return lists


def _default_lists_path() -> Path:
    return Path(os.environ.get("NEWSBOT_CONFIG_DIR", "config")) / "watchlists.yaml"


def _load_rules(path: str, builtins: list[Any], before_adding: Callable[[], None] | None = None) -> tuple[Any, int]:
    """Rules from ``ID<TAB>RULE`` lines; a bad line is reported (file:line:column) and left out.

    Every line is read and parsed first (that needs no rule set), then the rules are added in
    order: ``before_adding`` runs in between (the helper's place table for expansion, built
    meanwhile). The messages are the same, in the same order, as adding each line as it is read.
    """
    from bot.domain.rule_parse import RuleError, parse_rule_phrases
    from bot.domain.rules import RuleSet

    parsed: list[tuple[int, str, str, str, str, Any]] = []  # (n, line, id, tab, rule, parsed or RuleError)
    failure: Exception | None = None
    src = _read_lines(path)
    try:
        for n, raw in enumerate(src, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            rule_id, tab, text = line.partition("\t")
            rule_id = rule_id.strip()
            result: Any = None
            if tab and rule_id:
                try:
                    result = parse_rule_phrases(text)
                except RuleError as exc:
                    result = exc
            parsed.append((n, line, rule_id, tab, text, result))
    except Exception as exc:  # noqa: BLE001 - reported after the lines before it, as when adding as read
        failure = exc
    finally:
        if src is not sys.stdin:
            src.close()
    if before_adding is not None:
        before_adding()
    rules = RuleSet(builtins)
    bad = 0
    for n, line, rule_id, tab, text, result in parsed:
        problem = ""
        column = 1
        if not tab or not rule_id:
            problem = "expected ID<TAB>RULE"
        elif rule_id in rules:
            problem = f"duplicate rule id {rule_id!r}"
        elif isinstance(result, RuleError):
            column = len(line) - len(text) + result.position + 1
            problem = f"{result.message_ar} ({result.code})"
        else:
            rules.add(rule_id, text, *result)
        if problem:
            print(f"{path}:{n}:{column}: {problem}", file=sys.stderr)
            bad += 1
    if failure is not None:
        raise failure
    return rules, bad


# ------------------------------------------------------------------ one story
_encode = json.JSONEncoder(ensure_ascii=False).encode  # what json.dumps(..., ensure_ascii=False) builds
_string = json.encoder.encode_basestring  # the string encoder that one uses (in C)


def _id(story_id: Any) -> str:
    """``json.dumps(story_id, ensure_ascii=False)``: what the encoder does for a str or an int, directly."""
    kind = type(story_id)
    if kind is str:
        return _string(story_id)
    if kind is int:  # not bool (true/false), nor an int subclass with its own repr
        return int.__repr__(story_id)
    return _encode(story_id)


def _line(story_id: Any, terms: dict[str, list[str]]) -> str:
    """``json.dumps({"id": …, "matches": sorted(terms), "terms": terms}, ensure_ascii=False)`` and a
    newline, byte for byte, without building the dict or walking it through the encoder."""
    if not terms:
        return '{"id": ' + _id(story_id) + ', "matches": [], "terms": {}}\n'
    return ('{"id": ' + _id(story_id) + ', "matches": [' + ", ".join(map(_string, sorted(terms)))
            + '], "terms": {' + ", ".join(_string(k) + ": [" + ", ".join(map(_string, v)) + "]"
                                          for k, v in terms.items()) + "}}\n")


def _list_story(lists: list[Any]) -> _Story:
    from bot.domain.matcher import Matcher

    match = Matcher(lists).match

    def story(obj: dict[str, Any], title: str, summary: str, folded: Any) -> str:
        terms: dict[str, list[str]] = {}
        for m in match(title, summary, folded):
            surfaces = terms.setdefault(m.watchlist, [])
            if m.surface not in surfaces:
                surfaces.append(m.surface)
        return _line(obj["id"], terms)

    return story


def _rule_story(rules: Any, lists: list[Any]) -> _Story:
    from bot.domain.rules import RuleMatcher, StoryFacts

    match = RuleMatcher(rules, lists).match
    no_facts = StoryFacts()

    def story(obj: dict[str, Any], title: str, summary: str, folded: Any) -> str:
        source = obj.get("source", obj.get("feed"))
        lang = obj.get("lang", obj.get("language"))
        facts = no_facts
        if source is not None or lang is not None:
            facts = StoryFacts(source if isinstance(source, str) else None,
                               lang.lower() if isinstance(lang, str) and lang else None)
        found, fired = match(title, summary, facts, folded)
        terms: dict[str, list[str]] = {}
        for hit in fired:
            ms = hit.matches
            terms[hit.rule_id] = [ms[0].surface] if len(ms) == 1 else list(dict.fromkeys(m.surface for m in ms))
        for m in found:
            surfaces = terms.setdefault(m.watchlist, [])
            if m.surface not in surfaces:
                surfaces.append(m.surface)
        return _line(obj["id"], terms)

    return story


def _run(lines: Iterable[str], first: int, story: _Story, out: TextIO, err: TextIO,
         folded: Iterator[str] | None = None) -> int:
    """Match ``lines`` (numbered from ``first``), writing results to ``out``; the number of bad lines.

    ``folded``: the helper's folded line for each of ``lines`` (``bot.cli_prefold``), if any.
    """
    from bot.cli_parts import parse_folded

    bad = 0
    loads, raw_decode = json.loads, json.JSONDecoder().raw_decode
    write = out.write
    pre = None
    for n, raw in enumerate(lines, start=first):
        if folded is not None:
            pre = parse_folded(next(folded, "\n"))
        if not raw.strip():
            continue
        try:  # json.loads without its checks for the usual line: the value, then only the line end
            obj, end = raw_decode(raw)
            if raw[end:].strip(" \t\n\r"):
                raise ValueError(end)
        except ValueError:  # anything else goes through json.loads, for its own message
            try:
                obj = loads(raw)
            except json.JSONDecodeError as exc:
                print(f"line {n}: not JSON: {exc.msg}", file=err)
                bad += 1
                continue
        if not isinstance(obj, dict) or "id" not in obj:
            print(f"line {n}: expected a JSON object with an \"id\"", file=err)
            bad += 1
            continue
        title, summary = obj.get("title") or "", obj.get("summary") or ""
        if not isinstance(title, str) or not isinstance(summary, str):
            print(f"line {n}: \"title\" and \"summary\" must be strings", file=err)
            bad += 1
            continue
        write(story(obj, title, summary, pre))
    return bad


# ------------------------------------------------------------- two processes
def _jobs(args: argparse.Namespace) -> int:
    wanted: int = args.jobs
    if wanted < 0:
        raise MatchError("--jobs must be 1 or more")
    if args.input in (None, "-") or not hasattr(os, "fork"):
        return 1
    if wanted:
        return wanted
    try:
        size = os.path.getsize(args.input)
    except OSError:
        return 1
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(2, cores) if size >= SPLIT_MIN_BYTES else 1


def _in_parts(path: str, jobs: int, story: _Story, points: list[tuple[int, int]] | None = None,
              prefold: Prefold | None = None) -> int:
    """Match the file in ``jobs`` processes; the same output, in the same order, as one.

    ``points``: ``split_points(path, jobs)`` if already worked out; ``prefold``: the helper that
    folded each part (``bot.cli_prefold``), already collected.
    """
    src = _read_lines(path)
    if points is None:
        points = split_points(path, jobs)
    ends = [n for _, n in points]
    children: list[tuple[int, Any, Any, int, int]] = []  # (pid, out file, err file, offset, first line)
    out, err = sys.stdout, sys.stderr
    for i, (offset, before) in enumerate(points):
        lines_in = (ends[i + 1] if i + 1 < len(ends) else None)
        o_file, e_file = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
        out.flush()
        err.flush()
        pid = os.fork()
        if pid == 0:  # the child: its part only, into its files, then out without any clean-up
            code = 3
            try:
                src.close()
                o = io.TextIOWrapper(o_file, encoding=out.encoding, errors=out.errors, newline="\n")
                e = io.TextIOWrapper(e_file, encoding=err.encoding, errors=err.errors, newline="\n")
                with tail(path, offset) as part:
                    count = None if lines_in is None else lines_in - before
                    folded = prefold.lines(i + 1) if prefold is not None else None
                    code = 1 if _run(itertools.islice(part, count), before + 1, story, o, e, folded) else 0
                o.flush()
                e.flush()
            finally:
                os._exit(code)
        children.append((pid, o_file, e_file, offset, before))
    try:
        folded = prefold.lines(0) if prefold is not None else None
        bad = _run(itertools.islice(src, ends[0] if ends else None), 1, story, out, err, folded)
    finally:
        src.close()
    for i, (pid, o_file, e_file, offset, before) in enumerate(children):
        _, status = os.waitpid(pid, 0)
        code = os.waitstatus_to_exitcode(status)
        if code in (0, 1):
            out.flush()
            err.flush()
            for tmp, stream in ((o_file, out), (e_file, err)):
                tmp.seek(0)
                shutil.copyfileobj(tmp, stream.buffer)
                stream.buffer.flush()
            bad += code
        else:  # the child failed: match its part here, as one process would have
            count = None if i + 1 == len(children) else children[i + 1][4] - before
            with tail(path, offset) as part:
                bad += _run(itertools.islice(part, count), before + 1, story, out, err)
        o_file.close()
        e_file.close()
    return bad


# ---------------------------------------------------------------------- match
def _compile(args: argparse.Namespace, path: Path, prefold: Prefold | None = None) -> tuple[_Story, int]:
    """The story function for the lists and rules asked for; the number of bad rule lines."""
    if args.rules:
        # Expansion and inherited rules come from the built-in lists, as for a chat's /watch.
        builtins = load_lists(path) if args.watchlists or path.exists() else []
        rules, bad = _load_rules(args.rules, builtins, prefold.use_place_table if prefold is not None else None)
        return _rule_story(rules, builtins if args.watchlists else []), bad
    return _list_story(load_lists(path)), 0


def _compile_without_gc(args: argparse.Namespace, path: Path, prefold: Prefold | None) -> tuple[_Story, int]:
    """``_compile`` with the cyclic GC off, then everything built frozen out of its reach.

    Compiling builds a few hundred thousand long-lived objects and no garbage cycles, so each
    collection the allocations trigger would rescan that growing graph for nothing (about a
    tenth of the start-up); frozen, later collections (and a forked child's) skip it too.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _compile(args, path, prefold)
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _start_prefold(args: argparse.Namespace, parts_ok: bool) -> tuple[list[tuple[int, int]] | None, Prefold | None]:
    """Before compiling: the file's split points and, with rules, the helper folding its parts."""
    if args.jobs < 0 or not parts_ok:
        return None, None  # a bad --jobs is reported after the rules' messages, as it always was
    jobs = _jobs(args)
    if jobs < 2:
        return None, None
    try:
        points = split_points(args.input, jobs)
    except OSError:
        return None, None  # reported where the file is read
    if not points or not args.rules:
        return points, None  # lists alone compile in half a second: too soon for the helper to be done
    sys.stdout.flush()
    sys.stderr.flush()
    return points, Prefold(args.input, part_counts(points), places=True)


def cmd_match(args: argparse.Namespace) -> int:
    path = Path(args.watchlists) if args.watchlists else _default_lists_path()
    parts_ok = isinstance(sys.stdout, io.TextIOWrapper) and isinstance(sys.stderr, io.TextIOWrapper)
    points, prefold = _start_prefold(args, parts_ok)
    try:
        story, bad = _compile_without_gc(args, path, prefold)
        if prefold is not None:
            prefold.collect()
        jobs = _jobs(args)
        if jobs > 1 and parts_ok:
            bad += _in_parts(args.input, jobs, story, points, prefold)
        else:
            bad += _one_pass(args.input, story)
    finally:
        if prefold is not None:
            prefold.close()
    sys.stdout.flush()
    return 1 if bad else 0


def _one_pass(path: str, story: _Story) -> int:
    src = _read_lines(path)
    try:
        return _run(src, 1, story, sys.stdout, sys.stderr)
    finally:
        if src is not sys.stdin:
            src.close()
