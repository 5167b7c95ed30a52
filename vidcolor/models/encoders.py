"""Generator encoders: the small from-scratch CNN and the ImageNet EfficientNet-Lite0 trunk.

Both map the network input to a pyramid of features, finest first, at strides 2, 4, 8, … of the
(padded) input: ``[N,1,H,W]`` gray in [0,1] (+ optional hint channels ``[N,3,H,W]``, see
:mod:`vidcolor.models.hints`) → ``list[[N, C_i, H/2^(i+1), W/2^(i+1)]]`` with ``channels[i] = C_i``.
"""

from __future__ import annotations

import torch
from torch import nn

from vidcolor.models.efficientnet_lite import EfficientNetLite, freeze_batchnorm, normalize


def _conv(cin: int, cout: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(cin, cout, 3, stride=stride, padding=1)


class ScratchEncoder(nn.Module):
    """Plain conv encoder, one stride-2 level per entry of ``widths`` (trained from scratch).
    Hints, when enabled, are concatenated to the gray input."""

    def __init__(self, widths: tuple[int, ...], hint_channels: int = 0):
        super().__init__()
        self.channels = tuple(widths)
        self.levels = nn.ModuleList()
        cin = 1 + hint_channels
        for cout in widths:
            self.levels.append(nn.Sequential(_conv(cin, cout, stride=2), nn.ReLU(inplace=True), _conv(cout, cout), nn.ReLU(inplace=True)))
            cin = cout

    def forward(self, gray: torch.Tensor, hints: torch.Tensor | None = None) -> list[torch.Tensor]:
        h = gray * 2 - 1
        if hints is not None:
            h = torch.cat([h, hints], dim=1)
        feats = []
        for level in self.levels:
            h = level(h)
            feats.append(h)
        return feats


class LiteEncoder(nn.Module):
    """EfficientNet-Lite0 trunk (ImageNet-initialised by the trainer) on gray replicated to RGB with
    the TF-Lite normalisation ``(255·g − 127)/128``; features at strides 2…32 (16, 24, 40, 112, 320 ch).

    Hints enter through a zero-initialised stride-2 conv added to the stem's output, so an
    ImageNet-initialised encoder starts out exactly as pretrained. BatchNorm statistics stay frozen
    (``train()`` keeps every BN in eval mode): fine-tuning batches are too small to re-estimate them.
    """

    def __init__(self, variant: str = "lite0", hint_channels: int = 0):
        super().__init__()
        self.net = EfficientNetLite(variant, classifier=False)
        self.channels = self.net.spec.tap_channels
        self.hint_stem = None
        if hint_channels:
            self.hint_stem = nn.Conv2d(hint_channels, 32, 3, stride=2, padding=1)
            nn.init.zeros_(self.hint_stem.weight)
            nn.init.zeros_(self.hint_stem.bias)

    def train(self, mode: bool = True):
        super().train(mode)
        freeze_batchnorm(self)
        return self

    def forward(self, gray: torch.Tensor, hints: torch.Tensor | None = None) -> list[torch.Tensor]:
        net = self.net
        taps = set(net.spec.taps)
        feats = []
        # The stem and the first block run in fp32 under autocast: their features feed the finest skip,
        # and rounding them to bf16 made plain colorization 4 % less colorful than fp32 on the public
        # held-out photos (60 vs 62.6 % of the originals'); in fp32 the output's mean |Δab| from the
        # all-fp32 one halves (0.246 → 0.127, scripts/bf16_parts.py) at no measurable cost (model
        # card, round 11). Outside autocast this changes nothing.
        with torch.autocast(gray.device.type, enabled=False):
            x = normalize(gray.float().expand(-1, 3, -1, -1))
            h = net._bn0(net._conv_stem(x))
            if self.hint_stem is not None and hints is not None:
                h = h + self.hint_stem(hints.float())
            h = net._blocks[0](torch.nn.functional.relu6(h))
        if 0 in taps:
            feats.append(h)
        for i, block in enumerate(net._blocks[1:], start=1):
            h = block(h)
            if i in taps:
                feats.append(h)
        return feats

    def load_pretrained(self, state: dict[str, torch.Tensor]) -> None:
        """Load an ImageNet state dict (classifier head keys are ignored)."""
        state = {k: v for k, v in state.items() if not k.startswith(("_conv_head", "_bn1.", "_fc"))}
        self.net.load_state_dict(state, strict=True)
