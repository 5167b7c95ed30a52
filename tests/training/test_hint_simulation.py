from __future__ import annotations

import torch

from vidcolor.training.hints import simulate_hints


def _lab(n=16, h=48, w=64):
    g = torch.Generator().manual_seed(0)
    lab = torch.zeros(n, 3, h, w)
    lab[:, 0] = 50
    lab[:, 1:] = torch.rand(n, 2, 1, 1, generator=g) * 120 - 60  # one chroma per sample
    return lab


def test_shapes_ranges_and_determinism():
    lab = _lab()
    a, b = simulate_hints(lab, 7), simulate_hints(lab, 7)
    assert a.shape == (16, 3, 48, 64) and torch.equal(a, b)
    assert not torch.equal(a, simulate_hints(lab, 8))
    conf = a[:, 2]
    assert conf.min() >= 0 and conf.max() <= 1
    # where there is a hint, its chroma is the sample's true chroma (flat targets here)
    ab = a[:, :2] / conf.clamp_min(1e-6)[:, None] * 110
    m = conf > 0.5
    truth = lab[:, 1:].expand_as(ab)
    assert torch.allclose(ab.permute(0, 2, 3, 1)[m], truth.permute(0, 2, 3, 1)[m], atol=1.0)


def test_the_mix_of_none_sparse_and_dense():
    lab = _lab(n=400, h=32, w=32)
    h = simulate_hints(lab, 1, p_none=0.35, p_dense=0.15)
    cover = (h[:, 2] > 0).float().mean(dim=(1, 2))
    none, dense = (cover == 0).float().mean(), (cover > 0.3).float().mean()
    assert 0.27 < none < 0.43 and 0.09 < dense < 0.22
    sparse = cover[(cover > 0) & (cover <= 0.3)]
    assert len(sparse) > 150 and sparse.median() < 0.15  # a few small points / strokes (of a 32×32 image)
    assert simulate_hints(lab[:4], 1, p_none=1.0).abs().sum() == 0
