"""Generator weights as safetensors, with the architecture in the header metadata.

A weights file alone rebuilds the generator: the header's ``__metadata__`` holds
``format`` (``"vidcolor-generator"``), ``format_version``, ``config`` (JSON of
:class:`~vidcolor.models.config.GeneratorConfig`) and optional free-form ``info`` (JSON: training
steps, data, …). Loading never unpickles: a file that is not safetensors (a ``.pt``/``.pth``
pickle, say) is refused with a clear error before anything is executed.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch

from vidcolor.errors import VidcolorError
from vidcolor.models.config import GeneratorConfig
from vidcolor.models.generator import Generator

FORMAT = "vidcolor-generator"
FORMAT_VERSION = "1"
_PICKLE_MAGIC = (b"\x80\x02", b"\x80\x03", b"\x80\x04", b"\x80\x05", b"PK\x03\x04")


def save_generator(model: Generator, path: str | os.PathLike, info: dict | None = None, dtype: torch.dtype | None = None) -> Path:
    """Write ``model``'s weights (optionally cast to ``dtype``, e.g. fp16) atomically to ``path``."""
    from safetensors.torch import save_file

    path = Path(path)
    tensors = {k: (v.detach().to("cpu", dtype=dtype) if dtype and v.is_floating_point() else v.detach().cpu()).contiguous() for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "config": model.config.to_json(), "info": json.dumps(info or {}, sort_keys=True)}
    tmp = path.with_name(f".{path.name}.partial")
    save_file(tensors, str(tmp), metadata=meta)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # safetensors creates files owner-only
    os.replace(tmp, path)
    return path


def read_safetensors_metadata(path: str | os.PathLike, *, what: str, fmt: str | None, version: str, kind: str) -> dict:
    """Validate ``path`` as a vidcolor safetensors file of format ``fmt`` (never unpickling: a pickle
    or zip checkpoint is refused before anything is read) and return its header metadata.
    ``what`` names the file in messages ("weights file", "style pack"); ``kind`` the format;
    ``fmt=None`` accepts any safetensors file (the caller dispatches on ``meta.get("format")``)."""
    path = Path(path)
    if not path.is_file():
        raise VidcolorError(f"{what} not found: '{path}'")
    with open(path, "rb") as fh:
        head = fh.read(8)
    if any(head.startswith(m) for m in _PICKLE_MAGIC):
        raise VidcolorError(f"refusing to load {what} '{path}': it is a pickle/zip file; vidcolor only loads .safetensors (pickles can run code)")
    if len(head) < 8:
        raise VidcolorError(f"{what} '{path}' is empty or truncated")
    from safetensors import safe_open

    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
    except Exception as exc:  # safetensors raises its own error types for malformed headers
        if path.suffix.lower() != ".safetensors":   # a photo or a video given where weights go: not "damaged"
            raise VidcolorError(f"{what} '{path}' is not a .safetensors file; give vidcolor weights (.safetensors)") from None
        detail = str(exc).splitlines()[0] if str(exc) else "bad header"
        raise VidcolorError(f"{what} '{path}' is damaged: not a valid safetensors file ({exc.__class__.__name__}: {detail})") from None
    if fmt is None:
        return meta
    if meta.get("format") != fmt:
        raise VidcolorError(f"'{path}' is a safetensors file but not {kind} (metadata format={meta.get('format')!r})")
    if meta.get("format_version") != version:
        raise VidcolorError(f"{what} '{path}' has format version {meta.get('format_version')!r}; this vidcolor reads version {version}")
    return meta


def read_metadata(path: str | os.PathLike) -> dict:
    """Validate ``path`` as vidcolor generator weights and return its header metadata."""
    return read_safetensors_metadata(path, what="weights file", fmt=FORMAT, version=FORMAT_VERSION, kind="vidcolor generator weights")


def load_generator(path: str | os.PathLike, device: str | torch.device = "cpu") -> Generator:
    """Rebuild the generator described by ``path``'s metadata and load its weights (fp32)."""
    meta = read_metadata(path)
    config = GeneratorConfig.from_json(meta["config"])
    from safetensors.torch import load_file

    try:
        state = load_file(str(path), device="cpu")
    except Exception as exc:
        raise VidcolorError(f"cannot read weights '{path}': {str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__}") from None
    model = Generator(config)
    state = {k: v.float() if v.is_floating_point() else v for k, v in state.items()}
    if config.encoder == "scratch" and any(k.startswith("encoder.") and k.split(".")[1].isdigit() for k in state):
        # files written before the encoder became ScratchEncoder (the bundled starter model): encoder.{i}.… → encoder.levels.{i}.…
        state = {("encoder.levels." + k[len("encoder."):] if k.startswith("encoder.") and k.split(".")[1].isdigit() else k): v
                 for k, v in state.items()}
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError:
        raise VidcolorError(f"weights '{path}' do not match their declared architecture (tensor shapes differ)") from None
    if missing or unexpected:
        raise VidcolorError(f"weights '{path}' do not match their declared architecture (missing {len(missing)}, unexpected {len(unexpected)} tensors)")
    return model.to(device).eval()


def weights_info(path: str | os.PathLike) -> dict:
    """The free-form ``info`` dictionary stored with the weights (empty if none)."""
    try:
        return json.loads(read_metadata(path).get("info", "{}"))
    except json.JSONDecodeError:
        return {}
