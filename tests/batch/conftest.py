"""Clips with short GOPs (keyframes every ``keyint`` frames), so a 40-frame film has several segments.

The clips are lossless H.264 (CRF 0): a lossy source looks different on its keyframes (which is
where segments join), and that would hide what the join tests look for."""

from __future__ import annotations

from unittest import mock

import av
import numpy as np
import pytest

from tests import clips

#: 40 frames at 24000/1001 fps with a keyframe every 10: segments of 0.4 s cut at frames 10, 20, 30.
N_FRAMES, KEYINT, SEGMENT_SECONDS = 40, 10, 0.4
JOINS = (10, 20, 30)


def make_gop_clip(path, keyint: int = KEYINT, **kwargs):
    """:func:`tests.clips.make_clip` with x264 keyframes exactly every ``keyint`` frames and B-frames."""
    opts = {"preset": "veryfast", "crf": "0", "x264-params": f"keyint={keyint}:min-keyint={keyint}:scenecut=0:log-level=error"}
    with mock.patch.dict(clips._VIDEO_CODECS, {"h264": ("libx264", "yuv420p", opts)}):
        return clips.make_clip(path, **kwargs)


@pytest.fixture(scope="session")
def gop_clip(tmp_path_factory):
    """mp4, 40 frames 64×48, two AAC tracks. Read-only: tests write their outputs elsewhere."""
    return make_gop_clip(tmp_path_factory.mktemp("clips") / "film.mp4", n_frames=N_FRAMES, audio="aac", audio_tracks=2)


def video_pts(path) -> list[int]:
    with av.open(str(path)) as c:
        return [f.pts for f in c.decode(video=0)]


def decoded(path) -> list[tuple[float, np.ndarray]]:
    """(time in s, RGB uint8) of every frame."""
    with av.open(str(path)) as c:
        return [(float(f.pts * f.time_base), f.to_ndarray(format="rgb24")) for f in c.decode(video=0)]


def audio_packets(path) -> list[list[tuple[int, bytes]]]:
    """Per audio track: (pts, payload) of every packet."""
    with av.open(str(path)) as c:
        tracks = list(c.streams.audio)
        out = {s.index: [] for s in tracks}
        for p in c.demux(tracks):
            if p.size:
                out[p.stream.index].append((p.pts, bytes(p)))
    return list(out.values())
