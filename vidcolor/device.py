"""Device and precision helpers shared by training and inference (no global state)."""

from __future__ import annotations

import torch

from vidcolor.errors import VidcolorError


def resolve_device(pref: str) -> torch.device:
    """``auto`` → CUDA when available, else CPU; ``cuda`` without a GPU is an error."""
    if pref == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if pref.startswith("cuda") and not torch.cuda.is_available():
        raise VidcolorError("device 'cuda' was requested but no CUDA GPU is available (use --device cpu or auto)")
    if pref != "cpu" and not pref.startswith("cuda"):
        raise VidcolorError(f"unknown device '{pref}'; valid: auto, cpu, cuda, cuda:N")
    return torch.device(pref)


def cpu_supports_bf16() -> bool:
    """True when this CPU has native bf16 (AVX512-BF16 or AMX), where bf16 autocast is fast."""
    try:
        with open("/proc/cpuinfo") as fh:
            flags = fh.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def cuda_supports_bf16(device: torch.device) -> bool:
    """True when the CUDA GPU ``device`` has native bf16 (compute capability 8.0 and newer); emulated
    bf16 on older GPUs is slow, so it does not count. torch's own check reads the *current* device,
    so it is asked under ``device``."""
    with torch.cuda.device(device):
        try:
            return torch.cuda.is_bf16_supported(including_emulation=False)
        except TypeError:   # older torch: no such argument
            return torch.cuda.is_bf16_supported()
