"""CBAM attention (Woo et al., ECCV 2018, "CBAM: Convolutional Block Attention Module").

Applied to every U-Net skip connection of the generator:

* channel attention  ``A_c = σ(MLP(AvgPool(F)) + MLP(MaxPool(F)))``  → ``[N, C, 1, 1]``
* spatial attention  ``A_s = σ(f^{7×7}([AvgPool_c(F'); MaxPool_c(F')]))`` → ``[N, 1, H, W]``
* output             ``F' = A_c ⊙ F``, ``F'' = A_s ⊙ F'``

Pools over space (channel attention) are global; pools over channels (spatial attention) are
per pixel. The MLP is shared between the two pooled descriptors (1×1 convs, reduction ``r``).
"""

from __future__ import annotations

import torch
from torch import nn


class ChannelAttention(nn.Module):
    """``A_c = σ(MLP(AvgPool(F)) + MLP(MaxPool(F)))``; input ``[N,C,H,W]`` → weights ``[N,C,1,1]``."""

    def __init__(self, channels: int, reduction: int = 8):
        super().__init__()
        hidden = max(channels // reduction, 4)
        self.mlp = nn.Sequential(
            nn.Conv2d(channels, hidden, 1, bias=True),
            nn.ReLU(inplace=True),
            nn.Conv2d(hidden, channels, 1, bias=True),
        )

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        avg = f.mean(dim=(2, 3), keepdim=True)
        mx = f.amax(dim=(2, 3), keepdim=True)
        return torch.sigmoid(self.mlp(avg) + self.mlp(mx))


class SpatialAttention(nn.Module):
    """``A_s = σ(conv7×7([mean_c F; max_c F]))``; input ``[N,C,H,W]`` → weights ``[N,1,H,W]``."""

    def __init__(self, kernel_size: int = 7):
        super().__init__()
        self.conv = nn.Conv2d(2, 1, kernel_size, padding=kernel_size // 2, bias=True)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        desc = torch.cat([f.mean(dim=1, keepdim=True), f.amax(dim=1, keepdim=True)], dim=1)
        return torch.sigmoid(self.conv(desc))


class CBAM(nn.Module):
    """Channel then spatial attention: ``F'' = A_s(F') ⊙ F'`` with ``F' = A_c(F) ⊙ F``.

    Shape-preserving: ``[N,C,H,W]`` → ``[N,C,H,W]``.
    """

    def __init__(self, channels: int, reduction: int = 8, kernel_size: int = 7):
        super().__init__()
        self.channel = ChannelAttention(channels, reduction)
        self.spatial = SpatialAttention(kernel_size)

    def forward(self, f: torch.Tensor) -> torch.Tensor:
        f = self.channel(f) * f
        return self.spatial(f) * f
