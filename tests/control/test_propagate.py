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
    with pytest.raises(VidcolorError, match=r"beyond the end of the video \(\d+ frames: the last is \d+\)"):
        _plan(clip, [late], tmp_path / "x")
    by_time = _reference(0)
    by_time.frame, by_time.time, by_time.source = None, 0.41, "at 0.41s"   # frame 10 at 25 fps, as is ref10
    with pytest.raises(VidcolorError, match="two references land on frame 10: 'ref10' and 'at 0.41s'"):
        _plan(clip, [_reference(10), by_time], tmp_path / "y")


def test_lookahead_is_bounded(clip, tmp_path):
    plan = _plan(clip, [_reference(25)], tmp_path, span=5)
    assert min(plan.frames()) == 20 and max(plan.frames()) <= 29


def test_a_plan_reopens_from_its_folder(clip, tmp_path):
    from vidcolor.control.propagate import HintPlan

    plan = _plan(clip, [_reference(10)], tmp_path)
    again = HintPlan.load(tmp_path / "plan", (H, W))
    assert again.frames() == plan.frames()
    np.testing.assert_array_equal(again.hints(12), plan.hints(12))
    (k1, d1, m1, c1), = plan.controls(12)[1]
    (k2, d2, m2, c2), = again.controls(12)[1]
    assert (k1, d1) == (k2, d2) == (0, 2) and np.array_equal(m1, m2) and np.array_equal(c1, c2)
    assert again.span == plan.span == 300
    np.testing.assert_array_equal(again.reference(0), plan.reference(0))   # the full-size reference, for segment workers


