"""``newsbot export`` and ``newsbot import`` as the operator runs them (subprocesses on a SQLite file)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot.app import NewsBot
from bot.commands.service import Context
from bot.domain.chat_config import parse_document
from tests.conftest import make_settings, write_config
from tests.test_cli import newsbot

RULE = "وقف إطلاق النار + غزة -كرة"


async def test_export_and_import_through_the_cli(tmp_path: Path) -> None:
    config = write_config(tmp_path / "config", [])
    env = {"NEWSBOT_CONFIG_DIR": str(config), "DATABASE_URL": f"sqlite:///{tmp_path / 'newsbot.db'}",
           "TELEGRAM_BOT_TOKEN": "", "SLACK_BOT_TOKEN": ""}
    bot = NewsBot(make_settings(tmp_path, commands_per_minute=100), console=True, http=False)
    await bot.prepare()
    try:
        for chat, text in (("42", "/subscribe nato"), ("42", f"/watch {RULE}"), ("42", "/exclude كرة"),
                           ("43", "/subscribe ceasefire")):
            reply = await bot.commands.handle(Context("telegram", chat, "private", chat), text)
            assert reply is not None and not reply.error
    finally:
        await bot.stop()

    out = tmp_path / "42.yaml"
    res = await asyncio.to_thread(newsbot, "export", "--platform", "telegram", "--chat", "42", "-o", str(out),
                                  cwd=tmp_path, env=env)
    assert res.returncode == 0, res.stderr
    doc = parse_document(out.read_bytes())
    assert doc.topics == ("nato",) and doc.rules == (RULE,) and doc.exclusions == ("كرة",)

    shown = await asyncio.to_thread(newsbot, "import", str(out), "--platform", "telegram", "--chat", "43",
                                    cwd=tmp_path, env=env)
    assert shown.returncode == 0 and RULE in shown.stdout and "--yes" in shown.stdout
    applied = await asyncio.to_thread(newsbot, "import", str(out), "--platform", "telegram", "--chat", "43",
                                      "--yes", cwd=tmp_path, env=env)
    assert applied.returncode == 0 and "applied" in applied.stdout, applied.stderr
    again = await asyncio.to_thread(newsbot, "export", "--platform", "telegram", "--chat", "43",
                                    cwd=tmp_path, env=env)
    back = parse_document(again.stdout)
    assert (back.topics, back.rules, back.exclusions) == (doc.topics, doc.rules, doc.exclusions)
    nothing = await asyncio.to_thread(newsbot, "import", str(out), "--platform", "telegram", "--chat", "43",
                                      cwd=tmp_path, env=env)
    assert "nothing to change" in nothing.stdout
    missing = await asyncio.to_thread(newsbot, "export", "--platform", "slack", "--chat", "C404",
                                      cwd=tmp_path, env=env)
    assert missing.returncode == 2 and "C404" in missing.stderr
    bad = tmp_path / "bad.yaml"
    bad.write_text("newsbot: 1\nrules: ['غزة + (هدنة']\n", encoding="utf-8")
    refused = await asyncio.to_thread(newsbot, "import", str(bad), "--platform", "telegram", "--chat", "43",
                                      cwd=tmp_path, env=env)
    assert refused.returncode == 2 and "القاعدة 1" in refused.stderr
