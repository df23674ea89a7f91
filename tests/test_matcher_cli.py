"""``newsbot match``: JSON Lines in, one line out per story, no chat library loaded."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from tests.support.cli import lines, run_match
from tests.support.matching import ROOT

STORIES = [
    {"id": "a1", "title": "\u200fقمة الـ«ناتو» تبحث وَقْفَ إِطْلَاقِ النَّارِ",
     "summary": "وقال الكرملين إن بوتين لن يحضر"},
    {"id": "e1", "title": "Zelenskyy’s plan", "summary": "Kyiv &amp; Washington discuss a Black Sea truce"},
    {"id": "n1", "title": "أجهزة التكييف في السيناتور", "summary": "trumpet and Rasputin"},
    {"id": 7, "title": "ترمب", "summary": None},
]


def test_stories_in_order_with_sorted_ids() -> None:
    result = run_match(stdin=lines(*STORIES))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o["matches"]) for o in out] == [
        ("a1", ["ceasefire", "kremlin", "nato", "putin"]),
        ("e1", ["black-sea", "ceasefire", "ukraine", "zelensky"]),
        ("n1", []),
        (7, ["trump"]),
    ]
    assert out[0]["terms"]["nato"] == ["الـ«ناتو"]
    assert out[0]["terms"]["ceasefire"] == ["وَقْفَ إِطْلَاقِ النَّارِ"]
    assert out[1]["terms"]["zelensky"] == ["Zelenskyy"]


def test_blank_lines_skipped_bad_lines_reported_and_the_run_continues() -> None:
    stdin = "\n" + lines(STORIES[0]) + "   \n{not json\n" + lines([1, 2]) + lines({"title": "x"}) \
        + lines({"id": "t", "title": 5}) + lines(STORIES[3])
    result = run_match(stdin=stdin)
    assert result.returncode != 0
    assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["a1", 7]
    errors = result.stderr.splitlines()
    assert [e.split(":")[0] for e in errors] == ["line 4", "line 5", "line 6", "line 7"]


def test_input_file_argument_and_custom_watchlists(tmp_path: Path) -> None:
    lists = tmp_path / "lists.yaml"
    lists.write_text(textwrap.dedent("""\
        watchlists:
          - id: energy
            label: الطاقة
            terms: [النفط, oil, {term: OPEC, upper: true}]
            exclude: [oil painting]
    """), encoding="utf-8")
    stories = tmp_path / "stories.jsonl"
    stories.write_text(lines(
        {"id": 1, "title": "ارتفاع أسعار النفط", "summary": ""},
        {"id": 2, "title": "An oil painting sold", "summary": "Opec is a word here"},
        {"id": 3, "title": "OPEC+ meets", "summary": "بوتين"},
    ), encoding="utf-8")
    result = run_match(str(stories), "--watchlists", str(lists), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert [json.loads(line)["matches"] for line in result.stdout.splitlines()] == [["energy"], [], ["energy"]]


def test_a_broken_watchlists_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("watchlists:\n  - id: x\n    label: x\n    terms: ['*']\n", encoding="utf-8")
    result = run_match("--watchlists", str(bad), stdin=lines(STORIES[0]))
    assert result.returncode == 2 and "bad.yaml" in result.stderr and result.stdout == ""


def test_match_imports_no_chat_library(tmp_path: Path) -> None:
    stories = tmp_path / "s.jsonl"
    stories.write_text(lines(*STORIES), encoding="utf-8")
    snippet = textwrap.dedent(f"""\
        import sys
        from bot.cli import main
        rc = main(["match", {str(stories)!r}])
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("telegram", "slack_bolt", "slack_sdk"))
        assert rc == 0 and not loaded, (rc, loaded)
        print("ok")
    """)
    result = subprocess.run([sys.executable, "-c", snippet], capture_output=True, text=True, cwd=ROOT, timeout=60,
                            check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ok" and len(result.stdout.splitlines()) == len(STORIES) + 1


def test_each_output_line_is_what_json_dumps_writes_for_any_id() -> None:
    from bot.cli_match import _line

    terms = {"nato": ["الناتو"], "black-sea": ["Black Sea", "البحر الأسود"]}
    for story_id in (0, -7, 2**70, True, False, None, 1.5, 1e300, "a1", "غزة", 'q"\\\n\x00\ud800', "", [1, "x"],
                     {"k": 1}):
        for found in ({}, terms):
            want = {"id": story_id, "matches": sorted(found), "terms": found}
            assert _line(story_id, found) == json.dumps(want, ensure_ascii=False) + "\n"
