"""Semantic check of ``vidcolor eval`` (Zhang et al. 2016): top-1/top-5 agreement of the EfficientNet-Lite2
ImageNet classifier between an original and a result, gray as the baseline; on by default when the
package is installed, a note (not an error) when it is not."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import pytest
import torch
from click.testing import CliRunner

from vidcolor import pretrained
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.evaluation import evaluate_images, write_report
from vidcolor.evaluation import semantic as sem

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = {"daisy.jpg": ROOT / "samples" / "photos" / "FreshFlower.jpg", "dog.jpg": ROOT / "tests" / "data" / "gcompris_dog.jpg"}


def needs_classifier() -> None:
    try:
        pretrained.locate(sem.CLASSIFIER)
    except VidcolorError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def no_classifier(monkeypatch, tmp_path):
    """The classifier's package looks uninstalled (and nothing was converted before)."""
    monkeypatch.setenv("VIDCOLOR_HOME", str(tmp_path / "home"))
    src = pretrained.SOURCES[sem.CLASSIFIER]
    monkeypatch.setitem(pretrained.SOURCES, sem.CLASSIFIER, dataclasses.replace(src, module="vidcolor_test_no_such_package"))


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    """Originals, and 'vidcolor process' results that are the originals themselves (perfect colorization)."""
    ref, out = tmp_path_factory.mktemp("ref"), tmp_path_factory.mktemp("out")
    for name, src in PHOTOS.items():
        shutil.copyfile(src, ref / name)
        shutil.copyfile(src, out / name.replace(".jpg", ".none.jpg"))
    return ref, out


@pytest.fixture(scope="module")
def checker():
    needs_classifier()
    return sem.SemanticChecker()


def test_agreement_definition():
    p_orig = torch.zeros(3, 1000)
    p_orig[:, 7] = 1.0
    p_out = torch.arange(1000.0).repeat(3, 1)  # top-1 999, top-5 995…999
    p_out[0, 7] = 5000.0                      # image 0: same top-1
    p_out[1, 7] = 997.5                       # image 1: 3rd, so top-5 only
    got = sem.agreement(p_orig, p_out)
    assert got["top1"] == [1.0, 0.0, 0.0] and got["top5"] == [1.0, 1.0, 0.0]
    assert got["label"] == [7, 7, 7] and got["pred"] == [7, 999, 999]


@pytest.mark.parametrize("h, w", [(192, 256), (300, 120), (17, 17)])
def test_center_crop_resize(h, w):
    x = torch.rand(2, 3, h, w)
    y = sem.center_crop_resize(x, 260)
    assert y.shape == (2, 3, 260, 260) and 0 <= y.min() and y.max() <= 1
    flat = sem.center_crop_resize(torch.full((1, 3, h, w), 0.25), 224)
    assert torch.allclose(flat, torch.full_like(flat, 0.25), atol=1e-6)


def test_classifier_names_known_photos(checker):
    from vidcolor.evaluation.evaluate import read_rgb

    probs = torch.cat([checker.probabilities(read_rgb(p)) for p in PHOTOS.values()])
    assert probs.shape == (2, 1000) and torch.allclose(probs.sum(1), torch.ones(2), atol=1e-4)
    assert probs.argmax(1).tolist() == [985, 235]  # daisy, German shepherd


def test_eval_reports_agreement_per_method(folders, checker, tmp_path):
    ref, out = folders
    res = evaluate_images(ref, out, semantic_checker=checker)
    assert res["semantic"] == {"classifier": "efficientnet_lite2", "input_size": 260} and res["notes"] == []
    assert sorted(im["imagenet_class"] for im in res["images"]) == [235, 985]
    assert res["mean"]["none"]["top1_agree"] == 1.0 and res["mean"]["none"]["top5_agree"] == 1.0  # the result is the original
    for im in res["images"]:
        for method in (im["gray"], im["styles"]["none"]):
            assert method["top1_agree"] in (0.0, 1.0) and method["top5_agree"] >= method["top1_agree"]
    assert 0.0 <= res["mean"]["gray"]["top1_agree"] <= res["mean"]["gray"]["top5_agree"] <= 1.0
    index = write_report(res, tmp_path / "rep")
    html = index.read_text(encoding="utf-8")
    assert "top-1 agree" in html and "gray top-1" in html and "Zhang et al. 2016" in html
    saved = json.loads((tmp_path / "rep" / "metrics.json").read_text(encoding="utf-8"))
    assert saved["images"]["mean"]["none"]["top5_agree"] == 1.0


def test_default_runs_it_when_installed(folders):
    needs_classifier()
    res = evaluate_images(*folders)
    assert res["semantic"] is not None and "top1_agree" in res["mean"]["gray"]


def test_no_semantic_skips_it(folders):
    res = evaluate_images(*folders, semantic=False)
    assert res["semantic"] is None and res["notes"] == [] and "top1_agree" not in res["mean"]["none"]


def test_missing_package_is_a_note_by_default(folders, no_classifier):
    res = evaluate_images(*folders)
    assert res["semantic"] is None and "top1_agree" not in res["mean"]["gray"]
    assert len(res["notes"]) == 1 and 'pip install "vidcolor[train]"' in res["notes"][0]


def test_asked_for_but_missing_is_an_error(folders, no_classifier):
    with pytest.raises(VidcolorError, match=r'pip install "vidcolor\[train\]"'):
        evaluate_images(*folders, semantic=True)


def test_cli(folders, no_classifier):
    ref, out = folders
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--out", str(out)])
    assert r.exit_code == 0, r.output
    notes = [line for line in r.output.splitlines() if "note:" in line]
    assert len(notes) == 1 and "vidcolor[train]" in notes[0]
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--out", str(out), "--no-semantic"])
    assert r.exit_code == 0 and "note:" not in r.output
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--out", str(out), "--semantic"])
    assert r.exit_code == 1 and r.output.startswith("Error: ") and "vidcolor[train]" in r.output


def test_cli_prints_agreement(folders):
    needs_classifier()
    r = CliRunner().invoke(cli, ["eval", "--ref", str(folders[0]), "--out", str(folders[1]), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["images"]["mean"]["none"]["top1_agree"] == 1.0
    r = CliRunner().invoke(cli, ["eval", "--ref", str(folders[0]), "--out", str(folders[1])])
    assert "top-1 agree" in r.output and "100.0%" in r.output
