"""Warping error (Lai et al. 2018, eq. 9): zero for consistent pairs, hand-computed MSE, masking."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from vidcolor.evaluation.warping import warping_error, warping_error_per_frame
from vidcolor.flow import batch_flow, inside_mask


def translation(dx, dy, n=1, h=24, w=32):
    f = torch.zeros(n, 2, h, w)
    f[:, 0], f[:, 1] = dx, dy
    return f


def test_zero_for_consistent_translated_pair():
    gen = torch.Generator().manual_seed(0)
    big = torch.rand(2, 3, 30, 40, generator=gen)
    prev = big[..., 3:27, 4:36]
    cur = big[..., 1:25, 7:39]  # cur(x) = prev(x + (3, -2))
    flow = translation(3, -2, n=2)
    mask = inside_mask(flow)
    assert warping_error(cur, prev, flow, mask) == pytest.approx(0.0, abs=1e-10)
    per = warping_error_per_frame(cur, prev, flow, mask)
    assert per.shape == (2,) and torch.all(per.abs() < 1e-10)
    # with the wrong (zero) flow the same pair is far from consistent
    assert warping_error(cur, prev, torch.zeros_like(flow), torch.ones_like(mask)) > 0.05


def test_hand_computed_mse():
    prev = torch.full((1, 3, 8, 8), 0.3)
    cur = prev.clone()
    cur[:, 0] = 0.5  # red differs by 0.2 everywhere; squared error averaged over 3 channels
    flow = torch.zeros(1, 2, 8, 8)
    ones = torch.ones(1, 1, 8, 8)
    assert warping_error(cur, prev, flow, ones) == pytest.approx(0.04 / 3, rel=1e-5)
    # two differences of different size in two halves
    cur2 = prev.clone()
    cur2[..., :4] += 0.1  # all three channels: se 0.01
    cur2[..., 4:] -= 0.3  # se 0.09
    assert warping_error(cur2, prev, flow, ones) == pytest.approx(0.05, rel=1e-5)


def test_mask_respected():
    prev = torch.full((1, 3, 8, 8), 0.3)
    cur = prev.clone()
    cur[..., :, :4] = 1.0  # large error only in the left half
    flow = torch.zeros(1, 2, 8, 8)
    right = torch.zeros(1, 1, 8, 8)
    right[..., 4:] = 1
    assert warping_error(cur, prev, flow, right) == 0.0
    assert warping_error(cur, prev, flow, 1 - right) == pytest.approx(0.49, rel=1e-5)
    # soft mask: weighted mean Σ M·e / Σ M  = (0.5·0.49·32 + 1·0·32) / (0.5·32 + 32)
    soft = right + 0.5 * (1 - right)
    assert warping_error(cur, prev, flow, soft) == pytest.approx(0.49 / 3, rel=1e-5)
    # an empty mask gives 0, not nan
    assert warping_error(cur, prev, flow, torch.zeros_like(right)) == 0.0


def test_batch_mean_over_frame_pairs():
    prev = torch.zeros(3, 3, 4, 4)
    cur = torch.stack([torch.full((3, 4, 4), v) for v in (0.0, 0.1, 0.2)])
    flow = torch.zeros(3, 2, 4, 4)
    mask = torch.ones(3, 1, 4, 4)
    per = warping_error_per_frame(cur, prev, flow, mask)
    torch.testing.assert_close(per, torch.tensor([0.0, 0.01, 0.04]))
    assert warping_error(cur, prev, flow, mask) == pytest.approx(0.05 / 3, rel=1e-5)


def test_with_dis_flow_flicker_is_detected():
    """Colors that follow the gray input's motion score low; flickering colors score high."""
    rng = np.random.default_rng(0)
    tex = cv2.GaussianBlur(rng.random((48, 60), dtype=np.float32), (0, 0), 1.5)
    tex = (tex - tex.min()) / (tex.max() - tex.min())
    gray_prev = torch.from_numpy(tex[4:44, 4:52].copy())[None, None]
    gray_cur = torch.from_numpy(tex[2:42, 1:49].copy())[None, None]  # moved by (3, 2)
    flow = batch_flow(gray_cur, gray_prev)  # flow_{t→t−1}
    tint = torch.tensor([0.9, 0.6, 0.3]).view(1, 3, 1, 1)
    prev_rgb, cur_rgb = gray_prev * tint, gray_cur * tint
    flicker = cur_rgb * torch.tensor([0.6, 1.0, 1.4]).view(1, 3, 1, 1)
    mask = inside_mask(flow)
    mask[..., :6, :], mask[..., -6:, :], mask[..., :6], mask[..., -6:] = 0, 0, 0, 0
    steady = warping_error(cur_rgb, prev_rgb, flow, mask)
    flickering = warping_error(flicker.clamp(0, 1), prev_rgb, flow, mask)
    assert steady < 1e-3
    assert flickering > 10 * steady and flickering > 5e-3
