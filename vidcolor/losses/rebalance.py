"""Chroma rebalancing for the reconstruction loss (Zhang et al. 2016, "Colorful Image Colorization", §2.2).

L1/L2 on ab pull uncertain pixels toward the common, desaturated colors (the sky-gray median). Zhang
et al. reweight each pixel by the rarity of its true color: with ``p̃`` the empirical distribution of
ab over a grid of bins (smoothed by a Gaussian), ``w ∝ ((1 − λ)·p̃ + λ/Q)⁻¹`` normalised so that
``E_p̃[w] = 1`` (λ = 0.5, Q = number of in-gamut bins). We apply the weights to the per-pixel ab L1
(regression keeps one-pass speed; the classification head of the paper is not used).

``ChromaRebalance(hist)`` maps target Lab ``[N,3,H,W]`` → weights ``[N,1,H,W]``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

BIN = 10.0
LIMIT = 110.0
NBINS = int(2 * LIMIT / BIN)  # 22 × 22 bins of 10 ab units


def ab_histogram(ab: np.ndarray) -> np.ndarray:
    """Counts ``[NBINS, NBINS]`` of ab values ``[..., 2]`` (Lab units)."""
    idx = np.clip(((ab.reshape(-1, 2) + LIMIT) / BIN).astype(np.int64), 0, NBINS - 1)
    return np.bincount(idx[:, 0] * NBINS + idx[:, 1], minlength=NBINS * NBINS).reshape(NBINS, NBINS).astype(np.float64)


def rebalance_weights(counts: np.ndarray, lam: float = 0.5, sigma_bins: float = 0.5, cap: float = 5.0) -> np.ndarray:
    """Zhang et al.'s weights on the bin grid from raw counts (bins never seen get the largest weight
    of the seen ones: they are out of gamut or absent from the data)."""
    import cv2

    p = counts / max(counts.sum(), 1.0)
    p = cv2.GaussianBlur(p.astype(np.float64), (0, 0), sigma_bins)
    seen = counts > 0
    q = max(int(seen.sum()), 1)
    w = 1.0 / ((1 - lam) * p + lam / q)
    w = w / max((p * w).sum() / max(p.sum(), 1e-12), 1e-12)
    w = np.minimum(w, cap)
    w = w / max((p * w).sum() / max(p.sum(), 1e-12), 1e-12)  # E_p̃[w] = 1 again after the cap
    w[~seen] = w[seen].max() if seen.any() else 1.0
    return w.astype(np.float32)


class ChromaRebalance(nn.Module):
    def __init__(self, weights: np.ndarray | torch.Tensor):
        super().__init__()
        self.register_buffer("table", torch.as_tensor(np.asarray(weights, np.float32)).reshape(-1), persistent=False)

    def forward(self, target_lab: torch.Tensor) -> torch.Tensor:
        ab = target_lab[:, 1:3].float()
        idx = ((ab + LIMIT) / BIN).long().clamp(0, NBINS - 1)
        return self.table[idx[:, 0] * NBINS + idx[:, 1]].unsqueeze(1)
