"""Cartoon teacher: flat quantized colours with bold dark ink lines, after Winnemöller, Olsen &
Gooch, "Real-time video abstraction" (SIGGRAPH 2006), with XDoG lines (Winnemöller, Kyprianidis &
Olsen 2012).

1. *Abstraction* - iterated bilateral filtering (Tomasi & Manduchi 1998) followed by mean-shift
   filtering removes texture and keeps region boundaries.
2. *Flat colour* - Lab quantization without clustering: Lightness in ``n`` near-hard bands
   (Winnemöller 2006, eq. 3, large sharpness) and chroma ``(a, b)`` on a coarse grid; a median filter
   then removes one-pixel slivers between bands. Chroma is boosted for a poster-paint palette.
3. *Ink* - a thresholded XDoG of the abstracted Lightness gives closed dark lines; specks smaller
   than a minimum area are dropped (connected components), lines are thickened slightly and
   anti-aliased, then multiplied onto the flat colours.

The output does not depend on the seed: the style has no randomness.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidcolor.styles import paper as P

DESCRIPTION = "cartoon: flat posterized colours with bold dark ink outlines"
VERSION = "1"

_INK = np.array([0.07, 0.06, 0.09], np.float32)


def flat_colours(img: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """Bilateral + mean-shift abstraction, then Lab quantization.

    Returns ``(flat, smooth)``: the posterized colours and the image after one bilateral pass, both
    ``float32 (H, W, 3)``.
    """
    diameter = max(int(5 * s) | 1, 3)
    once = cv2.bilateralFilter(img, diameter, 0.12, 3.0 * s)
    smooth = once
    for _ in range(2):
        smooth = cv2.bilateralFilter(smooth, diameter, 0.12, 3.0 * s)
    u8 = (smooth * 255.0 + 0.5).astype(np.uint8)
    u8 = cv2.pyrMeanShiftFiltering(u8, max(int(round(6 * s)), 1), 24)
    lab = P.rgb_to_lab(u8.astype(np.float32) / 255.0)
    lab[..., 0] = 15.0 + 85.0 * P.soft_quantize(lab[..., 0] / 100.0, levels=6, sharpness=60.0)
    step = 14.0
    lab[..., 1:] = np.round(lab[..., 1:] * 1.3 / step) * step
    flat = (P.lab_to_rgb(lab) * 255.0 + 0.5).astype(np.uint8)
    flat = cv2.medianBlur(flat, 5 if min(img.shape[:2]) >= 5 else 3)
    return flat.astype(np.float32) / 255.0, once


def ink_lines(smooth: np.ndarray, s: float) -> np.ndarray:
    """Ink coverage in [0, 1] (1 = ink) from a thresholded, despeckled XDoG."""
    gray = P.luminance(smooth)
    edges = P.xdog(gray, sigma=1.2 * s, k=1.6, p=20.0, eps=-0.04, phi=30.0)
    ink = (edges < 0.5).astype(np.uint8)
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink, connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= max(int(12 * s * s), 2)
    keep[0] = False
    ink = keep[labels].astype(np.float32)
    if s >= 0.75:
        ink = cv2.dilate(ink, np.ones((2, 2), np.uint8))
    return P.blur(ink, 0.5 * s).clip(0.0, 1.0)


def render(rgb: np.ndarray, seed: int) -> np.ndarray:
    """Cartoon rendering of ``rgb`` (``float32 (H, W, 3)`` in [0, 1]); same shape and range."""
    del seed  # deterministic style without randomness
    img = P.check_rgb(rgb)
    s = P.size_scale(*img.shape[:2])
    flat, smooth = flat_colours(img, s)
    ink = ink_lines(smooth, s)[..., None]
    return P.finish(flat * (1.0 - ink) + _INK * ink)
