"""Dense optical flow with OpenCV's DIS (Kroeger et al., ECCV 2016) — CPU, no weights.

Convention used everywhere in vidcolor: ``flow_{t→s}`` is defined on frame t's pixel grid and points
to where that pixel is in frame s, so ``I_t(x) ≈ I_s(x + flow_{t→s}(x))``. Flows are float32
``(H, W, 2)`` arrays (dx, dy) in pixels, or ``[N, 2, H, W]`` tensors.
"""

from __future__ import annotations

import functools
import threading

import cv2
import numpy as np
import torch

_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}
_local = threading.local()


def _dis(preset: str):
    cache = getattr(_local, "dis", None)
    if cache is None:
        cache = _local.dis = {}
    if preset not in cache:
        if preset not in _PRESETS:
            raise ValueError(f"unknown DIS preset '{preset}'; valid: {', '.join(_PRESETS)}")
        cache[preset] = cv2.DISOpticalFlow_create(_PRESETS[preset])
    return cache[preset]


def _to_u8(img: np.ndarray) -> np.ndarray:
    if img.ndim == 3:
        img = cv2.cvtColor(img, cv2.COLOR_RGB2GRAY) if img.shape[2] == 3 else img[..., 0]
    if img.dtype != np.uint8:  # float frames are in [0, 1] (documented convention)
        img = (np.clip(np.asarray(img, np.float32), 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    return np.ascontiguousarray(img)


def compute_flow(src: np.ndarray, dst: np.ndarray, preset: str = "medium") -> np.ndarray:
    """``flow_{src→dst}`` ``(H, W, 2)`` float32 between two gray frames (uint8, or float in [0,1]).

    ``src(x) ≈ dst(x + flow(x))``; use with :func:`vidcolor.flow.warp.backward_warp` to bring ``dst``
    (or anything aligned with it) onto ``src``'s grid.
    """
    a, b = _to_u8(src), _to_u8(dst)
    if a.shape != b.shape:
        raise ValueError(f"flow frames differ in size: {a.shape} vs {b.shape}")
    return _dis(preset).calc(a, b, None)


def flow_pair(a: np.ndarray, b: np.ndarray, preset: str = "medium") -> tuple[np.ndarray, np.ndarray]:
    """Forward and backward flows ``(flow_{a→b}, flow_{b→a})``."""
    return compute_flow(a, b, preset), compute_flow(b, a, preset)


def flow_to_tensor(flows: np.ndarray | list[np.ndarray]) -> torch.Tensor:
    """``(H,W,2)`` or a list of them → ``[N, 2, H, W]`` float32 tensor."""
    arr = np.stack(flows) if isinstance(flows, list) else (flows[None] if flows.ndim == 3 else flows)
    return torch.from_numpy(np.ascontiguousarray(arr.transpose(0, 3, 1, 2))).float()


def batch_flow(src: torch.Tensor, dst: torch.Tensor, preset: str = "medium") -> torch.Tensor:
    """Batched DIS: gray ``[N,1,H,W]`` in [0,1] → ``flow_{src→dst}`` ``[N,2,H,W]`` (computed on CPU)."""
    s = (src.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()[:, 0]
    d = (dst.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()[:, 0]
    return flow_to_tensor([compute_flow(a, b, preset) for a, b in zip(s, d)]).to(src.device)


@functools.lru_cache(maxsize=4)
def pixel_grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    """``(xs, ys)``: float32 ``(h, w)`` pixel coordinates, the base of ``cv2.remap`` maps
    (``x + flow``). Shared between callers and threads, so read-only."""
    xs = np.tile(np.arange(w, dtype=np.float32), (h, 1))
    ys = np.tile(np.arange(h, dtype=np.float32)[:, None], (1, w))
    xs.flags.writeable = ys.flags.writeable = False
    return xs, ys
