"""The integrated colorization + stylization generator.

A U-Net (Ronneberger et al. 2015) whose skip connections pass through CBAM attention
(:mod:`vidcolor.models.attention`) and whose decoder is conditioned on a learned style embedding
with FiLM (Perez et al. 2018): ``h ← h ⊙ (1 + γ(s)) + β(s)``.

Input  ``gray``  ``[N, 1, H, W]`` float in [0, 1] (L*/100), any H×W (reflect-padded internally to
                 a multiple of ``config.multiple`` and cropped back).
Input  ``style`` ``[N]`` long (index into ``config.styles``; 0 = plain colorization) or an int.
Output Lab ``[N, 3, H, W]``: L in [0, 100], ab in about ±110.
       For style 0 the L channel *is* the input luminance (``100·gray``), bit for bit; only ab is
       predicted. For other styles L is predicted too (as a residual on the input).

Resolution plan: a stride-2 stem, so every level runs at ≤ 1/2 resolution; the head predicts at 1/2
and a PixelShuffle + light full-resolution refinement (which sees the input gray) restores detail.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vidcolor.color import AB_SCALE
from vidcolor.models.attention import CBAM
from vidcolor.models.config import GeneratorConfig


def _conv(cin: int, cout: int, stride: int = 1, dilation: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=dilation, dilation=dilation)


class FiLM(nn.Module):
    """Feature-wise affine modulation from a style vector: ``h ⊙ (1 + γ) + β``.

    ``h`` ``[N,C,H,W]``, ``s`` ``[N,D]`` → ``[N,C,H,W]``. γ, β start at zero (identity).
    """

    def __init__(self, style_dim: int, channels: int):
        super().__init__()
        self.proj = nn.Linear(style_dim, 2 * channels)
        nn.init.zeros_(self.proj.weight)
        nn.init.zeros_(self.proj.bias)

    def forward(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        gamma, beta = self.proj(s).to(h.dtype)[:, :, None, None].chunk(2, dim=1)
        return h * (1 + gamma) + beta


class ResBlock(nn.Module):
    """``h + conv(ReLU(FiLM(conv(h))))`` with optional dilation, style-conditioned."""

    def __init__(self, channels: int, style_dim: int, dilation: int = 1):
        super().__init__()
        self.conv1 = _conv(channels, channels, dilation=dilation)
        self.conv2 = _conv(channels, channels)
        self.film = FiLM(style_dim, channels)

    def forward(self, h: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        y = F.relu(self.film(self.conv1(h), s))
        return h + self.conv2(y)


class GlobalContext(nn.Module):
    """Adds a global descriptor to every position: ``h + MLP(AvgPool(h))`` (scene-level hints)."""

    def __init__(self, channels: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(channels, channels), nn.ReLU(inplace=True), nn.Linear(channels, channels))

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        g = self.mlp(h.mean(dim=(2, 3)))
        return h + g[:, :, None, None]


class DecoderBlock(nn.Module):
    """Upsample ×2, fuse with the attended skip, FiLM by style: ``[N,Cin,h,w]`` → ``[N,Cout,2h,2w]``."""

    def __init__(self, cin: int, cout: int, style_dim: int, reduction: int):
        super().__init__()
        self.up = _conv(cin, cout)
        self.attention = CBAM(cout, reduction)
        self.fuse = _conv(2 * cout, cout)
        self.film = FiLM(style_dim, cout)

    def forward(self, h: torch.Tensor, skip: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        h = F.interpolate(h, size=skip.shape[-2:], mode="nearest")
        h = F.relu(self.up(h))
        h = self.fuse(torch.cat([h, self.attention(skip)], dim=1))
        return F.relu(self.film(h, s))


class Generator(nn.Module):
    """Gray ``[N,1,H,W]`` + style ``[N]`` → Lab ``[N,3,H,W]``; see the module docstring."""

    def __init__(self, config: GeneratorConfig | None = None):
        super().__init__()
        self.config = config or GeneratorConfig()
        w = self.config.widths
        d = self.config.style_dim
        self.style_embedding = nn.Embedding(len(self.config.styles), d)
        nn.init.normal_(self.style_embedding.weight, std=0.5)
        self.encoder = nn.ModuleList()
        cin = 1
        for cout in w:
            self.encoder.append(nn.Sequential(_conv(cin, cout, stride=2), nn.ReLU(inplace=True), _conv(cout, cout), nn.ReLU(inplace=True)))
            cin = cout
        self.bottleneck = nn.ModuleList(
            ResBlock(w[-1], d, dilation=2 if i % 2 else 1) for i in range(self.config.bottleneck_blocks)
        )
        self.context = GlobalContext(w[-1])
        self.decoder = nn.ModuleList(
            DecoderBlock(w[i + 1], w[i], d, self.config.attention_reduction) for i in reversed(range(len(w) - 1))
        )
        self.head = nn.Conv2d(w[0], 3 * 4, 3, padding=1)
        r = self.config.refine_channels
        self.refine = nn.Sequential(nn.Conv2d(4, r, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(r, 3, 3, padding=1)) if r else None
        nn.init.zeros_(self.head.bias)
        self.head.weight.data.mul_(0.1)

    @property
    def styles(self) -> tuple[str, ...]:
        return self.config.styles

    def style_index(self, name: str) -> int:
        return self.config.styles.index(name)

    def forward(self, gray: torch.Tensor, style: torch.Tensor | int = 0) -> torch.Tensor:
        if gray.dim() != 4 or gray.shape[1] != 1:
            raise ValueError(f"generator expects gray [N,1,H,W], got {tuple(gray.shape)}")
        n, _, h, w = gray.shape
        if not torch.is_tensor(style):
            style = torch.full((n,), int(style), dtype=torch.long, device=gray.device)
        style = style.to(gray.device).long().reshape(-1).expand(n) if style.numel() == 1 else style.to(gray.device).long()
        m = self.config.multiple
        ph, pw = (-h) % m, (-w) % m
        x = gray
        if ph or pw:
            mode = "reflect" if h > ph and w > pw else "replicate"
            x = F.pad(gray, (0, pw, 0, ph), mode=mode)
        s = self.style_embedding(style)

        skips = []
        hcur = x * 2 - 1
        for block in self.encoder:
            hcur = block(hcur)
            skips.append(hcur)
        for block in self.bottleneck:
            hcur = block(hcur, s)
        hcur = self.context(hcur)
        for block, skip in zip(self.decoder, reversed(skips[:-1])):
            hcur = block(hcur, skip, s)
        out = F.pixel_shuffle(self.head(hcur), 2)
        if self.refine is not None:
            out = out + self.refine(torch.cat([x, out], dim=1))
        out = out[:, :, :h, :w].float()

        plain = (style == 0).view(n, 1, 1, 1)
        l_styled = (gray + out[:, :1]).clamp(0, 1)
        L = torch.where(plain, gray, l_styled) * 100.0
        ab = out[:, 1:3] * AB_SCALE
        return torch.cat([L, ab], dim=1)


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
