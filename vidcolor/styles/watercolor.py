"""Watercolor teacher, after Bousseau, Kaplan, Thollot & Sillion, "Interactive watercolor
rendering with image-space filtering" (NPAR 2006) and Bousseau et al. 2007 (temporal coherence).

Pipeline, on sRGB float images in [0, 1] (spatial sizes scaled by :func:`paper.size_scale`):

1. *Abstraction* - mean-shift filtering (Comaniciu & Meer 2002, ``cv2.pyrMeanShiftFiltering``)
   flattens regions into washes; Lightness is then softly quantized in Lab
   (Winnemöller et al. 2006, eq. 3) so each wash has an even tone.
2. *Wobbling* - the washes are displaced by a low-frequency noise field (Bousseau 2006, sec. 4.3),
   so region boundaries are irregular like hand-laid paint.
3. *Bleeding* - in random blotches the washes are replaced by a blurred copy, so colour runs softly
   across some edges (wet-in-wet).
4. *Washed palette* - colours are lightened and thinned toward the paper, and highlights are
   left as bare paper (soft mask on Lightness, broken up by noise).
5. *Pigment density* - one density map ``d`` combines edge darkening (gradient magnitude of the
   washes: pigment gathers at wash borders), granulation (fine noise, stronger where the paint is
   dark), paper tooth (pigment settles in paper valleys) and turbulent flow (low-frequency noise).
   Colours are modified with Bousseau's eq. 1: ``C' = C (1 - (1 - C)(d - 1))``.
6. *Paper* - the result is multiplied by a warm paper tint lit from the paper height map.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from vidcolor.styles import paper as P

DESCRIPTION = "watercolor: soft flat washes, dark pigment edges, granulation and bleeding on paper"
VERSION = "1"

_PAPER_TINT = np.array([0.985, 0.97, 0.93], np.float32)


def abstract(rgb: np.ndarray, s: float) -> np.ndarray:
    """Flat washes: mean-shift segmentation-like filtering, then soft Lightness quantization."""
    u8 = (rgb * 255.0 + 0.5).astype(np.uint8)
    sp = max(int(round(5 * s)), 1)
    flat = cv2.pyrMeanShiftFiltering(u8, sp, 18)
    flat = cv2.medianBlur(flat, 3)
    lab = P.rgb_to_lab(flat.astype(np.float32) / 255.0)
    lab[..., 0] = 100.0 * P.soft_quantize(lab[..., 0] / 100.0, levels=7, sharpness=28.0)
    return P.lab_to_rgb(lab)


def render(rgb: np.ndarray, seed: int, texture_dir: str | Path | None = None) -> np.ndarray:
    """Watercolor rendering of ``rgb`` (``float32 (H, W, 3)`` in [0, 1]); same shape and range."""
    img = P.check_rgb(rgb)
    h, w = img.shape[:2]
    s = P.size_scale(h, w)
    rng = np.random.default_rng([seed, 0xA7E2])
    gx, gy = P.pixel_grid(h, w)

    washes = abstract(img, s)

    # Wobbling: displace by a smooth random vector field of about 1.5 px.
    amp = 1.5 * s
    wx = P.fractal_noise(h, w, rng, base=24.0 * s, octaves=2)
    wy = P.fractal_noise(h, w, rng, base=24.0 * s, octaves=2)
    washes = P.sample(washes, gx + amp * wx, gy + amp * wy)

    # Bleeding: blotches where the washes run into each other.
    bleed = P.smoothstep(0.6, 1.4, P.fractal_noise(h, w, rng, base=40.0 * s, octaves=2))
    washes = washes + bleed[..., None] * (P.blur(washes, 3.0 * s) - washes)

    # Washed palette: thin the paint toward white and leave bare paper in the highlights.
    lab = P.rgb_to_lab(washes)
    lab[..., 1:] *= 0.95
    lab[..., 0] = 100.0 - 0.74 * (100.0 - lab[..., 0])
    light = lab[..., 0] / 100.0
    holes = 0.03 * P.fractal_noise(h, w, rng, base=12.0 * s, octaves=3)
    bare = P.smoothstep(0.82, 0.94, light + holes)
    paint = P.lab_to_rgb(lab)

    # Pigment density (Bousseau 2006, sec. 4): edge darkening + granulation + paper + turbulence.
    height = P.paper(h, w, seed, s, texture_dir)
    edges = P.edge_magnitude(P.luminance(paint), 0.5 * s) + 0.5 * P.edge_magnitude(
        paint[..., 0] - paint[..., 2], 0.5 * s)
    edges = np.clip(edges / 0.04, 0.0, 1.0)
    edges = 0.7 * edges + 0.8 * P.blur(edges, 1.5 * s)
    grain = P.blur(rng.standard_normal((h, w), dtype=np.float32), 0.7 * s)
    grain /= max(float(grain.std()), 1e-6)
    turbulence = P.fractal_noise(h, w, rng, base=20.0 * s, octaves=3)
    darkness = 1.0 - P.luminance(paint)
    density = (1.0 + 0.9 * edges + 0.12 * turbulence + (0.03 + 0.15 * darkness) * grain
               - 0.5 * (height - 0.5))
    paint = paint * (1.0 - (1.0 - paint) * (density[..., None] - 1.0))
    paint = np.clip(paint, 0.0, 1.0)

    # Bare paper in the highlights, then the paper colour and relief.
    paint = paint + bare[..., None] * (1.0 - paint)
    shade = P.relief(height, strength=0.8)
    return P.finish(paint * _PAPER_TINT * shade[..., None])
