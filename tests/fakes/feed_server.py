"""Local HTTP feed server and feed-document builders for tests and benchmarks.

Builders are pure functions returning ``bytes``; :class:`FeedServer` is an
aiohttp server on 127.0.0.1 (ephemeral port) whose routes are registered by
the test at any time, including after ``start()``.
"""

from __future__ import annotations

import asyncio
import codecs
import dataclasses
import functools
import hashlib
import random
import struct
import zlib
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime
from types import TracebackType
from typing import Self
from xml.sax.saxutils import escape as _xml_escape

from aiohttp import web

__all__ = [
    "FeedServer", "HeaderDict", "Item", "atom", "big_feed", "crc32_zeros", "entity_bomb", "gzip_zeros",
    "html_with_feed_link", "iso8601", "malformed_recoverable", "not_a_feed", "rdf", "rfc822", "rss2",
]

RSS_CT = "application/rss+xml; charset=utf-8"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

@dataclasses.dataclass(frozen=True, slots=True)
class Item:
    """One feed entry."""

    title: str
    link: str
    summary: str = ""
    guid: str | None = None
    published: datetime | None = None
    author: str | None = None
    categories: tuple[str, ...] = ()  # RSS <category>, Atom <category term=…>


def _esc(text: str) -> str:
    return _xml_escape(text, {'"': "&quot;"})


def _aware(dt: datetime) -> datetime:
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt


def rfc822(dt: datetime) -> str:
    """RFC 822 date as used by RSS 2.0 ``pubDate`` (naive means UTC)."""
    dt = _aware(dt)
    utc = dt.utcoffset() == timedelta(0)
    return format_datetime(dt.astimezone(UTC), usegmt=True) if utc else format_datetime(dt)


def iso8601(dt: datetime) -> str:
    """ISO 8601 / RFC 3339 timestamp (naive means UTC)."""
    return _aware(dt).isoformat(timespec="seconds").replace("+00:00", "Z")


def _el(tag: str, value: str | None, attrs: str = "") -> list[str]:
    """``<tag attrs>escaped value</tag>`` as a one-line list, or [] if value is None."""
    return [] if value is None else [f"  <{tag}{attrs}>{_esc(value)}</{tag}>"]


def _finish(lines: list[str], encoding: str, bom: bool, declare_encoding: bool) -> bytes:
    """Prefix the XML prolog and encode for real (unmappable chars become &#N;)."""
    enc = f' encoding="{encoding}"' if declare_encoding else ""
    data = "\n".join([f'<?xml version="1.0"{enc}?>', *lines, ""]).encode(encoding, "xmlcharrefreplace")
    return codecs.BOM_UTF8 + data if bom else data


def rss2(items: Iterable[Item], *, title: str = "Feed", link: str = "https://example.org/",
         description: str = "Fake feed", language: str | None = None, encoding: str = "utf-8",
         ttl: int | None = None, bom: bool = False, declare_encoding: bool = True) -> bytes:
    """RSS 2.0 document; summaries (possibly HTML) are emitted escaped.

    ``bom=True`` prefixes a UTF-8 BOM whatever ``encoding`` is (a lying BOM
    can thus be built on purpose). ``author`` goes to <dc:creator>.
    """
    out = ['<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/">', "<channel>",
           *_el("title", title), *_el("link", link), *_el("description", description),
           *_el("language", language), *_el("ttl", None if ttl is None else str(ttl))]
    for it in items:
        perma = "true" if it.guid == it.link else "false"
        out += ["<item>", *_el("title", it.title), *_el("link", it.link),
                *_el("description", it.summary or None), *_el("guid", it.guid, f' isPermaLink="{perma}"'),
                *_el("pubDate", it.published and rfc822(it.published)), *_el("dc:creator", it.author),
                *[ln for c in it.categories for ln in _el("category", c)], "</item>"]
    return _finish([*out, "</channel>", "</rss>"], encoding, bom, declare_encoding)


