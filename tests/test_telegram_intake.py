"""Telegram end to end: how updates come in (webhook, one polling replica) and readiness.

The import rules that used to live here are in tests/test_architecture.py."""

from __future__ import annotations

import json

import aiohttp
import pytest
from pydantic import SecretStr

from bot.adapters.telegram.webhook import SECRET_HEADER, derive_secret, valid_secret
from bot.app import NewsBot
from bot.settings import SettingsError
from tests.fakes.telegram_api import FakeTelegramAPI
from tests.support.telegram import (
    ADMIN,
    GROUP,
    TOKEN,
    USER,
    Env,
    env,
    fake,
    ptb_timedelta,
)
from tests.support.waiting import wait_until

__all__ = ["env", "fake", "ptb_timedelta"]  # fixtures used here

HOOK = "https://bot.example.org/telegram/hook-7f3a"


async def post(url: str, body: dict, secret: str | None) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers[SECRET_HEADER] = secret
    async with aiohttp.ClientSession() as session, session.post(url, data=json.dumps(body), headers=headers) as resp:
        return resp.status


async def test_webhook_mode_checks_the_secret(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start(http=True, telegram_webhook_url=HOOK)
    assert bot.http is not None
    secret = derive_secret(TOKEN)
    assert valid_secret(secret) and len(secret) >= 32 and TOKEN not in secret
    assert fake.webhook["url"] == HOOK and fake.webhook["secret_token"] == secret
    assert set(fake.webhook["allowed_updates"]) >= {"message", "callback_query", "my_chat_member", "channel_post"}
    url = f"http://127.0.0.1:{bot.http.port}/telegram/hook-7f3a"

    for wrong in (None, "", "not-the-secret", secret[:-1]):
        before = len(fake.sent)
        status = await post(url, fake.update_json("message", USER, USER, "/subscribe nato"), wrong)
        assert status == 401
        assert len(fake.sent) == before
    assert await env.dest(bot, USER) is None  # nothing was processed

    assert await post(url, fake.update_json("message", USER, USER, "/subscribe nato"), secret) == 200
    [reply] = fake.messages_to(USER)  # processed before the answer
    assert "تم الاشتراك" in reply.plain_text
    assert await post(url, {"no": "update"}, secret) == 400
    assert not [c for c in fake.calls if c[0] in ("getUpdates", "deleteWebhook")]
    async with aiohttp.ClientSession() as session, session.get(f"http://127.0.0.1:{bot.http.port}/readyz") as resp:
        body = await resp.json()
    assert body["checks"]["telegram"] == {"ok": True, "detail": "webhook"}


async def test_configured_webhook_secret_is_used(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start(http=True, telegram_webhook_url=HOOK, telegram_webhook_secret=SecretStr("s3cret_value-1"))
    assert fake.webhook["secret_token"] == "s3cret_value-1"
    assert bot.http is not None
    url = f"http://127.0.0.1:{bot.http.port}/telegram/hook-7f3a"
    assert await post(url, fake.update_json("message", USER, USER, "/start"), derive_secret(TOKEN)) == 401
    assert await post(url, fake.update_json("message", USER, USER, "/start"), "s3cret_value-1") == 200
    assert len(fake.messages_to(USER)) == 1


async def test_only_the_lease_holder_polls_and_another_replica_takes_over(env: Env, fake: FakeTelegramAPI) -> None:
    # Leases of 6 s renewed every 2 s: a slow test machine cannot make the first replica lose it early.
    first = await env.start(replica_id="replica-a", lease_seconds=6)
    second = await env.start(replica_id="replica-b", lease_seconds=6)
    await env.polling(first)
    await second._heartbeat()  # one more tick: the lease is held by the first replica
    assert not second.adapters[0].polling
    assert await first.leases.holder("telegram-updates", first.clock()) == "replica-a"
    [reply] = await env.command(USER, USER, "/subscribe nato")
    assert "تم الاشتراك" in reply.plain_text

    await first.stop()  # hands the lease on; a command sent meanwhile waits at Telegram
    [reply] = await env.command(USER, USER, "/watchlist", timeout=10)
    assert second.adapters[0].polling and "حلف الناتو" in reply.plain_text
    assert sum("تم الاشتراك" in m.plain_text for m in fake.sent) == 1  # nothing was processed twice
    ok, detail = await second.adapters[0].ready()
    assert ok and detail == "polling"


async def test_added_to_a_group_greets_and_a_kicked_chat_is_kept_but_inactive(env: Env, fake: FakeTelegramAPI) -> None:
    bot = await env.start()
    group = -4099
    fake.add_chat(group, "group", "مجموعة جديدة")
    fake.set_member(group, fake.bot_id, "left")
    before = len(fake.sent)
    fake.push_my_chat_member(group, "left", "member", ADMIN)
    await fake.wait_sent(before + 1)
    greeting = fake.sent[-1]
    assert greeting.chat_id == group and "أهلاً" in greeting.plain_text
    assert await env.dest(bot, group) is None  # greeting stores nothing

    await env.command(GROUP, ADMIN, "/subscribe nato")
    fake.push_my_chat_member(GROUP, "member", "kicked", ADMIN)

    async def inactive() -> bool:
        ref = await env.dest(bot, GROUP)
        return bool(ref and not ref.active)

    await wait_until(inactive, what="deactivation")
    dest = await env.dest(bot, GROUP)
    assert dest is not None and await bot.chats.subscriptions(dest.id) == ["nato"]


async def test_a_rejected_token_stops_the_start_without_showing_it(env: Env, fake: FakeTelegramAPI) -> None:
    bot = NewsBot(env.settings(telegram_bot_token=SecretStr("999:WRONG-secret-value")), http=False)
    try:
        with pytest.raises(SettingsError) as info:
            await bot.start()
        assert "TELEGRAM_BOT_TOKEN" in str(info.value) and "WRONG-secret-value" not in str(info.value)
        assert info.value.__cause__ is None and info.value.__suppress_context__
    finally:
        await bot.stop()


async def test_telegram_down_at_start_is_survived_and_recovered(env: Env, fake: FakeTelegramAPI) -> None:
    fake.set_outage(None, "500")
    bot = await env.start()
    adapter = bot.adapters[0]
    assert await adapter.ready() == (False, "Telegram not reachable yet")
    fake.clear_outage()
    await env.polling(bot)  # the heartbeat finished the setup
    assert await adapter.ready() == (True, "polling")
    assert ("default", "ar") in fake.commands
    [reply] = await env.command(USER, USER, "/start")
    assert "أهلاً" in reply.plain_text
