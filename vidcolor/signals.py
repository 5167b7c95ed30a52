"""SIGTERM handled like Ctrl-C: what schedulers, ``timeout`` and ``docker stop`` send.

Inside :func:`terminate_as_interrupt` a SIGTERM raises :class:`Terminated` in the main thread.
It is a ``KeyboardInterrupt``, so every cleanup path written for Ctrl-C (temporary outputs
deleted, worker threads stopped, segment journals kept) runs for it too; the CLI reports it as
``Error: terminated`` with exit status 143 (128 + SIGTERM). Further SIGTERMs during that cleanup
are ignored so that it can finish; SIGKILL cannot be caught, and its leftovers are removed by the
next run of the same output (:mod:`vidcolor.io.lock`).

A signal that lands while a finalizer (``__del__``, run by the garbage collector at any moment)
is on the stack is put off until the finalizer has returned: Python prints an exception raised
there as "Exception ignored" and drops it, and the run went on as if no signal had come (exit 0
after SIGTERM). That holds for Ctrl-C as well, inside :func:`terminate_as_interrupt`.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator

EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


def _later(signum: int, delay: float = 0.01) -> None:
    """Send ``signum`` to this process again after ``delay`` s (from a helper thread: raising it
    here would run the handler again at once, still inside the finalizer)."""
    import os

    timer = threading.Timer(delay, os.kill, (os.getpid(), signum))
    timer.daemon = True
    timer.start()


def _in_finalizer(frame) -> bool:
    """Whether ``frame`` or one of its callers is a ``__del__``: an exception raised there is lost."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` for the body (main thread only; elsewhere a no-op),
    and put off SIGTERM and Ctrl-C while a finalizer runs (module docstring)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    fired = []

    def on_term(signum, frame):
        if fired:
            return  # already stopping: let the cleanup finish
        if _in_finalizer(frame):
            _later(signum)  # again, once the finalizer has returned
            return
        fired.append(signum)
        raise Terminated()

    previous_int = signal.getsignal(signal.SIGINT)

    def on_int(signum, frame):  # Ctrl-C: whatever Python handler was there, put off past a finalizer
        if _in_finalizer(frame):
            _later(signum)
            return None
        return previous_int(signum, frame)

    previous = signal.signal(signal.SIGTERM, on_term)
    wrap_int = callable(previous_int)  # not SIG_IGN / SIG_DFL
    if wrap_int:
        signal.signal(signal.SIGINT, on_int)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
        if wrap_int:
            signal.signal(signal.SIGINT, previous_int)