def atom(items: Iterable[Item], *, title: str = "Feed", link: str = "https://example.org/",
         feed_id: str | None = None, updated: datetime | None = None, language: str | None = None,
         encoding: str = "utf-8", bom: bool = False, declare_encoding: bool = True) -> bytes:
    """Atom 1.0 document; entry id is ``guid`` or else ``link``.

    Entries without ``published`` get neither <published> nor <updated>.
    """
    items = list(items)
    if updated is None:
        dates = [_aware(i.published) for i in items if i.published is not None]
        updated = max(dates) if dates else datetime(2024, 1, 1, tzinfo=UTC)
    lang = f' xml:lang="{_esc(language)}"' if language else ""
    out = [f'<feed xmlns="http://www.w3.org/2005/Atom"{lang}>', *_el("title", title, ' type="text"'),
           f'  <link rel="alternate" type="text/html" href="{_esc(link)}"/>',
           *_el("id", feed_id or link), *_el("updated", iso8601(updated))]
    for it in items:
        when = it.published and iso8601(it.published)
        out += ["<entry>", *_el("title", it.title, ' type="text"'),
                f'  <link rel="alternate" type="text/html" href="{_esc(it.link)}"/>',
                *_el("id", it.guid or it.link), *_el("published", when), *_el("updated", when),
                *(["  <author>", *_el("name", it.author), "  </author>"] if it.author else []),
                *_el("summary", it.summary or None, ' type="html"'),
                *[f'  <category term="{_esc(c)}"/>' for c in it.categories], "</entry>"]
    return _finish([*out, "</feed>"], encoding, bom, declare_encoding)


def rdf(items: Iterable[Item], *, title: str = "Feed", link: str = "https://example.org/",
        description: str = "Fake feed", language: str | None = "ar", encoding: str = "utf-8",
        bom: bool = False, declare_encoding: bool = True) -> bytes:
    """RSS 1.0 (RDF) document shaped like DW's Arabic feed (dc:date, dc:creator)."""
    items = list(items)
    out = ['<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"'
           ' xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">',
           f'<channel rdf:about="{_esc(link)}">', *_el("title", title), *_el("link", link),
           *_el("description", description), *_el("dc:language", language), "  <items><rdf:Seq>",
           *[f'    <rdf:li rdf:resource="{_esc(it.link)}"/>' for it in items], "  </rdf:Seq></items>",
           "</channel>"]
    for it in items:
        out += [f'<item rdf:about="{_esc(it.guid or it.link)}">', *_el("title", it.title),
                *_el("link", it.link), *_el("description", it.summary or None),
                *_el("dc:date", it.published and iso8601(it.published)), *_el("dc:creator", it.author),
                "</item>"]
    return _finish([*out, "</rdf:RDF>"], encoding, bom, declare_encoding)


def malformed_recoverable(items: Sequence[Item], **rss_kwargs: object) -> bytes:
    """RSS 2.0 whose first item's title has an unclosed ``<b>``.

    Strict XML parsers fail (mismatched tag); feedparser's loose parser still
    recovers every item (the first title gains a literal ``<b>``).
    """
    if not items:
        raise ValueError("malformed_recoverable needs at least one item")
    data = rss2(items, **rss_kwargs)  # type: ignore[arg-type]
    at = data.index(b"<title>", data.index(b"<item>")) + len(b"<title>")
    return data[:at] + b"<b>" + data[at:]


def not_a_feed(title: str = "صفحة عادية") -> bytes:
    """An HTML page with no feed link at all."""
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title></head>\n<body><h1>{_esc(title)}</h1>"
        "<p>هذه صفحة ويب وليست موجز أخبار.</p><p>This is a web page, not a feed.</p>"
        "</body></html>\n"
    ).encode()


def html_with_feed_link(feed_url: str, *, title: str = "Site", feed_type: str = "application/rss+xml") -> bytes:
    """An HTML page advertising ``feed_url`` via <link rel="alternate">."""
    return (
        '<!DOCTYPE html>\n<html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f"<title>{_esc(title)}</title>\n"
        f'<link rel="alternate" type="{_esc(feed_type)}" title="{_esc(title)}" href="{_esc(feed_url)}">\n'
        f"</head><body><h1>{_esc(title)}</h1><p>آخر الأخبار</p></body></html>\n"
    ).encode()


def entity_bomb(levels: int = 10, fanout: int = 10) -> bytes:
    """Billion-laughs RSS: nested <!ENTITY>s, the deepest used in a title.

    Expands to ``3 * fanout ** (levels - 1)`` bytes; never parse unguarded.
    """
    ents = ['  <!ENTITY lol0 "lol">']
    ents += [f'  <!ENTITY lol{i} "{f"&lol{i - 1};" * fanout}">' for i in range(1, levels)]
    top = f"&lol{levels - 1};"
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE rss [\n' + "\n".join(ents) + "\n]>\n"
        '<rss version="2.0"><channel><title>Bomb</title><link>https://example.org/</link>'
        "<description>entity expansion</description>\n"
        f"<item><title>{top}</title><link>https://example.org/bomb</link>"
        "<guid>bomb-1</guid></item>\n</channel></rss>\n"
    ).encode()


