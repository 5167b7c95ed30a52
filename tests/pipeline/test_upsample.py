"""Guided upsampling of chroma: steps snap to the full-resolution luminance edge, flat stays flat."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from vidcolor.pipeline.upsample import box_filter, guided_upsample, resize

H, W, FACTOR = 16, 48, 4
LEFT_L, RIGHT_L = 0.2, 0.8
LEFT_A, RIGHT_A = -20.0, 35.0


def edge_scene(edge: int):
    """Full-res luminance with a vertical step at column ``edge`` (inside a low-res pixel), its
    area-downsampled version, and low-res chroma that follows the low-res luminance (a: rises,
    b: falls across the edge) — what a network working at low resolution would predict."""
    full = torch.full((1, 1, H, W), LEFT_L)
    full[..., edge:] = RIGHT_L
    low = F.avg_pool2d(full, FACTOR)
    slope = (RIGHT_A - LEFT_A) / (RIGHT_L - LEFT_L)
    a = LEFT_A + slope * (low - LEFT_L)
    b = 5.0 - 0.5 * slope * (low - LEFT_L)
    return full, low, torch.cat([a, b], dim=1)


def normalised(profile: torch.Tensor) -> torch.Tensor:
    return (profile - profile[0]) / (profile[-1] - profile[0])


def transition_width(profile: torch.Tensor) -> int:
    """Pixels strictly inside the 10 %–90 % part of a monotone-ish step."""
    n = normalised(profile)
    return int(((n > 0.1) & (n < 0.9)).sum())


def largest_jump(profile: torch.Tensor) -> tuple[int, float]:
    """(index i of the biggest step between i and i+1, its size as a fraction of the whole step)."""
    d = normalised(profile).diff()
    i = int(d.abs().argmax())
    return i, float(d[i])


@pytest.mark.parametrize("edge", [21, 22, 23])  # all inside low-res column 5 (full columns 20–23)
def test_chroma_step_lands_on_full_resolution_edge(edge):
    full, low, chroma = edge_scene(edge)
    out = guided_upsample(chroma, low, full)
    plain = resize(chroma, (H, W))
    assert out.shape == (1, 2, H, W)
    for c in range(2):
        row = out[0, c, H // 2]
        i, frac = largest_jump(row)
        assert i == edge - 1, f"channel {c}: step between {i} and {i + 1}, edge at {edge}"
        assert frac > 0.85
        assert transition_width(row) <= 1
        # bilinear upsampling smears the same step over several pixels
        assert transition_width(plain[0, c, H // 2]) >= 4
        assert largest_jump(plain[0, c, H // 2])[1] < 0.25
    # the image is constant along columns, so every row agrees
    torch.testing.assert_close(out, out[:, :, :1].expand_as(out))


def test_flat_regions_keep_their_values():
    full, low, chroma = edge_scene(21)
    a = guided_upsample(chroma, low, full)[0, 0, H // 2]
    step = RIGHT_A - LEFT_A
    # far from the edge the plateaus are exact; near it they stay within a few % of the step
    assert a[:2] == pytest.approx([LEFT_A] * 2, abs=0.05)
    assert a[-6:] == pytest.approx([RIGHT_A] * 6, abs=0.05)
    assert (a[:21] - LEFT_A).abs().max() < 0.05 * step
    assert (a[21:] - RIGHT_A).abs().max() < 0.05 * step


def test_constant_chroma_stays_constant_over_textured_guide():
    gen = torch.Generator().manual_seed(0)
    full = torch.rand(2, 1, 37, 50, generator=gen)
    low = resize(full, (12, 17))
    chroma = torch.tensor([17.0, -42.0]).view(1, 2, 1, 1).expand(2, 2, 12, 17).contiguous()
    out = guided_upsample(chroma, low, full)
    assert out.shape == (2, 2, 37, 50)
    torch.testing.assert_close(out, chroma[:, :, :1, :1].expand_as(out), rtol=0, atol=1e-3)


def test_soft_low_res_chroma_is_sharpened():
    """Even when the low-res chroma edge is itself blurred (typical network output), the result
    puts most of the step on the luminance edge, unlike bilinear upsampling."""
    full, low, chroma = edge_scene(21)
    soft = box_filter(chroma, 1)
    row = guided_upsample(soft, low, full)[0, 0, H // 2]
    i, frac = largest_jump(row)
    assert i == 20 and frac > 0.6
    assert largest_jump(resize(soft, (H, W))[0, 0, H // 2])[1] < 0.15


def test_large_eps_ignores_the_edge():
    """ε sets how strong an edge must be: with ε ≫ var(I) the filter degenerates to smoothing."""
    full, low, chroma = edge_scene(21)
    row = guided_upsample(chroma, low, full, eps=100.0)[0, 0, H // 2]
    assert largest_jump(row)[1] < 0.2
    assert transition_width(row) >= 8


def test_same_resolution_and_box_filter():
    x = torch.arange(25.0).view(1, 1, 5, 5)
    assert torch.equal(box_filter(x, 0), x)
    # interior 3×3 mean of a linear ramp is the centre value
    assert box_filter(x, 1)[0, 0, 2, 2].item() == pytest.approx(12.0)
    # replicate padding at the corner: mean of [[0,0,1],[0,0,1],[5,5,6]]
    assert box_filter(x, 1)[0, 0, 0, 0].item() == pytest.approx(18.0 / 9)
    assert resize(x, (5, 5)) is x
