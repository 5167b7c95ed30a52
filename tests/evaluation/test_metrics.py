"""Metric definitions against hand-computed values (and scikit-image / scipy where installed)."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
import torch

from vidcolor.color import rgb_to_gray
from vidcolor.evaluation.metrics import (
    cdc,
    cdc_from_histograms,
    colorfulness,
    gray_baseline,
    js_divergence,
    psnr,
    rgb_histograms,
    ssim,
    video_warping_error,
)


def rand(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


# --- PSNR -------------------------------------------------------------------------------------------

def test_psnr_constant_offset():
    a = torch.full((3, 16, 20), 0.5)
    assert psnr(a, a + 0.1) == pytest.approx(20.0, abs=1e-5)  # MSE = 0.01 → 10·log10(100)
    assert psnr(a, a - 0.01) == pytest.approx(40.0, abs=1e-4)


def test_psnr_batch_per_image_and_identical_is_inf():
    a = torch.full((2, 3, 8, 8), 0.25)
    b = a.clone()
    b[1] += 0.1
    out = psnr(a, b)
    assert out.shape == (2,) and math.isinf(out[0]) and float(out[1]) == pytest.approx(20.0, abs=1e-5)


def test_psnr_shape_mismatch():
    with pytest.raises(ValueError, match="differ in shape"):
        psnr(torch.zeros(3, 8, 8), torch.zeros(3, 8, 9))
    with pytest.raises(ValueError):
        psnr(torch.zeros(8, 8), torch.zeros(8, 8))


# --- SSIM -------------------------------------------------------------------------------------------

def test_ssim_identical_is_one():
    a = rand(3, 24, 30)
    assert ssim(a, a) == pytest.approx(1.0, abs=1e-12)


def test_ssim_constant_images_closed_form():
    # Constant images: σ = 0, so SSIM = (2 μa μb + C1) / (μa² + μb² + C1) in every window.
    ma, mb, c1 = 0.3, 0.6, 0.01 ** 2
    got = ssim(torch.full((3, 16, 16), ma), torch.full((3, 16, 16), mb))
    assert got == pytest.approx((2 * ma * mb + c1) / (ma ** 2 + mb ** 2 + c1), rel=1e-6)


def test_ssim_matches_skimage():
    metrics = pytest.importorskip("skimage.metrics")
    a = rand(3, 24, 30, seed=1)
    b = (a + 0.1 * torch.randn(3, 24, 30, generator=torch.Generator().manual_seed(2), dtype=torch.float64)).clamp(0, 1)
    ref = metrics.structural_similarity(a.permute(1, 2, 0).numpy(), b.permute(1, 2, 0).numpy(), channel_axis=-1,
                                        gaussian_weights=True, sigma=1.5, use_sample_covariance=False, data_range=1.0)
    assert ssim(a, b) == pytest.approx(ref, abs=1e-10)


def test_ssim_too_small():
    with pytest.raises(ValueError, match="11"):
        ssim(torch.zeros(3, 10, 40), torch.zeros(3, 10, 40))


# --- colorfulness -----------------------------------------------------------------------------------

def test_colorfulness_of_gray_is_zero():
    g = rand(1, 12, 12).expand(3, -1, -1)
    assert colorfulness(g) == pytest.approx(0.0, abs=1e-9)


def test_colorfulness_two_colors_by_hand():
    # Half pure red, half pure blue. On 0..255: red → rg = 255, yb = 127.5; blue → rg = 0, yb = −255.
    # σ_rg = 127.5, σ_yb = 191.25, μ_rg = 127.5, μ_yb = −63.75.
    img = torch.zeros(3, 4, 6)
    img[0, :2] = 1.0
    img[2, 2:] = 1.0
    expected = math.hypot(127.5, 191.25) + 0.3 * math.hypot(127.5, -63.75)
    assert expected == pytest.approx(272.6187, abs=1e-4)
    assert colorfulness(img) == pytest.approx(expected, rel=1e-9)


def test_gray_baseline_keeps_lightness_drops_chroma():
    rgb = rand(2, 3, 10, 12, seed=3).float()
    base = gray_baseline(rgb)
    assert base.shape == rgb.shape
    assert torch.allclose(rgb_to_gray(base), rgb_to_gray(rgb), atol=2e-3)
    assert (base.max(1).values - base.min(1).values).max() < 5e-3
    assert colorfulness(base).max() < 1.0
    assert gray_baseline(rgb[0]).shape == (3, 10, 12)


# --- CDC ----------------------------------------------------------------------------------------------

def test_histograms_quantise_like_an_8bit_file():
    f = torch.tensor([0.0, 1 / 255, 0.5, 1.0]).view(1, 1, 1, 4).expand(1, 3, 1, 4)
    h = rgb_histograms(f)
    assert h.shape == (1, 3, 256) and np.allclose(h.sum(-1), 1.0)
    assert h[0, 0, [0, 1, 128, 255]].tolist() == [0.25] * 4
    u8 = torch.tensor([0, 1, 128, 255], dtype=torch.uint8).view(1, 1, 1, 4).expand(1, 3, 1, 4)
    assert np.array_equal(rgb_histograms(u8), h)


def test_js_divergence_bounds():
    p = np.array([1.0, 0, 0])
    q = np.array([0, 0.5, 0.5])
    assert js_divergence(p, p) == 0.0
    assert js_divergence(p, q) == pytest.approx(math.log(2))


def test_cdc_identical_frames_is_zero():
    frame = rand(1, 3, 16, 16, seed=4)
    assert cdc(frame.expand(6, -1, -1, -1)) == 0.0


def test_cdc_color_shift_is_positive_and_disjoint_is_ln2():
    frames = (rand(1, 3, 16, 16, seed=5) * 0.5).repeat(6, 1, 1, 1)
    shifted = frames.clone()
    shifted[3:, 0] += 0.3  # red shifts in the second half
    assert cdc(frames) == 0.0
    assert cdc(shifted) > 0.05
    assert cdc_from_histograms(rgb_histograms(shifted), (1,)) < cdc_from_histograms(rgb_histograms(shifted), (4,))
    black_white = torch.stack([torch.zeros(3, 4, 4), torch.ones(3, 4, 4)])
    assert cdc(black_white) == pytest.approx(math.log(2))  # only Δ = 1 fits two frames


def test_cdc_matches_reference_formula():
    stats = pytest.importorskip("scipy.stats")
    frames = rand(9, 3, 8, 8, seed=6)
    h = rgb_histograms(frames)

    def js(p, q):
        m = (p + q) / 2
        return 0.5 * stats.entropy(p, m) + 0.5 * stats.entropy(q, m)

    per_channel = [sum(np.mean([js(h[i, c], h[i + d, c]) for i in range(9 - d)]) / 3 for d in (1, 2, 4)) for c in range(3)]
    assert cdc(frames) == pytest.approx(np.mean(per_channel), rel=1e-12)
    assert cdc_from_histograms(h, (1,)) == pytest.approx(np.mean([js(h[i, c], h[i + 1, c]) for i in range(8) for c in range(3)]))


def test_cdc_needs_two_frames():
    with pytest.raises(ValueError):
        cdc(rand(1, 3, 4, 4))


# --- warping error ------------------------------------------------------------------------------------

def textured_clip(n=5, h=40, w=56, dx=2, dy=1, seed=7):
    """A smooth random colour texture seen through a window that moves (dx, dy) pixels per frame."""
    rng = np.random.default_rng(seed)
    big = cv2.GaussianBlur(rng.random((h + n * dy + 8, w + n * dx + 8, 3)).astype(np.float32), (0, 0), 2.0)
    big = (big - big.min()) / (big.max() - big.min())
    frames = np.stack([big[4 + t * dy:4 + t * dy + h, 4 + t * dx:4 + t * dx + w] for t in range(n)])
    return torch.from_numpy(frames).permute(0, 3, 1, 2).contiguous()


def test_warping_error_translation_is_small_and_flicker_is_large():
    clip = textured_clip()
    gray = rgb_to_gray(clip)
    steady = video_warping_error(clip, gray)
    assert len(steady.per_frame) == clip.shape[0] - 1
    assert steady.mean == pytest.approx(float(np.mean(steady.per_frame)))
    assert steady.mean < 2e-4

    flicker = clip.clone()
    flicker[1::2, 0] *= 0.6  # every other frame loses red: colour flicker, same input luminance
    bad = video_warping_error(flicker, gray)
    assert bad.mean > 20 * max(steady.mean, 1e-5)


def test_warping_error_shapes():
    clip = textured_clip(n=2)
    with pytest.raises(ValueError):
        video_warping_error(clip, rgb_to_gray(clip)[:1])
    with pytest.raises(ValueError):
        video_warping_error(clip[:1], rgb_to_gray(clip)[:1])