_VOCAB_SRC = {
    "ar": """
subj=وزير الخارجية|رئيس الوزراء|الرئيس|مجلس الأمن|البنك المركزي|الأمم المتحدة|وزارة الصحة|البرلمان|وزير المالية
verb=أعلن|قال|أكد|نفى|حذر|دعا|بحث|وقّع|استقبل|ناقش|رحّب|انتقد
topic=اتفاقاً جديداً للتعاون الاقتصادي|خطة لخفض أسعار الوقود|وقف إطلاق النار|نتائج الانتخابات البرلمانية\
|إجراءات لمواجهة التضخم|مفاوضات حول ملف المياه|حزمة مساعدات إنسانية|ارتفاع أسعار النفط|أزمة الكهرباء
city=القاهرة|بيروت|الرياض|دمشق|بغداد|عمّان|الرباط|تونس|الدوحة|دبي|الخرطوم|الجزائر
glue=وذلك وسط|في ظل|بعد أيام من|قبيل|على خلفية|بالتزامن مع
ctx=توترات إقليمية متصاعدة|احتجاجات في الشارع|تراجع قيمة العملة المحلية|زيارة وفد دولي رفيع|انتقادات من المعارضة
day=الاثنين|الثلاثاء|الأربعاء|الخميس|الجمعة|السبت|الأحد
name=مراسل الشؤون العربية|فريق التحرير|سارة أحمد|محمد العلي|ليلى حسن
in=في
on=يوم
feed=أخبار تجريبية""",
    "en": """
subj=The foreign minister|The prime minister|The president|The Security Council|The central bank|Parliament
verb=announced|said|confirmed|denied|warned|urged|discussed|signed|welcomed|criticised
topic=a new economic cooperation deal|a plan to cut fuel prices|a ceasefire|the parliamentary election results\
|measures against inflation|talks on water rights|a humanitarian aid package|rising oil prices
city=Cairo|Beirut|Riyadh|Damascus|Baghdad|Amman|Rabat|Tunis|Doha|Dubai|Khartoum|Algiers
glue=amid|following|ahead of|against the backdrop of|alongside
ctx=rising regional tensions|street protests|a weaker local currency|criticism from the opposition
day=Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday
name=Staff reporter|Newsdesk|Sarah Ahmed|Mohammed Ali|Layla Hassan
in=in
on=on
feed=Fake News Wire""",
}
_VOCAB = {
    lang: dict((k, v.split("|")) for k, _, v in (ln.partition("=") for ln in src.strip().splitlines()))
    for lang, src in _VOCAB_SRC.items()
}


def _words(rng: random.Random, vocab: Mapping[str, list[str]], *keys: str) -> str:
    return " ".join(rng.choice(vocab[k]) for k in keys)


def _sentence(rng: random.Random, vocab: Mapping[str, list[str]]) -> str:
    return _words(rng, vocab, "subj", "verb", "on", "day", "topic", "in", "city", "glue", "ctx") + "."


def big_feed(n_items: int = 50, target_bytes: int = 60_000, seed: int = 0, lang: str = "ar") -> bytes:
    """Realistic RSS 2.0 (~``target_bytes``) of news-like text, deterministic from seed.

    Links and guids are unique per ``(seed, i)``; ``lang`` is "ar" or "en".
    """
    vocab = _VOCAB["ar" if lang == "ar" else "en"]
    rng = random.Random(f"big_feed:{lang}:{seed}")
    base_time = datetime(2024, 5, 1, 12, 0, tzinfo=UTC) - timedelta(days=seed % 365)
    heads: list[Item] = []
    for i in range(n_items):
        title = _words(rng, vocab, "subj", "verb", "topic", "in", "city")
        heads.append(Item(
            title=title,
            link=f"https://news.example.org/{lang}/s{seed}/article-{i}",
            guid=f"urn:newsbot-fake:{lang}:{seed}:{i}",
            published=base_time - timedelta(minutes=13 * i + rng.randint(0, 9)),
            author=rng.choice(vocab["name"]) if rng.random() < 0.7 else None,
        ))
    build = functools.partial(rss2, title=vocab["feed"][0], link="https://news.example.org/", language=lang)
    base = len(build(heads))
    per_item = (target_bytes - base) // max(n_items, 1) - len("  <description></description>\n")
    items = []
    for it in heads:
        text = ""
        while len(text.encode()) < per_item:
            text += _sentence(rng, vocab) + " "
        cut = text.encode()[: max(per_item, 0)].decode(errors="ignore")
        summary = cut.rsplit(" ", 1)[0] if " " in cut else cut
        items.append(dataclasses.replace(it, summary=summary))
    return build(items)


