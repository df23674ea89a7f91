"""``newsbot match --jobs``: a file matched by several processes writes exactly what one process writes.

Also: where the file is cut (after a line end, lines counted as the text reader counts them),
and that the match path loads only the matcher (no chat library, no storage, no settings).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.cli_match import split_points
from tests.support.cli import lines, run_match
from tests.support.matching import ROOT

RULES = textwrap.dedent("""\
    gaza\tغزة -كرة
    truce\tوقف إطلاق النار + غزة
    nato\t(الناتو | حلف الأطلسي) + البحر الأسود
    zt\tZelensky ~5 Trump
    sudan\tSudan
    en\tlang:en Gaza
    src\tsource:feed-a + غزة
    bad\tغزة + (
""")

STORIES = [
    {"id": 1, "title": "قصف على غزة", "summary": "وقف إطلاق النار في غزة"},
    {"id": 2, "title": "Zelensky met Donald Trump", "summary": "NATO ships in the Black Sea"},
    {"id": 3, "title": "مباراة كرة القدم في غزة", "summary": ""},
    {"id": 4, "title": "احتجاجات في الخرطوم", "summary": "وقال مسؤول سوداني", "source": "feed-a"},
    {"id": 5, "title": "Gaza talks", "summary": "", "lang": "EN"},
    {"id": 6, "title": "قمة الناتو في البحر الأسود", "summary": "غزة", "feed": "feed-a"},
]


def story_file(tmp_path: Path, newline: str = "\n") -> Path:
    """Many stories with bad lines and blank lines spread through the file (so in every part)."""
    out: list[str] = []
    for i in range(120):
        out.append(lines(STORIES[i % len(STORIES)] | {"id": i}).rstrip("\n"))
        if i % 37 == 5:
            out += ["", "{not json", json.dumps({"title": "no id"}), json.dumps({"id": i, "title": 5})]
    path = tmp_path / "stories.jsonl"
    path.write_bytes((newline.join(out) + newline).encode("utf-8"))
    return path


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
@pytest.mark.parametrize("jobs", ["2", "3"])
def test_several_processes_write_what_one_writes(tmp_path: Path, newline: str, jobs: str) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text(RULES, encoding="utf-8")
    stories = story_file(tmp_path, newline)
    one = run_match("--jobs", "1", "--rules", str(rules), str(stories))
    many = run_match("--jobs", jobs, "--rules", str(rules), str(stories))
    assert one.returncode == 1 and many.returncode == 1  # the bad rule and the bad lines
    assert many.stdout == one.stdout
    assert many.stderr == one.stderr
    out = [json.loads(line) for line in one.stdout.splitlines()]
    assert len(out) == 120  # every story; the bad lines are reported on stderr
    assert out[0]["matches"] == ["gaza", "truce"]
    errors = one.stderr.splitlines()
    assert errors[0].startswith(f"{rules}:8:")
    assert [e.split(":")[0] for e in errors[1:4]] == ["line 8", "line 9", "line 10"]


def test_watchlists_alone_also_split(tmp_path: Path) -> None:
    stories = story_file(tmp_path)
    one = run_match("--jobs", "1", str(stories))
    two = run_match("--jobs", "2", str(stories))
    assert (two.returncode, two.stdout, two.stderr) == (one.returncode, one.stdout, one.stderr)
    assert json.loads(one.stdout.splitlines()[1])["matches"] == ["black-sea", "nato", "trump", "zelensky"]


def test_standard_input_is_one_process_and_a_bad_jobs_value_is_an_error(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text("gaza\tغزة\n", encoding="utf-8")
    piped = run_match("--jobs", "2", "--rules", str(rules), stdin=lines(*STORIES))
    assert piped.returncode == 0 and len(piped.stdout.splitlines()) == len(STORIES)
    bad = run_match("--jobs", "-1", "--rules", str(rules), str(story_file(tmp_path)))
    assert bad.returncode == 2 and "--jobs" in bad.stderr


@given(st.lists(st.sampled_from(["a", "bb", "غزة", "", " "]), max_size=12),
       st.lists(st.sampled_from(["\n", "\r\n", "\r"]), min_size=12, max_size=12), st.integers(2, 4))
@settings(max_examples=200, deadline=None)
def test_split_points_cut_after_a_line_end_and_count_lines_as_the_reader(
        words: list[str], ends: list[str], parts: int) -> None:
    data = "".join(w + e for w, e in zip(words, ends)).encode("utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "f"
        path.write_bytes(data)
        points = split_points(str(path), parts)
        with path.open(encoding="utf-8") as f:
            read = list(f)
    assert len(points) < parts
    assert [p for p, _ in points] == sorted({p for p, _ in points})
    for offset, before in points:
        assert 0 < offset < len(data) and data[offset - 1:offset] == b"\n"
        # the first ``before`` lines the text reader gives are exactly the bytes before the cut
        assert "".join(read[:before]).encode() == data[:offset].replace(b"\r\n", b"\n").replace(b"\r", b"\n")


def test_the_match_path_loads_only_the_matcher(tmp_path: Path) -> None:
    rules = tmp_path / "rules.txt"
    rules.write_text(RULES, encoding="utf-8")
    stories = story_file(tmp_path)
    heavy = ("telegram", "slack_bolt", "slack_sdk", "aiohttp", "sqlalchemy", "matplotlib", "pydantic",
             "prometheus_client", "bot.settings", "bot.storage", "bot.pipeline", "bot.app", "bot.adapters")
    snippet = textwrap.dedent(f"""\
        import sys
        from bot.cli import main
        rc = main(["match", "--jobs", "1", "--rules", {str(rules)!r}, {str(stories)!r}])
        heavy = {heavy!r}
        loaded = sorted(m for m in sys.modules if m.startswith(heavy))
        print(rc, loaded, file=sys.stderr)
    """)
    result = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, cwd=ROOT, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stderr.splitlines()[-1] == "1 []"
    assert len(result.stdout.splitlines()) == 120
