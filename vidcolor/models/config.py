"""Architecture description of the generator, stored in every weights file's metadata."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field

from vidcolor.errors import VidcolorError


ENCODERS = ("scratch", "efficientnet_lite0")


@dataclass(frozen=True)
class GeneratorConfig:
    """Hyper-parameters that fully determine :class:`~vidcolor.models.generator.Generator`.

    Attributes:
        widths: channels per encoder level; level 0 runs at 1/2 resolution (stride-2 stem),
            level ``i`` at ``1/2^(i+1)``. The bottleneck runs at the last level.
        bottleneck_blocks: residual blocks at the lowest resolution (context).
        style_dim: size of the learned style embedding that drives FiLM in the decoder.
        styles: style names in embedding order; ``styles[0]`` must be ``"none"`` (plain colorization).
        refine_channels: width of the full-resolution refinement head (0 disables it).
        attention_reduction: CBAM channel-MLP reduction ratio.
        encoder: ``"scratch"`` (conv encoder of ``widths``, trained from scratch) or
            ``"efficientnet_lite0"`` (ImageNet trunk; ``widths`` is then unused).
        decoder_widths: with a pretrained encoder, decoder channels at strides 2, 4, 8, 16.
        bottleneck_width: with a pretrained encoder, channels of the stride-32 bottleneck.
        hints: extra color-hint inputs (ab + confidence, :mod:`vidcolor.models.hints`).
        ab_classes: number of quantised-ab classes of a chroma classification head
            (:mod:`vidcolor.models.chroma_classes`; 0 = none, chroma by regression only). With a
            head, plain automatic colorization takes its low frequencies from the head's annealed mean.
        ab_temperature: the annealed mean's temperature T (1 = mean, → 0 = mode).
        ab_class_width: channels of the classification head.
    """

    widths: tuple[int, ...] = (32, 64, 128, 256)
    bottleneck_blocks: int = 2
    style_dim: int = 64
    styles: tuple[str, ...] = ("none", "watercolor", "oil", "pencil", "cartoon")
    refine_channels: int = 16
    attention_reduction: int = 8
    encoder: str = "scratch"
    decoder_widths: tuple[int, ...] = (32, 48, 96, 192)
    bottleneck_width: int = 256
    hints: bool = False
    ab_classes: int = 0
    ab_temperature: float = 0.38
    ab_class_width: int = 64

    def __post_init__(self) -> None:
        if int(self.ab_classes) < 0 or int(self.ab_classes) == 1:
            raise VidcolorError(f"ab_classes must be 0 (no classification head) or ≥ 2, got {self.ab_classes}")
        if not float(self.ab_temperature) > 0:
            raise VidcolorError(f"ab_temperature must be > 0, got {self.ab_temperature}")
        if int(self.ab_classes) and self.encoder == "scratch" and len(self.widths) < 3:
            raise VidcolorError(f"a chroma classification head needs ≥ 3 encoder levels (model.widths), got {tuple(self.widths)}")
        object.__setattr__(self, "ab_classes", int(self.ab_classes))
        object.__setattr__(self, "ab_temperature", float(self.ab_temperature))
        if self.encoder not in ENCODERS:
            raise VidcolorError(f"unknown generator encoder '{self.encoder}'; valid: {', '.join(ENCODERS)}")
        if self.encoder != "scratch" and len(self.decoder_widths) != 4:
            raise VidcolorError(f"decoder_widths must give 4 levels (strides 2, 4, 8, 16), got {self.decoder_widths}")
        object.__setattr__(self, "decoder_widths", tuple(int(w) for w in self.decoder_widths))
        if len(self.widths) < 2 or any(int(w) < 4 for w in self.widths):
            raise VidcolorError(f"generator widths must be ≥2 levels of ≥4 channels, got {self.widths}")
        if not self.styles or self.styles[0] != "none":
            raise VidcolorError(f"generator styles must start with 'none', got {self.styles}")
        if len(set(self.styles)) != len(self.styles):
            raise VidcolorError(f"duplicate style names in {self.styles}")
        object.__setattr__(self, "widths", tuple(int(w) for w in self.widths))
        object.__setattr__(self, "styles", tuple(str(s) for s in self.styles))

    @property
    def multiple(self) -> int:
        """Input sizes are padded internally to a multiple of this (total stride)."""
        return 2 ** len(self.widths) if self.encoder == "scratch" else 32

    def to_json(self) -> str:
        d = dataclasses.asdict(self)
        if not self.ab_classes:  # files without a classification head stay readable by earlier versions
            for key in ("ab_classes", "ab_temperature", "ab_class_width"):
                d.pop(key)
        return json.dumps(d, sort_keys=True)

    @classmethod
    def from_dict(cls, d: dict) -> "GeneratorConfig":
        names = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - names
        if unknown:
            raise VidcolorError(
                f"unknown generator option(s) {sorted(unknown)}; valid: {sorted(names)}"
            )
        kw = dict(d)
        for key in ("widths", "styles", "decoder_widths"):
            if key in kw:
                kw[key] = tuple(kw[key])
        return cls(**kw)

    @classmethod
    def from_json(cls, text: str) -> "GeneratorConfig":
        try:
            d = json.loads(text)
        except json.JSONDecodeError as exc:
            raise VidcolorError(f"invalid generator config in weights metadata: {exc}") from None
        if not isinstance(d, dict):
            raise VidcolorError("invalid generator config in weights metadata")
        return cls.from_dict(d)


TINY = GeneratorConfig(widths=(8, 16), bottleneck_blocks=1, style_dim=8, refine_channels=4)
"""A few-thousand-parameter variant for tests."""

DEFAULT = GeneratorConfig()
"""The CPU-sized default (~4–5 M parameters)."""


SEMANTIC = GeneratorConfig(encoder="efficientnet_lite0", decoder_widths=(32, 48, 96, 192), bottleneck_width=256, hints=True)
"""The shipped architecture: ImageNet EfficientNet-Lite0 encoder, U-Net decoder, color hints."""


def preset(name: str) -> GeneratorConfig:
    presets = {"tiny": TINY, "default": DEFAULT, "large": GeneratorConfig(widths=(48, 96, 192, 384), bottleneck_blocks=4),
               "semantic": SEMANTIC, "tiny_hints": GeneratorConfig(widths=(8, 16), bottleneck_blocks=1, style_dim=8, refine_channels=4, hints=True)}
    if name not in presets:
        raise VidcolorError(f"unknown generator preset '{name}'; valid: {', '.join(presets)}")
    return presets[name]


__all__ = ["GeneratorConfig", "TINY", "DEFAULT", "preset", "field"]
