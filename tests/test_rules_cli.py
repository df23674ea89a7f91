"""``newsbot match --rules``: rules from a file, the same JSON Lines out, bad rules reported by line."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from tests.support.cli import lines, run_match
from tests.support.matching import CONFIG, ROOT

RULES = textwrap.dedent("""\
    # the issue's examples
    ceasefire-gaza\tوقف إطلاق النار + غزة -كرة
    zelensky\tزيلينسكي -(نادي | الدوري | هدف)

    nato-sea\t(الناتو | حلف الأطلسي) + البحر الأسود
    breaking-trump\ttitle:عاجل + ترامب
    zt\tZelensky ~5 Trump
    sudan\tSudan
    nato-only\t=NATO
    from-a\tsource:feed-a + غزة
    english\tlang:en Gaza
""")

STORIES = [
    {"id": 1, "title": "عاجل: ترامب يعلن وقف إطلاق النار في غزة", "summary": "ويلتقي زيلينسكي"},
    {"id": 2, "title": "Zelensky met with US President Donald Trump", "summary": "NATO ships in the Black Sea"},
    {"id": 3, "title": "زيلينسكي يغيب عن مباراة الدوري", "summary": "وقف إطلاق النار في غزة وكرة القدم"},
    {"id": "s", "title": "احتجاجات في الخرطوم", "summary": "وقال مسؤول سوداني", "source": "feed-a"},
    {"id": 5, "title": "Gaza talks", "summary": "", "feed": "feed-a"},
    {"id": 6, "title": "قمة الناتو", "summary": "", "lang": "ar"},
]


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_rules_fire_as_the_issue_says(tmp_path: Path) -> None:
    rules = write(tmp_path, "rules.txt", RULES)
    result = run_match("--rules", str(rules), stdin=lines(*STORIES))
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [(o["id"], o["matches"]) for o in out] == [
        (1, ["breaking-trump", "ceasefire-gaza", "zelensky"]),
        (2, ["nato-only", "nato-sea", "zelensky", "zt"]),
        (3, []),
        ("s", ["sudan"]),
        (5, ["english", "from-a"]),
        (6, []),
    ]
    assert out[0]["terms"]["ceasefire-gaza"] == ["وقف إطلاق النار", "غزة"]
    assert out[3]["terms"]["sudan"] == ["الخرطوم", "سوداني"]


def test_combined_with_watchlists_lists_both(tmp_path: Path) -> None:
    rules = write(tmp_path, "rules.txt", "r1\tغزة + هدنة\n")
    result = run_match("--rules", str(rules), "--watchlists", str(CONFIG),
                       stdin=lines({"id": 1, "title": "هدنة في غزة"}, {"id": 2, "title": "غزة"}))
    assert result.returncode == 0, result.stderr
    assert [json.loads(x)["matches"] for x in result.stdout.splitlines()] == [["ceasefire", "gaza", "r1"], ["gaza"]]


def test_bad_rules_are_reported_with_line_and_column_and_the_others_still_run(tmp_path: Path) -> None:
    rules = write(tmp_path, "rules.txt", "good\tغزة\n\n# comment\nbad\tغزة +\nnotab غزة\nbad2\t(هدنة\n"
                                         "good\tلبنان\n\tغزة\nlast\tهدنة\n")
    result = run_match("--rules", str(rules), stdin=lines({"id": 1, "title": "هدنة في غزة"}))
    assert result.returncode == 1
    assert [json.loads(x)["matches"] for x in result.stdout.splitlines()] == [["good", "last"]]
    errors = result.stderr.splitlines()
    assert [e.split(": ")[0] for e in errors] == [
        f"{rules}:4:10", f"{rules}:5:1", f"{rules}:6:6", f"{rules}:7:1", f"{rules}:8:1"]
    assert "ينقص عبارة" in errors[0] and "(missing_operand)" in errors[0]
    assert "ID<TAB>RULE" in errors[1] and "duplicate" in errors[3]


def test_same_expansion_and_defaults_as_a_chat(tmp_path: Path) -> None:
    """Run from the repository: the default config's built-in lists drive expansion and
    inherited rules (trump card, Melania Trump), exactly as for /watch."""
    rules = write(tmp_path, "rules.txt", "t\tTrump\nn\tNATO\n")
    stories = [{"id": 1, "title": "a trump card", "summary": "Melania Trump"}, {"id": 2, "title": "ترمب والناتو"}]
    result = run_match("--rules", str(rules), stdin=lines(*stories), cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert [json.loads(x)["matches"] for x in result.stdout.splitlines()] == [[], ["n", "t"]]


def test_an_unreadable_rules_file_is_an_error(tmp_path: Path) -> None:
    result = run_match("--rules", str(tmp_path / "missing.txt"), stdin=lines({"id": 1, "title": "x"}))
    assert result.returncode == 2 and "missing.txt" in result.stderr and result.stdout == ""
