"""Warping error (Lai et al., ECCV 2018, "Learning Blind Video Temporal Consistency", eq. 9).

``E_warp(t) = Σ_x M_t(x) ‖O_t(x) − W(O_{t−1})(x)‖² / Σ_x M_t(x)`` with ``W`` the backward warp of
the previous output frame onto frame t by the *input's* flow ``flow_{t→t−1}`` and ``M_t`` the
non-occlusion mask; the video's warping error is the mean over t. Squared error per pixel is
summed over the RGB channels of frames in [0, 1] and divided by the channel count (so a value is a
per-channel MSE).
"""

from __future__ import annotations

import torch

from vidcolor.flow.warp import backward_warp


def warping_error_per_frame(cur: torch.Tensor, prev: torch.Tensor, flow_cur_prev: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    """``cur``, ``prev``: ``[N,C,H,W]`` in [0,1]; flow ``[N,2,H,W]``; mask ``[N,1,H,W]`` → ``[N]``."""
    warped = backward_warp(prev.float(), flow_cur_prev.float())
    se = (cur.float() - warped).pow(2).mean(1, keepdim=True)
    return (se * mask).sum((1, 2, 3)) / mask.sum((1, 2, 3)).clamp_min(1.0)


def warping_error(cur: torch.Tensor, prev: torch.Tensor, flow_cur_prev: torch.Tensor, mask: torch.Tensor) -> float:
    """Mean of :func:`warping_error_per_frame` over the batch of frame pairs."""
    return float(warping_error_per_frame(cur, prev, flow_cur_prev, mask).mean())
