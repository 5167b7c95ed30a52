"""Edge-aware spreading of sparse hint corrections (vidcolor.control.spread)."""

from __future__ import annotations

import torch

from vidcolor.control.spread import domain_transform, hint_mean, is_sparse, spread_correction


def _two_regions(h=96, w=128, dark=0.25, bright=0.75):
    g = torch.full((1, 1, h, w), dark)
    g[..., w // 2:] = bright
    return g


def _point(h=96, w=128, y=48, x=20, r=1):
    c = torch.zeros(1, 1, h, w)
    c[..., y - r:y + r + 1, x - r:x + r + 1] = 1
    return c


def test_domain_transform_keeps_a_constant_and_mass_is_symmetric():
    g = torch.rand(1, 1, 40, 50)
    ones = torch.ones(1, 2, 40, 50)
    torch.testing.assert_close(domain_transform(ones, g, 20.0), ones, atol=1e-5, rtol=0)
    x = torch.zeros(1, 1, 201, 201)
    x[..., 100, 100] = 1
    y = domain_transform(x, torch.zeros(1, 1, 201, 201), 10.0)[0, 0]
    y = y / y.max()   # away from the borders the recursion's response is symmetric
    torch.testing.assert_close(y, y.flip(0), atol=1e-4, rtol=0)
    torch.testing.assert_close(y, y.flip(1), atol=1e-4, rtol=0)
    assert y[100, 100] == 1 and y[100, 110] < y[100, 105] < 1


def test_a_correction_fills_its_region_and_stops_at_a_strong_edge():
    g, conf = _two_regions(), _point()
    corr = torch.zeros(1, 2, 96, 128)
    corr[:, 0] = 40.0   # +40 a* asked at the point
    corr[:, 1] = -20.0
    out = spread_correction(g, conf, corr)
    near, far_same, other = out[0, :, 48, 30], out[0, :, 10, 60], out[0, :, 48, 100]
    assert near[0] > 36 and near[1] < -18              # next to the point: almost all of it
    assert 0.25 * 40 < far_same[0] < 0.75 * 40         # the far corner of its own region: fading with distance
    assert other.abs().max() < 1.0                     # across the edge: nothing
    # no hints, no correction
    assert spread_correction(g, torch.zeros_like(conf), corr).abs().max() == 0


def test_two_hints_share_their_region_and_the_result_does_not_depend_on_the_resolution():
    g = _two_regions()
    conf = _point(x=10) + _point(x=50)
    corr = torch.zeros(1, 2, 96, 128)
    corr[..., :, :30] = 30.0
    corr[..., :, 30:] = -30.0
    out = spread_correction(g, conf, corr)
    assert out[0, 0, 48, 12] > 20 and out[0, 0, 48, 48] < -20   # each hint wins next to itself
    assert abs(float(out[0, 0, 48, 30])) < 10                   # halfway: a blend
    # twice the resolution, the same points (a hint is a few pixels at any working size: resize_hints)
    conf2 = _point(h=192, w=256, y=96, x=20) + _point(h=192, w=256, y=96, x=100)
    big = spread_correction(torch.nn.functional.interpolate(g, scale_factor=2), conf2, torch.nn.functional.interpolate(corr, scale_factor=2))
    torch.testing.assert_close(big[..., ::2, ::2], out, atol=3.0, rtol=0)


def test_a_single_point_fixes_its_surroundings_not_the_whole_frame():
    g = torch.full((1, 1, 120, 200), 0.6) + 0.02 * torch.randn(1, 1, 120, 200, generator=torch.Generator().manual_seed(0))
    conf = _point(h=120, w=200, y=60, x=20)
    corr = torch.zeros(1, 2, 120, 200)
    corr[:, 1] = 50.0                                  # a yellow fruit on a pale sky: no edge in gray
    out = spread_correction(g, conf, corr)[0, 1, 60]
    assert out[26] > 0.8 * 50                          # next to it (5 % of the short side): nearly all
    assert out[80] < 0.5 * 50                          # half the short side away: less than half
    assert out[190] < 0.1 * 50                         # across the frame: next to nothing


def test_many_hints_that_agree_reach_the_whole_frame_and_one_does_not():
    g = _two_regions()
    corr = torch.zeros(1, 2, 96, 128)
    corr[:, 0] = 30.0
    one = _point(x=20)
    many = sum(_point(y=y, x=x) for y in (20, 48, 76) for x in (10, 25, 40)) + _point(y=90, x=55)   # 10 points, left region
    assert spread_correction(g, one, corr)[0, 0, 48, 110] < 0.01 * 30        # across the edge: nothing from one
    across = spread_correction(g, many, corr)[0, 0, 48, 110]
    assert 0.1 * 30 < across < 0.5 * 30                                       # ten that agree: a share of their mean


def test_hint_mean_counts_a_scribble_once_and_weights_its_pixels():
    conf = torch.zeros(1, 1, 40, 60)
    corr = torch.zeros(1, 2, 40, 60)
    conf[..., 5:15, 5:45] = 1.0     # a scribble of 400 pixels asking +10
    corr[..., 5:15, 5:45] = 10.0
    conf[..., 30, 50] = 1.0         # a point asking −20
    corr[..., 30, 50] = -20.0
    mean, count = hint_mean(conf, corr)
    assert count.tolist() == [2.0]
    torch.testing.assert_close(mean, torch.tensor([[-5.0, -5.0]]))
    assert hint_mean(torch.zeros(1, 1, 8, 8), torch.zeros(1, 2, 8, 8))[1].tolist() == [0.0]


def test_sparse_means_some_but_few_pixels():
    h = torch.zeros(3, 3, 50, 50)
    h[1, 2, 10, 10] = 1
    h[2, 2] = 1
    assert is_sparse(h).tolist() == [False, True, False]
