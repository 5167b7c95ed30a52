"""Test data for the training tests: a textured clip panning at a known speed, and small image sets."""

from __future__ import annotations

from pathlib import Path

import av
import cv2
import numpy as np

from vidcolor.training.images import CachedImage, build_cache


def pan_frame(i: int, size: tuple[int, int] = (64, 48), v: tuple[int, int] = (2, 1)) -> np.ndarray:
    """Frame ``i`` (uint8 RGB, ``size = (W, H)``) of a smooth texture moving ``v`` pixels per frame,
    so ``I_t(x) = I_{t−1}(x − v)``: ``flow_{t→t−1} = −v`` and ``flow_{t→t+1} = +v`` everywhere."""
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    x, y = xx - v[0] * i, yy - v[1] * i
    rgb = np.stack([0.5 + 0.35 * np.sin(x / 5.0 + 0.3) * np.cos(y / 7.0),
                    0.5 + 0.3 * np.sin((x + y) / 6.0),
                    0.5 + 0.3 * np.cos(x / 9.0 - y / 4.0)], axis=-1)
    return (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)


def write_pan_clip(path: str | Path, n_frames: int = 12, size: tuple[int, int] = (64, 48), v: tuple[int, int] = (2, 1)) -> Path:
    """Losslessly encoded (FFV1, 4:4:4) panning clip; the extension picks the container."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as out:
        stream = out.add_stream("ffv1", rate=24)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv444p"
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(pan_frame(i, size, v), format="rgb24")
            frame = frame.reformat(format="yuv444p", dst_colorspace="ITU601", dst_color_range="MPEG")
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    return path


def smooth_image(h: int = 64, w: int = 80) -> np.ndarray:
    """A smooth colour image (uint8 RGB): bilinear resampling of it is nearly exact."""
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    rgb = np.stack([0.5 + 0.35 * np.sin(xx / 7 + yy / 11), 0.5 + 0.35 * np.cos(yy / 6 - xx / 13), 0.5 + 0.3 * np.sin((xx + yy) / 9)], -1)
    return (rgb * 255 + 0.5).astype(np.uint8)


def cached_smooth_image(folder: Path, teach_size: int = 48) -> list[CachedImage]:
    folder.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(folder / "smooth.png"), cv2.cvtColor(smooth_image(), cv2.COLOR_RGB2BGR))
    entries, skipped = build_cache([folder / "smooth.png"], ("none",), teach_size, folder / "cache")
    assert skipped == 0
    return entries
