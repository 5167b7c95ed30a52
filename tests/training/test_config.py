"""``load_config``: YAML → frozen dataclasses, ``--set`` overrides, errors naming the key, ``--dry-run``."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.training.config import DataConfig, StageConfig, TrainConfig, load_config, parse_overrides

TINY = Path(__file__).resolve().parents[2] / "configs" / "tiny.yaml"


def test_tiny_loads():
    cfg = load_config(TINY)
    assert isinstance(cfg, TrainConfig)
    assert cfg.device == "cpu" and cfg.data.crop == 32 and cfg.data.generate == 24
    assert cfg.data.styles == ("none", "watercolor", "cartoon")
    assert cfg.stages.pretrain.steps == 12 and cfg.stages.pretrain.betas == (0.9, 0.999)
    # A stage given in YAML is merged onto that stage's defaults, not onto StageConfig().
    assert cfg.stages.adversarial.lr_d == StageConfig().lr_d
    assert cfg.stages.temporal.tadv == 0.02


def test_config_is_frozen_and_round_trips():
    cfg = load_config(TINY)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.seed = 3
    again = load_config(TINY)
    assert again == cfg
    assert yaml.safe_load(yaml.safe_dump(cfg.to_dict())) == cfg.to_dict()


def test_overrides_nested_lists_numbers_booleans():
    cfg = load_config(TINY, [
        "stages.pretrain.steps=3",           # nested int
        "data.styles=[none, oil]",           # list -> tuple
        "model.widths=[8, 16]",
        "stages.temporal.betas=[0.5, 0.9]",  # fixed-length tuple
        "ema_decay=0.5",                     # float
        "stages.adversarial.adv=1",          # int accepted for a float
        "channels_last=true",                # bool
        "data.occluders=false",
        "device=cpu",                        # string
        "data.cache_dir=/tmp/x",
        "data.videos=",                      # empty -> None
    ])
    assert cfg.stages.pretrain.steps == 3
    assert cfg.stages.pretrain.betas == (0.9, 0.999)  # untouched siblings keep the file's values
    assert cfg.data.styles == ("none", "oil")
    assert cfg.model.widths == (8, 16)
    assert cfg.stages.temporal.betas == (0.5, 0.9)
    assert cfg.ema_decay == 0.5
    assert cfg.stages.adversarial.adv == 1.0 and isinstance(cfg.stages.adversarial.adv, float)
    assert cfg.channels_last is True and cfg.data.occluders is False
    assert cfg.data.cache_dir == "/tmp/x" and cfg.data.videos is None


def test_parse_overrides():
    assert parse_overrides(["a.b.c=1", "a.d=[x, 2]", "e=2.5", "f=off"]) == {"a": {"b": {"c": 1}, "d": ["x", 2]}, "e": 2.5, "f": False}
    with pytest.raises(VidcolorError, match="key=value"):
        parse_overrides(["seed"])
    with pytest.raises(VidcolorError, match="cannot parse"):
        parse_overrides(["seed=[1, 2"])


@pytest.mark.parametrize("override, key", [
    ("data.crpo=32", "data.crpo"),
    ("stages.pretrain.stesp=3", "stages.pretrain.stesp"),
    ("nonsense=1", "nonsense"),
    ("stages.warmup.steps=1", "stages.warmup"),
])
def test_unknown_key_names_it_and_lists_valid_keys(override, key):
    with pytest.raises(VidcolorError) as exc:
        load_config(TINY, [override])
    msg = str(exc.value)
    assert f"'{key}'" in msg and "valid keys" in msg
    valid = msg.split("valid keys here:")[1]
    if key.startswith("data."):
        assert all(f.name in valid for f in dataclasses.fields(DataConfig))
    if key.startswith("stages.pretrain"):
        assert "steps" in valid and "lr_g" in valid
    if key.startswith("stages.warmup"):
        assert "pretrain" in valid and "temporal" in valid


def test_unknown_key_in_yaml_file(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text(TINY.read_text() + "\nlearning_rate: 3\n")
    with pytest.raises(VidcolorError, match="unknown config key 'learning_rate'.*seed"):
        load_config(p)


@pytest.mark.parametrize("override, match", [
    ("data.crop=abc", "data.crop must be an integer"),
    ("seed=1.5", "seed must be an integer"),
    ("channels_last=3", "channels_last must be true or false"),
    ("ema_decay=fast", "ema_decay must be a number"),
    ("stages.pretrain.betas=[0.9]", "must have 2 items"),
    ("data.styles=none", "data.styles must be a list"),
    ("data=5", "data must be a mapping"),
    ("stages.pretrain.steps=true", "must be an integer"),
    ("data.crop=40", "multiple of 16"),
    ("data.teach_size=16", "teach_size"),
    ("data.clip_len=4", "clip_len must be odd"),
    ("data.styles=[oil]", "must start with 'none'"),
    ("data.styles=[none, crayon]", "unknown style 'crayon'; valid styles: none, watercolor"),
    ("device=tpu", "device must be"),
    ("amp=fp8", "amp must be"),
    ("model.preset=huge", "huge"),
    ("stages.pretrain.steps=-1", "non-negative"),
    ("stages.pretrain.lr_g=0", "learning rates"),
    ("stages.temporal.rec=0", None),  # fine: other weights remain
    ("losses.adv_mode=wgan", "adv_mode must be one of"),
    ("data.generate=0", "data.images is not set"),
])
def test_bad_values(override, match):
    if match is None:
        load_config(TINY, [override])
        return
    with pytest.raises(VidcolorError, match=match):
        load_config(TINY, [override])


def test_missing_and_invalid_files(tmp_path):
    with pytest.raises(VidcolorError, match="config file not found"):
        load_config(tmp_path / "nope.yaml")
    with pytest.raises(VidcolorError, match="config file not found"):
        load_config(tmp_path)  # a folder is not a config file
    bad = tmp_path / "bad.yaml"
    bad.write_text("seed: [1, 2\ndata: {crop: 32\n")
    with pytest.raises(VidcolorError, match="cannot parse config"):
        load_config(bad)
    lst = tmp_path / "list.yaml"
    lst.write_text("- 1\n- 2\n")
    with pytest.raises(VidcolorError, match="must be a YAML mapping"):
        load_config(lst)
    empty = tmp_path / "empty.yaml"
    empty.write_text("")
    with pytest.raises(VidcolorError, match="data.images is not set"):  # all defaults, no data
        load_config(empty)


def test_cli_dry_run_prints_resolved_config(tmp_path):
    out = tmp_path / "run"
    res = CliRunner().invoke(cli, ["train", "--config", str(TINY), "--out", str(out), "--dry-run",
                                   "--set", "stages.pretrain.steps=3", "--set", "data.styles=[none, pencil]"])
    assert res.exit_code == 0, res.output
    printed = yaml.safe_load(res.stdout)
    assert printed == load_config(TINY, ["stages.pretrain.steps=3", "data.styles=[none, pencil]"]).to_dict()
    assert printed["stages"]["pretrain"]["steps"] == 3 and printed["stages"]["pretrain"]["lr_d"] == StageConfig().lr_d
    assert not out.exists()


@pytest.mark.parametrize("args, match", [
    (["--set", "data.crpo=1"], "unknown config key 'data.crpo'"),
    (["--set", "seed=x"], "seed must be an integer"),
    (["--config", "/nonexistent/c.yaml"], "config file not found"),
])
def test_cli_config_errors(tmp_path, args, match):
    base = ["train", "--config", str(TINY), "--out", str(tmp_path / "run"), "--dry-run"]
    res = CliRunner().invoke(cli, base + args)
    assert res.exit_code == 1
    assert res.stderr.startswith("Error:") and match in res.stderr
    assert "Traceback" not in res.output
