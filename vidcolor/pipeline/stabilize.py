"""Flow-guided temporal stabilization at inference (on by default for video).

For each frame t at the working resolution:

1. ``flow_{t→t−1}`` by DIS on the *input* luminance (colors do not exist yet, and the input is what
   truly moves);
2. the previous *stabilized output* is backward-warped onto frame t: ``Ŵ = W(o_{t−1})``;
3. a per-pixel confidence ``c = inside · exp(−α‖x_t − W(x_{t−1})‖²)`` (Lai et al. 2018's
   photometric visibility term on the input luminance in [0, 1]) — pixels whose luminance does not
   match after warping (occlusions, disocclusions, fast non-rigid motion, flow failures) get
   ``c ≈ 0`` and take the new prediction, so moving objects do not ghost;
4. ``o_t = p_t + β·c·(Ŵ − p_t)`` — an exponential moving average along the motion with weight ``β``.

For plain colorization only ab is blended (L is the input's); for styles all of Lab, optionally in
two bands: with ``detail_strength`` β_d the detail ``lab − G_σ(lab)`` (texture: hatching, strokes)
is blended with ``β_d·c`` and the rest with ``β·c`` — a style's texture is re-drawn a little
differently every frame, and that flickers more than its colors. State is one
frame (previous gray and output), so the cost per frame is constant and memory never grows;
:meth:`reset` is called at scene cuts so colors never leak from one shot into the next.
Frames are NumPy arrays (OpenCV does the warping), so this runs in any thread without the GIL.
"""

from __future__ import annotations

import cv2
import numpy as np

from vidcolor.flow.dis import compute_flow, pixel_grid


STYLE_SETTINGS: dict[str, dict] = {
    # Pencil hatching is high-contrast texture re-drawn a little differently every frame: a steadier
    # detail band and a looser photometric test. Chosen on clips made from training photos
    # (scripts/tune_stabilizer.py; docs/results/r2_tune_stabilizer.txt): warping error 2.99× plain
    # colorization's with the defaults, 1.66× with these (1.60× at detail 0.98, but a segment then needs 192
    # warm-up frames instead of 76: segments.default_warmup).
    "pencil": {"strength": 0.9, "alpha": 50.0, "detail_strength": 0.95},
}
"""Stabilizer settings per built-in style name (others: the defaults)."""


class TemporalStabilizer:
    def __init__(self, strength: float = 0.85, alpha: float = 200.0, preset: str = "fast", detail_strength: float | None = None,
                 detail_sigma: float = 2.0):
        """``strength`` β ∈ [0, 1); ``alpha`` of the photometric confidence; DIS ``preset``;
        ``detail_strength`` β_d ∈ [0, 1) for the detail band of styles (None: β for everything),
        separated by a Gaussian of ``detail_sigma`` working-size pixels."""
        for name, v in (("strength", strength), ("detail strength", detail_strength)):
            if v is not None and not 0.0 <= v < 1.0:
                raise ValueError(f"stabilization {name} must be in [0, 1), got {v}")
        self.strength, self.alpha, self.preset = strength, alpha, preset
        self.detail_strength, self.detail_sigma = detail_strength, detail_sigma
        self.reset()

    @classmethod
    def for_style(cls, name: str | None) -> "TemporalStabilizer":
        """A stabilizer with the settings of style ``name`` (:data:`STYLE_SETTINGS`)."""
        return cls(**STYLE_SETTINGS.get(name or "", {}))

    def settle_frames(self, tolerance: float = 0.021) -> int:
        """Frames after which an earlier state weighs less than ``tolerance`` (at full confidence):
        ``⌈log tol / log max(β, β_d)⌉`` — the warm-up a segment needs to match a single pass
        (24 for the default β = 0.85)."""
        import math

        beta = max(self.strength, self.detail_strength or 0.0)
        return 0 if beta <= 0 else math.ceil(math.log(tolerance) / math.log(beta))

    def reset(self) -> None:
        self.motion: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self._gray_u8: np.ndarray | None = None
        self._gray: np.ndarray | None = None
        self._out: np.ndarray | None = None

    def __call__(self, gray_u8: np.ndarray, gray: np.ndarray, lab: np.ndarray, style: int) -> np.ndarray:
        """One frame: luma ``(h,w)`` uint8 (for flow), L*/100 ``(h,w)`` float32, predicted Lab
        ``(h,w,3)`` float32 → stabilized Lab ``(h,w,3)``. Afterwards :attr:`motion` holds
        ``(map_x, map_y, confidence)`` ``(h,w)`` float32 of this frame onto the previous one (for
        other state carried along the motion), or None when there was no previous frame."""
        out = lab
        self.motion = None
        if self._out is not None and self._out.shape == lab.shape and self.strength > 0:
            h, w = gray.shape
            flow = compute_flow(gray_u8, self._gray_u8, self.preset)
            xs, ys = pixel_grid(h, w)
            mx, my = xs + flow[..., 0], ys + flow[..., 1]
            inside = (mx >= 0) & (mx <= w - 1) & (my >= 0) & (my <= h - 1)
            prev_gray = cv2.remap(self._gray, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            conf = np.exp(-self.alpha * (gray - prev_gray) ** 2) * inside
            self.motion = (mx, my, conf.astype(np.float32))
            warped = cv2.remap(self._out, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            wgt = (self.strength * conf)[..., None].astype(np.float32)
            if style == 0:
                out = lab.copy()
                out[..., 1:] += wgt * (warped[..., 1:] - lab[..., 1:])
            else:
                out = lab + wgt * (warped - lab)
                if self.detail_strength is not None and self.detail_strength != self.strength:
                    def detail(x):
                        return x - cv2.GaussianBlur(x, (0, 0), self.detail_sigma)
                    extra = ((self.detail_strength - self.strength) * conf)[..., None].astype(np.float32)
                    out += extra * (detail(warped) - detail(lab))
        self._gray_u8, self._gray, self._out = gray_u8, gray, out
        return out