_CRC_POLY = 0xEDB88320


def _multmodp(a: int, b: int) -> int:
    """a * b mod the CRC-32 polynomial (reflected), as in zlib's crc32.c."""
    m, p = 1 << 31, 0
    while True:
        if a & m:
            p ^= b
            if not a & (m - 1):
                return p
        m >>= 1
        b = (b >> 1) ^ _CRC_POLY if b & 1 else b >> 1


def crc32_zeros(n: int) -> int:
    """``zlib.crc32(bytes(n))`` in O(log n) time, without the bytes."""
    result, base, e = 1 << 31, 1 << 30, 8 * n  # x^0, x^1, exponent
    while e:
        if e & 1:
            result = _multmodp(base, result)
        base = _multmodp(base, base)
        e >>= 1
    return ~_multmodp(result, 0xFFFFFFFF) & 0xFFFFFFFF


@functools.lru_cache(maxsize=8)
def gzip_zeros(size: int, segment: int = 1 << 20) -> bytes:
    """Gzip stream decompressing to ``size`` zero bytes (~size/1030 bytes long).

    One ``segment`` of zeros is deflated once (full flush => self-contained,
    byte-aligned) and repeated; memory stays ~``segment``. Cached.
    """
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    seg = comp.compress(bytes(segment)) + comp.flush(zlib.Z_FULL_FLUSH)
    count, rest = divmod(size, segment)
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    tail = comp.compress(bytes(rest)) + comp.flush(zlib.Z_FINISH)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc32_zeros(size), size & 0xFFFFFFFF)
    return header + seg * count + tail + trailer


