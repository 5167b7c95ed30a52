"""The weights shipped in the package: they load, know every built-in style, and run on the sample."""

from __future__ import annotations

from pathlib import Path

import av

from vidcolor.models import load_generator, weights_info
from vidcolor.pipeline.engine import bundled_weights
from vidcolor.process import process_video
from vidcolor.styles import BUILTIN_STYLES

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "sample.mp4"


def test_bundled_weights_are_a_real_trained_model():
    path = bundled_weights()
    assert path.is_file() and path.stat().st_size < 25 * 2**20
    g = load_generator(path)
    assert g.styles == BUILTIN_STYLES
    info = weights_info(path)
    assert info.get("complete") is True and info["global_step"] > 1000


def test_bundled_model_runs_on_the_sample_from_any_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "s.mp4"
    res = process_video(SAMPLE, out, "watercolor", device="cpu", max_frames=6)
    assert res.frames == 6
    with av.open(str(out)) as c:
        assert len(c.streams.audio) == 1 and c.streams.video[0].width == 640
