"""Building frozen, slotted dataclasses on hot paths without their generated ``__init__``.

A frozen dataclass's ``__init__`` sets each field through ``object.__setattr__`` (the class
forbids plain assignment), and keyword arguments cost more again: 2-3 us for a Term or a
Watchlist. Compiling 10,000 rules builds tens of thousands of terms, lists and items, so those
paths set the slots through their descriptors instead: the same values, every field set.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

__all__ = ["slot_setters"]


def slot_setters(cls: type, names: tuple[str, ...]) -> tuple[Callable[[Any, Any], None], ...]:
    """Each field's slot setter, in ``names`` order: all of the class's fields, in their order
    (so a field added to the class fails here, at import, not as a half-built value later)."""
    fields = tuple(f.name for f in dataclasses.fields(cls))
    if names != fields:
        raise TypeError(f"{cls.__name__} has fields {fields}, not {names}")
    return tuple(getattr(cls, name).__set__ for name in names)
