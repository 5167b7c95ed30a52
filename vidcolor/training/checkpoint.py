"""Checkpoints without pickle.

A checkpoint folder ``<run>/checkpoints/step_XXXXXXX/`` holds

* ``generator.safetensors``, ``generator_ema.safetensors`` — loadable by ``vidcolor process --weights``;
* ``discriminator.safetensors``, ``temporal_discriminator.safetensors`` — plain state dicts;
* ``optimizer.safetensors`` + ``optimizer.json`` — optimizer/scheduler/scaler state: every tensor in
  the safetensors file, everything else (step counters, hyper-parameters) as JSON with references;
* ``progress.json`` — stage, step within the stage, global step.

``<run>/checkpoints/latest.json`` names the newest complete checkpoint; it is written last and
atomically, so a checkpoint interrupted mid-write is never picked up.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from vidcolor.errors import VidcolorError
from vidcolor.models.serialization import save_generator


def _flatten(obj, prefix: str, tensors: dict):
    if torch.is_tensor(obj):
        key = f"t{len(tensors)}"
        tensors[key] = obj.detach().cpu().contiguous()
        return {"__tensor__": key}
    if isinstance(obj, dict):
        return {"__dict__": [[_flatten(k, prefix, tensors), _flatten(v, prefix, tensors)] for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"__list__": [_flatten(v, prefix, tensors) for v in obj], "tuple": isinstance(obj, tuple)}
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    raise TypeError(f"cannot store {type(obj)} in a checkpoint")


def _unflatten(obj, tensors: dict):
    if isinstance(obj, dict):
        if "__tensor__" in obj:
            return tensors[obj["__tensor__"]]
        if "__dict__" in obj:
            return {_unflatten(k, tensors): _unflatten(v, tensors) for k, v in obj["__dict__"]}
        if "__list__" in obj:
            items = [_unflatten(v, tensors) for v in obj["__list__"]]
            return tuple(items) if obj.get("tuple") else items
    return obj


def save_checkpoint(run_dir: Path, networks: dict, optimizer_state: dict, progress: dict, info: dict, keep: int = 2) -> Path:
    """Write a checkpoint atomically (a hidden folder renamed into place, then ``latest.json``). A
    failed write (disk full, quota) removes the partial folder and is one VidcolorError naming the
    last complete checkpoint, which ``--resume`` continues from."""
    from safetensors import SafetensorError

    try:
        return _save_checkpoint(run_dir, networks, optimizer_state, progress, info, keep)
    except (OSError, SafetensorError) as exc:
        name = f"step_{progress['global_step']:07d}"
        shutil.rmtree(run_dir / "checkpoints" / f".{name}.partial", ignore_errors=True)
        why = getattr(exc, "strerror", None) or ("no space left on device" if "No space left" in str(exc) else str(exc))
        try:
            last = latest_checkpoint(run_dir)
        except VidcolorError:
            last = None
        after = (f"; the last complete checkpoint is '{last.name}' (--resume continues from it)" if last is not None
                 else "; no complete checkpoint yet")
        raise VidcolorError(f"cannot save checkpoint '{run_dir / 'checkpoints' / name}': {why}{after}") from None


def _save_checkpoint(run_dir: Path, networks: dict, optimizer_state: dict, progress: dict, info: dict, keep: int) -> Path:
    ckdir = run_dir / "checkpoints"
    name = f"step_{progress['global_step']:07d}"
    tmp = ckdir / f".{name}.partial"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for key, net in networks.items():
        if key.startswith("generator"):
            save_generator(net, tmp / f"{key}.safetensors", info={**info, **progress, "weights": key})
        else:
            save_file({k: v.detach().cpu().contiguous() for k, v in net.state_dict().items()}, str(tmp / f"{key}.safetensors"))
    tensors: dict = {}
    meta = _flatten(optimizer_state, "", tensors)
    save_file(tensors, str(tmp / "optimizer.safetensors"))
    (tmp / "optimizer.json").write_text(json.dumps(meta))
    (tmp / "progress.json").write_text(json.dumps(progress, indent=2))
    final = ckdir / name
    if final.exists():   # the same step saved again (a resumed run told to stop earlier): set the old one aside first
        old = ckdir / f".{name}.old"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(final, old)
        os.replace(tmp, final)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, final)
    latest = ckdir / ".latest.json.tmp"
    latest.write_text(json.dumps({"checkpoint": name, **progress}))
    os.replace(latest, ckdir / "latest.json")
    olds = sorted(p for p in ckdir.glob("step_*") if p.is_dir() and p.name != name)
    for p in olds[: max(0, len(olds) - (keep - 1))]:
        shutil.rmtree(p, ignore_errors=True)
    return final


def latest_checkpoint(run_dir: Path) -> Path | None:
    f = run_dir / "checkpoints" / "latest.json"
    if not f.is_file():
        return None
    try:
        name = json.loads(f.read_text())["checkpoint"]
    except (ValueError, KeyError):
        raise VidcolorError(f"'{f}' is corrupt; delete it to restart from scratch") from None
    p = run_dir / "checkpoints" / name
    if not p.is_dir():
        raise VidcolorError(f"'{f}' points to missing checkpoint '{p}'")
    return p


def load_checkpoint(path: Path, networks: dict) -> tuple[dict, dict]:
    """Load network weights in place; return ``(optimizer_state, progress)``. A damaged or missing
    file is one VidcolorError naming it, and the older complete checkpoint beside it, if any."""
    from safetensors import SafetensorError

    from vidcolor.models.serialization import load_generator

    f = path
    try:
        for key, net in networks.items():
            f = path / f"{key}.safetensors"
            state = load_generator(f).state_dict() if key.startswith("generator") else load_file(str(f))
            net.load_state_dict(state)
        f = path / "optimizer.safetensors"
        tensors = load_file(str(f))
        f = path / "optimizer.json"
        opt = _unflatten(json.loads(f.read_text()), tensors)
        f = path / "progress.json"
        progress = json.loads(f.read_text())
    except (OSError, SafetensorError, ValueError, KeyError, RuntimeError, VidcolorError) as exc:
        older = sorted(p.name for p in path.parent.glob("step_*") if p.is_dir() and p.name < path.name)
        hint = (f"; the older checkpoint '{older[-1]}' is beside it: point checkpoints/latest.json at it "
                f"(\"checkpoint\": \"{older[-1]}\") to resume from there" if older else "")
        reason = getattr(exc, "strerror", None) or str(exc).splitlines()[0][:200]
        raise VidcolorError(f"checkpoint '{path.name}' is damaged ({f.name}: {reason}){hint}") from None
    return opt, progress
