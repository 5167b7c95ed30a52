"""SIGTERM as Ctrl-C, and neither lost where Python drops exceptions (finalizers)."""

from __future__ import annotations

import gc
import os
import signal
import time
import weakref

import pytest

from vidcolor.signals import Terminated, terminate_as_interrupt


@pytest.fixture
def python_sigint():
    """Python's own Ctrl-C handler, even where SIGINT came ignored (pytest run as a background job)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _kill_self(signum):
    os.kill(os.getpid(), signum)
    for _ in range(10_000):   # the handler runs somewhere in here, inside the finalizer
        pass


class _Finalized:
    def __init__(self, signum):
        self.signum = signum

    def __del__(self):
        _kill_self(self.signum)


class _Plain:
    pass


def _generator(signum):
    try:
        yield 1
    finally:           # run when the dropped generator is collected
        _kill_self(signum)


def _drop(kind: str, signum) -> None:
    """Let the garbage collector run a finalizer of ``kind`` that receives ``signum``."""
    if kind == "__del__":
        obj = _Finalized(signum)
        del obj
    elif kind == "generator":
        for _ in _generator(signum):
            break
    else:  # weakref.finalize, as tempfile.TemporaryDirectory cleans up
        obj = _Plain()
        weakref.finalize(obj, _kill_self, signum)
        del obj
    gc.collect()


@pytest.mark.parametrize("kind", ["__del__", "generator", "weakref.finalize"])
@pytest.mark.parametrize("signum, exc", [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_inside_a_finalizer_is_raised_after_it_not_lost(python_sigint, kind, signum, exc):
    """Python drops an exception raised in a finalizer ("Exception ignored"): a SIGTERM that landed
    there let `vidcolor process` run on to exit 0. It comes back at the next line, and it breaks a
    blocking call there (the sleep below would take 5 s)."""
    t0 = time.monotonic()
    with pytest.raises(exc):
        with terminate_as_interrupt():
            _drop(kind, signum)
            for _ in range(500):   # 5 s of a pipeline's short waits
                time.sleep(0.01)
    assert time.monotonic() - t0 < 2


@pytest.mark.parametrize("signum, exc", [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_lost_at_the_very_end_is_raised_as_the_context_closes(python_sigint, signum, exc):
    before = signal.getsignal(signal.SIGTERM)
    with pytest.raises(exc):
        with terminate_as_interrupt():
            _drop("__del__", signum)   # the last line: the signal is sent again, too late for the body
    time.sleep(0.05)   # and not once more after the handlers are back (SIGTERM's default would kill pytest)
    assert signal.getsignal(signal.SIGTERM) is before


def test_sigterm_raises_terminated_once_and_handlers_are_restored():
    before_term, before_int, before_hook = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT), __import__("sys").unraisablehook
    with pytest.raises(Terminated):
        with terminate_as_interrupt():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5)
            finally:  # a second SIGTERM during the cleanup is ignored
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):
                    pass
    import sys

    assert signal.getsignal(signal.SIGTERM) is before_term and signal.getsignal(signal.SIGINT) is before_int
    assert sys.unraisablehook is before_hook
