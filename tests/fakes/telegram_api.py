"""A faithful fake of the Telegram Bot API HTTP server for end-to-end tests.

Usage: ``async with FakeTelegramAPI() as fake: Bot(fake.token, base_url=fake.base_url)``.

How python-telegram-bot 22.8 talks to it: ``POST {base_url}{token}/{method}`` with an
``application/x-www-form-urlencoded`` body (multipart only for file uploads).  Strings are
sent raw; everything else (ints, bools, reply_markup, allowed_updates, commands, scope,
link_preview_options ...) is ``json.dumps``-ed into its form field; ``None`` is omitted.
The fake also accepts JSON bodies and query strings, like Telegram.

PTB picks the exception from the HTTP status, except that ``parameters.migrate_to_chat_id``
/ ``parameters.retry_after`` win over any status.  Injected errors therefore raise:

* ``"429"`` -> ``RetryAfter`` (``retry_after`` = N s);  ``"400_migrated"`` -> ``ChatMigrated``
* ``"403_blocked"`` / ``"403_kicked"`` -> ``Forbidden``; ``"400_not_found"`` -> ``BadRequest``
* ``"400_refused"`` -> ``BadRequest`` about the message itself (a permanent failure, not the chat)
* ``"500"`` -> ``NetworkError`` itself ("Internal Server Error")
* ``"502"`` -> ``NetworkError`` itself ("Bad Gateway (502). Parsing the server response ...
  failed"; PTB also logs the HTML body at ERROR level)
* ``"timeout"`` -> ``TimedOut`` (a NetworkError subclass) if the client read timeout is below
  ``delay``.  Like real Telegram, the request is still executed after the delay.
* wrong token (401) and unknown method (404) -> ``InvalidToken`` (``EndPointNotFound`` only via
  ``Bot.do_api_request``).

Flood limits (``flood=FloodLimits()`` or ``set_flood_limits``; off by default): sendMessage,
editMessageText, sendPhoto and sendDocument beyond ~30/s overall, 1/s per private chat (burst 3), 20/minute per group answer
429 with ``retry_after``; ``allow_paid_broadcast=true`` raises the overall line to 1,000/s. Every
refusal is in ``flood.refusals`` (see tests/fakes/flood.py).

Simplifications: Markdown is not validated, URLs/mentions are not auto-detected, webhooks are
stored but never called (feed ``update_json(...)`` to your handler).  A bare ``&`` in text is a
parse error (``strict_html``; tdlib tolerates it), in attribute values it is accepted like
tdlib.  The 4096 limit counts UTF-16 code units (never more lenient than Telegram).  Not
thread-safe: use it from the event loop that started it.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import json
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any, NoReturn

from aiohttp import web

from tests.fakes.flood import FloodGate, FloodLimits

JSON = dict[str, Any]
GROUP_ANONYMOUS_BOT: JSON = {"id": 1087968824, "is_bot": True, "first_name": "Group",
                             "username": "GroupAnonymousBot"}
MEMBER_STATUSES = ("creator", "administrator", "member", "restricted", "left", "kicked")
ERRORS = ("429", "403_blocked", "403_kicked", "400_not_found", "400_migrated", "400_refused", "500", "502",
          "timeout")
_ALL = object()
_DEFAULT_EXCLUDED = {"chat_member", "message_reaction", "message_reaction_count"}
_JSON_PARAMS = {"reply_markup", "link_preview_options", "allowed_updates", "commands", "scope",
                "reply_parameters", "entities"}
_INT_PARAMS = {"message_id", "message_thread_id", "user_id", "offset", "limit",
               "reply_to_message_id", "cache_time", "max_connections"}
_BOOL_PARAMS = {"disable_notification", "protect_content", "show_alert", "drop_pending_updates",
                "allow_sending_without_reply", "disable_web_page_preview",
                "allow_paid_broadcast"}
_FLOOD_METHODS = {"sendmessage", "editmessagetext", "sendphoto", "senddocument"}  # what Telegram's flood limits count
_CHAT_NOT_FOUND = "Bad Request: chat not found"
_MIGRATED = "Bad Request: group chat was upgraded to a supergroup chat"
_STATIC_ERRORS = {"403_blocked": (403, "Forbidden: bot was blocked by the user"),
                  "400_not_found": (400, _CHAT_NOT_FOUND), "500": (500, "Internal Server Error"),
                  "400_refused": (400, "Bad Request: message thread not found")}
_HTML_502 = ("<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>"
             "502 Bad Gateway</h1></center>\r\n<hr><center>nginx/1.18.0</center>\r\n"
             "</body>\r\n</html>\r\n")
_COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")
_ENTITY_RE = re.compile(r"&(?:(lt|gt|amp|quot)|#([0-9]{1,10})|#[xX]([0-9a-fA-F]{1,8}));")
_TAG_RE = re.compile(r"""<(/?)([^\s>]*)((?:[^>"']|"[^"]*"|'[^']*')*)>""")
_NAME_RE = re.compile(r"</?([^\s>]*)")
_ATTR_RE = re.compile(r"""\s*([^\s=>]+)(?:\s*=\s*("[^"]*"|'[^']*'|[\w.\-]*))?""")
_ADMIN_RIGHTS = ("can_manage_chat can_delete_messages can_manage_video_chats can_restrict_members "
                 "can_change_info can_invite_users can_post_stories can_edit_stories "
                 "can_delete_stories can_post_messages can_edit_messages can_pin_messages "
                 "can_manage_topics")
_RESTRICTED_RIGHTS = ("can_send_messages can_send_audios can_send_documents can_send_photos "
                      "can_send_videos can_send_video_notes can_send_voice_notes can_send_polls "
                      "can_send_other_messages can_add_web_page_previews can_change_info "
                      "can_invite_users can_pin_messages can_manage_topics can_react_to_messages "
                      "can_edit_tag")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_ENTITY_TYPE = {
    "b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
    "ins": "underline", "s": "strikethrough", "strike": "strikethrough", "del": "strikethrough",
    "span": "spoiler", "tg-spoiler": "spoiler", "a": "text_link", "code": "code", "pre": "pre",
    "blockquote": "blockquote", "tg-emoji": "custom_emoji"}


class ApiError(Exception):
    """Answered as ``{"ok": false, "error_code": code, "description": ..., "parameters"?}``."""

    def __init__(self, code: int, description: str, parameters: JSON | None = None) -> None:
        super().__init__(description)
        self.code, self.description, self.parameters = code, description, parameters


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's offsets and limits."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _decode_entity(src: str, i: int) -> tuple[str | None, int]:
    m = _ENTITY_RE.match(src, i)
    if not m:
        return None, i
    if m.group(1):
        return _NAMED[m.group(1)], m.end()
    cp = int(m.group(2)) if m.group(2) else int(m.group(3), 16)
    return (None, i) if cp == 0 or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF else (chr(cp), m.end())


def _unescape(value: str, strict: bool, fail: Any = None) -> str:
    out, i = [], 0
    while i < len(value):
        ch, end = _decode_entity(value, i) if value[i] == "&" else (value[i], i + 1)
        if ch is None:
            if strict:
                fail('Unescaped "&", use "&amp;"', i)
            ch, end = "&", i + 1
        out.append(ch)
        i = end
    return "".join(out)


def parse_html(src: str, *, strict: bool = True) -> tuple[str, list[JSON]]:
    """Parse Telegram HTML like tdlib: return (visible text, entities) or raise ApiError."""

    def fail(msg: str, pos: int | None = None) -> NoReturn:
        where = "" if pos is None else f" at byte offset {len(src[:pos].encode())}"
        raise ApiError(400, f"Bad Request: can't parse entities: {msg}{where}")

    out: list[str] = []
    stack: list[JSON] = []
    entities: list[JSON] = []
    u16 = pos = 0
    for lt in re.finditer("<", src + "<"):  # text chunks between tags, then the tag
        if lt.start() < pos:
            continue
        chunk = _unescape(src[pos:lt.start()], strict, lambda m, p, o=pos: fail(m, o + p))
        out.append(chunk)
        u16 += utf16_len(chunk)
        if lt.start() == len(src):
            break
        start, m = lt.start(), _TAG_RE.match(src, lt.start())
        closing = src.startswith("</", start)
        tag = _NAME_RE.match(src, start).group(1).lower()  # type: ignore[union-attr]
        if closing:
            if not stack:
                fail("Unexpected end tag", start)
            if not m or m.group(3).strip():
                fail("Unclosed end tag", start)
            top = stack.pop()
            if tag and tag != top["tag"]:
                fail(f'Unmatched end tag at byte offset {len(src[:start].encode())}, '
                     f'expected "</{top["tag"]}>", found "</{tag}>"')
            _close_tag(top, u16, stack, entities)
        else:
            if tag not in _ENTITY_TYPE:
                fail(f'Unsupported start tag "{tag}"', start)
            if not m:
                fail("Unclosed start tag", start)
            attrs, rest, k = {}, m.group(3), 0
            while rest[k:].strip():
                a = _ATTR_RE.match(rest, k)
                if a is None:
                    fail(f'Empty attribute name in the tag "{tag}"', start)
                key, value, k = a.group(1).lower(), a.group(2), a.end()
                if value is None and not (tag == "blockquote" and key == "expandable"):
                    fail(f'Expected equal sign in declaration of an attribute of the tag "{tag}"',
                         start)
                if value and value[0] not in "\"'" and k < len(rest) and not rest[k].isspace():
                    fail("Unexpected end of name token", start)
                quoted = bool(value) and value[0] in "\"'"
                attrs[key] = _unescape(value[1:-1] if quoted else value or "", False)
            arg = attrs.get("href", "") if tag == "a" else ""
            if tag == "code" and attrs.get("class", "").startswith("language-"):
                arg = attrs["class"][9:]
            elif tag == "span" and attrs.get("class") != "tg-spoiler":
                fail('Tag "span" must have class "tg-spoiler"', start)
            elif tag == "tg-emoji":
                arg = attrs.get("emoji-id", "")
                if not arg.isdigit():
                    fail("Invalid custom emoji identifier specified")
            elif tag == "blockquote" and "expandable" in attrs:
                arg = "expandable"
            stack.append({"tag": tag, "arg": arg, "offset": u16})
        pos = m.end()  # type: ignore[union-attr]
    if stack:
        fail(f'Can\'t find end tag corresponding to start tag "{stack[-1]["tag"]}"')
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _close_tag(frame: JSON, u16: int, stack: list[JSON], entities: list[JSON]) -> None:
    tag, arg, offset = frame["tag"], frame["arg"], frame["offset"]
    if tag == "code" and stack and stack[-1]["tag"] == "pre":
        stack[-1]["lang"] = arg  # <pre><code class="language-x"> is a single pre entity
        return
    if u16 == offset or (tag == "a" and not arg):
        return
    ent: JSON = {"type": _ENTITY_TYPE[tag], "offset": offset, "length": u16 - offset}
    if tag == "a":
        ent["url"] = arg
    elif tag == "pre" and frame.get("lang"):
        ent["language"] = frame["lang"]
    elif tag == "blockquote" and arg:
        ent["type"] = "expandable_blockquote"
    elif tag == "tg-emoji":
        ent["custom_emoji_id"] = arg
    entities.append(ent)


@dataclass
class SentMessage:
    """One successful sendMessage / editMessageText call."""

    method: str
    chat_id: int
    text: str  # raw, as sent
    plain_text: str  # tags stripped, entities decoded
    parse_mode: str | None
    message_thread_id: int | None
    message_id: int
    reply_markup: Any
    disable_notification: bool | None
    link_preview_options: Any
    time: float  # time.monotonic()
    entities: list[JSON] = field(default_factory=list)
    reply_to: int | None = None  # the message this one replies to (reply_parameters / reply_to_message_id)


@dataclass
class SentDocument:
    """One successful sendDocument call, with the file's bytes."""

    chat_id: int
    message_thread_id: int | None
    filename: str
    content: bytes
    caption: str | None


@dataclass
class _Chat:
    id: int
    type: str
    title: str | None
    username: str | None
    is_forum: bool
    members: dict[int, str] = field(default_factory=dict)
    messages: dict[int, JSON] = field(default_factory=dict)
    bot_sent: set[int] = field(default_factory=set)
    last_message_id: int = 0

    def json(self) -> JSON:
        data: JSON = {"id": self.id, "type": self.type}
        if self.type == "private":
            data["first_name"] = self.title or "User"
        else:
            data["title"] = self.title or f"Chat {self.id}"
        data.update({"username": self.username} if self.username else {})
        data.update({"is_forum": True} if self.is_forum else {})
        return data


@dataclass
class _Injection:
    method: str | None  # lower-case; None = every method
    error: str
    chat_id: int | str | None = None
    count: int = 1
    retry_after: int | None = 1
    migrate_to_chat_id: int | None = None
    delay: float | None = None
    until: float | None = None  # time.monotonic() deadline (outages)


def _member_json(user: JSON, status: str) -> JSON:
    """ChatMember JSON with every field PTB's subclass for ``status`` requires."""
    data: JSON = {"status": status, "user": user}
    if status == "creator":
        data["is_anonymous"] = False
    elif status == "administrator":
        data.update(dict.fromkeys(_ADMIN_RIGHTS.split(), True))
        data.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
    elif status == "restricted":
        data.update(dict.fromkeys(_RESTRICTED_RIGHTS.split(), False))
        data.update(is_member=True, until_date=0)
    elif status == "kicked":
        data["until_date"] = 0
    return data


class UploadedFile(str):
    """A multipart file field: reads as ``<file NAME>`` (as before), and keeps the bytes and type."""

    data: bytes
    content_type: str
    filename: str

    @classmethod
    def of(cls, field: web.FileField) -> UploadedFile:
        out = cls(f"<file {field.filename}>")
        out.data, out.content_type, out.filename = field.file.read(), field.content_type, field.filename
        return out


@dataclass
class SentPhoto:
    """One successful sendPhoto: the image bytes and the caption as a user reads it."""

    chat_id: int
    message_thread_id: int | None
    message_id: int
    filename: str
    data: bytes
    caption: str  # raw, as sent
    plain_caption: str  # tags stripped, entities decoded
    entities: list[JSON]


def _parse_value(key: str, value: Any) -> Any:
    """Decode one form field the way the Bot API interprets it."""
    if isinstance(value, web.FileField):
        return UploadedFile.of(value)
    if not isinstance(value, str):
        return value
    try:
        if key == "chat_id":
            return int(value) if re.fullmatch(r"-?\d+", value) else value
        if key in _JSON_PARAMS:
            return json.loads(value)
        if key in _INT_PARAMS:
            return int(value)
        if key == "timeout":
            return float(value or 0)
    except ValueError:
        what = "reply keyboard markup JSON object" if key == "reply_markup" else key
        raise ApiError(400, f"Bad Request: can't parse {what}") from None
    return value.lower() in ("true", "1") if key in _BOOL_PARAMS else value


class FakeTelegramAPI:
    """aiohttp server on 127.0.0.1:<ephemeral port> speaking the Bot API."""

    def __init__(self, token: str = "123456:TEST", *, bot_id: int = 123456,
                 username: str = "newsbot_test_bot", first_name: str = "newsbot",
                 timeout_delay: float = 6.0, strict_html: bool = True,
                 flood: FloodLimits | None = None) -> None:
        self.token = token
        self.bot_user: JSON = {"id": bot_id, "is_bot": True, "first_name": first_name,
                               "username": username}
        self.timeout_delay = timeout_delay  # default "timeout" delay; PTB reads for 5 s
        self.strict_html = strict_html
        # Telegram's flood limits (tests/fakes/flood.py): off unless asked for; set_flood_limits switches.
        self.flood = FloodGate(flood or FloodLimits(enabled=False))
        self.sent: list[SentMessage] = []
        self.documents: list[SentDocument] = []  # sendDocument calls, with their bytes
        self._files: dict[str, bytes] = {}  # file_path -> bytes of documents users sent
        self.edits: list[SentMessage] = []
        self.photos: list[SentPhoto] = []
        self.calls: list[tuple[str, JSON]] = []
        self.commands: dict[tuple[str, str], list[JSON]] = {}
        self.callback_answers: list[JSON] = []
        self.webhook: JSON = {"url": ""}
        self._chats: dict[int, _Chat] = {}
        self._migrated: dict[int, int] = {}
        self._users: dict[int, JSON] = {}
        self._updates: list[JSON] = []
        self._next_update_id = 100_000_001
        self._next_callback_id = 4_300_000_000_000_000_001
        self._open_callbacks: set[str] = set()
        self._allowed: set[str] | None = None
        self._poll_generation = 0
        self._wakeup = asyncio.Event()  # replaced on every wake-up (new update, new poll)
        self._recorded = asyncio.Event()
        self._closing = asyncio.Event()
        self._injections: list[_Injection] = []
        self._outages: dict[str | None, _Injection] = {}
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._methods: dict[str, tuple[str, Any]] = {
            name[5:].lower(): (name[5:], getattr(self, name))
            for name in dir(self) if name.startswith("_api_")}
        for name in ("logOut", "close"):
            self._methods[name.lower()] = (name, lambda p: True)

    # ------------------------------------------------------------------ lifecycle
    async def start(self) -> None:
        """Bind an ephemeral loopback port and start serving."""
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._handle_file)
        self._closing.clear()
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self._port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        """Release pending long polls / delayed answers, then shut down."""
        self._closing.set()
        self._wake()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeTelegramAPI:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    @property
    def base_url(self) -> str:
        """For ``Bot(base_url=...)`` / ``ApplicationBuilder().base_url(...)``."""
        if self._port is None:
            raise RuntimeError("FakeTelegramAPI is not started")
        return f"http://127.0.0.1:{self._port}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)`` (every file is 404)."""
        return self.base_url.replace("/bot", "/file/bot")

    @property
    def bot_id(self) -> int:
        """The bot's user id."""
        return int(self.bot_user["id"])

    # ------------------------------------------------------------------ registry
    def add_chat(self, id: int, type: str, title: str | None = None,  # noqa: A002
                 username: str | None = None, is_forum: bool = False) -> None:
        """Register a chat; the bot is a member (an administrator of channels)."""
        if type not in ("private", "group", "supergroup", "channel"):
            raise ValueError(f"bad chat type {type!r}")
        chat = _Chat(id, type, title, username, is_forum and type == "supergroup")
        chat.members[self.bot_id] = "administrator" if type == "channel" else "member"
        if type == "private":
            chat.members[id] = "member"
        self._chats[id] = chat

    def set_member(self, chat_id: int, user_id: int, status: str) -> None:
        """Set a status; ``set_member(user, fake.bot_id, "kicked")`` = user blocked the bot."""
        if status not in MEMBER_STATUSES:
            raise ValueError(f"status must be one of {MEMBER_STATUSES}")
        self._chats[chat_id].members[user_id] = status

    def messages_to(self, chat_id: int | str, thread_id: int | None = None) -> list[SentMessage]:
        """Messages successfully sent to ``chat_id`` (optionally only to one thread)."""
        cid = self._find_chat(chat_id).id if isinstance(chat_id, str) else chat_id
        return [m for m in self.sent if m.chat_id == cid
                and (thread_id is None or m.message_thread_id == thread_id)]

    async def wait_sent(self, count: int = 1, timeout: float = 5.0) -> list[SentMessage]:
        """Wait until ``len(sent) >= count``; return ``sent``."""
        async with asyncio.timeout(timeout):
            while len(self.sent) < count:
                self._recorded.clear()
                await self._recorded.wait()
        return self.sent

    def set_flood_limits(self, limits: FloodLimits | None) -> None:
        """Enforce these limits from now on (None: Telegram's documented ones; enabled=False: none)."""
        self.flood.reset(limits or FloodLimits())

    @property
    def flood_refusals(self) -> int:
        """How many calls the flood limits answered 429."""
        return len(self.flood.refusals)

    # ------------------------------------------------------------------ failures
    def fail_next(self, method: str, *, error: str, chat_id: int | str | None = None,
                  count: int = 1, retry_after: int = 1, migrate_to_chat_id: int | None = None,
                  delay: float | None = None) -> None:
        """Fail the next ``count`` calls of ``method`` (to ``chat_id`` if given) with ``error``."""
        if error not in ERRORS:
            raise ValueError(f"error must be one of {ERRORS}")
        self._injections.append(_Injection(method.lower(), error, chat_id, count, retry_after,
                                           migrate_to_chat_id, delay))

    def set_outage(self, method: str | None, error: str, until: float | None = None, *,
                   retry_after: int | None = None, delay: float | None = None) -> None:
        """Fail every call of ``method`` (None = all) until cleared or ``until`` (monotonic).
        A 429 outage without ``retry_after`` reports the seconds left until ``until``."""
        if error not in ERRORS:
            raise ValueError(f"error must be one of {ERRORS}")
        key = method.lower() if method else None
        self._outages[key] = _Injection(key, error, count=-1, retry_after=retry_after,
                                        delay=delay, until=until)

    def clear_outage(self, method: str | None | object = _ALL) -> None:
        """End the outage of ``method``, or all outages when called without argument."""
        if method is _ALL:
            self._outages.clear()
        else:
            self._outages.pop(method.lower() if isinstance(method, str) else None, None)

    def _take_injection(self, method: str, params: JSON) -> _Injection | None:
        for inj in self._injections:
            if inj.method == method.lower() and inj.chat_id in (None, params.get("chat_id")):
                inj.count -= 1
                if inj.count <= 0:
                    self._injections.remove(inj)
                return inj
        for key in (method.lower(), None):
            outage = self._outages.get(key)
            if outage and outage.until is not None and time.monotonic() >= outage.until:
                del self._outages[key]
            elif outage:
                return outage
        return None

    async def _apply(self, inj: _Injection, params: JSON) -> web.Response | None:
        """Raise/return the injected failure; None means "now answer normally"."""
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if inj.error == "timeout":
            try:
                delay = self.timeout_delay if inj.delay is None else inj.delay
                await asyncio.wait_for(self._closing.wait(), delay)
                return web.Response(status=503)
            except TimeoutError:
                return None  # executed anyway, too late for the client
        if inj.error == "502":
            return web.Response(status=502, text=_HTML_502, content_type="text/html")
        if inj.error == "429":
            retry = inj.retry_after or max(1, math.ceil((inj.until or 0) - time.monotonic()))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", {"retry_after": retry})
        if inj.error == "403_kicked":
            kind = chat.type if chat and chat.type != "private" else "group"
            if kind == "channel":
                raise ApiError(403, "Forbidden: bot is not a member of the channel chat")
            raise ApiError(403, f"Forbidden: bot was kicked from the {kind} chat")
        if inj.error == "400_migrated":
            new_id = inj.migrate_to_chat_id or (
                int(f"-100{abs(chat_id)}") if isinstance(chat_id, int) else -1001234567890)
            raise ApiError(400, _MIGRATED, {"migrate_to_chat_id": new_id})
        raise ApiError(*_STATIC_ERRORS[inj.error])

    # ------------------------------------------------------------------ HTTP layer
    async def _handle_file(self, request: web.Request) -> web.Response:
        """Downloads of files users sent (push_document), by the path getFile gave."""
        if request.match_info["token"] != self.token:
            return web.Response(status=401, text="Unauthorized")
        content = self._files.get(request.match_info["path"])
        if content is None:
            return web.Response(status=404, text="Not Found")
        return web.Response(body=content, content_type="application/octet-stream")

    async def _handle(self, request: web.Request) -> web.Response:
        try:
            if request.match_info["token"] != self.token:
                raise ApiError(401, "Unauthorized")
            raw: JSON = dict(request.query)
            if request.can_read_body and request.content_type == "application/json":
                try:
                    body = await request.json()
                except ValueError:
                    raise ApiError(400, "Bad Request: can't parse JSON request") from None
                raw.update(body if isinstance(body, dict) else {})
            elif request.can_read_body:
                raw.update(await request.post())
            params = {k: _parse_value(k, v) for k, v in raw.items()}
            entry = self._methods.get(request.match_info["method"].lower())
            name = entry[0] if entry else request.match_info["method"]
            self.calls.append((name, params))
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            inj = self._take_injection(name, params)
            if inj is not None and (response := await self._apply(inj, params)) is not None:
                return response
            flood = self._flood_key(name, params)
            if flood is not None:
                refusal = self.flood.check(name, flood[0], private=flood[1], paid=flood[2])
                if refusal is not None:
                    raise ApiError(429, f"Too Many Requests: retry after {refusal.retry_after}",
                                   {"retry_after": refusal.retry_after})
            result = entry[1](params)
            result = await result if inspect.isawaitable(result) else result
            if flood is not None:
                self.flood.passed(flood[0], private=flood[1], paid=flood[2])
            return web.json_response({"ok": True, "result": result})
        except ApiError as err:
            error: JSON = {"ok": False, "error_code": err.code, "description": err.description}
            error.update({"parameters": err.parameters} if err.parameters else {})
            return web.json_response(error, status=err.code)

    # ------------------------------------------------------------------ helpers
    def _flood_key(self, method: str, params: JSON) -> tuple[int | str, bool, bool] | None:
        """(chat, private, paid) for a call the flood limits count; None for the others."""
        if method.lower() not in _FLOOD_METHODS or not self.flood.limits.enabled:
            return None
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        private = chat.type == "private" if chat else (isinstance(chat_id, int) and chat_id > 0)
        key = chat.id if chat else (chat_id if isinstance(chat_id, (int, str)) else "")
        return key, private, bool(params.get("allow_paid_broadcast"))

    def _find_chat(self, chat_id: Any) -> _Chat:
        if chat_id is None or chat_id == "":
            raise ApiError(400, "Bad Request: chat_id is empty")
        if isinstance(chat_id, str) and chat_id.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == chat_id[1:].lower():
                    return chat
        if chat_id in self._migrated:
            raise ApiError(400, _MIGRATED, {"migrate_to_chat_id": self._migrated[chat_id]})
        if chat_id not in self._chats:
            raise ApiError(400, _CHAT_NOT_FOUND)
        return self._chats[chat_id]

    def _writable_chat(self, params: JSON) -> _Chat:
        chat = self._find_chat(params.get("chat_id"))
        status = chat.members.get(self.bot_id, "member")
        if chat.type == "private" and status == "kicked":
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        if chat.type != "private" and status in ("left", "kicked"):
            verb = "was kicked from" if status == "kicked" else "is not a member of"
            raise ApiError(403, f"Forbidden: bot {verb} the {chat.type} chat")
        if chat.type == "channel" and status not in ("creator", "administrator"):
            raise ApiError(400, "Bad Request: need administrator rights in the channel chat")
        if status == "restricted":
            raise ApiError(400, "Bad Request: not enough rights to send text messages to the chat")
        return chat

    def _format(self, params: JSON) -> tuple[str, str, list[JSON]]:
        """Validate text + parse_mode; return (raw text, visible text, entities)."""
        text, mode = params.get("text"), (params.get("parse_mode") or "").lower()
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if mode == "html":
            plain, entities = parse_html(text, strict=self.strict_html)
        elif mode in ("", "markdown", "markdownv2"):
            plain, entities = text, list(params.get("entities") or [])
        else:
            raise ApiError(400, "Bad Request: unsupported parse_mode")
        if not plain.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(plain) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        return text, plain, entities

    def _record(self, target: list[SentMessage], method: str, chat: _Chat, params: JSON,
                msg: JSON, text: str) -> None:
        target.append(SentMessage(
            method, chat.id, text, msg["text"], params.get("parse_mode"),
            msg.get("message_thread_id"), msg["message_id"], params.get("reply_markup"),
            params.get("disable_notification"), params.get("link_preview_options"),
            time.monotonic(), list(msg.get("entities", [])),
            (msg.get("reply_to_message") or {}).get("message_id")))
        self._recorded.set()

    def _user(self, user_id: int) -> JSON:
        if user_id == self.bot_id:
            return dict(self.bot_user)
        return dict(self._users.get(user_id) or {"id": user_id, "is_bot": False,
                                                 "first_name": "User"})

    def _new_message(self, chat: _Chat, **fields: Any) -> JSON:
        chat.last_message_id += 1  # ids are per chat, shared by users and the bot
        msg = {"message_id": chat.last_message_id, "date": int(time.time()), "chat": chat.json(),
               **{k: v for k, v in fields.items() if v is not None}}
        chat.messages[msg["message_id"]] = msg
        return msg

    def _wake(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def _is_allowed(self, update: JSON) -> bool:
        kind = next(k for k in update if k != "update_id")
        return kind in self._allowed if self._allowed else kind not in _DEFAULT_EXCLUDED

    @staticmethod
    def _scope_key(p: JSON) -> tuple[str, str]:
        """``(scope type, language_code)``; chat scopes are ``"chat:<id>[:<user_id>]"``."""
        scope = p.get("scope") or {"type": "default"}
        key = scope.get("type", "default")
        if "chat_id" in scope:
            key += f":{scope['chat_id']}" + (f":{scope['user_id']}" if "user_id" in scope else "")
        return key, p.get("language_code") or ""

    # ------------------------------------------------------------------ API methods
    def _api_getMe(self, p: JSON) -> JSON:
        return {**self.bot_user, "can_join_groups": True, "can_read_all_group_messages": False,
                "supports_inline_queries": False, "can_connect_to_business": False,
                "has_main_web_app": False}

    def _api_setWebhook(self, p: JSON) -> bool:
        self.webhook = {k: v for k, v in p.items() if k != "certificate"}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        if "allowed_updates" in p:
            self._allowed = set(p["allowed_updates"]) or None
        self._wake()  # an active long poll is terminated with 409, like Telegram does
        return True

    def _api_deleteWebhook(self, p: JSON) -> bool:
        self.webhook = {"url": ""}
        if p.get("drop_pending_updates"):
            self._updates.clear()
        return True

    def _api_getWebhookInfo(self, p: JSON) -> JSON:
        info: JSON = {"url": self.webhook.get("url", ""), "has_custom_certificate": False,
                      "pending_update_count": len(self._updates)}
        if info["url"]:
            info["max_connections"] = self.webhook.get("max_connections", 40)
        if self._allowed:
            info["allowed_updates"] = sorted(self._allowed)
        return info

    async def _api_getUpdates(self, p: JSON) -> list[JSON]:
        if self.webhook.get("url"):
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        if "allowed_updates" in p:
            self._allowed = set(p["allowed_updates"]) or None
        offset, limit = p.get("offset", 0), min(max(p.get("limit", 100), 1), 100)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older long poll now ends with 409 Conflict, like Telegram
        deadline = time.monotonic() + max(0.0, p.get("timeout", 0.0))
        while True:
            if offset:  # confirm updates below offset; negative = keep only the last -offset
                self._updates = (self._updates[offset:] if offset < 0 else
                                 [u for u in self._updates if u["update_id"] >= offset])
            self._updates = [u for u in self._updates if self._is_allowed(u)]
            remaining = deadline - time.monotonic()
            if self._updates or remaining <= 0 or self._closing.is_set():
                return copy.deepcopy(self._updates[:limit])
            try:
                await asyncio.wait_for(self._wakeup.wait(), remaining)
            except TimeoutError:
                pass
            if generation != self._poll_generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; make "
                                    "sure that only one bot instance is running")
            if self.webhook.get("url"):
                raise ApiError(409, "Conflict: terminated by setWebhook request")

    def _api_setMyCommands(self, p: JSON) -> bool:
        commands = p.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise ApiError(400, "Bad Request: commands must be an array of at most 100 items")
        for cmd in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(cmd.get("command", ""))):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._scope_key(p)] = [
            {"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _api_getMyCommands(self, p: JSON) -> list[JSON]:
        return copy.deepcopy(self.commands.get(self._scope_key(p), []))

    def _api_deleteMyCommands(self, p: JSON) -> bool:
        self.commands.pop(self._scope_key(p), None)
        return True

    def _api_sendMessage(self, p: JSON) -> JSON:
        chat = self._writable_chat(p)
        text, plain, entities = self._format(p)
        thread = p.get("message_thread_id")
        if thread is not None and not chat.is_forum:
            raise ApiError(400, "Bad Request: message thread not found")
        reply = p.get("reply_parameters") or (
            {"message_id": p["reply_to_message_id"]} if "reply_to_message_id" in p else None)
        replied = chat.messages.get(reply["message_id"]) if reply else None
        if reply and replied is None and not (
                reply.get("allow_sending_without_reply") or p.get("allow_sending_without_reply")):
            raise ApiError(400, "Bad Request: message to be replied not found")
        markup = p.get("reply_markup")
        inline = markup if isinstance(markup, dict) and "inline_keyboard" in markup else None
        msg = self._new_message(
            chat, message_thread_id=thread, is_topic_message=True if thread else None,
            text=plain, entities=entities or None, reply_to_message=copy.deepcopy(replied),
            reply_markup=inline)
        if chat.type == "channel":
            msg["sender_chat"] = chat.json()
        else:
            msg["from"] = dict(self.bot_user)
        chat.bot_sent.add(msg["message_id"])
        self._record(self.sent, "sendMessage", chat, p, msg, text)
        return copy.deepcopy(msg)

    def _api_sendPhoto(self, p: JSON) -> JSON:
        chat = self._writable_chat(p)
        photo = p.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = p.get(photo[len("attach://"):])
        if not isinstance(photo, UploadedFile) or not photo.data:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        caption, mode = p.get("caption") or "", (p.get("parse_mode") or "").lower()
        plain, entities = parse_html(caption, strict=self.strict_html) if mode == "html" else (caption, [])
        if utf16_len(plain) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        thread = p.get("message_thread_id")
        if thread is not None and not chat.is_forum:
            raise ApiError(400, "Bad Request: message thread not found")
        msg = self._new_message(chat, message_thread_id=thread, is_topic_message=True if thread else None,
                                photo=[{"file_id": f"photo-{len(self.photos) + 1}", "file_unique_id":
                                        f"u{len(self.photos) + 1}", "width": 800, "height": 300}],
                                caption=plain or None, caption_entities=entities or None)
        if chat.type == "channel":
            msg["sender_chat"] = chat.json()
        else:
            msg["from"] = dict(self.bot_user)
        chat.bot_sent.add(msg["message_id"])
        self.photos.append(SentPhoto(chat.id, thread, msg["message_id"], photo.filename, photo.data, caption,
                                     plain, entities))
        self._recorded.set()
        return copy.deepcopy(msg)

    def _api_editMessageText(self, p: JSON) -> JSON:
        if "inline_message_id" in p:
            raise ApiError(400, "Bad Request: message to edit not found")
        chat = self._writable_chat(p)
        stored = chat.messages.get(p.get("message_id", 0))
        if stored is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if stored["message_id"] not in chat.bot_sent:
            raise ApiError(400, "Bad Request: message can't be edited")
        text, plain, entities = self._format(p)
        markup = p.get("reply_markup")
        if (plain, entities, markup) == (stored["text"], stored.get("entities", []),
                                         stored.get("reply_markup")):
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                                "content and reply markup are exactly the same as a current "
                                "content and reply markup of the message")
        stored.update(text=plain, edit_date=int(time.time()), entities=entities,
                      reply_markup=markup)
        for key in ("entities", "reply_markup"):
            if not stored[key]:
                del stored[key]
        self._record(self.edits, "editMessageText", chat, p, stored, text)
        return copy.deepcopy(stored)

    def _api_answerCallbackQuery(self, p: JSON) -> bool:
        query_id = str(p.get("callback_query_id", ""))
        if query_id not in self._open_callbacks:
            raise ApiError(400, "Bad Request: query is too old and response timeout expired or "
                                "query ID is invalid")
        self._open_callbacks.discard(query_id)
        self.callback_answers.append({**p, "time": time.monotonic()})
        return True

    def _api_getChat(self, p: JSON) -> JSON:
        gifts = ("unlimited_gifts", "limited_gifts", "unique_gifts", "premium_subscription",
                 "gifts_from_channels")
        return {**self._find_chat(p.get("chat_id")).json(), "accent_color_id": 0,
                "max_reaction_count": 11, "accepted_gift_types": dict.fromkeys(gifts, False)}

    def _api_getChatMember(self, p: JSON) -> JSON:
        chat = self._find_chat(p.get("chat_id"))
        user_id = p.get("user_id")
        if not isinstance(user_id, int) or (chat.type == "private" and user_id not in chat.members):
            raise ApiError(400, "Bad Request: user not found")
        return _member_json(self._user(user_id), chat.members.get(user_id, "left"))

    def _api_getChatAdministrators(self, p: JSON) -> list[JSON]:
        chat = self._find_chat(p.get("chat_id"))
        if chat.type == "private":
            raise ApiError(400, "Bad Request: there are no administrators in the private chat")
        return [_member_json(self._user(uid), status) for uid, status in chat.members.items()
                if status in ("creator", "administrator")]

    def _api_leaveChat(self, p: JSON) -> bool:
        chat = self._find_chat(p.get("chat_id"))
        if chat.type == "private":
            raise ApiError(400, "Bad Request: chat member status can't be changed in private chats")
        chat.members[self.bot_id] = "left"
        return True

    # ------------------------------------------------------------------ update injection
    def update_json(self, kind: str, /, *args: Any, **kwargs: Any) -> JSON:
        """Build an Update like ``push_<kind>(*args, **kwargs)`` but do not queue it (webhook
        tests).  kind: message, channel_post, callback_query, my_chat_member, migration.
        Registry side effects (statuses, migration, answerable callback ids) still apply."""
        return getattr(self, f"push_{kind}")(*args, queue=False, **kwargs)  # type: ignore[no-any-return]

    def _emit(self, key: str, payload: JSON, queue: bool) -> JSON:
        update = {"update_id": self._next_update_id, key: copy.deepcopy(payload)}
        self._next_update_id += 1
        if queue:
            self._updates.append(update)
            self._wake()
        return update

    def _chat_for_update(self, chat_id: int, user_id: int | None = None) -> _Chat:
        if chat_id not in self._chats:
            if chat_id != user_id or chat_id <= 0:
                raise ValueError(f"unknown chat {chat_id}; call add_chat() first")
            self.add_chat(chat_id, "private", self._user(chat_id)["first_name"])
        return self._chats[chat_id]

    def push_message(self, chat_id: int, user_id: int, text: str, *,
                     message_thread_id: int | None = None, is_topic_message: bool = False,
                     sender_chat_id: int | None = None, username: str | None = None,
                     first_name: str = "User", language_code: str = "ar",
                     reply_to_message_id: int | None = None, queue: bool = True) -> JSON:
        """Queue a user's text message; a leading command gets its bot_command entity.

        ``reply_to_message_id``: the message (in this chat) it answers, as Telegram's ``reply_to_message``."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": first_name,
                      "language_code": language_code, **({"username": username} if username
                                                         else {})}
        self._users[user_id] = user
        chat = self._chat_for_update(chat_id, user_id)
        chat.members.setdefault(user_id, "member")
        command = _COMMAND_RE.match(text)
        msg = self._new_message(
            chat, message_thread_id=message_thread_id,
            is_topic_message=True if is_topic_message else None, text=text,
            entities=[{"type": "bot_command", "offset": 0,
                       "length": utf16_len(command.group())}] if command else None)
        if reply_to_message_id is not None:
            msg["reply_to_message"] = copy.deepcopy(chat.messages[reply_to_message_id])
        if sender_chat_id is not None:  # anonymous group admin
            msg.update({"from": dict(GROUP_ANONYMOUS_BOT),
                        "sender_chat": self._chats[sender_chat_id].json()})
        else:
            msg["from"] = dict(user)
        return self._emit("message", msg, queue)

    def push_document(self, chat_id: int, user_id: int, filename: str, content: bytes, *, caption: str = "",
                      mime_type: str = "application/x-yaml", message_thread_id: int | None = None,
                      is_topic_message: bool = False, queue: bool = True) -> JSON:
        """Queue a user's document (a file; ``caption`` may start with a command), downloadable via getFile."""
        user: JSON = {"id": user_id, "is_bot": False, "first_name": "User", "language_code": "ar"}
        self._users[user_id] = user
        chat = self._chat_for_update(chat_id, user_id)
        chat.members.setdefault(user_id, "member")
        file_id = f"doc{len(self._files) + 1}"
        self._files[f"documents/{file_id}"] = content
        command = _COMMAND_RE.match(caption)
        msg = self._new_message(
            chat, message_thread_id=message_thread_id, is_topic_message=True if is_topic_message else None,
            document={"file_id": file_id, "file_unique_id": f"u{file_id}", "file_name": filename,
                      "mime_type": mime_type, "file_size": len(content)},
            caption=caption or None,
            caption_entities=[{"type": "bot_command", "offset": 0,
                               "length": utf16_len(command.group())}] if command else None)
        msg["from"] = dict(user)
        return self._emit("message", msg, queue)

    def _api_getFile(self, p: JSON) -> JSON:
        path = f"documents/{p.get('file_id')}"
        if path not in self._files:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {"file_id": p["file_id"], "file_unique_id": f"u{p['file_id']}", "file_size": len(self._files[path]),
                "file_path": path}

    def _api_sendDocument(self, p: JSON) -> JSON:
        chat = self._writable_chat(p)
        document = p.get("document")
        if isinstance(document, str) and document.startswith("attach://"):
            document = p.get(document[len("attach://"):])
        if not isinstance(document, UploadedFile) or not document.data:
            raise ApiError(400, "Bad Request: there is no document in the request")
        filename, content = document.filename, document.data
        thread = p.get("message_thread_id")
        if thread is not None and not chat.is_forum:
            raise ApiError(400, "Bad Request: message thread not found")
        msg = self._new_message(chat, message_thread_id=thread, is_topic_message=True if thread else None,
                                document={"file_id": f"sent{len(self.documents) + 1}",
                                          "file_unique_id": f"usent{len(self.documents) + 1}", "file_name": filename,
                                          "file_size": len(content)}, caption=p.get("caption"))
        msg["from"] = dict(self.bot_user)
        self.documents.append(SentDocument(chat.id, thread, filename, content, p.get("caption")))
        self._recorded.set()
        return copy.deepcopy(msg)

    def push_channel_post(self, chat_id: int, text: str, *, queue: bool = True) -> JSON:
        """Queue a channel post (no ``from``; ``sender_chat`` is the channel)."""
        chat = self._chat_for_update(chat_id)
        return self._emit("channel_post", self._new_message(chat, sender_chat=chat.json(),
                                                            text=text), queue)

    def push_callback_query(self, chat_id: int, user_id: int, data: str, message_id: int,
                            message_thread_id: int | None = None, *, queue: bool = True) -> JSON:
        """Queue a button press on message ``message_id`` that the bot sent to ``chat_id``."""
        chat = self._chat_for_update(chat_id, user_id)
        if message_id not in chat.bot_sent:
            raise ValueError(f"the bot sent no message {message_id} to chat {chat_id}")
        message = copy.deepcopy(chat.messages[message_id])
        if message_thread_id is not None:
            message["message_thread_id"] = message_thread_id
        query_id = str(self._next_callback_id)
        self._next_callback_id += 1
        self._open_callbacks.add(query_id)
        return self._emit("callback_query", {
            "id": query_id, "from": self._user(user_id), "message": message,
            "chat_instance": str(abs(chat_id) * 7919), "data": data}, queue)

    def push_my_chat_member(self, chat_id: int, old_status: str, new_status: str,
                            by_user_id: int, *, queue: bool = True) -> JSON:
        """Queue (and apply) a change of the bot's own membership in ``chat_id``."""
        chat = self._chat_for_update(chat_id, by_user_id)
        self.set_member(chat_id, self.bot_id, new_status)
        return self._emit("my_chat_member", {
            "chat": chat.json(), "from": self._user(by_user_id), "date": int(time.time()),
            "old_chat_member": _member_json(dict(self.bot_user), old_status),
            "new_chat_member": _member_json(dict(self.bot_user), new_status)}, queue)

    def push_migration(self, old_chat_id: int, new_chat_id: int, *, queue: bool = True) -> JSON:
        """Queue the ``migrate_to_chat_id`` service message of an upgraded group; afterwards
        calls to the old id fail with ChatMigrated and the new supergroup exists."""
        old = self._chat_for_update(old_chat_id)
        self._chats[new_chat_id] = _Chat(new_chat_id, "supergroup", old.title, old.username,
                                         False, members=dict(old.members))
        self._migrated[old_chat_id] = new_chat_id
        creator = next((u for u, s in old.members.items() if s == "creator"), None)
        msg = self._new_message(old, migrate_to_chat_id=new_chat_id)
        msg["from"] = self._user(creator) if creator else dict(GROUP_ANONYMOUS_BOT)
        return self._emit("message", msg, queue)
