"""The parse path against a corpus of small documents, one per defect of issue 15 (table-driven).

Each case is a document (inline), how it is served (Content-Type, URL) and
what must come out: entries' plain-text titles, links, summaries, dates, or
the refusal. ``_expect`` compares only the fields a case names.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.domain.stories import story_key
from bot.feeds.parse import EntityDeclarations, NotAFeed, ParsedFeed, choose_parser, parse_feed
from bot.feeds.prepare import Facts, prepare_xml

FEED_URL = "https://news.example.org/feeds/main.xml"


def rss(*items: str, head: str = "", ns: str = "", prolog: str = '<?xml version="1.0" encoding="utf-8"?>') -> str:
    return (f'{prolog}{head}<rss version="2.0"{ns}><channel><title>Wire</title><link>https://news.example.org/</link>'
            + "".join(f"<item>{i}</item>" for i in items) + "</channel></rss>")


def atom(*entries: str, attrs: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"{attrs}>'
            '<title>Wire</title><id>urn:wire</id><updated>2024-05-01T00:00:00Z</updated>'
            + "".join(f"<entry>{e}<updated>2024-05-01T10:00:00Z</updated></entry>" for e in entries) + "</feed>")


def item(title: str, link: str = "https://news.example.org/a/1", extra: str = "") -> str:
    return f"<title>{title}</title><link>{link}</link>{extra}"


@dataclass
class Case:
    name: str
    body: bytes | str
    expect: list[dict[str, Any]] = field(default_factory=list)  # per entry: field -> value (or callable)
    content_type: str = "application/rss+xml"
    url: str = FEED_URL
    parser: str | None = None  # "fast", "feedparser" or "json" when the choice itself is the point
    refused: type[Exception] | None = None

    def data(self) -> bytes:
        return self.body.encode("utf-8") if isinstance(self.body, str) else self.body


LONG = " ".join(["كلمة"] * 400) + " الناتو"  # the keyword comes after 2,000 characters
STYLE = "<style>.headline{color:red}</style>"
CDATA_SAMPLE = "<![CDATA[<pre><!DOCTYPE x [<!ENTITY a 'b'>]> <item><title>fake</title></item></pre>]]>"
NESTED = '<!DOCTYPE rss [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;">]>'


def utf16_bomless(text: str) -> bytes:
    return text.replace('encoding="utf-8"', 'encoding="utf-16"').encode("utf-16-le")


STRAY = rss(*[item(f"خبر رقم {i} عن الناتو", f"https://news.example.org/a/{i}") for i in range(30)],
            prolog="").encode("utf-8").replace("خبر رقم 7".encode(), "خبر رقم 7".encode() + b"\xff")
CP1256_TEXT = rss(*[item(f"وزير الخارجية يلتقي نظيره في القاهرة لبحث الأزمة {i}", f"https://news.example.org/a/{i}")
                    for i in range(10)], prolog='<?xml version="1.0" encoding="utf-8"?>')

NEWS_SITEMAP = (
    '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
    'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">'
    '<url><loc>/a/1?x=1&amp;y=2</loc><news:news><news:publication><news:name>وكالة الأنباء</news:name>'
    '<news:language>ar</news:language></news:publication><news:publication_date>2024-05-06T10:00:00+03:00'
    '</news:publication_date><news:title>الناتو يرحب بوقف إطلاق النار</news:title>'
    '<news:keywords>الناتو، غزة</news:keywords></news:news><image:image><image:loc>https://e.org/i.jpg</image:loc>'
    '<image:title>caption</image:title></image:image></url>'
    '<url><loc>https://news.example.org/b/2</loc><news:news><news:publication><news:name>x</news:name></news:publication>'
    '<news:publication_date>2024-05-06</news:publication_date><news:title>Caf&eacute; &laquo;opens&raquo;</news:title>'
    '</news:news></url>'
    '<url><loc>https://news.example.org/page</loc></url>'  # a page without news: not a story
    '</urlset>')

CASES = [
    # ---------------------------------------------------------------- entities and bare "&"
    Case("named entities in an Arabic title", rss(item("الرئيس يقول &laquo;لا&raquo; للحرب")),
         [{"title": "الرئيس يقول «لا» للحرب"}]),
    Case("accented and quoted", rss(item("Caf&eacute; &laquo;opens&raquo;")), [{"title": "Café «opens»"}]),
    Case("escaped & in a link", rss(item("x", "https://e.org/a?id=5&amp;lang=ar&amp;page=2")),
         [{"link": "https://e.org/a?id=5&lang=ar&page=2",
           "key": "https://e.org/a?id=5&lang=ar&page=2"}]),
    Case("bare & in a link", rss(item("x", "https://e.org/a?id=5&lang=ar&page=2")),
         [{"link": "https://e.org/a?id=5&lang=ar&page=2"}]),
    Case("bare & in a title", rss(item("Tom & Jerry &copy 2024")), [{"title": "Tom & Jerry &copy 2024"}]),
    Case("double-escaped entity", rss(item("Caf&amp;eacute; &amp;amp; bar")), [{"title": "Café & bar"}]),
    Case("C1 numeric references are windows-1252", rss(item("&#147;quoted&#148; &#8220;too&#8221;")),
         [{"title": "\u201cquoted\u201d \u201ctoo\u201d"}]),
    Case("unknown entity kept as text", rss(item("a &bogus; b")), [{"title": "a &bogus; b"}]),
    Case("entity in an Atom title", atom('<title>Wait&hellip; &eacute;t&eacute;</title><id>urn:1</id>'
                                         '<link href="https://e.org/1"/>'), [{"title": "Wait… été"}],
         content_type="application/atom+xml"),
    # ---------------------------------------------------------------- entity declarations
    Case("benign nbsp declaration is not refused",
         rss(item("A&nbsp;B"), head='<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'), [{"title": "A B"}]),
    Case("simple text entity expanded once",
         rss(item("&site; news"), head='<!DOCTYPE rss [<!ENTITY site "Al &amp; Co">]>'), [{"title": "Al & Co news"}]),
    Case("nested declarations (billion laughs shape) refused", rss(item("&c;"), head=NESTED),
         refused=EntityDeclarations),
    Case("external entity refused, never read",
         rss(item("&x;"), head='<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>'),
         refused=EntityDeclarations),
    Case("CDATA sample with <!DOCTYPE and <item> swallows nothing",
         rss(item("one", "https://e.org/1", f"<description>{CDATA_SAMPLE}</description>"),
             item("two", "https://e.org/2"), item("three", "https://e.org/3")),
         [{"title": "one", "summary": lambda s: "<!DOCTYPE x" in s and "fake" in s},
          {"title": "two"}, {"title": "three"}], parser="fast"),
    Case("BOM-less UTF-16 with a bomb is refused", utf16_bomless(rss(item("&c;"), head=NESTED)),
         refused=EntityDeclarations),
    Case("BOM-less UTF-32 with a bomb is refused", rss(item("&c;"), head=NESTED, prolog="").encode("utf-32-le"),
         refused=EntityDeclarations),
    Case("UTF-16 with a BOM and a benign declaration", codecs.BOM_UTF16_LE
         + rss(item("A&nbsp;B"), head='<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>', prolog="").encode("utf-16-le"),
         [{"title": "A B"}]),
    Case("CDATA mentioning <!ENTITY in a title", rss(item("<![CDATA[<!ENTITY x 'y'> &c; sample]]>"),
                                                    item("two", "https://e.org/2")),
         [{"title": "<!ENTITY x 'y'> &c; sample"}, {"title": "two"}]),
    Case("BOM-less UTF-16 read", utf16_bomless(rss(item("عاجل: هدنة"))), [{"title": "عاجل: هدنة"}]),
    Case("BOM-less UTF-32 read", rss(item("عاجل: هدنة"), prolog="").encode("utf-32-be"),
         [{"title": "عاجل: هدنة"}]),
    # ---------------------------------------------------------------- encodings
    Case("one stray byte does not flip a UTF-8 feed", STRAY,
         [{"title": f"خبر رقم {i} عن الناتو"} if i != 7 else {"title": "خبر رقم 7\ufffd عن الناتو"} for i in range(30)],
         content_type="application/rss+xml"),
    Case("a stray byte in a feed with little non-ASCII text stays UTF-8",
         rss(item("Caf\u00e9 opens \u2013 today"), prolog="").encode().replace(b"opens", b"op\x92ns"),
         [{"title": "Caf\u00e9 op\ufffdns \u2013 today"}], content_type="application/rss+xml"),
    Case("a stray byte in a declared-UTF-8 Arabic item",
         rss(item("عاجل"), item("هدنة في غزة", "https://e.org/2")).encode().replace("غزة".encode(), b"\xc3"),
         [{"title": "عاجل"}, {"title": "هدنة في \ufffd"}], content_type="text/xml; charset=utf-8"),
    Case("HTTP charset outranks the prolog",
         rss(item("وقف إطلاق النار"), prolog='<?xml version="1.0" encoding="windows-1256"?>'),
         [{"title": "وقف إطلاق النار"}], content_type="text/xml; charset=utf-8"),
    Case("a lying prolog loses to the bytes (windows-1256 served as utf-8 with no HTTP charset)",
         CP1256_TEXT.encode("cp1256"), [{"title": f"وزير الخارجية يلتقي نظيره في القاهرة لبحث الأزمة {i}"}
                                        for i in range(10)], content_type="text/xml"),
    Case("HTTP charset windows-1256", rss(item("وقف إطلاق النار"), prolog="").encode("cp1256"),
         [{"title": "وقف إطلاق النار"}], content_type="text/xml; charset=windows-1256"),
    Case("a Latin-1 server default loses to valid UTF-8", rss(item("البحر الأسود"), prolog=""),
         [{"title": "البحر الأسود"}], content_type="text/xml; charset=ISO-8859-1"),
    Case("Latin-1 is windows-1252 (smart quotes)",
         rss(item("\u201cna\u00efve\u201d \u2013 caf\u00e9"), prolog='<?xml version="1.0" encoding="iso-8859-1"?>')
         .encode("cp1252"), [{"title": "\u201cna\u00efve\u201d \u2013 caf\u00e9"}]),
    Case("UTF-32 with a BOM", codecs.BOM_UTF32_LE + rss(item("البحر الأسود"), prolog="").encode("utf-32-le"),
         [{"title": "البحر الأسود"}]),
    Case("UTF-16 with a BOM and prolog",
         codecs.BOM_UTF16_BE + rss(item("البحر الأسود"), prolog='<?xml version="1.0" encoding="utf-16"?>')
         .encode("utf-16-be"), [{"title": "البحر الأسود"}]),
    # ---------------------------------------------------------------- text chosen right
    Case("summary kept whole for matching", rss(item("x", extra=f"<description>{LONG}</description>")),
         [{"summary": lambda s: s.endswith("الناتو") and len(s) > 2000}]),
    Case("content-only entry: whole text, no <style> text",
         rss(item("x", extra=f"<content:encoded><![CDATA[{STYLE}<p>{LONG}</p>]]></content:encoded>"),
             ns=' xmlns:content="http://purl.org/rss/1.0/modules/content/"'),
         [{"summary": lambda s: s.endswith("الناتو") and "color" not in s and len(s) > 2000}]),
    Case("description with <style> keeps none of it",
         rss(item("x", extra=f"<description>&lt;p&gt;قبل&lt;/p&gt;{STYLE.replace('<', '&lt;')}بعد</description>")),
         [{"summary": "قبل بعد"}]),
    Case("Atom xhtml title", atom('<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">A <b>bold</b> '
                                  'move</div></title><id>urn:1</id><link href="https://e.org/1"/>'),
         [{"title": "A bold move"}], content_type="application/atom+xml"),
    Case("Atom text title is not HTML", atom('<title type="text">Why &lt;b&gt; beats &lt;strong&gt;</title>'
                                             '<id>urn:1</id><link href="https://e.org/1"/>'),
         [{"title": "Why <b> beats <strong>"}], content_type="application/atom+xml", parser="fast"),
    Case("Atom untyped title is text", atom('<title>Why &lt;b&gt; beats &lt;strong&gt;</title>'
                                            '<id>urn:1</id><link href="https://e.org/1"/>'),
         [{"title": "Why <b> beats <strong>"}], content_type="application/atom+xml"),
    Case("RSS plain title with angle brackets", rss(item("Why &lt;b&gt; beats &lt;strong&gt;")),
         [{"title": "Why <b> beats <strong>"}]),
    Case("Atom html title is HTML", atom('<title type="html">Why &lt;b&gt;bold&lt;/b&gt; wins</title>'
                                         '<id>urn:1</id><link href="https://e.org/1"/>'),
         [{"title": "Why bold wins"}], content_type="application/atom+xml"),
    Case("relative RSS link resolved against the feed URL", rss(item("x", "/news/2024/1.html")),
         [{"link": "https://news.example.org/news/2024/1.html"}]),
    Case("Atom xml:base resolved", atom('<title>x</title><id>urn:1</id><link href="story/1"/>',
                                        attrs=' xml:base="https://base.example.net/blog/"'),
         [{"link": "https://base.example.net/blog/story/1"}], content_type="application/atom+xml"),
    Case("Atom relative href without xml:base uses the feed URL",
         atom('<title>x</title><id>urn:1</id><link href="story/1"/>'),
         [{"link": "https://news.example.org/feeds/story/1"}], content_type="application/atom+xml"),
    Case("Atom URL id and no link", atom("<title>x</title><id>https://e.org/by-id/1</id>"),
         [{"link": "https://e.org/by-id/1"}], content_type="application/atom+xml"),
    Case("isPermaLink=false guid is not a link",
         rss('<title>x</title><guid isPermaLink="false">https://e.org/not-a-page</guid>'),
         [{"link": "", "guid": "https://e.org/not-a-page"}]),
    Case("permalink guid is the link", rss("<title>x</title><guid>https://e.org/page</guid>"),
         [{"link": "https://e.org/page"}]),
    Case("media:title does not override <title>",
         rss('<media:title>Photo caption</media:title><title>Real headline</title><link>https://e.org/1</link>',
             ns=' xmlns:media="http://search.yahoo.com/mrss/"'), [{"title": "Real headline"}]),
    Case("dates read", rss(item("x", extra="<pubDate>Mon, 06 May 2024 10:00:00 GMT</pubDate>")),
         [{"published": datetime(2024, 5, 6, 10, 0, tzinfo=UTC)}]),
    # ---------------------------------------------------------------- JSON Feed
    Case("empty JSON feed is a valid empty feed",
         '{"version": "https://jsonfeed.org/version/1.1", "title": "Wire", "items": []}', [],
         content_type="application/feed+json", parser="json"),
    Case("JSON feed whose HTML mentions <item>",
         '{"version": "https://jsonfeed.org/version/1.1", "title": "Wire", "items": [{"id": "1", '
         '"url": "https://e.org/1", "title": "Why <item> tags", "content_html": "<p>An <code>&lt;item&gt;</code> '
         'and <b>الناتو</b></p>", "date_published": "2024-05-06T10:00:00+03:00"}]}',
         [{"title": "Why <item> tags", "link": "https://e.org/1", "summary": "An <item> and الناتو",
           "published": datetime(2024, 5, 6, 7, 0, tzinfo=UTC)}], content_type="application/json", parser="json"),
    Case("JSON Feed 1.0, text content, relative URL",
         '{"version": "https://jsonfeed.org/version/1", "items": [{"id": 7, "url": "/a/7", '
         '"content_text": "نص  الخبر", "date_modified": "2024-05-06T10:00:00Z"}]}',
         [{"title": "", "link": "https://news.example.org/a/7", "guid": "7", "summary": "نص الخبر"}],
         content_type="application/feed+json"),
    Case("JSON Feed with a BOM served as text/plain",
         codecs.BOM_UTF8 + b'{"version": "https://jsonfeed.org/version/1.1", "items": [{"id": "a", '
         b'"url": "https://e.org/a", "title": "x", "summary": "y"}]}',
         [{"title": "x", "summary": "y", "link": "https://e.org/a"}], content_type="text/plain", parser="json"),
    Case("JSON Feed items that are not objects are skipped, an author-less item kept",
         '{"version": "https://jsonfeed.org/version/1.1", "items": [3, null, {"id": "b", "url": "https://e.org/b", '
         '"title": "ok", "date_published": "not a date"}]}',
         [{"title": "ok", "published": None}], content_type="application/feed+json"),
    Case("JSON with an unknown version is not a feed", '{"version": "2", "items": []}', refused=NotAFeed,
         content_type="application/json"),
    Case("JSON that is not a feed", '{"hello": "world"}', refused=NotAFeed, content_type="application/json"),
    # ---------------------------------------------------------------- Google News sitemaps
    Case("news sitemap: title, link, date, keywords", NEWS_SITEMAP,
         [{"title": "الناتو يرحب بوقف إطلاق النار", "link": "https://news.example.org/a/1?x=1&y=2",
           "guid": "https://news.example.org/a/1?x=1&y=2", "published": datetime(2024, 5, 6, 7, 0, tzinfo=UTC),
           "summary": "الناتو، غزة"},
          {"title": "Caf\u00e9 «opens»", "link": "https://news.example.org/b/2",
           "published": datetime(2024, 5, 6, tzinfo=UTC)}],
         content_type="application/xml", parser="sitemap"),
    Case("empty news sitemap is a valid empty feed",
         '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
         'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9"></urlset>', [],
         content_type="application/xml", parser="sitemap"),
    Case("plain sitemap (no news entries) is not a feed",
         '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://e.org/p</loc></url></urlset>',
         refused=NotAFeed, content_type="application/xml"),
    Case("sitemap index is not a feed",
         '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>https://e.org/n.xml</loc>'
         '</sitemap></sitemapindex>', refused=NotAFeed, content_type="application/xml"),
    Case("broken news sitemap still read", NEWS_SITEMAP.replace("</urlset>", ""),
         [{"title": "الناتو يرحب بوقف إطلاق النار"}, {"title": "Caf\u00e9 «opens»"}], content_type="application/xml",
         parser="sitemap"),
    Case("news sitemap with a bomb is refused", NESTED.replace("rss", "urlset") + NEWS_SITEMAP, refused=EntityDeclarations,
         content_type="application/xml"),
    # ---------------------------------------------------------------- the parser choice
    Case("plain RSS takes the fast path", rss(item("x"), item("y", "https://e.org/2")),
         [{"title": "x"}, {"title": "y"}], parser="fast"),
    Case("malformed XML goes to feedparser and keeps every entry",
         rss(item("one <b>unclosed", "https://e.org/1"), item("two", "https://e.org/2")),
         [{"link": "https://e.org/1"}, {"link": "https://e.org/2"}], parser="feedparser"),
]


def _check(parsed: ParsedFeed, case: Case) -> None:
    assert len(parsed.entries) == len(case.expect), [e.title for e in parsed.entries]
    for entry, want in zip(parsed.entries, case.expect):
        for key, value in want.items():
            got = story_key(entry.link, entry.guid, "feed") if key == "key" else getattr(entry, key)
            if callable(value):
                assert value(got), (key, got)
            else:
                assert got == value, (key, got)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus(case: Case) -> None:
    if case.refused is not None:
        with pytest.raises(case.refused):
            parse_feed(case.data(), case.content_type, case.url)
        return
    parsed = parse_feed(case.data(), case.content_type, case.url)
    _check(parsed, case)
    if case.parser is not None:
        assert parsed.parser == case.parser, parsed.reason


def _facts(**kw: Any) -> Facts:
    f = Facts(root="rss", items=2, links_in_entries=2, summaries=2)
    for k, v in kw.items():
        setattr(f, k, v)
    return f


DECISIONS = [
    ("plain RSS", _facts(), True, None),
    ("not well-formed", _facts(), False, "not well-formed XML"),
    ("no feed root", _facts(root=""), True, "no rss/feed/RDF root"),
    ("xml:base", _facts(xml_base=True), True, "xml:base"),
    ("xhtml", _facts(xhtml=True), True, "xhtml content"),
    ("media:title", _facts(prefixed_title=True), True, "namespaced title in an entry (media:title ...)"),
    ("Atom, text titles", _facts(root="feed", title_types={"", "text"}, text_types={"html"}), True, None),
    ("Atom, mixed titles", _facts(root="feed", title_types={"text", "html"}), True, "mixed Atom title types"),
    ("Atom, mixed summaries", _facts(root="feed", text_types={"", "html"}), True,
     "mixed Atom summary/content types"),
    ("content without summary", _facts(contents=2, summaries=1), True, "entries with content but no summary"),
    ("content with summary", _facts(contents=2, summaries=2), True, None),
    ("link-less entries and isPermaLink=false", _facts(not_permalink=True, links_in_entries=1), True,
     "entries without <link> beside isPermaLink=false guids"),
]


@pytest.mark.parametrize(("name", "facts", "well_formed", "reason"), DECISIONS, ids=[d[0] for d in DECISIONS])
def test_parser_choice(name: str, facts: Facts, well_formed: bool, reason: str | None) -> None:
    assert choose_parser(facts, well_formed) == reason


@pytest.mark.parametrize(("doc", "fact", "value"), [
    (rss(item("x", extra=f"<description>{CDATA_SAMPLE}</description>")), "items", 1),  # <item> in CDATA not counted
    (rss(item("x", extra="<!-- <item> <entry> -->")), "items", 1),
    (rss(item("x", extra="<description>xml:base in CDATA <![CDATA[xml:base]]></description>")), "xml_base", True),
    (rss(item("x", extra="<description><![CDATA[xml:base]]></description>")), "xml_base", False),
    (rss(item("x"), head='<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'), "doctype_removed", True),
])
def test_facts_ignore_cdata_and_comments(doc: str, fact: str, value: object) -> None:
    assert getattr(prepare_xml(doc)[1], fact) == value


def test_declarations_never_reach_a_parser() -> None:
    text, facts = prepare_xml(rss(item("A&nbsp;B"), head='<!DOCTYPE rss [<!ENTITY nbsp "&#160;">]>'))
    assert "<!DOCTYPE" not in text and "<!ENTITY" not in text and "A&#160;B" in text
    text, _ = prepare_xml(rss(item("x")) + '<!ENTITY stray "y">')
    assert "<!ENTITY" not in text and "&lt;!ENTITY" in text
