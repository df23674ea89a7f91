"""The newsbot command line: help, one-line errors with a non-zero exit, check-config, preview."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2


def newsbot(*args: str, cwd: Path, env: dict[str, str] | None = None, stdin: str | None = None
            ) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=full, input=stdin, text=True,
                          capture_output=True, timeout=120)


@pytest.mark.parametrize("sub", ["run", "poll-once", "match", "preview", "check-config"])
def test_every_subcommand_has_help(tmp_path: Path, sub: str):
    res = newsbot(sub, "--help", cwd=tmp_path)
    assert res.returncode == 0 and "usage: newsbot" in res.stdout


def test_no_or_unknown_subcommand_is_an_error(tmp_path: Path):
    assert newsbot(cwd=tmp_path).returncode == 2
    res = newsbot("fly", cwd=tmp_path)
    assert res.returncode == 2 and "invalid choice" in res.stderr


def test_check_config_reports_each_problem_with_file_and_line(tmp_path: Path):
    config = tmp_path / "config"
    write_config(config, [{"id": "ok", "url": "https://example.org/rss"}])
    res = newsbot("check-config", cwd=tmp_path, env={"NEWSBOT_CONFIG_DIR": str(config)})
    assert res.returncode == 0 and "ok: 1 feeds" in res.stdout
    (config / "feeds.yaml").write_text(
        "feeds:\n"
        "  - id: good\n    url: https://example.org/rss\n"
        "  - id: Bad Id\n    url: ftp://example.org/rss\n"
        "  - id: slow\n    url: https://example.org/x\n    interval: 5\n", encoding="utf-8")
    (config / "watchlists.yaml").write_text(
        "watchlists:\n  - id: x\n    label: س\n    terms: ['*']\n", encoding="utf-8")
    res = newsbot("check-config", cwd=tmp_path,
                  env={"NEWSBOT_CONFIG_DIR": str(config), "NEWSBOT_TIMEZONE": "Mars/Olympus"})
    assert res.returncode == 1
    out = res.stdout
    assert "NEWSBOT_TIMEZONE" in out
    assert f"{config / 'feeds.yaml'}:4:" in out and "'url' must be an http(s) URL" in out
    assert f"{config / 'feeds.yaml'}:6:" in out and "interval" in out
    assert f"{config / 'watchlists.yaml'}:2:" in out
    (config / "feeds.yaml").write_text("feeds: [\n", encoding="utf-8")
    res = newsbot("check-config", cwd=tmp_path, env={"NEWSBOT_CONFIG_DIR": str(config)})
    assert res.returncode == 1 and "not valid YAML" in res.stdout


def test_run_with_a_broken_config_is_one_line_and_non_zero(tmp_path: Path):
    config = tmp_path / "config"
    write_config(config, [])
    (config / "watchlists.yaml").write_text("watchlists: nope\n", encoding="utf-8")
    res = newsbot("poll-once", cwd=tmp_path, env={"NEWSBOT_CONFIG_DIR": str(config)})
    assert res.returncode == 2
    assert res.stderr.strip().count("\n") == 0 and "watchlists.yaml" in res.stderr
    assert "Traceback" not in res.stderr


async def test_preview_shows_stored_stories_that_would_match(tmp_path: Path, feed_server: FeedServer):
    now = datetime.now(UTC)
    feed_server.add_feed("/a.xml", rss2([
        Item("قمة للناتو في لاهاي", "https://a.example/1", "تفاصيل", published=now),
        Item("أسعار النفط اليوم", "https://a.example/2", published=now),
        Item("Black Sea grain corridor reopens", "https://a.example/3", published=now),
    ]))
    config = write_config(tmp_path / "config", [{"id": "a", "url": feed_server.url("/a.xml"), "name": "المصدر"}])
    env = {"NEWSBOT_CONFIG_DIR": str(config), "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}"}
    import asyncio

    res = await asyncio.to_thread(newsbot, "poll-once", cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    res = newsbot("preview", "الناتو", cwd=tmp_path, env=env)
    assert res.returncode == 0 and "قمة للناتو" in res.stdout and "«للناتو»" in res.stdout
    assert "النفط" not in res.stdout
    res = newsbot("preview", "--watchlist", "black-sea", "--days", "2", cwd=tmp_path, env=env)
    assert res.returncode == 0 and "Black Sea grain" in res.stdout and "لماذا" in res.stdout
    res = newsbot("preview", "--watchlist", "nope", cwd=tmp_path, env=env)
    assert res.returncode == 2 and "no watchlist 'nope'" in res.stderr
    res = newsbot("preview", cwd=tmp_path, env=env)
    assert res.returncode == 2 and "TERM or --watchlist" in res.stderr
