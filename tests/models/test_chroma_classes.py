"""Chroma classification (Zhang et al. 2016): bins, soft encoding, rebalancing, annealed mean, and the
generator's head (plain automatic rows only; styles, hints and packs untouched)."""

import dataclasses

import pytest
import torch

from vidcolor.batch.segments import model_fingerprint
from vidcolor.errors import VidcolorError
from vidcolor.models.chroma_classes import ab_grid, annealed_mean, bin_counts, rebalance_weights, soft_encode
from vidcolor.models.config import GeneratorConfig
from vidcolor.models.generator import Generator
from vidcolor.models.serialization import load_generator, save_generator

BASE = GeneratorConfig(widths=(8, 16, 32), bottleneck_blocks=1, style_dim=8, refine_channels=4, hints=True)


def test_grid_and_counts():
    grid = ab_grid(10.0)
    assert grid.shape == (23 * 23, 2) and float(grid.abs().max()) == 110.0
    ab = torch.zeros(1, 2, 4, 4)
    ab[0, 0, :2] = 31.0  # 8 pixels nearest (30, 0), 8 nearest (0, 0)
    counts = bin_counts(ab, grid, 10.0)
    i30 = int(((grid[:, 0] == 30) & (grid[:, 1] == 0)).nonzero())
    i0 = int(((grid[:, 0] == 0) & (grid[:, 1] == 0)).nonzero())
    assert counts[i30] == 8 and counts[i0] == 8 and counts.sum() == 16


def test_soft_encoding_is_a_distribution_peaked_at_the_nearest_bin():
    bins = ab_grid(10.0)
    ab = torch.tensor([[12.0, -3.0], [-58.0, 71.0]]).T.reshape(1, 2, 1, 2)
    t = soft_encode(ab, bins)
    assert t.shape == (1, bins.shape[0], 1, 2)
    assert torch.allclose(t.sum(1), torch.ones(1, 1, 2))
    assert (t > 0).sum(1).eq(5).all()  # k = 5 nearest
    nearest = bins[t.argmax(1).flatten()]
    assert nearest.tolist() == [[10.0, 0.0], [-60.0, 70.0]]


def test_rebalancing_favours_rare_classes_with_unit_expectation():
    prior = torch.tensor([0.7, 0.2, 0.09, 0.01])
    w = rebalance_weights(prior, 0.5)
    assert float((prior * w).sum()) == pytest.approx(1.0)
    assert (w[1:] > w[:-1]).all()


def test_annealed_mean_goes_from_the_mean_to_the_mode():
    bins = torch.tensor([[0.0, 0.0], [60.0, 0.0], [0.0, -60.0]])
    p = torch.tensor([0.5, 0.3, 0.2])
    logits = p.log().view(1, 3, 1, 1)
    mean = annealed_mean(logits, bins, 1.0).flatten()
    assert torch.allclose(mean, torch.tensor([18.0, -12.0]), atol=1e-4)
    mode = annealed_mean(logits, bins, 0.01).flatten()
    assert torch.allclose(mode, torch.tensor([0.0, 0.0]), atol=1e-3)
    sharper = annealed_mean(logits, bins, 0.38).flatten()
    assert 0 < float(sharper[0]) < 18.0  # between the two


def test_config_validation_and_json():
    with pytest.raises(VidcolorError, match="ab_classes"):
        GeneratorConfig(ab_classes=1)
    with pytest.raises(VidcolorError, match="ab_temperature"):
        GeneratorConfig(ab_classes=10, ab_temperature=0)
    assert "ab_classes" not in BASE.to_json()  # files without a head stay readable by earlier versions
    c = dataclasses.replace(BASE, ab_classes=12, ab_temperature=0.3)
    assert GeneratorConfig.from_json(c.to_json()) == c


def _pair(seed=0):
    """A base generator and the same base with a random chroma-class head."""
    torch.manual_seed(seed)
    base = Generator(BASE).eval()
    with_head = Generator(dataclasses.replace(BASE, ab_classes=9, ab_temperature=0.5)).eval()
    missing, unexpected = with_head.load_state_dict(base.state_dict(), strict=False)
    assert not unexpected and all(k.startswith("ab_classifier.") for k in missing)
    with_head.ab_classifier.bins.copy_(torch.tensor([[a, b] for a in (-40.0, 0.0, 40.0) for b in (-40.0, 0.0, 40.0)]))
    torch.nn.init.normal_(with_head.ab_classifier.out.weight, std=1.0)
    return base, with_head


def test_head_changes_only_plain_automatic_rows():
    base, head = _pair()
    gray = torch.rand(2, 1, 32, 40)
    with torch.no_grad():
        plain_b, plain_h = base(gray, 0), head(gray, 0)
        assert plain_h.shape == (2, 3, 32, 40)
        assert torch.equal(plain_h[:, :1], plain_b[:, :1])  # luminance is the input's
        assert (plain_h[:, 1:] - plain_b[:, 1:]).abs().mean() > 0.5  # chroma comes from the classes
        for style in (1, 3):
            assert torch.equal(head(gray, style), base(gray, style))
        hints = torch.zeros(2, 3, 32, 40)
        hints[0, 2, 5, 5] = 1.0
        out_b, out_h = base(gray, 0, hints), head(gray, 0, hints)
        assert torch.equal(out_h[0], out_b[0])  # the hinted row keeps the regression
        assert not torch.equal(out_h[1], out_b[1])  # the row without hints takes the classes
        assert torch.equal(head(gray, 0, classes=False), plain_b)
        mixed = head(gray, 0, classes=torch.tensor([True, False]))
        assert torch.equal(mixed[1], plain_b[1]) and torch.equal(mixed[0], plain_h[0])
        lab, z = head.forward_with_logits(gray, 2)
        assert z.shape == (2, 9, 8, 10) and torch.equal(lab, base(gray, 2))


def test_head_low_frequencies_follow_the_annealed_mean():
    """A head sure of one class gives that class's ab as the low frequencies of the output."""
    base, head = _pair()
    with torch.no_grad():
        head.ab_classifier.out.weight.zero_()
        head.ab_classifier.out.bias.zero_()
        head.ab_classifier.out.bias[2] = 50.0  # bin (−40, +40)
        gray = torch.rand(1, 1, 32, 32)
        out = head(gray, 0)
    mean_ab = out[0, 1:].mean(dim=(1, 2))
    assert torch.allclose(mean_ab, torch.tensor([-40.0, 40.0]), atol=1.5)


def test_saved_head_round_trips_and_keeps_pack_fingerprint(tmp_path):
    base, head = _pair()
    path = save_generator(head, tmp_path / "h.safetensors")
    loaded = load_generator(path)
    assert loaded.config == head.config
    assert torch.equal(loaded.ab_classifier.bins, head.ab_classifier.bins)
    gray = torch.rand(1, 1, 32, 32)
    with torch.no_grad():
        assert torch.allclose(loaded(gray, 0), head(gray, 0), atol=1e-5)
    # style packs depend on the base alone: a head added or retrained keeps them valid
    assert model_fingerprint(head, base_only=True) == model_fingerprint(base, base_only=True) == model_fingerprint(base)
    assert model_fingerprint(head) != model_fingerprint(base)
    warmer = Generator(dataclasses.replace(head.config, ab_temperature=0.2))
    warmer.load_state_dict(head.state_dict())
    assert model_fingerprint(warmer) != model_fingerprint(head)  # the decoding changes renders: resumes must not mix
