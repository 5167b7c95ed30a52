"""The reference composite's temporal smoothing (vidcolor.control.fullres.DecisionSmoother, CompositeSmoother)."""

from __future__ import annotations

import numpy as np

from vidcolor.control.fullres import CompositeSmoother, Decision, DecisionSmoother
from vidcolor.flow.dis import pixel_grid

H, W = 24, 32


def _decision(still: np.ndarray, p: np.ndarray, key: int = 0) -> Decision:
    return Decision(key, 3, np.zeros((H, W, 2), np.float32), still.astype(np.float32), p.astype(np.float32))


def _motion(dx: float = 0.0, conf: float = 1.0):
    xs, ys = pixel_grid(H, W)
    return xs - dx, ys.copy(), np.full((H, W), conf, np.float32)   # current pixel x came from x − dx


def test_a_tie_between_the_candidates_no_longer_switches_every_frame():
    sm = DecisionSmoother(0.85)
    outs = []
    for t in range(30):
        flip = np.full((H, W), float(t % 2))
        (d,) = sm([_decision(flip, np.ones((H, W)))], _motion() if t else None)
        outs.append(float(d.still.mean()))
    steps = [abs(a - b) for a, b in zip(outs[10:], outs[11:])]
    assert max(steps) < 0.2          # unsmoothed: 1.0 every frame
    assert 0.3 < outs[-1] < 0.7


def test_state_follows_the_motion_and_stops_where_confidence_does():
    sm = DecisionSmoother(0.85)
    blob = np.zeros((H, W))
    blob[8:16, 8:16] = 1
    sm([_decision(blob, blob)], None)
    (d,) = sm([_decision(np.zeros((H, W)), np.zeros((H, W)))], _motion(dx=4))
    assert d.p[8:16, 12:20].mean() > 0.8 and d.p[8:16, 4:8].max() < 1e-6    # carried 4 px to the right
    sm.reset()
    sm([_decision(blob, blob)], None)
    (d,) = sm([_decision(np.zeros((H, W)), np.zeros((H, W)))], _motion(conf=0.0))
    assert d.p.max() == 0.0                                                   # occluded: the new decision


def test_no_motion_no_history_and_other_references_are_left_alone():
    sm = DecisionSmoother(0.85)
    ones = np.ones((H, W))
    sm([_decision(ones, ones, key=0)], None)
    (d,) = sm([_decision(np.zeros((H, W)), np.zeros((H, W)), key=1)], _motion())   # another reference: no history
    assert d.p.max() == 0.0
    (d,) = sm([_decision(ones, ones, key=1)], None)                              # no motion (first frame, a cut)
    assert d.p.min() == 1.0


def _edge_chroma(x0: float, scale: int = 1) -> np.ndarray:
    """Full-size ``(H·s, W·s, 2)`` chroma: a = 40 left of column ``x0`` (in working pixels), 0 right of it."""
    xs, _ = pixel_grid(H * scale, W * scale)
    a = np.where(xs < x0 * scale, 40.0, 0.0).astype(np.float32)
    return np.dstack([a, np.zeros_like(a)]).astype(np.float32)


def test_a_jittering_composite_is_held_along_the_motion_at_full_size():
    """A still scene whose composited chroma edge jumps by a full-size pixel every frame (the
    reference sampled through noisy composed flow) changes far less from frame to frame once
    smoothed; working-size motion (scale 3) is upsampled to the full size."""
    sm = CompositeSmoother(0.85)
    ones = np.ones((H * 3, W * 3), np.float32)
    outs = [sm(_edge_chroma(16 + (t % 2) / 3, scale=3), ones, _motion() if t else None, t) for t in range(20)]
    raw = np.abs(_edge_chroma(16, 3) - _edge_chroma(16 + 1 / 3, 3)).mean()
    steps = [np.abs(a - b).mean() for a, b in zip(outs[10:], outs[11:])]
    assert max(steps) < 0.3 * raw
    assert outs[0].shape == (H * 3, W * 3, 2) and outs[-1].dtype == np.float32


def test_the_smoothed_chroma_follows_the_motion_and_restarts_where_it_must():
    sm = CompositeSmoother(0.85)
    p = np.ones((H * 2, W * 2), np.float32)
    sm(_edge_chroma(10, 2), p, None, 0)
    out = sm(_edge_chroma(14, 2), p, _motion(dx=4), 1)        # the edge moved 4 working px (8 full-size px) right
    assert np.abs(out - _edge_chroma(14, 2)).max() < 1e-3   # carried along: nothing left behind at the old edge
    new = _edge_chroma(20, 2)
    assert np.allclose(sm(new, p, _motion(conf=0.0), 2), new, atol=1e-3)   # occluded / mismatched: the new composite
    sm(_edge_chroma(10, 2), p, None, 3)
    assert np.array_equal(sm(new, p, _motion(), 5), new)             # a gap in frame indices: no history
    sm(_edge_chroma(10, 2), p, None, 6)
    sm.reset()
    assert np.array_equal(sm(new, p, _motion(), 7), new)             # reset (a frame without references)
    sm(_edge_chroma(10, 2), p, None, 8)
    assert np.array_equal(sm(new, p, _motion(), 9, exact=True), new)  # a reference's own frame: as the artist gave it
    nxt = sm(_edge_chroma(20, 2), p, _motion(), 10)
    assert np.abs(nxt - new).max() < 1e-3                              # ...and the smoothing restarts from it


