"""The ``newsbot`` command line. Heavy modules are imported inside each subcommand,
so ``newsbot match`` starts fast and never loads a chat library."""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from bot import cli_transfer
from bot.errors import NewsbotError

__all__ = ["main"]


class CliError(NewsbotError):
    """A one-line error for the user; exit status 2."""


def _settings(**overrides: Any) -> Any:
    from bot.settings import SettingsError, load_settings

    try:
        return load_settings(**overrides)
    except SettingsError as exc:
        raise CliError(str(exc)) from None


def _setup_logs(settings: Any) -> None:
    from bot.ops.logs import setup_logging

    setup_logging(settings.log_level, settings.secret_values())


# --------------------------------------------------------------------- run
def cmd_run(args: argparse.Namespace) -> int:
    import asyncio
    import signal

    from bot.app import NewsBot
    from bot.configfiles import ConfigError
    from bot.ops.memory import cap_arenas
    from bot.settings import SettingsError

    settings = _settings()
    _setup_logs(settings)
    cap_arenas()  # before any thread starts: see bot.ops.memory

    async def main() -> None:
        bot = NewsBot(settings, console=args.console)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            try:
                loop.add_signal_handler(sig, stop.set)
            except (NotImplementedError, RuntimeError):
                pass
        await bot.run(stop)

    try:
        asyncio.run(main())
    except ConfigError as exc:
        raise CliError(f"config: {exc}") from None
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    return 0


def cmd_poll_once(args: argparse.Namespace) -> int:
    import asyncio

    from bot.app import NewsBot, TickReport
    from bot.configfiles import ConfigError

    settings = _settings()
    _setup_logs(settings)

    async def main() -> TickReport:
        bot = NewsBot(settings, console=args.console, http=False)
        try:
            return await bot.poll_once(timeout=args.timeout)
        finally:
            await bot.stop()

    from bot.settings import SettingsError

    try:
        report = asyncio.run(main())
    except ConfigError as exc:
        raise CliError(f"config: {exc}") from None
    except SettingsError as exc:
        raise CliError(str(exc)) from None
    print(json.dumps(dataclasses.asdict(report), ensure_ascii=False), file=sys.stderr)
    return 0


# ------------------------------------------------------------------- match
def _read_lines(path: str | None) -> TextIO:
    if path in (None, "-"):
        return sys.stdin
    try:
        return open(path, encoding="utf-8")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None


def _load_lists(path: Path) -> list[Any]:
    from bot.configfiles import load_watchlists

    lists, problems = load_watchlists(path)
    if problems:
        raise CliError(str(problems[0]) + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""))
    return lists


def _default_lists_path() -> Path:
    return Path(os.environ.get("NEWSBOT_CONFIG_DIR", "config")) / "watchlists.yaml"


def _load_rules(path: str, builtins: list[Any]) -> tuple[Any, int]:
    """Rules from ``ID<TAB>RULE`` lines; a bad line is reported (file:line:column) and left out."""
    from bot.domain.rule_parse import RuleError
    from bot.domain.rules import RuleSet

    rules = RuleSet(builtins)
    bad = 0
    src = _read_lines(path)
    try:
        for n, raw in enumerate(src, start=1):
            line = raw.rstrip("\r\n")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            rule_id, tab, text = line.partition("\t")
            rule_id = rule_id.strip()
            problem = ""
            column = 1
            if not tab or not rule_id:
                problem = "expected ID<TAB>RULE"
            elif rule_id in rules:
                problem = f"duplicate rule id {rule_id!r}"
            else:
                try:
                    rules.add(rule_id, text)
                except RuleError as exc:
                    column = len(line) - len(text) + exc.position + 1
                    problem = f"{exc.message_ar} ({exc.code})"
            if problem:
                print(f"{path}:{n}:{column}: {problem}", file=sys.stderr)
                bad += 1
    finally:
        if src is not sys.stdin:
            src.close()
    return rules, bad


