"""BatchNorm folding for inference: same outputs, fewer modules, the original untouched."""

from __future__ import annotations

import torch
from torch import nn

from vidcolor.batch.segments import model_fingerprint
from vidcolor.models import Generator
from vidcolor.models.config import GeneratorConfig
from vidcolor.models.efficientnet_lite import EfficientNetLite
from vidcolor.models.fuse import fold_batchnorm


def _randomise_batchnorm(model: nn.Module) -> None:
    """Give every BatchNorm non-trivial statistics and affine terms (fresh ones are the identity)."""
    g = torch.Generator().manual_seed(1)
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=g) * 0.5)
            m.running_var.copy_(torch.rand(c, generator=g) * 2 + 0.1)
            m.weight.data.copy_(torch.randn(c, generator=g))
            m.bias.data.copy_(torch.randn(c, generator=g) * 0.3)


def test_folded_classifier_gives_the_same_logits_without_batchnorm():
    torch.manual_seed(0)
    net = EfficientNetLite("lite0", classifier=True).eval()
    _randomise_batchnorm(net)
    fused = fold_batchnorm(net)
    assert not any(isinstance(m, nn.BatchNorm2d) for m in fused.modules())
    assert sum(isinstance(m, nn.BatchNorm2d) for m in net.modules()) == 49  # stem + first block 2 (no expansion) + 15 blocks × 3 + head
    x = torch.randn(2, 3, 70, 93)  # odd and even sizes: both SAME paths
    with torch.no_grad():
        ref, out = net(x), fused(x)
    assert torch.allclose(out, ref, atol=1e-4 * ref.abs().max().item())


def test_folded_generator_matches_and_leaves_the_original_untouched():
    torch.manual_seed(0)
    cfg = GeneratorConfig(encoder="efficientnet_lite0", decoder_widths=(8, 8, 16, 16), bottleneck_width=32, bottleneck_blocks=1, style_dim=8, hints=True)
    g = Generator(cfg).eval()
    _randomise_batchnorm(g)
    before = model_fingerprint(g)
    fused = fold_batchnorm(g)
    assert model_fingerprint(g) == before  # the loaded tensors stay as they were (style packs, resumed renders)
    assert all(not p.requires_grad for p in fused.parameters())
    gray = torch.rand(2, 1, 64, 96)
    hints = torch.zeros(2, 3, 64, 96)
    hints[:, :, 10:14, 20:24] = 0.5
    with torch.no_grad():
        for style in range(len(cfg.styles)):
            ref, out = g(gray, style, hints), fused(gray, style, hints)
            assert torch.allclose(out, ref, atol=1e-3), style  # Lab units (L 0…100)


def test_model_without_batchnorm_comes_back_equal():
    from vidcolor.models import TINY

    g = Generator(TINY).eval()
    fused = fold_batchnorm(g)
    assert fused is not g
    gray = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        assert torch.equal(fused(gray, 1), g(gray, 1))
