"""Unicode spellings of private addresses: /addfeed refuses them on both platforms and nothing connects.

The HTTP client maps hosts through UTS-46/IDNA (fullwidth and circled digits
become ASCII, ideographic full stops become "."), so the guard must judge the
host after that mapping. Here every spelling of loopback, of the metadata
address and of "any address", typed directly, reached through a redirect from
a public-looking host, or advertised by a page's <link rel=alternate>, goes
through /addfeed on the real PTB Application and the real Bolt app. A canary
feed server on loopback must see no request, and a recorder of every socket
connection made in the test must see none to the canary or off loopback.
"""

from __future__ import annotations

import ipaddress
import json
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import select
from yarl import URL

from bot.app import NewsBot, build_fetcher
from bot.commands.texts import T
from bot.feeds.fetch import FetchError
from bot.storage.models import Feed
from tests.conftest import make_settings, write_config
from tests.fakes.dns import TableResolver
from tests.fakes.feed_server import FeedServer, Item, html_with_feed_link, rss2
from tests.fakes.slack_api import FakeSlackAPI, sign_request, validate_blocks
from tests.fakes.telegram_api import FakeTelegramAPI

TOKEN = "123456:TEST-token"
USER = 1001
SECRET = "test-signing-secret-0123456789"
PUBLIC = "news.example.com"  # resolves to the loopback "public" server (a public_hosts seam)

# (URL as typed, with {port} = the canary's port; what the reply must say)
SPELLINGS: list[tuple[str, str]] = [
    ("http://127\u30020\u30020\u30021:{port}/feed.xml", "lookalike"),  # ideographic full stop
    ("http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/feed.xml", "lookalike"),  # fullwidth digits
    ("http://127\uff0e0\uff0e0\uff0e1:{port}/feed.xml", "lookalike"),  # fullwidth full stop
    ("http://127\uff610\uff610\uff611:{port}/feed.xml", "lookalike"),  # halfwidth ideographic full stop
    ("http://\u2460\u2461\u2466.\u24ea.\u24ea.\u2460:{port}/feed.xml", "lookalike"),  # circled digits
    ("http://\uff11\uff16\uff19.\uff12\uff15\uff14.\uff11\uff16\uff19.\uff12\uff15\uff14/latest/meta-data/",
     "lookalike"),
    ("http://\uff10.\uff10.\uff10.\uff10:{port}/feed.xml", "lookalike"),
    ("http://127.0.0\u30021:{port}/feed.xml", "lookalike"),  # one odd dot is enough
    ("http://\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11:{port}/feed.xml", "lookalike"),
    ("http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:{port}/feed.xml", "lookalike"),  # ｌｏｃａｌｈｏｓｔ
    ("http://localhost\u3002:{port}/feed.xml", "lookalike"),
    # A zero width space is dropped from what a user types (then 127.0.0.1 is judged); in a
    # Location header or a page's link it stays, and the host is refused as a look-alike.
    ("http://127.0.0.1\u200b:{port}/feed.xml", "blocked"),
    ("http://0.0.0.0:{port}/feed.xml", "blocked"),
    # IPv6 forms of the same places
    ("http://[::1]:{port}/feed.xml", "blocked"),
    ("http://[::ffff:127.0.0.1]:{port}/feed.xml", "blocked"),
    ("http://[::ffff:7f00:1]:{port}/feed.xml", "blocked"),
    ("http://[0:0:0:0:0:ffff:7f00:1]:{port}/feed.xml", "blocked"),
    ("http://[::]:{port}/feed.xml", "blocked"),
    ("http://[::ffff:169.254.169.254]/latest/meta-data/", "blocked"),
    ("http://[64:ff9b::7f00:1]:{port}/feed.xml", "blocked"),
    ("http://[fe80::a9fe:a9fe]/latest/meta-data/", "blocked"),
    ("http://[::ffff:\uff11\uff12\uff17.\uff10.\uff10.\uff11]:{port}/feed.xml", "bad_url"),
    ("http://[\uff10::\uff11]:{port}/feed.xml", "bad_url"),
]
# What a redirect to, or a page advertising, a spelling leads to when the typed URL itself was fine.
VIA = {"lookalike": "lookalike", "blocked": "blocked", "bad_url": "refused"}