def test_references_come_back_at_full_resolution(clip, tmp_path):
    """The network sees a reference at its working size; the composite puts the reference's own
    chroma back at full size through the composed flow: 2-px chroma checks on the still field
    survive 20 frames (a working-size copy cannot hold them) and the red square is followed."""
    from vidcolor.color import luma_lut
    from vidcolor.control.fullres import reference_chroma

    ab = rgb_to_ab(frame_rgb(0))
    checks = ((np.indices((H, W)).sum(0) // 2) % 2).astype(np.float32)
    still = np.zeros((H, W), bool)
    still[66:94, :] = True                                   # below the square's path: field only
    ab[..., 1] += 30 * checks * still
    ann = Annotation(0, None, ab, np.ones((H, W), np.float32), "ref0", dense=True)
    with VideoReader(clip, fmt="gray") as r:
        plan = plan_hints(r.frames(), [ann], (H // 2, W // 2), tmp_path / "plan", frame_count=r.info.frame_count, frame_period=0.04)
    with VideoReader(clip, fmt="gray") as r:
        grays = {f.index: f.image for f in r.frames() if f.index in (20, CUT + 1)}
    hints, dense = plan.controls(20)
    assert hints.shape == (3, H // 2, W // 2) and len(dense) == 1
    got, p = reference_chroma(plan, dense, luma_lut(8)[grays[20]])
    region = (slice(70, 90), slice(10, 150))
    assert p[region].mean() > 0.8
    assert np.abs(got[region] - ab[region]).mean() < 3.0     # the checks, pixel for pixel
    low = hints[:2] / np.maximum(hints[2:], 1e-6) * 110.0    # what the working size holds: the checks averaged away
    up = np.stack([np.kron(c, np.ones((2, 2))) for c in low], -1)
    assert np.abs(up[region][..., 1] - ab[region][..., 1]).mean() > 10
    assert plan.controls(CUT + 1) == (None, [])
    # the moving square, planned at the size this clip is rendered at (its own: smaller than the working size)
    plan = _plan(clip, [_reference(0)], tmp_path / "full")
    got, p = reference_chroma(plan, plan.controls(20)[1], luma_lut(8)[grays[20]])
    x = object_x(20)
    red_a = rgb_to_ab(np.array([215, 80, 80], np.uint8))[0]
    assert got[34:54, x + 4:x + 24, 0].mean() > 0.9 * red_a and p[34:54, x + 4:x + 24].mean() > 0.8
    assert got[34:54, x - 8:x - 2, 0].mean() < 0               # just behind it: the field again, not a red trail


def test_the_composite_fades_out_with_the_span_and_weighs_two_references(clip, tmp_path):
    """No jump where a carried reference ends: the composite fades over the last quarter of the
    span. Two references: the chroma is their weighted mean and so is the strength."""
    from vidcolor.color import luma_lut
    from vidcolor.control.fullres import reference_chroma

    with VideoReader(clip, fmt="gray") as r:
        grays = {f.index: luma_lut(8)[f.image] for f in r.frames()}
    plan = _plan(clip, [_reference(0)], tmp_path, span=20)
    strength = [float(reference_chroma(plan, plan.controls(i)[1], grays[i])[1][70:90, 10:150].mean()) if plan.controls(i)[1] else 0.0
                for i in range(12, 23)]
    assert strength[0] > 0.8 and strength[-1] == 0.0                   # frames 12 … 22: full, then gone
    assert max(abs(a - b) for a, b in zip(strength, strength[1:])) < 0.3  # in steps, not at once
    green = Annotation(5, None, np.tile(rgb_to_ab(np.array([0, 200, 0], np.uint8)), (H, W, 1)), np.ones((H, W), np.float32), "g", True)
    blue = Annotation(15, None, np.tile(rgb_to_ab(np.array([0, 0, 220], np.uint8)), (H, W, 1)), np.ones((H, W), np.float32), "b", True)
    plan = _plan(clip, [green, blue], tmp_path / "two")
    dense = plan.controls(13)[1]
    assert len(dense) == 2
    ab, p = reference_chroma(plan, dense, grays[13])
    g_ab, b_ab = green.ab[80, 80], blue.ab[80, 80]
    t = (ab[80, 80] - g_ab) @ (b_ab - g_ab) / ((b_ab - g_ab) @ (b_ab - g_ab))
    assert 0.6 < t <= 1.0 and p[80, 80] > 0.8                            # nearer (blue) dominates, both match well


def test_a_reference_on_every_frame_is_each_frame_alone(clip, tmp_path):
    """A reference's own frame is the artist's: the references of its neighbours, carried one frame
    (they weighed half of it), are left out there, in the hints and in the composite; point hints
    carried onto it stay. Between references the blend by distance is unchanged."""
    from vidcolor.color import luma_lut
    from vidcolor.control.fullres import reference_chroma

    with VideoReader(clip, fmt="gray") as r:
        grays = {f.index: luma_lut(8)[f.image] for f in r.frames()}

    def flat(frame, rgb, dense=True):
        return Annotation(frame, None, np.tile(rgb_to_ab(np.array(rgb, np.uint8)), (H, W, 1)), np.ones((H, W), np.float32), f"{rgb}", dense)

    green, blue = flat(10, (0, 200, 0)), flat(11, (0, 0, 220))
    point = Annotation(9, None, np.zeros((H, W, 2), np.float32), np.zeros((H, W), np.float32), "p")
    point.ab[5:8, 5:8], point.conf[5:8, 5:8] = rgb_to_ab(np.array([200, 0, 0], np.uint8)), 1.0
    plan = _plan(clip, [green, blue, point], tmp_path)
    for frame, own in ((10, green), (11, blue)):
        hints, dense = plan.controls(frame)
        assert [d[1] for d in dense] == [0]
        ab, _ = _ab(plan, frame)
        np.testing.assert_allclose(ab[:, 60, 100], own.ab[60, 100], atol=0.5)
        chroma, p = reference_chroma(plan, dense, grays[frame])
        np.testing.assert_allclose(chroma[60, 100], own.ab[60, 100], atol=0.5)
    assert _ab(plan, 10)[1][6, 6] > 0.5                                   # the point, carried from frame 9
    assert len(plan.controls(9)[1]) == 2                                  # frame 9 blends both by distance


def test_max_frames_ends_the_forward_carry_but_not_the_reach_back(clip, tmp_path):
    """Rendering only the first frames (a preview): the planning pass carries no further forward,
    yet still reads on to a later reference, whose color reaches back into those frames."""
    with VideoReader(clip, fmt="gray") as r:
        plan = plan_hints(r.frames(), [_reference(0)], (H, W), tmp_path / "a", frame_count=r.info.frame_count, frame_period=0.04, max_frames=8)
    assert max(plan.frames()) == 7 and plan.hints(5) is not None
    with VideoReader(clip, fmt="gray") as r:
        plan = plan_hints(r.frames(), [_reference(20)], (H, W), tmp_path / "b", frame_count=r.info.frame_count, frame_period=0.04, max_frames=8)
    assert plan.hints(3) is not None and plan.hints(21) is None


def test_a_time_lands_on_the_nearest_frame_of_a_variable_rate_film(tmp_path):
    from tests.clips import make_clip, vfr_pts

    clip = make_clip(tmp_path / "vfr.mp4", n_frames=8, vfr=True, gray=True)   # frames at 0, 40, 120, 160, 280 ms, …
    assert [vfr_pts(i) for i in range(5)] == [0, 40, 120, 160, 280]

    def landing(seconds):
        a = Annotation(None, seconds, np.zeros((48, 64, 2), np.float32), np.ones((48, 64), np.float32), source="h")
        with VideoReader(clip, fmt="gray") as r:
            period = float(1 / r.info.frame_rate)   # the mean rate's: 68 ms, wider than the 40-ms steps
            plan_hints(r.frames(), [a], (48, 64), tmp_path / f"p{seconds}", frame_count=8, frame_period=period)
        return a.frame

    # 0.2 s is 40 ms after the frame at 160 ms and 80 ms before the next (was: the one at 280 ms)
    assert [landing(t) for t in (0.0, 0.075, 0.08, 0.1, 0.2, 0.23)] == [0, 1, 1, 2, 3, 4]
    last, step = vfr_pts(7) / 1000, (vfr_pts(7) - vfr_pts(6)) / 1000
    # the last frame is shown until the film ends, one step after it (a player's end time lands on it)
    assert landing(last) == landing(last + step / 2 + 0.01) == landing(last + step) == 7
    with pytest.raises(VidcolorError, match="beyond the end"):
        landing(last + step + 0.01)


def test_shot_list_of_a_variable_rate_film_ends_one_step_after_its_last_frame(tmp_path):
    """shots.csv's end time: the last frame lasts as long as the step before it (the average rate's
    period put the end of a variable-rate film elsewhere)."""
    from tests.clips import make_clip, vfr_pts
    from vidcolor.control.keyframes import find_shots

    clip = make_clip(tmp_path / "vfr.mp4", n_frames=8, vfr=True, gray=True)
    starts, n, end = find_shots(clip, lambda h, w: (h, w))
    assert n == 8 and starts[0] == (0, 0.0)
    assert end == pytest.approx((vfr_pts(7) + vfr_pts(7) - vfr_pts(6)) / 1000, abs=1e-6)
