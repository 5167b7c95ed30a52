"""CBAM attention: channel, spatial and combined weights against a hand computation."""

from __future__ import annotations

import pytest
import torch

from vidcolor.models import CBAM, ChannelAttention, SpatialAttention


def sample(n=2, c=4, h=5, w=6, seed=0) -> torch.Tensor:
    return torch.randn(n, c, h, w, generator=torch.Generator().manual_seed(seed))


def set_channel_weights(att: ChannelAttention, seed: int = 1) -> tuple[torch.Tensor, ...]:
    """Give the shared MLP known weights; return them as plain matrices ``(W1, b1, W2, b2)``."""
    g = torch.Generator().manual_seed(seed)
    first, last = att.mlp[0], att.mlp[2]
    w1 = torch.randn(first.out_channels, first.in_channels, generator=g)
    b1 = torch.randn(first.out_channels, generator=g)
    w2 = torch.randn(last.out_channels, last.in_channels, generator=g)
    b2 = torch.randn(last.out_channels, generator=g)
    with torch.no_grad():
        first.weight.copy_(w1[:, :, None, None])
        first.bias.copy_(b1)
        last.weight.copy_(w2[:, :, None, None])
        last.bias.copy_(b2)
    return w1, b1, w2, b2


def set_spatial_weights(att: SpatialAttention, seed: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    k = att.conv.kernel_size[0]
    weight = torch.randn(1, 2, k, k, generator=g) * 0.3
    bias = torch.randn(1, generator=g)
    with torch.no_grad():
        att.conv.weight.copy_(weight)
        att.conv.bias.copy_(bias)
    return weight[0], bias


def hand_channel(f: torch.Tensor, w1, b1, w2, b2) -> torch.Tensor:
    """``σ(MLP(avg) + MLP(max))`` with the MLP as explicit matrix products, → ``[N,C,1,1]``."""
    n, c = f.shape[:2]
    flat = f.reshape(n, c, -1)
    avg, mx = flat.sum(-1) / flat.shape[-1], flat.max(-1).values

    def mlp(v):
        return torch.relu(v @ w1.T + b1) @ w2.T + b2

    return torch.sigmoid(mlp(avg) + mlp(mx)).reshape(n, c, 1, 1)


def hand_spatial(f: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
    """``σ(conv_k×k([mean_c; max_c]))`` as an explicit zero-padded shift-and-sum, → ``[N,1,H,W]``."""
    n, c, h, w = f.shape
    desc = torch.stack([f.sum(1) / c, f.max(1).values], dim=1)  # [N,2,H,W]
    k = weight.shape[-1]
    r = k // 2
    padded = torch.zeros(n, 2, h + 2 * r, w + 2 * r)
    padded[:, :, r:r + h, r:r + w] = desc
    acc = torch.full((n, h, w), float(bias))
    for ch in range(2):
        for dy in range(k):
            for dx in range(k):
                acc = acc + weight[ch, dy, dx] * padded[:, ch, dy:dy + h, dx:dx + w]
    return torch.sigmoid(acc)[:, None]


def test_channel_attention_matches_hand_computation():
    att = ChannelAttention(channels=4, reduction=2)
    params = set_channel_weights(att)
    f = sample()
    out = att(f)
    assert out.shape == (2, 4, 1, 1)
    torch.testing.assert_close(out, hand_channel(f, *params), rtol=1e-5, atol=1e-6)
    # not a degenerate case: the weights differ between channels and samples
    assert out.std() > 0.05


def test_channel_attention_hidden_width_has_floor_of_four():
    assert ChannelAttention(channels=8, reduction=8).mlp[0].out_channels == 4
    assert ChannelAttention(channels=64, reduction=8).mlp[0].out_channels == 8


def test_spatial_attention_matches_hand_computation():
    att = SpatialAttention(kernel_size=7)
    weight, bias = set_spatial_weights(att)
    f = sample(h=5, w=6)  # smaller than the kernel in both directions: padding matters everywhere
    out = att(f)
    assert out.shape == (2, 1, 5, 6)
    torch.testing.assert_close(out, hand_spatial(f, weight, bias), rtol=1e-5, atol=1e-6)
    assert out.std() > 0.05


@pytest.mark.parametrize("kernel_size", [3, 7])
def test_spatial_attention_kernel_sizes(kernel_size):
    att = SpatialAttention(kernel_size=kernel_size)
    weight, bias = set_spatial_weights(att, seed=kernel_size)
    f = sample(n=1, c=3, h=9, w=8, seed=3)
    torch.testing.assert_close(att(f), hand_spatial(f, weight, bias), rtol=1e-5, atol=1e-6)


def test_cbam_matches_hand_computation():
    cbam = CBAM(channels=4, reduction=2, kernel_size=7)
    cw = set_channel_weights(cbam.channel, seed=4)
    sw, sb = set_spatial_weights(cbam.spatial, seed=5)
    f = sample(seed=6)
    f1 = hand_channel(f, *cw) * f
    expected = hand_spatial(f1, sw, sb) * f1
    out = cbam(f)
    assert out.shape == f.shape
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    # attention only scales features down (weights in (0, 1))
    assert (out.abs() <= f.abs() + 1e-6).all()


def test_cbam_gradcheck():
    cbam = CBAM(channels=4, reduction=2, kernel_size=3).double()
    f = torch.randn(1, 4, 3, 4, dtype=torch.float64, requires_grad=True, generator=torch.Generator().manual_seed(7))
    assert torch.autograd.gradcheck(cbam, (f,), eps=1e-6, atol=1e-5)