def table(port: int, pub: int, server: FeedServer) -> list[tuple[str, str, str]]:
    """(label, URL given to /addfeed, expected) for direct, redirect and discovered forms."""
    rows: list[tuple[str, str, str]] = []
    for i, (spelling, expected) in enumerate(SPELLINGS):
        target = spelling.format(port=port)
        server.add_redirect(f"/r{i}", target)
        server.add_feed(f"/p{i}", html_with_feed_link(target), content_type="text/html; charset=utf-8")
        rows.append((f"direct {target!r}", target, expected))
        via = "lookalike" if "\u200b" in target else VIA[expected]
        rows.append((f"redirect to {target!r}", f"http://{PUBLIC}:{pub}/r{i}", via))
        if expected != "bad_url":  # a page cannot advertise what does not parse as a URL
            rows.append((f"page advertising {target!r}", f"http://{PUBLIC}:{pub}/p{i}", via))
    return rows


def verdict(text: str) -> str:
    if T.FEED_LOOKALIKE in text:
        return "lookalike"
    if T.FEED_BLOCKED in text:
        return "blocked"
    if T.FEED_BAD_URL in text:
        return "bad_url"
    if "أضفتُ المصدر" in text:
        return "added"
    return "other: " + text


def matches(expected: str, got: str) -> bool:
    return got == expected or (expected == "refused" and got != "added")


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, int]]]:
    """Every outgoing socket connection in the test, recorded; anything off loopback is refused."""
    attempts: list[tuple[str, int]] = []
    import asyncio.selector_events as sel

    original = sel.BaseSelectorEventLoop.sock_connect

    async def recording(self: Any, sock: socket.socket, address: Any) -> None:
        host, port = str(address[0]), int(address[1])
        attempts.append((host, port))
        if not ipaddress.ip_address(host.split("%", 1)[0]).is_loopback:
            raise ConnectionRefusedError(f"test: no connection off loopback ({host})")
        return await original(self, sock, address)

    monkeypatch.setattr(sel.BaseSelectorEventLoop, "sock_connect", recording)
    yield attempts
    assert not [a for a in attempts if not ipaddress.ip_address(a[0].split("%", 1)[0]).is_loopback], attempts


@pytest.fixture
async def canary() -> AsyncIterator[FeedServer]:
    """A feed on loopback that must never be fetched."""
    async with FeedServer() as server:
        server.add_feed("/feed.xml", rss2([Item("سرّ", "https://x.example/1")], title="canary"))
        yield server


@pytest.fixture
async def public(feed_server: FeedServer) -> FeedServer:
    feed_server.add_feed("/good.xml", rss2([Item("خبر", "https://n.example/1")], title="أخبار عامة"))
    return feed_server


def fetcher_for(tmp_path: Path) -> Any:
    settings = make_settings(tmp_path)
    return build_fetcher(settings, dns=TableResolver({PUBLIC: ["127.0.0.1"]}), public_hosts=frozenset({PUBLIC}))


async def chat_feeds(bot: NewsBot) -> list[Any]:
    async with bot.db.read() as conn:
        return list((await conn.execute(select(Feed.url).where(Feed.origin == "chat"))).scalars())


def check_table(results: list[tuple[str, str, str]], canary: FeedServer,
                connections: list[tuple[str, int]]) -> None:
    wrong = [(label, expected, got) for label, expected, got in results if not matches(expected, got)]
    assert not wrong, "\n".join(f"{label}: expected {e}, got {g}" for label, e, g in wrong)
    assert sum(canary.hits.values()) == 0, dict(canary.hits)
    assert not [a for a in connections if a[1] == canary.port], connections


