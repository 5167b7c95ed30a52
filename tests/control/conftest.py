"""Clips with a moving textured object and a scene cut, written with PyAV; a tiny hint-capable model."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
import torch

W, H = 160, 96
SQUARE = 28
CUT = 30


def object_x(i: int) -> int:
    return 20 + 2 * i


def frame_rgb(i: int, cut: int | None = CUT) -> np.ndarray:
    """Shot 1: a textured red square moving right over a textured green field; after ``cut``: a
    different (blue-gray, striped) shot with no square."""
    rng = np.random.default_rng(7)
    tex = rng.integers(0, 40, (H, W), dtype=np.int64)
    if cut is not None and i >= cut:   # another shot: its own grain, not shot 1's (a cut shares no pixels)
        img = np.zeros((H, W, 3), np.int64)
        img[:] = (150, 160, 190)
        img[:, ::8] = (60, 60, 90)
        return np.clip(img + np.random.default_rng(8).integers(0, 40, (H, W), dtype=np.int64)[..., None] // 2, 0, 255).astype(np.uint8)
    img = np.zeros((H, W, 3), np.int64)
    img[:] = (40, 110, 40)
    img += tex[..., None] // 2
    x = object_x(i)
    sq = rng.integers(0, 60, (SQUARE, SQUARE), dtype=np.int64)
    img[30:30 + SQUARE, x:x + SQUARE] = np.stack([200 + sq // 2, 70 + sq // 3, 70 + sq // 3], -1)  # brighter than the field
    return np.clip(img, 0, 255).astype(np.uint8)


def write_clip(path: Path, n: int = 50, cut: int | None = CUT, gray: bool = True, start_pts: int = 0,
               sar: Fraction | None = None) -> Path:
    """``n`` frames at 25 fps; ``start_pts``: the first frame's pts in 1/25 s (MPEG-TS captures and
    stream-copied cuts start at 10 s or later, not 0); ``sar``: the sample aspect ratio (anamorphic)."""
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        s.options = {"crf": "12"}
        if sar:
            s.codec_context.sample_aspect_ratio = sar
        s.codec_context.gop_size = 10  # keyframes every 10 frames: segments can start mid-shot
        for i in range(n):
            img = frame_rgb(i, cut)
            if gray:
                g = (0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]).astype(np.uint8)
                img = np.repeat(g[..., None], 3, axis=2)
            frame = av.VideoFrame.from_ndarray(img, format="rgb24")
            if start_pts:
                frame.pts, frame.time_base = start_pts + i, Fraction(1, 25)
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)
    return path


@pytest.fixture
def clip(tmp_path) -> Path:
    return write_clip(tmp_path / "clip.mp4")


@pytest.fixture(scope="session")
def tiny_hint_weights(tmp_path_factory) -> Path:
    from vidcolor.models import Generator, save_generator
    from vidcolor.models.config import preset

    torch.manual_seed(0)
    g = Generator(preset("tiny_hints"))
    with torch.no_grad():  # make the hint paths matter (they are zero-initialised for training)
        for name, p in g.named_parameters():
            if "hint" in name or "head" in name or "refine" in name:
                p.normal_(0, 0.3)
    path = tmp_path_factory.mktemp("w") / "tiny_hints.safetensors"
    save_generator(g, path)
    return path
