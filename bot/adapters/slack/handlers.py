"""Slack's two entry points — the slash command and the topic buttons — onto the shared command core.

Nothing here decides anything about settings: ``CommandService`` does. This
module builds the ``Context`` (who, where, may they manage it), meets
Slack's 3-second acknowledgement rule (answer in the ack when the command is
quick, else "working on it" and the answer via ``response_url``), renders the
``Reply`` and, when settings changed, tells the channel who changed what.

Everything sent after the ack (``respond``, notes, thread replies) goes through the
``ReplyCourier``: first in line for the Slack send budget, a channel post paced with
the channel's other sends, a 429 waited out up to NEWSBOT_REPLY_GIVE_UP.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, TypeVar

import aiohttp
import structlog
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from bot.adapters.slack.access import SlackAccess
from bot.adapters.slack.alert_blocks import ACTION_PREFIX, ASSIGN_BLOCK_PREFIX
from bot.adapters.slack.files import SlackFiles, file_ref
from bot.adapters.slack.render import from_slack, note_text, reply_payload
from bot.adapters.slack.sender import GONE, UNFURL, SlackSender, webhook_outcome
from bot.commands.reply import Line, Reply
from bot.commands.service import CommandService, Context
from bot.commands.texts import T
from bot.delivery.ports import Outcome
from bot.delivery.replies import ReplyCourier
from bot.domain.states import OutcomeKind

__all__ = ["SlackHandlers", "ACK_DEADLINE", "WORKING", "INVITE_HINT", "AUTH_ERROR"]

log = structlog.get_logger(__name__)

ACK_DEADLINE = 2.5  # Slack wants the ack within 3 s; what is not done by then is sent via response_url
# Sentences only the Slack adapter says (the command core's are in bot/commands/texts.py).
WORKING = "⏳ جارٍ التنفيذ…"
INVITE_HINT = ("ℹ️ لا أستطيع النشر في هذه القناة بعد، فلن تصلها التنبيهات. "
               "أضِف التطبيق إليها بالأمر ‎/invite‎ ثم أعد المحاولة.")
UPLOAD_FAILED = "تعذّر رفع الملف إلى هذه القناة. تأكد من أن التطبيق عضو فيها ثم أعد المحاولة."
AUTH_ERROR = "تعذّر على التطبيق التحقق من صلاحياته في Slack الآن. أعد المحاولة بعد قليل."
_NOT_A_NAME = {"directmessage", "privategroup", "mpdm"}

R = TypeVar("R")


class SlackHandlers:
    def __init__(self, commands: CommandService, access: SlackAccess, client: AsyncWebClient, *,
                 sender: SlackSender, replies: ReplyCourier, ack_deadline: float = ACK_DEADLINE,
                 files: SlackFiles | None = None) -> None:
        self.commands = commands
        self.files = files  # /import F… or a file's permalink
        self.access = access
        self.client = client
        self.sender = sender
        self.replies = replies
        self.ack_deadline = ack_deadline
        self._tasks: set[asyncio.Task[Any]] = set()

    def register(self, app: AsyncApp) -> None:
        # Any slash command routed to this app is ours, whatever the admin named it in the manifest.
        app.command(re.compile(r"^/"))(self.on_command)
        app.action(re.compile(r"^(toggle|sub|watch|start|import|import-cancel):"))(self.on_toggle)
        app.action(re.compile(r"^work:"))(self.on_work)

    # ------------------------------------------------------------ entry points
    async def on_command(self, ack: Callable[..., Awaitable[Any]], command: dict[str, Any],
                         respond: Callable[..., Awaitable[Any]]) -> None:
        name = str(command.get("command") or "/newsbot")
        acked = False
        try:
            user, channel = str(command.get("user_id") or ""), str(command.get("channel_id") or "")
            if not user or not channel:
                raise ValueError("slash command without user_id or channel_id")
            text = from_slack(str(command.get("text") or "")).strip() or "help"
            ctx_args = (user, channel, command.get("channel_name"), command.get("user_name"))

            async def run() -> tuple[Context, Reply]:
                ctx = await self._context(*ctx_args)
                ref = file_ref(text) if self.files is not None else None
                if ref is not None and self.files is not None:
                    ctx.attachment = self.files.fetcher(ref)
                reply = await self.commands.handle(ctx, text, slash_optional=True)
                return ctx, reply or await self.commands.handle(ctx, "help", slash_optional=True) or Reply()

            work = self._spawn(run())
            try:
                ctx, reply = await asyncio.wait_for(asyncio.shield(work), self.ack_deadline)
            except TimeoutError:
                await ack({"response_type": "ephemeral", "text": WORKING})
                acked = True
                ctx, reply = await work
                await self._respond(respond, {"response_type": "ephemeral", **reply_payload(reply, command=name)},
                                    chat=channel)
            else:
                await ack({"response_type": "ephemeral", **reply_payload(reply, command=name)})
                acked = True
            if reply.document is not None:
                await self._upload(ctx, reply, respond)
            if reply.changed and reply.note:
                await self._announce(ctx, reply.note, respond, command=name)
        except Exception as exc:  # noqa: BLE001 - a handler error is logged, answered, and the process goes on
            log.error("slack_command_failed", error=repr(exc), exc_info=True)
            await self._say_sorry(ack if not acked else None, respond)

    async def on_toggle(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any],
                        respond: Callable[..., Awaitable[Any]]) -> None:
        await ack()
        try:
            action = str((body.get("actions") or [{}])[0].get("action_id") or "")
            channel = str((body.get("channel") or {}).get("id") or (body.get("container") or {}).get("channel_id")
                          or "")
            user = body.get("user") or {}
            if not channel or not user.get("id"):
                raise ValueError("button click without a user or a channel")
            ctx = await self._context(str(user.get("id") or ""), channel, (body.get("channel") or {}).get("name"),
                                      user.get("username") or user.get("name"))
            reply = await self._spawn(self.commands.action(ctx, action))
            payload = reply_payload(reply)
            # A toggle redraws the buttons it is on; a refusal keeps them and says why next to them.
            await self._respond(respond, {"response_type": "ephemeral",
                                          "replace_original": reply.edit and not reply.error, **payload},
                                chat=channel)
            if reply.error:
                return
            if reply.changed and reply.note:
                await self._announce(ctx, reply.note, respond)
        except Exception as exc:  # noqa: BLE001
            log.error("slack_action_failed", error=repr(exc), exc_info=True)
            await self._say_sorry(None, respond)

    async def on_work(self, ack: Callable[..., Awaitable[Any]], body: dict[str, Any],
                      respond: Callable[..., Awaitable[Any]]) -> None:
        """A button (or the user picker) on an alert; the core checks the signed token against this message."""
        await ack()
        try:
            action = (body.get("actions") or [{}])[0]
            container = body.get("container") or {}
            channel = str((body.get("channel") or {}).get("id") or container.get("channel_id") or "")
            user = body.get("user") or {}
            if not channel or not user.get("id"):
                raise ValueError("alert button without a user or a channel")
            ts = str(container.get("message_ts") or (body.get("message") or {}).get("ts") or "") or None
            ctx = await self._context(str(user["id"]), channel, (body.get("channel") or {}).get("name"),
                                      user.get("username") or user.get("name"))
            assignee = None
            if action.get("action_id") == f"{ACTION_PREFIX}assign":
                token = str(action.get("block_id") or "").removeprefix(ASSIGN_BLOCK_PREFIX)
                assignee = str(action.get("selected_user") or "")
                if not assignee or await self.access.is_member(assignee, channel) is False:
                    await self._respond(respond, {"response_type": "ephemeral", "replace_original": False,
                                                  "text": T.ASSIGN_NOT_MEMBER}, chat=channel)
                    return
            else:
                token = str(action.get("value") or "")
            reply = await self._spawn(self.commands.alert_button(ctx, token, ts, assignee=assignee))
            await self._respond(respond, {"response_type": "ephemeral", "replace_original": False,
                                          **reply_payload(reply)}, chat=channel)
            if assignee is not None and reply.changed and ts:  # the assignee is mentioned once, in the thread
                await self._post(channel, thread_ts=ts, **reply_payload(reply))
        except Exception as exc:  # noqa: BLE001
            log.error("slack_work_failed", error=repr(exc), exc_info=True)
            await self._say_sorry(None, respond)

    # ------------------------------------------------------------ helpers
    async def _context(self, user_id: str, channel_id: str, channel_name: Any, user_name: Any) -> Context:
        """The command core's view of a Slack request (DMs become the user's own DM with the bot)."""
        if channel_id.startswith("D"):
            chat_id, kind = await self.access.personal_channel(user_id, channel_id), "private"
        else:
            chat_id, kind = channel_id, "channel"
        title = str(channel_name) if channel_name and str(channel_name) not in _NOT_A_NAME else None

        async def can_manage(target: str) -> bool:
            return await self.access.can_manage(user_id, target)

        return Context(platform="slack", chat_id=chat_id, chat_kind=kind, user_id=user_id, chat_title=title,
                       user_name=str(user_name) if user_name else None, can_manage=can_manage,
                       managers="members" if self.access.policy == "members" else "workspace_admins")

    async def _upload(self, ctx: Context, reply: Reply, respond: Callable[..., Awaitable[Any]]) -> None:
        """The file a reply carries (/export), uploaded into the channel or DM it was asked from.

        A reply like the others: paced with the channel's posts (sharing the file posts into it),
        first in line for the budget, a 429 waited out up to NEWSBOT_REPLY_GIVE_UP.
        """
        doc = reply.document
        assert doc is not None
        channel = ctx.chat_id
        try:
            outcome = await self.replies.deliver(
                lambda: self.sender.call(lambda: self.client.files_upload_v2(
                    channel=channel, content=doc.content, filename=doc.filename, title=doc.filename)),
                chat=channel, pace=lambda: self.sender.channels.turn(channel))
        except Exception as exc:  # noqa: BLE001 - the reply is sent; only the file is missing, and we say so
            outcome = Outcome.failed(repr(exc))
        if outcome.kind is not OutcomeKind.SENT:
            log.warning("slack_upload_failed", channel=channel, error=outcome.error)
            await self._respond(respond, {"response_type": "ephemeral", "replace_original": False,
                                          "text": UPLOAD_FAILED}, chat=channel)

    async def _announce(self, ctx: Context, note: Line, respond: Callable[..., Awaitable[Any]], *,
                        command: str = "/newsbot") -> None:
        """A visible note in the channel naming who changed its settings (not in a DM: nobody else reads it)."""
        if ctx.chat_kind == "private":
            return
        try:
            outcome = await self._post(ctx.chat_id, text=note_text(ctx.user_id, note, command=command))
        except Exception as exc:  # noqa: BLE001 - the settings are saved; only the note is lost
            log.warning("slack_note_failed", channel=ctx.chat_id, error=repr(exc))
            return
        if outcome.kind is not OutcomeKind.SENT:
            log.info("slack_note_failed", channel=ctx.chat_id, error=outcome.error)
        if outcome.kind is OutcomeKind.GONE and outcome.error in GONE:  # alerts will hit the same wall: say so
            await self._respond(respond, {"response_type": "ephemeral", "replace_original": False,
                                          "text": INVITE_HINT}, chat=ctx.chat_id)

    async def _respond(self, respond: Callable[..., Awaitable[Any]], payload: dict[str, Any], *,
                       chat: str) -> Outcome:
        """A reply via ``response_url``, through the send budget (a 429 waited out, bounded)."""
        async def attempt() -> Outcome:
            try:
                return webhook_outcome(await respond(payload))
            except (aiohttp.ClientError, OSError, TimeoutError) as exc:
                return Outcome.retry(f"connection: {type(exc).__name__}")

        return await self.replies.deliver(attempt, chat=chat)

    async def _post(self, channel: str, **params: Any) -> Outcome:
        """A message into a channel (a note, a thread reply): paced with the channel's alerts, through the budget."""
        return await self.replies.deliver(
            lambda: self.sender.call(lambda: self.client.chat_postMessage(
                channel=channel, unfurl_links=UNFURL, unfurl_media=UNFURL, **params)),
            chat=channel, pace=lambda: self.sender.channels.turn(channel))

    async def _say_sorry(self, ack: Callable[..., Awaitable[Any]] | None,
                         respond: Callable[..., Awaitable[Any]]) -> None:
        body = {"response_type": "ephemeral", "replace_original": False, "text": T.INTERNAL}
        try:
            if ack is not None:
                await ack({"response_type": "ephemeral", "text": T.INTERNAL})
            else:
                await self._respond(respond, body, chat="")
        except Exception as exc:  # noqa: BLE001 - nothing more can be said to the user
            log.warning("slack_reply_failed", error=repr(exc))

    def _spawn(self, coro: Coroutine[Any, Any, R]) -> asyncio.Task[R]:
        """Run command work as a task we track, so a shutdown can let it finish before the database closes."""
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def drain(self, timeout: float = 5.0) -> None:
        """Let running commands finish (up to ``timeout``), then cancel what is left."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
        for task in pending:
            task.cancel()
        if pending:
            log.warning("slack_commands_cancelled", count=len(pending))
