"""A large input's parts for ``newsbot match``: where each starts, and a helper folding them ahead.

Compiling 10,000 rules keeps one core busy for most of a second while the other has nothing to
do (lists alone compile in half a second, too soon for the helper: it runs with rules only). Folding a story (``bot.domain.text.fold`` of its masked title and summary: normalised text
and token shapes) needs no rules, is about a tenth of matching it, and is cheap to hand over as
text: four strings a line, read back in C. So before compiling, ``newsbot match`` forks a helper
that folds every line of each part of the file into that part's temporary file, one line per
input line; each part's matcher then reads its file beside the input. The helper writes nothing
else, and its work is used only if it finished without error by the time the rules are
compiled: otherwise the stories are folded where they are matched, so the output is the same
whatever happens to it.
"""

from __future__ import annotations

import io
import itertools
import json
import os
import signal
import tempfile
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from bot.domain.matcher import Folded

__all__ = ["Prefold", "parse_folded", "part_counts", "split_points", "tail"]

SEP = "\x1f"  # never in folded text nor in a shape: folding turns control characters into spaces
NONE = "\x04"  # stands for a shape ``fold`` did not give (None); never a shape character either
_NO_STORY = "\n"  # a line with nothing folded (blank, not a story): its matcher decides what it is


def _fold_line(raw: str, raw_decode: Any, fold: Any, mask_addresses: Any) -> str:
    """The folded line for one input line, or an empty one when it holds no story as ``_run`` reads it."""
    try:
        obj, _ = raw_decode(raw)
    except ValueError:
        return _NO_STORY  # ``_run`` may still read it (json.loads): it folds it itself then
    if not isinstance(obj, dict):
        return _NO_STORY
    title, summary = obj.get("title") or "", obj.get("summary") or ""
    if not isinstance(title, str) or not isinstance(summary, str):
        return _NO_STORY
    tn, t_shape = fold(mask_addresses(title)) if title else ("", None)
    sn, s_shape = fold(mask_addresses(summary)) if summary else ("", None)
    return (tn + SEP + (NONE if t_shape is None else t_shape) + SEP + sn + SEP
            + (NONE if s_shape is None else s_shape) + "\n")


