"""End-to-end ``vidcolor train`` on ``configs/tiny.yaml`` through click's CliRunner: the run record,
exported weights usable by ``vidcolor process``, exact resumption, and clean errors for bad input."""

from __future__ import annotations

import json
import os
import shlex
import shutil
from pathlib import Path

import pytest
import torch
import yaml
from click.testing import CliRunner
from safetensors.torch import load_file

from tests.clips import make_clip
from vidcolor.cli import cli
from vidcolor.io import VideoReader
from vidcolor.models import load_generator
from vidcolor.training import videos
from vidcolor.training.config import load_config

TINY = str(Path(__file__).resolve().parents[2] / "configs" / "tiny.yaml")


def train(out, *args):
    return CliRunner().invoke(cli, ["train", "--config", TINY, "--out", str(out), *args])


def events(run: Path) -> list[dict]:
    return [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]


def max_diff(a: Path, b: Path) -> float:
    ta, tb = load_file(str(a)), load_file(str(b))
    assert ta.keys() == tb.keys()
    return max(float((ta[k].double() - tb[k].double()).abs().max()) for k in ta)


def assert_clean_error(res, match: str) -> None:
    assert res.exit_code != 0
    assert res.stderr.startswith("Error:"), res.output
    assert match in res.stderr, res.stderr
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)


@pytest.fixture(scope="module")
def full_run(tmp_path_factory):
    """One uninterrupted tiny run (also checkpointing every 5 steps, for the mid-stage resume test)."""
    run = tmp_path_factory.mktemp("full") / "run"
    res = train(run, "--set", "checkpoint_every=5")
    assert res.exit_code == 0, res.output
    return run


# ------------------------------------------------------------------------------------ (a) a full run

@pytest.mark.slow
def test_run_record(full_run):
    for name in ("generator_ema.safetensors", "log.jsonl", "config.yaml", "command.txt", "git_revision.txt", "loss_curves.png"):
        assert (full_run / name).is_file() and (full_run / name).stat().st_size > 0, name
    for stage in ("pretrain", "adversarial", "temporal"):
        assert (full_run / "samples" / f"{stage}_end.png").is_file()
    assert yaml.safe_load((full_run / "config.yaml").read_text()) == load_config(TINY, ["checkpoint_every=5"]).to_dict()
    line = (full_run / "command.txt").read_text().splitlines()[0]
    assert shlex.split(line.split("  ", 1)[1]) == ["vidcolor", "train", "--config", TINY, "--out", str(full_run), "--set", "checkpoint_every=5"]
    assert (full_run / "git_revision.txt").read_text().strip()
    assert (full_run / "checkpoints" / "latest.json").is_file()


@pytest.mark.slow
def test_weights_load(full_run):
    g = load_generator(full_run / "generator_ema.safetensors")
    assert g.config.styles == ("none", "watercolor", "cartoon")


@pytest.mark.slow
def test_log_events(full_run):
    log = events(full_run)
    kinds = [e["event"] for e in log]
    assert kinds[0] == "data" and kinds[-1] == "done" and kinds.count("start") == 1
    assert next(e for e in log if e["event"] == "start")["world_size"] == 1
    train_ev = [e for e in log if e["event"] == "train"]
    assert {e["stage"] for e in train_ev} == {"pretrain", "adversarial", "temporal"}
    assert max(e["step"] for e in train_ev) == 12 + 8 + 8
    by_stage = {e["stage"]: e for e in train_ev}
    assert {"g_rec", "g_total"} <= by_stage["pretrain"].keys()
    assert {"d_real", "d_fake", "g_adv"} <= by_stage["adversarial"].keys()
    assert {"td_real", "td_fake", "g_temp", "g_tadv"} <= by_stage["temporal"].keys()
    evals = {e["when"]: e["val_synthetic_warping_error"] for e in log if e["event"] == "eval"}
    assert evals.keys() == {"before", "after"}
    assert all(isinstance(v, float) and v >= 0 for v in evals.values())


@pytest.mark.slow
def test_process_with_trained_weights(full_run, tmp_path):
    clip = make_clip(tmp_path / "bw.mp4", n_frames=8, size=(64, 48), gray=True)
    out = tmp_path / "color.mp4"
    res = CliRunner().invoke(cli, ["process", str(clip), "-o", str(out), "--weights", str(full_run / "generator_ema.safetensors"),
                                   "--device", "cpu", "--style", "watercolor", "-q"])
    assert res.exit_code == 0, res.output
    with VideoReader(out, fmt="rgb24") as reader:
        assert (reader.info.width, reader.info.height) == (64, 48)
        assert sum(1 for _ in reader) == 8


