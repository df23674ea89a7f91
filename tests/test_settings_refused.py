"""Impossible settings are refused at start with a clear message, and `newsbot check-config` names them.

Each case runs the real CLI in a subprocess with the variables in its environment: ``poll-once``
must exit 2 with one line naming the problem (no traceback), ``check-config`` must exit 1 and
print the same problem.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT, write_config

TOKEN = "123456:refused-test-token"
SLACK = {"SLACK_BOT_TOKEN": "xoxb-refused", "SLACK_SIGNING_SECRET": "signing"}

# (variables, text the message must contain)
REFUSED: list[tuple[dict[str, str], list[str]]] = [
    ({"NEWSBOT_POLL_INTERVAL": "5"}, ["NEWSBOT_POLL_INTERVAL", "at least 10"]),
    ({"OPS_DIGEST_TIME": "25:00"}, ["OPS_DIGEST_TIME"]),
    ({"NEWSBOT_MIN_FEED_INTERVAL": "5"}, ["NEWSBOT_MIN_FEED_INTERVAL", "10"]),
    ({"NEWSBOT_MIN_FEED_INTERVAL": "600", "NEWSBOT_MAX_FEED_INTERVAL": "300"},
     ["NEWSBOT_MIN_FEED_INTERVAL (600) is above NEWSBOT_MAX_FEED_INTERVAL (300)"]),
    ({"NEWSBOT_FETCH_TIMEOUT": "10", "NEWSBOT_CONNECT_TIMEOUT": "20"},
     ["NEWSBOT_CONNECT_TIMEOUT (20)", "NEWSBOT_FETCH_TIMEOUT (10)"]),
    ({"NEWSBOT_FETCH_TIMEOUT": "10", "NEWSBOT_READ_TIMEOUT": "11"},
     ["NEWSBOT_READ_TIMEOUT (11)", "NEWSBOT_FETCH_TIMEOUT (10)"]),
    ({"NEWSBOT_FETCH_CONCURRENCY": "5", "NEWSBOT_FETCH_PER_HOST": "10"},
     ["NEWSBOT_FETCH_PER_HOST (10)", "NEWSBOT_FETCH_CONCURRENCY (5)"]),
    ({"NEWSBOT_FETCH_CONCURRENCY": "0"}, ["NEWSBOT_FETCH_CONCURRENCY"]),
    ({"NEWSBOT_PUBLIC_URL": "bot.example.org"}, ["NEWSBOT_PUBLIC_URL must be an http(s) base URL"]),
    ({"NEWSBOT_TELEGRAM_PREVIEW_URL": "t.me/s/"}, ["NEWSBOT_TELEGRAM_PREVIEW_URL must be an http(s) URL"]),
    ({"NEWSBOT_FETCH_PER_HOST": "8", "NEWSBOT_FETCH_PER_HOST_MAX": "4"},
     ["NEWSBOT_FETCH_PER_HOST (8) is above NEWSBOT_FETCH_PER_HOST_MAX (4)"]),
    ({"NEWSBOT_FETCH_CONCURRENCY": "10", "NEWSBOT_FETCH_PER_HOST_MAX": "50"},
     ["NEWSBOT_FETCH_PER_HOST_MAX (50)", "NEWSBOT_FETCH_CONCURRENCY (10)"]),
    ({"TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook"},
     ["TELEGRAM_WEBHOOK_URL is set but TELEGRAM_BOT_TOKEN is not"]),
    ({"TELEGRAM_PAID_BROADCAST": "true"}, ["TELEGRAM_PAID_BROADCAST is set but TELEGRAM_BOT_TOKEN is not"]),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "NEWSBOT_REPLY_GIVE_UP": "0"}, ["NEWSBOT_REPLY_GIVE_UP"]),
    ({**SLACK, "SLACK_GLOBAL_RATE": "0"}, ["SLACK_GLOBAL_RATE"]),
    ({**SLACK, "SLACK_CHANNEL_INTERVAL": "-1"}, ["SLACK_CHANNEL_INTERVAL"]),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "http://bot.example.org/hook"},
     ["TELEGRAM_WEBHOOK_URL must be a public https:// URL"]),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8080/hook"},
     ["TELEGRAM_WEBHOOK_URL", "443, 80, 88 or 8443", "8080"]),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.org/hook",
      "TELEGRAM_WEBHOOK_SECRET": "no spaces allowed"}, ["TELEGRAM_WEBHOOK_SECRET"]),
    ({"SLACK_BOT_TOKEN": "xoxb-refused"}, ["SLACK_BOT_TOKEN needs SLACK_SIGNING_SECRET", "SLACK_APP_TOKEN"]),
    ({"SLACK_APP_TOKEN": "xapp-refused"}, ["SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not"]),
    ({"SLACK_SIGNING_SECRET": "signing"}, ["SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN is not"]),
    ({"OPS_TELEGRAM_CHAT_ID": "-100123"}, ["OPS_TELEGRAM_CHAT_ID is set but Telegram is not configured"]),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "OPS_TELEGRAM_CHAT_ID": "ops room"},
     ["OPS_TELEGRAM_CHAT_ID must be a numeric chat id or a @channel"]),
    ({"OPS_SLACK_CHANNEL": "COPS"}, ["OPS_SLACK_CHANNEL is set but Slack is not configured"]),
    ({**SLACK, "OPS_TELEGRAM_CHAT_ID": "-100123"}, ["OPS_TELEGRAM_CHAT_ID is set but Telegram is not configured"]),
    ({"NEWSBOT_TIMEZONE": "Mars/Olympus"}, ["NEWSBOT_TIMEZONE", "Mars/Olympus"]),
    ({"TELEGRAM_GLOBAL_RATE": "0"}, ["TELEGRAM_GLOBAL_RATE"]),
    ({"TELEGRAM_GLOBAL_RATE": "0.5"}, ["TELEGRAM_GLOBAL_RATE"]),
    ({"TELEGRAM_PRIVATE_INTERVAL": "-1"}, ["TELEGRAM_PRIVATE_INTERVAL"]),
    ({"NEWSBOT_MAX_AGE": "0"}, ["NEWSBOT_MAX_AGE", "positive"]),
    ({"NEWSBOT_MAX_AGE": "soon"}, ["NEWSBOT_MAX_AGE", "not a duration"]),
    ({"DATABASE_URL": "mysql://db.example.org/newsbot"}, ["DATABASE_URL", "unsupported database 'mysql'"]),
    ({"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": "api.telegram.org/bot"},
     ["TELEGRAM_API_BASE_URL", "http(s) URL"]),
    ({**SLACK, "SLACK_API_URL": "ftp://slack.example/api/"}, ["SLACK_API_URL", "http(s) URL"]),
    ({"SLACK_SETTINGS_POLICY": "everyone"}, ["SLACK_SETTINGS_POLICY"]),
    ({"LOG_LEVEL": "LOUD"}, ["LOG_LEVEL"]),
    ({"NEWSBOT_CONSOLE_WATCHLISTS": "nato,atlantis"}, ["NEWSBOT_CONSOLE_WATCHLISTS", "atlantis"]),
    ({"NEWSBOT_URGENT_OUTLETS": "1"}, ["NEWSBOT_URGENT_OUTLETS"]),
    ({"NEWSBOT_URGENT_WINDOW": "120", "NEWSBOT_CLUSTER_WINDOW_HOURS": "1"},
     ["NEWSBOT_URGENT_WINDOW (120 minutes) is longer than NEWSBOT_CLUSTER_WINDOW_HOURS (1 h)"]),
    ({"NEWSBOT_DEFAULT_CAP": "0"}, ["NEWSBOT_DEFAULT_CAP"]),
]


def newsbot(tmp_path: Path, *args: str, variables: dict[str, str]) -> subprocess.CompletedProcess[str]:
    config = tmp_path / "config"
    if not config.exists():
        write_config(config, [])
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "SLACK_", "NEWSBOT_", "OPS_")) and k != "DATABASE_URL"}
    env.update({"PYTHONPATH": str(ROOT), "NEWSBOT_CONFIG_DIR": str(config), "LOG_LEVEL": "WARNING",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'newsbot.db'}", "PORT": "0", **variables})
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=tmp_path, env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.parametrize(("variables", "expected"), REFUSED, ids=[",".join(v) for v, _ in REFUSED])
def test_refused_at_start_and_by_check_config(tmp_path: Path, variables: dict[str, str], expected: list[str]) -> None:
    run = newsbot(tmp_path, "poll-once", "--timeout", "5", variables=variables)
    assert run.returncode == 2, (run.returncode, run.stderr)
    line = run.stderr.strip()
    assert "\n" not in line and "Traceback" not in line, line
    assert line.startswith("newsbot poll-once: error: ")
    for text in expected:
        assert text in line, (text, line)
    check = newsbot(tmp_path, "check-config", variables=variables)
    assert check.returncode == 1, (check.returncode, check.stdout, check.stderr)
    for text in expected:
        assert text in check.stdout, (text, check.stdout)


def test_every_problem_is_named_at_once(tmp_path: Path) -> None:
    res = newsbot(tmp_path, "check-config", variables={
        "NEWSBOT_FETCH_CONCURRENCY": "2", "NEWSBOT_FETCH_PER_HOST": "3", "OPS_SLACK_CHANNEL": "C1",
        "TELEGRAM_WEBHOOK_URL": "http://x.example/hook", "NEWSBOT_TIMEZONE": "Nowhere/Land"})
    assert res.returncode == 1
    # A bad single value is reported first; fix it and the combinations are all named together.
    assert "NEWSBOT_TIMEZONE" in res.stdout
    res = newsbot(tmp_path, "check-config", variables={
        "NEWSBOT_FETCH_CONCURRENCY": "2", "NEWSBOT_FETCH_PER_HOST": "3", "OPS_SLACK_CHANNEL": "C1",
        "TELEGRAM_WEBHOOK_URL": "http://x.example/hook"})
    assert res.returncode == 1
    for text in ("NEWSBOT_FETCH_PER_HOST (3)", "OPS_SLACK_CHANNEL", "TELEGRAM_WEBHOOK_URL is set but",
                 "https://"):
        assert text in res.stdout, res.stdout


@pytest.mark.parametrize("variables", [
    {"NEWSBOT_FETCH_TIMEOUT": "5"},  # the partial timeouts' defaults shrink to it
    {"NEWSBOT_FETCH_CONCURRENCY": "2"},  # the per-host default shrinks to it
    {"NEWSBOT_MAX_FEED_INTERVAL": "30"},  # the minimum's default shrinks to it
    {"NEWSBOT_MIN_FEED_INTERVAL": "7200"},  # the maximum's default grows to it
    {"NEWSBOT_POLL_INTERVAL": "10"},
    {"NEWSBOT_POLL_INTERVAL": "7200"},  # above the hint maximum: fine, it is used as given
    {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_WEBHOOK_URL": "https://bot.example.org:8443/hook",
     "OPS_TELEGRAM_CHAT_ID": "@newsbot_ops"},
    {"SLACK_BOT_TOKEN": "xoxb-ok", "SLACK_APP_TOKEN": "xapp-ok", "OPS_SLACK_CHANNEL": "COPS"},
    {"NEWSBOT_CONSOLE_WATCHLISTS": "nato, gaza"},
    {"NEWSBOT_REPLICA_ID": "", "OPS_TELEGRAM_CHAT_ID": " ", "TELEGRAM_WEBHOOK_URL": ""},  # blank is unset
], ids=lambda v: ",".join(v))
def test_workable_settings_pass_check_config(tmp_path: Path, variables: dict[str, str]) -> None:
    res = newsbot(tmp_path, "check-config", variables=variables)
    assert res.returncode == 0 and "ok:" in res.stdout, res.stdout + res.stderr
