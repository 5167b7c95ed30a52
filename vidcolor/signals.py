"""SIGTERM handled like Ctrl-C: what schedulers, ``timeout`` and ``docker stop`` send.

Inside :func:`terminate_as_interrupt` a SIGTERM raises :class:`Terminated` in the main thread.
It is a ``KeyboardInterrupt``, so every cleanup path written for Ctrl-C (temporary outputs
deleted, worker threads stopped, segment journals kept) runs for it too; the CLI reports it as
``Error: terminated`` with exit status 143 (128 + SIGTERM). Further SIGTERMs during that cleanup
are ignored so that it can finish; SIGKILL cannot be caught, and its leftovers are removed by the
next run of the same output (:mod:`vidcolor.io.lock`).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` for the body (main thread only; elsewhere a no-op)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def handler(signum, frame):
        if fired:
            return  # already stopping: let the cleanup finish
        fired.append(signum)
        raise Terminated()

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
