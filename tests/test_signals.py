"""SIGTERM as Ctrl-C, and neither lost inside a finalizer."""

from __future__ import annotations

import gc
import os
import signal
import time

import pytest

from vidcolor.signals import Terminated, terminate_as_interrupt


class _SignalledWhileCollected:
    """Sends ``signum`` to this process from its own finalizer, as when the garbage collector runs
    a ``__del__`` at the moment a scheduler's SIGTERM (or a Ctrl-C) arrives."""

    def __init__(self, signum):
        self.signum = signum
        self.finished = False

    def __del__(self):
        os.kill(os.getpid(), self.signum)
        total = 0
        for i in range(10_000):   # the handler runs somewhere in here
            total += i
        _SignalledWhileCollected.finished = total > 0


@pytest.mark.parametrize("signum, exc", [(signal.SIGTERM, Terminated), (signal.SIGINT, KeyboardInterrupt)])
def test_a_signal_inside_a_finalizer_is_raised_after_it_not_lost(signum, exc, request):
    """Python drops an exception raised in ``__del__`` ("Exception ignored"): a SIGTERM that landed
    there let `vidcolor process` run on to exit 0."""
    _SignalledWhileCollected.finished = False
    if signum == signal.SIGINT:  # Python's own Ctrl-C handler, even where SIGINT came ignored (a background job)
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
        request.addfinalizer(lambda: signal.signal(signal.SIGINT, previous))
    with pytest.raises(exc):
        with terminate_as_interrupt():
            obj = _SignalledWhileCollected(signum)
            del obj
            gc.collect()
            for _ in range(500):   # where the put-off signal lands (sent again 10 ms later)
                time.sleep(0.01)
    assert _SignalledWhileCollected.finished  # the finalizer ran to its end


def test_sigterm_raises_terminated_once_and_handlers_are_restored():
    before_term, before_int = signal.getsignal(signal.SIGTERM), signal.getsignal(signal.SIGINT)
    with pytest.raises(Terminated):
        with terminate_as_interrupt():
            try:
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):
                    pass
            finally:  # a second SIGTERM during the cleanup is ignored
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(1000):
                    pass
    assert signal.getsignal(signal.SIGTERM) is before_term and signal.getsignal(signal.SIGINT) is before_int
