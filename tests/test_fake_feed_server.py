"""Self-tests for tests/fakes/feed_server.py (the fake feed server and builders)."""

from __future__ import annotations

import asyncio
import gzip
import time
import zlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser

import aiohttp
import feedparser
import pytest
import pytest_asyncio

from tests.fakes.feed_server import (
    FeedServer,
    HeaderDict,
    Item,
    atom,
    big_feed,
    crc32_zeros,
    entity_bomb,
    gzip_zeros,
    html_with_feed_link,
    malformed_recoverable,
    not_a_feed,
    rdf,
    rss2,
)

T0 = datetime(2024, 3, 10, 8, 30, tzinfo=UTC)
ITEMS = [
    Item("عاجل: انفجار في بيروت & <تحديث>", "https://example.org/a/1", "<p>نص <b>الخبر</b> الأول</p>",
         "guid-1", T0, "مراسل بيروت"),
    Item("الحكومة المصرية تعلن خطة جديدة", "https://example.org/a/2", "ملخص ثانٍ", "guid-2",
         T0 - timedelta(hours=1)),
    Item("أسعار النفط ترتفع", "https://example.org/a/3", "", None, None),
]


@pytest_asyncio.fixture
async def server() -> AsyncIterator[FeedServer]:
    async with FeedServer() as srv:
        yield srv


@pytest_asyncio.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as sess:
        yield sess


async def read_capped(resp: aiohttp.ClientResponse, cap: int) -> bytes:
    """Read the body, stopping once ``cap`` bytes have arrived."""
    buf = bytearray()
    async for chunk in resp.content.iter_chunked(64 * 1024):
        buf += chunk
        if len(buf) >= cap:
            break
    return bytes(buf)


# -- server: conditional GET ------------------------------------------------


async def test_conditional_get_etag(server: FeedServer, session: aiohttp.ClientSession) -> None:
    server.add_feed("/feed", rss2(ITEMS))
    async with session.get(server.url("/feed")) as r:
        assert r.status == 200
        assert r.headers["Content-Type"] == "application/rss+xml; charset=utf-8"
        etag = r.headers["ETag"]
        assert "Last-Modified" in r.headers
        assert await r.read() == rss2(ITEMS)
    async with session.get(server.url("/feed"), headers={"If-None-Match": etag}) as r:
        assert r.status == 304
        assert r.headers["ETag"] == etag
        assert await r.read() == b""
    async with session.get(server.url("/feed"), headers={"If-None-Match": f'"nope", W/{etag}'}) as r:
        assert r.status == 304  # weak comparison, list form
    assert server.hits["/feed"] == 3
    assert server.statuses["/feed"] == [200, 304, 304]
    assert "If-None-Match" not in server.requests["/feed"][0]
    assert server.requests["/feed"][1]["if-none-match"] == etag  # case-insensitive


