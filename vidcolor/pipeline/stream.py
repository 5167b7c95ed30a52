"""Overlapped three-stage streaming: a decoder thread → batched processing → an encoder thread.

Bounded queues give back-pressure (memory is ``O(queue_size · frame)`` however long the film);
PyAV and PyTorch release the GIL while they work, so decode, inference and encode overlap. The
first error in any stage stops all stages and is re-raised in the caller's thread; Ctrl-C in the
caller stops the workers the same way. Nothing here knows about video: the stages are callables.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable, Iterable, Iterator

_END = object()


class _Stop:
    def __init__(self):
        self.event = threading.Event()
        self.error: BaseException | None = None
        self.lock = threading.Lock()

    def fail(self, exc: BaseException) -> None:
        with self.lock:
            if self.error is None:
                self.error = exc
        self.event.set()


def _put(q: queue.Queue, item, stop: _Stop) -> bool:
    while not stop.event.is_set():
        try:
            q.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


def _get(q: queue.Queue, stop: _Stop):
    while True:
        try:
            return q.get(timeout=0.1)
        except queue.Empty:
            if stop.event.is_set():
                return _END


def run_pipeline(source: Iterable, process: Callable[[list], list], sink: Callable[[object], None],
                 batch_size: int = 8, queue_size: int = 16, on_batch: Callable[[int], None] | None = None) -> int:
    """Run ``source → process (in batches) → sink``; returns the number of items sunk.

    ``source``: iterable of items (consumed in a producer thread). ``process(list) -> list``: runs in
    the calling thread on batches of up to ``batch_size`` items, in order, returning one output per
    input. ``sink(output)``: consumes outputs in order in a consumer thread. ``on_batch(n)`` is
    called after each batch is processed (progress reporting).
    """
    stop = _Stop()
    q_in: queue.Queue = queue.Queue(maxsize=queue_size)
    q_out: queue.Queue = queue.Queue(maxsize=queue_size)
    count = [0]

    def produce():
        try:
            if stop.event.is_set():  # stopped while this thread was starting: leave the source alone
                return
            for item in source:
                if not _put(q_in, item, stop):
                    return
            _put(q_in, _END, stop)
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller
            stop.fail(exc)

    def consume():
        try:
            while True:
                out = _get(q_out, stop)
                if out is _END:
                    return
                sink(out)
                count[0] += 1
        except BaseException as exc:  # noqa: BLE001
            stop.fail(exc)

    producer = threading.Thread(target=produce, name="vidcolor-decode", daemon=True)
    consumer = threading.Thread(target=consume, name="vidcolor-encode", daemon=True)
    try:
        producer.start()   # inside the try: a Ctrl-C or SIGTERM raised while Thread.start waits
        consumer.start()   # for the thread must stop it too (see _join_started)
        done = False
        while not done and not stop.event.is_set():
            batch = []
            while len(batch) < batch_size:
                item = _get(q_in, stop)
                if item is _END:
                    done = True
                    break
                batch.append(item)
            if batch and not stop.event.is_set():
                outs = process(batch)
                if len(outs) != len(batch):
                    raise RuntimeError(f"process returned {len(outs)} outputs for {len(batch)} inputs")
                for o in outs:
                    if not _put(q_out, o, stop):
                        break
                if on_batch:
                    on_batch(len(batch))
        if not stop.event.is_set():
            _put(q_out, _END, stop)
            consumer.join()
    except BaseException as exc:
        stop.fail(exc)
    finally:
        if stop.error is not None:
            stop.event.set()
        _join_started(producer, consumer)
    if stop.error is not None:
        raise stop.error
    return count[0]


def _join_started(*threads: threading.Thread, timeout: float = 30) -> None:
    """Join the threads that run (up to ``timeout`` s each). The stop event is set before this
    when anything failed, so a thread whose ``start()`` was cut short by a signal and that only
    comes up now returns at its first line without touching the caller's source (before, the
    caller closed the decoder under it: ``ValueError: generator already executing`` instead of
    ``Error: terminated``)."""
    for t in threads:
        if t.is_alive():
            t.join(timeout=timeout)


def prefetch(source: Iterable, size: int = 8) -> Iterator:
    """Iterate ``source`` in a background thread, up to ``size`` items ahead (e.g. decoding while the
    caller computes). Its errors are re-raised here, in order; closing the generator early (``break``,
    an error in the caller) stops the thread."""
    stop = _Stop()
    q: queue.Queue = queue.Queue(maxsize=max(1, size))

    def produce():
        try:
            if stop.event.is_set():  # closed while this thread was starting
                return
            for item in source:
                if not _put(q, item, stop):
                    return
        except BaseException as exc:  # noqa: BLE001 — re-raised in the caller
            stop.error = exc
        _put(q, _END, stop)

    worker = threading.Thread(target=produce, name="vidcolor-prefetch", daemon=True)
    try:
        worker.start()
        while True:
            item = _get(q, stop)
            if item is _END:
                break
            yield item
        if stop.error is not None:
            raise stop.error
    finally:
        stop.event.set()
        _join_started(worker)


def iter_chunks(it: Iterable, n: int) -> Iterator[list]:
    chunk = []
    for x in it:
        chunk.append(x)
        if len(chunk) == n:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
