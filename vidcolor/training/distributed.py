"""Process-group setup for ``torchrun`` (DDP) and device / precision selection."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist

from vidcolor.device import cpu_supports_bf16, cuda_supports_bf16, resolve_device
from vidcolor.errors import VidcolorError


@dataclass(frozen=True)
class DistContext:
    rank: int = 0
    world: int = 1
    local_rank: int = 0
    device: torch.device = torch.device("cpu")

    @property
    def is_main(self) -> bool:
        return self.rank == 0

    @property
    def enabled(self) -> bool:
        return self.world > 1

    def barrier(self) -> None:
        if self.enabled:
            dist.barrier()

    def on_main(self, fn):
        """Run ``fn`` on rank 0 only, then synchronise. A :class:`VidcolorError` raised there is
        re-raised on every rank, so no rank is left waiting at a barrier for a failed rank 0."""
        err, result = None, None
        if self.is_main:
            try:
                result = fn()
            except VidcolorError as exc:
                err = str(exc)
        if self.enabled:
            box = [err]
            dist.broadcast_object_list(box, src=0)
            err = box[0]
        if err is not None:
            raise VidcolorError(err)
        return result


def resolve_amp(pref: str, device: torch.device) -> torch.dtype | None:
    """Autocast dtype: ``auto`` picks bf16 on bf16-capable CPUs/GPUs, fp16 on older GPUs, else None."""
    if pref == "none":
        return None
    if pref == "bf16":
        return torch.bfloat16
    if pref == "fp16":
        if device.type != "cuda":
            raise VidcolorError("amp fp16 needs a CUDA device; use bf16 or none on CPU")
        return torch.float16
    if device.type == "cuda":
        return torch.bfloat16 if cuda_supports_bf16(device) else torch.float16
    return torch.bfloat16 if cpu_supports_bf16() else None


def init_distributed(device_pref: str) -> DistContext:
    """Join the process group when launched by ``torchrun`` (``WORLD_SIZE`` > 1), else single process.

    Backend: NCCL on CUDA, gloo on CPU. Each rank uses ``cuda:LOCAL_RANK`` on GPU machines.
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    try:
        device = resolve_device(device_pref)
    except VidcolorError as exc:   # the config's key, not a --device option (train has none)
        raise VidcolorError(str(exc).replace("use --device cpu or auto", "set device: cpu or auto in the config, "
                                             "or --set device=cpu")) from None
    if world <= 1:
        return DistContext(device=device)
    rank, local = int(os.environ["RANK"]), int(os.environ.get("LOCAL_RANK", "0"))
    if device.type == "cuda":
        device = torch.device(f"cuda:{local}")
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return DistContext(rank, world, local, device)


def cleanup(ctx: DistContext) -> None:
    if ctx.enabled and dist.is_initialized():
        dist.destroy_process_group()
