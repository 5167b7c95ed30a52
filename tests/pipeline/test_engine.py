"""Colorizer: working size, full-resolution output, bf16 vs fp32, device selection."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from vidcolor.errors import VidcolorError
from vidcolor.models import TINY, Generator
from vidcolor.pipeline.engine import Colorizer, working_size
from vidcolor.pipeline.frames import FrameProcessor


def test_working_size_short_side_and_multiple():
    assert working_size(480, 640, 256, 16) == (256, 336)
    assert working_size(1080, 1920, 256, 16) == (256, 448)
    assert working_size(100, 90, 256, 16) == (96, 96)  # never upscales beyond rounding


def test_colorize_full_resolution_and_plain_keeps_the_inputs_luma(tiny_weights):
    """Plain colorization keeps the gray input's luma Y′ (default) or its L* (``preserve="lightness"``)."""
    from vidcolor.color import LUMA_WEIGHTS, lightness_to_luma, rgb_to_lab

    gray = 0.2 + 0.6 * torch.rand(2, 1, 75, 101)   # away from black and white, where clipping may take over
    col = Colorizer(tiny_weights, device="cpu", precision="fp32", render_size=32)
    rgb = col.colorize(gray, 0)
    assert rgb.shape == (2, 3, 75, 101)
    y = (rgb * torch.tensor(LUMA_WEIGHTS["bt601"]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    err = (y - lightness_to_luma(gray)).abs()
    assert (err < 1e-4).float().mean() > 0.9   # all but out-of-gamut colors (the untrained net's are wild), clipped
    assert rgb.std(1).mean() > 0.01   # colors, not gray
    col_l = Colorizer(tiny_weights, device="cpu", precision="fp32", render_size=32, preserve="lightness")
    rgb_l = col_l.colorize(gray, 0)
    assert (rgb_to_lab(rgb_l)[:, :1] / 100 - gray).abs().mean() < 0.01
    y_l = (rgb_l * torch.tensor(LUMA_WEIGHTS["bt601"]).view(1, 3, 1, 1)).sum(1, keepdim=True)
    assert err.mean() < 0.25 * (y_l - lightness_to_luma(gray)).abs().mean()   # L* kept: saturated colors darker
    with pytest.raises(VidcolorError, match="preserve must be one of luma, lightness"):
        Colorizer(tiny_weights, device="cpu", preserve="chroma")


def test_bf16_matches_fp32_within_tolerance(tiny_weights):
    g32 = Colorizer(tiny_weights, device="cpu", precision="fp32", render_size=0)
    g16 = Colorizer(tiny_weights, device="cpu", precision="bf16", render_size=0)
    x = torch.rand(2, 1, 48, 64)
    a, b = g32.predict_low(x, 1), g16.predict_low(x, 1)
    # Lab units: L in [0,100], ab in about ±110
    assert (a - b).abs().mean() < 1.0
    assert (a - b).abs().max() < 8.0


def test_unknown_precision_and_cuda_without_gpu(tiny_weights):
    with pytest.raises(VidcolorError):
        Colorizer(tiny_weights, device="cpu", precision="fp8")
    if not torch.cuda.is_available():
        with pytest.raises(VidcolorError, match="CUDA"):
            Colorizer(tiny_weights, device="cuda")


def test_frame_processor_cpu_finish_matches_torch_upsampling(tiny_weights):
    """The NumPy/OpenCV finishing path equals the batched torch path (within 8-bit rounding)."""
    from vidcolor.color import keep_luma, lab_to_rgb, luma_lut
    from vidcolor.io.video import DecodedFrame

    col = Colorizer(tiny_weights, device="cpu", precision="fp32", render_size=32)
    fp = FrameProcessor(col, 0, temporal=False, detect_scenes=False)
    img = (np.random.default_rng(0).random((60, 90)) * 255).astype(np.uint8)
    prep = fp.prepare(DecodedFrame(img, 0, 0.0, 0))
    r = fp.infer([prep])[0]
    u8 = fp.finish(r)
    full = torch.from_numpy(luma_lut()[img])[None, None]
    low = torch.from_numpy(prep.low)[None, None]
    lab = torch.from_numpy(r.lab_low).permute(2, 0, 1)[None]
    ref = (keep_luma(lab_to_rgb(col.upsample(lab, low, full, 0)), torch.from_numpy(img / 255.0)[None, None].float())
           [0].permute(1, 2, 0).numpy() * 255)
    assert u8.shape == (60, 90, 3)
    assert np.abs(u8.astype(float) - ref).mean() < 1.5


@pytest.mark.cuda
def test_cuda_path_matches_cpu(tiny_weights):
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from vidcolor.io.video import DecodedFrame

    img = (np.random.default_rng(0).random((64, 96)) * 255).astype(np.uint8)
    outs = []
    for dev in ("cpu", "cuda"):
        col = Colorizer(tiny_weights, device=dev, precision="fp32", render_size=32)
        fp = FrameProcessor(col, 0, temporal=False, detect_scenes=False)
        outs.append(fp.finish(fp.infer([fp.prepare(DecodedFrame(img, 0, 0.0, 0))])[0]).astype(float))
    assert np.abs(outs[0] - outs[1]).mean() < 2.0


def test_model_in_memory(tiny_weights):
    g = Generator(TINY)
    col = Colorizer(model=g, device="cpu", render_size=0)
    assert col.styles == TINY.styles
    with pytest.raises(VidcolorError, match="unknown style .vangogh.; built-in: none"):
        col.style_index("vangogh")
    with pytest.raises(VidcolorError, match=r"unknown style 'Oil' \(did you mean 'oil'\?\)"):
        col.style_index("Oil")


def test_chroma_class_head_serves_automatic_frames_and_hinted_ones_keep_their_calibration(tmp_path):
    """With a chroma-class head, automatic frames take the head's chroma with the automatic gain and
    bias; frames with user points take the regression with the hinted gain and bias, exactly as the
    same weights without a head (the hint path was calibrated on the regression)."""
    import dataclasses

    from vidcolor.models.config import GeneratorConfig
    from vidcolor.models.hints import make_hints
    from vidcolor.models.serialization import save_generator

    cfg = GeneratorConfig(widths=(8, 16, 32), bottleneck_blocks=1, style_dim=8, refine_channels=4, hints=True)
    torch.manual_seed(0)
    base = Generator(cfg)
    head = Generator(dataclasses.replace(cfg, ab_classes=4))
    head.load_state_dict(base.state_dict(), strict=False)
    head.ab_classifier.bins.copy_(torch.tensor([[-30.0, -30.0], [-30.0, 30.0], [30.0, -30.0], [30.0, 30.0]]))
    cal = {"chroma_gain": 1.4, "chroma_bias": [5.0, -3.0], "chroma_gain_hints": 1.0, "chroma_bias_hints": [1.0, 1.0]}
    paths = {}
    for name, model in (("base", base), ("head", head)):
        paths[name] = save_generator(model, tmp_path / f"{name}.safetensors", info=cal)
    cb = Colorizer(paths["base"], device="cpu", precision="fp32", render_size=0)
    ch = Colorizer(paths["head"], device="cpu", precision="fp32", render_size=0)
    assert ch.chroma_bias_hints == (1.0, 1.0) and ch.chroma_bias == (5.0, -3.0)
    gray = torch.rand(2, 1, 32, 32)
    conf = torch.zeros(2, 1, 32, 32)
    conf[0, 0, 10, 10] = 1.0
    hints = make_hints(torch.full((2, 2, 32, 32), 20.0), conf)
    a, b = cb.predict_low(gray, 0, hints), ch.predict_low(gray, 0, hints)
    assert torch.equal(a[0], b[0])  # the frame with a user point: regression, hinted calibration
    assert not torch.allclose(a[1], b[1])  # the frame without: the head
    assert not torch.allclose(cb.predict_low(gray, 0), ch.predict_low(gray, 0))


def test_saturation_scales_the_networks_colors_and_keeps_the_users(tiny_weights):
    from vidcolor.models.hints import make_hints
    from vidcolor.pipeline.engine import check_saturation

    base = Colorizer(tiny_weights, device="cpu", precision="fp32", render_size=0)
    gray = torch.rand(1, 1, 32, 32)
    ref = base.predict_low(gray, 0)
    for s in (0.0, 1.7):
        col = Colorizer(tiny_weights, device="cpu", precision="fp32", render_size=0, saturation=s)
        out = col.predict_low(gray, 0)
        assert torch.equal(out[:, :1], ref[:, :1]) and torch.allclose(out[:, 1:], s * ref[:, 1:], atol=1e-4)
        styled = col.predict_low(gray, 1)
        assert torch.allclose(styled[:, 1:], s * base.predict_low(gray, 1)[:, 1:], atol=1e-4)
    conf = torch.zeros(1, 1, 32, 32)
    conf[..., 8:24, 8:24] = 1.0  # dense: a reference's colors, composited as given
    hints = make_hints(torch.full((1, 2, 32, 32), 30.0), conf)
    from vidcolor.models.config import preset

    torch.manual_seed(0)
    hinted = Colorizer(model=Generator(preset("tiny_hints")), device="cpu", precision="fp32", render_size=0, saturation=0.0)
    out = hinted.predict_low(gray, 0, hints)
    assert torch.allclose(out[0, 1:, 8:24, 8:24], torch.full((2, 16, 16), 30.0), atol=1e-3)
    assert float(out[0, 1:, :4, :4].abs().max()) < 1e-4  # the network's colors there: scaled to gray
    # sparse: a user's points, their correction spread along the object they touch (one flat object)
    points = torch.zeros(1, 1, 64, 64)
    points[..., 10, 10] = points[..., 50, 40] = 1.0
    hints = make_hints(torch.full((1, 2, 64, 64), -25.0), points)
    flat = torch.full((1, 1, 64, 64), 0.5)
    torch.manual_seed(1)
    vivid = Generator(preset("tiny_hints"))
    with torch.no_grad():
        for name, p in vivid.named_parameters():
            if "head" in name:
                p.normal_(0, 0.3)   # automatic colors far from the asked one
    at = {s: Colorizer(model=vivid, device="cpu", precision="fp32", render_size=0, saturation=s).predict_low(flat, 0, hints)
          for s in (1.0, 3.0)}
    # near a point the user's color decides, whatever the vividness (scaled before the spread: 72 ab units off)
    auto = {s: Colorizer(model=vivid, device="cpu", precision="fp32", render_size=0, saturation=s).predict_low(flat, 0) for s in (1.0, 3.0)}
    moved, scaled = ((x[3.0] - x[1.0])[0, 1:, 13, 13].norm() for x in (at, auto))
    assert moved < 0.25 * scaled
    assert torch.allclose(at[3.0][0, 1:, 10, 10], torch.tensor([-25.0, -25.0]), atol=1e-3)
    for bad in (-0.1, 4.5, float("nan"), "x"):
        with pytest.raises(VidcolorError, match="saturation"):
            check_saturation(bad)


@pytest.mark.parametrize("style", [0, 1])
def test_a_large_frame_is_finished_in_bands_with_the_same_result(tiny_weights, monkeypatch, style):
    """A 48-megapixel scan took ~140 bytes a pixel (7 GB) at once; finished band by band it gives the
    same colours (bilinear/bicubic rows sampled exactly where the whole-frame resize puts them)."""
    from vidcolor.pipeline import engine

    col = Colorizer(tiny_weights, device="cpu", render_size=96)
    gray = torch.nn.functional.avg_pool2d(torch.rand(1, 1, 203, 317, generator=torch.Generator().manual_seed(0)), 5, 1, 2)
    whole = col.colorize(gray, style)
    monkeypatch.setattr(engine, "BAND_PIXELS", 317 * 16)   # 13 bands, the last a short one
    banded = col.colorize(gray, style)
    assert banded.shape == whole.shape == (1, 3, 203, 317)
    assert float((banded - whole).abs().max()) < 1e-4