# ------------------------------------------------------------------ parts
def split_points(path: str, parts: int) -> list[tuple[int, int]]:
    """(byte offset, lines before it) where each part after the first starts: just after a line end.

    Lines are counted as the text reader sees them (``\\n``, ``\\r`` and ``\\r\\n`` each end one),
    so the parent can stop after that many lines and a child can number its own from there.
    """
    size = os.path.getsize(path)
    points: list[tuple[int, int]] = []
    with open(path, "rb") as f:
        lines, pos, carry_cr = 0, 0, False
        for k in range(1, parts):
            f.seek(max(size * k // parts, pos))
            f.readline()
            at = f.tell()
            if at >= size:
                break
            f.seek(pos)
            while pos < at:
                chunk = f.read(min(1 << 20, at - pos))
                lines += chunk.count(b"\n") + chunk.count(b"\r") - chunk.count(b"\r\n")
                if carry_cr and chunk[:1] == b"\n":
                    lines -= 1  # "\r\n" across two chunks is one line end
                carry_cr = chunk[-1:] == b"\r"
                pos += len(chunk)
            points.append((at, lines))
    return points


def tail(path: str, offset: int) -> TextIO:
    """The file's lines from ``offset`` (a part's start), read as the whole file's reader reads them."""
    raw = open(path, "rb")  # noqa: SIM115 - closed with the wrapper
    raw.seek(offset)
    return io.TextIOWrapper(raw, encoding="utf-8")


def part_counts(points: list[tuple[int, int]]) -> list[int | None]:
    """The number of lines of each part (the last: None, to the end) for ``split_points``' points."""
    starts = [0, *(n for _, n in points)]
    return [b - a for a, b in itertools.pairwise(starts)] + [None]


# ---------------------------------------------------------- the helper
class Prefold:
    """The helper process and its files: one per part, parts as ``split_points`` cut the input."""

    def __init__(self, path: str, counts: list[int | None], places: bool = False) -> None:
        """Fork the helper; ``counts``: the number of lines of each part (None: to the end);
        ``places``: first build CLDR's place table (``place_names``) for rule expansion."""
        self._files: list[IO[bytes]] = [tempfile.TemporaryFile() for _ in counts]  # noqa: SIM115
        self._places_file: IO[bytes] | None = tempfile.TemporaryFile() if places else None  # noqa: SIM115
        self._signal = os.pipe() if places else None  # one byte once the place table is written
        self._ready = False
        self._running = True
        self._pid = os.fork()
        if self._pid == 0:  # the helper: fold into the files, then out without any clean-up
            code = 3
            try:
                import gc

                gc.disable()  # short-lived, and it makes no cycles
                if self._signal is not None and self._places_file is not None:
                    os.close(self._signal[0])
                    _write_places(self._places_file, self._signal[1])
                _fold_parts(path, counts, self._files)
                code = 0
            except BaseException:  # noqa: BLE001, S110 - any failure: its parts are folded where matched
                pass
            finally:
                os._exit(code)
        if self._signal is not None:
            os.close(self._signal[1])

    def use_place_table(self) -> None:
        """Rule expansion takes the helper's place table (waiting for it: the helper's first job);
        if the helper failed first, expansion builds its own as usual."""
        if self._signal is None or self._places_file is None:
            return
        r, self._signal = self._signal[0], None
        try:
            if os.read(r, 1) != b"1":
                return
        finally:
            os.close(r)
        import marshal

        from bot.domain.expansion import use_place_table

        self._places_file.seek(0)
        use_place_table(marshal.load(self._places_file))

    def collect(self, wait: bool = False) -> None:
        """After compiling: keep the helper's work if it is done and good, else stop it (``wait``: let it finish)."""
        pid, status = os.waitpid(self._pid, 0 if wait else os.WNOHANG)
        if pid == 0:  # still folding (a loaded machine): the matchers fold for themselves
            self._stop()
            return
        self._running = False
        self._ready = os.waitstatus_to_exitcode(status) == 0

    def _stop(self) -> None:
        os.kill(self._pid, signal.SIGKILL)
        os.waitpid(self._pid, 0)
        self._running = False

    def lines(self, part: int) -> Iterator[str] | None:
        """Part ``part``'s folded lines (read them in one process only), or None to fold as usual."""
        if not self._ready:
            return None
        f = self._files[part]
        f.seek(0)
        return iter(io.TextIOWrapper(f, encoding="utf-8", newline="\n"))

    def close(self) -> None:
        """The files, and the helper if it was never collected (compiling failed)."""
        if self._running:
            self._stop()
        if self._signal is not None:
            os.close(self._signal[0])
        for f in [*self._files, *([self._places_file] if self._places_file else [])]:
            f.close()


def _write_places(f: IO[bytes], signal_fd: int) -> None:
    import marshal

    from bot.domain.expansion import place_names

    marshal.dump(place_names(), f)  # plain dicts, tuples and strings: read back in about a millisecond
    f.flush()
    os.write(signal_fd, b"1")
    os.close(signal_fd)


def _fold_parts(path: str, counts: list[int | None], files: list[IO[bytes]]) -> None:
    from bot.domain.addresses import mask_addresses
    from bot.domain.text import fold

    raw_decode = json.JSONDecoder().raw_decode
    with open(path, encoding="utf-8") as src:  # the lines each part's matcher reads, in order
        for count, f in zip(counts, files, strict=True):
            out = io.TextIOWrapper(f, encoding="utf-8", newline="\n")
            write = out.write
            for raw in itertools.islice(src, count):
                write(_fold_line(raw, raw_decode, fold, mask_addresses))
            out.flush()
            out.detach()


def parse_folded(line: str) -> Folded | None:
    """One folded line back into what ``Matcher.match`` takes (None: fold it there)."""
    p = line[:-1].split(SEP)
    if len(p) != 4:
        return None
    return p[0], None if p[1] == NONE else p[1], p[2], None if p[3] == NONE else p[3]
