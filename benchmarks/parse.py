"""Parsing benchmark: newsbot's parse path against feedparser and fastfeedparser, time and agreement.

A deterministic set of realistic feeds (Arabic and English, 20-100 items;
RSS 2.0 with CDATA or escaped HTML, with content:encoded, with media:title
and with ``&amp;`` in links; Atom with HTML summaries and relative links;
named entities such as ``&laquo;``/``&eacute;``/``&nbsp;`` in titles) is
generated here, then each document is parsed by

* newsbot: ``bot.feeds.parse.parse_feed`` — decode, defuse, parser choice,
  and titles/summaries cleaned to plain text (more work than the others do);
* feedparser: ``feedparser.parse`` on the same bytes (what newsbot falls back to);
* fastfeedparser: ``fastfeedparser.parse`` on the same bytes.

Reported: the median over documents of each document's median parse time,
how many documents newsbot read with the fast parser, and the number of
documents where newsbot's stories (identity, title, summary, date) differ
from feedparser's reading of the same document, feedparser's text put
through the same cleaning.

    python benchmarks/parse.py               # 80 documents, 7 runs each
    python benchmarks/parse.py --docs 20 --runs 3
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import fastfeedparser  # noqa: E402
import feedparser  # noqa: E402

from bot.domain.stories import story_key  # noqa: E402
from bot.feeds.parse import _from_feedparser, parse_feed  # noqa: E402

AR = ("وزير الخارجية الرئيس الحكومة البرلمان مجلس الأمن الناتو بوتين الكرملين وقف إطلاق النار البحر الأسود "
      "القاهرة دمشق بغداد الرياض عمان محادثات قمة اتفاق عقوبات مساعدات لاجئين حبوب ميناء طاقة غاز نفط "
      "يلتقي يبحث يعلن يرفض يدعو يحذر يؤكد انتخابات اقتصاد عملة تضخم أسعار").split()
EN = ("foreign minister president government parliament security council NATO Putin Kremlin ceasefire Black Sea "
      "Cairo Damascus Baghdad Riyadh Amman talks summit deal sanctions aid refugees grain port energy gas oil "
      "meets discusses announces rejects calls warns confirms election economy currency inflation prices").split()
STYLES = ("rss-cdata", "rss-escaped", "rss-content", "rss-media", "atom-html", "rss-amp-links")


def _words(rng: random.Random, vocab: list[str], n: int) -> str:
    return " ".join(rng.choice(vocab) for _ in range(n))


def _title(rng: random.Random, vocab: list[str], lang: str) -> str:
    t = _words(rng, vocab, rng.randint(5, 11))
    r = rng.random()
    if r < 0.25:
        return f"{t} &laquo;{_words(rng, vocab, 2)}&raquo;" if lang == "ar" else f"{t} &ldquo;{_words(rng, vocab, 2)}&rdquo;"
    if r < 0.35:
        return f"{t} &amp; {_words(rng, vocab, 2)}"
    if r < 0.45:
        return f"Caf&eacute; {t}&nbsp;&hellip;" if lang == "en" else f"{t}&nbsp;&hellip;"
    return t


def _body_html(rng: random.Random, vocab: list[str], paragraphs: int) -> str:
    parts = []
    for _ in range(paragraphs):
        words = _words(rng, vocab, rng.randint(25, 60))
        if rng.random() < 0.3:
            words += f' <a href="https://news.example.org/tag/{rng.randint(1, 99)}?a=1&amp;b=2">{rng.choice(vocab)}</a>'
        parts.append(f"<p>{words}</p>")
    if rng.random() < 0.3:
        parts.insert(0, '<img src="https://img.example.org/x.jpg" alt="">')
    return "".join(parts)


def _escape(html: str) -> str:
    return html.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def make_feed(i: int, seed: int) -> tuple[bytes, str, str]:
    """(document, content type, URL) of feed ``i``; deterministic from ``seed``."""
    rng = random.Random(f"parse-bench:{seed}:{i}")
    lang = "ar" if i % 2 == 0 else "en"
    vocab = AR if lang == "ar" else EN
    style = STYLES[(i // 2) % len(STYLES)]
    n = rng.randint(20, 100)
    host = f"https://{lang}.site{i}.example.org"
    url = f"{host}/feeds/{style}.xml"
    start = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    if style == "atom-html":
        entries = []
        for k in range(n):
            when = (start - timedelta(minutes=7 * k)).isoformat().replace("+00:00", "Z")
            href = f"/{lang}/news/{k}" if k % 3 == 0 else f"{host}/{lang}/news/{k}"
            entries.append(
                f'<entry><title type="html">{_escape(_title(rng, vocab, lang))}</title>'
                f'<link rel="alternate" type="text/html" href="{href}"/><id>tag:site{i},2024:{k}</id>'
                f"<published>{when}</published><updated>{when}</updated>"
                f'<summary type="html">{_escape(_body_html(rng, vocab, 2))}</summary></entry>')
        doc = ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">'
               f'<title>Site {i}</title><link href="{host}/"/><id>{host}/</id>'
               f"<updated>{start.isoformat()}</updated>{''.join(entries)}</feed>")
        return doc.encode(), "application/atom+xml; charset=utf-8", url
    items = []
    for k in range(n):
        title = _title(rng, vocab, lang)
        link = f"{host}/{lang}/news/{k}"
        if style == "rss-amp-links":
            link += f"?id={k}&amp;lang={lang}&amp;page=2"
        body = _body_html(rng, vocab, rng.randint(1, 4))
        if style == "rss-cdata":
            desc = f"<description><![CDATA[{body}]]></description>"
        elif style == "rss-content":
            desc = (f"<description>{_escape(_words(rng, vocab, 30))}</description>"
                    f"<content:encoded><![CDATA[{body}<p>{_words(rng, vocab, 80)}</p>]]></content:encoded>")
        else:
            desc = f"<description>{_escape(body)}</description>"
        media = ""
        if style == "rss-media":
            media = (f'<media:content url="https://img.example.org/{i}/{k}.jpg" medium="image">'
                     f"<media:title>{_words(rng, vocab, 3)}</media:title></media:content>")
        when = format_datetime(start - timedelta(minutes=11 * k), usegmt=True)
        items.append(f"<item><title>{title}</title><link>{link}</link>{desc}"
                     f'<guid isPermaLink="false">site{i}-{k}</guid><pubDate>{when}</pubDate>{media}</item>')
    doc = ('<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0" '
           'xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:media="http://search.yahoo.com/mrss/">'
           f"<channel><title>Site {i}</title><link>{host}/</link><description>d</description>"
           f"<language>{lang}</language>{''.join(items)}</channel></rss>")
    return doc.encode(), "application/rss+xml; charset=utf-8", url


def _stories(entries: list[Any]) -> list[tuple[str | None, str, str, datetime | None]]:
    return [(story_key(e.link, e.guid, "feed"), e.title, e.summary, e.published) for e in entries]


def _median_time(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--docs", type=int, default=80)
    ap.add_argument("--runs", type=int, default=7, help="timed parses of each document by each parser")
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()

    docs = [make_feed(i, args.seed) for i in range(args.docs)]
    times: dict[str, list[float]] = {"newsbot": [], "feedparser": [], "fastfeedparser": []}
    fast = differ = 0
    differ_names: list[str] = []
    for i, (body, ctype, url) in enumerate(docs):
        headers = {"content-type": ctype, "content-location": url}
        ours = parse_feed(body, ctype, url)
        fast += ours.parser == "fast"
        ref = feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False, response_headers=headers)
        if _stories(ours.entries) != _stories(_from_feedparser(ref)[2]):
            differ += 1
            differ_names.append(f"{i}:{url.rsplit('/', 1)[-1]}")
        times["newsbot"].append(_median_time(lambda: parse_feed(body, ctype, url), args.runs))
        times["feedparser"].append(_median_time(
            lambda: feedparser.parse(body, sanitize_html=False, resolve_relative_uris=False,
                                     response_headers=headers), args.runs))
        times["fastfeedparser"].append(_median_time(lambda: fastfeedparser.parse(body), args.runs))

    sizes = sorted(len(b) for b, _c, _u in docs)
    print(f"{len(docs)} documents, {sizes[0] // 1024}-{sizes[-1] // 1024} KB (median {sizes[len(sizes) // 2] // 1024} KB), "
          f"20-100 items, Arabic and English; median of {args.runs} parses per document")
    base = statistics.median(times["feedparser"])
    print(f"{'parser':<16}{'median ms/doc':>14}{'p90 ms/doc':>12}{'vs feedparser':>15}")
    for name, ts in times.items():
        ts_sorted = sorted(ts)
        med = statistics.median(ts)
        print(f"{name:<16}{med * 1000:>14.2f}{ts_sorted[int(len(ts) * 0.9)] * 1000:>12.2f}{base / med:>14.1f}x")
    print(f"newsbot used fastfeedparser for {fast} of {len(docs)} documents, feedparser for the rest")
    print(f"documents where newsbot's stories differ from feedparser's: {differ} of {len(docs)}"
          + (f" ({', '.join(differ_names[:10])})" if differ_names else ""))


if __name__ == "__main__":
    main()
