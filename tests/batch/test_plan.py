"""Keyframe scan and segment planning."""

from __future__ import annotations

from fractions import Fraction

import pytest

from tests.batch.conftest import KEYINT, N_FRAMES, SEGMENT_SECONDS
from tests.clips import make_clip
from vidcolor.batch.plan import KeyframeIndex, plan_segments, scan_keyframes


def test_scan_finds_every_frame_and_keyframe(gop_clip):
    index = scan_keyframes(gop_clip)
    assert len(index.pts) == N_FRAMES
    assert index.keyframes == tuple(range(0, N_FRAMES, KEYINT))
    assert list(index.pts) == sorted(index.pts) and index.time_base == Fraction(1, 24000)


def test_plan_cuts_at_keyframes_with_warmup(gop_clip):
    segs = plan_segments(scan_keyframes(gop_clip), SEGMENT_SECONDS, warmup=4)
    assert [(s.start_frame, s.end_frame) for s in segs] == [(0, 10), (10, 20), (20, 30), (30, 40)]
    assert [s.warm_frame for s in segs] == [0, 6, 16, 26]
    assert segs[-1].end_pts is None and segs[0].end_pts == segs[1].start_pts
    assert sum(s.frames for s in segs) == N_FRAMES


def test_plan_lengths_and_short_tail():
    index = KeyframeIndex(Fraction(1, 25), tuple(range(80)), tuple(range(0, 80, 5)))  # 3.2 s, keyframe every 0.2 s
    assert [s.start_frame for s in plan_segments(index, 1.0, 0)] == [0, 25, 50]  # a 0.2 s tail at 75 is merged
    assert [s.start_frame for s in plan_segments(index, 0.9, 0)] == [0, 25, 50]  # first keyframe after 0.9 s
    assert len(plan_segments(index, 60.0, 8)) == 1
    with pytest.raises(ValueError):
        plan_segments(index, 0, 8)


def test_unplannable_file_is_one_segment(tmp_path):
    assert [s.start_pts for s in plan_segments(None, 60, 8)] == [None]
    # a file with one keyframe only: one segment whatever the length asked for
    one = make_clip(tmp_path / "one.mp4", n_frames=12)
    segs = plan_segments(scan_keyframes(one), 0.1, 8)
    assert [(s.start_frame, s.end_frame) for s in segs] == [(0, 12)]
