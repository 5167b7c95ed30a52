"""glibc ``malloc`` settings for the render pipelines (process-wide; set by the command line).

A render allocates and frees the same large buffers for every batch: feature maps of 1–30 MB, the
frames, their Lab and RGB copies. With glibc's defaults a freed block above the mmap threshold goes
back to the kernel, and the heap's top is trimmed once 2× that threshold is free, so the next batch
maps fresh pages that the kernel zero-fills on first touch: a fill or a copy into a new 17 MB
tensor costs several times what it costs in memory already mapped. Raising the mmap threshold to
glibc's ceiling (32 MiB on 64-bit) and the trim threshold to 512 MiB keeps those blocks in the
heap for reuse — the remedy PyTorch's CPU performance guide reaches with jemalloc or tcmalloc,
without a preloaded library. Measured alone (round 10's code with and without glibc's own
tunables at these values, ``bash scripts/measure_round11.sh malloc``,
``docs/results/r11_malloc_ab.txt``, two rounds): the model stage 20.5–22.2 → 23.0–23.2 fps,
the 640×480 pipeline 14.3–14.7 → 15.8–16.0 fps (+8–11 %). Peak memory stays flat in film length;
the heap is kept near its peak instead of being handed back between batches (``r11_memory.txt``).

``vidcolor process``, ``batch``, ``keyframes``, ``bench INPUT`` and Ray render workers call
:func:`apply_malloc_defaults`; training and a library user's process keep their own settings. A
``MALLOC_MMAP_THRESHOLD_`` or ``MALLOC_TRIM_THRESHOLD_`` in the environment (glibc's own tunables)
is left in charge, and nothing is done where the C library is not glibc.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import platform

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
MALLOC_DEFAULTS = {M_MMAP_THRESHOLD: 32 * 1024 * 1024, M_TRIM_THRESHOLD: 512 * 1024 * 1024}
"""``mallopt`` parameter → value (glibc's ``M_MMAP_THRESHOLD`` ceiling on 64-bit is 32 MiB)."""

_USER_TUNABLES = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "GLIBC_TUNABLES")
_applied = False


def apply_malloc_defaults() -> bool:
    """Set :data:`MALLOC_DEFAULTS` with glibc's ``mallopt`` once per process. Returns True when
    they are in force (now or from an earlier call), False where glibc is absent or the environment
    sets its own malloc tunables."""
    global _applied
    if _applied:
        return True
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc" or any(k in os.environ for k in _USER_TUNABLES):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    _applied = all(mallopt(param, value) == 1 for param, value in MALLOC_DEFAULTS.items())
    return _applied
