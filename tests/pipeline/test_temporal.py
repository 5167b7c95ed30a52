"""Flow-guided stabilization and scene cuts."""

from __future__ import annotations

from fractions import Fraction

import av
import cv2
import numpy as np

from vidcolor.pipeline.scenes import SceneDetector, write_cut_list
from vidcolor.pipeline.stabilize import TemporalStabilizer


def _texture(h, w, seed=0, sigma=2.0):
    rng = np.random.default_rng(seed)
    t = cv2.GaussianBlur(rng.random((h, w)).astype(np.float32), (0, 0), sigma)
    return (t - t.min()) / (t.max() - t.min())


def _shift(img, dx):
    return np.roll(img, dx, axis=1)


def test_stabilizer_reduces_flicker_on_a_pan():
    h, w = 64, 96
    base = _texture(h, w + 40)
    chroma = np.dstack([_texture(h, w + 40, 1) * 40 - 20, _texture(h, w + 40, 2) * 40 - 20]).astype(np.float32)
    rng = np.random.default_rng(3)
    stab = TemporalStabilizer()
    raw_err, stab_err = [], []
    prev_raw = prev_stab = None
    for t in range(10):
        g = np.ascontiguousarray(base[:, 2 * t:2 * t + w])
        ab = chroma[:, 2 * t:2 * t + w] + rng.normal(0, 6, (h, w, 2)).astype(np.float32)  # flickering prediction
        lab = np.dstack([g * 100, ab]).astype(np.float32)
        out = stab((g * 255).astype(np.uint8), g, lab, 0)
        assert np.array_equal(out[..., 0], lab[..., 0])  # plain colorization: L untouched
        if prev_raw is not None:
            # compare with the previous frame shifted by the known motion, away from the borders
            raw_err.append(np.abs(lab[:, 8:-8, 1:] - _shift(prev_raw, -2)[:, 8:-8, 1:]).mean())
            stab_err.append(np.abs(out[:, 8:-8, 1:] - _shift(prev_stab, -2)[:, 8:-8, 1:]).mean())
        prev_raw, prev_stab = lab, out
    assert np.mean(stab_err) < 0.6 * np.mean(raw_err)


def test_stabilizer_does_not_ghost_a_new_object():
    h, w = 48, 64
    g0 = _texture(h, w)
    g1 = g0.copy()
    g1[10:30, 20:40] = 0.95  # a bright object appears
    lab0 = np.dstack([g0 * 100, np.full((h, w, 2), -30, np.float32)]).astype(np.float32)
    lab1 = np.dstack([g1 * 100, np.full((h, w, 2), 40, np.float32)]).astype(np.float32)
    stab = TemporalStabilizer()
    stab((g0 * 255).astype(np.uint8), g0, lab0, 0)
    out = stab((g1 * 255).astype(np.uint8), g1, lab1, 0)
    assert np.abs(out[14:26, 24:36, 1:] - 40).mean() < 4.0  # the new object keeps its own color


def test_reset_forgets_previous_colors():
    g = _texture(32, 32)
    stab = TemporalStabilizer()
    a = np.dstack([g * 100, np.full((32, 32, 2), 50, np.float32)]).astype(np.float32)
    b = np.dstack([g * 100, np.full((32, 32, 2), -50, np.float32)]).astype(np.float32)
    stab((g * 255).astype(np.uint8), g, a, 0)
    stab.reset()
    out = stab((g * 255).astype(np.uint8), g, b, 0)
    assert np.array_equal(out, b)


def test_scene_detector_finds_hard_cut_not_pan(tmp_path):
    det = SceneDetector()
    a, b = _texture(72, 128, 0, sigma=4), _texture(72, 128, 9, sigma=4) * 0.5 + 0.3
    frames = [np.roll(a, t, axis=1) for t in range(20)] + [np.roll(b, t, axis=1) for t in range(20)]
    cuts = [i for i, f in enumerate(frames) if det.update(i, (f * 255).astype(np.uint8), i / 24)]
    assert cuts == [20]
    write_cut_list(tmp_path / "cuts.csv", det.cuts, 40, 40 / 24)
    rows = (tmp_path / "cuts.csv").read_text().splitlines()
    assert rows[0].startswith("scene,start_frame") and rows[2].startswith("2,20,40")


def test_scene_detector_takes_an_object_sweeping_in_for_motion_not_a_cut():
    """A dark shape covering a quarter of the frame at once, with an exposure jump, is what content
    detectors take for a cut; the previous frame moved by flow still explains most of the frame."""
    a = _texture(72, 128, 0, sigma=4)
    frames = []
    for t in range(30):
        f = np.roll(a, t, axis=1).copy()
        if t >= 20:
            yy, xx = np.mgrid[:72, :128]
            f[((xx - 20 - 3 * (t - 20)) / 30) ** 2 + ((yy - 36) / 28) ** 2 < 1] = 0.02
            f = np.clip(f * 1.15 + 0.05, 0, 1)
        frames.append((f * 255).astype(np.uint8))
    plain = SceneDetector(verify=False)
    assert [i for i, f in enumerate(frames) if plain.update(i, f)] == [20]   # the content tests alone fire
    det = SceneDetector()
    assert [i for i, f in enumerate(frames) if det.update(i, f)] == []