async def test_unicode_spellings_are_refused_on_telegram(tmp_path: Path, canary: FeedServer, public: FeedServer,
                                                        connections: list[tuple[str, int]]) -> None:
    rows = table(canary.port, public.port, public)
    write_config(tmp_path / "config", [])
    async with FakeTelegramAPI(TOKEN, username="newsbot_test_bot") as api:
        settings = make_settings(tmp_path, telegram_bot_token=SecretStr(TOKEN), telegram_api_base_url=api.base_url,
                                 commands_per_minute=1000)
        bot = NewsBot(settings, http=False, fetcher=fetcher_for(tmp_path))
        await bot.start()
        try:
            async def addfeed(url: str) -> str:
                before = len(api.sent)
                api.push_message(USER, USER, f"/addfeed {url}")
                await api.wait_sent(before + 1, timeout=20)
                return api.sent[before].plain_text

            results = [(label, expected, verdict(await addfeed(url))) for label, url, expected in rows]
            check_table(results, canary, connections)
            assert await chat_feeds(bot) == []
            # The harness can add a feed: the refusals above are the guard's, not a broken setup.
            assert verdict(await addfeed(f"http://{PUBLIC}:{public.port}/good.xml")) == "added"
        finally:
            await bot.stop()
    assert sum(canary.hits.values()) == 0


async def test_unicode_spellings_are_refused_on_slack(tmp_path: Path, canary: FeedServer, public: FeedServer,
                                                     connections: list[tuple[str, int]]) -> None:
    import aiohttp

    rows = table(canary.port, public.port, public)
    write_config(tmp_path / "config", [])
    async with FakeSlackAPI() as fake:
        fake.add_user("U1", "alice")
        fake.add_channel("C1", "newsroom", members=["U1"])
        settings = make_settings(tmp_path, slack_bot_token=SecretStr("xoxb-test"),
                                 slack_signing_secret=SecretStr(SECRET), slack_api_url=fake.base_url,
                                 commands_per_minute=1000)
        bot = NewsBot(settings, http=True, fetcher=fetcher_for(tmp_path))
        await bot.start()
        try:
            assert bot.http is not None

            async def addfeed(url: str) -> str:
                body = fake.slash_command_body(text=f"addfeed {url}", user_id="U1", channel_id="C1")
                headers = {"Content-Type": "application/x-www-form-urlencoded", **sign_request(body, SECRET)}
                async with aiohttp.ClientSession() as s, s.post(f"http://127.0.0.1:{bot.http.port}/slack/events",
                                                                 data=body, headers=headers) as r:
                    assert r.status == 200
                    payload = json.loads(await r.text())
                assert validate_blocks(payload.get("blocks", [])) == []
                return json.dumps(payload, ensure_ascii=False)

            results = [(label, expected, verdict(await addfeed(url))) for label, url, expected in rows]
            check_table(results, canary, connections)
            assert await chat_feeds(bot) == []
            assert verdict(await addfeed(f"http://{PUBLIC}:{public.port}/good.xml")) == "added"
        finally:
            await bot.stop()
    assert sum(canary.hits.values()) == 0


# ------------------------------------------------------------------ property: connected == checked

ALLOWED = "127.0.0.2"  # the one address the test policy treats as public; a feed server listens there
POOL: list[list[str]] = [[ALLOWED], [ALLOWED], [ALLOWED], ["127.0.0.1"], [ALLOWED, "127.0.0.1"], ["::1"],
                         ["127.0.0.3"], ["127.0.0.1", ALLOWED], []]

_LOOKALIKE_CHARS = ("0123456789.-abcxn"
                    "\uff10\uff11\uff12\uff17\u2460\u2461\u2466\u24ea\u3002\uff0e\uff61"
                    "\u0430\u0435\u043e\u212f\u200b\u200c\u200d\u202e\u00ad\u0661\u0662\u0627\u0644")

def _names(alphabet: str) -> st.SearchStrategy[str]:
    """Dotted names whose labels are letters of one alphabet (IDNA maps case and encodes punycode)."""
    return st.lists(st.text(alphabet=alphabet, min_size=1, max_size=8), min_size=1, max_size=3).map(".".join)


