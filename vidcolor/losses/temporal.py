"""Short-term temporal loss (Lai et al., ECCV 2018, eq. 2).

``L_temp = Σ M ⊙ |G(x_t) − W(G(x_{t−1}))| / Σ M``

* ``W`` backward-warps the previous *output* onto frame t with the input's flow ``flow_{t→t−1}``;
* ``M`` ``[N,1,H,W]`` is the visibility mask: forward–backward consistency ×
  ``exp(−α‖x_t − W(x_{t−1})‖²)`` on the gray inputs (see :func:`vidcolor.flow.visibility_mask`),
  so disoccluded or mis-tracked pixels do not force colors to stick.
Outputs compared in RGB [0, 1].
"""

from __future__ import annotations

import torch
from torch import nn

from vidcolor.flow.warp import backward_warp


class TemporalLoss(nn.Module):
    def forward(self, out_t: torch.Tensor, out_prev: torch.Tensor, flow_t_prev: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """``out_t``, ``out_prev``: ``[N,C,H,W]``; ``flow_t_prev``: ``[N,2,H,W]``; ``mask``: ``[N,1,H,W]``."""
        warped = backward_warp(out_prev.float(), flow_t_prev.float())
        num = (mask * (out_t.float() - warped).abs()).sum()
        return num / (mask.sum() * out_t.shape[1]).clamp_min(1.0)
