"""Slack end to end: the real NewsBot with the real Bolt app, against the fake Slack API on 127.0.0.1.

Slash commands and button clicks arrive signed on NewsBot's own HTTP port (or
over the fake's Socket Mode websocket); alerts leave through the durable outbox
as Block Kit. Feeds come from a local feed server; the database is real SQLite.
Nothing here may reach slack.com: every HTTP request and DNS lookup is checked.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from pydantic import SecretStr
from sqlalchemy import select

from bot.app import NewsBot, build_fetcher
from bot.commands.texts import T
from bot.settings import Settings
from bot.storage.models import Chat, Outbox
from tests.conftest import make_settings, write_config
from tests.fakes.feed_server import FeedServer, Item, rss2
from tests.fakes.slack_api import FakeSlackAPI, sign_request, validate_blocks

SECRET = "test-signing-secret-0123456789"
NOW = datetime.now(UTC)
WIRE = "/wire.xml"


# ------------------------------------------------------------------ guards and fixtures


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every aiohttp request (HTTP and websocket) targets 127.0.0.1, and nobody resolves slack.com."""
    seen: list[str] = []
    offending: list[str] = []
    original = aiohttp.ClientSession._request

    async def guarded(self: aiohttp.ClientSession, method: str, url: Any, *a: Any, **kw: Any) -> Any:
        seen.append(str(url))
        host = urlsplit(str(url)).hostname or ""
        if "slack.com" in host or host not in ("127.0.0.1", "slow.example"):
            offending.append(f"{method} {url}")
            raise AssertionError(f"non-loopback request: {method} {url}")
        return await original(self, method, url, *a, **kw)

    real_getaddrinfo = socket.getaddrinfo

    def getaddrinfo(host: Any, *a: Any, **kw: Any) -> Any:
        if isinstance(host, (str, bytes)) and "slack.com" in (host.decode() if isinstance(host, bytes) else host):
            offending.append(f"dns {host}")
            raise OSError("slack.com is off limits in tests")
        return real_getaddrinfo(host, *a, **kw)

    monkeypatch.setattr(aiohttp.ClientSession, "_request", guarded)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield seen
    assert offending == [], offending  # also catches attempts swallowed by background tasks


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as server:
        server.add_user("U1", "alice")
        server.add_user("U2", "bob")
        server.add_user("U9", "stranger")
        server.add_user("UADMIN", "boss", is_admin=True)
        server.add_user("UOWNER", "founder", is_owner=True, is_primary_owner=True)
        server.add_channel("C1", "newsroom", members=["U1", "U2", "UADMIN", "UOWNER"])
        server.add_channel("C2", "outside", members=["U1"], bot_member=False)
        server.add_channel("C3", "old", members=["U1"], is_archived=True)
        server.add_channel("COPS", "ops")
        yield server


@pytest.fixture
def feeds(tmp_path: Path, feed_server: FeedServer) -> FeedServer:
    feed_server.add_feed(WIRE, rss2([Item("خبر عادي عن الطقس", "https://wire.example/0", "تفاصيل", published=NOW)]))
    write_config(tmp_path / "config", [{"id": "wire", "url": feed_server.url(WIRE), "name": "وكالة الاختبار"}])
    return feed_server


def slack_settings(tmp_path: Path, fake: FakeSlackAPI, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "slack_bot_token": SecretStr("xoxb-test"), "slack_signing_secret": SecretStr(SECRET),
        "slack_api_url": fake.base_url, "commands_per_minute": 200,
    }
    values.update(overrides)
    return make_settings(tmp_path, **values)


@asynccontextmanager
async def running(settings: Settings, **kw: Any) -> AsyncIterator[NewsBot]:
    bot = NewsBot(settings, http=True, **kw)
    await bot.start()
    try:
        yield bot
    finally:
        await bot.stop()


async def post(bot: NewsBot, body: bytes, *, secret: str = SECRET, timestamp: int | None = None,
               path: str = "/slack/events") -> tuple[int, str]:
    assert bot.http is not None
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign_request(body, secret, timestamp)}
    async with aiohttp.ClientSession() as s, s.post(f"http://127.0.0.1:{bot.http.port}{path}", data=body,
                                                     headers=headers) as r:
        return r.status, await r.text()


