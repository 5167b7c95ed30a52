"""The planning pass on real PyAV clips with real DIS flow: colors follow motion, cuts stop them."""

from __future__ import annotations

import numpy as np
import pytest

from vidcolor.control.hints_io import Annotation, rgb_to_ab
from vidcolor.control.propagate import plan_hints
from vidcolor.errors import VidcolorError
from vidcolor.io.video import VideoReader

from .conftest import CUT, H, SQUARE, W, frame_rgb, object_x


def _reference(i: int) -> Annotation:
    rgb = frame_rgb(i)
    return Annotation(i, None, rgb_to_ab(rgb), np.ones((H, W), np.float32), source=f"ref{i}", dense=True)


def _plan(clip, anns, tmp_path, span=300):
    with VideoReader(clip, fmt="gray") as r:
        return plan_hints(r.frames(), anns, (H, W), tmp_path / "plan", frame_count=r.info.frame_count, span=span, frame_period=0.04)


def _ab(plan, i):
    m = plan.hints(i)
    conf = m[2]
    ab = m[:2] / np.maximum(conf, 1e-6) * 110.0
    return ab, conf


def test_reference_color_follows_the_moving_object_and_stops_at_the_cut(clip, tmp_path):
    plan = _plan(clip, [_reference(0)], tmp_path)
    assert plan.cuts == [CUT]
    red_a = rgb_to_ab(np.array([215, 80, 80], np.uint8))[0]
    for i in (5, 15, 25):
        ab, conf = _ab(plan, i)
        x = object_x(i) + SQUARE // 2
        assert conf[30 + SQUARE // 2, x] > 0.3, i
        assert ab[0, 30 + SQUARE // 2, x] > 0.6 * red_a, i            # red where the square is now
        old = (30 + SQUARE // 2, object_x(0) + 4)                           # where it was: uncovered field
        assert conf[old] < 0.3 or ab[(0,) + old] < 0.3 * red_a, i
    assert all(plan.hints(i) is None for i in range(CUT, 50))           # nothing after the cut


def test_backward_propagation_within_the_shot_and_blending(clip, tmp_path):
    plan = _plan(clip, [_reference(20)], tmp_path)
    ab, conf = _ab(plan, 5)
    assert conf[30 + SQUARE // 2, object_x(5) + SQUARE // 2] > 0.3
    assert ab[0, 30 + SQUARE // 2, object_x(5) + SQUARE // 2] > 30
    assert plan.hints(0) is not None and plan.hints(CUT) is None
    # two references of one shot: the nearer one dominates
    green = Annotation(10, None, np.tile(rgb_to_ab(np.array([0, 200, 0], np.uint8)), (H, W, 1)), np.ones((H, W), np.float32), "g", True)
    blue = Annotation(28, None, np.tile(rgb_to_ab(np.array([0, 0, 220], np.uint8)), (H, W, 1)), np.ones((H, W), np.float32), "b", True)
    plan = _plan(clip, [green, blue], tmp_path / "2")
    near_green, _ = _ab(plan, 12)
    near_blue, _ = _ab(plan, 26)
    assert near_green[0, 70, 120] < near_blue[0, 70, 120] and near_green[1, 70, 120] > near_blue[1, 70, 120]


def test_times_and_frames_beyond_the_end(clip, tmp_path):
    a = _reference(0)
    a.frame, a.time = None, 0.4
    plan = _plan(clip, [a], tmp_path)
    assert 10 in plan.annotated
    late = _reference(0)
    late.frame = 500
    with pytest.raises(VidcolorError, match="beyond the end"):
        _plan(clip, [late], tmp_path / "x")


def test_lookahead_is_bounded(clip, tmp_path):
    plan = _plan(clip, [_reference(25)], tmp_path, span=5)
    assert min(plan.frames()) == 20 and max(plan.frames()) <= 29


def test_a_plan_reopens_from_its_folder(clip, tmp_path):
    from vidcolor.control.propagate import HintPlan

    plan = _plan(clip, [_reference(10)], tmp_path)
    again = HintPlan.load(tmp_path / "plan", (H, W))
    assert again.frames() == plan.frames()
    np.testing.assert_array_equal(again.hints(12), plan.hints(12))
