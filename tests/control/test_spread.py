"""Edge-aware spreading of sparse hint corrections (vidcolor.control.spread)."""

from __future__ import annotations

import pytest
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


def test_the_recursion_is_the_first_order_filter_both_ways():
    from vidcolor.control.spread import _pass

    torch.manual_seed(1)
    x = torch.rand(2, 3, 5, 12)
    v = torch.rand(2, 3, 5, 11)
    ref = list(x.unbind(-1))
    for n in range(1, 12):
        ref[n] = ref[n] + v[..., n - 1] * (ref[n - 1] - ref[n])
    for n in range(10, -1, -1):
        ref[n] = ref[n] + v[..., n] * (ref[n + 1] - ref[n])
    torch.testing.assert_close(_pass(x, v), torch.stack(ref, -1), atol=1e-6, rtol=0)


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
    g2, corr2 = torch.nn.functional.interpolate(g, scale_factor=2), torch.nn.functional.interpolate(corr, scale_factor=2)
    big = spread_correction(g2, conf2, corr2, max_short=None)
    torch.testing.assert_close(big[..., ::2, ::2], out, atol=3.0, rtol=0)
    # filtered at 96 px and upsampled (the default above 96 px): close, but for a pixel or two at the
    # edge and the points' mass (a 3×3 point is 2×2 after pooling)
    small = spread_correction(g2, conf2, corr2, max_short=96)[..., ::2, ::2]
    away = torch.ones(128, dtype=torch.bool)
    away[61:66] = False
    torch.testing.assert_close(small[..., away], out[..., away], atol=5.0, rtol=0)


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


def test_hint_mean_counts_each_hint_once_by_its_confidence_and_weights_its_pixels():
    conf = torch.zeros(1, 1, 40, 60)
    corr = torch.zeros(1, 2, 40, 60)
    conf[..., 5:15, 5:25] = 1.0     # a scribble: half of it fully trusted asking +10 …
    corr[..., 5:15, 5:25] = 10.0
    conf[..., 5:15, 25:45] = 0.25   # … half of it at a quarter of the trust asking +30 → (200·10 + 50·30) / 250 = 14
    corr[..., 5:15, 25:45] = 30.0
    conf[..., 30, 50] = 0.5         # a point at half the trust asking −20
    corr[..., 30, 50] = -20.0
    mean, count = hint_mean(conf, corr)
    assert count.tolist() == [1.5]                       # peak confidences: 1 + 0.5
    torch.testing.assert_close(mean, torch.full((1, 2), (1.0 * 14 + 0.5 * -20) / 1.5))
    assert hint_mean(torch.zeros(1, 1, 8, 8), torch.zeros(1, 2, 8, 8))[1].tolist() == [0.0]


def test_frames_of_a_batch_get_their_own_hints_and_fading_hints_fade_out_of_the_global_term():
    g = torch.cat([_two_regions(), _two_regions()])
    corr = torch.zeros(2, 2, 96, 128)
    corr[:, 0] = 30.0
    ten = sum(_point(y=y, x=x) for y in (20, 48, 76) for x in (10, 25, 40)) + _point(y=90, x=55)
    conf = torch.cat([ten, 0.05 * ten])                  # frame 1: the same points, nearly faded
    out = spread_correction(g, conf, corr)
    alone = spread_correction(g[:1], conf[:1], corr[:1])
    torch.testing.assert_close(out[:1], alone)
    assert out[0, 0, 48, 110] > 0.1 * 30 and out[1, 0, 48, 110] < 0.01 * 30
    assert torch.isfinite(spread_correction(g, conf, corr, global_count=0.0)).all()


def test_one_sweep_of_two_filter_groups_equals_two_sweeps_and_leaves_its_input_alone():
    torch.manual_seed(0)
    x = torch.rand(1, 2, 30, 40)
    g = torch.rand(1, 1, 30, 40)
    both = domain_transform(torch.cat([x, x], 1), g, (12.0, 4.0), (0.1, 0.1 / 3))
    torch.testing.assert_close(both[:, :2], domain_transform(x, g, 12.0, 0.1), atol=1e-6, rtol=0)
    torch.testing.assert_close(both[:, 2:], domain_transform(x, g, 4.0, 0.1 / 3), atol=1e-6, rtol=0)
    row = torch.rand(1, 1, 1, 40)
    kept = row.clone()
    domain_transform(row, torch.rand(1, 1, 1, 40), 5.0)
    assert torch.equal(row, kept)
    with pytest.raises(ValueError):
        domain_transform(torch.rand(1, 3, 8, 8), g[..., :8, :8], (5.0, 2.0), (0.1, 0.1))


def test_sparse_means_some_but_few_pixels():
    h = torch.zeros(3, 3, 50, 50)
    h[1, 2, 10, 10] = 1
    h[2, 2] = 1
    assert is_sparse(h).tolist() == [False, True, False]


def test_the_non_local_term_reaches_look_alike_regions_only_with_several_hints():
    """Ten hints on dark pixels whose network chroma is bluish reach the other dark, bluish island
    across strong edges (same features), not the bright one; one hint reaches neither."""
    h, w = 96, 128
    g = torch.full((1, 1, h, w), 0.75)
    g[..., :, :40] = 0.25                    # the hinted dark region, left
    g[..., 30:66, 90:120] = 0.25             # a dark island, right, walled off by bright pixels
    feats = torch.zeros(1, 2, h, w)
    feats[:, 1] = torch.where(g[:, 0] < 0.5, -20.0, 10.0)   # the network's b*: bluish where dark
    corr = torch.zeros(1, 2, h, w)
    corr[:, 0] = 25.0                        # every hint asks for more a*
    many = sum(_point(y=y, x=x) for y in (15, 40, 65, 85) for x in (8, 20, 32))[:, :, :, :].clamp(max=1)
    off = dict(features=feats, nonlocal_weight=0.0)
    on = dict(features=feats)
    island, bright = (0, 0, 48, 105), (0, 0, 10, 70)
    d_on, d_off = spread_correction(g, many, corr, **on), spread_correction(g, many, corr, **off)
    assert d_on[island] > d_off[island] + 0.1 * 25          # the look-alike island gets more of the correction
    assert abs(d_on[bright] - d_off[bright]) < 0.02 * 25     # the bright region does not
    one = _point(x=20)
    assert torch.allclose(spread_correction(g, one, corr, **on), spread_correction(g, one, corr, **off))
