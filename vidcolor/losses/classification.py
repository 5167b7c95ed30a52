"""Chroma classification loss (Zhang et al. 2016, "Colorful Image Colorization", §2.1–2.2).

``L_cls = −Σ_{pixels} v(Z) Σ_q Z_q · log softmax(ẑ)_q / Σ v(Z)`` over the rows it is asked for, with
``Z`` the soft-encoded true ab at the logits' resolution (5 nearest bins, σ = 5;
:func:`vidcolor.models.chroma_classes.soft_encode`) and ``v(Z) = w[argmax Z]`` the class-rebalancing
weight of the pixel's nearest bin (1 without rebalancing).

``ChromaClassLoss(bins, weights)``: ``bins [Q, 2]`` ab centres (Lab units), ``weights [Q]`` or None.
``forward(logits [N,Q,h,w], target_lab [N,3,H,W], rows [N] bool)`` → scalar (0 with a graph when no
row is selected, so distributed training keeps every parameter in the backward pass).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vidcolor.models.chroma_classes import soft_encode


class ChromaClassLoss(nn.Module):
    def __init__(self, bins: torch.Tensor, weights: torch.Tensor | None = None):
        super().__init__()
        self.register_buffer("bins", torch.as_tensor(bins, dtype=torch.float32).reshape(-1, 2), persistent=False)
        self.register_buffer("weights", None if weights is None else torch.as_tensor(weights, dtype=torch.float32).reshape(-1), persistent=False)

    def forward(self, logits: torch.Tensor, target_lab: torch.Tensor, rows: torch.Tensor | None = None) -> torch.Tensor:
        if rows is not None:
            if not bool(rows.any()):
                return logits.float().sum() * 0.0
            logits, target_lab = logits[rows], target_lab[rows]
        ab = F.adaptive_avg_pool2d(target_lab[:, 1:3].float(), logits.shape[-2:])
        target = soft_encode(ab, self.bins)
        ce = -(target * torch.log_softmax(logits.float(), dim=1)).sum(dim=1)          # [n, h, w]
        if self.weights is None:
            return ce.mean()
        v = self.weights[target.argmax(dim=1)]
        return (ce * v).sum() / v.sum().clamp_min(1e-6)
