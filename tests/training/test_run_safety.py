"""A run folder's safety: one trainer per folder, --until honoured, --resume refused before any work
when the network differs, a run folder inside the data set left out of it, a full disk while
saving, damaged checkpoints, YAML 1.1 numbers, and float images in the training set."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.training.test_train import TINY, assert_clean_error, events, train
from vidcolor.training.config import load_config


def test_until_stops_at_a_stage_that_is_done_or_has_no_steps(tmp_path):
    run = tmp_path / "run"
    res = train(run, "--set", "stages.adversarial.steps=0", "--until", "adversarial")
    assert res.exit_code == 0, res.output
    assert {e.get("stage") for e in events(run) if e["event"] == "train"} == {"pretrain"}   # temporal was trained too
    res = train(run, "--resume", "--set", "stages.adversarial.steps=0", "--until", "pretrain")
    assert res.exit_code == 0, res.output
    assert {e.get("stage") for e in events(run) if e["event"] == "train"} == {"pretrain"}


def test_resume_with_another_network_or_styles_is_refused_before_any_work(tmp_path):
    run = tmp_path / "run"
    assert train(run, "--until", "pretrain").exit_code == 0
    before = (run / "config.yaml").read_text()
    res = train(run, "--resume", "--set", "data.styles=[none,oil]")
    assert_clean_error(res, "--resume: the config's styles (none, oil) differ from the checkpoint's (none, watercolor, cartoon)")
    res = train(run, "--resume", "--set", "model.d_base=16")
    assert_clean_error(res, "--resume: the config's network differs from the checkpoint's (model.d_base)")
    assert (run / "config.yaml").read_text() == before


def test_a_second_trainer_into_the_same_folder_fails_at_once(tmp_path):
    run = tmp_path / "run"
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from pathlib import Path; "
                               "from vidcolor.training.records import lock_run_dir; lock_run_dir(Path(sys.argv[1])); "
                               "print('held', flush=True); time.sleep(60)", str(run)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        res = train(run)
        assert_clean_error(res, f"run folder '{run}' is being used by another vidcolor train (pid {holder.pid})")
        assert not (run / "log.jsonl").exists()
    finally:
        holder.kill()
        holder.wait()
    assert train(run, "--until", "pretrain").exit_code == 0   # the kernel dropped the dead holder's lock


def test_the_users_config_is_never_the_run_record(tmp_path):
    run = tmp_path / "exp"
    run.mkdir()
    mine = run / "config.yaml"
    mine.write_text(Path(TINY).read_text())
    from click.testing import CliRunner

    from vidcolor.cli import cli

    res = CliRunner().invoke(cli, ["train", "--config", str(mine), "--out", str(run)])
    assert_clean_error(res, "is the run folder's own config.yaml")
    assert mine.read_text() == Path(TINY).read_text()


def test_yaml_1_1_numbers_in_e_notation_are_numbers():
    cfg = load_config(TINY, ["stages.pretrain.lr_g=1e-4", "stages.pretrain.steps=1e1"])
    assert cfg.stages.pretrain.lr_g == pytest.approx(1e-4) and cfg.stages.pretrain.steps == 10


def test_a_run_folder_inside_the_data_set_is_not_trained_on(tmp_path):
    import cv2

    data = tmp_path / "photos"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(10):
        cv2.imwrite(str(data / f"p{i}.png"), rng.integers(0, 255, (40, 48, 3), dtype=np.uint8))
    (data / "notes.jpg").write_text("not a photo")   # skipped, and named
    run = data / "runs" / "r"
    args = ["--set", "data.generate=0", "--set", f"data.images={data}"]
    assert train(run, *args, "--until", "pretrain").exit_code == 0
    assert train(run, *args, "--resume").exit_code == 0
    counts = [e["images"] + e["val_images"] for e in events(run) if e["event"] == "data"]
    assert counts == [10, 10], counts
    assert [e.get("skipped_files") for e in events(run) if e["event"] == "data"] == [[str(data / "notes.jpg")]] * 2
    assert all("runs" not in line for line in (run / "val_images.txt").read_text().splitlines())


def test_a_full_disk_while_saving_names_the_checkpoint_and_leaves_no_partial(tmp_path, monkeypatch):
    from vidcolor.training import checkpoint

    run = tmp_path / "run"
    assert train(run, "--until", "pretrain").exit_code == 0
    real = checkpoint.save_file

    def full(tensors, path, *a, **k):
        if "optimizer" in str(path):
            raise OSError(28, "No space left on device")
        return real(tensors, path, *a, **k)

    monkeypatch.setattr(checkpoint, "save_file", full)
    res = train(run, "--resume")
    assert_clean_error(res, "cannot save checkpoint")
    assert "No space left on device; the last complete checkpoint is 'step_0000012' (--resume continues from it)" in res.stderr
    assert not list((run / "checkpoints").glob(".*partial"))


def test_a_damaged_checkpoint_is_named_with_the_older_one(tmp_path):
    run = tmp_path / "run"
    assert train(run, "--set", "checkpoint_every=5", "--until", "pretrain").exit_code == 0
    newest = json.loads((run / "checkpoints" / "latest.json").read_text())["checkpoint"]
    (run / "checkpoints" / newest / "optimizer.safetensors").write_bytes(b"\x00" * 10)
    res = train(run, "--set", "checkpoint_every=5", "--resume")
    assert_clean_error(res, f"checkpoint '{newest}' is damaged (optimizer.safetensors: ")
    assert "the older checkpoint 'step_0000010' is beside it" in res.stderr


def test_float_images_train_as_what_they_show(tmp_path):
    import cv2

    from vidcolor.training.images import _read_rgb

    img = np.full((24, 32, 3), 0.6, np.float32)
    cv2.imwrite(str(tmp_path / "f.tif"), img)
    rgb = _read_rgb(tmp_path / "f.tif")
    assert rgb is not None and rgb.dtype == np.uint8 and abs(float(rgb.mean()) - 153) < 2   # was 0.6/255: black


def test_resume_with_other_settings_says_it_does_not_continue_exactly_and_bad_paths_make_no_folder(tmp_path):
    run = tmp_path / "run"
    assert train(run, "--until", "pretrain").exit_code == 0
    res = train(run, "--resume", "--set", "stages.adversarial.batch_size=2", "--until", "adversarial")
    assert res.exit_code == 0, res.output
    notes = [e["note"] for e in events(run) if e["event"] == "note"]
    assert notes and "(stages.adversarial.batch_size)" in notes[0] and "does not continue exactly" in notes[0]
    res = train(tmp_path / "new", "--set", "data.generate=0", "--set", f"data.images={tmp_path / 'nowhere'}")
    assert_clean_error(res, "data.images: data folder not found")
    assert not (tmp_path / "new").exists()
