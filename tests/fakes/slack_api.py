"""A faithful in-process fake of the Slack Web API, Socket Mode and response_url.

Point the real clients at it: ``AsyncWebClient(token, base_url=fake.base_url)``.
It listens on 127.0.0.1 only; nothing here ever talks to slack.com.

Rate limits (``flood=SLACK_LIMITS`` or ``set_flood_limits``; off by default): chat.postMessage,
chat.postEphemeral, chat.update and the sharing of an uploaded file (files.completeUploadExternal) count ~1 a second per channel (a burst of 3 passes) and a
workspace-wide window (20 in any second unless changed); beyond either the call is answered
HTTP 429 ``ratelimited`` with a ``Retry-After`` header, and kept in ``flood.refusals``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import WSMsgType, web

from tests.fakes.flood import SLACK_LIMITS, FloodGate, FloodLimits

__all__ = ["FakeSlackAPI", "Post", "block_action_body", "block_action_payload",
           "sign_request", "slash_command_body", "validate_blocks"]

Json = dict[str, Any]
JSON_FIELDS = ("blocks", "attachments", "metadata", "files")  # form-encoded as JSON strings
DEAD_RESPONSE_URL = "http://127.0.0.1:9/response/unset"  # loopback, nothing listens
SCOPES = "chat:write,commands,users:read,channels:read,groups:read,files:write,files:read"
# What the rate limits count: messages, and the step of files.uploadV2 that shares a file into a channel
# (it posts the file there, with its comment, as a message).
_FLOOD_METHODS = {"chat.postMessage", "chat.postEphemeral", "chat.update", "files.completeUploadExternal"}


@dataclass
class Post:
    """One recorded chat.postMessage / chat.update / chat.postEphemeral."""

    method: str
    channel: str
    text: str | None
    blocks: list[Json] | None
    thread_ts: str | None
    ts: str
    time: float = field(default_factory=time.monotonic)
    unfurl_links: bool | None = None
    unfurl_media: bool | None = None
    raw: Json = field(default_factory=dict)  # params as sent (token removed)
    user: str | None = None  # chat.postEphemeral only


@dataclass
class Upload:
    """One file shared with the files.uploadV2 flow (getUploadURLExternal, POST, completeUploadExternal)."""

    channel: str
    file_id: str
    filename: str
    title: str | None
    data: bytes
    initial_comment: str | None
    thread_ts: str | None
    alt_txt: str | None = None


@dataclass
class _Failure:
    method: str | None  # None = every Web API method
    error: str
    channel: str | None = None
    count: int | None = 1  # None = sustained outage
    retry_after: int = 1
    delay: float = 5.0

    def matches(self, method: str, channel: str | None) -> bool:
        any_api = self.method is None and method != "response_url"
        return (any_api or self.method == method) and self.channel in (None, channel)


# ------------------------------------------------------------------ Block Kit


class _BlockValidator:
    """Slack's documented Block Kit limits for messages; errors look like Slack's."""

    ELEMENTS = set(
        "button image overflow datepicker timepicker datetimepicker static_select external_select"
        " users_select conversations_select channels_select multi_static_select checkboxes"
        " multi_external_select multi_users_select multi_conversations_select radio_buttons"
        " multi_channels_select workflow_button".split())

    def __init__(self) -> None:
        self.errors: list[str] = []
        self.block_ids: set[str] = set()
        self.action_ids: set[str] = set()

    def err(self, msg: str, ptr: str) -> None:
        self.errors.append(f"{msg} [json-pointer:{ptr}]")

    def length(self, value: Any, ptr: str, max_len: int, min_len: int = 0) -> None:
        if not isinstance(value, str):
            self.err("must be a string", ptr)
        elif len(value) > max_len:
            self.err(f"must be less than {max_len + 1} characters", ptr)
        elif len(value) < min_len:
            self.err(f"must be more than {min_len - 1} characters", ptr)

    def required(self, obj: Json, key: str, ptr: str) -> bool:
        if key not in obj:
            self.err(f"missing required field: {key}", ptr)
        return key in obj

    def text(self, obj: Any, ptr: str, max_len: int = 3000, plain: bool = False) -> None:
        if not isinstance(obj, dict):
            self.err("must be an object", ptr)
            return
        kinds = ("plain_text",) if plain else ("plain_text", "mrkdwn")
        if obj.get("type") not in kinds:
            self.err(f"must be one of {'|'.join(kinds)}", ptr + "/type")
        self.length(obj.get("text"), ptr + "/text", max_len, min_len=1)

    def unique(self, value: Any, seen: set[str], what: str, ptr: str) -> None:
        if value is None:
            return
        self.length(value, ptr, 255, min_len=1)
        if isinstance(value, str) and value in seen:
            self.err(f"{what} already exists: {value}", ptr)
        if isinstance(value, str):
            seen.add(value)

    def items(self, value: Any, ptr: str, max_items: int) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.err("must be a non-empty array", ptr)
            return []
        if len(value) > max_items:
            self.err(f"no more than {max_items} items allowed", ptr)
        return value

    def image(self, el: Json, ptr: str) -> None:
        if "slack_file" not in el and self.required(el, "image_url", ptr):
            self.length(el["image_url"], ptr + "/image_url", 3000, min_len=1)
        if self.required(el, "alt_text", ptr):
            self.length(el["alt_text"], ptr + "/alt_text", 2000, min_len=1)

    def element(self, el: Any, ptr: str) -> None:
        if not isinstance(el, dict):
            self.err("must be an object", ptr)
            return
        kind = el.get("type")
        if kind not in self.ELEMENTS:
            self.err(f"unsupported type: {kind}", ptr + "/type")
            return
        if kind == "image":
            self.image(el, ptr)
            return
        self.unique(el.get("action_id"), self.action_ids, "action_id", ptr + "/action_id")
        if kind != "button":
            return
        if self.required(el, "text", ptr):
            self.text(el["text"], ptr + "/text", 75, plain=True)
        if "value" in el:
            self.length(el["value"], ptr + "/value", 2000)
        if "url" in el:
            self.length(el["url"], ptr + "/url", 3000)
        if el.get("style", "primary") not in ("primary", "danger"):
            self.err("must be one of primary|danger", ptr + "/style")

    def block(self, b: Any, ptr: str) -> None:
        if not isinstance(b, dict):
            self.err("must be an object", ptr)
            return
        self.unique(b.get("block_id"), self.block_ids, "block_id", ptr + "/block_id")
        kind = b.get("type")
        if kind == "header":
            if self.required(b, "text", ptr):
                self.text(b["text"], ptr + "/text", 150, plain=True)
        elif kind == "section":
            if "text" not in b and "fields" not in b:
                self.err("must provide either text or fields", ptr)
            if "text" in b:
                self.text(b["text"], ptr + "/text", 3000)
            fields = self.items(b["fields"], ptr + "/fields", 10) if "fields" in b else []
            for i, f in enumerate(fields):
                self.text(f, f"{ptr}/fields/{i}", 2000)
            if "accessory" in b:
                self.element(b["accessory"], ptr + "/accessory")
        elif kind == "context":
            for i, el in enumerate(self.items(b.get("elements"), ptr + "/elements", 10)):
                if isinstance(el, dict) and el.get("type") == "image":
                    self.image(el, f"{ptr}/elements/{i}")
                else:
                    self.text(el, f"{ptr}/elements/{i}")
        elif kind == "actions":
            for i, el in enumerate(self.items(b.get("elements"), ptr + "/elements", 25)):
                if isinstance(el, dict) and el.get("type") == "image":
                    self.err("unsupported type: image", f"{ptr}/elements/{i}/type")
                else:
                    self.element(el, f"{ptr}/elements/{i}")
        elif kind == "divider":
            if set(b) - {"type", "block_id"}:
                self.err(f"unexpected fields: {sorted(set(b) - {'type', 'block_id'})}", ptr)
        elif kind == "image":
            self.image(b, ptr)
        elif kind == "markdown":
            self.length(b.get("text"), ptr + "/text", 12000, min_len=1)
        elif kind not in ("rich_text", "video", "file", "table"):
            self.err(f"unsupported type: {kind}", ptr + "/type")


def validate_blocks(blocks: Any) -> list[str]:
    """Slack-style problems with message ``blocks`` (no ``[ERROR]`` prefix); [] if valid."""
    v = _BlockValidator()
    if not isinstance(blocks, list):
        v.err("must be an array", "/blocks")
        return v.errors
    if len(blocks) > 50:
        v.err("no more than 50 items allowed", "/blocks")
    for i, b in enumerate(blocks):
        v.block(b, f"/blocks/{i}")
    return v.errors


# ------------------------------------------------------------------ request helpers


def sign_request(body: bytes, signing_secret: str, timestamp: int | None = None) -> dict[str, str]:
    """Slack's request-signing headers: ``v0=`` HMAC-SHA256 of ``v0:{timestamp}:{body}``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(signing_secret.encode(), f"v0:{ts}:".encode() + body, hashlib.sha256)
    return {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": f"v0={digest.hexdigest()}"}


def slash_command_body(
    command: str = "/newsbot", text: str = "help", user_id: str = "U1", channel_id: str = "C1",
    team_id: str = "T0001", response_url: str = DEAD_RESPONSE_URL,
    trigger_id: str = "1111.2222.abcd", *, user_name: str = "user", channel_name: str = "general",
) -> bytes:
    """A slash-command request body, form-encoded exactly as Slack sends it."""
    return urlencode({
        "token": "verification-token", "team_id": team_id, "team_domain": "fake",
        "channel_id": channel_id, "channel_name": channel_name, "user_id": user_id,
        "user_name": user_name, "command": command, "text": text, "api_app_id": "A0001",
        "is_enterprise_install": "false", "response_url": response_url, "trigger_id": trigger_id,
    }).encode()


def block_action_payload(
    action_id: str = "button", value: str | None = "v", user_id: str = "U1",
    channel_id: str = "C1", team_id: str = "T0001", response_url: str = DEAD_RESPONSE_URL,
    trigger_id: str = "1111.2222.abcd", *, block_id: str = "b1",
    message_ts: str = "1700000000.000100", button_text: str = "Click",
    selected_user: str | None = None, user_name: str = "user",
) -> Json:
    """A ``block_actions`` interaction payload for one button click (or, with ``selected_user``, one
    choice in a ``users_select`` picker, which carries no value)."""
    action: Json = {"action_id": action_id, "block_id": block_id, "type": "button",
                    "text": {"type": "plain_text", "text": button_text, "emoji": True},
                    "action_ts": f"{time.time():.6f}"}
    if selected_user is not None:
        action = {"action_id": action_id, "block_id": block_id, "type": "users_select",
                  "selected_user": selected_user, "action_ts": action["action_ts"]}
    elif value is not None:
        action["value"] = value
    return {
        "type": "block_actions", "api_app_id": "A0001", "token": "verification-token",
        "user": {"id": user_id, "username": user_name, "name": user_name, "team_id": team_id},
        "container": {"type": "message", "message_ts": message_ts, "channel_id": channel_id,
                      "is_ephemeral": False},
        "trigger_id": trigger_id, "team": {"id": team_id, "domain": "fake"}, "enterprise": None,
        "is_enterprise_install": False, "channel": {"id": channel_id, "name": "general"},
        "message": {"type": "message", "ts": message_ts, "user": "U0BOT", "bot_id": "B0001",
                    "text": "", "blocks": []},
        "state": {"values": {}}, "response_url": response_url, "actions": [action],
    }


def block_action_body(**kwargs: Any) -> bytes:
    """A button-click request body: form field ``payload`` = JSON of block_action_payload()."""
    return urlencode({"payload": json.dumps(block_action_payload(**kwargs))}).encode()


def _as_bool(value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    return str(value).lower() in ("1", "true")


def _fail(error: str, **extra: Any) -> Json:
    return {"ok": False, "error": error, **extra}


# ------------------------------------------------------------------ the fake


class FakeSlackAPI:
    """Fake Slack Web API + Socket Mode + response_url server on 127.0.0.1."""

    def __init__(self, bot_token: str = "xoxb-test", app_token: str = "xapp-test", *,
                 team_id: str = "T0001", bot_user_id: str = "U0BOT", bot_id: str = "B0001",
                 app_id: str = "A0001", flood: FloodLimits | None = None) -> None:
        # Slack's rate limits (tests/fakes/flood.py): off unless asked for; set_flood_limits switches.
        self.flood = FloodGate(flood or FloodLimits(enabled=False))
        self.bot_token, self.app_token, self.team_id = bot_token, app_token, team_id
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.channels: dict[str, Json] = {}
        self.users: dict[str, Json] = {}
        self.messages: dict[tuple[str, str], Json] = {}  # (channel, ts) -> message
        self.posts: list[Post] = []
        self.updates: list[Post] = []
        self.ephemerals: list[Post] = []
        self.uploads: list[Upload] = []  # completed and shared
        self._pending_files: dict[str, Json] = {}  # file id -> {"filename", "length", "alt_txt", "data"}
        self.shared: dict[str, tuple[str, bytes, str]] = {}  # files people shared: id -> (name, bytes, user)
        self._shared_urls: dict[str, str] = {}
        self.downloads: list[tuple[str, str]] = []  # (file id, Authorization header) of each download
        self.calls: list[tuple[str, Json]] = []
        self.responses: defaultdict[str, list[Json]] = defaultdict(list)
        self.socket_acks: list[Json] = []
        self.socket_connections = 0
        self._failures: list[_Failure] = []
        self._outage: _Failure | None = None
        self._ts = 1_700_000_000_000_000  # microseconds
        self._tickets: set[str] = set()
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._port = 0
        self._stopping = asyncio.Event()
        self.add_user(bot_user_id, "newsbot", is_bot=True)

    # ---- lifecycle & URLs

    async def start(self) -> None:
        """Serve on 127.0.0.1, ephemeral port."""
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._handle_api)
        app.router.add_get("/socket", self._handle_socket)
        app.router.add_post("/response/{name}", self._handle_response_url)
        app.router.add_post("/upload/{file_id}", self._handle_upload)
        app.router.add_get("/files-pri/{file_id}/{name}", self._handle_download)
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Release held ("timeout") requests, close websockets, shut down."""
        self._stopping.set()
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeSlackAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._port}"

    @property
    def base_url(self) -> str:
        """Web API base URL for ``AsyncWebClient(base_url=...)``; ends with ``/api/``."""
        return f"{self.url}/api/"

    def response_url(self, name: str = "default") -> str:
        """A response_url whose JSON POSTs are recorded in ``responses[name]``."""
        return f"{self.url}/response/{name}"

    # ---- registry & queries

    def add_channel(self, id: str, name: str, is_private: bool = False, is_archived: bool = False,
                    members: list[str] | None = None, *, bot_member: bool = True) -> Json:
        """Register a channel; the bot is in it iff ``bot_member`` or U0BOT is in ``members``."""
        members = list(members or [])
        if bot_member and self.bot_user_id not in members:
            members.append(self.bot_user_id)
        self.channels[id] = {"id": id, "name": name, "is_private": is_private,
                             "is_archived": is_archived, "members": members}
        return self.channels[id]

    def add_user(self, id: str, name: str, is_admin: bool = False, is_owner: bool = False, *,
                 is_primary_owner: bool = False, is_bot: bool = False, deleted: bool = False,
                 tz: str = "Asia/Riyadh") -> Json:
        """Register a user as users.info returns it (flags are taken literally)."""
        self.users[id] = {
            "id": id, "team_id": self.team_id, "name": name, "real_name": name, "deleted": deleted,
            "tz": tz, "is_admin": is_admin, "is_owner": is_owner, "is_bot": is_bot,
            "is_primary_owner": is_primary_owner, "is_restricted": False,
            "is_ultra_restricted": False, "is_app_user": False,
            "profile": {"real_name": name, "display_name": name, "team": self.team_id}}
        return self.users[id]

    def posts_to(self, channel: str) -> list[Post]:
        """Successful chat.postMessage posts to one channel id."""
        return [p for p in self.posts if p.channel == channel]

    # ---- rate limits

    def set_flood_limits(self, limits: FloodLimits | None) -> None:
        """Enforce these limits from now on (None: Slack's, SLACK_LIMITS; enabled=False: none)."""
        self.flood.reset(limits or SLACK_LIMITS)

    @property
    def flood_refusals(self) -> int:
        """How many calls the rate limits answered 429."""
        return len(self.flood.refusals)

    # ---- failure injection

    def fail_next(self, method: str, *, error: str, channel: str | None = None, count: int = 1,
                  retry_after: int = 1, delay: float = 5.0) -> None:
        """Fail the next ``count`` calls matching method (+channel).

        ``error``: "429" (Retry-After), "500", "503", "timeout" (holds the request ``delay``
        seconds, then answers without processing it) or a Slack error answered as HTTP 200.
        ``method`` may be "response_url" too.
        """
        self._failures.append(_Failure(method, error, channel, count, retry_after, delay))

    def set_outage(self, method: str | None, error: str, *, retry_after: int = 1,
                   delay: float = 5.0) -> None:
        """Fail every call to ``method`` (None = every Web API method) until clear_outage()."""
        self._outage = _Failure(method, error, None, None, retry_after, delay)

    def clear_outage(self) -> None:
        self._outage = None

    def _take_failure(self, method: str, channel: str | None) -> _Failure | None:
        if self._outage is not None and self._outage.matches(method, channel):
            return self._outage
        for f in self._failures:
            if f.matches(method, channel):
                f.count = (f.count or 1) - 1
                if f.count <= 0:
                    self._failures.remove(f)
                return f
        return None

    async def _failure_response(self, f: _Failure) -> web.Response:
        if f.error == "429":
            return web.json_response(_fail("ratelimited"), status=429,
                                     headers={"Retry-After": str(f.retry_after)})
        if f.error in ("500", "503"):  # Slack's edge answers these with HTML, not JSON
            return web.Response(status=int(f.error), content_type="text/html",
                                text=f"<html><body><h1>{f.error}</h1></body></html>")
        if f.error == "timeout":
            try:
                await asyncio.wait_for(self._stopping.wait(), f.delay)
            except asyncio.TimeoutError:
                pass
            return web.json_response(_fail("request_timeout"))
        return web.json_response(_fail(f.error))

    # ---- HTTP handlers

    async def _read_params(self, request: web.Request) -> Json:
        params: Json = dict(request.query)
        if request.method == "POST" and request.can_read_body:
            if request.content_type == "application/json":
                body = await request.json()
                params.update(body if isinstance(body, dict) else {})
            else:
                form = await request.post()
                params.update({k: v for k, v in form.items() if isinstance(v, str)})
        return params

    def _auth_error(self, method: str, request: web.Request, raw: Json) -> str | None:
        header = request.headers.get("Authorization", "")
        body_token = raw.pop("token", None)
        token = header[7:].strip() if header.startswith("Bearer ") else body_token
        wanted = self.app_token if method == "apps.connections.open" else self.bot_token
        if not token:
            return "not_authed"
        if token == wanted:
            return None
        known = token in (self.app_token, self.bot_token)
        return "not_allowed_token_type" if known else "invalid_auth"

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        raw = await self._read_params(request)
        auth_error = self._auth_error(method, request, raw)
        params = dict(raw)
        for key in JSON_FIELDS:
            if isinstance(params.get(key), str):
                try:
                    params[key] = json.loads(params[key])
                except ValueError:
                    pass  # left as str; chat.* answers invalid_<key>_format
        self.calls.append((method, params))
        failure = self._take_failure(method, params.get("channel"))
        if failure is not None:
            return await self._failure_response(failure)
        if auth_error is not None:
            return web.json_response(_fail(auth_error))
        handler: Callable[[Json, Json], Json] | None = getattr(
            self, "_m_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response(_fail("unknown_method", req_method=method), status=404)
        channel = self._flood_key(method, params)
        if channel is not None:
            refusal = self.flood.check(method, channel, private=True)
            if refusal is not None:
                return web.json_response(_fail("ratelimited"), status=429,
                                         headers={"Retry-After": str(refusal.retry_after)})
        answer = handler(params, raw)
        if channel is not None and answer.get("ok"):
            self.flood.passed(channel, private=True)
        return web.json_response(answer, headers={"X-OAuth-Scopes": SCOPES})

    def _flood_key(self, method: str, params: Json) -> str | None:
        """The channel a call the rate limits count goes to (by id); None for the others."""
        if method not in _FLOOD_METHODS or not self.flood.limits.enabled:
            return None
        if method == "files.completeUploadExternal":
            return str(params.get("channel_id") or "") or None  # not shared anywhere: no message posted
        ch = self._channel(params.get("channel"))
        return str(ch["id"]) if ch is not None else str(params.get("channel") or "")

    async def _handle_response_url(self, request: web.Request) -> web.Response:
        failure = self._take_failure("response_url", None)
        if failure is not None:
            return await self._failure_response(failure)
        try:
            payload = await request.json()
        except ValueError:
            return web.Response(status=400, text="invalid_payload")
        self.responses[request.match_info["name"]].append(payload)
        return web.json_response({"ok": True})

    async def _handle_upload(self, request: web.Request) -> web.Response:
        """Step 2 of files.uploadV2: the bytes POSTed to the URL step 1 handed out."""
        pending = self._pending_files.get(request.match_info["file_id"])
        if pending is None:
            return web.Response(status=404, text="unknown upload")
        data = await request.read()
        if request.content_type.startswith("multipart/"):
            return web.Response(status=400, text="send the raw bytes")
        pending["data"] = data
        return web.Response(status=200, text=f"OK - {len(data)}")

    def share_file(self, user: str, filename: str, data: bytes, *, url: str | None = None) -> str:
        """A file a person shared in Slack; returns its id (``url``: where files.info says it lives)."""
        file_id = f"F{9_000_000 + len(self.shared) + 1:08d}"
        self.shared[file_id] = (filename, data, user)
        if url is not None:
            self._shared_urls[file_id] = url
        return file_id

    def permalink(self, file_id: str) -> str:
        name, _, user = self.shared[file_id]
        return f"https://{self.team_id.lower()}.slack.com/files/{user}/{file_id}/{name}"

    async def _handle_download(self, request: web.Request) -> web.Response:
        """url_private_download: the bytes, for the bot token only (as files.slack.com does)."""
        file_id = request.match_info["file_id"]
        header = request.headers.get("Authorization", "")
        self.downloads.append((file_id, header))
        if header != f"Bearer {self.bot_token}" or file_id not in self.shared:
            return web.Response(status=404 if header else 302, headers={} if header else {"Location": "/login"})
        return web.Response(body=self.shared[file_id][1], content_type="application/octet-stream")

    # ---- Web API methods: _m_<method with dots as underscores>(decoded params, raw params)

    def _m_files_info(self, params: Json, raw: Json) -> Json:
        file_id = str(params.get("file") or "")
        if file_id not in self.shared:
            return _fail("file_not_found")
        name, data, user = self.shared[file_id]
        url = self._shared_urls.get(file_id, f"{self.url}/files-pri/{file_id}/{name}")
        return {"ok": True, "file": {"id": file_id, "name": name, "title": name, "user": user, "size": len(data),
                                     "url_private": url, "url_private_download": url,
                                     "permalink": self.permalink(file_id)}}

    def _m_files_getUploadURLExternal(self, params: Json, raw: Json) -> Json:
        filename, length = params.get("filename"), str(params.get("length") or "")
        if not filename:
            return _fail("invalid_arguments", response_metadata={"messages": ["filename is required"]})
        if not length.isdigit() or int(length) <= 0:
            return _fail("invalid_arguments", response_metadata={"messages": ["length must be positive"]})
        file_id = f"F{len(self._pending_files) + len(self.uploads) + 1:08d}"
        self._pending_files[file_id] = {"filename": filename, "length": int(length),
                                        "alt_txt": params.get("alt_txt"), "data": None}
        return {"ok": True, "upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    def _m_files_completeUploadExternal(self, params: Json, raw: Json) -> Json:
        files = params.get("files")
        if not isinstance(files, list) or not files:
            return _fail("invalid_arguments")
        channel = params.get("channel_id")
        ch = self._channel(channel, by_name=False) if channel else None
        if channel and ch is None:
            return _fail("channel_not_found")
        if ch is not None and self.bot_user_id not in ch["members"]:
            return _fail("not_in_channel")
        done: list[Json] = []
        for f in files:
            pending = self._pending_files.get(str(f.get("id")))
            if pending is None or pending["data"] is None:
                return _fail("file_not_found")
            if len(pending["data"]) != pending["length"]:
                return _fail("file_upload_size_mismatch")
            done.append({"id": f["id"], "name": pending["filename"], "title": f.get("title")})
        for f, info in zip(files, done):
            pending = self._pending_files.pop(str(f["id"]))
            if ch is not None:
                self.uploads.append(Upload(ch["id"], info["id"], info["name"], info["title"], pending["data"],
                                           params.get("initial_comment"), params.get("thread_ts"),
                                           pending["alt_txt"]))
        return {"ok": True, "files": done}

    def _next_ts(self) -> str:
        self._ts += 100
        return f"{self._ts // 1_000_000}.{self._ts % 1_000_000:06d}"

    def _channel(self, ref: Any, by_name: bool = True) -> Json | None:
        """Resolve an id (or #name); private channels without the bot are invisible."""
        ch = self.channels.get(ref) if isinstance(ref, str) else None
        if ch is None and by_name and isinstance(ref, str):
            ch = next((c for c in self.channels.values() if c["name"] == ref.lstrip("#")), None)
        if ch is None or (ch["is_private"] and self.bot_user_id not in ch["members"]):
            return None
        return ch

    def _check_message(self, params: Json, raw: Json, ch: Json | None) -> Json | None:
        if ch is None:
            return _fail("channel_not_found")
        if ch["is_archived"]:
            return _fail("is_archived")
        if self.bot_user_id not in ch["members"]:
            return _fail("not_in_channel")
        for key in ("blocks", "attachments"):
            if isinstance(raw.get(key), str) and isinstance(params.get(key), str):
                return _fail(f"invalid_{key}_format")
        text, blocks = params.get("text"), params.get("blocks")
        if not text and not blocks and not params.get("attachments"):
            return _fail("no_text")
        if isinstance(text, str) and len(text) > 40_000:
            return _fail("msg_too_long")
        problems = validate_blocks(blocks) if blocks is not None else []
        if problems:
            return _fail("invalid_blocks", errors=problems, response_metadata={
                "messages": [f"[ERROR] {p}" for p in problems]})
        return None

    def _message(self, params: Json, ts: str) -> Json:
        msg: Json = {"type": "message", "user": self.bot_user_id, "bot_id": self.bot_id,
                     "app_id": self.app_id, "team": self.team_id, "ts": ts,
                     "text": params.get("text") or ""}
        msg.update({k: params[k] for k in ("blocks", "attachments", "thread_ts", "metadata")
                    if params.get(k) is not None})
        return msg

    def _record(self, method: str, channel: str, params: Json, raw: Json, ts: str,
                user: str | None = None) -> Post:
        blocks = params.get("blocks") if isinstance(params.get("blocks"), list) else None
        return Post(method, channel, params.get("text"), blocks, params.get("thread_ts"), ts,
                    unfurl_links=_as_bool(params.get("unfurl_links")),
                    unfurl_media=_as_bool(params.get("unfurl_media")), raw=raw, user=user)

    def _m_auth_test(self, params: Json, raw: Json) -> Json:
        return {"ok": True, "url": "https://fake.slack.com/", "team": "Fake", "user": "newsbot",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _m_chat_postMessage(self, params: Json, raw: Json) -> Json:
        ch = self._channel(params.get("channel"))
        if (error := self._check_message(params, raw, ch)) is not None:
            return error
        assert ch is not None
        ts = self._next_ts()
        msg = self.messages[(ch["id"], ts)] = self._message(params, ts)
        self.posts.append(self._record("chat.postMessage", ch["id"], params, raw, ts))
        return {"ok": True, "channel": ch["id"], "ts": ts, "message": msg}

    def _m_chat_update(self, params: Json, raw: Json) -> Json:
        ch = self._channel(params.get("channel"), by_name=False)
        ts = str(params.get("ts") or "")
        if ch is None:
            return _fail("channel_not_found")
        if (ch["id"], ts) not in self.messages:
            return _fail("message_not_found")
        if (error := self._check_message(params, raw, ch)) is not None:
            return error
        msg = {**self.messages[(ch["id"], ts)], **self._message(params, ts),
               "edited": {"user": self.bot_user_id, "ts": self._next_ts()}}
        self.messages[(ch["id"], ts)] = msg
        self.updates.append(self._record("chat.update", ch["id"], params, raw, ts))
        return {"ok": True, "channel": ch["id"], "ts": ts, "text": msg["text"], "message": msg}

    def _m_chat_postEphemeral(self, params: Json, raw: Json) -> Json:
        ch = self._channel(params.get("channel"))
        if (error := self._check_message(params, raw, ch)) is not None:
            return error
        assert ch is not None
        user = params.get("user")
        if user not in self.users:
            return _fail("user_not_found")
        if user not in ch["members"]:
            return _fail("user_not_in_channel")
        ts = self._next_ts()
        self.ephemerals.append(self._record("chat.postEphemeral", ch["id"], params, raw, ts, user))
        return {"ok": True, "message_ts": ts}

    def _m_conversations_info(self, params: Json, raw: Json) -> Json:
        ch = self._channel(params.get("channel"), by_name=False)
        if ch is None:
            return _fail("channel_not_found")
        return {"ok": True, "channel": {
            "id": ch["id"], "name": ch["name"], "is_channel": True, "is_group": False,
            "is_im": False, "is_mpim": False, "is_private": ch["is_private"],
            "is_archived": ch["is_archived"], "is_general": False, "is_shared": False,
            "created": 1_600_000_000, "context_team_id": self.team_id,
            "is_member": self.bot_user_id in ch["members"], "num_members": len(ch["members"]),
            "topic": {"value": "", "creator": "", "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0}}}

    def _m_conversations_members(self, params: Json, raw: Json) -> Json:
        ch = self._channel(params.get("channel"), by_name=False)
        if ch is None:
            return _fail("channel_not_found")
        try:
            start = int(params.get("cursor") or 0)
            limit = max(1, min(int(params.get("limit") or 100), 1000))
        except ValueError:
            return _fail("invalid_cursor")
        more = start + limit < len(ch["members"])
        return {"ok": True, "members": ch["members"][start:start + limit],
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _m_conversations_open(self, params: Json, raw: Json) -> Json:
        """The bot's DM with one user ("D" + user id here), created on first use."""
        users = str(params.get("users") or "")
        if not users:
            return _fail("users_list_not_supplied")
        if "," in users:  # a group DM: not modelled here
            return _fail("not_implemented")
        if users not in self.users:
            return _fail("user_not_found")
        dm = "D" + users
        if dm not in self.channels:
            self.add_channel(dm, dm, is_private=True, members=[users])
        return {"ok": True, "channel": {"id": dm}}

    def _m_users_info(self, params: Json, raw: Json) -> Json:
        user = self.users.get(params.get("user", ""))
        return {"ok": True, "user": user} if user else _fail("user_not_found")

    def _m_apps_connections_open(self, params: Json, raw: Json) -> Json:
        ticket = uuid.uuid4().hex
        self._tickets.add(ticket)
        return {"ok": True, "url": f"ws://127.0.0.1:{self._port}/socket?ticket={ticket}"}

    # ---- Socket Mode

    @staticmethod
    async def wait_until(predicate: Callable[[], Any], timeout: float = 5.0) -> None:
        """Poll ``predicate`` (e.g. ``lambda: len(fake.posts) == 2``); TimeoutError if never true."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise TimeoutError(f"condition not met within {timeout}s")
            await asyncio.sleep(0.005)

    async def _handle_socket(self, request: web.Request) -> web.StreamResponse:
        if request.query.get("ticket") not in self._tickets:
            return web.Response(status=401, text="invalid ticket")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        self.socket_connections += 1
        await ws.send_json({"type": "hello", "num_connections": len(self._sockets),
                            "debug_info": {"host": "applink-fake", "build_number": 1,
                                           "approximate_connection_time": 18060},
                            "connection_info": {"app_id": self.app_id}})
        try:
            async for msg in ws:
                try:
                    data = json.loads(msg.data) if msg.type == WSMsgType.TEXT else None
                except ValueError:
                    continue
                if isinstance(data, dict) and "envelope_id" in data:
                    self.socket_acks.append(data)
        finally:
            self._sockets.remove(ws)
        return ws

    async def wait_socket_connected(self, timeout: float = 5.0) -> None:
        """Wait until a Socket Mode client is connected (it has been sent ``hello``)."""
        await self.wait_until(lambda: self._sockets, timeout)

    async def socket_send_envelope(self, type: str = "slash_commands", payload: Json | None = None,
                                   *, accepts_response_payload: bool | None = None,
                                   retry_attempt: int = 0, retry_reason: str = "",
                                   timeout: float = 5.0) -> str:
        """Push an envelope to the newest Socket Mode connection; returns its envelope_id."""
        await self.wait_socket_connected(timeout)
        envelope_id = str(uuid.uuid4())
        envelope: Json = {"envelope_id": envelope_id, "type": type, "payload": payload or {},
                          "accepts_response_payload": type != "events_api"
                          if accepts_response_payload is None else accepts_response_payload}
        if type == "events_api":
            envelope.update(retry_attempt=retry_attempt, retry_reason=retry_reason)
        await self._sockets[-1].send_json(envelope)
        return envelope_id

    async def socket_send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Ask connected clients to reconnect, as Slack does periodically."""
        for ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason,
                                "debug_info": {"host": "applink-fake"}})

    async def wait_for_ack(self, envelope_id: str, timeout: float = 5.0) -> Json:
        """Wait for the client's ack of ``envelope_id``; returns it (with ``payload`` if any)."""
        def find() -> Json | None:
            return next((a for a in self.socket_acks if a["envelope_id"] == envelope_id), None)
        await self.wait_until(find, timeout)
        return find() or {}

    async def wait_for_response(self, name: str = "default", count: int = 1,
                                timeout: float = 5.0) -> list[Json]:
        """Wait until ``responses[name]`` holds at least ``count`` payloads."""
        await self.wait_until(lambda: len(self.responses[name]) >= count, timeout)
        return self.responses[name]

    def slash_command_body(self, command: str = "/newsbot", text: str = "help",
                           response_name: str = "default", **kwargs: Any) -> bytes:
        """slash_command_body() with response_url pointing at this fake."""
        kwargs.setdefault("response_url", self.response_url(response_name))
        return slash_command_body(command, text, **kwargs)

    def block_action_body(self, response_name: str = "default", **kwargs: Any) -> bytes:
        """block_action_body() with response_url pointing at this fake."""
        kwargs.setdefault("response_url", self.response_url(response_name))
        return block_action_body(**kwargs)
