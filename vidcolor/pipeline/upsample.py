"""Edge-aware upsampling of the network's working-resolution output to full resolution.

Fast guided filter (He & Sun, 2015, "Fast Guided Filter", Alg. 2), built on the guided filter of
He, Sun & Tang (ECCV 2010): within each window ω_k the output is a linear function of the guide,
``q = a_k·I + b_k`` with ``a_k = cov_ω(I, p) / (var_ω(I) + ε)``, ``b_k = mean_ω(p) − a_k·mean_ω(I)``.
The coefficients are solved at the *low* resolution (guide downsampled to the source's size), then
mean-filtered, bilinearly upsampled and applied to the *full-resolution* guide. Chroma therefore
snaps to full-resolution luminance edges (no bleeding or blockiness) at the cost of a few box
filters at low resolution and one multiply-add at full resolution.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def box_filter(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a ``(2r+1)²`` window with edge-aware normalisation: ``[N,C,H,W]`` → same shape."""
    if r <= 0:
        return x
    k = 2 * r + 1
    return F.avg_pool2d(F.pad(x, (r, r, r, r), mode="replicate"), k, stride=1)


def resize(x: torch.Tensor, size: tuple[int, int], mode: str = "bilinear") -> torch.Tensor:
    """Resize ``[N,C,H,W]``; downscaling uses antialiasing (area-like), upscaling plain interpolation."""
    if tuple(x.shape[-2:]) == tuple(size):
        return x
    down = size[0] < x.shape[-2] or size[1] < x.shape[-1]
    if mode == "bicubic":
        return F.interpolate(x, size=size, mode="bicubic", align_corners=False, antialias=down)
    return F.interpolate(x, size=size, mode="bilinear", align_corners=False, antialias=down)


def upsample_rows(x: torch.Tensor, size: tuple[int, int], y0: int, y1: int, mode: str = "bilinear") -> torch.Tensor:
    """Rows ``y0:y1`` of ``x`` ``[N,C,h,w]`` upsampled to ``size = (H, W)``: what
    ``resize(x, size, mode)[..., y0:y1, :]`` gives (``F.interpolate``, half-pixel centres, edges
    clamped; ``mode`` bilinear or bicubic), without the whole full-size map — a 48-megapixel scan is
    finished band by band."""
    n, _, h, w = x.shape
    H, W = size
    ys = (torch.arange(y0, y1, dtype=torch.float32, device=x.device) + 0.5) * (2.0 / H) - 1.0
    xs = (torch.arange(W, dtype=torch.float32, device=x.device) + 0.5) * (2.0 / W) - 1.0
    grid = torch.stack(torch.meshgrid(xs, ys, indexing="xy"), -1)[None].expand(n, -1, -1, -1)
    return F.grid_sample(x.float(), grid, mode=mode, padding_mode="border", align_corners=False)


def guided_coefficients(src_low: torch.Tensor, guide_low: torch.Tensor, radius: int = 2,
                        eps: float = 1e-3) -> tuple[torch.Tensor, torch.Tensor]:
    """The fast guided filter's mean-filtered linear coefficients ``(a, b)``, ``[N,C,h,w]`` each, at
    the source's resolution: the output at full size is ``resize(a)·I + resize(b)``."""
    src, g = src_low.float(), guide_low.float()
    mean_i = box_filter(g, radius)
    mean_p = box_filter(src, radius)
    cov_ip = box_filter(g * src, radius) - mean_i * mean_p
    var_i = box_filter(g * g, radius) - mean_i * mean_i
    a = cov_ip / (var_i + eps)
    b = mean_p - a * mean_i
    return box_filter(a, radius), box_filter(b, radius)


def guided_upsample(src_low: torch.Tensor, guide_low: torch.Tensor, guide_full: torch.Tensor, radius: int = 2, eps: float = 1e-3) -> torch.Tensor:
    """Upsample ``src_low`` ``[N,C,h,w]`` to ``guide_full``'s ``[N,1,H,W]`` size guided by it.

    ``guide_low`` ``[N,1,h,w]`` is the guide at the source's resolution (the luminance the network
    saw). ``radius`` is in low-resolution pixels; ``eps`` (guide units², guide in [0,1]) sets how
    strong an edge must be to be kept. Returns ``[N,C,H,W]``.
    """
    a, b = guided_coefficients(src_low, guide_low, radius, eps)
    size = tuple(guide_full.shape[-2:])
    return resize(a, size) * guide_full.float() + resize(b, size)


def guided_upsample_np(src_low, guide_low, guide_full, radius: int = 2, eps: float = 1e-3):
    """NumPy/OpenCV twin of :func:`guided_upsample` for one frame (fast on CPU, releases the GIL).

    ``src_low`` ``(h, w, C)`` float32, ``guide_low`` ``(h, w)``, ``guide_full`` ``(H, W)`` (guides in
    [0, 1]) → ``(H, W, C)`` float32.
    """
    import cv2
    import numpy as np

    k = (2 * radius + 1, 2 * radius + 1)

    def box(x):
        return cv2.boxFilter(x, -1, k, normalize=True, borderType=cv2.BORDER_REPLICATE)

    src = np.ascontiguousarray(src_low, dtype=np.float32)
    g = np.ascontiguousarray(guide_low, dtype=np.float32)
    mean_i, mean_p = box(g), box(src)
    if mean_p.ndim == 2:
        mean_p = mean_p[..., None]
    cov = box(np.ascontiguousarray(g[..., None] * src)).reshape(mean_p.shape) - mean_i[..., None] * mean_p
    var = box(g * g) - mean_i * mean_i
    a = cov / (var + eps)[..., None]
    b = mean_p - a * mean_i[..., None]
    a, b = box(a).reshape(mean_p.shape), box(b).reshape(mean_p.shape)
    h, w = guide_full.shape[:2]
    A = cv2.resize(a, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
    B = cv2.resize(b, (w, h), interpolation=cv2.INTER_LINEAR).reshape(h, w, -1)
    return A * guide_full[..., None].astype(np.float32) + B