async def command(bot: NewsBot, fake: FakeSlackAPI, text: str, *, user: str = "U1", channel: str = "C1",
                  response: str = "default") -> dict[str, Any]:
    """A signed /newsbot request; returns the ephemeral reply Slack would show (checked valid)."""
    status, body = await post(bot, fake.slash_command_body(text=text, user_id=user, channel_id=channel,
                                                           response_name=response))
    assert status == 200, body
    payload = json.loads(body)
    assert payload["response_type"] == "ephemeral"
    assert validate_blocks(payload.get("blocks", [])) == []
    return payload


def all_text(payload: Any) -> str:
    """Every text field of a message payload or block list, joined."""
    out: list[str] = []

    def walk(x: Any) -> None:
        if isinstance(x, dict):
            if isinstance(x.get("text"), str):
                out.append(x["text"])
            for v in x.values():
                if isinstance(v, (dict, list)):
                    walk(v)
        elif isinstance(x, list):
            for v in x:
                walk(v)
    walk(payload)
    return "\n".join(out)


async def settings_of(bot: NewsBot, chat: str) -> dict[str, Any]:
    dest = await bot.chats.find_destination("slack", chat)
    if dest is None:
        return {}
    return {"subs": await bot.chats.subscriptions(dest.id), "terms": await bot.chats.terms(dest.id),
            "muted_until": dest.muted_until, "enabled": dest.enabled, "kind": dest.kind, "active": dest.active}


async def chat_row(bot: NewsBot, external_id: str) -> Any:
    async with bot.db.read() as conn:
        return (await conn.execute(select(Chat.__table__).where(Chat.external_id == external_id))).one()


def publish(server: FeedServer, *items: Item) -> None:
    server.set_body(WIRE, rss2([*items, Item("خبر عادي عن الطقس", "https://wire.example/0", "تفاصيل",
                                             published=NOW)]))


# ------------------------------------------------------------------ commands over HTTP


