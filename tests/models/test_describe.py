"""``vidcolor info FILE.safetensors``: what generator weights hold; bad files get one Error line."""

import dataclasses

import torch
from click.testing import CliRunner

from vidcolor.cli import cli
from vidcolor.models.config import GeneratorConfig
from vidcolor.models.generator import Generator
from vidcolor.models.serialization import save_generator


def _info(path):
    return CliRunner().invoke(cli, ["info", str(path)])


def test_generator_weights_are_described(tmp_path):
    cfg = GeneratorConfig(widths=(8, 16, 32), bottleneck_blocks=1, style_dim=8, refine_channels=4, hints=True)
    torch.manual_seed(0)
    path = save_generator(Generator(dataclasses.replace(cfg, ab_classes=6, ab_temperature=0.3)), tmp_path / "w.safetensors",
                          info={"chroma_gain": 1.4, "chroma_bias": [0.5, -1.0], "chroma_gain_hints": 1.0, "global_step": 12})
    r = _info(path)
    assert r.exit_code == 0, r.output
    out = r.output
    assert "generator weights: w.safetensors" in out and "styles: none, watercolor, oil, pencil, cartoon" in out
    assert "color hints: yes" in out and "chroma classes: 6, annealed-mean temperature 0.3" in out
    assert "gain 1.4, bias a*/b* +0.50/-1.00; with hints gain 1" in out and "global step 12" in out
    assert "fingerprint: " in out and "style packs need " in out


def test_bad_safetensors_files_get_one_error_line(tmp_path):
    (tmp_path / "empty.safetensors").write_bytes(b"")
    (tmp_path / "pickle.safetensors").write_bytes(b"\x80\x04junkjunkjunk")
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(2)}, str(tmp_path / "other.safetensors"), metadata={"format": "something-else"})
    for name, msg in (("missing", "not found"), ("empty", "empty or truncated"), ("pickle", "pickle"),
                      ("other", "neither vidcolor generator weights nor a style pack")):
        r = _info(tmp_path / f"{name}.safetensors")
        assert r.exit_code != 0 and r.output.startswith("Error: ") and msg in r.output, (name, r.output)
        assert r.output.count("\n") == 1 and "Traceback" not in r.output
