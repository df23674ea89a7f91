"""``newsbot match``'s helper that folds a large file's parts while the rules compile (``bot.cli_parts``).

Its lines must give back exactly what ``fold`` gives where the story is matched, one per input
line whatever the line holds; a helper that is not done in time is stopped and not used; and
the output of a split run stays byte for byte that of one process on stories whose text folds
in unusual ways (no shape, control characters, addresses, line ends inside strings).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from bot.cli_parts import Prefold, parse_folded, part_counts, split_points
from bot.domain.addresses import mask_addresses
from bot.domain.text import fold
from tests.support.cli import lines, run_match
from tests.support.matching import builtin_matcher

ODD = [
    {"id": "a", "title": "قصف على غزة", "summary": "وقف إطلاق النار في غزة"},
    {"id": "b", "title": "", "summary": "Zelensky met Trump"},
    {"id": "c", "title": "ﻻ تراجع عن غزة ½", "summary": ""},  # folds wider than written: no shape
    {"id": "d", "title": "Gaza\x1f\x04 truce", "summary": "NATO\u200f in the Black Sea\r\nsecond line"},
    {"id": "e", "title": "See https://nato.example.org/gaza", "summary": "mail nato@example.org #BlackSea"},
    {"id": "f", "title": "&amp;quot;غزة&amp;quot;", "summary": "زيلينسكيّ\u0640 يلتقي ترامب"},
    {"id": "g", "title": "\u200e\u200eGaza  \t truce ", "summary": None},
    {"id": "h", "title": 5, "summary": "not a string"},
    {"id": "i"},
]


def folded_directly(story: dict[str, object]) -> tuple[str, str | None, str, str | None]:
    title, summary = mask_addresses(str(story.get("title") or "")), mask_addresses(str(story.get("summary") or ""))
    return (*(fold(title) if title else ("", None)), *(fold(summary) if summary else ("", None)))


LONE_SURROGATE = '{"id": "s", "title": "\\ud800 Gaza", "summary": "غزة"}\n'  # JSON escapes decode to one


def write_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "stories.jsonl"
    path.write_bytes(text.encode("utf-8"))
    return path


@pytest.mark.parametrize("parts", [1, 2, 3])
def test_each_input_line_gets_one_folded_line_equal_to_fold(tmp_path: Path, parts: int) -> None:
    raw = lines(*ODD) + "\n{not json\n" + json.dumps([1, 2]) + "\n " + LONE_SURROGATE + lines(*ODD)
    path = write_file(tmp_path, raw)
    points = split_points(str(path), parts)
    prefold = Prefold(str(path), part_counts(points))
    try:
        prefold.collect(wait=True)
        got: list[str] = []
        for part in range(len(points) + 1):
            part_lines = prefold.lines(part)
            assert part_lines is not None
            got += list(part_lines)
    finally:
        prefold.close()
    with path.open(encoding="utf-8") as f:
        read = list(f)
    assert len(got) == len(read)
    for line, folded in zip(read, got, strict=True):
        try:
            story = json.loads(line)
        except ValueError:
            story = None
        ok = isinstance(story, dict) and all(isinstance(story.get(k) or "", str) for k in ("title", "summary"))
        got_back = parse_folded(folded)
        if not ok:
            assert got_back is None
        elif line.startswith("{"):
            assert got_back == folded_directly(story)  # type: ignore[arg-type]
        else:  # JSON after a space: the matcher's slower reader takes it, and folds it itself
            assert got_back is None


def test_matching_the_folded_text_is_matching_the_story() -> None:
    matcher = builtin_matcher()
    for story in ODD[:7]:
        title, summary = str(story.get("title") or ""), str(story.get("summary") or "")
        assert matcher.match(title, summary, folded_directly(story)) == matcher.match(title, summary)


def test_a_helper_not_done_when_the_rules_are_is_stopped_and_not_used(tmp_path: Path) -> None:
    fifo = tmp_path / "never-written"
    os.mkfifo(fifo)  # the helper waits on it forever: it is still "folding" when collected
    prefold = Prefold(str(fifo), [None])
    prefold.collect()
    assert prefold.lines(0) is None
    with pytest.raises(ChildProcessError):
        os.waitpid(prefold._pid, os.WNOHANG)  # stopped and reaped
    prefold.close()


@pytest.mark.parametrize("jobs", ["2", "3"])
def test_a_split_run_writes_what_one_process_writes_on_odd_stories(tmp_path: Path, jobs: str) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("gaza\tغزة | Gaza\nnato\tNATO + title:Gaza\nzt\tZelensky ~5 Trump\nbad\t(\n",
                     encoding="utf-8")
    body = "".join(lines(*ODD) + LONE_SURROGATE + ("\r" if i % 3 == 1 else "") + "\n{bad\n" for i in range(40))
    stories = write_file(tmp_path, body)
    for extra in ([], ["--watchlists", "config/watchlists.yaml"]):
        one = run_match("--jobs", "1", *extra, "--rules", str(rules), str(stories))
        many = run_match("--jobs", jobs, *extra, "--rules", str(rules), str(stories))
        assert one.returncode == many.returncode == 1
        assert (many.stdout, many.stderr) == (one.stdout, one.stderr)
        assert len(one.stdout.splitlines()) == 40 * 9 and '"gaza"' in one.stdout


def test_the_helpers_place_table_is_the_one_expansion_builds(tmp_path: Path) -> None:
    from bot.domain import expansion

    path = write_file(tmp_path, lines(*ODD))
    prefold = Prefold(str(path), [None], places=True)
    try:
        prefold.use_place_table()
        assert expansion._given and expansion._given[0] == expansion._built_places()
        prefold.collect(wait=True)
        assert prefold.lines(0) is not None  # then it folded the stories as well
    finally:
        expansion._given.clear()
        prefold.close()


def test_rules_read_in_two_passes_report_what_adding_each_line_would(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("# comment\nok\tغزة\n\nnotab\nok\tدوبل\n\tno id\nbad\tغزة + (\nz\t-كرة\nok2\tSudan ~3 (\n",
                     encoding="utf-8")
    stories = write_file(tmp_path, lines(*ODD))
    one = run_match("--jobs", "1", "--rules", str(rules), str(stories))
    two = run_match("--jobs", "2", "--rules", str(rules), str(stories))
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    errors = [e[len(str(rules)):] for e in one.stderr.splitlines() if e.startswith(f"{rules}:")]
    assert [e.split(":")[1] for e in errors] == ["4", "5", "6", "7", "8", "9"]
    assert "duplicate rule id 'ok'" in errors[1]
