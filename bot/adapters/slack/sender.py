"""The Sender port for Slack: chat.postMessage / chat.update, each answer mapped to one Outcome.

Alerts and edits go as JSON POSTs of their own (``webapi.py``), each message rendered and
serialised once however many channels it goes to; replies, notes and uploads through slack_sdk.
Both kinds of refusal carry the same answer fields, so ``classify`` maps them alike.

The durable outbox owns retries, so the Web API client here has no retry
handlers: a 429 comes back as ``retry(after=Retry-After)`` and the
dispatcher waits exactly that long on the channel (and keeps its order).
What the answer means for the *channel* decides the rest: the channel is
gone (deactivate it, keep its settings), the *message* is unacceptable
(resend once as plain text, then give up on it), or the *token* is wrong
(a deployment problem: keep the alerts, retry slowly, say so once in the log).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import aiohttp
import structlog
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.adapters.rendermemo import RenderMemo
from bot.adapters.slack.loudness import message_payload
from bot.adapters.slack.media import upload_spike
from bot.adapters.slack.render import plain_payload
from bot.adapters.slack.webapi import SlackWebApi, WebAnswer, WebApiRefused, dumps
from bot.alerts.spike import SpikeView
from bot.delivery.budget import ChannelPacer, SendBudget
from bot.delivery.ports import Address, Message, Outcome

__all__ = ["SlackSender", "classify", "webhook_outcome", "GONE", "AUTH", "PLAIN", "TRANSIENT", "EDIT_LOST", "UNFURL"]

log = structlog.get_logger(__name__)

# The channel will not take our messages until a person acts (invite, unarchive, change posting rights).
GONE = frozenset({
    "channel_not_found", "not_in_channel", "is_archived", "channel_is_archived", "team_access_not_granted",
    "restricted_action", "restricted_action_read_only_channel", "restricted_action_thread_only_channel",
    "restricted_action_non_threadable_channel",
})
# The token or the app's installation is wrong: true of every channel at once, fixed by an admin.
AUTH = frozenset({
    "invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired", "missing_scope",
    "not_allowed_token_type", "no_permission", "org_login_required", "ekm_access_denied",
})
# This message's content was refused: a plain-text copy may still go through.
PLAIN = frozenset({
    "invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "too_many_attachments",
    "invalid_attachments",
})
TRANSIENT = frozenset({
    "ratelimited", "rate_limited", "internal_error", "fatal_error", "service_unavailable", "request_timeout",
    "timeout",
})
EDIT_LOST = frozenset({"message_not_found", "cant_update_message", "edit_window_closed"})

GLOBAL_RATE = 20.0  # SLACK_GLOBAL_RATE: Slack publishes no workspace-wide number; this is ours

CHANNEL_INTERVAL = 1.0  # SLACK_CHANNEL_INTERVAL: Slack's ~1 message a second per channel
AUTH_RETRY_AFTER = 300.0
MAX_RETRY_AFTER = 3600.0
# No unfurls: the alert already shows title, summary and source; a preview card doubles every alert's
# height in a busy channel, shows whatever the publisher's page says (unvetted by our escaping, and
# possibly different from the feed), and outlives our edits. The title stays one click away.
UNFURL = False


def _retry_after(headers: Mapping[str, Any] | None) -> float | None:
    for key, value in (headers or {}).items():
        if key.lower() == "retry-after":
            value = value[0] if isinstance(value, (list, tuple)) and value else value
            try:
                return min(MAX_RETRY_AFTER, max(0.0, float(value)))
            except (TypeError, ValueError):
                return None
    return None


def classify(response: Any, *, edit: bool = False) -> Outcome | None:
    """A refused Web API call as an Outcome; None means "resend as plain text"."""
    status = int(getattr(response, "status_code", 0) or 0)
    data = getattr(response, "data", None)
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    if status == 429 or error in ("ratelimited", "rate_limited"):
        return Outcome.retry("ratelimited", after=_retry_after(getattr(response, "headers", None)))
    if status >= 500:
        return Outcome.retry(f"http {status}")
    if error in AUTH:
        return Outcome.retry(error, after=AUTH_RETRY_AFTER)
    if error in GONE:
        return Outcome.gone(error)
    if error in PLAIN:
        return None
    if error in TRANSIENT:
        return Outcome.retry(error)
    if edit and error in EDIT_LOST:
        return Outcome.failed(error)
    return Outcome.failed(error or f"http {status}")


def _rich_json(message: Message) -> bytes:
    text, blocks = message_payload(message)
    return dumps({"text": text, "blocks": blocks})


def _plain_json(message: Message) -> bytes:
    return dumps({"text": plain_payload(message)})


def _body(head: Mapping[str, Any], rendered: bytes) -> bytes:
    """One JSON object: the call's own fields (channel, ts, thread), then the memoised rendering's."""
    return dumps(head)[:-1] + b"," + rendered[1:]


def webhook_outcome(answer: Any) -> Outcome:
    """A response_url POST's answer (Bolt's ``respond``) as an Outcome: 429 and 5xx pass, others do not."""
    status = int(getattr(answer, "status_code", 0) or 0)
    if 200 <= status < 300:
        return Outcome.sent()
    if status == 429:
        return Outcome.retry("ratelimited", after=_retry_after(getattr(answer, "headers", None)))
    if status >= 500:
        return Outcome.retry(f"http {status}")
    return Outcome.failed(f"http {status}")


class SlackSender:
    """Sends alerts and notices to Slack channels; see the module docstring for the outcome rules."""

    platform = "slack"

    def __init__(self, client: AsyncWebClient, *, global_rate: float = GLOBAL_RATE,
                 channel_interval: float = CHANNEL_INTERVAL) -> None:
        self.client = client
        self.global_rate = global_rate  # messages/second to the workspace, every replica together
        self.budget = SendBudget(global_rate)  # alerts, replies, notes and edits alike
        # ~1/s per channel, shared by every path that posts into a channel (alerts, notes, threads).
        self.channels = ChannelPacer(channel_interval)
        self.auth_problem: str | None = None  # set while the token is refused (readiness shows it)
        self.api = SlackWebApi(client)  # alerts and edits: one JSON POST each on the client's session
        # A fan-out hands every channel the same message object: rendered and serialised once.
        self._rich = RenderMemo(_rich_json)
        self._plain = RenderMemo(_plain_json)

    def pacing(self, chat_kind: str) -> float:
        return self.channels.interval

    async def call(self, call: Callable[[], Awaitable[AsyncSlackResponse]]) -> Outcome:
        """One Web API call (a reply, a note) as an Outcome; a refused message is not resent here."""
        return await self._attempt(call) or Outcome.failed("slack refused the message")

    async def send(self, to: Address, message: Message) -> Outcome:
        await self.channels.turn(to.chat)  # a note or a reply may just have gone to this channel
        if isinstance(message, SpikeView):
            view = message
            outcome = await self._attempt(lambda: upload_spike(self.client, to.chat, view))
            return outcome or Outcome.failed("slack refused the chart upload")
        head: dict[str, Any] = {"channel": to.chat, "unfurl_links": UNFURL, "unfurl_media": UNFURL}
        if to.reply_to:
            head["thread_ts"] = to.reply_to  # a followed story's copy goes in the alert's thread
        outcome = await self._attempt(lambda: self.api.post("chat.postMessage", _body(head, self._rich(message))))
        if outcome is None:
            outcome = await self._attempt(lambda: self.api.post("chat.postMessage", _body(head, self._plain(message))))
        return outcome or Outcome.failed("slack refused the message, even as plain text")

    async def edit(self, to: Address, message_ref: str, message: Message) -> Outcome:
        await self.channels.turn(to.chat)
        head: dict[str, Any] = {"channel": to.chat, "ts": message_ref}
        outcome = await self._attempt(lambda: self.api.post("chat.update", _body(head, self._rich(message))), edit=True)
        if outcome is None:
            # blocks=[] drops the old blocks; without it Slack keeps them next to the new text.
            plain = {**head, "blocks": []}
            outcome = await self._attempt(lambda: self.api.post("chat.update", _body(plain, self._plain(message))),
                                          edit=True)
        return outcome or Outcome.failed("slack refused the edit, even as plain text")

    async def _attempt(self, call: Callable[[], Awaitable[AsyncSlackResponse | WebAnswer]], *, edit: bool = False
                       ) -> Outcome | None:
        try:
            response = await call()
        except (SlackApiError, WebApiRefused) as exc:
            outcome = classify(exc.response, edit=edit)
            self._note_failure(exc.response, outcome)
            return outcome
        except TimeoutError:
            return Outcome.retry("timeout")
        except (aiohttp.ClientError, OSError) as exc:
            return Outcome.retry(f"connection: {type(exc).__name__}")
        except SlackClientError as exc:  # a request we built wrong: retrying cannot help
            return Outcome.failed(f"client: {exc}")
        if self.auth_problem is not None:
            log.info("slack_auth_recovered")
            self.auth_problem = None
        return Outcome.sent(str(response.get("ts") or "") or None)

    def _note_failure(self, response: Any, outcome: Outcome | None) -> None:
        data = getattr(response, "data", None)
        data = data if isinstance(data, dict) else {}
        if outcome is None:
            log.warning("slack_message_refused", error=data.get("error"),
                        details=data.get("errors") or data.get("response_metadata"))
        elif outcome.error in AUTH:
            if self.auth_problem != outcome.error:  # once per kind of problem, not once per alert
                log.error("slack_auth_failed", error=outcome.error,
                          hint="check SLACK_BOT_TOKEN, the app's scopes and that it is still installed")
            self.auth_problem = outcome.error
