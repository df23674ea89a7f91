"""Dead letters end to end: a refused alert is kept with its reason, /failed shows it, /retry sends it once.

The real NewsBot with the real PTB Application against the Telegram double (and the real Bolt app against the
Slack double); the operator's CLI runs as a subprocess on the same SQLite file.
"""

from __future__ import annotations

import os
import subprocess
import sys

from bot.app import NewsBot
from bot.commands.texts import T
from tests.conftest import ROOT
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import ADMIN, GROUP, MEMBER, USER, Env, alerts, env, fake, ptb_timedelta
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

OPS = -1009900
TITLE = "قمة الناتو تبدأ اليوم في بروكسل"


def run_cli(bot: NewsBot, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    environ["DATABASE_URL"] = bot.settings.database_url
    environ["NEWSBOT_CONFIG_DIR"] = str(bot.settings.config_dir)
    return subprocess.run([sys.executable, "-m", "bot", *args], capture_output=True, text=True, encoding="utf-8",
                          cwd=ROOT, env=environ, timeout=60, check=False)


async def test_refused_alert_is_listed_retried_once_and_told_to_ops(env: Env, fake: FakeTelegramAPI) -> None:
    fake.add_chat(OPS, "supergroup", "غرفة التشغيل")
    fake.set_member(GROUP, MEMBER, "member")
    bot = await env.start(ops_telegram_chat_id=str(OPS), ops_min_interval=0)
    await env.command(GROUP, ADMIN, "/subscribe nato")
    fake.fail_next("sendMessage", error="400_refused", chat_id=GROUP)
    env.publish(TITLE)
    await bot.tick()
    assert alerts(fake, GROUP) == []

    # The ops channel hears about it once, with the reason and where to look.
    def told() -> list[str]:
        return [m.plain_text for m in fake.messages_to(OPS) if "📭" in m.plain_text]

    await wait_until(told, timeout=15, what="the ops notice")
    [notice] = told()
    assert "تعذّر إرسال تنبيه واحد إلى" in notice and "مجموعة" in notice and "رفضته المنصة" in notice
    assert "/failed" in notice and "newsbot outbox list --failed" in notice

    # /metrics counts it.
    await bot._gauges()
    metrics = bot.metrics.render().decode()
    assert 'newsbot_dead_letters_total{platform="telegram",reason="refused"} 1.0' in metrics
    assert "newsbot_dead_letters_stored 1.0" in metrics

    # A member may not look; an admin sees the alert, why, and how to retry.
    [refused] = await env.command(GROUP, MEMBER, "/failed")
    assert refused.plain_text.endswith(T.NOT_ADMIN_VIEW)
    [listing] = await env.command(GROUP, ADMIN, "/failed")
    text = listing.plain_text
    assert T.FAILED_HEADER.format(count=1) in text and TITLE in text
    assert "رفضته المنصة: حُذف موضوع المنتدى" in text and "/retry all" in text
    assert "Message thread not found" not in text  # the platform's English is the operator's, not the chat's
    [row_id] = [int(w.lstrip("#")) for w in text.split() if w.startswith("#") and w[1:].isdigit()]

    # The operator sees the same row.
    listed = run_cli(bot, "outbox", "list", "--failed", "--chat", str(GROUP))
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.startswith(f"{row_id}\ttelegram:{GROUP}\t") and "\trefused\t" in listed.stdout
    assert TITLE in listed.stdout and "Message thread not found" in listed.stdout

    # Non-admins may not retry; a bad argument gets its Arabic answer and the usage.
    [no] = await env.command(GROUP, MEMBER, "/retry all")
    assert no.plain_text.endswith(T.NOT_ADMIN)
    [bad] = await env.command(GROUP, ADMIN, "/retry كثيراً")
    assert T.RETRY_BAD in bad.plain_text and "/retry [all|الرقم…]" in bad.plain_text
    [wrong] = await env.command(GROUP, ADMIN, f"/retry {row_id + 1000}")
    assert T.RETRY_MISSING.format(ids=f"#{row_id + 1000}") in wrong.plain_text

    [done] = await env.command(GROUP, ADMIN, f"/retry #{row_id}")
    assert "أعدتُ تنبيهاً واحداً إلى طابور الإرسال" in done.plain_text
    await wait_until(lambda: alerts(fake, GROUP), what="the retried alert")  # the running bot delivers it
    [again] = await env.command(GROUP, ADMIN, "/retry all")  # nothing failed any more: nothing twice
    assert again.plain_text.endswith(T.RETRY_NONE)
    await bot.drain(timeout=10)
    [alert] = alerts(fake, GROUP)
    assert TITLE in alert.plain_text
    [empty] = await env.command(GROUP, ADMIN, "/failed")
    assert empty.plain_text.endswith(T.FAILED_NONE)
    await bot.tick()
    assert len(alerts(fake, GROUP)) == 1
    listed = run_cli(bot, "outbox", "list", "--failed")
    assert listed.returncode == 0 and listed.stdout == ""


async def test_operator_retries_from_the_cli_in_order(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    await env.command(USER, USER, "/subscribe nato")
    first, second = "الناتو يعقد قمة طارئة في بروكسل", "مناورات جوية واسعة لحلف الناتو في بولندا"
    for title in (first, second):
        fake.fail_next("sendMessage", error="400_refused", chat_id=USER)
        env.publish(title)
        await bot.tick()
    assert alerts(fake, USER) == []
    # In a private chat anyone may look at their own dead letters.
    [listing] = await env.command(USER, USER, "/failed")
    assert first in listing.plain_text and second in listing.plain_text
    listed = run_cli(bot, "outbox", "list", "--failed", "--json")
    assert listed.returncode == 0 and listed.stdout.count('"reason": "refused"') == 2
    bad = run_cli(bot, "outbox", "retry", "soon")
    assert bad.returncode == 2 and "retry takes 'all'" in bad.stderr
    done = run_cli(bot, "outbox", "retry", "all", "--chat", str(USER))
    assert done.returncode == 0 and done.stdout.startswith("re-queued 2"), done.stderr
    await bot.drain(timeout=15)
    got = [m.plain_text for m in alerts(fake, USER)]
    assert len(got) == 2 and first in got[0] and second in got[1]
    again = run_cli(bot, "outbox", "retry", "all")
    assert again.stdout.startswith("re-queued 0")
