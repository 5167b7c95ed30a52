"""``vidcolor eval --gray luma|lightness`` and ``--preserve``: the two ways a photo is turned gray."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from tests.photos import write_photos
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.evaluation import evaluate_images


@pytest.fixture
def ref(tmp_path):
    return write_photos(tmp_path / "ref", (40, 56), 9, seed=1, saturate=True)   # saturated blobs: where luma and L* disagree most


def _psnr(a, b):
    return 10 * np.log10(255.0**2 / np.mean((a.astype(float) - b.astype(float)) ** 2))


def test_luma_protocol_scores_the_pictures_pil_and_opencv_make(ref, tiny_weights):
    luma = evaluate_images(ref, weights=tiny_weights, semantic=False, gray_model="luma")
    light = evaluate_images(ref, weights=tiny_weights, semantic=False)
    assert luma["gray_model"] == "luma" and light["gray_model"] == "lightness" and luma["preserve"] == "luma"
    expect = []
    for p in sorted(ref.iterdir()):
        bgr = cv2.imread(str(p))
        expect.append(_psnr(np.dstack([cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)] * 3), bgr))   # OpenCV's gray as the baseline
    assert luma["mean"]["gray"]["psnr"] == pytest.approx(np.mean(expect), abs=0.05)
    assert abs(luma["mean"]["gray"]["psnr"] - light["mean"]["gray"]["psnr"]) > 0.2


@pytest.mark.parametrize("gray_model", ["luma", "lightness"])
def test_no_color_gives_the_gray_picture_back_when_the_kept_quantity_matches(ref, tiny_weights, gray_model):
    """At saturation 0 plain colorization keeping what the gray picture was made from returns that picture."""
    r = evaluate_images(ref, weights=tiny_weights, semantic=False, gray_model=gray_model, saturation=0.0,
                        preserve="luma" if gray_model == "luma" else "lightness")
    assert r["mean"]["none"]["psnr"] == pytest.approx(r["mean"]["gray"]["psnr"], abs=0.05)


def test_bad_gray_model_and_preserve(ref, tiny_weights, tmp_path):
    with pytest.raises(VidcolorError, match="unknown gray conversion 'rgb'"):
        evaluate_images(ref, weights=tiny_weights, semantic=False, gray_model="rgb")
    (tmp_path / "out").mkdir()
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--out", str(tmp_path / "out"), "--preserve", "lightness"])
    assert r.exit_code == 1 and r.output.startswith("Error: --preserve is only used to colorize photos now")
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--weights", str(tiny_weights), "--gray", "luma", "--no-semantic"])
    assert r.exit_code == 0 and "turned gray by luma" in r.output
    clip = tmp_path / "v.mp4"
    from tests.clips import make_clip

    make_clip(clip, n_frames=3)
    r = CliRunner().invoke(cli, ["eval", "--video", str(clip), "--gray", "luma"])
    assert r.exit_code == 1 and r.output.startswith("Error: --gray is about photos (--ref)")
