"""Reconstruction loss in Lab.

``L_rec = mean |w ⊙ (Lab_pred − Lab_target)| / s`` with per-channel scales ``s = (100, 110, 110)``
(so each channel is ~[−1, 1]); for plain colorization (style 0) the L term is 0 by construction
because the generator copies the input luminance. ``charbonnier`` swaps |·| for
``sqrt(d² + ε²)`` (smooth L1, robust near zero).

L1 (not L2) is deliberate: for an ambiguous object the L1 minimiser is the per-channel *median*
color, which keeps uncertain regions muted rather than averaging to sepia or committing to garish
hues.
"""

from __future__ import annotations

import torch
from torch import nn

from vidcolor.color import AB_SCALE


class LabL1Loss(nn.Module):
    def __init__(self, l_weight: float = 1.0, ab_weight: float = 1.0, charbonnier_eps: float = 0.0):
        super().__init__()
        self.register_buffer("scale", torch.tensor([100.0, AB_SCALE, AB_SCALE]).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("weight", torch.tensor([l_weight, ab_weight, ab_weight]).view(1, 3, 1, 1), persistent=False)
        self.eps = charbonnier_eps

    def forward(self, pred_lab: torch.Tensor, target_lab: torch.Tensor, ab_pixel_weight: torch.Tensor | None = None) -> torch.Tensor:
        """``pred_lab``, ``target_lab``: ``[N,3,H,W]`` Lab → scalar. ``ab_pixel_weight`` ``[N,1,H,W]``
        (optional, mean ≈ 1) reweights the ab terms per pixel (chroma rebalancing)."""
        d = (pred_lab.float() - target_lab.float()) / self.scale
        d = d.abs() if self.eps == 0 else torch.sqrt(d * d + self.eps**2)
        d = d * self.weight
        if ab_pixel_weight is not None:
            d = torch.cat([d[:, :1], d[:, 1:] * ab_pixel_weight.float()], dim=1)
        return d.mean() * 3 / self.weight.sum()
