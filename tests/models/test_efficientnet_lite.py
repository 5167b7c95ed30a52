"""EfficientNet-Lite definition: TF "SAME" padding, variant layouts, feature shapes (random init, no weights)."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from vidcolor.models.efficientnet_lite import EfficientNetLite, SameConv2d, freeze_batchnorm, lite_spec

# TensorFlow "SAME": output ceil(n/s); total padding (ceil(n/s)-1)·s + k - n, the smaller half before.
# Written out by hand for the cases that matter: (n, k, s) → (before, after).
TF_SAME = {
    (8, 3, 2): (0, 1), (9, 3, 2): (1, 1), (8, 5, 2): (1, 2), (9, 5, 2): (2, 2),
    (8, 3, 1): (1, 1), (7, 5, 1): (2, 2), (8, 1, 1): (0, 0), (10, 3, 2): (0, 1), (11, 3, 2): (1, 1), (10, 5, 2): (1, 2), (11, 5, 2): (2, 2),
}


@pytest.mark.parametrize("h, w, k, s", [(8, 9, 3, 2), (9, 8, 5, 2), (8, 8, 3, 1), (7, 7, 5, 1), (8, 8, 1, 1), (10, 11, 3, 2), (11, 10, 5, 2)])
def test_same_padding_matches_explicit_asymmetric_pad(h, w, k, s):
    torch.manual_seed(0)
    conv = SameConv2d(3, 4, k, stride=s, bias=True)
    x = torch.randn(2, 3, h, w)
    (top, bottom), (left, right) = TF_SAME.get((h, k, s), (None, None)), TF_SAME.get((w, k, s), (None, None))
    ref = F.conv2d(F.pad(x, (left, right, top, bottom)), conv.weight, conv.bias, stride=s)
    out = conv(x)
    assert out.shape[-2:] == (math.ceil(h / s), math.ceil(w / s))
    assert torch.allclose(out, ref, atol=1e-6)


def test_same_padding_differs_from_symmetric_on_even_stride2():
    """The reason it is reproduced: symmetric padding shifts stride-2 features by a pixel."""
    torch.manual_seed(0)
    conv = SameConv2d(1, 1, 3, stride=2)
    x = torch.randn(1, 1, 8, 8)
    assert not torch.allclose(conv(x), F.conv2d(x, conv.weight, None, stride=2, padding=1))


def test_depthwise_same_conv():
    torch.manual_seed(0)
    conv = SameConv2d(6, 6, 5, stride=2, groups=6)
    x = torch.randn(1, 6, 12, 13)
    ref = F.conv2d(F.pad(x, (2, 2, 1, 2)), conv.weight, None, stride=2, groups=6)
    assert torch.allclose(conv(x), ref, atol=1e-6)


@pytest.mark.parametrize("variant, blocks, channels", [("lite0", 16, (16, 24, 40, 112, 320)), ("lite2", 21, (16, 24, 48, 120, 352))])
def test_variant_layout(variant, blocks, channels):
    spec = lite_spec(variant)
    assert len(spec.blocks) == blocks and spec.tap_channels == channels


def test_unknown_variant():
    with pytest.raises(ValueError, match="lite0"):
        lite_spec("b7")


@pytest.mark.parametrize("h, w", [(33, 47), (64, 64)])
def test_features_and_logits_shapes(h, w):
    net = EfficientNetLite("lite0").eval()
    with torch.no_grad():
        feats = net.forward_features(torch.randn(1, 3, h, w))
        logits = net(torch.randn(2, 3, h, w))
    assert [f.shape[1] for f in feats] == [16, 24, 40, 112, 320]
    for i, f in enumerate(feats):
        s = 2 ** (i + 1)
        assert f.shape[-2:] == (math.ceil(h / s), math.ceil(w / s))
    assert logits.shape == (2, 1000)


def test_freeze_batchnorm():
    net = EfficientNetLite("lite0", classifier=False).train()
    freeze_batchnorm(net)
    bns = [m for m in net.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    assert net._blocks[0]._depthwise_conv.training  # only the BNs


def _tf_same_reference(conv: SameConv2d, x: torch.Tensor) -> torch.Tensor:
    """TF "SAME" by its definition: pad the input explicitly (smaller half first), then a valid conv."""
    k, s = conv.kernel_size[0], conv.stride[0]
    ph, pw = (max((math.ceil(n / s) - 1) * s + k - n, 0) for n in x.shape[-2:])
    return F.conv2d(F.pad(x, (pw // 2, pw - pw // 2, ph // 2, ph - ph // 2)), conv.weight, conv.bias, s, 0, 1, conv.groups)


@pytest.mark.parametrize("k, s, groups", [(1, 1, 1), (1, 2, 1), (3, 1, 4), (3, 2, 1), (3, 2, 4), (5, 1, 4), (5, 2, 4), (7, 2, 1)])
def test_same_conv_without_input_padding_matches_the_definition_for_every_size(k, s, groups):
    """SameConv2d pads no input (stride 1: the conv's own padding; stride 2, even size: a zero tap in
    front of the kernel): values and gradients equal the explicit pad for sizes 1…13, odd and even."""
    torch.manual_seed(0)
    conv = SameConv2d(4, 4, k, stride=s, groups=groups, bias=True)
    for h in range(1, 14):
        for w in (1, 2, 6, 7, 12, 13):
            x = torch.randn(2, 4, h, w, requires_grad=True)
            out, ref = conv(x), _tf_same_reference(conv, x)
            assert out.shape == ref.shape == (2, 4, math.ceil(h / s), math.ceil(w / s))
            assert torch.allclose(out, ref, atol=1e-5), (h, w)
            g_out = torch.autograd.grad(out.square().sum(), (x, conv.weight))
            g_ref = torch.autograd.grad(ref.square().sum(), (x, conv.weight))
            assert all(torch.allclose(a, b, atol=1e-4) for a, b in zip(g_out, g_ref)), (h, w)
