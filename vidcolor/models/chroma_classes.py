"""Chroma as classification over quantised ab (Zhang, Isola & Efros 2016, "Colorful Image Colorization").

Regression (L1/L2 on ab) answers an ambiguous pixel — a car that may be red or blue — with the
mean or median of its possible colors: a muted, brownish gray. Predicting a *distribution* over
quantised ab and decoding it with the *annealed mean* keeps the colors that the network is sure
of vivid and leaves the uncertain ones muted:

* bins: the centres of a ``step``-spaced grid over ab that occur in real photos (``Q`` of them,
  ``[Q, 2]`` in Lab units);
* soft target of a true ``ab``: Gaussian weights ``exp(−d²/2σ²)`` on its ``k`` nearest bins,
  normalised (Zhang: k = 5, σ = 5);
* class rebalancing (optional): per-bin weight ``w ∝ ((1−λ)·p̃ + λ/Q)^−1`` normalised so
  ``E_p̃[w] = 1``, ``p̃`` the empirical bin prior;
* annealed mean ``H_T(z) = Σ_q softmax(z/T)_q · bin_q``: T = 1 is the mean, T → 0 the mode.

:class:`ChromaClassHead` predicts the logits from two decoder levels of the generator; the
generator uses the decoded chroma for the *low frequencies* of plain, automatic colorization and
keeps its regression's detail (see :meth:`vidcolor.models.generator.Generator.forward`).
"""

from __future__ import annotations

from typing import Iterable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


def ab_grid(step: float = 10.0, limit: float = 110.0) -> torch.Tensor:
    """All centres ``k·step`` with ``|a|, |b| ≤ limit`` as ``[M, 2]`` (a, b) float32."""
    n = int(limit // step)
    v = torch.arange(-n, n + 1, dtype=torch.float32) * step
    a, b = torch.meshgrid(v, v, indexing="ij")
    return torch.stack([a.reshape(-1), b.reshape(-1)], dim=1)


def bin_counts(ab: torch.Tensor, grid: torch.Tensor, step: float) -> torch.Tensor:
    """Histogram of ab values ``[..., 2, H, W]`` (channel dim −3) over ``grid`` ``[M, 2]`` (nearest
    centre on the regular grid) → ``[M]`` float counts."""
    v = ab.movedim(-3, -1).reshape(-1, 2)
    lo = float(grid[:, 0].min())
    n = int(round((float(grid[:, 0].max()) - lo) / step)) + 1
    idx = ((v - lo) / step).round().long().clamp(0, n - 1)
    flat = idx[:, 0] * n + idx[:, 1]
    return torch.bincount(flat, minlength=n * n).float()


def class_prior(images: Iterable[np.ndarray], step: float = 10.0, min_count: float = 1.0,
                min_fraction: float = 0.0) -> tuple[torch.Tensor, torch.Tensor]:
    """The classes of a head and their prior from photos: uint8 RGB ``(H, W, 3)`` images → ``(bins [Q, 2],
    prior [Q])``. Each image's ab is area-averaged to a quarter of its size (the head's resolution,
    as the loss pools its targets) and counted on the ``step`` grid; a cell becomes a class when it
    holds ≥ ``max(min_count, min_fraction · all pixels)``. VidcolorError with fewer than 2 classes."""
    from vidcolor.color import rgb_to_lab
    from vidcolor.errors import VidcolorError

    grid = ab_grid(step)
    counts = torch.zeros(grid.shape[0])
    for img in images:
        rgb = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float() / 255.0
        ab = F.adaptive_avg_pool2d(rgb_to_lab(rgb)[:, 1:], (max(1, img.shape[0] // 4), max(1, img.shape[1] // 4)))
        counts += bin_counts(ab, grid, step)
    keep = counts >= max(float(min_count), min_fraction * float(counts.sum()))
    if int(keep.sum()) < 2:
        raise VidcolorError("the training images hold fewer than 2 chroma classes (gray images?)")
    return grid[keep], counts[keep] / counts[keep].sum()


def soft_encode(ab: torch.Tensor, bins: torch.Tensor, k: int = 5, sigma: float = 5.0) -> torch.Tensor:
    """True ab ``[N, 2, H, W]`` → soft class targets ``[N, Q, H, W]`` (rows sum to 1)."""
    n, _, h, w = ab.shape
    v = ab.permute(0, 2, 3, 1).reshape(-1, 2).float()
    d2 = torch.cdist(v, bins.float()).pow(2)                    # [NHW, Q]
    k = min(k, bins.shape[0])
    near, idx = d2.topk(k, dim=1, largest=False)
    wts = torch.exp(-near / (2 * sigma * sigma))
    wts = wts / wts.sum(dim=1, keepdim=True)
    target = torch.zeros_like(d2).scatter_(1, idx, wts)
    return target.view(n, h, w, -1).permute(0, 3, 1, 2)


def rebalance_weights(prior: torch.Tensor, lam: float = 0.5) -> torch.Tensor:
    """Zhang et al.'s per-class weights ``w ∝ ((1−λ)·p + λ/Q)^−1`` with ``E_p[w] = 1`` (``prior`` sums to
    1; unlike the paper, the prior is not smoothed: the classes are only the grid cells the data fills)."""
    q = prior.numel()
    w = 1.0 / ((1 - lam) * prior + lam / q)
    return w / (prior * w).sum()


def annealed_mean(logits: torch.Tensor, bins: torch.Tensor, temperature: float) -> torch.Tensor:
    """Logits ``[N, Q, h, w]`` → ab ``[N, 2, h, w]``: ``Σ_q softmax(z/T)_q · bin_q`` (T > 0)."""
    p = torch.softmax(logits.float() / max(float(temperature), 1e-3), dim=1)
    return torch.einsum("nqhw,qc->nchw", p, bins.float())


class ChromaClassHead(nn.Module):
    """Decoder features → logits over ``classes`` ab bins at the finer level's resolution.

    ``fine`` ``[N, Cf, h, w]`` and optionally ``coarse`` ``[N, Cc, h/2, w/2]`` (upsampled and
    concatenated) → ``[N, Q, h, w]``: 1×1 conv to ``width``, a dilated 3×3 residual block, 1×1 to Q.
    ``bins`` (``[Q, 2]`` ab centres, Lab units) is a buffer saved with the weights.
    """

    def __init__(self, fine_channels: int, coarse_channels: int, classes: int, width: int = 64):
        super().__init__()
        self.inp = nn.Conv2d(fine_channels + coarse_channels, width, 1)
        self.mid = nn.Conv2d(width, width, 3, padding=2, dilation=2)
        self.out = nn.Conv2d(width, classes, 1)
        self.register_buffer("bins", torch.zeros(classes, 2))

    def forward(self, fine: torch.Tensor, coarse: torch.Tensor | None = None) -> torch.Tensor:
        x = fine
        if coarse is not None:
            x = torch.cat([fine, F.interpolate(coarse, size=fine.shape[-2:], mode="bilinear", align_corners=False)], dim=1)
        h = F.relu(self.inp(x))
        h = h + F.relu(self.mid(h))
        return self.out(h)