async def test_slash_commands_change_settings_and_tell_the_channel(tmp_path: Path, fake: FakeSlackAPI,
                                                                  feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        assert fake.calls == []  # nothing talks to Slack before the first request (Bolt's auth.test is lazy)

        help_reply = await command(bot, fake, "")  # empty text -> help, in Arabic, with Slack's command syntax
        assert "الأوامر" in all_text(help_reply) and "/newsbot subscribe" in all_text(help_reply)
        assert re.search(r"(?<!newsbot )/subscribe", all_text(help_reply)) is None
        assert fake.posts == []  # help changes nothing: no channel note

        reply = await command(bot, fake, "subscribe nato")
        assert "تم الاشتراك في: حلف الناتو" in all_text(reply)
        assert (await settings_of(bot, "C1"))["subs"] == ["nato"]
        note = fake.posts_to("C1")[-1]
        assert note.text.startswith("\u200f") and "<@U1>" in note.text and "حلف الناتو" in note.text

        reply = await command(bot, fake, "watch الهدنة &amp; &lt;الاتفاق&gt;")  # Slack's wire form of & < >
        assert "الهدنة & <الاتفاق>" in (await settings_of(bot, "C1"))["terms"]
        assert "&lt;الاتفاق&gt;" in all_text(reply) and "<الاتفاق>" not in all_text(reply)
        await fake.wait_until(lambda: len(fake.posts_to("C1")) == 2)  # notes to one channel are paced
        assert "&lt;الاتفاق&gt;" in fake.posts_to("C1")[-1].text

        await command(bot, fake, "unsubscribe nato", user="U2")
        assert "nato" not in (await settings_of(bot, "C1"))["subs"]
        await fake.wait_until(lambda: len(fake.posts_to("C1")) == 3)
        assert "<@U2>" in fake.posts_to("C1")[-1].text

        before = len(fake.posts)
        reply = await command(bot, fake, "mute 2h")
        muted = (await settings_of(bot, "C1"))["muted_until"]
        assert muted is not None and muted.replace(tzinfo=UTC) > datetime.now(UTC) + timedelta(minutes=110)
        assert "كُتمت التنبيهات" in all_text(reply)
        await fake.wait_until(lambda: len(fake.posts) == before + 1)
        await command(bot, fake, "unmute")
        assert (await settings_of(bot, "C1"))["muted_until"] is None
        await fake.wait_until(lambda: len(fake.posts) == before + 2)  # the unmute note, paced

        reply = await command(bot, fake, "watchlist")
        assert "الهدنة" in all_text(reply)
        reply = await command(bot, fake, "frobnicate")
        assert T.UNKNOWN in all_text(reply) and "/newsbot watch" in all_text(reply)

        before = len(fake.posts)
        await command(bot, fake, "mute forever")  # refused: usage, nothing changed, no note
        assert len(fake.posts) == before

        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{bot.http.port}/readyz") as r:
            ready = await r.json()
        assert ready["checks"]["slack"] == {"ok": True, "detail": "http"}
    assert next(m for m, _ in fake.calls) == "auth.test"


async def test_bad_or_stale_signatures_are_refused_and_change_nothing(tmp_path: Path, fake: FakeSlackAPI,
                                                                     feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        body = fake.slash_command_body(text="subscribe nato")
        assert (await post(bot, body, secret="not-the-secret"))[0] == 401
        assert (await post(bot, body, timestamp=int(time.time()) - 600))[0] == 401  # replayed 10 minutes later
        tampered = fake.slash_command_body(text="subscribe nato ceasefire")
        headers = {"Content-Type": "application/x-www-form-urlencoded", **sign_request(body, SECRET)}
        async with aiohttp.ClientSession() as s, s.post(f"http://127.0.0.1:{bot.http.port}/slack/events",
                                                         data=tampered, headers=headers) as r:
            assert r.status == 401  # a valid signature of a different body
        assert await settings_of(bot, "C1") == {}
        assert fake.posts == [] and fake.calls == []


async def test_topics_buttons_toggle_watchlists(tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        reply = await command(bot, fake, "topics")
        actions = [b for b in reply["blocks"] if b["type"] == "actions"]
        buttons = [e for b in actions for e in b["elements"]]
        assert all(len(b["elements"]) <= 25 for b in actions)
        assert len(buttons) == len(bot.index.builtins) and len({b["action_id"] for b in buttons}) == len(buttons)
        nato = next(b for b in buttons if b["action_id"] == "toggle:nato")
        assert nato["text"]["text"].startswith(T.TOPIC_OFF)

        click = fake.block_action_body(response_name="click", action_id="toggle:nato", value="toggle:nato",
                                       user_id="U1", channel_id="C1")
        status, _ = await post(bot, click)
        assert status == 200
        (updated,) = await fake.wait_for_response("click")
        assert updated["replace_original"] is True and updated["response_type"] == "ephemeral"
        assert validate_blocks(updated["blocks"]) == []
        nato = next(e for b in updated["blocks"] if b["type"] == "actions" for e in b["elements"]
                    if e["action_id"] == "toggle:nato")
        assert nato["text"]["text"].startswith(T.TOPIC_ON)
        assert (await settings_of(bot, "C1"))["subs"] == ["nato"]
        await fake.wait_until(lambda: fake.posts_to("C1"))
        assert fake.posts_to("C1")[-1].text == "\u200fفعّل <@U1> متابعة «حلف الناتو» في هذه القناة."

        status, _ = await post(bot, fake.block_action_body(response_name="click", action_id="toggle:nato",
                                                           user_id="U1", channel_id="C1"))
        await fake.wait_for_response("click", count=2)
        assert (await settings_of(bot, "C1"))["subs"] == []
        await fake.wait_until(lambda: len(fake.posts_to("C1")) == 2)

        # A stranger (not in the channel, not an admin) cannot toggle; the buttons stay where they are.
        status, _ = await post(bot, fake.block_action_body(response_name="nope", action_id="toggle:nato",
                                                           user_id="U9", channel_id="C1"))
        (refused,) = await fake.wait_for_response("nope")
        assert refused["replace_original"] is False and T.NOT_MEMBER in refused["text"]
        assert (await settings_of(bot, "C1"))["subs"] == []


async def test_admins_policy_lets_only_workspace_admins_and_owners_change_settings(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake, slack_settings_policy="admins")) as bot:
        reply = await command(bot, fake, "subscribe nato", user="U1")
        assert T.NOT_WORKSPACE_ADMIN in all_text(reply)
        assert (await settings_of(bot, "C1")) == {} and fake.posts == []
        reply = await command(bot, fake, "watchlist", user="U1")  # reading is for everyone
        assert "لا تتابع هذه المحادثة شيئاً بعد" in all_text(reply)

        fake.fail_next("users.info", error="503")  # Slack cannot say: refuse (safe), nothing stored
        reply = await command(bot, fake, "subscribe nato", user="UADMIN")
        assert T.NOT_WORKSPACE_ADMIN in all_text(reply) and await settings_of(bot, "C1") == {}
        await command(bot, fake, "subscribe nato", user="UADMIN")
        assert (await settings_of(bot, "C1"))["subs"] == ["nato"]
        await command(bot, fake, "subscribe gaza", user="UOWNER")
        assert (await settings_of(bot, "C1"))["subs"] == ["gaza", "nato"]
        assert [("<@UADMIN>" in p.text, "<@UOWNER>" in p.text) for p in fake.posts_to("C1")] == [
            (True, False), (False, True)]
        assert {p["user"] for m, p in fake.calls if m == "users.info"} == {"U1", "UADMIN", "UOWNER"}


async def test_members_policy_refuses_someone_outside_the_channel(tmp_path: Path, fake: FakeSlackAPI,
                                                                  feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        reply = await command(bot, fake, "subscribe nato", user="U9")
        assert T.NOT_MEMBER in all_text(reply) and T.NOT_ADMIN not in all_text(reply)
        assert await settings_of(bot, "C1") == {}
        await command(bot, fake, "subscribe nato", user="U2")
        assert (await settings_of(bot, "C1"))["subs"] == ["nato"]
        assert "users.info" not in [m for m, _ in fake.calls][-2:]  # a member needs no admin lookup


async def test_direct_message_settings_are_the_users_own(tmp_path: Path, fake: FakeSlackAPI,
                                                         feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake, slack_settings_policy="admins")) as bot:
        reply = await command(bot, fake, "subscribe nato", user="U1", channel="D0WITHBOB")
        assert "تم الاشتراك" in all_text(reply)
        mine = await settings_of(bot, "DU1")  # the user's own DM with the bot (conversations.open)
        assert mine["subs"] == ["nato"] and mine["kind"] == "private"
        assert await settings_of(bot, "D0WITHBOB") == {}
        assert fake.posts == []  # no "who changed it" note in a DM


async def test_note_failure_explains_how_to_invite_the_app(tmp_path: Path, fake: FakeSlackAPI,
                                                           feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await command(bot, fake, "subscribe nato", channel="C2", response="c2")
        (hint,) = await fake.wait_for_response("c2")
        assert "/invite" in hint["text"] and hint["replace_original"] is False
        assert (await settings_of(bot, "C2"))["subs"] == ["nato"]


async def test_handler_errors_are_answered_and_the_bot_goes_on(tmp_path: Path, fake: FakeSlackAPI,
                                                               feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        status, _ = await post(bot, fake.block_action_body(response_name="broken", action_id="toggle:nato",
                                                           user_id="U1", channel_id=""))
        assert status == 200
        (sorry,) = await fake.wait_for_response("broken")
        assert sorry["text"] == T.INTERNAL
        reply = await command(bot, fake, "subscribe nato")
        assert "تم الاشتراك" in all_text(reply)


# ------------------------------------------------------------------ slow commands and Socket Mode


class LoopbackNamed(AbstractResolver):
    """DNS for one made-up public name that lives on 127.0.0.1 (the Fetcher's test seam)."""

    def __init__(self, name: str) -> None:
        self.name = name

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        assert host == self.name, host
        return [{"hostname": host, "host": "127.0.0.1", "port": port, "family": socket.AF_INET, "proto": 0,
                 "flags": socket.AI_NUMERICHOST}]

    async def close(self) -> None:
        pass


async def test_slow_command_acks_in_time_then_answers_via_response_url(tmp_path: Path, fake: FakeSlackAPI,
                                                                      feeds: FeedServer) -> None:
    async with FeedServer(latency=3.2) as slow:
        slow.add_feed("/slow.xml", rss2([Item("خبر", "https://slow.example/1")], title="مصدر بطيء"))
        settings = slack_settings(tmp_path, fake)
        fetcher = build_fetcher(settings, dns=LoopbackNamed("slow.example"), public_hosts=frozenset({"slow.example"}))
        async with running(settings, fetcher=fetcher) as bot:
            started = time.monotonic()
            reply = await command(bot, fake, f"addfeed http://slow.example:{slow.port}/slow.xml", response="slow")
            assert time.monotonic() - started < 3.0  # Slack's deadline
            assert reply["text"] == "⏳ جارٍ التنفيذ…" and fake.responses["slow"] == []
            (done,) = await fake.wait_for_response("slow", timeout=10)
            assert done["response_type"] == "ephemeral" and "أضفتُ المصدر" in done["text"]
            assert "مصدر بطيء" in all_text(done) and validate_blocks(done["blocks"]) == []
            await fake.wait_until(lambda: fake.posts_to("C1"))
            assert "<@U1>" in fake.posts_to("C1")[-1].text


async def test_socket_mode_receives_a_slash_command_and_acks_with_the_reply(tmp_path: Path, fake: FakeSlackAPI,
                                                                          feeds: FeedServer,
                                                                          loopback_only: list[str]) -> None:
    settings = slack_settings(tmp_path, fake, slack_app_token=SecretStr("xapp-test"), slack_signing_secret=None,
                              ops_slack_channel="COPS")
    async with running(settings) as bot:
        await fake.wait_until(lambda: fake.posts_to("COPS"))  # ops notices reach Slack too, as Block Kit
        (started,) = fake.posts_to("COPS")
        assert [b["type"] for b in started.blocks] == ["header", "section"] and "newsbot" in started.text
        assert validate_blocks(started.blocks) == []
        await fake.wait_socket_connected()
        assert any(u.startswith("ws://127.0.0.1:") for u in loopback_only)
        envelope = await fake.socket_send_envelope("slash_commands", {
            "command": "/newsbot", "text": "subscribe nato", "user_id": "U1", "user_name": "alice",
            "channel_id": "C1", "channel_name": "newsroom", "team_id": "T0001", "api_app_id": "A0001",
            "response_url": fake.response_url("sock"), "trigger_id": "t"})
        ack = await fake.wait_for_ack(envelope)
        assert ack["payload"]["response_type"] == "ephemeral"
        assert "تم الاشتراك في: حلف الناتو" in all_text(ack["payload"])
        assert validate_blocks(ack["payload"]["blocks"]) == []
        assert (await settings_of(bot, "C1"))["subs"] == ["nato"]
        await fake.wait_until(lambda: fake.posts_to("C1"))
        assert (await post(bot, fake.slash_command_body(text="help")))[0] == 404  # no HTTP endpoint in this mode
        async with aiohttp.ClientSession() as s, s.get(f"http://127.0.0.1:{bot.http.port}/readyz") as r:
            assert (await r.json())["checks"]["slack"] == {"ok": True, "detail": "socket mode connected"}
        # NewsBot.stop() makes one delivery round for the stop notice; the ops channel must be past its
        # 1 s pacing by then or the notice waits in the outbox for the next start (see the report).
        await fake.wait_until(lambda: time.monotonic() - started.time > 1.05)
    await fake.wait_until(lambda: not fake._sockets)  # noqa: SLF001 - stop() closed the websocket
    assert len(fake.posts_to("COPS")) == 2  # the stop notice still went out after receiving had stopped
    assert next(m for m, _ in fake.calls) == "apps.connections.open"


# ------------------------------------------------------------------ alerts


async def test_alerts_are_valid_arabic_block_kit_with_inert_feed_text(tmp_path: Path, fake: FakeSlackAPI,
                                                                      feeds: FeedServer) -> None:
    async with running(slack_settings(tmp_path, fake)) as bot:
        await command(bot, fake, "subscribe nato")
        await bot.tick(force=True, timeout=10)  # first sight of the feed: recorded, not alerted
        notes = len(fake.posts_to("C1"))
        # Double-escaped in the feed so the stored text really says <!channel>, <@U123>, <https://evil|click>.
        evil = "&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil.example|click&gt; &amp;amp; *bold* _it_ ~s~ `x`"
        publish(feeds, Item(f"الناتو يحذّر {evil}", "https://wire.example/nato?a=1&b=2",
                            f"قال حلف الناتو إن {evil} والناتو مستعد.", published=NOW))
        await bot.tick(force=True, timeout=10)
        await fake.wait_until(lambda: len(fake.posts_to("C1")) == notes + 1)
        alert = fake.posts_to("C1")[-1]

    stored = fake.messages[("C1", alert.ts)]
    assert stored["text"] == alert.text
    assert "<!channel>" in (await _story_titles(tmp_path))[0]  # the injection really reached the renderer
    assert validate_blocks(alert.blocks) == []
    assert (alert.unfurl_links, alert.unfurl_media) == (False, False)
    header, section, *context = alert.blocks
    assert header["type"] == "header" and "حلف الناتو" in header["text"]["text"]
    assert header["text"]["type"] == "plain_text"
    body = section["text"]["text"]
    assert section["text"]["type"] == "mrkdwn" and section["text"]["verbatim"] is True
    assert body.startswith("\u200f<https://wire.example/nato?a=1&amp;b=2|")
    assert "*الناتو*" in body  # the matched word in the summary is bold
    assert [c["elements"][0]["type"] for c in context] == ["plain_text"] * len(context)
    assert any("سبب التنبيه" in c["elements"][0]["text"] for c in context)
    assert any("#الناتو" in c["elements"][0]["text"] for c in context)
    assert any("وكالة الاختبار" in c["elements"][0]["text"] for c in context)
    for mrkdwn in (body, alert.text):
        links = re.findall(r"<([^>]*)>", mrkdwn)
        assert all(ln.startswith("https://wire.example/nato") for ln in links), links  # only our own link
        for raw in ("<!channel>", "<@U123>", "<https://evil", "*bold*", "_it_", "~s~", "`x`"):
            assert raw not in mrkdwn
        assert "&lt;!channel&gt;" in mrkdwn and "&lt;@U123&gt;" in mrkdwn and "&amp;amp;" in mrkdwn
        assert "\u2217bold\u2217" in mrkdwn
    assert "يحذّر" in alert.text and "حلف الناتو" in alert.text


async def _story_titles(tmp_path: Path) -> list[str]:
    from bot.storage.db import Database
    from bot.storage.models import Story

    db = Database(f"sqlite:///{tmp_path / 'newsbot.db'}")
    try:
        async with db.read() as conn:
            return list((await conn.execute(select(Story.title).where(Story.title.like("%الناتو%")))).scalars())
    finally:
        await db.dispose()


async def _subscribed_bot(tmp_path: Path, fake: FakeSlackAPI, channel: str) -> NewsBot:
    """A bot for ``newsbot poll-once`` with ``channel`` subscribed to nato and the feed seen once."""
    bot = NewsBot(slack_settings(tmp_path, fake), http=False)
    await bot.prepare()
    dest = await bot.chats.ensure_destination("slack", channel, "channel", now=datetime.now(UTC))
    await bot.chats.subscribe(dest.id, ["nato"], datetime.now(UTC))
    await bot.poll_once(timeout=10)
    return bot


async def test_rate_limited_alert_waits_for_retry_after_then_is_delivered_once(
        tmp_path: Path, fake: FakeSlackAPI, feeds: FeedServer) -> None:
    bot = await _subscribed_bot(tmp_path, fake, "C1")
    try:
        publish(feeds, Item("قمة الناتو تبدأ اليوم", "https://wire.example/summit", published=NOW))
        fake.fail_next("chat.postMessage", error="429", retry_after=2)
        run = asyncio.create_task(bot.poll_once(timeout=20))
        await fake.wait_until(lambda: any(m == "chat.postMessage" for m, _ in fake.calls), timeout=10)
        refused_at = time.monotonic()
        await run
        (alert,) = fake.posts_to("C1")
        assert alert.time - refused_at >= 1.9  # not before Retry-After
        assert [m for m, _ in fake.calls].count("chat.postMessage") == 2
        async with bot.db.read() as conn:
            rows = (await conn.execute(select(Outbox.state, Outbox.attempts, Outbox.message_ref))).all()
        assert [(r.state, r.message_ref) for r in rows] == [("sent", alert.ts)]
    finally:
        await bot.stop()


@pytest.mark.parametrize(("channel", "error"), [
    ("C404", "channel_not_found"),  # deleted, or private without the bot
    ("C2", "not_in_channel"),  # the bot was removed
    ("C3", "is_archived"),
])
async def test_channel_gone_is_deactivated_with_its_settings_kept(tmp_path: Path, fake: FakeSlackAPI,
                                                                  feeds: FeedServer, channel: str, error: str) -> None:
    bot = await _subscribed_bot(tmp_path, fake, channel)
    try:
        publish(feeds, Item("الناتو يجتمع", "https://wire.example/meet", published=NOW),
                Item("الناتو يجتمع مجدداً", "https://wire.example/meet2", published=NOW))
        await bot.poll_once(timeout=10)
        row = await chat_row(bot, channel)
        assert (row.active, row.deactivated_reason) == (False, error)
        assert (await settings_of(bot, channel))["subs"] == ["nato"]  # kept for when the channel comes back
        assert [m for m, _ in fake.calls].count("chat.postMessage") == 1  # the second alert was not tried
        async with bot.db.read() as conn:
            states = sorted((await conn.execute(select(Outbox.state))).scalars())
        assert states == ["gone", "gone"]
    finally:
        await bot.stop()


async def test_a_later_copy_edits_the_alert_with_chat_update(tmp_path: Path, fake: FakeSlackAPI,
                                                             feed_server: FeedServer) -> None:
    for name in ("a", "b"):
        feed_server.add_feed(f"/{name}.xml", rss2([Item("بداية", f"https://{name}.example/start")]))
    write_config(tmp_path / "config", [{"id": "a", "url": feed_server.url("/a.xml"), "name": "المصدر الأول"},
                                       {"id": "b", "url": feed_server.url("/b.xml"), "name": "المصدر الثاني"}])
    bot = NewsBot(slack_settings(tmp_path, fake, edit_delay=0.0), http=False)
    try:
        await bot.prepare()
        dest = await bot.chats.ensure_destination("slack", "C1", "channel", now=datetime.now(UTC))
        await bot.chats.subscribe(dest.id, ["nato"], datetime.now(UTC))
        await bot.poll_once(timeout=10)
        story = Item("الناتو يعقد قمة طارئة", "https://wire.example/summit", published=NOW)
        feed_server.set_body("/a.xml", rss2([story]))
        await bot.poll_once(timeout=10)
        (alert,) = fake.posts_to("C1")
        feed_server.set_body("/b.xml", rss2([Item(story.title, story.link + "?utm_source=b", published=NOW)]))
        await bot.poll_once(timeout=10)  # ingest the copy; the edit is due at once (edit_delay=0)
        (update,) = fake.updates
        assert (update.channel, update.ts) == ("C1", alert.ts) and fake.posts_to("C1") == [alert]
        assert validate_blocks(update.blocks) == [] and update.blocks[:2] == alert.blocks[:2]
        assert any("المصدر الثاني" in c["elements"][0]["text"] for c in update.blocks[2:])
    finally:
        await bot.stop()