def cmd_match(args: argparse.Namespace) -> int:
    from bot.domain.matcher import Matcher

    path = Path(args.watchlists) if args.watchlists else _default_lists_path()
    bad = 0
    rule_matcher = None
    if args.rules:
        from bot.domain.rules import RuleMatcher, StoryFacts

        # Expansion and inherited rules come from the built-in lists, as for a chat's /watch.
        builtins = _load_lists(path) if args.watchlists or path.exists() else []
        rules, bad = _load_rules(args.rules, builtins)
        rule_matcher = RuleMatcher(rules, builtins if args.watchlists else ())
        matcher = rule_matcher.matcher
    else:
        matcher = Matcher(_load_lists(path))
    src = _read_lines(args.input)
    out = sys.stdout
    dumps = json.dumps
    try:
        for n, raw in enumerate(src, start=1):
            if not raw.strip():
                continue
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as exc:
                print(f"line {n}: not JSON: {exc.msg}", file=sys.stderr)
                bad += 1
                continue
            if not isinstance(obj, dict) or "id" not in obj:
                print(f"line {n}: expected a JSON object with an \"id\"", file=sys.stderr)
                bad += 1
                continue
            title, summary = obj.get("title") or "", obj.get("summary") or ""
            if not isinstance(title, str) or not isinstance(summary, str):
                print(f"line {n}: \"title\" and \"summary\" must be strings", file=sys.stderr)
                bad += 1
                continue
            terms: dict[str, list[str]] = {}
            if rule_matcher is None:
                found = matcher.match(title, summary)
            else:
                source = obj.get("source", obj.get("feed"))
                lang = obj.get("lang", obj.get("language"))
                facts = StoryFacts(source if isinstance(source, str) else None,
                                   lang.lower() if isinstance(lang, str) and lang else None)
                found, fired = rule_matcher.match(title, summary, facts)
                for hit in fired:
                    terms[hit.rule_id] = list(dict.fromkeys(m.surface for m in hit.matches))
            for m in found:
                surfaces = terms.setdefault(m.watchlist, [])
                if m.surface not in surfaces:
                    surfaces.append(m.surface)
            out.write(dumps({"id": obj["id"], "matches": sorted(terms), "terms": terms}, ensure_ascii=False) + "\n")
    finally:
        if src is not sys.stdin:
            src.close()
    out.flush()
    return 1 if bad else 0


# ----------------------------------------------------------------- preview
def cmd_preview(args: argparse.Namespace) -> int:
    import asyncio
    from datetime import UTC, datetime

    from bot.alerts.arabic import format_datetime
    from bot.pipeline.preview import preview_term, preview_watchlist
    from bot.storage.db import Database
    from bot.storage.stories_repo import StoriesRepo

    if bool(args.term) == bool(args.watchlist):
        raise CliError("give a TERM or --watchlist ID (one of them)")
    if not 0 < args.days <= 365:
        raise CliError("--days must be between 1 and 365")
    settings = _settings()
    if args.term:
        from bot.domain.watchlists import TermError, parse_term

        try:
            parse_term(args.term)
        except TermError as exc:
            raise CliError(f"unusable term: {exc}") from None
    wl = None
    if args.watchlist:
        lists = {w.id: w for w in _load_lists(settings.config_dir / "watchlists.yaml")}
        wl = lists.get(args.watchlist)
        if wl is None:
            raise CliError(f"no watchlist {args.watchlist!r} (known: {', '.join(sorted(lists))})")

    async def main() -> list[Any]:
        db = Database(settings.database_url)
        try:
            await asyncio.to_thread(db.migrate)
            repo = StoriesRepo(db)
            now = datetime.now(UTC)
            if wl is not None:
                return await preview_watchlist(repo, wl, days=args.days, now=now)
            return await preview_term(repo, args.term, days=args.days, now=now)
        finally:
            await db.dispose()

    hits = asyncio.run(main())
    for hit in hits:
        when = format_datetime(hit.story.published_at or hit.story.first_seen_at, settings.tz)
        why = "، ".join(dict.fromkeys(f"«{m.surface}»" for m in hit.matches))
        print(f"{hit.story.title}\n  {hit.story.feed_name} · {when}\n  لماذا: {why}\n  {hit.story.link}")
    print(f"{len(hits)} خبراً مطابقاً في آخر {args.days} أيام", file=sys.stderr)
    return 0


# ------------------------------------------------------------ check-config
def cmd_check_config(args: argparse.Namespace) -> int:
    from bot.configfiles import load_feeds, load_watchlists
    from bot.settings import SettingsError, load_settings

    problems: list[str] = []
    try:
        settings = load_settings()
        config_dir = settings.config_dir
    except SettingsError as exc:
        problems.append(f"environment: {exc}")
        config_dir = Path(os.environ.get("NEWSBOT_CONFIG_DIR", "config"))
        settings = None
    feeds, p1 = load_feeds(config_dir / "feeds.yaml")
    lists, p2 = load_watchlists(config_dir / "watchlists.yaml")
    problems.extend(str(p) for p in [*p1, *p2])
    if settings is not None and not p2:
        try:
            settings.console_watchlist_ids([w.id for w in lists])
        except SettingsError as exc:
            problems.append(f"environment: {exc}")
    for p in problems:
        print(p)
    if problems:
        return 1
    print(f"ok: {len(feeds)} feeds, {len(lists)} watchlists")
    return 0