# ------------------------------------------------------------------------------------- (b) resuming

@pytest.mark.slow
def test_resume_at_stage_boundary_matches_uninterrupted(full_run, tmp_path):
    run = tmp_path / "run"
    res = train(run, "--until", "pretrain")
    assert res.exit_code == 0, res.output
    assert {e.get("stage") for e in events(run) if e["event"] == "train"} == {"pretrain"}
    res = train(run, "--resume")
    assert res.exit_code == 0, res.output
    log = events(run)
    resume = next(e for e in log if e["event"] == "resume")
    assert (resume["stage"], resume["stage_done"], resume["global_step"]) == ("pretrain", True, 12)
    assert log[-1]["event"] == "done" and log[-1]["step"] == 28
    assert max_diff(run / "generator_ema.safetensors", full_run / "generator_ema.safetensors") <= 1e-6
    commands = (run / "command.txt").read_text().splitlines()
    assert len(commands) == 2 and commands[0].endswith("--until pretrain") and commands[1].endswith("--resume")


@pytest.mark.slow
def test_resume_mid_stage_matches_uninterrupted(full_run, tmp_path):
    """As if the run had died after its step-25 checkpoint (5 of 8 temporal steps)."""
    run = tmp_path / "run"
    shutil.copytree(full_run, run)
    ck = run / "checkpoints"
    progress = json.loads((ck / "step_0000025" / "progress.json").read_text())
    assert progress == {"stage": "temporal", "step_in_stage": 5, "global_step": 25, "stage_done": False}
    (ck / "latest.json").write_text(json.dumps({"checkpoint": "step_0000025", **progress}))
    shutil.rmtree(ck / "step_0000028")
    (run / "generator_ema.safetensors").unlink()
    res = train(run, "--resume", "--set", "checkpoint_every=5")
    assert res.exit_code == 0, res.output
    assert max_diff(run / "generator_ema.safetensors", full_run / "generator_ema.safetensors") <= 1e-6


# --------------------------------------------------------------------------------- (c) bad inputs

def _bad_input_args(case: str, tmp_path: Path) -> tuple[list[str], str]:
    no_gen = ["--set", "data.generate=0"]
    if case == "missing data folder":
        return no_gen + ["--set", f"data.images={tmp_path / 'nope'}"], "data folder not found"
    if case == "empty data folder":
        (tmp_path / "empty").mkdir()
        return no_gen + ["--set", f"data.images={tmp_path / 'empty'}"], "no images found"
    if case == "corrupt images":
        (tmp_path / "corrupt").mkdir()
        for i in range(3):
            (tmp_path / "corrupt" / f"img{i}.jpg").write_bytes(os.urandom(300))
        return no_gen + ["--set", f"data.images={tmp_path / 'corrupt'}"], "none of the 3 image(s)"
    if case == "data path is a file":
        (tmp_path / "file.png").write_bytes(b"x")
        return no_gen + ["--set", f"data.images={tmp_path / 'file.png'}"], "not a folder"
    if case == "bad config key":
        return ["--set", "data.crpo=32"], "unknown config key 'data.crpo'; valid keys here: images"
    if case == "bad value":
        return ["--set", "stages.pretrain.lr_g=fast"], "stages.pretrain.lr_g must be a number"
    if case == "bad --set syntax":
        return ["--set", "seed"], "--set expects key=value"
    if case == "empty video folder":
        (tmp_path / "novideos").mkdir()
        return ["--set", f"data.videos={tmp_path / 'novideos'}"], "no videos found"
    if case == "corrupt videos":
        (tmp_path / "badvideos").mkdir()
        (tmp_path / "badvideos" / "a.mp4").write_bytes(os.urandom(3000))
        return ["--set", f"data.videos={tmp_path / 'badvideos'}"], "none of the 1 video(s)"
    raise AssertionError(case)


@pytest.mark.parametrize("case", ["missing data folder", "empty data folder", "corrupt images", "data path is a file", "bad config key",
                                  "bad value", "bad --set syntax", "empty video folder", "corrupt videos"])
def test_bad_inputs(tmp_path, case):
    args, match = _bad_input_args(case, tmp_path)
    assert_clean_error(train(tmp_path / "run", *args), match)


def test_run_folder_under_a_file(tmp_path):
    (tmp_path / "some_file").write_text("x")
    assert_clean_error(train(tmp_path / "some_file" / "run"), "cannot write to run folder")


