"""VideoReader(start_pts=...): seek to the keyframe before, drop earlier frames, keep true indices."""

from __future__ import annotations

import numpy as np
import pytest

from tests.batch.conftest import make_gop_clip
from vidcolor.io.video import VideoReader


@pytest.mark.parametrize("ext", [".mp4", ".mkv", ".ts"])
def test_seek_yields_the_same_frames_as_a_full_read(tmp_path, ext):
    src = make_gop_clip(tmp_path / f"gop{ext}", n_frames=30)
    with VideoReader(src) as r:
        full = list(r.frames())
    for start in (0, 7, 10, 29):  # before/at a keyframe, the last frame
        with VideoReader(src, start_pts=full[start].pts, first_index=start) as r:
            part = list(r.frames())
            assert r.info.frame_count in (None, 30)
        assert [f.index for f in part] == list(range(start, 30))
        assert [f.pts for f in part] == [f.pts for f in full[start:]]
        assert all(np.array_equal(a.image, b.image) for a, b in zip(part, full[start:]))


def test_seek_past_the_end_yields_nothing_and_default_is_unchanged(tmp_path):
    src = make_gop_clip(tmp_path / "gop.mp4", n_frames=12)
    with VideoReader(src, start_pts=10**9) as r:
        assert list(r.frames()) == []
    with VideoReader(src) as r:
        assert [f.index for f in r.frames()] == list(range(12))


def test_seek_without_an_index_backs_off_instead_of_decoding_from_the_start(tmp_path, monkeypatch):
    import vidcolor.io.video as video

    src = make_gop_clip(tmp_path / "gop.ts", n_frames=200, keyint=24)  # MPEG-TS seeks land after the target
    with VideoReader(src) as r:
        full = list(r.frames())
    opened = []
    real = video._open_input
    monkeypatch.setattr(video, "_open_input", lambda p, name=None: opened.append(p) or real(p, name))
    with VideoReader(src, start_pts=full[170].pts, first_index=170) as r:
        assert [f.pts for f in r.frames()] == [f.pts for f in full[170:]]
    assert len(opened) == 1  # opened once: no fallback to a full decode
