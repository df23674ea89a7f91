"""The pieces that make an alert cheap to send: group commit with a linger (bot/delivery/recorder.py),
idle back-off of the periodic jobs (bot/scheduler.py), one rendering per message
(bot/adapters/rendermemo.py), the Bot API answers read without PTB's objects
(bot/adapters/telegram/botapi.py) and Slack's without slack_sdk's (bot/adapters/slack/webapi.py)."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence

import pytest
from telegram.error import BadRequest, ChatMigrated, Conflict, Forbidden, InvalidToken, NetworkError, RetryAfter

from bot.adapters.rendermemo import RenderMemo
from bot.adapters.slack.sender import AUTH_RETRY_AFTER, MAX_RETRY_AFTER, _body, classify
from bot.adapters.slack.webapi import WebAnswer, WebApiRefused, dumps
from bot.adapters.telegram.botapi import refusal
from bot.adapters.telegram.sender import outcome_for, retry_seconds
from bot.delivery.ports import Outcome
from bot.delivery.recorder import OutcomeRecorder
from bot.scheduler import Jobs
from bot.storage.records import OutcomeWrite


class Writes:
    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    async def __call__(self, writes: Sequence[OutcomeWrite]) -> list[bool]:
        self.batches.append([w.chat_id for w in writes])
        return [True] * len(writes)


async def test_a_lone_outcome_is_committed_at_once() -> None:
    writes = Writes()
    recorder = OutcomeRecorder(writes, linger=30.0, busy=lambda: False)
    assert await asyncio.wait_for(recorder.record(OutcomeWrite(1, 7, "me")), timeout=5)
    assert writes.batches == [[7]]


async def test_outcomes_of_sends_under_way_share_one_commit() -> None:
    writes = Writes()
    under_way = {1, 2, 3}
    recorder = OutcomeRecorder(writes, linger=30.0, busy=lambda: bool(under_way))

    async def send(chat: int, delay: float) -> bool:
        await asyncio.sleep(delay)
        under_way.discard(chat)
        return await recorder.record(OutcomeWrite(chat, chat, "me"))

    results = await asyncio.wait_for(asyncio.gather(send(1, 0.0), send(2, 0.01), send(3, 0.02)), timeout=5)
    assert results == [True, True, True]
    assert writes.batches == [[1, 2, 3]]  # one transaction: the batch waited for the last one under way


async def test_the_linger_is_bounded_and_a_nudge_ends_it() -> None:
    writes = Writes()
    recorder = OutcomeRecorder(writes, linger=0.05, busy=lambda: True)  # a send that never reports
    assert await asyncio.wait_for(recorder.record(OutcomeWrite(1, 1, "me")), timeout=5)
    assert writes.batches == [[1]]

    stuck = {2}
    recorder = OutcomeRecorder(writes, linger=30.0, busy=lambda: bool(stuck))
    task = asyncio.ensure_future(recorder.record(OutcomeWrite(1, 1, "me")))
    await asyncio.sleep(0.02)
    assert not task.done()  # lingering for the send under way
    stuck.clear()
    recorder.nudge()  # that send ended without an outcome
    assert await asyncio.wait_for(task, timeout=5)


async def test_batches_are_cut_at_max_batch() -> None:
    writes = Writes()
    pending = set(range(5))
    recorder = OutcomeRecorder(writes, linger=30.0, max_batch=2, busy=lambda: bool(pending))

    async def send(chat: int) -> bool:
        pending.discard(chat)
        return await recorder.record(OutcomeWrite(chat, chat, "me"))

    await asyncio.wait_for(asyncio.gather(*(send(i) for i in range(5))), timeout=5)
    assert all(len(b) <= 2 for b in writes.batches) and sorted(sum(writes.batches, [])) == list(range(5))


async def test_an_idle_job_skips_ticks_until_idle_every_and_a_kick_runs_it_at_once() -> None:
    runs: list[int] = []
    found = [0]

    async def body() -> int:
        runs.append(found[0])
        return found[0]

    jobs = Jobs()
    job = jobs.every("probe", 3600.0, body, idle_every=3600.0)
    jobs.start()
    try:
        job.tick()
        await asyncio.sleep(0.01)
        assert runs == [0]  # ran, found nothing
        job.tick()
        job.tick()
        await asyncio.sleep(0.01)
        assert runs == [0]  # idle: ticks within idle_every are skipped
        found[0] = 3
        job.kick()
        await asyncio.sleep(0.01)
        assert runs == [0, 3]  # a kick always runs
        job.tick()
        await asyncio.sleep(0.01)
        assert runs == [0, 3, 3]  # the last run found work: the next tick runs
    finally:
        await jobs.stop()


def test_render_memo_renders_each_message_once() -> None:
    calls: list[object] = []

    def render(m: object) -> str:
        calls.append(m)
        return f"r{len(calls)}"

    memo: RenderMemo[object, str] = RenderMemo(render, size=2)
    a, b, c = object(), object(), object()
    assert memo(a) == memo(a) == "r1"
    assert memo(b) == "r2" and memo(c) == "r3"
    assert memo(a) == "r4"  # pushed out by b and c: rendered again
    assert calls == [a, b, c, a]


def _answer(code: int, description: str, **parameters: object) -> bytes:
    body: dict[str, object] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return json.dumps(body).encode()


@pytest.mark.parametrize(("code", "body", "kind"), [
    (429, _answer(429, "Too Many Requests: retry after 7", retry_after=7), RetryAfter),
    (400, _answer(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-1001234), ChatMigrated),
    (403, _answer(403, "Forbidden: bot was blocked by the user"), Forbidden),
    (400, _answer(400, "Bad Request: chat not found"), BadRequest),
    (401, _answer(401, "Unauthorized"), InvalidToken),
    (404, _answer(404, "Not Found"), InvalidToken),
    (409, _answer(409, "Conflict"), Conflict),
    (502, b"<html>Bad Gateway</html>", NetworkError),
    (500, _answer(500, "Internal Server Error"), NetworkError),
])
def test_refusals_are_ptbs_own_exceptions(code: int, body: bytes, kind: type[Exception]) -> None:
    exc = refusal(code, body)
    assert type(exc) is kind


def test_refusals_map_to_the_senders_outcomes() -> None:
    def describe(exc: Exception) -> str:
        return str(exc)

    retry = refusal(429, _answer(429, "Too Many Requests", retry_after=7))
    assert isinstance(retry, RetryAfter) and retry_seconds(retry) == 7.0
    assert outcome_for(retry, describe).kind == "retry"
    migrated = outcome_for(refusal(400, _answer(400, "upgraded", migrate_to_chat_id=-100555)), describe)
    assert migrated.migrate_to == "-100555"
    assert outcome_for(refusal(403, _answer(403, "Forbidden: bot was kicked")), describe).kind == "gone"
    assert outcome_for(refusal(400, _answer(400, "Bad Request: chat not found")), describe).kind == "gone"
    assert outcome_for(refusal(400, _answer(400, "Bad Request: message thread not found")), describe).kind == "failed"
    assert outcome_for(refusal(502, b"not json"), describe).kind == "retry"
    unchanged = outcome_for(refusal(400, _answer(400, "Bad Request: message is not modified")), describe,
                            editing=True, ref="42")
    assert unchanged.kind == "sent" and unchanged.message_ref == "42"


def test_a_slack_body_is_the_calls_fields_then_the_memoised_rendering() -> None:
    rendered = dumps({"text": "الناتو", "blocks": [{"type": "divider"}]})
    body = _body({"channel": "C1", "thread_ts": "1.5", "unfurl_links": False}, rendered)
    assert json.loads(body) == {"channel": "C1", "thread_ts": "1.5", "unfurl_links": False, "text": "الناتو",
                                "blocks": [{"type": "divider"}]}
    assert "الناتو".encode() in body  # UTF-8 as is, not \u escapes


@pytest.mark.parametrize(("status", "data", "headers", "expected"), [
    (429, {"ok": False, "error": "ratelimited"}, {"retry-after": "9"}, Outcome.retry("ratelimited", after=9.0)),
    (429, {}, {"Retry-After": "99999"}, Outcome.retry("ratelimited", after=MAX_RETRY_AFTER)),
    (200, {"ok": False, "error": "ratelimited"}, {}, Outcome.retry("ratelimited")),
    (502, {}, {}, Outcome.retry("http 502")),
    (200, {"ok": False, "error": "missing_scope"}, {}, Outcome.retry("missing_scope", after=AUTH_RETRY_AFTER)),
    (200, {"ok": False, "error": "not_in_channel"}, {}, Outcome.gone("not_in_channel")),
    (200, {"ok": False, "error": "msg_blocks_too_long"}, {}, None),
    (200, {"ok": False, "error": "request_timeout"}, {}, Outcome.retry("request_timeout")),
    (200, {}, {}, Outcome.failed("http 200")),  # a 200 that is not Slack's JSON
])
def test_slack_answers_map_to_the_outcomes_slack_sdks_did(status: int, data: dict[str, object],
                                                          headers: dict[str, str], expected: Outcome | None) -> None:
    refused = WebApiRefused(WebAnswer(status, data, headers))
    assert classify(refused.response) == expected


def test_slack_sdks_request_logger_has_a_level_of_its_own() -> None:
    """slack_sdk formats debug lines of every call when its logger's own level is unset (0 <= DEBUG)."""
    import subprocess
    import sys

    script = ("import logging; from bot.ops.logs import setup_logging; setup_logging('INFO'); "
              "print(logging.getLogger('slack_sdk.web').level)")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert int(out.stdout.strip()) == logging.WARNING
