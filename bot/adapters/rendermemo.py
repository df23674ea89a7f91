"""One rendering per message object, however many chats it goes to.

The composer hands the dispatcher the same ``AlertView`` for every chat of a fan-out (one per
story, lists and zone), so a sender that renders it again per chat repeats the same escaping and
length fitting thousands of times. Keyed by identity and holding the message itself, so an id is
never reused while its entry lives; bounded, oldest out first.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["RenderMemo"]

M = TypeVar("M")
R = TypeVar("R")


class RenderMemo(Generic[M, R]):
    def __init__(self, render: Callable[[M], R], size: int = 256) -> None:
        self._render = render
        self._size = size
        self._memo: OrderedDict[int, tuple[M, R]] = OrderedDict()

    def __call__(self, message: M) -> R:
        hit = self._memo.get(id(message))
        if hit is not None and hit[0] is message:
            return hit[1]
        rendered = self._render(message)
        self._memo[id(message)] = (message, rendered)
        if len(self._memo) > self._size:
            self._memo.popitem(last=False)
        return rendered
