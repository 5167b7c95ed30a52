"""Backward warping and occlusion (visibility) masks on batched tensors.

``backward_warp(img_s, flow_{t→s})`` resamples ``img_s`` at ``x + flow(x)`` with bilinear
``grid_sample``, giving ``W(img_s)`` aligned with frame t. Pixels whose source falls outside the
frame are reported by the returned validity mask.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def _base_grid(n: int, h: int, w: int, device, dtype) -> torch.Tensor:
    ys, xs = torch.meshgrid(torch.arange(h, device=device, dtype=dtype), torch.arange(w, device=device, dtype=dtype), indexing="ij")
    return torch.stack([xs, ys], dim=0).unsqueeze(0).expand(n, -1, -1, -1)


def backward_warp(img: torch.Tensor, flow: torch.Tensor, padding_mode: str = "border") -> torch.Tensor:
    """``W(img)(x) = img(x + flow(x))``.

    Args:
        img: ``[N, C, H, W]`` any values (the frame to bring over, e.g. ``y_{t−1}``).
        flow: ``[N, 2, H, W]`` pixels (dx, dy), ``flow_{t→s}`` on the target grid.
    Returns: ``[N, C, H, W]`` on the target (t) grid.
    """
    n, _, h, w = img.shape
    if flow.shape[0] != n or flow.shape[-2:] != (h, w) or flow.shape[1] != 2:
        raise ValueError(f"flow {tuple(flow.shape)} does not match image {tuple(img.shape)}")
    pos = _base_grid(n, h, w, flow.device, flow.dtype) + flow
    gx = 2.0 * pos[:, 0] / max(w - 1, 1) - 1.0
    gy = 2.0 * pos[:, 1] / max(h - 1, 1) - 1.0
    grid = torch.stack([gx, gy], dim=-1).to(img.dtype)
    return F.grid_sample(img, grid, mode="bilinear", padding_mode=padding_mode, align_corners=True)


def inside_mask(flow: torch.Tensor) -> torch.Tensor:
    """``[N,1,H,W]`` 1 where ``x + flow(x)`` lands inside the frame, else 0."""
    n, _, h, w = flow.shape
    pos = _base_grid(n, h, w, flow.device, flow.dtype) + flow
    ok = (pos[:, 0] >= 0) & (pos[:, 0] <= w - 1) & (pos[:, 1] >= 0) & (pos[:, 1] <= h - 1)
    return ok.unsqueeze(1).float()


def fb_consistency_mask(flow_ts: torch.Tensor, flow_st: torch.Tensor, alpha1: float = 0.01, alpha2: float = 0.5) -> torch.Tensor:
    """Forward–backward check (Sundaram, Brox & Keutzer, ECCV 2010, eq. 5).

    A pixel x of frame t is visible in s when going there and back returns home:
    ``|f_ts + W(f_st)|² < α1 (|f_ts|² + |W(f_st)|²) + α2``, with ``W(f_st) = backward_warp(f_st, f_ts)``.
    Also requires landing inside the frame. Returns ``[N,1,H,W]`` float {0,1} (1 = visible).
    """
    back = backward_warp(flow_st, flow_ts)
    diff = (flow_ts + back).pow(2).sum(1, keepdim=True)
    bound = alpha1 * (flow_ts.pow(2).sum(1, keepdim=True) + back.pow(2).sum(1, keepdim=True)) + alpha2
    return (diff < bound).float() * inside_mask(flow_ts)


def photometric_mask(x_t: torch.Tensor, x_s_warped: torch.Tensor, alpha: float = 50.0) -> torch.Tensor:
    """Lai et al. (ECCV 2018, "Learning Blind Video Temporal Consistency", eq. 3):
    ``M = exp(−α ‖x_t − W(x_s)‖²)`` on inputs in [0, 1] (α = 50). ``[N,C,H,W]`` → ``[N,1,H,W]``."""
    return torch.exp(-alpha * (x_t - x_s_warped).pow(2).sum(1, keepdim=True))


def visibility_mask(x_t: torch.Tensor, x_s: torch.Tensor, flow_ts: torch.Tensor, flow_st: torch.Tensor | None = None, alpha: float = 50.0) -> torch.Tensor:
    """Soft visibility of frame t's pixels in frame s: forward–backward check × photometric term.

    ``x_t``, ``x_s``: gray ``[N,1,H,W]`` in [0,1]. Returns ``[N,1,H,W]`` in [0,1].
    """
    m = photometric_mask(x_t, backward_warp(x_s, flow_ts), alpha) * inside_mask(flow_ts)
    if flow_st is not None:
        m = m * fb_consistency_mask(flow_ts, flow_st)
    return m
