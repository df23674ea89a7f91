"""A chat's whole configuration as a document: YAML out (/export), YAML or OPML in (/import), and the plan.

Pure: parsing never trusts the document (safe YAML loading, no XML entity
declarations, bounded sizes and counts, every rule parsed), and ``plan`` says
what applying it would change so the chat can confirm first. An OPML file
(what feed readers exchange) carries feeds only and changes nothing else.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import yaml

from bot.domain.rule_parse import RuleError
from bot.domain.watch_input import rule_key
from bot.domain.watchlists import TermError, term_key
from bot.errors import NewsbotError

__all__ = ["FORMAT", "MAX_DOCUMENT", "MAX_ITEMS", "ChatConfig", "ConfigError", "ConfigPlan", "FeedEntry",
           "dump_yaml", "parse_document", "plan"]

FORMAT = 1
MAX_DOCUMENT = 256 * 1024  # bytes
MAX_ITEMS = 500  # entries per section


@dataclass(frozen=True, slots=True)
class FeedEntry:
    url: str
    name: str = ""


@dataclass(frozen=True, slots=True)
class ChatConfig:
    """What a chat follows and how; ``feeds_only``: an OPML file (nothing else is replaced)."""

    topics: tuple[str, ...] = ()
    rules: tuple[str, ...] = ()
    exclusions: tuple[str, ...] = ()
    feeds: tuple[FeedEntry, ...] = ()
    enabled: bool | None = None
    muted_until: datetime | None = None
    feeds_only: bool = False
    buttons: bool | None = None  # buttons on alerts (None: not known / not set)
    # Attention policy as plain values (timezone, quiet, digest, cap, notify, slack_here, urgent_watchlists);
    # None: not in the document (an import leaves it as it is).
    attention: dict[str, Any] | None = None


class ConfigError(NewsbotError):
    """A document that cannot be imported; ``message_ar`` says why (and where)."""

    def __init__(self, message_ar: str) -> None:
        super().__init__(message_ar)
        self.message_ar = message_ar


@dataclass(frozen=True, slots=True)
class ConfigPlan:
    """What importing a document would change; empty when it matches the chat already."""

    add_topics: tuple[str, ...] = ()
    remove_topics: tuple[str, ...] = ()
    unknown_topics: tuple[str, ...] = ()
    add_rules: tuple[str, ...] = ()
    remove_rules: tuple[str, ...] = ()
    add_exclusions: tuple[str, ...] = ()
    remove_exclusions: tuple[str, ...] = ()
    add_feeds: tuple[FeedEntry, ...] = ()
    remove_feeds: tuple[FeedEntry, ...] = ()
    enabled: bool | None = None  # set to this (None: unchanged)
    muted_until: datetime | None = None
    unmute: bool = False
    buttons: bool | None = None  # set to this (None: unchanged)
    attention: dict[str, Any] | None = None  # set to this (None: unchanged)
    notes: tuple[str, ...] = field(default=())

    @property
    def empty(self) -> bool:
        return not (self.add_topics or self.remove_topics or self.add_rules or self.remove_rules
                    or self.add_exclusions or self.remove_exclusions or self.add_feeds or self.remove_feeds
                    or self.enabled is not None or self.muted_until is not None or self.unmute
                    or self.buttons is not None or self.attention is not None)


def dump_yaml(cfg: ChatConfig, *, title: str = "") -> str:
    """The document /export sends (and /import and ``newsbot import`` read back)."""
    doc: dict[str, Any] = {
        "newsbot": FORMAT,
        "topics": list(cfg.topics),
        "rules": list(cfg.rules),
        "exclusions": list(cfg.exclusions),
        "feeds": [{"url": f.url, "name": f.name} if f.name else {"url": f.url} for f in cfg.feeds],
        "policy": {"enabled": True if cfg.enabled is None else cfg.enabled,
                   "muted_until": cfg.muted_until.isoformat() if cfg.muted_until else None},
    }
    if cfg.buttons is not None:
        doc["policy"]["buttons"] = cfg.buttons
    if cfg.attention is not None:
        doc["policy"].update(cfg.attention)
    head = f"# newsbot: {title}\n" if title else ""
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)


def parse_document(data: bytes | str) -> ChatConfig:
    """A YAML document of ours or an OPML file of feeds; raises ConfigError (in Arabic)."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if len(raw) > MAX_DOCUMENT:
        raise ConfigError(f"الملف كبير جداً: الحد الأقصى {MAX_DOCUMENT // 1024} كيلوبايت.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError("الملف ليس نصاً بترميز UTF-8.") from None
    if text.lstrip().startswith("<"):
        return _parse_opml(text)
    return _parse_yaml(text)


def _parse_opml(text: str) -> ChatConfig:
    if "<!DOCTYPE" in text.upper() or "<!ENTITY" in text.upper():
        raise ConfigError("ملف OPML يعلن كيانات XML؛ لا أقبله (قد يكون ملفاً مفخخاً).")
    try:
        root = ET.fromstring(text)  # noqa: S314 - no DOCTYPE, so no entity can be declared or expanded
    except ET.ParseError as exc:
        line, col = exc.position
        raise ConfigError(f"ملف OPML غير سليم: خطأ في السطر {line}، العمود {col + 1}.") from None
    if root.tag.lower() != "opml":
        raise ConfigError("الملف ليس OPML ولا YAML من تصدير newsbot.")
    feeds: dict[str, FeedEntry] = {}
    for node in root.iter("outline"):
        url = (node.get("xmlUrl") or node.get("xmlurl") or "").strip()
        if url:
            feeds.setdefault(url, FeedEntry(url, (node.get("title") or node.get("text") or "").strip()[:200]))
        if len(feeds) > MAX_ITEMS:
            raise ConfigError(f"مصادر كثيرة في الملف: الحد الأقصى {MAX_ITEMS}.")
    if not feeds:
        raise ConfigError("لا يحوي ملف OPML أي مصدر (عنصر outline له xmlUrl).")
    return ChatConfig(feeds=tuple(feeds.values()), feeds_only=True)


def _strings(doc: dict[str, Any], key: str) -> list[str]:
    value = doc.get(key) or []
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise ConfigError(f"«{key}» يجب أن تكون قائمة (الحد الأقصى {MAX_ITEMS} عنصراً).")
    out = []
    for i, item in enumerate(value, start=1):
        if not isinstance(item, str) or not item.strip():
            raise ConfigError(f"العنصر {i} في «{key}» ليس نصاً.")
        out.append(item.strip())
    return out


def _parse_yaml(text: str) -> ChatConfig:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" في السطر {mark.line + 1}" if mark is not None else ""
        raise ConfigError(f"ملف YAML غير سليم{where}.") from None
    if not isinstance(doc, dict) or doc.get("newsbot") != FORMAT:
        raise ConfigError("الملف ليس تصديراً من newsbot (ينقصه «newsbot: 1») ولا ملف OPML.")
    topics = _strings(doc, "topics")
    rules = _strings(doc, "rules")
    for i, rule in enumerate(rules, start=1):
        try:
            rule_key(rule)
        except (RuleError, TermError) as exc:
            reason = exc.message_ar if isinstance(exc, RuleError) else "عبارة غير صالحة."
            raise ConfigError(f"القاعدة {i} («{rule}») غير صالحة: {reason}") from None
    exclusions = _strings(doc, "exclusions")
    for term in exclusions:
        try:
            term_key(term)
        except TermError:
            raise ConfigError(f"الاستبعاد «{term}» ليس عبارة صالحة.") from None
    raw_feeds = doc.get("feeds") or []
    if not isinstance(raw_feeds, list) or len(raw_feeds) > MAX_ITEMS:
        raise ConfigError(f"«feeds» يجب أن تكون قائمة (الحد الأقصى {MAX_ITEMS} عنصراً).")
    feeds: list[FeedEntry] = []
    for i, f in enumerate(raw_feeds, start=1):
        url = f.get("url") if isinstance(f, dict) else f
        name = f.get("name", "") if isinstance(f, dict) else ""
        if not isinstance(url, str) or not url.strip() or not isinstance(name, str):
            raise ConfigError(f"المصدر {i} في «feeds» بلا رابط.")
        feeds.append(FeedEntry(url.strip(), name.strip()[:200]))
    policy = doc.get("policy") or {}
    if not isinstance(policy, dict):
        raise ConfigError("«policy» يجب أن تكون مجموعة مفاتيح وقيم.")
    enabled = policy.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        raise ConfigError("«policy.enabled» إما true أو false.")
    buttons = policy.get("buttons")
    if buttons is not None and not isinstance(buttons, bool):
        raise ConfigError("«policy.buttons» إما true أو false.")
    attention = _attention(policy)
    muted = policy.get("muted_until")
    muted_at: datetime | None = None
    if muted is not None:
        try:
            muted_at = muted if isinstance(muted, datetime) else datetime.fromisoformat(str(muted))
        except ValueError:
            raise ConfigError("«policy.muted_until» ليس تاريخاً ووقتاً بصيغة ISO 8601.") from None
        if muted_at.tzinfo is None:
            raise ConfigError("«policy.muted_until» بلا منطقة زمنية.")
    return ChatConfig(tuple(dict.fromkeys(topics)), tuple(dict.fromkeys(rules)), tuple(dict.fromkeys(exclusions)),
                      tuple(feeds), enabled, muted_at, buttons=buttons, attention=attention)


ATTENTION_KEYS = ("timezone", "quiet", "digest", "cap", "notify", "slack_here", "urgent_watchlists")


def _hhmm(value: Any, what: str) -> str:
    text = str(value)
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[0]) > 23 or int(parts[1]) > 59:
        raise ConfigError(f"«{what}» وقت بصيغة HH:MM، مثل 22:00.")
    return f"{int(parts[0]):02d}:{int(parts[1]):02d}"


