"""The integrated colorization + stylization generator.

A U-Net (Ronneberger et al. 2015) whose skip connections pass through CBAM attention
(:mod:`vidcolor.models.attention`) and whose decoder is conditioned on a learned style embedding
with FiLM (Perez et al. 2018): ``h ← h ⊙ (1 + γ(s)) + β(s)``.

Input  ``gray``  ``[N, 1, H, W]`` float in [0, 1] (L*/100), any H×W (reflect-padded internally to
                 a multiple of ``config.multiple`` and cropped back).
Input  ``style`` ``[N]`` long (index into ``config.styles``; 0 = plain colorization) or an int.
Input  ``hints`` optional ``[N, 3, H, W]`` color hints (:mod:`vidcolor.models.hints`), only when
                 ``config.hints``; ``None`` = automatic.
Input  ``style_vector`` optional ``[D]``/``[N, D]`` style embedding that replaces the lookup of
                 ``style`` (styles learned from a painting, :mod:`vidcolor.styles.packs`).
Output Lab ``[N, 3, H, W]``: L in [0, 100], ab in about ±110.
       For style 0 the L channel *is* the input luminance (``100·gray``), bit for bit; only ab is
       predicted. For other styles L is predicted too (as a residual on the input).

Chroma classes (``config.ab_classes > 0``, :mod:`vidcolor.models.chroma_classes`): a head on the
decoder's stride-4 and stride-8 levels predicts a distribution over quantised ab. For plain rows
without hints the output ab is ``ab_reg + up(H_T(z) − pool₄(ab_reg))``: the low frequencies
(at the head's resolution) come from the annealed mean ``H_T``, vivid where the network is sure,
and the detail from the regression. Styled and hinted rows use the regression alone.

Encoders (:mod:`vidcolor.models.encoders`): ``config.encoder == "scratch"`` — a small conv encoder
trained from scratch (tiny test configs); ``"efficientnet_lite0"`` — the ImageNet EfficientNet-Lite0
trunk (semantics: which things are sky, skin, foliage), with U-Net decoder levels of
``config.decoder_widths`` channels. Resolution plan: a stride-2 stem, so every level runs at ≤ 1/2
resolution; the head predicts at 1/2 and a PixelShuffle + light full-resolution refinement (which
sees the input gray and the hints) restores detail.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from vidcolor.color import AB_SCALE
from vidcolor.models.attention import CBAM
from vidcolor.models.chroma_classes import ChromaClassHead, annealed_mean
from vidcolor.models.config import GeneratorConfig
from vidcolor.models.encoders import LiteEncoder, ScratchEncoder
from vidcolor.models.hints import HINT_CHANNELS


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
    """Upsample ×2, fuse with the attended skip, FiLM by style: ``[N,Cin,h,w]`` → ``[N,Cout,2h,2w]``.

    A skip with ``cskip ≠ cout`` channels is projected by a 1×1 conv before CBAM. With ``hint_channels``
    the hint map (pooled to this level) is added through a zero-initialised 1×1 conv, so hints reach
    every scale of the decoder directly.
    """

    def __init__(self, cin: int, cout: int, style_dim: int, reduction: int, cskip: int | None = None, hint_channels: int = 0):
        super().__init__()
        cskip = cout if cskip is None else cskip
        self.up = _conv(cin, cout)
        self.skip_proj = nn.Conv2d(cskip, cout, 1) if cskip != cout else None
        self.attention = CBAM(cout, reduction)
        self.fuse = _conv(2 * cout, cout)
        self.film = FiLM(style_dim, cout)
        self.hint_proj = None
        if hint_channels:
            self.hint_proj = nn.Conv2d(hint_channels, cout, 1)
            nn.init.zeros_(self.hint_proj.weight)
            nn.init.zeros_(self.hint_proj.bias)

    def forward(self, h: torch.Tensor, skip: torch.Tensor, s: torch.Tensor, hints: torch.Tensor | None = None) -> torch.Tensor:
        h = F.interpolate(h, size=skip.shape[-2:], mode="nearest")
        h = F.relu(self.up(h))
        if self.skip_proj is not None:
            skip = self.skip_proj(skip)
        h = self.fuse(torch.cat([h, self.attention(skip)], dim=1))
        if self.hint_proj is not None and hints is not None:
            h = h + self.hint_proj(F.adaptive_avg_pool2d(hints, h.shape[-2:]).to(h.dtype))
        return F.relu(self.film(h, s))


class Generator(nn.Module):
    """Gray ``[N,1,H,W]`` + style ``[N]`` (+ hints) → Lab ``[N,3,H,W]``; see the module docstring."""

    def __init__(self, config: GeneratorConfig | None = None):
        super().__init__()
        self.config = c = config or GeneratorConfig()
        d = c.style_dim
        hc = HINT_CHANNELS if c.hints else 0
        self.style_embedding = nn.Embedding(len(c.styles), d)
        nn.init.normal_(self.style_embedding.weight, std=0.5)
        if c.encoder == "scratch":
            self.encoder = ScratchEncoder(c.widths, hc)
            dec = tuple(c.widths)          # decoder level i has the width of encoder level i
            bott_in = bott = c.widths[-1]
        else:
            self.encoder = LiteEncoder(c.encoder.split("_")[-1], hc)
            dec = tuple(c.decoder_widths)  # strides 2, 4, 8, 16; the bottleneck runs at stride 32
            bott_in, bott = self.encoder.channels[-1], c.bottleneck_width
        skip_ch = self.encoder.channels
        self.bottleneck_in = nn.Conv2d(bott_in, bott, 1) if bott_in != bott else None
        self.bottleneck = nn.ModuleList(ResBlock(bott, d, dilation=2 if i % 2 else 1) for i in range(c.bottleneck_blocks))
        self.context = GlobalContext(bott)
        widths_in = dec[1:] + (bott,) if c.encoder != "scratch" else dec[1:]
        self.decoder = nn.ModuleList(
            DecoderBlock(widths_in[i], dec[i], d, c.attention_reduction, cskip=skip_ch[i], hint_channels=hc) for i in reversed(range(len(widths_in)))
        )
        self.head = nn.Conv2d(dec[0], 3 * 4, 3, padding=1)
        r = c.refine_channels
        self.refine = nn.Sequential(nn.Conv2d(4 + hc, r, 3, padding=1), nn.ReLU(inplace=True), nn.Conv2d(r, 3, 3, padding=1)) if r else None
        nn.init.zeros_(self.head.bias)
        self.head.weight.data.mul_(0.1)
        self.ab_classifier = None
        if c.ab_classes:
            if len(self.decoder) < 2:
                raise ValueError("a chroma classification head needs ≥ 2 decoder levels")
            # decoder outputs run coarse → fine with dec[i] channels; the head reads the last-but-one (dec[1]) and the one before (dec[2])
            self.ab_classifier = ChromaClassHead(dec[1], dec[2] if len(self.decoder) >= 3 else 0, c.ab_classes, c.ab_class_width)

    @property
    def styles(self) -> tuple[str, ...]:
        return self.config.styles

    def style_index(self, name: str) -> int:
        return self.config.styles.index(name)

    def encoder_parameters(self) -> list[nn.Parameter]:
        """Parameters of a pretrained encoder trunk (fine-tuned at a lower learning rate); [] for scratch."""
        return list(self.encoder.net.parameters()) if isinstance(self.encoder, LiteEncoder) else []

    def forward(self, gray: torch.Tensor, style: torch.Tensor | int = 0, hints: torch.Tensor | None = None,
                style_vector: torch.Tensor | None = None, classes: bool | torch.Tensor = True,
                return_logits: bool = False) -> torch.Tensor | tuple[torch.Tensor, torch.Tensor | None]:
        """Lab ``[N,3,H,W]`` (module docstring). ``classes``: bool or ``[N]`` bool, False where a plain row
        must take the regression's chroma although it has no network hints (frames whose user points
        are applied after the network, :class:`vidcolor.pipeline.engine.Colorizer`; training, where the
        regression learns from L1 and the head from its own loss). ``return_logits``: ``(Lab, logits)``
        as :meth:`forward_with_logits` (through ``forward``, so DDP sees it)."""
        lab, z = self.forward_with_logits(gray, style, hints, style_vector, logits=return_logits, classes=classes)
        return (lab, z) if return_logits else lab

    def forward_with_logits(self, gray: torch.Tensor, style: torch.Tensor | int = 0, hints: torch.Tensor | None = None,
                            style_vector: torch.Tensor | None = None, logits: bool = True,
                            classes: bool | torch.Tensor = True) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(Lab [N,3,H,W], logits [N,Q,H/4,W/4] or None)``: :meth:`forward` plus the chroma-class
        logits of every row (``logits=True`` and a head; the training of the head uses them)."""
        if gray.dim() != 4 or gray.shape[1] != 1:
            raise ValueError(f"generator expects gray [N,1,H,W], got {tuple(gray.shape)}")
        n, _, h, w = gray.shape
        hinted = None
        if hints is not None:
            if not self.config.hints:
                raise ValueError("this generator was built without hint inputs (config.hints = False)")
            if hints.shape != (n, HINT_CHANNELS, h, w):
                raise ValueError(f"hints must be [N,{HINT_CHANNELS},H,W] = {(n, HINT_CHANNELS, h, w)}, got {tuple(hints.shape)}")
            if self.ab_classifier is not None:
                hinted = (hints[:, 2] > 0).flatten(1).any(1)
        elif self.config.hints:
            hints = gray.new_zeros(n, HINT_CHANNELS, h, w)
        if not torch.is_tensor(style):
            style = torch.full((n,), int(style), dtype=torch.long, device=gray.device)
        style = style.to(gray.device).long().reshape(-1).expand(n) if style.numel() == 1 else style.to(gray.device).long()
        m = self.config.multiple
        ph, pw = (-h) % m, (-w) % m
        x = gray
        if ph or pw:
            mode = "reflect" if h > ph and w > pw else "replicate"
            x = F.pad(gray, (0, pw, 0, ph), mode=mode)
            if hints is not None:
                hints = F.pad(hints, (0, pw, 0, ph))
        if style_vector is not None:
            s = style_vector.to(gray.device, torch.float32).reshape(-1, self.config.style_dim).expand(n, -1)
        else:
            s = self.style_embedding(style)

        skips = self.encoder(x, hints)
        hcur = skips[-1]
        if self.bottleneck_in is not None:
            hcur = self.bottleneck_in(hcur)
        for block in self.bottleneck:
            hcur = block(hcur, s)
        hcur = self.context(hcur)
        dec_skips = skips[:-1] if self.config.encoder == "scratch" else skips[:len(self.decoder)]
        levels = []
        for block, skip in zip(self.decoder, reversed(dec_skips)):
            hcur = block(hcur, skip, s, hints)
            levels.append(hcur)
        out = F.pixel_shuffle(self.head(hcur), 2)
        if self.refine is not None:
            extra = [x, out] if hints is None else [x, out, hints.to(out.dtype)]
            out = out + self.refine(torch.cat(extra, dim=1))

        plain = (style == 0) if style_vector is None else torch.zeros(n, dtype=torch.bool, device=gray.device)
        z = None
        if self.ab_classifier is not None:
            auto = plain if hinted is None else plain & ~hinted  # plain rows the head serves
            if torch.is_tensor(classes):
                auto = auto & classes.to(auto.device).reshape(-1).bool()
            elif not classes:
                auto = torch.zeros_like(auto)
            any_auto = bool(auto.any())
            if logits or any_auto:
                z = self.ab_classifier(levels[-2], levels[-3] if len(levels) >= 3 else None)
            if any_auto:
                # plain automatic rows: low frequencies from the annealed mean, detail from the regression
                ab_reg = out[:, 1:3].float()
                low = F.adaptive_avg_pool2d(ab_reg, z.shape[-2:])
                ab_cls = annealed_mean(z, self.ab_classifier.bins, self.config.ab_temperature) / AB_SCALE
                ab_new = ab_reg + F.interpolate(ab_cls - low, size=ab_reg.shape[-2:], mode="bilinear", align_corners=False)
                ab = torch.where(auto.view(n, 1, 1, 1), ab_new, ab_reg)
                out = torch.cat([out[:, :1].float(), ab], dim=1)
        out = out[:, :, :h, :w].float()

        l_styled = (gray + out[:, :1]).clamp(0, 1)
        L = torch.where(plain.view(n, 1, 1, 1), gray, l_styled) * 100.0
        ab = out[:, 1:3] * AB_SCALE
        return torch.cat([L, ab], dim=1), z


def count_parameters(module: nn.Module) -> int:
    return sum(p.numel() for p in module.parameters())
