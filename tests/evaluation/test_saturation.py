"""``vidcolor eval --saturation``: scores what ``vidcolor process --saturation S`` renders."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from tests.photos import write_photos
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.evaluation import evaluate_images


@pytest.fixture
def ref(tmp_path):
    return write_photos(tmp_path / "ref", (40, 56), 5, seed=0)


def test_saturation_scales_the_scored_colors(ref, tiny_weights):
    plain = evaluate_images(ref, weights=tiny_weights, semantic=False)
    more = evaluate_images(ref, weights=tiny_weights, semantic=False, saturation=2.0)
    gray = evaluate_images(ref, weights=tiny_weights, semantic=False, saturation=0.0)
    cf = [r["mean"]["none"]["colorfulness"] for r in (gray, plain, more)]
    assert cf[0] < 0.5 < cf[1] < cf[2], cf                         # 0 = gray, 2 = more colorful than 1
    assert more["saturation"] == 2.0 and "saturation" not in plain
    assert abs(gray["mean"]["none"]["psnr"] - gray["mean"]["gray"]["psnr"]) < 0.5  # saturation 0 renders the gray baseline


def test_saturation_needs_a_model_here(ref, tiny_weights, tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(VidcolorError, match="nor a saturation"):
        evaluate_images(ref, tmp_path / "out", semantic=False, saturation=1.2)
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--out", str(tmp_path / "out"), "--saturation", "1.2"])
    assert r.exit_code == 1 and r.output.startswith("Error: --saturation is only used to colorize photos now")
    r = CliRunner().invoke(cli, ["eval", "--ref", str(ref), "--weights", str(tiny_weights), "--saturation", "1.3", "--no-semantic", "--json"])
    assert r.exit_code == 0 and '"saturation": 1.3' in r.output
