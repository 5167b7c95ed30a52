"""Discriminators: multi-scale PatchGAN outputs, input mapping, spectral norm, temporal D."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from vidcolor.models import MultiScaleDiscriminator, PatchDiscriminator, TemporalDiscriminator


def rand(*shape, seed=0):
    return torch.rand(*shape, generator=torch.Generator().manual_seed(seed))


def convs(module: nn.Module) -> list[nn.Conv2d]:
    return [m for m in module.modules() if isinstance(m, nn.Conv2d)]


@pytest.mark.parametrize("layers, size, expected", [
    (2, 48, [12, 6, 3]),   # 48 → /4; the pair is pooled by 2 per scale
    (3, 48, [6, 3, 1]),    # 48 → /8; 24 → 3; 12 → 1 (each k4/s2/p1 conv floors odd sizes)
])
def test_multiscale_returns_decreasing_maps(layers, size, expected):
    torch.manual_seed(0)
    d = MultiScaleDiscriminator(scales=3, base=4, layers=layers, spectral_norm=False)
    out = d(rand(2, 1, size, size), rand(2, 3, size, size, seed=1))
    assert isinstance(out, list) and len(out) == 3
    assert [o.shape[-1] for o in out] == expected
    for o in out:
        assert o.shape[:2] == (2, 1) and o.shape[-2] == o.shape[-1]
        assert torch.isfinite(o).all()


def test_multiscale_non_square_input():
    torch.manual_seed(0)
    d = MultiScaleDiscriminator(scales=2, base=4, layers=2, spectral_norm=False)
    out = d(rand(1, 1, 32, 48), rand(1, 3, 32, 48))
    assert [tuple(o.shape[-2:]) for o in out] == [(8, 12), (4, 6)]


def test_multiscale_maps_inputs_to_minus_one_one_and_pools():
    torch.manual_seed(0)
    d = MultiScaleDiscriminator(scales=3, base=4, layers=2, spectral_norm=False)
    seen = []
    for sub in d.discriminators:
        sub.register_forward_pre_hook(lambda mod, args: seen.append(args[0].detach().clone()))
    gray, rgb = rand(1, 1, 16, 16), rand(1, 3, 16, 16, seed=1)
    d(gray, rgb)
    x = torch.cat([gray, rgb], 1) * 2 - 1
    torch.testing.assert_close(seen[0], x)
    x1 = F.avg_pool2d(x, 3, stride=2, padding=1, count_include_pad=False)
    torch.testing.assert_close(seen[1], x1)
    torch.testing.assert_close(seen[2], F.avg_pool2d(x1, 3, stride=2, padding=1, count_include_pad=False))
    assert seen[0].min() >= -1 and seen[0].max() <= 1 and seen[0].min() < -0.8


def test_discriminator_is_conditional_and_differentiable():
    torch.manual_seed(0)
    d = MultiScaleDiscriminator(scales=2, base=4, layers=2, spectral_norm=True)
    gray = rand(1, 1, 24, 24)
    rgb = rand(1, 3, 24, 24, seed=1).requires_grad_(True)
    out = d(gray, rgb)
    other = d(1 - gray, rgb)
    assert all(not torch.equal(a, b) for a, b in zip(out, other))
    sum(o.mean() for o in out).backward()
    assert rgb.grad is not None and rgb.grad.abs().sum() > 0


@pytest.mark.parametrize("sn", [True, False])
def test_spectral_norm_switch(sn):
    d = MultiScaleDiscriminator(scales=2, base=4, layers=2, spectral_norm=sn)
    cs = convs(d)
    assert len(cs) == 2 * (2 + 2)  # per scale: `layers` strided convs + two 3×3 convs
    for c in cs:
        assert hasattr(c, "weight_orig") == sn
        assert hasattr(c, "weight_u") == sn
    names = {n.rsplit(".", 1)[-1] for n, _ in d.named_parameters()}
    assert ("weight_orig" in names) == sn and ("weight" in names) == (not sn)


def test_spectral_norm_bounds_largest_singular_value():
    torch.manual_seed(0)
    d = PatchDiscriminator(in_channels=4, base=4, layers=2, spectral_norm=True).train()
    with torch.no_grad():
        for c in convs(d):
            c.weight_orig.mul_(5)  # far from norm 1 before normalisation
        x = rand(1, 4, 16, 16)
        for _ in range(30):  # one power iteration per training-mode forward
            d(x)
    for c in convs(d):
        raw = torch.linalg.matrix_norm(c.weight_orig.reshape(c.out_channels, -1), ord=2)
        sigma = torch.linalg.matrix_norm(c.weight.reshape(c.out_channels, -1), ord=2)
        assert raw > 1.5
        assert sigma == pytest.approx(1.0, abs=0.05)


def test_temporal_discriminator_takes_three_rgb_and_gray():
    torch.manual_seed(0)
    d = TemporalDiscriminator(base=4, layers=2, spectral_norm=False, scales=2)
    first = convs(d)[0]
    assert first.in_channels == 10
    frames = [rand(2, 3, 32, 32, seed=s) for s in range(3)]
    gray = rand(2, 1, 32, 32, seed=9)
    out = d(*frames, gray)
    assert isinstance(out, list) and len(out) == 2
    assert [tuple(o.shape) for o in out] == [(2, 1, 8, 8), (2, 1, 4, 4)]
    # the order of the frames matters (it judges motion, not a bag of frames)
    swapped = d(frames[2], frames[1], frames[0], gray)
    assert not torch.equal(out[0], swapped[0])


def test_temporal_discriminator_rejects_wrong_channel_count():
    d = TemporalDiscriminator(base=4, layers=2, spectral_norm=False)
    x = rand(1, 3, 16, 16)
    with pytest.raises(RuntimeError):
        d(x, x, x[:, :1], rand(1, 1, 16, 16))
