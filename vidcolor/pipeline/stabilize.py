"""Flow-guided temporal stabilization at inference (on by default for video).

For each frame t at the working resolution:

1. ``flow_{t→t−1}`` by DIS on the *input* luminance (colors do not exist yet, and the input is what
   truly moves);
2. the previous *stabilized output* is backward-warped onto frame t: ``Ŵ = W(o_{t−1})``;
3. a per-pixel confidence ``c = inside · exp(−α‖x_t − W(x_{t−1})‖²)`` (Lai et al. 2018's
   photometric visibility term on the input luminance; ``α`` for values in [0, 1]) — pixels whose
   luminance does not match after warping (occlusions, disocclusions, fast non-rigid motion, flow
   failures) get ``c ≈ 0`` and take the new prediction, so moving objects never ghost;
4. ``o_t = p_t + β·c·(Ŵ − p_t)`` — an exponential moving average along the motion with weight ``β``.

For plain colorization only ab is blended (L is the input's); for styles all of Lab. State is one
frame (previous gray and output), so cost per frame is constant and memory never grows;
:meth:`reset` is called at scene cuts so colors never leak from one shot into the next.
"""

from __future__ import annotations

import numpy as np
import torch

from vidcolor.flow.dis import compute_flow, flow_to_tensor
from vidcolor.flow.warp import backward_warp, inside_mask


class TemporalStabilizer:
    def __init__(self, strength: float = 0.85, alpha: float = 200.0, preset: str = "fast"):
        """``strength`` β ∈ [0, 1); ``alpha`` of the photometric confidence; DIS ``preset``."""
        if not 0.0 <= strength < 1.0:
            raise ValueError(f"stabilization strength must be in [0, 1), got {strength}")
        self.strength, self.alpha, self.preset = strength, alpha, preset
        self.reset()

    def reset(self) -> None:
        self._gray_u8: np.ndarray | None = None
        self._gray: torch.Tensor | None = None
        self._out: torch.Tensor | None = None

    def __call__(self, gray: torch.Tensor, lab: torch.Tensor, style: int) -> torch.Tensor:
        """One frame: gray ``[1,1,h,w]`` in [0,1], predicted Lab ``[1,3,h,w]`` → stabilized Lab."""
        g_u8 = (gray[0, 0].float().clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()
        out = lab
        if self._out is not None and self._out.shape == lab.shape and self.strength > 0:
            flow = flow_to_tensor(compute_flow(g_u8, self._gray_u8, self.preset)).to(lab.device)
            warped_prev_gray = backward_warp(self._gray, flow)
            conf = torch.exp(-self.alpha * (gray.float() - warped_prev_gray).pow(2)) * inside_mask(flow)
            warped = backward_warp(self._out, flow)
            w = self.strength * conf
            if style == 0:
                ab = lab[:, 1:] + w * (warped[:, 1:] - lab[:, 1:])
                out = torch.cat([lab[:, :1], ab], 1)
            else:
                out = lab + w * (warped - lab)
        self._gray_u8, self._gray, self._out = g_u8, gray.float(), out
        return out
