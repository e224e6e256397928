"""Progress of a long fit on stderr, fed by the estimator's own ``verbose``
output (one line per iteration: iteration number and cost)."""

from __future__ import annotations

import contextlib
import io
import sys
import time
from collections.abc import Iterator
from typing import TextIO


class ProgressStream(io.TextIOBase):
    """A text stream that shows the latest line written to it, throttled.

    On a terminal the line is redrawn in place (``\\r``) at most every
    ``interval`` seconds; elsewhere (a log file, a pipe) the first line, then
    at most one line per ``interval``, then the last line are written whole.
    ``close()`` writes the final line and ends it with a newline.
    """

    def __init__(self, target: TextIO | None = None, interval: float = 0.25) -> None:
        self._target = target if target is not None else sys.stderr
        self._terminal = self._target.isatty()
        self._interval = interval if self._terminal else max(interval, 1.0)
        self._last_shown = -float("inf")
        self._pending = ""
        self._latest = ""
        self._shown_latest = True
        self._width = 0

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._pending += text
        *complete, self._pending = self._pending.split("\n")
        for line in complete:
            if line.strip():
                self._latest = line.strip()
                self._shown_latest = False
        now = time.monotonic()
        if not self._shown_latest and now - self._last_shown >= self._interval:
            self._show()
            self._last_shown = now
        return len(text)

    def _show(self) -> None:
        if self._terminal:
            padding = " " * max(self._width - len(self._latest), 0)
            self._target.write("\r" + self._latest + padding)
            self._width = len(self._latest)
        else:
            self._target.write(self._latest + "\n")
        self._target.flush()
        self._shown_latest = True

    def close(self) -> None:
        if not self.closed:
            if not self._shown_latest:
                self._show()
            if self._terminal and self._width:
                self._target.write("\n")
                self._target.flush()
        super().close()


def show_progress(flag: bool | None) -> bool:
    """``--progress``/``--no-progress``, else only when stderr is a terminal."""
    return sys.stderr.isatty() if flag is None else flag


@contextlib.contextmanager
def progress_display(flag: bool | None) -> Iterator[ProgressStream | None]:
    """While open, what the fit prints (its ``verbose`` lines) goes to a
    ``ProgressStream`` on stderr, which is yielded; None when not shown."""
    if not show_progress(flag):
        yield None
        return
    stream = ProgressStream(sys.stderr)
    try:
        with contextlib.redirect_stdout(stream):
            yield stream
    finally:
        stream.close()
