"""The fake Slack server, exercised through the REAL slack_sdk and slack_bolt clients."""

from __future__ import annotations

import json
import re
import time
from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from tests.fakes.flood import FloodLimits
from tests.fakes.slack_api import FakeSlackAPI, block_action_body, sign_request, validate_blocks

SECRET = "test-signing-secret"
TS_RE = re.compile(r"^\d{10}\.\d{6}$")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every aiohttp request (HTTP and websocket) must target 127.0.0.1 — never slack.com."""
    seen: list[str] = []
    original = aiohttp.ClientSession._request

    async def guarded(self: aiohttp.ClientSession, method: str, url: Any, *a: Any,
                      **kw: Any) -> Any:
        host = urlsplit(str(url)).hostname
        seen.append(str(url))
        assert host == "127.0.0.1", f"non-loopback request: {method} {url}"
        return await original(self, method, url, *a, **kw)

    monkeypatch.setattr(aiohttp.ClientSession, "_request", guarded)
    yield seen


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as server:
        server.add_user("U1", "alice")
        server.add_user("UADMIN", "boss", is_admin=True, is_owner=True, is_primary_owner=True)
        server.add_channel("C1", "general", members=["U1", "UADMIN"])
        server.add_channel("C2", "outside", bot_member=False)
        server.add_channel("C3", "old", is_archived=True)
        server.add_channel("G1", "secret", is_private=True, bot_member=False)
        yield server


def client_for(fake: FakeSlackAPI, token: str = "xoxb-test", **kw: Any) -> AsyncWebClient:
    kw.setdefault("retry_handlers", [])
    client = AsyncWebClient(token=token, base_url=fake.base_url, **kw)
    assert client.base_url.startswith("http://127.0.0.1:") and "slack.com" not in client.base_url
    return client


async def slack_error(coro: Any) -> SlackApiError:
    with pytest.raises(SlackApiError) as info:
        await coro
    return info.value


# ------------------------------------------------------------------ Web API


async def test_auth_test_and_post_message_json(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    auth = await client.auth_test()
    assert (auth["team_id"], auth["user_id"], auth["bot_id"]) == ("T0001", "U0BOT", "B0001")

    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "*hi*"}}]
    first = await client.chat_postMessage(channel="C1", text="hello", blocks=blocks,
                                          unfurl_links=False, unfurl_media=False)
    second = await client.chat_postMessage(channel="#general", text="reply",
                                           thread_ts=first["ts"])
    assert first["ok"] and first["channel"] == "C1" and TS_RE.match(first["ts"])
    assert float(second["ts"]) > float(first["ts"])
    assert first["message"]["blocks"] == blocks
    post, reply = fake.posts_to("C1")
    assert (post.text, post.blocks) == ("hello", blocks)
    assert (post.unfurl_links, post.unfurl_media) == (False, False)
    assert reply.thread_ts == first["ts"] and reply.blocks is None
    assert post.time <= reply.time <= time.monotonic()
    assert [m for m, _ in fake.calls] == ["auth.test", "chat.postMessage", "chat.postMessage"]


async def test_form_encoded_blocks_string_is_decoded(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    blocks = [{"type": "divider"}]
    await client.api_call("chat.postMessage",
                          data={"channel": "C1", "text": "x", "blocks": json.dumps(blocks)})
    assert fake.posts[0].blocks == blocks
    assert isinstance(fake.posts[0].raw["blocks"], str)  # raw = as sent on the wire
    assert fake.calls[-1][1]["blocks"] == blocks
    err = await slack_error(client.api_call(
        "chat.postMessage", data={"channel": "C1", "blocks": "[not json"}))
    assert err.response["error"] == "invalid_blocks_format"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C404", "text": "x"}, "channel_not_found"),
        ({"channel": "G1", "text": "x"}, "channel_not_found"),  # private, bot not invited
        ({"channel": "C2", "text": "x"}, "not_in_channel"),
        ({"channel": "C3", "text": "x"}, "is_archived"),
        pytest.param({"channel": "C1"}, "no_text",
                     marks=pytest.mark.filterwarnings("ignore:The top-level `text`")),
        ({"channel": "C1", "text": "x" * 40_001}, "msg_too_long"),
    ],
)
async def test_post_message_errors(fake: FakeSlackAPI, kwargs: dict[str, Any], error: str) -> None:
    err = await slack_error(client_for(fake).chat_postMessage(**kwargs))
    assert err.response.status_code == 200
    assert err.response["error"] == error and err.response["ok"] is False
    assert fake.posts == []


async def test_invalid_blocks(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    button = {"type": "button", "action_id": "a", "text": {"type": "plain_text", "text": "ok"}}
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 151}},
        {"type": "actions", "block_id": "b", "elements": [button, button]},
        {"type": "section", "block_id": "b", "text": {"type": "mrkdwn", "text": ""}},
    ]
    err = await slack_error(client.chat_postMessage(channel="C1", text="x", blocks=blocks))
    assert err.response["error"] == "invalid_blocks"
    messages = err.response["response_metadata"]["messages"]
    assert "[ERROR] must be less than 151 characters [json-pointer:/blocks/0/text/text]" in messages
    assert any("action_id already exists" in m and "/blocks/1/elements/1" in m for m in messages)
    assert any("block_id already exists" in m for m in messages)
    assert "[ERROR] must be more than 0 characters [json-pointer:/blocks/2/text/text]" in messages

    too_many = [{"type": "divider"}] * 51
    err = await slack_error(client.chat_postMessage(channel="C1", text="x", blocks=too_many))
    assert err.response["errors"] == ["no more than 50 items allowed [json-pointer:/blocks]"]


def test_block_limits_offline() -> None:
    ok = [
        {"type": "header", "text": {"type": "plain_text", "text": "h" * 150}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "s" * 3000},
         "fields": [{"type": "mrkdwn", "text": "f" * 2000}] * 10,
         "accessory": {"type": "button", "action_id": "acc",
                       "text": {"type": "plain_text", "text": "b"}}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 10},
        {"type": "actions", "elements": [
            {"type": "button", "action_id": f"a{i}", "value": "v" * 2000, "style": "primary",
             "text": {"type": "plain_text", "text": "t" * 75}} for i in range(25)]},
        {"type": "divider"},
    ]
    assert validate_blocks(ok) == []
    bad = [
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "c"}] * 11},
        {"type": "actions", "elements": [{"type": "button", "action_id": "z" * 256, "style": "blue",
                                          "text": {"type": "mrkdwn", "text": "t" * 76}}]},
        {"type": "section", "text": {"type": "markdown", "text": "x"}},
        {"type": "carousel"},
    ]
    problems = "\n".join(validate_blocks(bad))
    for needle in ("no more than 10 items allowed [json-pointer:/blocks/0/fields]",
                   "no more than 10 items allowed [json-pointer:/blocks/1/elements]",
                   "must be less than 256 characters [json-pointer:/blocks/2/elements/0/action_id]",
                   "must be one of primary|danger",
                   "must be one of plain_text [json-pointer:/blocks/2/elements/0/text/type]",
                   "must be less than 76 characters",
                   "must be one of plain_text|mrkdwn [json-pointer:/blocks/3/text/type]",
                   "unsupported type: carousel"):
        assert needle in problems


async def test_rate_limit_reaches_caller_without_retry_handlers(fake: FakeSlackAPI) -> None:
    fake.fail_next("chat.postMessage", error="429", retry_after=7)
    err = await slack_error(client_for(fake).chat_postMessage(channel="C1", text="x"))
    assert err.response.status_code == 429
    assert err.response["error"] == "ratelimited"
    assert err.response.headers["Retry-After"] == "7"
    assert fake.posts == []
    # slack_sdk's *default* handlers only retry connection errors: 429 surfaces there too.
    fake.fail_next("chat.postMessage", error="429")
    default = AsyncWebClient(token="xoxb-test", base_url=fake.base_url)
    err = await slack_error(default.chat_postMessage(channel="C1", text="x"))
    assert err.response.status_code == 429
    await client_for(fake).chat_postMessage(channel="C1", text="x")  # consumed: next succeeds
    assert len(fake.posts) == 1


async def test_rate_limits_off_by_default_then_per_channel_and_workspace_wide(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    for _ in range(5):  # off: a burst into one channel all goes through
        await client.chat_postMessage(channel="C1", text="x")
    assert fake.flood_refusals == 0
    fake.set_flood_limits(FloodLimits(global_per_second=4, private_per_second=1, private_burst=3))
    for _ in range(3):  # a short burst passes...
        await client.chat_postMessage(channel="C1", text="x")
    err = await slack_error(client.chat_postMessage(channel="C1", text="x"))  # ...the 4th within a second not
    assert err.response.status_code == 429 and err.response["error"] == "ratelimited"
    assert err.response.headers["Retry-After"] == "1"
    fake.add_channel("C4", "other", members=["U1"])
    await client.chat_postEphemeral(channel="C4", user="U1", text="x")  # another channel has its own bucket
    err = await slack_error(client.chat_postMessage(channel="C4", text="x"))  # but the workspace is at 4/s
    assert err.response.status_code == 429
    assert [(r.method, r.chat, r.limit) for r in fake.flood.refusals] == [
        ("chat.postMessage", "C1", "chat"), ("chat.postMessage", "C4", "global")]
    assert len(fake.posts) == 8 and len(fake.ephemerals) == 1
    await client.conversations_info(channel="C1")  # reads are not counted
    fake.set_flood_limits(FloodLimits(enabled=False))
    await client.chat_postMessage(channel="C1", text="x")
    assert fake.flood_refusals == 2


async def test_rate_limit_retry_handler_retries(fake: FakeSlackAPI) -> None:
    fake.fail_next("chat.postMessage", error="429", retry_after=0)
    client = client_for(fake, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=1)])
    await client.chat_postMessage(channel="C1", text="x")
    assert [m for m, _ in fake.calls] == ["chat.postMessage", "chat.postMessage"]
    assert len(fake.posts) == 1


async def test_http_errors_timeout_and_filters(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    for code in ("500", "503"):
        fake.fail_next("chat.postMessage", error=code)
        err = await slack_error(client.chat_postMessage(channel="C1", text="x"))
        assert err.response.status_code == int(code)

    fake.fail_next("chat.postMessage", error="not_in_channel", channel="C9", count=2)
    await client.chat_postMessage(channel="C1", text="unaffected")
    fake.fail_next("chat.postMessage", error="account_inactive")
    for _ in range(2):
        err = await slack_error(client.chat_postMessage(channel="C9", text="x"))
        assert err.response["error"] == "not_in_channel"
    err = await slack_error(client.chat_postMessage(channel="C1", text="x"))
    assert err.response["error"] == "account_inactive"

    fake.fail_next("users.info", error="timeout", delay=3)
    slow = client_for(fake, timeout=0.3)  # type: ignore[arg-type]
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await slow.users_info(user="U1")
    assert time.monotonic() - started < 2

    fake.set_outage(None, "503")
    for call in (client.auth_test(), client.users_info(user="U1")):
        assert (await slack_error(call)).response.status_code == 503
    fake.clear_outage()
    assert (await client.auth_test())["ok"]
    assert [p.text for p in fake.posts] == ["unaffected"]


async def test_auth_and_unknown_method(fake: FakeSlackAPI) -> None:
    err = await slack_error(client_for(fake, token="xoxb-wrong").auth_test())
    assert err.response.status_code == 200 and err.response["error"] == "invalid_auth"
    app_level = client_for(fake, token="xapp-test")
    err = await slack_error(app_level.chat_postMessage(channel="C1", text="x"))
    assert err.response["error"] == "not_allowed_token_type"
    err = await slack_error(AsyncWebClient(base_url=fake.base_url).auth_test())
    assert err.response["error"] == "not_authed"
    err = await slack_error(client_for(fake).api_call("nope.nothing"))
    assert err.response["error"] == "unknown_method"
    err = await slack_error(client_for(fake).apps_connections_open(app_token="xapp-wrong"))
    assert err.response["error"] == "invalid_auth"


async def test_chat_update_and_ephemeral(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    posted = await client.chat_postMessage(channel="C1", text="v1")
    updated = await client.chat_update(channel="C1", ts=posted["ts"], text="v2",
                                       blocks=[{"type": "divider"}])
    assert updated["ts"] == posted["ts"] and updated["message"]["text"] == "v2"
    assert [(u.method, u.ts, u.text) for u in fake.updates] == [("chat.update", posted["ts"], "v2")]
    assert fake.messages[("C1", posted["ts"])]["blocks"] == [{"type": "divider"}]
    err = await slack_error(client.chat_update(channel="C1", ts="1.000000", text="x"))
    assert err.response["error"] == "message_not_found"

    eph = await client.chat_postEphemeral(channel="C1", user="U1", text="psst")
    assert TS_RE.match(eph["message_ts"])
    assert [(e.user, e.text) for e in fake.ephemerals] == [("U1", "psst")]
    fake.add_user("U9", "stranger")
    err = await slack_error(client.chat_postEphemeral(channel="C1", user="U9", text="x"))
    assert err.response["error"] == "user_not_in_channel"


async def test_users_and_conversations(fake: FakeSlackAPI) -> None:
    client = client_for(fake)
    boss = (await client.users_info(user="UADMIN"))["user"]
    assert (boss["is_admin"], boss["is_owner"], boss["is_primary_owner"]) == (True, True, True)
    alice = (await client.users_info(user="U1"))["user"]
    assert not (alice["is_admin"] or alice["is_owner"] or alice["is_primary_owner"])
    assert (await slack_error(client.users_info(user="U404"))).response["error"] == "user_not_found"

    info = (await client.conversations_info(channel="C2"))["channel"]
    assert info["name"] == "outside" and info["is_member"] is False
    hidden = await slack_error(client.conversations_info(channel="G1"))  # private, bot not in it
    assert hidden.response["error"] == "channel_not_found"
    page1 = await client.conversations_members(channel="C1", limit=2)
    page2 = await client.conversations_members(channel="C1", limit=2,
                                               cursor=page1["response_metadata"]["next_cursor"])
    assert page1["members"] + page2["members"] == ["U1", "UADMIN", "U0BOT"]
    assert page2["response_metadata"]["next_cursor"] == ""


# ------------------------------------------------------------------ Bolt over HTTP


def build_app(fake: FakeSlackAPI) -> AsyncApp:
    app = AsyncApp(client=client_for(fake), signing_secret=SECRET)

    @app.command("/newsbot")
    async def newsbot(ack: Any, command: dict[str, Any], respond: Any) -> None:
        await ack({"response_type": "ephemeral", "text": f"you said {command['text']}"})
        await respond(f"later: {command['text']}")

    @app.action("follow")
    async def follow(ack: Any, body: dict[str, Any], respond: Any) -> None:
        await ack()
        await respond(text=f"following {body['actions'][0]['value']}", replace_original=False)

    return app


@pytest.fixture
async def bolt_http(fake: FakeSlackAPI) -> AsyncIterator[str]:
    app = build_app(fake)

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await app.async_dispatch(await to_bolt_request(request)))

    web_app = web.Application()
    web_app.router.add_post("/slack/events", events)
    runner = web.AppRunner(web_app, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}/slack/events"
    await runner.cleanup()


async def post_signed(url: str, body: bytes, secret: str = SECRET) -> tuple[int, str]:
    headers = {"Content-Type": "application/x-www-form-urlencoded", **sign_request(body, secret)}
    async with aiohttp.ClientSession() as session:
        async with session.post(url, data=body, headers=headers) as r:
            return r.status, await r.text()


async def test_bolt_http_slash_command(fake: FakeSlackAPI, bolt_http: str) -> None:
    status, text = await post_signed(bolt_http, fake.slash_command_body(text="sports"))
    assert status == 200
    assert json.loads(text) == {"response_type": "ephemeral", "text": "you said sports"}
    (later,) = await fake.wait_for_response("default")
    assert later["text"] == "later: sports"
    assert fake.calls[0][0] == "auth.test"  # AsyncApp authorizes lazily, on the first request

    status, _ = await post_signed(bolt_http, fake.slash_command_body(), secret="wrong")
    assert status == 401
    stale = fake.slash_command_body()
    headers = sign_request(stale, SECRET, timestamp=int(time.time()) - 600)
    async with aiohttp.ClientSession() as s, s.post(bolt_http, data=stale, headers=headers) as r:
        assert r.status == 401


async def test_bolt_http_button_click(fake: FakeSlackAPI, bolt_http: str) -> None:
    body = block_action_body(action_id="follow", value="gaza",
                             response_url=fake.response_url("btn"))
    status, text = await post_signed(bolt_http, body)
    assert (status, text) == (200, "")
    (reply,) = await fake.wait_for_response("btn")
    assert reply == {"text": "following gaza", "replace_original": False}


# ------------------------------------------------------------------ Socket Mode


async def test_socket_mode_slash_command(fake: FakeSlackAPI, loopback_only: list[str]) -> None:
    app = build_app(fake)
    handler = AsyncSocketModeHandler(app, "xapp-test")
    try:
        await handler.connect_async()
        await fake.wait_socket_connected()
        assert any(u.startswith("ws://127.0.0.1:") for u in loopback_only)
        envelope_id = await fake.socket_send_envelope(
            type="slash_commands",
            payload={"command": "/newsbot", "text": "tech", "user_id": "U1", "channel_id": "C1",
                     "team_id": "T0001", "response_url": fake.response_url("sock"),
                     "trigger_id": "t", "api_app_id": "A0001"})
        ack = await fake.wait_for_ack(envelope_id)
        assert ack["payload"] == {"response_type": "ephemeral", "text": "you said tech"}
        (later,) = await fake.wait_for_response("sock")
        assert later["text"] == "later: tech"
    finally:
        await handler.close_async()
    assert [m for m, _ in fake.calls][:2] == ["apps.connections.open", "auth.test"]
    assert fake.socket_connections == 1


async def test_socket_mode_events_and_reconnect(fake: FakeSlackAPI) -> None:
    app = AsyncApp(client=client_for(fake))

    @app.event("app_mention")
    async def mention(event: dict[str, Any], say: Any) -> None:
        await say(f"hi <@{event['user']}>")

    handler = AsyncSocketModeHandler(app, "xapp-test")
    event = {"type": "event_callback", "team_id": "T0001", "api_app_id": "A0001",
             "event_id": "Ev1", "event_time": 1,
             "event": {"type": "app_mention", "user": "U1", "text": "<@U0BOT> hi",
                       "channel": "C1", "ts": "1700000000.000001"}}
    try:
        await handler.connect_async()
        ack = await fake.wait_for_ack(await fake.socket_send_envelope("events_api", event))
        assert "payload" not in ack  # events are acked bare
        await fake.socket_send_disconnect()  # Slack's periodic "refresh_requested"
        await fake.wait_until(lambda: fake.socket_connections == 2)
        ack = await fake.wait_for_ack(await fake.socket_send_envelope("events_api", event))
        assert ack["envelope_id"]
        await fake.wait_until(lambda: len(fake.posts) == 2)  # say() runs after the ack
    finally:
        await handler.close_async()
    assert [p.text for p in fake.posts_to("C1")] == ["hi <@U1>", "hi <@U1>"]
    assert [m for m, _ in fake.calls].count("apps.connections.open") == 2
