"""SlackSender against the fake Slack API: every kind of answer becomes the right Outcome.

Alerts and edits go as JSON POSTs of the sender's own (bot/adapters/slack/webapi.py), on the
client's pooled session when it has one (as in production) and a one-call session otherwise:
the refusals are checked both ways, for chat.postMessage and chat.update.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest
import structlog
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.sender import AUTH_RETRY_AFTER, SlackSender
from bot.alerts.model import Alert, AlertView, Match, Topic, format_alert
from bot.delivery.ports import Address, Notice, Outcome
from tests.fakes.slack_api import FakeSlackAPI, validate_blocks

TO = Address("slack", "C1", 0, "channel")


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = aiohttp.ClientSession._request

    async def guarded(self: aiohttp.ClientSession, method: str, url: Any, *a: Any, **kw: Any) -> Any:
        assert urlsplit(str(url)).hostname == "127.0.0.1", f"non-loopback request: {method} {url}"
        return await original(self, method, url, *a, **kw)

    monkeypatch.setattr(aiohttp.ClientSession, "_request", guarded)
    yield


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackAPI]:
    async with FakeSlackAPI() as server:
        server.add_channel("C1", "newsroom")
        yield server


def sender_for(fake: FakeSlackAPI, **kw: Any) -> SlackSender:
    return SlackSender(AsyncWebClient(token="xoxb-test", base_url=fake.base_url, retry_handlers=[], **kw))


@pytest.fixture(params=["pooled", "per-call"])
async def session(request: pytest.FixtureRequest) -> AsyncIterator[aiohttp.ClientSession | None]:
    """The adapter's pooled session (SlackAdapter.start_sending), or none: a session per call."""
    if request.param == "per-call":
        yield None
        return
    async with aiohttp.ClientSession() as pooled:
        yield pooled


def view(title: str = "الناتو يعقد قمة", summary: str = "قال حلف الناتو إن القمة تبدأ اليوم.") -> AlertView:
    alert = Alert(1, title, summary, "https://wire.example/1", "وكالة", datetime(2026, 5, 1, 10, tzinfo=UTC),
                  (Topic("nato", "حلف الناتو", "الناتو"),), (Match("nato", "الناتو", "title", 0, 6, "الناتو"),))
    return format_alert(alert, ZoneInfo("Asia/Riyadh"))


async def test_sent_with_blocks_and_the_ts_as_reference(fake: FakeSlackAPI) -> None:
    outcome = await sender_for(fake).send(TO, view())
    (post,) = fake.posts
    assert outcome == Outcome.sent(post.ts)
    assert validate_blocks(post.blocks) == [] and post.blocks[0]["type"] == "header"
    assert (post.unfurl_links, post.unfurl_media) == (False, False)


async def test_notice_is_a_header_and_a_section(fake: FakeSlackAPI) -> None:
    outcome = await sender_for(fake).send(TO, Notice("⚠️ مصدر متعثر", ("وكالة <!here>", "خطأ: 503")))
    (post,) = fake.posts
    assert outcome.kind == "sent"
    assert [b["type"] for b in post.blocks] == ["header", "section"]
    assert post.blocks[1]["text"] == {"type": "plain_text", "text": "وكالة <!here>\nخطأ: 503", "emoji": False}
    assert "&lt;!here&gt;" in post.text and "<!here>" not in post.text


