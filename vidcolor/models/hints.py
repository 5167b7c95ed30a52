"""Color hints as network input (Zhang et al. 2017, "Real-Time User-Guided Image Colorization").

A hint map is ``[N, 3, H, W]`` float: channels 0–1 are the hinted chroma ``ab / AB_SCALE`` (≈ [−1, 1])
multiplied by the confidence, channel 2 is the confidence in [0, 1] (0 = no hint). A user's point
or scribble has confidence 1; colors carried from a reference keyframe by optical flow have a
confidence that falls with distance and flow error. ``None`` (or an all-zero map) means automatic.
"""

from __future__ import annotations

import torch

from vidcolor.color import AB_SCALE

HINT_CHANNELS = 3


def make_hints(ab: torch.Tensor, confidence: torch.Tensor) -> torch.Tensor:
    """``ab [N,2,H,W]`` (Lab units) and ``confidence [N,1,H,W]`` in [0,1] → hint map ``[N,3,H,W]``."""
    conf = confidence.clamp(0, 1)
    return torch.cat([ab / AB_SCALE * conf, conf], dim=1)


def empty_hints(n: int, h: int, w: int, device=None, dtype=torch.float32) -> torch.Tensor:
    return torch.zeros(n, HINT_CHANNELS, h, w, device=device, dtype=dtype)


def resize_hints(hints: torch.Tensor, size: tuple[int, int]) -> torch.Tensor:
    """Resize a hint map keeping sparse points: confidence-weighted area average, with max-pooled
    confidence so a 1-pixel hint survives a downscale (its color is the weighted mean)."""
    import torch.nn.functional as F

    if tuple(hints.shape[-2:]) == tuple(size):
        return hints
    h, w = hints.shape[-2:]
    if size[0] >= h and size[1] >= w:
        return F.interpolate(hints, size=size, mode="nearest")
    ab_w = F.adaptive_avg_pool2d(hints[:, :2], size)
    c_mean = F.adaptive_avg_pool2d(hints[:, 2:], size)
    c_max = F.adaptive_max_pool2d(hints[:, 2:], size)
    ab = ab_w / c_mean.clamp_min(1e-6)  # confidence-weighted mean of ab/AB_SCALE
    return torch.cat([ab * c_max, c_max], dim=1)
