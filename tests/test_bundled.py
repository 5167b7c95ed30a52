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


def _lumas(path, n):
    from vidcolor.io.video import VideoReader

    with VideoReader(path, fmt="gray") as r:
        return [f.image.astype(float) for f, _ in zip(r.frames(), range(n))]


def test_plain_colorization_gives_the_films_luma_back(tmp_path):
    """Turned gray again (the decoded Y plane), the colorized film is the input film: the colors
    only add chroma. Through lossless RGB (FFV1) exactly, through H.264 within its loss; a style
    repaints lightness and is not bound by it."""
    import numpy as np

    from vidcolor.color import LUMA_WEIGHTS
    from vidcolor.io.video import VideoReader
    from vidcolor.pipeline.engine import Colorizer
    from tests.clips import make_clip

    src = make_clip(tmp_path / "in.mp4", n_frames=4, size=(160, 120))
    col = Colorizer(None, device="cpu")
    lossless, lossy = tmp_path / "out.mkv", tmp_path / "out.mp4"
    process_video(src, lossless, colorizer=col, codec="ffv1")
    process_video(src, lossy, colorizer=col)
    y_in = _lumas(src, 4)
    with VideoReader(lossless, fmt="rgb24") as r:
        rgb = [f.image.astype(float) for f in r.frames()]
    assert len(rgb) == 4
    for y, img in zip(y_in, rgb):
        assert img.std(axis=2).mean() > 1.0   # colored
        assert (np.abs(img @ np.asarray(LUMA_WEIGHTS["bt601"]) - y) <= 1.0).mean() > 0.99
    for y, y_out in zip(y_in, _lumas(lossy, 4)):
        assert np.abs(y_out - y).mean() < 0.7   # L* kept instead: about 1.0 here