HOSTS = st.one_of(
    _names("abcdefghijklmnopqrstuvwxyz0123456789-"),
    _names("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"),
    _names("абвгдежзийклмнопрстуфхцчшщэюяАБВГДЕЖЗ"),
    _names("ابتثجحخدذرزسشصضطظعغفقكلمنهوي"),
    _names("αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔ"),
    _names("bücherstraßeÜÖÄ"),
    st.text(alphabet=_LOOKALIKE_CHARS, min_size=1, max_size=20),
    st.text(min_size=1, max_size=20),
    st.sampled_from([s.split("//", 1)[1].split("/", 1)[0].split(":{port}")[0] for s, _ in SPELLINGS]
                    + ["127.0.0.2", "127.0.0.1", "[::1]", "127.1", "2130706433", "localhost", "x.test"]),
    st.ip_addresses().map(lambda ip: f"[{ip}]" if ip.version == 6 else str(ip)),
)


class AnyName(AbstractResolver):
    """DNS for the property: every name answers one of POOL (by a stable hash of the name)."""

    def __init__(self) -> None:
        self.answers: dict[str, list[str]] = {}

    async def resolve(self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
                      ) -> list[ResolveResult]:
        ips = POOL[sum(host.encode()) % len(POOL)]
        self.answers[host] = ips
        return [{"hostname": host, "host": ip, "port": port, "family": socket.AF_INET6 if ":" in ip else socket.AF_INET,
                 "proto": 0, "flags": socket.AI_NUMERICHOST} for ip in ips]

    async def close(self) -> None:
        return None


@pytest.fixture
async def pair() -> AsyncIterator[tuple[FeedServer, FeedServer]]:
    """The allowed server on 127.0.0.2 and a canary on 127.0.0.1, on the same port."""
    for _ in range(20):
        allowed = FeedServer(host=ALLOWED)
        await allowed.__aenter__()
        try:
            canary = FeedServer(host="127.0.0.1", port=allowed.port)
            await canary.__aenter__()
        except OSError:
            await allowed.__aexit__(None, None, None)
            continue
        break
    else:
        raise AssertionError("no common free port on 127.0.0.1 and 127.0.0.2")
    for server, title in ((allowed, "allowed"), (canary, "canary")):
        server.add_feed("/feed.xml", rss2([Item("x", "https://x.example/1")], title=title))
    try:
        yield allowed, canary
    finally:
        await canary.__aexit__(None, None, None)
        await allowed.__aexit__(None, None, None)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(host=HOSTS)
async def test_the_address_connected_to_is_the_address_checked(host: str, tmp_path: Path,
                                                               pair: tuple[FeedServer, FeedServer],
                                                               connections: list[tuple[str, int]]) -> None:
    allowed, canary = pair
    verdicts: list[tuple[str, tuple[str, ...], bool]] = []
    sockets: list[tuple[str, int]] = []  # what the fetcher's own connect seam saw
    fetcher = build_fetcher(make_settings(tmp_path, fetch_timeout=5.0, connect_timeout=2.0), dns=AnyName(),
                            allow=lambda a: a == ALLOWED, on_check=lambda h, a, ok: verdicts.append((h, a, ok)),
                            on_connect=lambda ip, port: sockets.append((ip, port)))
    url = f"http://{host}:{allowed.port}/feed.xml"
    before = len(connections)
    try:
        result = await fetcher.fetch(url, trusted=False)
    except FetchError as exc:
        result = None
        assert exc.kind in ("blocked", "url", "connect", "network", "http"), exc.message
        event(f"refused: {exc.kind} {exc.reason or ''}")
    else:
        event("fetched")
    finally:
        await fetcher.close()
    dialled = [ip for ip, port in connections[before:] if port == allowed.port]  # seen at the event loop
    assert sorted(ip for ip, _ in sockets) == sorted(dialled), (url, sockets, dialled)
    approved = {a for _h, addrs, ok in verdicts if ok for a in addrs}
    # Every connection went to an address the guard had checked and allowed, and nowhere else.
    assert set(dialled) <= approved, (url, dialled, verdicts)
    assert approved <= {ALLOWED}, (url, verdicts)
    if result is not None:
        assert dialled and set(dialled) == {ALLOWED}, (url, dialled)
        # The host judged is the client's own parsed host, not the string as typed.
        assert any(h.rstrip(".") == (URL(url).raw_host or "").rstrip(".") for h, _a, ok in verdicts if ok), verdicts
    if not approved:
        assert dialled == [], (url, dialled)
    assert sum(canary.hits.values()) == 0, (url, dict(canary.hits))
