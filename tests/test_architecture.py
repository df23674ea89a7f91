"""The layout as rules: which package may import what, no cycles, no chat library or SQL in the core,
and modules small enough to read. Pure static checks over the source (plus one subprocess)."""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

BOT = ROOT / "bot"
PLATFORM_LIBS = ("telegram", "slack_bolt", "slack_sdk")
CORE = ("domain", "commands", "pipeline", "alerts", "delivery")  # no chat library, no SQLAlchemy, no repositories
MAX_LINES = 400
MAX_ADAPTER_LINES = 300

# Modules of the core that still import a repository rather than a port. The lead empties this
# after merging the command-core branch; an entry that no longer offends fails the test too, so
# the list only ever shrinks.
PENDING_PORTS: frozenset[str] = frozenset()

# Modules over MAX_LINES today, pinned at their current length: they may shrink, not grow. Remove an
# entry once the module is split (the test says so when it is back under the limit).
OVERSIZED: dict[str, int] = {
}

# The layers, bottom first. A package may import its own layer's modules only from itself, and
# lower layers freely; an import of a higher layer, or of a sibling in the same layer, is an arrow
# back up (or sideways) and fails. Top-level modules (app, cli, ...) count as packages of one module.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset({"__init__", "errors"}),
    frozenset({"settings"}),
    frozenset({"domain"}),
    frozenset({"alerts", "storage", "configfiles"}),
    frozenset({"feeds", "pipeline"}),
    frozenset({"delivery"}),
    frozenset({"ops"}),
    frozenset({"commands"}),
    frozenset({"adapters", "scheduler", "assembly"}),
    frozenset({"app"}),
    frozenset({"cli_parts"}),
    frozenset({"cli_transfer", "cli_match"}),
    frozenset({"cli"}),
    frozenset({"__main__"}),
)
RANK = {pkg: i for i, layer in enumerate(LAYERS) for pkg in layer}


def modules() -> Iterator[Path]:
    yield from sorted(BOT.rglob("*.py"))


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def package_of(path: Path) -> str:
    """``bot/pipeline/ingest.py`` -> ``pipeline``; ``bot/app.py`` -> ``app``."""
    parts = path.relative_to(BOT).parts
    return parts[0] if len(parts) > 1 else path.stem


@cache
def imports(path: Path) -> tuple[tuple[int, str], ...]:
    """(line, absolute module name) of every import in the file, nested ones included."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = list(path.relative_to(ROOT).with_suffix("").parts)
    if here[-1] == "__init__":
        here.pop()
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - node.level + (1 if path.name == "__init__.py" else 0)]
                name = ".".join(base + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return tuple(out)


def bot_imports(path: Path) -> Iterator[tuple[int, str, str]]:
    """(line, module, package) of each import of our own package."""
    for line, name in imports(path):
        parts = name.split(".")
        if parts[0] == "bot" and len(parts) > 1:
            yield line, name, parts[1]


def test_no_platform_library_is_imported_outside_the_adapters() -> None:
    offenders = []
    for path in modules():
        if (BOT / "adapters") in path.parents:
            continue
        for line, name in imports(path):
            if name.split(".")[0] in PLATFORM_LIBS:
                offenders.append(f"{rel(path)}:{line}: {name}")
    assert offenders == []


def test_the_core_and_cli_load_without_platform_libraries() -> None:
    code = ("import sys, bot.app, bot.cli, bot.commands.service, bot.delivery.dispatcher; "
            f"print(sorted(m for m in sys.modules if m.split('.')[0] in {PLATFORM_LIBS!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60,
                         check=True)
    assert out.stdout.strip() == "[]"


def test_the_core_imports_no_chat_library_and_no_sqlalchemy() -> None:
    forbidden = (*PLATFORM_LIBS, "sqlalchemy")
    offenders = [f"{rel(p)}:{line}: {name}" for p in modules() if package_of(p) in CORE
                 for line, name in imports(p) if name.split(".")[0] in forbidden]
    assert offenders == []


def test_the_core_reads_storage_only_through_its_records() -> None:
    offending: dict[str, list[str]] = {}
    for path in modules():
        if package_of(path) not in CORE:
            continue
        for line, name, pkg in bot_imports(path):
            if pkg == "storage" and name != "bot.storage.records":
                offending.setdefault(rel(path), []).append(f"{line}: {name}")
    unexpected = {p: v for p, v in offending.items() if p not in PENDING_PORTS}
    assert unexpected == {}, "import a port (bot/*/ports.py) or bot.storage.records, not a repository"
    assert sorted(PENDING_PORTS - offending.keys()) == [], "fixed: remove these from PENDING_PORTS"


def test_the_domain_imports_nothing_of_ours_but_errors() -> None:
    offenders = [f"{rel(p)}:{line}: {name}" for p in modules() if package_of(p) == "domain"
                 for line, name, pkg in bot_imports(p) if pkg not in ("domain", "errors")]
    assert offenders == []


def test_every_package_has_a_layer() -> None:
    assert sorted({package_of(p) for p in modules()} - RANK.keys()) == []


def test_no_import_points_back_up_or_sideways() -> None:
    offenders = []
    for path in modules():
        mine = package_of(path)
        for line, name, pkg in bot_imports(path):
            if pkg != mine and RANK.get(pkg, -1) >= RANK[mine]:
                offenders.append(f"{rel(path)}:{line}: {mine} -> {pkg} ({name})")
    assert offenders == []


def package_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in modules():
        mine = package_of(path)
        targets = graph.setdefault(mine, set())
        targets.update(pkg for _, _, pkg in bot_imports(path) if pkg != mine)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """One cycle in ``graph`` as a path (first node repeated at the end), or [] when there is none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str]:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        path.pop()
        state[node] = 2
        return []

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return []


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) == []
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y"}}) == ["y", "y"]


def test_no_import_cycle_between_our_packages() -> None:
    assert find_cycle(package_graph()) == []


def test_modules_stay_small() -> None:
    too_long = {}
    for path in modules():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        limit = max(MAX_LINES, OVERSIZED.get(rel(path), 0))
        if lines > limit:
            too_long[rel(path)] = lines
        if rel(path) in OVERSIZED:
            assert lines > MAX_LINES, f"{rel(path)} is {lines} lines now: remove it from OVERSIZED"
    assert too_long == {}


def test_adapter_modules_stay_small() -> None:
    for path in (BOT / "adapters").rglob("*.py"):
        assert len(Path(path).read_text(encoding="utf-8").splitlines()) <= MAX_ADAPTER_LINES, path