def _attention(policy: dict[str, Any]) -> dict[str, Any] | None:
    """The attention keys of ``policy``, checked and as plain values; None when there are none."""
    if not any(k in policy for k in ATTENTION_KEYS):
        return None
    out: dict[str, Any] = {}
    tz = policy.get("timezone")
    if tz is not None and (not isinstance(tz, str) or len(tz) > 64):
        raise ConfigError("«policy.timezone» اسم منطقة زمنية مثل Asia/Riyadh.")
    out["timezone"] = tz
    quiet = policy.get("quiet")
    if quiet is not None:
        if not isinstance(quiet, dict):
            raise ConfigError("«policy.quiet» مثل {start: '22:00', end: '07:00'}.")
        start, end = _hhmm(quiet.get("start"), "policy.quiet.start"), _hhmm(quiet.get("end"), "policy.quiet.end")
        if start == end:
            raise ConfigError("«policy.quiet»: البداية والنهاية متساويتان.")
        quiet = {"start": start, "end": end, "hold_urgent": bool(quiet.get("hold_urgent", False))}
    out["quiet"] = quiet
    digest = policy.get("digest")
    if digest is not None:
        times = digest.get("times") if isinstance(digest, dict) else None
        lists = digest.get("watchlists") if isinstance(digest, dict) else None
        if not isinstance(times, list) or not times or len(times) > 24:
            raise ConfigError("«policy.digest.times» قائمة أوقات مثل ['08:00', '18:00'].")
        if lists is not None and (not isinstance(lists, list) or not all(isinstance(x, str) for x in lists)):
            raise ConfigError("«policy.digest.watchlists» قائمة معرّفات.")
        digest = {"times": sorted({_hhmm(t, "policy.digest.times") for t in times}),
                  "watchlists": sorted(lists) if lists is not None else None}
    out["digest"] = digest
    cap = policy.get("cap")
    if cap is not None and (isinstance(cap, bool) or not isinstance(cap, int) or not -1 <= cap <= 10_000):
        raise ConfigError("«policy.cap» عدد صحيح (أو null للقيمة الافتراضية).")
    out["cap"] = cap
    notify = policy.get("notify", "all")
    if notify not in ("all", "urgent"):
        raise ConfigError("«policy.notify» إما all أو urgent.")
    out["notify"] = notify
    out["slack_here"] = bool(policy.get("slack_here", False))
    urgent = policy.get("urgent_watchlists") or []
    if not isinstance(urgent, list) or not all(isinstance(x, str) for x in urgent):
        raise ConfigError("«policy.urgent_watchlists» قائمة معرّفات.")
    out["urgent_watchlists"] = sorted(urgent)
    return out