def test_read_only_run_folder(read_only_folder):
    assert_clean_error(train(read_only_folder / "run"), "cannot write to run folder")


# ---------------------------------------------------------------------- (d) resume / reuse mistakes

def test_bad_init_weights_are_refused_before_the_run_folder_is_made(tmp_path, full_run):
    import pickle

    (tmp_path / "evil.pt").write_bytes(pickle.dumps({"w": 1}))
    (tmp_path / "cut.safetensors").write_bytes((full_run / "generator_ema.safetensors").read_bytes()[:5000])
    for name, match in (("evil.pt", "safetensors"), ("cut.safetensors", "cut.safetensors"), ("none.safetensors", "not found")):
        assert_clean_error(train(tmp_path / "run", "--init", str(tmp_path / name)), match)
        assert not (tmp_path / "run").exists(), name   # no run folder, no generated data


@pytest.mark.parametrize("sig, code, word", [("SIGTERM", 143, "terminated"), ("SIGINT", 130, "interrupted")])
def test_a_stopped_run_exits_non_zero_with_its_checkpoint(tmp_path, sig, code, word):
    """SIGTERM (a scheduler's preemption) or Ctrl-C: the step ends, a checkpoint is written, and the
    exit status says the run did not finish (``train && process --weights …`` must not go on)."""
    import signal
    import subprocess
    import sys
    import time

    run = tmp_path / "run"
    proc = subprocess.Popen([sys.executable, "-m", "vidcolor", "train", "--config", TINY, "--out", str(run),
                             "--set", "stages.pretrain.steps=100000", "--set", "log_every=1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.time() + 120
    while time.time() < deadline and '"step"' not in ((run / "log.jsonl").read_text() if (run / "log.jsonl").exists() else ""):
        time.sleep(0.2)
    proc.send_signal(getattr(signal, sig))
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == code and err.startswith(f"Error: {word}") and "--resume" in err, err
    assert any((run / "checkpoints").iterdir())


def test_resume_without_checkpoint(tmp_path):
    assert_clean_error(train(tmp_path / "fresh", "--resume"), "--resume: no checkpoint in")
    assert not (tmp_path / "fresh").exists()  # nothing was created for a run that cannot start
    (tmp_path / "failed").mkdir()
    (tmp_path / "failed" / "config.yaml").write_text("seed: 0\n")  # a run that died before its first checkpoint
    assert_clean_error(train(tmp_path / "failed", "--resume"), "--resume: no checkpoint in")


@pytest.mark.slow
def test_second_run_into_used_folder(full_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(full_run, run)
    before = {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()}
    assert_clean_error(train(run), "already holds a run; use --resume")
    assert {p.name: p.read_bytes() for p in run.iterdir() if p.is_file()} == before  # the old record is untouched


# ------------------------------------------------------------------------ temporal stage on videos

@pytest.mark.slow
def test_temporal_stage_on_videos(tmp_path, monkeypatch):
    src = tmp_path / "videos"
    src.mkdir()
    make_clip(src / "a.mp4", n_frames=12, size=(64, 48))
    make_clip(src / "b.mkv", n_frames=9, size=(64, 48), codec="ffv1")
    (src / "broken.mp4").write_bytes(os.urandom(1000))
    used = []
    original = videos.VideoClipDataset.__getitem__

    def spy(self, key):
        used.append(key)
        return original(self, key)

    monkeypatch.setattr(videos.VideoClipDataset, "__getitem__", spy)
    run = tmp_path / "run"
    res = train(run, "--set", f"data.videos={src}", "--set", "data.generate=6", "--set", "stages.pretrain.steps=0",
                "--set", "stages.adversarial.steps=0", "--set", "stages.temporal.steps=4")
    assert res.exit_code == 0, res.output
    log = events(run)
    vd = next(e for e in log if e["event"] == "video_data")
    assert vd["videos"] == 2 and vd["clips"] >= 4 and vd["skipped_unusable"] == 1
    assert {e["stage"] for e in log if e["event"] == "train"} == {"temporal"}
    assert used, "no video clip was drawn"
    assert any((run / "cache" / "clips").glob("*.npz"))


# ------------------------------------------------------------------ (d) chroma classification head

CLASSES = ["--set", "model.widths=[8, 16, 32]", "--set", "stages.pretrain.cls=1.0", "--set", "losses.class_rebalance=0.5",
           "--set", "stages.adversarial.steps=0", "--set", "stages.temporal.steps=0"]


@pytest.mark.slow
def test_chroma_class_head_trains_exports_and_colorizes(tmp_path):
    """``stages.*.cls > 0`` adds the head: classes from the data, its loss logged, the exported weights
    carry it (classes, temperature), ``vidcolor process`` uses it, and ``--init`` from weights without a
    head adds one."""
    run = tmp_path / "run"
    res = train(run, *CLASSES, "--set", "stages.pretrain.steps=6")
    assert res.exit_code == 0, res.output
    ev = events(run)
    classes = [e for e in ev if e.get("event") == "chroma_classes"]
    assert len(classes) == 1 and classes[0]["classes"] >= 2 and classes[0]["weight_max"] > classes[0]["weight_min"]
    steps = [e for e in ev if "g_cls" in e]
    assert steps and all(0 < e["g_cls"] < 20 for e in steps)
    g = load_generator(run / "generator_ema.safetensors")
    assert g.config.ab_classes == classes[0]["classes"] and g.config.ab_temperature == 0.38
    assert float(g.ab_classifier.bins.abs().max()) > 0  # the data's classes, saved with the weights
    photo = tmp_path / "p.png"
    import cv2
    import numpy as np

    cv2.imwrite(str(photo), (np.random.default_rng(0).random((40, 56)) * 255).astype(np.uint8))
    r = CliRunner().invoke(cli, ["process", str(photo), "-o", str(tmp_path / "o.png"), "--weights", str(run / "generator_ema.safetensors"), "--device", "cpu"])
    assert r.exit_code == 0, r.output
    # fine-tuning a model without a head adds one (the rest loads; the head starts fresh)
    plain = tmp_path / "plain"
    assert train(plain, "--set", "model.widths=[8, 16, 32]", "--set", "stages.pretrain.steps=2", "--set", "stages.adversarial.steps=0",
                 "--set", "stages.temporal.steps=0").exit_code == 0
    res = train(tmp_path / "init", *CLASSES, "--set", "stages.pretrain.steps=2", "--init", str(plain / "generator_ema.safetensors"))
    assert res.exit_code == 0, res.output
    base, added = load_generator(plain / "generator_ema.safetensors"), load_generator(tmp_path / "init" / "generator_ema.safetensors")
    assert torch.equal(added.ab_classifier.bins, g.ab_classifier.bins)  # the data's classes, as in the first run
    assert added.config.ab_classes == g.config.ab_classes and base.ab_classifier is None
    # re-initialising from the run with a head keeps the data's bins (the loss decodes with them)
    res = train(tmp_path / "again", *CLASSES, "--set", "stages.pretrain.steps=1", "--init", str(run / "generator_ema.safetensors"))
    assert res.exit_code == 0, res.output
    assert torch.equal(load_generator(tmp_path / "again" / "generator_ema.safetensors").ab_classifier.bins, g.ab_classifier.bins)


def test_bad_class_settings_are_clean_errors(tmp_path):
    assert_clean_error(train(tmp_path / "a", "--set", "stages.pretrain.cls=-1"), "loss weights must be ≥ 0")
    assert_clean_error(train(tmp_path / "b", "--set", "losses.class_rebalance=2"), "losses.class_rebalance must be in [0, 1]")
    assert_clean_error(train(tmp_path / "c", "--set", "stages.pretrain.cls=1"), "needs ≥ 3 encoder levels")  # the tiny preset has 2


@pytest.mark.parametrize("setting, match", [
    ("log_every=0", "log_every must be ≥ 1"), ("stages.pretrain.betas=[2,3]", "betas must be two numbers"),
    ("model.d_base=0", "model.d_base"), ("model.d_scales=0", "model.d_scales"), ("threads=-1", "must be ≥ 0"),
])
def test_values_the_trainer_cannot_use_are_refused_up_front(tmp_path, setting, match):
    """Each used to pass the config check and fail in the trainer as an internal error, after the
    run folder was made."""
    assert_clean_error(train(tmp_path / "run", "--set", setting), match)
    assert not (tmp_path / "run").exists()


def test_config_files_that_are_not_utf8_or_indent_with_tabs(tmp_path):
    (tmp_path / "bin.yaml").write_bytes(b"\xff\xfe\x00")
    (tmp_path / "tabs.yaml").write_text("seed: 0\n\tlog_every: 5\n")
    for name, match in (("bin.yaml", "not UTF-8"), ("tabs.yaml", "line 2, column 1")):
        res = CliRunner().invoke(cli, ["train", "--config", str(tmp_path / name), "--out", str(tmp_path / "run")])
        assert_clean_error(res, match)
