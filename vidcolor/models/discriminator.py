"""Discriminators: conditional multi-scale PatchGAN and the warped-frame temporal discriminator.

PatchGAN (Isola et al. 2017, pix2pix) with the multi-scale arrangement of pix2pixHD (Wang et al.
2018): the same architecture applied to the input at 1, 1/2, 1/4 … resolution, each returning a
map of patch logits. Inputs are concatenated along channels; images in [0, 1] are mapped to [-1, 1].
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import spectral_norm as _sn


def _patch_trunk(cin: int, base: int, layers: int, spectral_norm: bool) -> nn.Sequential:
    wrap = _sn if spectral_norm else (lambda m: m)
    mods: list[nn.Module] = []
    c = cin
    for i in range(layers):
        cout = base * min(2**i, 8)
        mods += [wrap(nn.Conv2d(c, cout, 4, stride=2, padding=1)), nn.LeakyReLU(0.2, inplace=True)]
        c = cout
    mods += [wrap(nn.Conv2d(c, c, 3, padding=1)), nn.LeakyReLU(0.2, inplace=True), wrap(nn.Conv2d(c, 1, 3, padding=1))]
    return nn.Sequential(*mods)


class PatchDiscriminator(nn.Module):
    """One PatchGAN: ``[N, C_in, H, W]`` (values in [-1,1]) → logits ``[N, 1, H/2^L, W/2^L]``."""

    def __init__(self, in_channels: int, base: int = 64, layers: int = 3, spectral_norm: bool = True):
        super().__init__()
        self.net = _patch_trunk(in_channels, base, layers, spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class MultiScaleDiscriminator(nn.Module):
    """Conditional multi-scale PatchGAN on (gray, color).

    ``forward(gray [N,1,H,W] in [0,1], rgb [N,3,H,W] in [0,1]) -> list`` of ``scales`` logit maps,
    the k-th computed on the pair average-pooled k times by 2.
    """

    def __init__(self, scales: int = 3, base: int = 64, layers: int = 3, spectral_norm: bool = True, in_channels: int = 4):
        super().__init__()
        self.discriminators = nn.ModuleList(
            PatchDiscriminator(in_channels, base, layers, spectral_norm) for _ in range(scales)
        )

    def forward(self, gray: torch.Tensor, rgb: torch.Tensor) -> list[torch.Tensor]:
        x = torch.cat([gray, rgb], dim=1) * 2 - 1
        out = []
        for i, d in enumerate(self.discriminators):
            if i:
                x = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
            out.append(d(x))
        return out


class TemporalDiscriminator(nn.Module):
    """Warped-frame discriminator (after Chu et al. 2020, TecoGAN's spatio-temporal D).

    Judges ``[W(y_{t−1}), y_t, W(y_{t+1}), x_t]`` — the current frame between its neighbours
    backward-warped onto it with the *input's* optical flow, plus the gray conditioning.
    Real triplets use ground-truth frames warped with the same flows, so the only thing that tells
    real from fake is whether colors follow the motion (flicker). Inputs: three ``[N,3,H,W]`` RGB in
    [0,1] and gray ``[N,1,H,W]``; output a list with one or more patch-logit maps.
    """

    def __init__(self, base: int = 64, layers: int = 3, spectral_norm: bool = True, scales: int = 1):
        super().__init__()
        self.inner = MultiScaleDiscriminator(scales, base, layers, spectral_norm, in_channels=10)

    def forward(self, prev_warped: torch.Tensor, cur: torch.Tensor, next_warped: torch.Tensor, gray: torch.Tensor) -> list[torch.Tensor]:
        return self.inner(gray, torch.cat([prev_warped, cur, next_warped], dim=1))
