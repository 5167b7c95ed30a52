"""OpenMP settings for the render pipelines (no torch import here: they must be in the environment
before torch, and with it the OpenMP runtime, is loaded).

``OMP_WAIT_POLICY=PASSIVE``: a worker thread that waits for work sleeps instead of spinning. In a
render the model shares the cores with the decoder, the encoder and the finishing threads, and
often with other work on the machine (a second render, a batch neighbour on a cluster node):
spinning threads take the cores the working ones need. On 2 cores the bundled 6-second sample took
29.5–30.7 s next to one busy process with libgomp's default and 10.8–11.4 s with PASSIVE; idle,
8.1–9.9 s either way (``scripts/bench_threads.sh``, ``docs/results/r9_bench_threads.txt``).
The model alone, and training (torch alone on its cores), run faster spinning on an idle machine
(training 12.1 vs 10.6 samples/s, ``docs/results/r9_bench_threads.txt``), so ``vidcolor process``,
``batch``, ``keyframes``, ``bench INPUT`` and Ray render workers set it, and ``train``, ``eval``
and ``bench --model`` leave OpenMP's default.
"""

from __future__ import annotations

import os

OPENMP_DEFAULTS = {"OMP_WAIT_POLICY": "PASSIVE"}
"""Settings used unless the environment already sets them."""


def openmp_env() -> dict[str, str]:
    """:data:`OPENMP_DEFAULTS`, each overridden by this process's environment when it sets one."""
    return {k: os.environ.get(k, v) for k, v in OPENMP_DEFAULTS.items()}


def apply_openmp_defaults() -> None:
    """Put :data:`OPENMP_DEFAULTS` into ``os.environ`` where unset. Call before importing torch (the
    command line does; a library user sets ``OMP_WAIT_POLICY`` in the environment)."""
    for key, value in OPENMP_DEFAULTS.items():
        os.environ.setdefault(key, value)