def _by(keyfn: Any, items: tuple[Any, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        out.setdefault(keyfn(item), item)
    return out


def plan(current: ChatConfig, wanted: ChatConfig, *, known_topics: set[str], now: datetime,
         feed_key: Any = None) -> ConfigPlan:
    """What importing ``wanted`` changes in ``current``: YAML replaces; OPML only adds feeds.

    ``feed_key``: how two feed URLs are told apart (the caller's canonical form); exact text by default.
    """
    fk = feed_key or (lambda url: url)
    have_feeds = _by(lambda f: fk(f.url), current.feeds)
    want_feeds = _by(lambda f: fk(f.url), wanted.feeds)
    add_feeds = tuple(f for k, f in want_feeds.items() if k not in have_feeds)
    if wanted.feeds_only:
        return ConfigPlan(add_feeds=add_feeds)
    remove_feeds = tuple(f for k, f in have_feeds.items() if k not in want_feeds)
    unknown = tuple(t for t in wanted.topics if t not in known_topics)
    topics = [t for t in wanted.topics if t in known_topics]
    have_rules, want_rules = _by(rule_key, current.rules), _by(rule_key, wanted.rules)
    have_ex, want_ex = _by(term_key, current.exclusions), _by(term_key, wanted.exclusions)
    enabled = wanted.enabled if wanted.enabled is not None and wanted.enabled != current.enabled else None
    future = wanted.muted_until if wanted.muted_until is not None and wanted.muted_until > now else None
    muted = future if future is not None and future != current.muted_until else None
    unmute = future is None and current.muted_until is not None and current.muted_until > now
    return ConfigPlan(
        add_topics=tuple(t for t in topics if t not in current.topics),
        remove_topics=tuple(t for t in current.topics if t not in topics),
        unknown_topics=unknown,
        add_rules=tuple(r for k, r in want_rules.items() if k not in have_rules),
        remove_rules=tuple(r for k, r in have_rules.items() if k not in want_rules),
        add_exclusions=tuple(x for k, x in want_ex.items() if k not in have_ex),
        remove_exclusions=tuple(x for k, x in have_ex.items() if k not in want_ex),
        add_feeds=add_feeds, remove_feeds=remove_feeds, enabled=enabled, muted_until=muted, unmute=unmute,
        buttons=wanted.buttons if wanted.buttons is not None and wanted.buttons != current.buttons else None,
        attention=wanted.attention if wanted.attention is not None and wanted.attention != current.attention
        else None)
