"""The small network a style pack adds after the frozen generator (:mod:`vidcolor.styles.packs`).

A residual convolution stack on the generator's Lab output at the working resolution:

``x = [gray, L/100, a/110, b/110]`` ``[N,4,h,w]`` →
``conv3×3(4→C) → ReLU → (conv3×3 dilation d (C→C) → ReLU) for d in dilations → conv3×3(C→3)`` = ``Δ``

``Lab' = Lab + Δ ⊙ (100, 110, 110)``, L clamped to [0, 100]; then a global affine map of the chroma,
``ab'/110 ← M[:, :2] · ab'/110 + M[:, 2]`` (``color``, ``[2, 3]``); last (when ``lut`` > 0) a palette
lookup table ``ab'/110 ← T(ab'/110)``, ``T`` a ``[2, G, G]`` grid over ab/110 ∈ [−1, 1]² sampled
bilinearly — a non-linear colour transfer that :func:`vidcolor.styles.packs.learn_style` fits after
training, from the distribution of the adapter's chroma on the content photos to the painting's.
Packs without a table (``lut`` = 0) start ``M`` as the linear colour transfer between the two
distributions' means and covariances instead. The last convolution starts at zero, ``M`` at
``[I | 0]`` and ``T`` as the identity, so a new adapter is the identity. Dilations widen the
receptive field (1 + 2·(1 + Σd + 1) px: 17 px for (1, 2, 4)) so brush-stroke-sized texture can be
added; it sees the input gray, so it can follow the photo's edges. ~30 k parameters (120 KB) for
C = 32, plus the 129×129 table (130 KB).
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from vidcolor.color import AB_SCALE
from vidcolor.errors import VidcolorError


@dataclass(frozen=True)
class AdapterConfig:
    """``channels``: width C of the hidden layers; ``dilations``: one hidden 3×3 layer per entry;
    ``lut``: side G of the palette lookup table (0 = none; packs made before it existed have none)."""

    channels: int = 32
    dilations: tuple[int, ...] = (1, 2, 4)
    lut: int = 129

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "AdapterConfig":
        try:
            d = json.loads(text)
            cfg = cls(channels=int(d["channels"]), dilations=tuple(int(x) for x in d["dilations"]), lut=int(d.get("lut", 0)))
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise VidcolorError(f"invalid adapter config in style pack: {exc}") from None
        if (not 1 <= cfg.channels <= 256 or not 0 <= len(cfg.dilations) <= 8 or any(not 1 <= x <= 16 for x in cfg.dilations)
                or cfg.lut not in (0, *range(2, 257))):
            raise VidcolorError(f"invalid adapter config in style pack: {cfg}")
        return cfg


def identity_lut(g: int) -> torch.Tensor:
    """``[2, G, G]`` table mapping every ab/110 grid node to itself (channel 0 = a, 1 = b; rows b, columns a)."""
    t = torch.linspace(-1.0, 1.0, g)
    b, a = torch.meshgrid(t, t, indexing="ij")
    return torch.stack([a, b])


def apply_lut(lut: torch.Tensor, ab: torch.Tensor) -> torch.Tensor:
    """``ab [N,2,h,w]`` (ab/110) → ``T(ab)`` by bilinear lookup in ``lut [2,G,G]`` (clamped at the border)."""
    grid = ab.permute(0, 2, 3, 1).clamp(-1.0, 1.0)
    return F.grid_sample(lut[None].expand(ab.shape[0], -1, -1, -1).to(ab.dtype), grid, mode="bilinear",
                         padding_mode="border", align_corners=True)


class StyleAdapter(nn.Module):
    """``(gray [N,1,h,w] in [0,1], lab [N,3,h,w]) → lab' [N,3,h,w]``; see the module docstring."""

    def __init__(self, config: AdapterConfig | None = None):
        super().__init__()
        self.config = c = config or AdapterConfig()
        layers: list[nn.Module] = [nn.Conv2d(4, c.channels, 3, padding=1)]
        for d in c.dilations:
            layers.append(nn.Conv2d(c.channels, c.channels, 3, padding=d, dilation=d))
        self.hidden = nn.ModuleList(layers)
        self.out = nn.Conv2d(c.channels, 3, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)
        self.color = nn.Parameter(torch.eye(2, 3))
        if c.lut:
            self.register_buffer("lut", identity_lut(c.lut))
        self.register_buffer("scale", torch.tensor([100.0, AB_SCALE, AB_SCALE]).view(1, 3, 1, 1), persistent=False)

    def forward(self, gray: torch.Tensor, lab: torch.Tensor) -> torch.Tensor:
        lab = lab.float()
        h = torch.cat([gray.float(), lab / self.scale], dim=1)
        for conv in self.hidden:
            h = F.relu(conv(h))
        out = lab + self.out(h) * self.scale
        ab = torch.einsum("ij,njhw->nihw", self.color[:, :2], out[:, 1:] / AB_SCALE) + self.color[:, 2, None, None]
        if self.config.lut:
            ab = apply_lut(self.lut, ab)
        return torch.cat([out[:, :1].clamp(0.0, 100.0), ab * AB_SCALE], dim=1)
