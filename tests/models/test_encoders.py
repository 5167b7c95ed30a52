"""Generator encoders with the EfficientNet-Lite0 trunk: shapes, zero-initialised hints, frozen BN."""

from __future__ import annotations

import pytest
import torch

from vidcolor.models import Generator
from vidcolor.models.config import GeneratorConfig
from vidcolor.models.efficientnet_lite import EfficientNetLite, normalize
from vidcolor.models.encoders import LiteEncoder, ScratchEncoder

HINTS = 3
SMALL_LITE = GeneratorConfig(encoder="efficientnet_lite0", decoder_widths=(8, 8, 16, 16), bottleneck_width=16, bottleneck_blocks=1,
                             style_dim=8, refine_channels=4, hints=True)


def _bn_state(m):
    return {k: v.clone() for k, v in m.state_dict().items() if "running" in k or "num_batches" in k}


@pytest.mark.parametrize("h, w", [(37, 51), (32, 64)])
def test_lite_encoder_shapes(h, w):
    enc = LiteEncoder(hint_channels=HINTS).eval()
    with torch.no_grad():
        feats = enc(torch.rand(1, 1, h, w), torch.randn(1, HINTS, h, w))
    assert tuple(f.shape[1] for f in feats) == enc.channels == (16, 24, 40, 112, 320)
    assert [f.shape[-1] for f in feats] == [-(-w // 2 ** (i + 1)) for i in range(5)]


def test_lite_encoder_is_the_trunk_on_replicated_gray():
    torch.manual_seed(0)
    enc = LiteEncoder().eval()
    net = EfficientNetLite("lite0", classifier=False).eval()
    net.load_state_dict(enc.net.state_dict())
    gray = torch.rand(2, 1, 40, 40)
    with torch.no_grad():
        for a, b in zip(enc(gray), net.forward_features(normalize(gray.expand(-1, 3, -1, -1)))):
            assert torch.allclose(a, b, atol=1e-6)


def test_zero_initialised_hints_leave_the_encoder_unchanged():
    torch.manual_seed(0)
    enc = LiteEncoder(hint_channels=HINTS).eval()
    gray, hints = torch.rand(1, 1, 33, 35), torch.randn(1, HINTS, 33, 35)
    with torch.no_grad():
        plain, hinted = enc(gray), enc(gray, hints)
        assert all(torch.equal(a, b) for a, b in zip(plain, hinted))
        enc.hint_stem.weight.normal_(std=0.1)  # as after training: now hints matter
        assert not torch.allclose(enc(gray, hints)[0], plain[0])


def test_generator_hints_zero_at_init_in_the_decoder():
    torch.manual_seed(0)
    g = Generator(SMALL_LITE).eval()
    assert all(torch.count_nonzero(b.hint_proj.weight) == 0 for b in g.decoder)
    gray = torch.rand(1, 1, 37, 51)
    with torch.no_grad():
        assert torch.equal(g(gray, 0), g(gray, 0, hints=torch.zeros(1, HINTS, 37, 51)))


@pytest.mark.parametrize("h, w", [(37, 51), (64, 48)])
def test_generator_lite_output_shapes(h, w):
    torch.manual_seed(0)
    g = Generator(SMALL_LITE).eval()
    with torch.no_grad():
        out = g(torch.rand(2, 1, h, w), torch.tensor([0, 1]), hints=torch.randn(2, HINTS, h, w))
    assert out.shape == (2, 3, h, w) and torch.isfinite(out).all()


def test_batchnorm_frozen_in_train_mode_but_trunk_trains():
    torch.manual_seed(0)
    g = Generator(SMALL_LITE).train()
    bns = [m for m in g.encoder.modules() if isinstance(m, torch.nn.BatchNorm2d)]
    assert bns and not any(m.training for m in bns)
    before = _bn_state(g.encoder)
    out = g(torch.rand(2, 1, 32, 32), 0)
    out.square().mean().backward()
    assert all(torch.equal(v, _bn_state(g.encoder)[k]) for k, v in before.items())
    assert g.encoder.net._conv_stem.weight.grad is not None and g.encoder.net._conv_stem.weight.grad.abs().sum() > 0
    assert {id(p) for p in g.encoder_parameters()} == {id(p) for p in g.encoder.net.parameters()}


def test_scratch_encoder_keeps_its_shapes():
    enc = ScratchEncoder((8, 16), hint_channels=HINTS)
    feats = enc(torch.rand(1, 1, 16, 16), torch.zeros(1, HINTS, 16, 16))
    assert [tuple(f.shape) for f in feats] == [(1, 8, 8, 8), (1, 16, 4, 4)]


def test_stem_and_first_block_stay_fp32_under_bf16_autocast():
    """The finest skip comes from fp32 arithmetic (bf16 rounding there desaturated the output);
    the deeper levels run in bf16 as autocast asks."""
    torch.manual_seed(0)
    enc = LiteEncoder(hint_channels=HINTS).eval()
    gray, hints = torch.rand(2, 1, 32, 48), torch.randn(2, HINTS, 32, 48)
    with torch.no_grad():
        ref = enc(gray, hints)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            mixed = enc(gray, hints)
    assert mixed[0].dtype == torch.float32 and torch.allclose(mixed[0], ref[0], atol=1e-5)
    assert mixed[-1].dtype == torch.bfloat16