async def test_conditional_get_if_modified_since_and_set_body(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.add_feed("/feed", rss2(ITEMS[:1]))
    async with session.get(server.url("/feed")) as r:
        etag, lm = r.headers["ETag"], r.headers["Last-Modified"]
    async with session.get(server.url("/feed"), headers={"If-Modified-Since": lm}) as r:
        assert r.status == 304
    older = (datetime.now(UTC) - timedelta(days=1)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    async with session.get(server.url("/feed"), headers={"If-Modified-Since": older}) as r:
        assert r.status == 200
    async with session.get(server.url("/feed"), headers={"If-Modified-Since": "garbage"}) as r:
        assert r.status == 200

    server.set_body("/feed", rss2(ITEMS))
    cond = {"If-None-Match": etag, "If-Modified-Since": lm}
    async with session.get(server.url("/feed"), headers=cond) as r:
        assert r.status == 200
        assert await r.read() == rss2(ITEMS)
        new_etag, new_lm = r.headers["ETag"], r.headers["Last-Modified"]
    assert new_etag != etag and new_lm != lm
    async with session.get(server.url("/feed"), headers={"If-Modified-Since": lm}) as r:
        assert r.status == 200  # Last-Modified moved strictly forward
    async with session.get(server.url("/feed"), headers={"If-None-Match": new_etag}) as r:
        assert r.status == 304
    assert server.statuses["/feed"] == [200, 304, 200, 200, 200, 200, 304]
    assert server.requests["/feed"][4]["If-Modified-Since"] == lm


async def test_feed_without_validators_and_cache_control(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    server.add_feed("/plain", b"<rss/>", etag=False, last_modified=False, content_type="text/xml")
    async with session.get(server.url("/plain"), headers={"If-None-Match": "*"}) as r:
        assert r.status == 200
        assert "ETag" not in r.headers and "Last-Modified" not in r.headers
    server.add_cache_control("/cc", b"<rss/>", 600)
    async with session.get(server.url("/cc")) as r:
        assert r.headers["Cache-Control"] == "max-age=600"
        assert "ETag" in r.headers


# -- server: failure routes ---------------------------------------------------


async def test_redirects(server: FeedServer, session: aiohttp.ClientSession) -> None:
    server.add_redirect("/a", "/b")
    server.add_redirect("/b", "/a")
    with pytest.raises(aiohttp.TooManyRedirects):
        async with session.get(server.url("/a"), max_redirects=6):
            pass
    assert server.hits["/a"] >= 3 and server.hits["/b"] >= 3
    assert set(server.statuses["/a"] + server.statuses["/b"]) == {302}

    server.add_feed("/new", rss2(ITEMS))
    server.add_permanent_redirect("/old", "/new")
    async with session.get(server.url("/old"), allow_redirects=False) as r:
        assert r.status == 301
        assert r.headers["Location"] == server.url("/new")
    async with session.get(server.url("/old")) as r:
        assert r.status == 200 and str(r.url) == server.url("/new")


@pytest.mark.parametrize(
    ("status", "headers"),
    [(410, None), (500, None), (503, None), (403, None), (429, {"Retry-After": "120"})],
)
async def test_status_routes(
    server: FeedServer, session: aiohttp.ClientSession, status: int, headers: dict[str, str] | None
) -> None:
    server.add_status("/s", status, headers=headers, body=b"nope")
    async with session.get(server.url("/s")) as r:
        assert r.status == status
        assert await r.read() == b"nope"
        for k, v in (headers or {}).items():
            assert r.headers[k] == v
    assert server.statuses["/s"] == [status]


async def test_unknown_path_is_404(server: FeedServer, session: aiohttp.ClientSession) -> None:
    async with session.get(server.url("/missing")) as r:
        assert r.status == 404
    assert server.hits["/missing"] == 1 and server.statuses["/missing"] == [404]


async def test_gzip_bomb(server: FeedServer) -> None:
    server.add_gzip_bomb("/bomb")  # 1 GB of zeros
    async with aiohttp.ClientSession(auto_decompress=False) as sess:
        async with sess.get(server.url("/bomb")) as r:
            assert r.headers["Content-Encoding"] == "gzip"
            data = await read_capped(r, 4 * 1024 * 1024)
    assert 100_000 < len(data) < 2_000_000
    assert int.from_bytes(data[-4:], "little") == 1_000_000_000 % 2**32  # gzip ISIZE
    prefix = zlib.decompressobj(31).decompress(data, 1 << 16)
    assert prefix == bytes(1 << 16)


def test_gzip_zeros_is_valid_gzip() -> None:
    for n in (0, 1, 1000, 12_345, 1 << 20, 3_000_001):
        assert crc32_zeros(n) == zlib.crc32(bytes(n))
    assert gzip.decompress(gzip_zeros(3_000_001)) == bytes(3_000_001)  # CRC + ISIZE checked
    assert gzip.decompress(gzip_zeros(0)) == b""


async def test_huge_streams_exact_size(server: FeedServer, session: aiohttp.ClientSession) -> None:
    server.add_huge("/small-huge", 300_001)
    async with session.get(server.url("/small-huge")) as r:
        assert "Content-Length" not in r.headers
        assert r.headers["Transfer-Encoding"] == "chunked"
        body = await r.read()
    assert len(body) == 300_001 and body.startswith(b"<?xml")

    server.add_huge("/huge", 10 * 1024**3)  # 10 GiB: only a capped prefix is read
    async with session.get(server.url("/huge")) as r:
        prefix = await read_capped(r, 2 * 1024 * 1024)
    assert len(prefix) >= 2 * 1024 * 1024 and prefix.startswith(b"<?xml")
    assert server.statuses["/huge"] == [200]


async def test_slow_times_out_and_stop_is_prompt() -> None:
    srv = FeedServer()
    await srv.start()
    srv.add_slow("/slow", 30)
    srv.add_slow("/ok", 0.05, body=b"<rss/>")
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as sess:
        with pytest.raises(asyncio.TimeoutError):
            async with sess.get(srv.url("/slow")):
                pass
        async with sess.get(srv.url("/ok")) as r:
            assert await r.read() == b"<rss/>"
    t = time.monotonic()
    await srv.stop()
    assert time.monotonic() - t < 3


async def test_trickle_sends_headers_then_dribbles(
    server: FeedServer, session: aiohttp.ClientSession
) -> None:
    body = bytes(range(256)) * 4  # 1024 bytes at 4 KB/s ~ 0.25 s
    server.add_trickle("/trickle", 4000, body=body)
    t = time.monotonic()
    async with session.get(server.url("/trickle")) as r:
        t_headers = time.monotonic() - t
        assert r.headers["Content-Length"] == "1024"
        assert await r.read() == body
    t_body = time.monotonic() - t
    assert t_headers < 0.15 < t_body


async def test_latency_and_many_feeds_concurrently() -> None:
    def factory(i: int) -> bytes:
        return rss2([Item(f"خبر {i}", f"https://example.org/{i}")])

    async with FeedServer(latency=0.1) as srv:
        paths = srv.add_many("many", 300, factory)
        assert paths[0] == "/many/0" and len(paths) == 300
        srv.set_body("/many/7", b"<rss>changed</rss>")
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as sess:

            async def fetch(path: str) -> tuple[int, bytes]:
                async with sess.get(srv.url(path)) as r:
                    return r.status, await r.read()

            t = time.monotonic()
            results = await asyncio.gather(*(fetch(p) for p in paths))
            elapsed = time.monotonic() - t
            assert (await fetch("/many/300"))[0] == 404
            assert (await fetch("/many/01"))[0] == 404
    assert 0.1 <= elapsed < 2.5  # concurrent: far below 300 * 0.1 s
    assert all(status == 200 for status, _ in results)
    assert results[3][1] == factory(3) and results[7][1] == b"<rss>changed</rss>"
    assert sum(srv.hits[p] for p in paths) == 300


def test_header_dict_case_insensitive() -> None:
    h = HeaderDict([("If-None-Match", '"a"'), ("Accept", "x"), ("accept", "y")])
    assert h["if-none-match"] == '"a"' and "IF-NONE-MATCH" in h
    assert h.get("ACCEPT") == "x, y" and h.get("missing") is None
    assert dict(h) == {"If-None-Match": '"a"', "Accept": "x, y"}


# -- builders -------------------------------------------------------------------

BUILDERS: dict[str, Callable[..., bytes]] = {"rss2": rss2, "atom": atom, "rdf": rdf}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
@pytest.mark.parametrize(
    "kwargs", [{}, {"encoding": "windows-1256"}, {"bom": True}], ids=["utf8", "cp1256", "bom"]
)
def test_builders_parse_with_feedparser(kind: str, kwargs: dict[str, object]) -> None:
    data = BUILDERS[kind](ITEMS, title="موجز الأخبار", **kwargs)
    encoding = str(kwargs.get("encoding", "utf-8"))
    assert ITEMS[1].title.encode(encoding) in data  # encoded for real
    if kwargs.get("bom"):
        assert data.startswith(b"\xef\xbb\xbf<?xml")
    d = feedparser.parse(data)
    assert not d.bozo, d.get("bozo_exception")
    assert d.encoding.lower() == encoding
    assert d.feed.title == "موجز الأخبار"
    assert [e.title for e in d.entries] == [i.title for i in ITEMS]
    assert [e.link for e in d.entries] == [i.link for i in ITEMS]
    first = d.entries[0]
    assert first.summary == ITEMS[0].summary  # HTML survives the escaping round trip
    assert first.author == ITEMS[0].author
    assert first.id == "guid-1"
    date = first.get("published_parsed") or first.get("updated_parsed")
    assert date is not None and datetime(*date[:6], tzinfo=UTC) == T0


def test_rss2_details() -> None:
    data = rss2(ITEMS, ttl=15, declare_encoding=False, encoding="windows-1256")
    assert data.startswith(b'<?xml version="1.0"?>')
    assert b"<ttl>15</ttl>" in data and b"<pubDate>Sun, 10 Mar 2024 08:30:00 GMT</pubDate>" in data
    assert b"&lt;p&gt;" in data and b"&amp; &lt;" in data
    d = feedparser.parse(data, response_headers={"content-type": "application/rss+xml; charset=windows-1256"})
    assert [e.title for e in d.entries] == [i.title for i in ITEMS]
    assert d.feed.ttl == "15"
    assert "id" not in d.entries[2]  # guid=None is omitted


def test_malformed_recoverable() -> None:
    from lxml import etree

    data = malformed_recoverable(ITEMS)
    with pytest.raises(etree.XMLSyntaxError):
        etree.fromstring(data)
    d = feedparser.parse(data)
    assert d.bozo
    assert [e.link for e in d.entries] == [i.link for i in ITEMS]
    assert ITEMS[0].title.split()[0] in d.entries[0].title
    assert [e.title for e in d.entries[1:]] == [i.title for i in ITEMS[1:]]


class _LinkFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "link":
            self.links.append(dict(attrs))


def test_html_pages() -> None:
    page = _LinkFinder()
    page.feed(not_a_feed().decode())
    assert page.links == []
    assert not feedparser.parse(not_a_feed()).entries

    page = _LinkFinder()
    page.feed(html_with_feed_link("http://127.0.0.1:1/feed.xml?a=1&b=2").decode())
    assert page.links == [{"rel": "alternate", "type": "application/rss+xml", "title": "Site",
                           "href": "http://127.0.0.1:1/feed.xml?a=1&b=2"}]


def test_entity_bomb_is_small() -> None:
    data = entity_bomb()
    assert len(data) < 2000
    assert data.count(b"<!ENTITY") == 10 and b"<title>&lol9;</title>" in data


@pytest.mark.parametrize("lang", ["ar", "en"])
def test_big_feed(lang: str) -> None:
    data = big_feed(lang=lang)
    assert abs(len(data) - 60_000) <= 6_000
    assert big_feed(lang=lang) == data  # deterministic
    d = feedparser.parse(data)
    assert not d.bozo and len(d.entries) == 50
    assert len({e.link for e in d.entries}) == 50 and len({e.id for e in d.entries}) == 50
    if lang == "ar":
        assert any("\u0600" <= ch <= "\u06ff" for ch in d.entries[0].title + d.entries[0].summary)
    other = feedparser.parse(big_feed(seed=1, lang=lang))
    assert not {e.link for e in d.entries} & {e.link for e in other.entries}
    small = big_feed(n_items=10, target_bytes=200_000, seed=3)
    assert abs(len(small) - 200_000) <= 20_000 and small.count(b"<item>") == 10
