#!/usr/bin/env python3
"""Time of the reference composite on one 640×480 frame with one reference (working size 256×192), median
of 5 rounds of 50 calls: the working-size decision with its temporal smoothing
(:func:`vidcolor.control.fullres.decide`, :class:`~vidcolor.control.fullres.DecisionSmoother`, inference
thread) and the full-size sampling (:func:`~vidcolor.control.fullres.composite`, encoder thread):
``python scripts/bench_composite.py``.

``docs/results/r3_bench_composite.txt`` compares deciding at full size (the code before commit 851a227)
with the working-size decision it has now."""

from __future__ import annotations

import time

import numpy as np

from vidcolor.control import fullres


class _Plan:
    span = 200

    def __init__(self, ab: np.ndarray, small: np.ndarray):
        self.parts = (ab, small)

    def reference_parts(self, key: int, keep: int = 2):
        return self.parts


def main() -> None:
    rng = np.random.default_rng(0)
    H, W, h, w = 480, 640, 192, 256
    plan = _Plan(rng.random((H, W, 2), dtype=np.float32), rng.random((h, w, 2), dtype=np.float32))
    dense = [(0, 5, ((rng.random((h, w, 2), dtype=np.float32) - 0.5) * 2).astype(np.float16), np.ones((h, w), np.float32))]
    lum, ab = rng.random((h, w), dtype=np.float32), rng.random((H, W, 2), dtype=np.float32)
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    motion = (xs + 0.5, ys, np.ones((h, w), np.float32))
    smoother = fullres.DecisionSmoother()
    timed = {"decide + smooth (working size)": lambda: smoother(fullres.decide(plan, dense, lum, (H, W)), motion),
             "composite (full size)": lambda: fullres.composite(ab, plan, decisions)}
    decisions = timed["decide + smooth (working size)"]()
    for name, fn in timed.items():
        times = []
        for _ in range(5):
            t = time.perf_counter()
            for _ in range(50):
                fn()
            times.append((time.perf_counter() - t) / 50 * 1000)
        print(f"{name}, 640x480 frame, one reference: {np.median(times):.2f} ms (median of 5 rounds of 50)")


if __name__ == "__main__":
    main()
