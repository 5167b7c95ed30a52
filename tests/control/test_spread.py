"""Edge-aware spreading of sparse hint corrections (vidcolor.control.spread)."""

from __future__ import annotations

import torch

from vidcolor.control.spread import domain_transform, is_sparse, spread_correction


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
    assert far_same[0] > 30                            # the far corner of its own region: most of it
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
    big = spread_correction(torch.nn.functional.interpolate(g, scale_factor=2), torch.nn.functional.interpolate(conf, scale_factor=2),
                            torch.nn.functional.interpolate(corr, scale_factor=2))
    torch.testing.assert_close(big[..., ::2, ::2], out, atol=3.0, rtol=0)


def test_sparse_means_some_but_few_pixels():
    h = torch.zeros(3, 3, 50, 50)
    h[1, 2, 10, 10] = 1
    h[2, 2] = 1
    assert is_sparse(h).tolist() == [False, True, False]