# ------------------------------------------------------------------ outbox
def cmd_outbox(args: argparse.Namespace) -> int:
    import asyncio

    from bot.ops.operator import outbox_cli

    ids: list[int] | None = None
    if args.action == "retry":
        if not args.ids or args.ids == ["all"]:
            ids = None
        elif all(i.isdigit() for i in args.ids):
            ids = [int(i) for i in args.ids]
        else:
            raise CliError("retry takes 'all' or dead-letter ids (numbers from 'outbox list --failed')")
    elif not args.failed:
        raise CliError("only dead letters can be listed: outbox list --failed")
    settings = _settings()
    return asyncio.run(outbox_cli(settings.database_url, args.action, ids, chat=args.chat, platform=args.platform,
                                  as_json=args.json))


def cmd_audit(args: argparse.Namespace) -> int:
    import asyncio

    from bot.ops.operator import audit_cli

    if not 1 <= args.limit <= 100000:
        raise CliError("--limit must be between 1 and 100000")
    settings = _settings()
    return asyncio.run(audit_cli(settings.database_url, chat=args.chat, platform=args.platform, limit=args.limit,
                                 as_json=args.json))


# -------------------------------------------------------------------- main
def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="newsbot", description="News feeds -> Arabic alerts on Telegram and Slack.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    r = sub.add_parser("run", help="poll feeds and deliver alerts until stopped",
                       description="Long-running: polling, matching and delivery. Without chat tokens, "
                                   "alerts are printed on the console.")
    r.add_argument("--console", action="store_true", help="also print alerts on the console")
    r.set_defaults(func=cmd_run)
    o = sub.add_parser("poll-once", help="one poll of every feed, deliver, exit",
                       description="Poll every feed once, deliver what matched, then exit (for cron and tests).")
    o.add_argument("--console", action="store_true", help="also print alerts on the console")
    o.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for delivery (default 120)")
    o.set_defaults(func=cmd_poll_once)
    m = sub.add_parser("match", help="match JSON Lines stories against the watchlists",
                       description="Reads one story per line ({\"id\", \"title\", \"summary\"}) and writes "
                                   "{\"id\", \"matches\": [watchlist ids]} per line, in order.")
    m.add_argument("input", nargs="?", default="-", help="JSON Lines file (default: stdin)")
    m.add_argument("--watchlists", metavar="FILE", help="watchlists YAML (default: config/watchlists.yaml)")
    m.add_argument("--rules", metavar="FILE",
                   help="rules, one per line as ID<TAB>RULE (the /watch rule language); matches lists rule "
                        "ids, plus watchlist ids when --watchlists is given too. source: names a story's "
                        "\"source\" (the operator's feed ids); a chat's own feeds exist only in a chat")
    m.set_defaults(func=cmd_match)
    v = sub.add_parser("preview", help="stored stories a term or watchlist would have matched",
                       description="Which stored stories of the last N days would have matched, and why.")
    v.add_argument("term", nargs="?", help="a term, as /watch takes it")
    v.add_argument("--watchlist", metavar="ID", help="a built-in watchlist id instead of a term")
    v.add_argument("--days", type=float, default=3.0, help="how far back (default 3)")
    v.set_defaults(func=cmd_preview)
    c = sub.add_parser("check-config", help="validate config files and environment",
                       description="Validate config/feeds.yaml, config/watchlists.yaml and the environment.")
    c.set_defaults(func=cmd_check_config)
    ob = sub.add_parser("outbox", help="dead letters: list them, queue them again",
                        description="Alerts the platform refused or that ran out of retries.")
    ob.add_argument("action", choices=("list", "retry"))
    ob.add_argument("ids", nargs="*", help="retry: 'all' (default) or dead-letter ids")
    ob.add_argument("--failed", action="store_true", help="list: the dead letters (required)")
    ob.add_argument("--chat", metavar="ID", help="only this chat (Telegram chat id or Slack channel id)")
    ob.add_argument("--platform", choices=("telegram", "slack", "console"), help="only this platform")
    ob.add_argument("--json", action="store_true", help="list: one JSON object per line")
    ob.set_defaults(func=cmd_outbox)
    au = sub.add_parser("audit", help="the audit log: who changed what, where, when",
                        description="Settings changes and work on alerts (acknowledged, assigned), oldest first.")
    au.add_argument("--chat", metavar="ID", help="only this chat")
    au.add_argument("--platform", choices=("telegram", "slack", "console"), help="only this platform")
    au.add_argument("--limit", type=int, default=1000, help="the newest N entries (default 1000)")
    au.add_argument("--json", action="store_true", help="one JSON object per line")
    au.set_defaults(func=cmd_audit)
    cli_transfer.register(sub)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"newsbot {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130

