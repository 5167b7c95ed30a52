"""Where simulated users put their color hints (evaluation of :mod:`vidcolor.control`)."""

from __future__ import annotations

import cv2
import numpy as np

PLACEMENTS = ("random", "worst")
"""``random``: uniformly drawn points; ``worst``: where a user would correct, :func:`worst_places`."""


def worst_places(auto: np.ndarray, original: np.ndarray, n: int) -> list[tuple[int, int]]:
    """``n`` pixel positions ``(x, y)`` where a user would put corrections.

    ``auto`` and ``original``: ``(H, W, 3)`` uint8 RGB, the automatic output and the true colors.
    The chroma error ``‖ab_auto − ab_true‖`` (Lab) is blurred by 2 % of the short side; its maximum
    is the first place, then the maximum ≥ 10 % of the short side from those already taken, and so
    on — a user marks the middle of the object the model got most wrong first. Fewer than ``n``
    when the error runs out; positions stay 2 px inside the frame (room for a 3×3 color sample)."""
    lab = lambda im: cv2.cvtColor(im.astype(np.float32) / 255, cv2.COLOR_RGB2LAB)  # noqa: E731
    err = np.linalg.norm(lab(auto)[..., 1:] - lab(original)[..., 1:], axis=-1)
    short = min(err.shape)
    err = cv2.GaussianBlur(err, (0, 0), max(0.02 * short, 0.5))
    err[:2], err[-2:], err[:, :2], err[:, -2:] = 0, 0, 0, 0
    out = []
    for _ in range(n):
        if float(err.max()) <= 0:
            break
        y, x = np.unravel_index(int(np.argmax(err)), err.shape)
        out.append((int(x), int(y)))
        cv2.circle(err, (int(x), int(y)), max(1, int(0.1 * short)), 0.0, -1)
    return out