def test_only_the_composited_chroma_is_smoothed():
    """Where the composite's strength p is 0 the network's chroma (already stabilized) passes
    unchanged — no second average that would lag and then jump where the references end; where
    p = 1 it is averaged, in between by p."""
    sm = CompositeSmoother(0.85)
    p = np.zeros((H, W), np.float32)
    p[:, W // 2:] = 1.0
    for t in range(30):
        out = sm(np.full((H, W, 2), float(t), np.float32), p, _motion() if t else None, t)
    assert np.allclose(out[:, : W // 2], 29.0, atol=1e-3)      # p = 0: today's chroma, no lag
    assert out[:, W // 2:].max() < 29.0 - 3.0                  # p = 1: a moving average of a ramp lags it


def test_a_segment_warm_up_with_references_settles_both_averages():
    """The smoothed composite averages the stabilizer's output, itself an average: an earlier state
    (a single pass's history that a segment's warm-up lacks) fades as βⁿ·(1 + n·(1−β)), not βⁿ.
    Real stabilizer and smoother on a still frame whose colors change (100 → 0) where a segment
    would start warming up: the default warm-up with references leaves under 2.1 % of the step,
    the 24 frames of the stabilizer alone about 8 %."""
    from vidcolor.batch.segments import DEFAULT_WARMUP, default_warmup
    from vidcolor.pipeline.stabilize import TemporalStabilizer

    warm = default_warmup("none", references=True)
    assert warm == CompositeSmoother().settle_frames() > DEFAULT_WARMUP == default_warmup("none")
    assert default_warmup("watercolor", references=True) == default_warmup("watercolor")   # a style composites nothing
    assert default_warmup("none", temporal=False, references=True) == DEFAULT_WARMUP
    gray = np.random.default_rng(0).uniform(0.2, 0.8, (H, W)).astype(np.float32)
    gray_u8 = (gray * 255).astype(np.uint8)
    stabilizer, smoother = TemporalStabilizer(), CompositeSmoother()
    ones = np.ones((H, W), np.float32)
    left = []
    for t in range(10 + warm + 1):
        lab = np.dstack([gray * 100, np.full((H, W, 2), 100.0 if t < 10 else 0.0)]).astype(np.float32)
        ab = stabilizer(gray_u8, gray, lab, 0)[..., 1:]
        left.append(float(smoother(np.ascontiguousarray(ab), ones, stabilizer.motion, t).max()))
    assert left[10 + warm] < 2.1 < left[10 + DEFAULT_WARMUP]
    assert left[10 + DEFAULT_WARMUP] > 6.0


def test_the_robust_weight_smooths_jitter_and_follows_a_real_change(monkeypatch):
    """COMPOSITE_ROBUST (off in the shipped settings): a change of a few ab units is averaged, one of
    many units (a new object) is taken at once."""
    import vidcolor.control.fullres as fr

    monkeypatch.setattr(fr, "COMPOSITE_ROBUST", 4.0)
    p = np.ones((H, W), np.float32)
    base = np.zeros((H, W, 2), np.float32)
    for delta, kept in ((2.0, (0.05, 0.6)), (30.0, (0.99, 1.0))):
        sm = CompositeSmoother(0.85)
        sm(base, p, None, 0)
        out = sm(base + np.float32(delta), p, _motion(), 1)
        share = float(out[..., 0].mean()) / delta     # how much of the change came through
        assert kept[0] <= share <= kept[1], (delta, share)


def test_the_full_size_lightness_test_when_on_keeps_a_thin_line_where_the_film_shows_it(tmp_path, monkeypatch):
    """Burned-in text or a thin colored line in the reference (2 px, darker than the wall): the
    working-size test cannot see it, so its red is painted on where the frame shows bare wall.
    FULL_RADIUS (off as shipped: it cost PSNR on held-out clips) repeats the test at full size."""
    from vidcolor.control import fullres
    from vidcolor.control.fullres import composite
    from vidcolor.control.hints_io import Annotation
    from vidcolor.control.propagate import HintPlan

    monkeypatch.setattr(fullres, "FULL_RADIUS", 1)
    Hf, Wf = H * 4, W * 4
    ref_l = np.full((Hf, Wf), 0.7, np.float32)
    ref_l[40:42, 20:100] = 0.45                           # the line, 2 full-size pixels high
    ref_ab = np.zeros((Hf, Wf, 2), np.float32)
    ref_ab[40:42, 20:100] = (60.0, 45.0)                  # red
    plan = HintPlan(tmp_path, (H, W))
    plan._save_reference(0, Annotation(0, None, ref_ab, np.ones((Hf, Wf), np.float32), dense=True), ref_l)
    d = Decision(0, 5, np.zeros((H, W, 2), np.float32), np.ones((H, W), np.float32), np.ones((H, W), np.float32))
    net = np.zeros((Hf, Wf, 2), np.float32)
    bare = np.full((Hf, Wf), 0.7, np.float32)             # the line is gone from this frame
    _, p_old = composite(net, plan, [d], strength=True)   # without the frame's full-size lightness: as before
    out, p = composite(net, plan, [d], strength=True, lum=bare)
    assert p_old[40:42, 30:90].min() > 0.99                # painted at full strength before
    assert np.abs(out[40:42, 30:90]).max() < 0.15 * 60.0   # now about an eighth of it (3×3 window, 2 of 3 rows)
    shown = bare.copy()
    shown[40:42, 20:100] = 0.45                           # still there: painted as the artist colored it
    out, p = composite(net, plan, [d], strength=True, lum=shown)
    assert p[40:42, 30:90].min() > 0.99 and np.allclose(out[40:42, 30:90], (60.0, 45.0), atol=0.5)
    assert p[10:30].min() > 0.99                          # the bare wall matches everywhere else
