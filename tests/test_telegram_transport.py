"""bot.adapters.telegram.transport: PTB's transport on aiohttp, against local servers.

The happy path is exercised by every Telegram test (the adapter uses this transport); here are
the edges: form and multipart bodies, timeouts, refused connections, and that no error text
carries the URL (it holds the bot token).
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from telegram import Bot, InputFile
from telegram.error import NetworkError, TimedOut
from telegram.request import RequestData
from telegram.request._requestparameter import RequestParameter

from bot.adapters.telegram.transport import AiohttpRequest

TOKEN = "123456:SECRET-transport-token"


@pytest.fixture
async def echo() -> AsyncIterator[str]:
    """A server that answers with what it received, and one path that never answers."""

    async def fields(request: web.Request) -> web.Response:
        got: dict[str, object] = {"content_type": request.content_type}
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            async for part in reader:
                data = await part.read()  # type: ignore[union-attr]
                got[part.name or "?"] = {"filename": part.filename, "data": data.decode()}  # type: ignore[union-attr]
        else:
            got.update(await request.post())
        return web.json_response(got)

    async def hang(_request: web.Request) -> web.Response:
        await asyncio.sleep(30)
        return web.Response()

    app = web.Application()
    app.router.add_post("/fields", fields)
    app.router.add_post("/hang", hang)
    runner = web.AppRunner(app, shutdown_timeout=0.1)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    await runner.cleanup()


def params(**values: object) -> RequestData:
    return RequestData([RequestParameter.from_input(k, v) for k, v in values.items()])


async def test_form_body_as_ptb_sends_it(echo: str) -> None:
    async with AiohttpRequest() as req:
        status, body = await req.do_request(f"{echo}/fields", "POST", params(chat_id=5, text="خبر & <b>"))
    got = json.loads(body)
    assert status == 200
    assert got["content_type"] == "application/x-www-form-urlencoded"
    assert (got["chat_id"], got["text"]) == ("5", "خبر & <b>")


async def test_multipart_upload(echo: str) -> None:
    data = params(chat_id=5, document=InputFile(b"hello", filename="a.txt"))
    async with AiohttpRequest() as req:
        status, body = await req.do_request(f"{echo}/fields", "POST", data)
    got = json.loads(body)
    assert status == 200 and got["content_type"] == "multipart/form-data"
    assert got["chat_id"]["data"] == "5"
    uploaded = [v for v in got.values() if isinstance(v, dict) and v["filename"] == "a.txt"]
    assert uploaded and uploaded[0]["data"] == "hello"


async def test_a_silent_server_times_out_within_the_read_timeout(echo: str) -> None:
    async with AiohttpRequest(read_timeout=0.3) as req:
        started = asyncio.get_running_loop().time()
        with pytest.raises(TimedOut):
            await req.do_request(f"{echo}/hang", "POST", params(chat_id=1))
        assert asyncio.get_running_loop().time() - started < 5
        with pytest.raises(TimedOut):  # a per-call timeout wins over the default
            await req.do_request(f"{echo}/hang", "POST", params(chat_id=1), read_timeout=0.2)


async def test_refused_connection_is_a_network_error_without_the_token() -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    bot = Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot", request=AiohttpRequest(connect_timeout=1.0))
    with pytest.raises(NetworkError) as info:
        await bot.initialize()  # get_me
    assert "aiohttp" in str(info.value) and TOKEN not in str(info.value) and "SECRET" not in str(info.value)
    await bot.shutdown()


async def test_lifecycle() -> None:
    req = AiohttpRequest(read_timeout=7.0)
    assert req.read_timeout == 7.0
    with pytest.raises(RuntimeError):
        await req.do_request("http://127.0.0.1:9/x", "POST")
    await req.initialize()
    await req.initialize()  # idempotent
    await req.shutdown()
    await req.shutdown()
    with pytest.raises(RuntimeError):
        await req.do_request("http://127.0.0.1:9/x", "POST")
