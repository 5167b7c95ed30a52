"""SIGTERM handled like Ctrl-C: what schedulers, ``timeout`` and ``docker stop`` send.

Inside :func:`terminate_as_interrupt` a SIGTERM raises :class:`Terminated` in the main thread.
It is a ``KeyboardInterrupt``, so every cleanup path written for Ctrl-C (temporary outputs
deleted, worker threads stopped, segment journals kept) runs for it too; the CLI reports it as
``Error: terminated`` with exit status 143 (128 + SIGTERM). Further SIGTERMs during that cleanup
are ignored so that it can finish; SIGKILL cannot be caught, and its leftovers are removed by the
next run of the same output (:mod:`vidcolor.io.lock`).

Signals are never lost where Python drops exceptions: a SIGTERM or Ctrl-C whose exception is
raised inside a finalizer (``__del__``, a generator closed by the garbage collector, a
``weakref.finalize`` callback — all run at arbitrary moments) reaches ``sys.unraisablehook``
instead of the code, and the run went on (exit 0 after SIGTERM). Inside the context the hook
sends the signal again to the main thread 10 ms later, where it is raised at the next ordinary
line (or breaks what it waits in); the finalizer itself is still interrupted at once. A signal
delivered so late that the context is closing is raised as it closes.
"""

from __future__ import annotations

import _thread
import contextlib
import signal
import sys
import threading
from collections.abc import Iterator

EXIT_TERMINATED = 128 + signal.SIGTERM


class Terminated(KeyboardInterrupt):
    """The process received SIGTERM."""


def _resend(signum: int) -> None:
    """Deliver ``signum`` to the main thread again (POSIX: a real signal, which interrupts what the
    main thread is blocked in; elsewhere Python's simulated one)."""
    if hasattr(signal, "pthread_kill"):
        signal.pthread_kill(threading.main_thread().ident, signum)
    else:
        _thread.interrupt_main(signum)


@contextlib.contextmanager
def terminate_as_interrupt() -> Iterator[None]:
    """Turn SIGTERM into :class:`Terminated` for the body (main thread only; elsewhere a no-op),
    and raise SIGTERM and Ctrl-C again when a finalizer swallowed them (module docstring)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    state = {"fired": False, "lost": None, "timers": []}  # a SIGTERM was raised; the signal a finalizer swallowed

    def on_term(signum, frame):
        if state["fired"]:
            return  # already stopping: let the cleanup finish
        state["fired"], state["lost"] = True, None
        raise Terminated()

    previous_int = signal.getsignal(signal.SIGINT)

    def on_int(signum, frame):
        state["lost"] = None
        return previous_int(signum, frame)

    previous_hook = sys.unraisablehook

    def on_unraisable(unraisable):
        exc = unraisable.exc_value
        if not isinstance(exc, KeyboardInterrupt):
            return previous_hook(unraisable)
        signum = signal.SIGTERM if isinstance(exc, Terminated) else signal.SIGINT
        if signum == signal.SIGTERM:
            state["fired"] = False  # the one that fired never got through
        state["lost"] = signum
        # sent again to the main thread from another thread, a moment later (sent from here, the
        # handler would run at once, inside this hook, which drops it again); a real signal breaks
        # a blocking call such as a sleep or a join, which interrupt_main's flag alone does not
        timer = threading.Timer(0.01, _resend, (signum,))
        timer.daemon = True
        state["timers"].append(timer)
        timer.start()
        return None

    previous = signal.signal(signal.SIGTERM, on_term)
    wrap_int = callable(previous_int)  # not SIG_IGN / SIG_DFL
    if wrap_int:
        signal.signal(signal.SIGINT, on_int)
    sys.unraisablehook = on_unraisable

    def restore() -> None:
        for timer in state["timers"]:
            timer.cancel()  # not after the handlers are back (SIGTERM's default would kill the process)
        sys.unraisablehook = previous_hook
        signal.signal(signal.SIGTERM, previous)
        if wrap_int:
            signal.signal(signal.SIGINT, previous_int)

    try:
        yield
    except BaseException:
        restore()
        raise
    restore()
    if state["lost"] == signal.SIGTERM:  # re-sent, but not raised before the body ended
        raise Terminated()
    if state["lost"] == signal.SIGINT:
        raise KeyboardInterrupt
