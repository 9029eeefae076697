"""Ctrl-C that waits: a block of renames that must not be cut in half runs to its end first."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class InterruptedAfterWrite(KeyboardInterrupt):
    """Ctrl-C arrived while the staged files were being moved in; the move was finished first."""


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Hold Ctrl-C (SIGINT) and SIGTERM until the block ends, then act on them: the block is never cut."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    deferred = (signal.SIGINT, signal.SIGTERM)
    previous = {
        number: signal.signal(number, lambda number, frame: received.append(number)) for number in deferred
    }
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, signal.SIG_DFL if handler is None else handler)
    if signal.SIGTERM in received:
        signal.raise_signal(signal.SIGTERM)
    if signal.SIGINT in received:
        raise InterruptedAfterWrite
