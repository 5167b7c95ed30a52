"""Tiny synthetic color photos for tests: blurred RGB noise, written with OpenCV."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np


def write_photos(folder: Path, size: tuple[int, int], blur: int, seed: int, ext: str = ".png", n: int = 2,
                 saturate: bool = False) -> Path:
    """Write ``n`` photos ``p0{ext}``… of ``size`` (h, w) into ``folder`` (created): uniform noise
    blurred with a ``blur``×``blur`` Gaussian; ``saturate`` raises every pixel's HSV saturation to
    ≥ 160 (where luma and L* disagree most). Returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    for i in range(n):
        img = cv2.GaussianBlur(rng.integers(0, 255, (*size, 3), dtype=np.uint8), (blur, blur), 0)
        if saturate:
            img = cv2.cvtColor(cv2.cvtColor(img, cv2.COLOR_BGR2HSV) | np.array([0, 160, 0], np.uint8), cv2.COLOR_HSV2BGR)
        cv2.imwrite(str(folder / f"p{i}{ext}"), img)
    return folder