@pytest.mark.parametrize(("failure", "expected"), [
    ({"error": "429", "retry_after": 7}, Outcome.retry("ratelimited", after=7.0)),
    ({"error": "ratelimited"}, Outcome.retry("ratelimited", after=None)),
    ({"error": "500"}, Outcome.retry("http 500")),
    ({"error": "503"}, Outcome.retry("http 503")),
    ({"error": "internal_error"}, Outcome.retry("internal_error")),
    ({"error": "channel_not_found"}, Outcome.gone("channel_not_found")),
    ({"error": "not_in_channel"}, Outcome.gone("not_in_channel")),
    ({"error": "is_archived"}, Outcome.gone("is_archived")),
    ({"error": "restricted_action"}, Outcome.gone("restricted_action")),
    ({"error": "invalid_auth"}, Outcome.retry("invalid_auth", after=AUTH_RETRY_AFTER)),
    ({"error": "not_authed"}, Outcome.retry("not_authed", after=AUTH_RETRY_AFTER)),
    ({"error": "account_inactive"}, Outcome.retry("account_inactive", after=AUTH_RETRY_AFTER)),
    ({"error": "something_new"}, Outcome.failed("something_new")),
])
async def test_outcome_mapping(fake: FakeSlackAPI, session: aiohttp.ClientSession | None, failure: dict[str, Any],
                               expected: Outcome) -> None:
    fake.fail_next("chat.postMessage", **failure)
    assert await sender_for(fake, session=session).send(TO, view()) == expected
    assert fake.posts == []


@pytest.mark.parametrize(("failure", "expected"), [
    ({"error": "429", "retry_after": 4}, Outcome.retry("ratelimited", after=4.0)),
    ({"error": "503"}, Outcome.retry("http 503")),
    ({"error": "service_unavailable"}, Outcome.retry("service_unavailable")),
    ({"error": "is_archived"}, Outcome.gone("is_archived")),
    ({"error": "token_revoked"}, Outcome.retry("token_revoked", after=AUTH_RETRY_AFTER)),
    ({"error": "cant_update_message"}, Outcome.failed("cant_update_message")),
    ({"error": "edit_window_closed"}, Outcome.failed("edit_window_closed")),
    ({"error": "something_new"}, Outcome.failed("something_new")),
])
async def test_edit_outcome_mapping(fake: FakeSlackAPI, session: aiohttp.ClientSession | None,
                                    failure: dict[str, Any], expected: Outcome) -> None:
    sender = sender_for(fake, session=session)
    sent = await sender.send(TO, view())
    assert sent.message_ref
    fake.fail_next("chat.update", **failure)
    assert await sender.edit(TO, sent.message_ref, view(title="الناتو يعقد قمة طارئة")) == expected
    assert fake.updates == []


async def test_the_token_goes_as_a_bearer_header_and_a_wrong_one_is_an_auth_problem(
        fake: FakeSlackAPI, session: aiohttp.ClientSession | None) -> None:
    assert (await sender_for(fake, session=session).send(TO, view())).kind == "sent"
    wrong = SlackSender(AsyncWebClient(token="xoxb-wrong", base_url=fake.base_url, retry_handlers=[],
                                       session=session))
    assert await wrong.send(TO, view()) == Outcome.retry("invalid_auth", after=AUTH_RETRY_AFTER)
    assert wrong.auth_problem == "invalid_auth" and len(fake.posts) == 1


async def test_a_thread_copy_goes_in_the_alerts_thread(fake: FakeSlackAPI) -> None:
    sender = sender_for(fake)
    first = await sender.send(TO, view())
    assert first.message_ref
    again = await sender.send(Address("slack", "C1", 0, "channel", reply_to=first.message_ref), view())
    assert again.kind == "sent"
    assert [p.thread_ts for p in fake.posts] == [None, first.message_ref]