def _two_scene_clip(path, n=16, size=(96, 64)):
    w, h = size
    out = av.open(str(path), "w")
    s = out.add_stream("libx264", rate=Fraction(24))
    s.width, s.height, s.pix_fmt = w, h, "yuv420p"
    s.options = {"crf": "10", "preset": "ultrafast"}
    for i in range(n):
        if i < n // 2:
            img = (np.dstack([_texture(h, w + 40, 1)] * 3)[:, i:i + w] * 255).astype(np.uint8)
        else:
            img = np.full((h, w, 3), 30, np.uint8)
            img[:, : w // 2] = 200
        f = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
        f.pts = i
        for p in s.encode(f):
            out.mux(p)
    for p in s.encode(None):
        out.mux(p)
    out.close()
    return path


def test_no_color_leaks_across_a_cut(tmp_path, tiny_weights):
    """First frame of scene B with stabilization == without it (state was reset at the cut)."""
    from vidcolor.process import process_video

    src = _two_scene_clip(tmp_path / "cut.mp4")
    on = process_video(src, tmp_path / "on.mkv", "none", weights=str(tiny_weights), device="cpu", codec="ffv1", temporal=True, scenes=tmp_path / "c.csv")
    process_video(src, tmp_path / "off.mkv", "none", weights=str(tiny_weights), device="cpu", codec="ffv1", temporal=False)
    assert [c.frame for c in on.cuts] == [8]

    def frames(p):
        with av.open(str(p)) as c:
            return [f.to_ndarray(format="rgb24").astype(int) for f in c.decode(video=0)]

    a, b = frames(tmp_path / "on.mkv"), frames(tmp_path / "off.mkv")
    assert np.abs(a[8] - b[8]).max() <= 2
    assert np.abs(a[9] - b[9]).mean() < 40  # later frames may be blended, but stay close


def test_detail_band_steadies_texture_more_than_color():
    """Two bands for styles: with detail_strength the re-drawn texture (hatching) is blended harder
    than the colors; pencil gets such settings, and a new object still keeps its own look."""
    h, w = 64, 96
    base = _texture(h, w + 40)
    rng = np.random.default_rng(5)
    outs = {}
    for name, stab in (("plain", TemporalStabilizer()), ("two-band", TemporalStabilizer(detail_strength=0.97))):
        errs, prev = [], None
        for t in range(10):
            g = np.ascontiguousarray(base[:, 2 * t:2 * t + w])
            hatch = rng.normal(0, 15, (h, w)).astype(np.float32)             # texture re-drawn every frame
            lab = np.dstack([g * 60 + 20 + hatch, np.full((h, w), 10, np.float32), np.full((h, w), -10, np.float32)])
            out = stab((g * 255).astype(np.uint8), g, lab.astype(np.float32), 2)
            if prev is not None:
                errs.append(np.abs(out[:, 8:-8, 0] - _shift(prev, -2)[:, 8:-8, 0]).mean())
            prev = out
        outs[name] = np.mean(errs)
    assert outs["two-band"] < 0.7 * outs["plain"], outs
    pencil = TemporalStabilizer.for_style("pencil")
    assert pencil.detail_strength is not None and TemporalStabilizer.for_style("watercolor").detail_strength is None
    g0 = _texture(48, 64)
    g1 = g0.copy()
    g1[10:30, 20:40] = 0.95
    pencil((g0 * 255).astype(np.uint8), g0, np.dstack([g0 * 100, np.full((48, 64, 2), -30, np.float32)]).astype(np.float32), 2)
    out = pencil((g1 * 255).astype(np.uint8), g1, np.dstack([g1 * 100, np.full((48, 64, 2), 40, np.float32)]).astype(np.float32), 2)
    assert np.abs(out[14:26, 24:36, 1:] - 40).mean() < 6.0


def test_segments_warm_up_as_long_as_the_style_stabilizer_remembers():
    from vidcolor.batch.segments import DEFAULT_WARMUP, default_warmup

    assert TemporalStabilizer().settle_frames() == DEFAULT_WARMUP == default_warmup("none") == default_warmup("watercolor")
    pencil = TemporalStabilizer.for_style("pencil")
    assert default_warmup("pencil") == pencil.settle_frames() > DEFAULT_WARMUP
    assert max(pencil.strength, pencil.detail_strength) ** default_warmup("pencil") < 0.021


def test_a_cut_to_a_flat_frame_stays_a_cut_and_very_wide_frames_are_checked_safely():
    """Black, a flash or a gray card after a textured shot is a cut (a gain fit could make a flat
    frame "match" anything); frames 8 px tall at the detector's 96 px (a 12:1 film) do not crash the flow."""
    from vidcolor.pipeline.scenes import continuity

    a = (_texture(72, 128, 0, sigma=4) * 255).astype(np.uint8)
    small = SceneDetector._features(a)[0]
    for level in (0, 128, 255):
        assert continuity(small, SceneDetector._features(np.full_like(a, level))[0]) == 0.0
    wide = (_texture(40, 480, 1, sigma=3) * 255).astype(np.uint8)
    f0, f1 = SceneDetector._features(wide)[0], SceneDetector._features(np.roll(wide, 6, axis=1))[0]
    assert f0.shape[0] == 8 and continuity(f0, f1) > 0.5
    frames = [np.roll(wide, 2 * t, axis=1) for t in range(12)] + [np.full_like(wide, 0)] * 4
    det = SceneDetector()
    assert [i for i, f in enumerate(frames) if det.update(i, f)] == [12]
