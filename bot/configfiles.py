"""Reading config/feeds.yaml and config/watchlists.yaml, reporting problems by file and line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.domain.watchlists import Watchlist, WatchlistError, watchlist_from_mapping
from bot.errors import NewsbotError

__all__ = ["FeedSpec", "ConfigProblem", "ConfigError", "load_feeds", "load_watchlists"]

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
_LANGS = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})?$")


@dataclass(frozen=True, slots=True)
class FeedSpec:
    id: str
    url: str
    name: str
    language: str = "ar"
    interval: int | None = None


@dataclass(frozen=True, slots=True)
class ConfigProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


@dataclass
class ConfigError(NewsbotError):
    problems: list[ConfigProblem] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(str(p) for p in self.problems)


# libyaml's loader when PyYAML was built with it: ten times faster on a list of 10,000 terms
# (the pure-Python scanner was most of ``newsbot match``'s start-up). Same safe constructors.
_SafeBase: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _LineLoader(_SafeBase):  # type: ignore[valid-type,misc]
    """SafeLoader that remembers the line of every mapping (as key ``__line__``)."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict[str, Any]:
    mapping = {str(k): v for k, v in loader.construct_mapping(node, deep=True).items()}
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read(path: Path, top_key: str) -> tuple[list[Any], list[ConfigProblem]]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [ConfigProblem(name, 0, "file not found")]
    except (OSError, UnicodeDecodeError) as exc:
        return [], [ConfigProblem(name, 0, f"cannot read: {exc}")]
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 0
        return [], [ConfigProblem(name, line, f"not valid YAML: {getattr(exc, 'problem', exc)}")]
    if isinstance(data, dict) and top_key in data and data[top_key] is None:
        return [], []  # "feeds:" with nothing under it: an empty list
    if not isinstance(data, dict) or not isinstance(data.get(top_key), list):
        return [], [ConfigProblem(name, 1, f"expected a top-level '{top_key}:' list")]
    return data[top_key], []


def load_feeds(path: Path) -> tuple[list[FeedSpec], list[ConfigProblem]]:
    """Feeds from YAML; entries with problems are reported and left out."""
    from bot.settings import MIN_POLL_INTERVAL  # here: settings load pydantic, which `newsbot match` never needs
    entries, problems = _read(path, "feeds")
    feeds: list[FeedSpec] = []
    seen: set[str] = set()
    name = str(path)
    for i, raw in enumerate(entries):
        if not isinstance(raw, dict):
            problems.append(ConfigProblem(name, 0, f"feed {i + 1}: expected a mapping"))
            continue
        line = int(raw.pop("__line__", 0))
        fid, url = raw.get("id"), raw.get("url")
        bad: list[str] = []
        if not isinstance(fid, str) or not _ID_RE.match(fid):
            bad.append("'id' must be lower-case letters, digits, '.', '-' or '_'")
        elif fid in seen:
            bad.append(f"duplicate id {fid!r}")
        if not isinstance(url, str) or not re.match(r"^https?://[^\s/]+", url):
            bad.append("'url' must be an http(s) URL")
        interval = raw.get("interval")
        if interval is not None and (not isinstance(interval, int) or interval < MIN_POLL_INTERVAL):
            bad.append(f"'interval' must be an integer of at least {MIN_POLL_INTERVAL} seconds")
        language = raw.get("language", "ar")
        if not isinstance(language, str) or not _LANGS.match(language):
            bad.append("'language' must be a language code such as ar or en")
        unknown = set(raw) - {"id", "url", "name", "language", "interval"}
        if unknown:
            bad.append(f"unknown keys {sorted(unknown)}")
        if bad or not isinstance(fid, str) or not isinstance(url, str) or not isinstance(language, str):
            problems.extend(ConfigProblem(name, line, f"feed {fid or i + 1}: {b}") for b in bad)
            continue
        seen.add(fid)
        feeds.append(FeedSpec(fid, url.strip(), str(raw.get("name") or fid), language, interval))
    return feeds, problems


def _strip_lines(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _strip_lines(v) for k, v in obj.items() if k != "__line__"}
    if isinstance(obj, list):
        return [_strip_lines(v) for v in obj]
    return obj


def load_watchlists(path: Path) -> tuple[list[Watchlist], list[ConfigProblem]]:
    """Watchlists from YAML; entries with problems are reported and left out."""
    entries, problems = _read(path, "watchlists")
    lists: list[Watchlist] = []
    seen: set[str] = set()
    name = str(path)
    for i, raw in enumerate(entries):
        line = int(raw.get("__line__", 0)) if isinstance(raw, dict) else 0
        try:
            wl = watchlist_from_mapping(_strip_lines(raw), where=f"watchlist {i + 1}")
        except WatchlistError as exc:
            problems.append(ConfigProblem(name, line, str(exc)))
            continue
        if wl.id in seen:
            problems.append(ConfigProblem(name, line, f"duplicate watchlist id {wl.id!r}"))
            continue
        seen.add(wl.id)
        lists.append(wl)
    return lists, problems
