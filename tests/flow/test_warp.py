"""Backward warping with known flows, DIS flow on a known shift, and the occlusion masks.

Convention under test: ``flow_{t→s}`` lives on frame t's grid and ``I_t(x) ≈ I_s(x + flow(x))``.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch

from vidcolor.flow import (
    backward_warp,
    batch_flow,
    compute_flow,
    fb_consistency_mask,
    flow_pair,
    flow_to_tensor,
    inside_mask,
    photometric_mask,
    visibility_mask,
)

H, W = 32, 40


def grid(h=H, w=W, dtype=torch.float64):
    ys, xs = torch.meshgrid(torch.arange(h, dtype=dtype), torch.arange(w, dtype=dtype), indexing="ij")
    return xs, ys


def bilinear_image(x, y):
    """A bilinear function of position: bilinear interpolation reproduces it exactly anywhere."""
    return 0.1 + 0.013 * x + 0.021 * y + 0.0007 * x * y


def smooth_image(x, y):
    return 0.5 + 0.25 * torch.sin(x / 3.1 + 0.4) * torch.cos(y / 2.7) + 0.1 * torch.sin((x + y) / 5.0)


def const_flow(dx, dy, n=1, h=H, w=W, dtype=torch.float64):
    f = torch.zeros(n, 2, h, w, dtype=dtype)
    f[:, 0], f[:, 1] = dx, dy
    return f


def as_batch(img):
    return img[None, None]


def textured(h, w, seed=0) -> np.ndarray:
    """Smoothed noise with a few shapes: trackable texture, uint8 gray."""
    rng = np.random.default_rng(seed)
    img = cv2.GaussianBlur(rng.random((h, w), dtype=np.float32), (0, 0), 1.2)
    img = (img - img.min()) / (img.max() - img.min())
    cv2.circle(img, (w // 3, h // 2), 6, 1.0, -1)
    cv2.rectangle(img, (w // 2, h // 5), (w // 2 + 9, h // 5 + 7), 0.0, -1)
    return (img * 255).round().astype(np.uint8)


# --------------------------------------------------------------------------- backward_warp


@pytest.mark.parametrize("dx, dy", [(3, 2), (-4, 1), (0, -5)])
def test_integer_translation_is_exact(dx, dy):
    gen = torch.Generator().manual_seed(0)
    src = torch.rand(2, 3, H, W, generator=gen, dtype=torch.float64)
    out = backward_warp(src, const_flow(dx, dy, n=2))
    ys = slice(max(0, -dy), H - max(0, dy))
    xs = slice(max(0, -dx), W - max(0, dx))
    target = src[:, :, max(0, dy):H + min(0, dy), max(0, dx):W + min(0, dx)]
    torch.testing.assert_close(out[:, :, ys, xs], target, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dx, dy", [(0.5, 0.0), (1.25, -0.75), (-2.3, 3.6)])
def test_subpixel_translation(dx, dy):
    x, y = grid()
    src = bilinear_image(x, y)
    expected = bilinear_image(x + dx, y + dy)
    out = backward_warp(as_batch(src), const_flow(dx, dy))[0, 0]
    valid = inside_mask(const_flow(dx, dy))[0, 0].bool()
    assert valid.sum() > 0.7 * H * W
    torch.testing.assert_close(out[valid], expected[valid], rtol=0, atol=1e-10)
    # a smooth non-bilinear image is reproduced to interpolation accuracy
    smooth = backward_warp(as_batch(smooth_image(x, y)), const_flow(dx, dy))[0, 0]
    assert (smooth - smooth_image(x + dx, y + dy))[valid].abs().max() < 0.02
    # outside the frame the border is repeated (padding_mode="border": sample positions clamp)
    clamped = bilinear_image((x + dx).clamp(0, W - 1), (y + dy).clamp(0, H - 1))
    torch.testing.assert_close(out, clamped, rtol=0, atol=1e-10)


def test_affine_warp_with_exact_flow():
    x, y = grid()
    a = torch.tensor([[0.93, 0.12], [-0.08, 1.05]], dtype=torch.float64)
    t = torch.tensor([2.2, -1.3], dtype=torch.float64)
    px = a[0, 0] * x + a[0, 1] * y + t[0]
    py = a[1, 0] * x + a[1, 1] * y + t[1]
    flow = torch.stack([px - x, py - y])[None]
    valid = inside_mask(flow)[0, 0].bool()
    assert 0.6 * H * W < valid.sum() < H * W

    exact = backward_warp(as_batch(bilinear_image(x, y)), flow)[0, 0]
    torch.testing.assert_close(exact[valid], bilinear_image(px, py)[valid], rtol=0, atol=1e-10)

    smooth = backward_warp(as_batch(smooth_image(x, y)), flow)[0, 0]
    err = (smooth - smooth_image(px, py))[valid].abs()
    assert err.max() < 0.02 and err.mean() < 0.005


def test_zero_flow_is_identity_and_float32_works():
    img = torch.rand(1, 2, 17, 23)
    out = backward_warp(img, torch.zeros(1, 2, 17, 23))
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, img, rtol=0, atol=1e-6)


@pytest.mark.parametrize("flow_shape", [(1, 2, 16, 20), (2, 2, 16, 16), (1, 3, 16, 16), (1, 2, 8, 8)])
def test_backward_warp_rejects_mismatched_flow(flow_shape):
    with pytest.raises(ValueError, match="does not match"):
        backward_warp(torch.rand(1, 1, 16, 16), torch.zeros(flow_shape))


def test_backward_warp_is_differentiable_in_image_and_flow():
    img = torch.rand(1, 1, 6, 7, dtype=torch.float64, requires_grad=True)
    flow = (0.3 + 0.4 * torch.rand(1, 2, 6, 7, dtype=torch.float64)).requires_grad_(True)
    assert torch.autograd.gradcheck(backward_warp, (img, flow), eps=1e-6, atol=1e-5)


# --------------------------------------------------------------------------- DIS flow


@pytest.fixture(scope="module")
def shifted_pair():
    """``src`` and ``dst`` with ``dst(x + (3, 2)) = src(x)``: content moved 3 px right, 2 px down."""
    big = textured(64, 72, seed=1)
    src = big[8:56, 8:64]  # 48 × 56
    dst = big[6:54, 5:61]
    return src, dst


def test_dis_recovers_known_translation(shifted_pair):
    src, dst = shifted_pair
    flow = compute_flow(src, dst)
    assert flow.shape == (*src.shape, 2) and flow.dtype == np.float32
    inner = flow[8:-8, 8:-8]
    med = np.median(inner.reshape(-1, 2), axis=0)
    assert med == pytest.approx([3.0, 2.0], abs=0.25)
    err = np.linalg.norm(inner - np.array([3.0, 2.0], np.float32), axis=-1)
    assert err.mean() < 0.5
    # the reverse direction points back
    back = compute_flow(dst, src)
    assert np.median(back[8:-8, 8:-8].reshape(-1, 2), axis=0) == pytest.approx([-3.0, -2.0], abs=0.25)


def test_dis_flow_aligns_frames_with_backward_warp(shifted_pair):
    src, dst = shifted_pair
    flow = flow_to_tensor(compute_flow(src, dst))
    assert flow.shape == (1, 2, *src.shape)
    s = torch.from_numpy(src).float()[None, None] / 255
    d = torch.from_numpy(dst).float()[None, None] / 255
    warped = backward_warp(d, flow)
    inner = (slice(None), slice(None), slice(8, -8), slice(8, -8))
    assert (warped - s)[inner].abs().mean() < 0.02
    assert (d - s)[inner].abs().mean() > 0.05  # without the flow they do not line up


def test_batch_flow_matches_per_frame_and_accepts_float(shifted_pair):
    src, dst = shifted_pair
    s = torch.from_numpy(src).float()[None, None] / 255
    d = torch.from_numpy(dst).float()[None, None] / 255
    batched = batch_flow(torch.cat([s, d]), torch.cat([d, s]))
    fwd, bwd = flow_pair(src, dst)
    assert batched.shape == (2, 2, *src.shape)
    torch.testing.assert_close(batched[0], flow_to_tensor(fwd)[0])
    torch.testing.assert_close(batched[1], flow_to_tensor(bwd)[0])
    from_float = compute_flow(src.astype(np.float32) / 255, dst.astype(np.float32) / 255)
    np.testing.assert_allclose(from_float, fwd, atol=1e-5)


def test_dis_rejects_bad_inputs():
    a = np.zeros((16, 16), np.uint8)
    with pytest.raises(ValueError, match="differ in size"):
        compute_flow(a, np.zeros((16, 18), np.uint8))
    with pytest.raises(ValueError, match="unknown DIS preset"):
        compute_flow(a, a, preset="warp9")


# --------------------------------------------------------------------------- masks


def test_inside_mask_at_borders():
    m = inside_mask(const_flow(2, 0, dtype=torch.float32))[0, 0]
    assert m.shape == (H, W)
    assert (m[:, :-2] == 1).all() and (m[:, -2:] == 0).all()
    m = inside_mask(const_flow(-1.5, 0, dtype=torch.float32))[0, 0]
    assert (m[:, :2] == 0).all() and (m[:, 2:] == 1).all()  # x=1 lands at -0.5, x=2 at 0.5
    m = inside_mask(const_flow(0, -3, dtype=torch.float32))[0, 0]
    assert (m[:3] == 0).all() and (m[3:] == 1).all()
    m = inside_mask(const_flow(1, 1, dtype=torch.float32))[0, 0]
    assert m.sum() == (H - 1) * (W - 1) and m[-1].sum() == 0 and m[:, -1].sum() == 0


def test_fb_consistency_passes_consistent_flows():
    fwd, bwd = const_flow(3, -2, dtype=torch.float32), const_flow(-3, 2, dtype=torch.float32)
    m = fb_consistency_mask(fwd, bwd)
    assert m.shape == (1, 1, H, W)
    torch.testing.assert_close(m, inside_mask(fwd))
    # small noise (well inside α2) does not break it
    noisy = bwd + 0.1 * torch.randn(bwd.shape, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(fb_consistency_mask(fwd, noisy), inside_mask(fwd))


def test_fb_consistency_flags_disoccluded_region():
    """Frame t moves 2 px right into s; in s a block has its own (inconsistent) backward flow,
    as where an object uncovers background. Exactly the t-pixels that land on it are flagged."""
    fwd = const_flow(2, 0, dtype=torch.float32)
    bwd = const_flow(-2, 0, dtype=torch.float32)
    y0, y1, x0, x1 = 10, 20, 15, 25
    bwd[:, :, y0:y1, x0:x1] = torch.tensor([4.0, 3.0]).view(1, 2, 1, 1)
    m = fb_consistency_mask(fwd, bwd)[0, 0]
    expected = torch.ones(H, W)
    expected[y0:y1, x0 - 2:x1 - 2] = 0  # t-pixels x with x + 2 inside the block
    expected[:, -2:] = 0  # lands outside frame s
    assert torch.equal(m, expected)


def test_fb_consistency_tolerance_grows_with_motion():
    """Sundaram et al.'s bound α1(|f|²+|b|²)+α2: a 1 px round-trip error fails for a 1 px motion
    (bound 0.51) but passes for a 10 px motion (bound 0.01·(100+81)+0.5 = 2.31)."""
    small = fb_consistency_mask(const_flow(1, 0, w=48), const_flow(0, 0, w=48))[0, 0]
    large = fb_consistency_mask(const_flow(10, 0, w=48), const_flow(-9, 0, w=48))[0, 0]
    assert small[:, :-1].sum() == 0
    assert (large[:, :-10] == 1).all() and (large[:, -10:] == 0).all()


def test_photometric_mask_values():
    gen = torch.Generator().manual_seed(0)
    x = torch.rand(2, 1, 16, 16, generator=gen)
    same = photometric_mask(x, x.clone())
    assert same.shape == (2, 1, 16, 16) and torch.equal(same, torch.ones_like(same))
    # hand value: exp(-50 · 0.5²) = exp(-12.5)
    diff = photometric_mask(torch.zeros(1, 1, 4, 4), torch.full((1, 1, 4, 4), 0.5))
    torch.testing.assert_close(diff, torch.full((1, 1, 4, 4), float(np.exp(-12.5))))
    assert diff.max() < 1e-5
    # squared difference is summed over channels; α is honoured
    rgb = photometric_mask(torch.zeros(1, 3, 2, 2), torch.full((1, 3, 2, 2), 0.1), alpha=10.0)
    torch.testing.assert_close(rgb, torch.full((1, 1, 2, 2), float(np.exp(-10 * 3 * 0.01))))


def test_visibility_mask_combines_terms():
    gen = torch.Generator().manual_seed(1)
    xs = torch.rand(1, 1, H, W + 3, generator=gen)
    x_s, x_t = xs[..., :W], xs[..., 3:]  # x_t(x) = x_s(x + 3)
    fwd, bwd = const_flow(3, 0, dtype=torch.float32), const_flow(-3, 0, dtype=torch.float32)
    vis = visibility_mask(x_t, x_s, fwd, bwd)
    torch.testing.assert_close(vis, inside_mask(fwd))
    # without the backward flow only the photometric and inside terms apply
    torch.testing.assert_close(visibility_mask(x_t, x_s, fwd), inside_mask(fwd))
    # a changed region (e.g. an occluder appearing in s) is masked out
    occluded = x_s.clone()
    occluded[..., 5:12, 10:20] = 1 - occluded[..., 5:12, 10:20]
    vis = visibility_mask(x_t, occluded, fwd, bwd)[0, 0]
    changed = (x_s - occluded)[0, 0, 5:12, 10:20].abs() > 0.2
    assert vis[5:12, 7:17][changed].max() < 0.15
    assert (vis[20:, :W - 3] == 1).all()