class HeaderDict(dict[str, str]):
    """Recorded request headers; lookups are case-insensitive."""

    def __init__(self, headers: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        self._lower: dict[str, str] = {}
        pairs = headers.items() if isinstance(headers, Mapping) else headers
        for k, v in pairs:  # repeated names are joined with ", "
            key = self._lower.setdefault(k.lower(), k)
            old = dict.get(self, key)
            dict.__setitem__(self, key, v if old is None else f"{old}, {v}")

    def _key(self, key: object) -> object:
        return self._lower.get(key.lower(), key) if isinstance(key, str) else key

    def __getitem__(self, key: str) -> str:
        return super().__getitem__(self._key(key))  # type: ignore[index]

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._key(key))

    def get(self, key: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return super().get(self._key(key), default)  # type: ignore[call-overload, no-any-return]


@dataclasses.dataclass
class _Feed:
    body: bytes
    content_type: str
    use_etag: bool
    last_modified: datetime | None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    version: int = 0

    @property
    def etag(self) -> str | None:
        if not self.use_etag:
            return None
        return f'"{hashlib.sha1(self.body).hexdigest()[:16]}-{self.version}"'


def _path(path: str) -> str:
    return path if path.startswith("/") else "/" + path


def _weak(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


_HUGE_HEAD = b'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel><title>Huge</title>\n'
_HUGE_FILL = b"<!-- padding padding padding padding padding padding padding padding -->\n" * 900  # ~65 KB


class FeedServer:
    """aiohttp server on 127.0.0.1 serving registered feed and failure routes.

    Per path it records ``hits[path]`` (int), ``statuses[path]`` (codes sent)
    and ``requests[path]`` (:class:`HeaderDict` of request headers per hit).
    Routes key on the URL path only (query strings are ignored).
    """

    def __init__(self, *, latency: float = 0.0, host: str = "127.0.0.1", port: int = 0,
                 shutdown_timeout: float = 0.25) -> None:
        self.latency = latency
        self.host = host
        self.port = port
        self.shutdown_timeout = shutdown_timeout
        self.hits: Counter[str] = Counter()
        self.statuses: defaultdict[str, list[int]] = defaultdict(list)
        self.requests: defaultdict[str, list[HeaderDict]] = defaultdict(list)
        self._routes: dict[str, Handler] = {}
        self._feeds: dict[str, _Feed] = {}
        self._many: dict[str, tuple[int, Callable[[int], bytes], str]] = {}
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        """Bind and start serving (port 0 picks an ephemeral port)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        app.on_response_prepare.append(self._on_prepare)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=self.shutdown_timeout)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=4096)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        """Stop; in-flight slow handlers are cancelled after ``shutdown_timeout``."""
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(self, et: type[BaseException] | None, e: BaseException | None,
                        tb: TracebackType | None) -> None:
        await self.stop()

    def url(self, path: str = "/") -> str:
        """Absolute URL of ``path`` on this server (must be started)."""
        if self._runner is None:
            raise RuntimeError("FeedServer is not started")
        return f"http://{self.host}:{self.port}{_path(path)}"

    def reset_stats(self) -> None:
        """Forget hits, statuses and recorded requests."""
        self.hits.clear()
        self.statuses.clear()
        self.requests.clear()

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        self.hits[path] += 1
        self.requests[path].append(HeaderDict(request.headers.items()))
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        handler = self._routes.get(path) or self._materialize(path)
        if handler is None:
            return web.Response(status=404, text="not found")
        return await handler(request)

    async def _on_prepare(self, request: web.Request, response: web.StreamResponse) -> None:
        self.statuses[request.path].append(response.status)

    def _materialize(self, path: str) -> Handler | None:
        prefix, _, tail = path.rpartition("/")
        spec = self._many.get(prefix)
        if spec is None or not tail.isdigit() or str(int(tail)) != tail or int(tail) >= spec[0]:
            return None
        self.add_feed(path, spec[1](int(tail)), content_type=spec[2])
        return self._routes[path]

    def add_handler(self, path: str, handler: Handler) -> None:
        """Register an arbitrary aiohttp handler (escape hatch)."""
        path = _path(path)
        self._feeds.pop(path, None)
        self._routes[path] = handler

    def add_feed(self, path: str, body: bytes, *, content_type: str = RSS_CT, etag: bool = True,
                 last_modified: bool | datetime = True, headers: Mapping[str, str] | None = None) -> None:
        """Serve ``body`` with ETag / Last-Modified, answering 304 to conditional GETs."""
        path = _path(path)
        if isinstance(last_modified, datetime):
            lm: datetime | None = _aware(last_modified).replace(microsecond=0)
        else:
            lm = datetime.now(UTC).replace(microsecond=0) if last_modified else None
        feed = _Feed(body, content_type, etag, lm, dict(headers or {}))
        self._routes[path] = functools.partial(self._serve_feed, feed)
        self._feeds[path] = feed

    def set_body(self, path: str, body: bytes) -> None:
        """Replace a feed's content: new ETag, Last-Modified at least 1 s later."""
        path = _path(path)
        if path not in self._feeds:
            self._materialize(path)
        feed = self._feeds[path]
        feed.body = body
        feed.version += 1
        if feed.last_modified is not None:
            now = datetime.now(UTC).replace(microsecond=0)
            feed.last_modified = max(now, feed.last_modified + timedelta(seconds=1))

    def add_cache_control(self, path: str, body: bytes, max_age: int, *, content_type: str = RSS_CT) -> None:
        """Feed route that also sends ``Cache-Control: max-age=N``."""
        self.add_feed(path, body, content_type=content_type, headers={"Cache-Control": f"max-age={max_age}"})

    def add_many(self, prefix: str, count: int, body_factory: Callable[[int], bytes], *,
                 content_type: str = RSS_CT) -> list[str]:
        """Lazily register feeds ``prefix/0 .. prefix/count-1``; returns their paths."""
        prefix = _path(prefix).rstrip("/")
        self._many[prefix] = (count, body_factory, content_type)
        return [f"{prefix}/{i}" for i in range(count)]

    async def _serve_feed(self, feed: _Feed, request: web.Request) -> web.Response:
        headers = {"Content-Type": feed.content_type, **feed.headers}
        etag = feed.etag
        if etag is not None:
            headers["ETag"] = etag
        if feed.last_modified is not None:
            headers["Last-Modified"] = format_datetime(feed.last_modified, usegmt=True)
        if self._not_modified(etag, feed.last_modified, request):
            headers.pop("Content-Type")
            return web.Response(status=304, headers=headers)
        return web.Response(body=feed.body, headers=headers)

    @staticmethod
    def _not_modified(etag: str | None, lm: datetime | None, request: web.Request) -> bool:
        inm = request.headers.get("If-None-Match")
        if inm is not None:  # takes precedence over If-Modified-Since (RFC 9110)
            tags = {_weak(t) for t in inm.split(",")}
            return etag is not None and ("*" in tags or _weak(etag) in tags)
        ims = request.headers.get("If-Modified-Since")
        if ims is None or lm is None:
            return False
        try:
            since = parsedate_to_datetime(ims)
        except (TypeError, ValueError):
            return False
        return lm <= _aware(since)

    def _add_fixed(self, path: str, status: int, headers: Mapping[str, str], body: bytes,
                   delay_s: float = 0.0) -> None:
        hdrs = dict(headers)

        async def handler(request: web.Request) -> web.Response:
            if delay_s > 0:
                await asyncio.sleep(delay_s)
            return web.Response(status=status, headers=hdrs, body=body)

        self.add_handler(path, handler)

    def add_status(self, path: str, status: int, *, headers: Mapping[str, str] | None = None,
                   body: bytes = b"") -> None:
        """Fixed status (500, 410, 429 + Retry-After, 403, ...)."""
        self._add_fixed(path, status, {"Content-Type": "text/plain; charset=utf-8", **(headers or {})}, body)

    def add_slow(self, path: str, delay_s: float, body: bytes | None = None, *,
                 content_type: str = RSS_CT) -> None:
        """Sleep ``delay_s`` before sending headers, then send ``body``."""
        data = _default_body() if body is None else body
        self._add_fixed(path, 200, {"Content-Type": content_type}, data, delay_s)

    def add_gzip_bomb(self, path: str, decompressed_size: int = 1_000_000_000, *,
                      content_type: str = RSS_CT) -> None:
        """``Content-Encoding: gzip`` body (cached, ~size/1030 bytes) inflating to zeros."""
        hdrs = {"Content-Type": content_type, "Content-Encoding": "gzip"}
        self._add_fixed(path, 200, hdrs, gzip_zeros(decompressed_size))

    def add_redirect(self, path: str, location: str, status: int = 302) -> None:
        """Redirect to ``location`` (a path on this server or an absolute URL)."""

        async def handler(request: web.Request) -> web.Response:
            loc = location if "://" in location else self.url(location)
            return web.Response(status=status, headers={"Location": loc})

        self.add_handler(path, handler)

    def add_permanent_redirect(self, path: str, target: str) -> None:
        """301 to ``target``."""
        self.add_redirect(path, target, status=301)

    def add_trickle(self, path: str, bytes_per_s: float, body: bytes | None = None, *,
                    content_type: str = RSS_CT) -> None:
        """Send headers (with Content-Length) at once, then dribble the body."""
        data = _default_body() if body is None else body
        step = max(1, int(bytes_per_s / 20))

        async def handler(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse(headers={"Content-Type": content_type})
            resp.content_length = len(data)
            await resp.prepare(request)
            loop = asyncio.get_running_loop()
            t0 = loop.time()
            try:
                for off in range(0, len(data), step):
                    delay = t0 + off / bytes_per_s - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                    await resp.write(data[off:off + step])
                await resp.write_eof()
            except ConnectionError:
                pass
            return resp

        self.add_handler(path, handler)

    def add_huge(self, path: str, size_bytes: int, *, content_type: str = RSS_CT) -> None:
        """Stream exactly ``size_bytes`` chunked (no Content-Length), generated on the fly."""
        first, fill = memoryview((_HUGE_HEAD + _HUGE_FILL)[: len(_HUGE_FILL)]), memoryview(_HUGE_FILL)

        async def handler(request: web.Request) -> web.StreamResponse:
            resp = web.StreamResponse(headers={"Content-Type": content_type})
            resp.enable_chunked_encoding()
            await resp.prepare(request)
            sent = 0
            try:
                while sent < size_bytes:
                    block = first if sent == 0 else fill
                    n = min(len(block), size_bytes - sent)
                    await resp.write(block[:n])
                    sent += n
                await resp.write_eof()
            except ConnectionError:
                pass
            return resp

        self.add_handler(path, handler)


@functools.cache
def _default_body() -> bytes:
    when = datetime(2024, 1, 1, 12, tzinfo=UTC)
    return rss2([Item(f"خبر رقم {i}", f"https://example.org/news/{i}", "نص الخبر", f"default-{i}", when)
                 for i in range(5)], title="موجز بطيء")