async def test_a_fan_out_renders_each_message_once(fake: FakeSlackAPI, monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.adapters.slack import sender as module

    rendered: list[object] = []
    for name in ("message_payload", "plain_payload"):
        original = getattr(module, name)

        def counted(message: Any, original: Any = original) -> Any:
            rendered.append(message)
            return original(message)

        monkeypatch.setattr(module, name, counted)
    channels = ["C2", "C3", "C4"]
    for i, ch in enumerate(channels):
        fake.add_channel(ch, f"room-{i}")
    sender, alert = sender_for(fake), view()
    for ch in ("C1", "C2"):
        fake.fail_next("chat.postMessage", error="invalid_blocks", channel=ch)
    outcomes = [await sender.send(Address("slack", ch, 0, "channel"), alert) for ch in ["C1", *channels]]
    assert [o.kind for o in outcomes] == ["sent"] * 4
    assert rendered == [alert, alert]  # blocks once, the plain copy once, for four channels
    assert [p.blocks is None for p in fake.posts] == [True, True, False, False]
    assert fake.posts[2].blocks == fake.posts[3].blocks and fake.posts[2].text == fake.posts[3].text
    newer = view(title="الناتو يعقد قمة طارئة")
    assert (await sender.edit(TO, str(outcomes[0].message_ref), newer)).kind == "sent"
    assert rendered == [alert, alert, newer]


async def test_timeout_and_connection_errors_are_retried(fake: FakeSlackAPI,
                                                         session: aiohttp.ClientSession | None) -> None:
    fake.fail_next("chat.postMessage", error="timeout", delay=3)  # the client's timeout holds on a pooled session
    assert await sender_for(fake, timeout=0.3, session=session).send(TO, view()) == Outcome.retry("timeout")
    closed = SlackSender(AsyncWebClient(token="xoxb-test", base_url="http://127.0.0.1:9/api/", retry_handlers=[],
                                        session=session))
    outcome = await closed.send(TO, view())
    assert outcome.kind == "retry" and outcome.error.startswith("connection:")


@pytest.mark.parametrize("error", ["invalid_blocks", "msg_too_long"])
async def test_refused_blocks_are_resent_once_as_plain_text(fake: FakeSlackAPI, error: str) -> None:
    fake.fail_next("chat.postMessage", error=error)
    outcome = await sender_for(fake).send(TO, view("الناتو <!channel>"))
    (post,) = fake.posts
    assert outcome == Outcome.sent(post.ts)
    assert post.blocks is None and "الناتو &lt;!channel&gt;" in post.text and "https://wire.example/1" in post.text

    fake.fail_next("chat.postMessage", error=error, count=2)
    assert (await sender_for(fake).send(TO, view())).kind == "failed"
    assert len(fake.posts) == 1 and [m for m, _ in fake.calls].count("chat.postMessage") == 4


async def test_auth_problem_is_logged_once_and_cleared_by_a_success(fake: FakeSlackAPI) -> None:
    sender = sender_for(fake)
    fake.fail_next("chat.postMessage", error="invalid_auth", count=3)
    with structlog.testing.capture_logs() as logs:
        for _ in range(3):
            assert (await sender.send(TO, view())).kind == "retry"
    assert [e["event"] for e in logs if e["log_level"] == "error"] == ["slack_auth_failed"]
    assert sender.auth_problem == "invalid_auth"
    assert (await sender.send(TO, view())).kind == "sent"
    assert sender.auth_problem is None


async def test_edit_re_renders_and_maps_its_own_errors(fake: FakeSlackAPI) -> None:
    sender = sender_for(fake)
    sent = await sender.send(TO, view())
    assert sent.message_ref
    edited = await sender.edit(TO, sent.message_ref, view(title="الناتو يعقد قمة طارئة"))
    assert edited == Outcome.sent(sent.message_ref)
    (update,) = fake.updates
    assert validate_blocks(update.blocks) == [] and "طارئة" in update.blocks[1]["text"]["text"]

    assert await sender.edit(TO, "1.000000", view()) == Outcome.failed("message_not_found")
    fake.fail_next("chat.update", error="429", retry_after=3)
    assert await sender.edit(TO, sent.message_ref, view()) == Outcome.retry("ratelimited", after=3.0)
    fake.fail_next("chat.update", error="invalid_blocks")
    assert (await sender.edit(TO, sent.message_ref, view())).kind == "sent"
    assert fake.updates[-1].blocks == [] and fake.messages[("C1", sent.message_ref)]["blocks"] == []


def test_pacing_and_rate() -> None:
    sender = SlackSender(AsyncWebClient(token="x", base_url="http://127.0.0.1:9/api/"))
    assert sender.platform == "slack" and sender.global_rate == 20.0
    assert sender.pacing("channel") == sender.pacing("private") == sender.pacing("ops") == 1.0
