"""The threaded decode → process → encode runner: order, counts, errors, interruption."""

from __future__ import annotations

import threading
import time

import pytest

from vidcolor.pipeline.stream import run_pipeline


def test_order_and_count_preserved_with_uneven_batches():
    out = []
    n = run_pipeline(iter(range(103)), lambda b: [x * 2 for x in b], out.append, batch_size=8, queue_size=3)
    assert n == 103
    assert out == [2 * x for x in range(103)]


def test_slow_consumer_applies_back_pressure():
    produced = []

    def source():
        for i in range(40):
            produced.append(i)
            yield i

    seen = []

    def sink(x):
        time.sleep(0.002)
        seen.append((x, len(produced)))

    run_pipeline(source(), lambda b: b, sink, batch_size=2, queue_size=2)
    # the producer can never be more than (queues + batch + in-flight) items ahead of the sink
    assert max(p - x for x, p in seen) <= 2 + 2 + 2 + 3


@pytest.mark.parametrize("where", ["source", "process", "sink"])
def test_error_in_any_stage_is_raised_and_threads_stop(where):
    class Boom(Exception):
        pass

    def source():
        for i in range(1000):
            if where == "source" and i == 17:
                raise Boom("decode failed")
            yield i

    def process(b):
        if where == "process" and b[0] >= 24:
            raise Boom("model failed")
        return b

    def sink(x):
        if where == "sink" and x == 9:
            raise Boom("encode failed")

    before = threading.active_count()
    with pytest.raises(Boom):
        run_pipeline(source(), process, sink, batch_size=4, queue_size=4)
    time.sleep(0.3)
    assert threading.active_count() <= before


def test_keyboard_interrupt_in_main_stage_stops_cleanly():
    def process(b):
        if b[0] >= 12:
            raise KeyboardInterrupt
        return b

    sunk = []
    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(iter(range(10_000)), process, sunk.append, batch_size=4, queue_size=4)
    time.sleep(0.3)
    assert threading.active_count() <= before
    assert sunk == list(range(len(sunk)))  # whatever got through is in order
    assert len(sunk) <= 12


def test_process_must_return_one_output_per_input():
    with pytest.raises(RuntimeError, match="outputs"):
        run_pipeline(iter(range(5)), lambda b: b[:-1], lambda x: None, batch_size=5)


def test_prefetch_keeps_order_raises_errors_and_stops_when_closed():
    import threading

    from vidcolor.pipeline.stream import prefetch

    assert list(prefetch(iter(range(50)), size=3)) == list(range(50))

    def broken():
        yield 1
        raise ValueError("bad frame")

    got = []
    with pytest.raises(ValueError, match="bad frame"):
        for x in prefetch(broken()):
            got.append(x)
    assert got == [1]
    produced = []

    def endless():
        i = 0
        while True:
            produced.append(i)
            yield i
            i += 1

    gen = prefetch(endless(), size=2)
    assert next(gen) == 0
    gen.close()                                  # the consumer stops early: the thread ends
    assert not any(t.name == "vidcolor-prefetch" for t in threading.enumerate())
    assert len(produced) < 10


@pytest.mark.parametrize("which", [0, 1])
def test_a_signal_inside_thread_start_still_stops_the_source(monkeypatch, which):
    """Ctrl-C or SIGTERM can land while ``Thread.start`` waits for the new thread: the exception
    leaves start() with the thread already running. The pipeline must still stop it before it
    returns, or the caller closes its decoder under the thread ("generator already executing")."""
    real_start = threading.Thread.start
    calls = []

    def start_then_interrupted(self):
        calls.append(self.name)
        real_start(self)
        if len(calls) == which + 1:
            raise KeyboardInterrupt

    monkeypatch.setattr(threading.Thread, "start", start_then_interrupted)

    def source():
        for i in range(10**6):
            time.sleep(0.001)
            yield i

    gen = source()
    with pytest.raises(KeyboardInterrupt):
        run_pipeline(gen, lambda b: b, lambda o: None, batch_size=2)
    gen.close()  # raised ValueError: generator already executing while the producer still ran it
    assert not [t for t in threading.enumerate() if t.name.startswith("vidcolor-")]


def test_a_thread_that_comes_up_after_the_stop_leaves_the_source_alone(monkeypatch):
    """The thread is created but only runs after the caller has given up on it (the signal came
    before Thread.start saw it running): it must not start iterating the source then."""
    real_start = threading.Thread.start
    started = []

    def late_start(self):
        started.append(self)
        raise KeyboardInterrupt   # the thread starts only below, after run_pipeline has returned

    monkeypatch.setattr(threading.Thread, "start", late_start)
    touched = []

    def source():
        touched.append(1)
        yield 1

    with pytest.raises(KeyboardInterrupt):
        run_pipeline(source(), lambda b: b, lambda o: None)
    real_start(started[0])
    started[0].join(timeout=10)
    assert not touched
