"""Colored-pencil teacher: tonal hatching in several directions on paper, with graphite outlines.

Tone is rendered with layered hatching in the manner of tonal art maps (Praun, Hoppe, Webb &
Finkelstein, "Real-time hatching", SIGGRAPH 2001): layer ``k`` is a set of parallel, slightly wavy
strokes in its own direction, broken into segments of random length (noise smeared along the stroke
direction), and it is laid down only where the darkness ``D = 1 - Y`` exceeds the layer's threshold,
so light tones get one direction and dark tones cross-hatching. Coverage combines as
``c = 1 - prod_k (1 - c_k)`` and catches only on the paper's peaks (pencil skips the valleys).

Colour: the pencils are the photo's colours, desaturated and darkened in Lab, laid over a warm
white paper by multiplication: ``out = paper * (1 - c (1 - pencil))``.

Outlines: the classic "colour dodge" pencil sketch, ``Y / (1 - G_sigma * (1 - Y))``
(see e.g. Lu, Xu & Jia, "Combining sketch and tone for pencil drawing production", NPAR 2012, for
the stroke/tone split), gives graphite lines at edges; it multiplies the hatched colour.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vidcolor.styles import paper as P

DESCRIPTION = "colored pencil: cross-hatched strokes following tone on paper, graphite outlines"
VERSION = "1"

_PAPER_WHITE = np.array([0.99, 0.975, 0.95], np.float32)
# (stroke angle in degrees, darkness where the layer starts, pressure)
_LAYERS = ((60.0, 0.08, 0.85), (150.0, 0.38, 0.8), (15.0, 0.58, 0.8), (105.0, 0.75, 0.85))


def hatch_layer(h: int, w: int, rng: np.random.Generator, angle_deg: float, s: float) -> np.ndarray:
    """One hatching layer in [0, 1]: parallel wavy strokes along ``angle_deg``, broken in segments."""
    gx, gy = P.pixel_grid(h, w)
    theta = np.deg2rad(angle_deg)
    across = -gx * np.sin(theta) + gy * np.cos(theta)  # coordinate across the strokes
    spacing = 3.2 * s
    wobble = 0.9 * P.fractal_noise(h, w, rng, base=30.0 * s, octaves=2)
    phase = 2.0 * np.pi * across / spacing + wobble + rng.uniform(0, 2 * np.pi)
    lines = P.smoothstep(0.1, 0.85, 0.5 + 0.5 * np.cos(phase))
    # Stroke segments: white noise smeared along the stroke, thresholded softly.
    length = max(int(22 * s) | 1, 3)
    streak = cv2.filter2D(rng.random((h, w), dtype=np.float32), -1, P.line_kernel(length, theta),
                          borderType=cv2.BORDER_REFLECT)
    streak = (streak - streak.mean()) / max(float(streak.std()), 1e-6)
    pressure = P.smoothstep(-1.2, 0.8, streak)
    return (lines * pressure).astype(np.float32)


def dodge_sketch(gray: np.ndarray, sigma: float) -> np.ndarray:
    """Colour-dodge sketch ``Y / (1 - G_sigma * (1 - Y))``: about 1 on flat areas, dark at edges."""
    inv_blur = P.blur(1.0 - gray, sigma)
    return np.clip(gray / np.maximum(1.0 - inv_blur, 1e-3), 0.0, 1.0).astype(np.float32)


def render(rgb: np.ndarray, seed: int, texture_dir: str | Path | None = None) -> np.ndarray:
    """Colored-pencil rendering of ``rgb`` (``float32 (H, W, 3)`` in [0, 1]); same shape/range."""
    img = P.check_rgb(rgb)
    h, w = img.shape[:2]
    s = P.size_scale(h, w)
    rng = np.random.default_rng([seed, 0x9E9C])

    smooth = P.blur(img, 0.8 * s)
    gray = P.luminance(smooth)
    darkness = np.clip(1.0 - gray, 0.0, 1.0) ** 1.1

    remaining = np.ones((h, w), np.float32)
    for angle, start, pressure in _LAYERS:
        layer = hatch_layer(h, w, rng, angle + rng.uniform(-6.0, 6.0), s)
        amount = P.smoothstep(start, start + 0.22, darkness)
        remaining *= 1.0 - pressure * amount * layer
    coverage = 1.0 - remaining
    # A light side-of-the-lead fill so mid tones are not only lines.
    coverage = np.maximum(coverage, 0.22 * darkness)

    height = P.paper(h, w, seed, s, texture_dir)
    tooth = P.smoothstep(0.3, 0.62, height + 0.15 * coverage)
    coverage = coverage * (0.45 + 0.55 * tooth)

    lab = P.rgb_to_lab(smooth)
    lab[..., 1:] *= 1.15
    lab[..., 0] = np.minimum(lab[..., 0] * 0.8, 85.0)
    pencil = P.lab_to_rgb(lab)
    out = _PAPER_WHITE * (1.0 - coverage[..., None] * (1.0 - pencil))

    sketch = dodge_sketch(gray, 3.0 * s) ** 2.5
    graphite = 1.0 - (1.0 - sketch) * (0.55 + 0.45 * tooth)
    out = out * graphite[..., None]
    out = out * P.relief(height, strength=0.5)[..., None]
    return P.finish(out)
