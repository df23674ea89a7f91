"""The rule language's tree: what ``bot.domain.rule_parse`` builds and the evaluator walks."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["AllOf", "AnyOf", "FromSource", "InLang", "InTitle", "Near", "Node", "Not", "Phrase"]


# ------------------------------------------------------------------ the tree
@dataclass(frozen=True, slots=True)
class Phrase:
    """A term; ``literal`` when written ``=TERM`` (no cross-lingual expansion)."""

    text: str
    literal: bool = False
    position: int = 0


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    child: Node


@dataclass(frozen=True, slots=True)
class Near:
    """``left ~window right``: at most ``window`` words between them, in the same field."""

    left: Node
    right: Node
    window: int


@dataclass(frozen=True, slots=True)
class InTitle:
    child: Node


@dataclass(frozen=True, slots=True)
class FromSource:
    feeds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class InLang:
    langs: tuple[str, ...]


Node = Phrase | AllOf | AnyOf | Not | Near | InTitle | FromSource | InLang
