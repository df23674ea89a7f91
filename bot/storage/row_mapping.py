"""Rows into the frozen dataclasses of ``bot.storage.records``, by field name."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import fields
from typing import Any, TypeVar

__all__ = ["from_row"]

R = TypeVar("R")
# (class, a result's column names) -> (field, column index): worked out once per query shape rather
# than a name lookup per field per row (a claim reads hundreds of rows); a name given twice: its first
_PICKS: dict[tuple[type, tuple[str, ...]], tuple[tuple[str, int], ...]] = {}


def from_row(cls: type[R], row: Any, convert: Mapping[str, Callable[[Any], Any]] | None = None) -> R:
    """Build ``cls`` from a row by field name (extra columns are ignored)."""
    columns: tuple[str, ...] = row._fields  # noqa: SLF001 - SQLAlchemy's public name for a row's keys
    picks = _PICKS.get((cls, columns))
    if picks is None:
        at = {name: i for i, name in reversed(list(enumerate(columns)))}
        picks = tuple((f.name, at[f.name]) for f in fields(cls) if f.name in at)  # type: ignore[arg-type]
        if len(_PICKS) < 1024:
            _PICKS[(cls, columns)] = picks
    values = {n: row[i] for n, i in picks}
    for name, fn in (convert or {}).items():
        if name in values and values[name] is not None:
            values[name] = fn(values[name])
    return cls(**values)
