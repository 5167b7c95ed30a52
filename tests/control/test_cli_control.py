"""vidcolor process --hints/--hints-image/--reference and vidcolor keyframes, end to end (tiny model)."""

from __future__ import annotations

import cv2
import torch
import numpy as np
import pytest
from click.testing import CliRunner

from vidcolor.cli import cli
from vidcolor.io.video import VideoReader

from .conftest import CUT, H, W, frame_rgb, write_clip


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def photo(tmp_path):
    p = tmp_path / "photo.png"
    cv2.imwrite(str(p), cv2.cvtColor(frame_rgb(3), cv2.COLOR_RGB2GRAY))
    return p


def test_photo_hints_change_the_output(photo, tmp_path, tiny_hint_weights):
    (tmp_path / "h.csv").write_text("x,y,color\n40,40,#ff0000\n120,70,#0000ff\n")
    assert run("process", photo, "-o", tmp_path / "auto.png", "--weights", tiny_hint_weights).exit_code == 0
    r = run("process", photo, "-o", tmp_path / "hint.png", "--weights", tiny_hint_weights, "--hints", tmp_path / "h.csv")
    assert r.exit_code == 0, r.output
    a, b = cv2.imread(str(tmp_path / "auto.png")), cv2.imread(str(tmp_path / "hint.png"))
    assert np.abs(a.astype(int) - b.astype(int)).max() > 10
    scrib = np.zeros((H, W, 4), np.uint8)
    scrib[40:44, 30:60] = (255, 0, 0, 255)
    cv2.imwrite(str(tmp_path / "s.png"), scrib)
    assert run("process", photo, "-o", tmp_path / "s_out.png", "--weights", tiny_hint_weights, "--hints-image", tmp_path / "s.png").exit_code == 0


@pytest.mark.parametrize("content, msg", [
    ("x,y,color\n9999,1,#ff0000\n", "outside"),
    ("x,y,color\n1,1,#zzzzzz\n", "#rrggbb"),
    ("x,y,color,frame\n1,1,#ff0000,0\n", "photo"),
])
def test_bad_photo_hints_are_one_error_line_and_write_nothing(photo, tmp_path, tiny_hint_weights, content, msg):
    (tmp_path / "h.csv").write_text(content)
    r = run("process", photo, "-o", tmp_path / "o.png", "--weights", tiny_hint_weights, "--hints", tmp_path / "h.csv")
    assert r.exit_code != 0 and msg in r.output and r.output.count("\n") == 1 and r.output.startswith("Error:")
    assert not (tmp_path / "o.png").exists()


def _cmyk_tiff(path):
    from PIL import Image

    Image.fromarray(frame_rgb(0)).convert("CMYK").save(path)   # OpenCV adds an opaque alpha: paint everywhere


@pytest.mark.parametrize("name, write, msg", [
    ("h.tif", _cmyk_tiff, "is a CMYK file"),
    ("h.tif", lambda p: cv2.imwrite(str(p), np.full((H, W, 3), 200, np.float32)), "0–1"),   # float, 0–255
    ("h.png", lambda p: p.write_bytes(b"not a png"), "not a readable image"),
    ("h.png", lambda p: cv2.imwrite(str(p), np.zeros((H, W, 3), np.uint8)), "no transparency"),
], ids=["cmyk", "float-0-255", "damaged", "no-alpha"])
def test_unusable_hints_images_are_one_error_line_and_write_nothing(photo, tmp_path, tiny_hint_weights, name, write, msg):
    write(tmp_path / name)
    r = run("process", photo, "-o", tmp_path / "o.png", "--weights", tiny_hint_weights, "--hints-image", tmp_path / name)
    assert r.exit_code != 0 and msg in r.output and r.output.count("\n") == 1 and r.output.startswith("Error:"), r.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("o.", ".o"))]


def test_a_palette_png_hints_image_paints_its_strokes(photo, tmp_path, tiny_hint_weights):
    from PIL import Image

    stroke = np.zeros((H, W), np.uint8)
    stroke[40:44, 30:60] = 1
    im = Image.fromarray(stroke, "P")
    im.putpalette([0, 0, 0, 220, 30, 30] + [0] * 762)
    im.save(tmp_path / "s.png", transparency=0)
    rgba = np.zeros((H, W, 4), np.uint8)
    rgba[40:44, 30:60] = (30, 30, 220, 255)   # the same strokes, BGRA
    cv2.imwrite(str(tmp_path / "s_rgba.png"), rgba)
    for hints, out in (("s.png", "pal.png"), ("s_rgba.png", "rgba.png")):
        r = run("process", photo, "-o", tmp_path / out, "--weights", tiny_hint_weights, "--hints-image", tmp_path / hints)
        assert r.exit_code == 0, r.output
    assert run("process", photo, "-o", tmp_path / "auto.png", "--weights", tiny_hint_weights).exit_code == 0
    pal, rgba_out, auto = (cv2.imread(str(tmp_path / n)).astype(int) for n in ("pal.png", "rgba.png", "auto.png"))
    np.testing.assert_array_equal(pal, rgba_out)
    assert np.abs(pal - auto).max() > 10


def test_float_and_cmyk_references_for_video(tmp_path, tiny_hint_weights):
    clip = write_clip(tmp_path / "c.mp4", n=12)
    rgb = frame_rgb(0)
    cv2.imwrite(str(tmp_path / "f.tif"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.float32) / 255)
    r = run("process", clip, "-o", tmp_path / "o.mp4", "--weights", tiny_hint_weights, "--reference", f"0={tmp_path / 'f.tif'}")
    assert r.exit_code == 0, r.output
    cv2.imwrite(str(tmp_path / "f255.tif"), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR).astype(np.float32))
    _cmyk_tiff(tmp_path / "cmyk.tif")
    r = run("process", clip, "-o", tmp_path / "bad.mp4", "--weights", tiny_hint_weights,
            "--reference", f"0={tmp_path / 'cmyk.tif'}", "--reference", f"5={tmp_path / 'f255.tif'}")
    assert r.exit_code != 0 and r.output.count("\n") == 1 and r.output.startswith("Error:"), r.output
    assert "f255.tif' is not a readable image" in r.output and "0–1" in r.output   # the CMYK one was read
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("bad.", ".bad"))]


def test_reference_for_video_and_its_errors(tmp_path, tiny_hint_weights):
    clip = write_clip(tmp_path / "c.mp4", n=40)
    cv2.imwrite(str(tmp_path / "f0.png"), cv2.cvtColor(frame_rgb(0), cv2.COLOR_RGB2BGR))
    r = run("process", clip, "-o", tmp_path / "o.mp4", "--weights", tiny_hint_weights, "--reference", f"0={tmp_path / 'f0.png'}")
    assert r.exit_code == 0, r.output
    with VideoReader(tmp_path / "o.mp4", fmt="rgb24") as rd:
        assert sum(1 for _ in rd.frames()) == 40
    cv2.imwrite(str(tmp_path / "small.png"), cv2.resize(cv2.cvtColor(frame_rgb(0), cv2.COLOR_RGB2BGR), (100, 100)))
    cv2.imwrite(str(tmp_path / "gray.png"), cv2.cvtColor(frame_rgb(0), cv2.COLOR_RGB2GRAY))
    for spec, msg in ((f"99={tmp_path / 'f0.png'}", "beyond the end"), (f"0={tmp_path / 'small.png'}", "aspect"),
                      (f"0={tmp_path / 'gray.png'}", "gray"), (f"x={tmp_path / 'f0.png'}", "frame index")):
        r = run("process", clip, "-o", tmp_path / "bad.mp4", "--weights", tiny_hint_weights, "--reference", spec)
        assert r.exit_code != 0 and msg in r.output and r.output.startswith("Error:"), (spec, r.output)
        assert not (tmp_path / "bad.mp4").exists()
        assert not [p for p in tmp_path.iterdir() if p.name.startswith(".bad")]


def test_a_reference_gives_no_color_where_it_is_transparent(tmp_path, tiny_hint_weights):
    """A keyframe the artist colored in part and erased elsewhere (alpha 0 over pure red, as editors
    keep the hidden pixels): the red is not painted there — it was, at full strength — while the
    opaque half still carries its colors; a fully transparent reference is refused."""
    clip = write_clip(tmp_path / "c.mp4", n=6)
    rgba = np.dstack([frame_rgb(0), np.full((H, W), 255, np.uint8)])
    rgba[:, W // 2:] = (255, 0, 0, 0)
    cv2.imwrite(str(tmp_path / "part.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    rgba[..., 3] = 0
    cv2.imwrite(str(tmp_path / "none.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    for name, ref in (("auto.mp4", None), ("part.mp4", "part.png")):
        extra = ("--reference", f"0={tmp_path / ref}") if ref else ()
        r = run("process", clip, "-o", tmp_path / name, "--weights", tiny_hint_weights, *extra)
        assert r.exit_code == 0, r.output
    with VideoReader(tmp_path / "auto.mp4", fmt="rgb24") as a, VideoReader(tmp_path / "part.mp4", fmt="rgb24") as b:
        auto, part = next(a.frames()).image.astype(float), next(b.frames()).image.astype(float)
    hidden = part[:, W // 2 + 8:]
    assert (hidden[..., 0] - hidden[..., 1:].mean(-1)).mean() < 60          # not the hidden red
    assert np.abs(hidden - auto[:, W // 2 + 8:]).mean() < 40                # about what automatic gives there
    assert np.abs(part[:, :W // 2 - 8] - frame_rgb(0)[:, :W // 2 - 8]).mean() < np.abs(auto - frame_rgb(0))[:, :W // 2 - 8].mean()
    r = run("process", clip, "-o", tmp_path / "bad.mp4", "--weights", tiny_hint_weights, "--reference", f"0={tmp_path / 'none.png'}")
    assert r.exit_code != 0 and r.output.startswith("Error:") and "fully transparent" in r.output, r.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("bad.", ".bad"))]


def test_an_anamorphic_film_takes_frames_as_a_player_shows_them(tmp_path, tiny_hint_weights):
    """SAR 4:3 (a DVD, an anamorphic scan): keyframes are written as wide as a player shows the film,
    and references and scribbles of that shape (a player's or an editor's frame export) are taken —
    they were refused as "another aspect ratio" — as are ones of the stored shape."""
    from fractions import Fraction

    from vidcolor.io.video import probe_video

    clip = write_clip(tmp_path / "ana.mp4", n=12, cut=None, sar=Fraction(4, 3))
    assert probe_video(clip).sample_aspect_ratio == Fraction(4, 3)
    wide = round(W * 4 / 3)
    r = run("keyframes", clip, "-o", tmp_path / "keys", "--weights", tiny_hint_weights)
    assert r.exit_code == 0, r.output
    (key,) = sorted((tmp_path / "keys").glob("*.png"))
    assert cv2.imread(str(key)).shape[:2] == (H, wide)
    shown = cv2.resize(cv2.cvtColor(frame_rgb(0, None), cv2.COLOR_RGB2BGR), (wide, H), interpolation=cv2.INTER_AREA)
    cv2.imwrite(str(tmp_path / "shown.png"), shown)
    scribble = np.zeros((H, wide, 4), np.uint8)
    scribble[10:20, 10:40] = (0, 0, 255, 255)
    cv2.imwrite(str(tmp_path / "scribble.png"), scribble)
    for extra in (("--reference", tmp_path / "keys"), ("--reference", f"0={tmp_path / 'shown.png'}"),
                  ("--hints-image", tmp_path / "scribble.png")):
        r = run("process", clip, "-o", tmp_path / "o.mp4", "--weights", tiny_hint_weights, "--overwrite", *extra)
        assert r.exit_code == 0, (extra, r.output)
    cv2.imwrite(str(tmp_path / "square.png"), cv2.resize(shown, (H, H)))
    r = run("process", clip, "-o", tmp_path / "bad.mp4", "--weights", tiny_hint_weights, "--reference", f"0={tmp_path / 'square.png'}")
    assert r.exit_code != 0 and f"the video is {W}×{H}, shown {wide}×{H} (another aspect ratio)" in r.output, r.output


def test_times_count_from_the_first_frame_of_a_film_that_starts_late(tmp_path, tiny_hint_weights):
    """A film whose first frame is stamped 10 s (an MPEG-TS capture, a stream-copied cut): times in
    references, hints and the scene/shot lists count from its first frame, as a player shows them."""
    clip = write_clip(tmp_path / "late.mp4", n=40, start_pts=250)
    with VideoReader(clip) as rd:
        times = [f.time for f in rd.frames()]
    assert rd.info.start_pts * rd.info.time_base == 10 and times[0] == 0.0 and times[CUT] == pytest.approx(CUT / 25)
    cv2.imwrite(str(tmp_path / "f0.png"), cv2.cvtColor(frame_rgb(0), cv2.COLOR_RGB2BGR))
    r = run("process", clip, "-o", tmp_path / "o.mp4", "--weights", tiny_hint_weights, "--scenes", tmp_path / "s.csv",
            "--reference", f"0s={tmp_path / 'f0.png'}", "--reference", f"0.4s={tmp_path / 'f0.png'}")
    assert r.exit_code == 0, r.output
    rows = [line.split(",") for line in (tmp_path / "s.csv").read_text().splitlines()[1:]]
    assert [(float(a), float(b)) for *_, a, b in rows] == [(0.0, CUT / 25), (CUT / 25, 40 / 25)]
    (tmp_path / "h.csv").write_text("x,y,color,frame\n10,10,#ff0000,5s\n")
    r = run("process", clip, "-o", tmp_path / "bad.mp4", "--weights", tiny_hint_weights, "--hints", tmp_path / "h.csv")
    assert r.exit_code != 0 and "beyond the end" in r.output and not (tmp_path / "bad.mp4").exists()
    r = run("keyframes", clip, "-o", tmp_path / "kf", "--weights", tiny_hint_weights)
    rows = [line.split(",") for line in (tmp_path / "kf" / "shots.csv").read_text().splitlines()[1:]]
    assert [(float(r[3]), float(r[4])) for r in rows] == [(0.0, CUT / 25), (CUT / 25, 40 / 25)]


@pytest.mark.parametrize("rotation", [90, 180, 270])
def test_a_rotated_film_takes_its_controls_upright(tmp_path, tiny_hint_weights, rotation):
    """A film stored sideways with a display rotation (phone videos): keyframes are written upright,
    as a player shows the film; a reference and hint coordinates are taken upright and land on the
    stored pixels they show."""
    from tests.clips import make_clip
    from vidcolor.control.apply import Controls, video_annotations
    from vidcolor.io.video import quarter_turns

    clip = make_clip(tmp_path / "r.mp4", n_frames=6, size=(64, 48), rotation=rotation)
    with VideoReader(clip) as rd:
        assert rd.info.rotation == rotation and quarter_turns(rotation) == rotation // 90
    k = rotation // 90
    shown = (48, 64) if k % 2 == 0 else (64, 48)            # (H, W) as a player shows it
    r = run("keyframes", clip, "-o", tmp_path / "kf", "--weights", tiny_hint_weights)
    assert r.exit_code == 0, r.output
    kf = next((tmp_path / "kf").glob("shot*_f*.png"))
    assert cv2.imread(str(kf)).shape[:2] == shown
    marker = np.zeros((48, 64)); marker[5, 40] = 1             # a stored pixel ...
    y, x = np.argwhere(np.rot90(marker, k))[0]                  # ... where the viewer sees it
    (tmp_path / "h.csv").write_text(f"x,y,color,frame\n{x},{y},#ff0000,0\n")
    ref = np.zeros(shown + (3,), np.uint8); ref[..., 2] = 200   # an upright, red reference frame (BGR)
    cv2.imwrite(str(tmp_path / "ref.png"), ref)
    anns = video_annotations(Controls(hints=str(tmp_path / "h.csv"), references=(f"0={tmp_path / 'ref.png'}",)), (48, 64), rotation)
    assert [a.conf.shape for a in anns] == [(48, 64), (48, 64)]
    ys, xs = np.nonzero(anns[0].conf)                           # the point's small square, centred on it
    assert (ys.mean(), xs.mean()) == pytest.approx((5, 40), abs=0.01)
    r = run("process", clip, "-o", tmp_path / "o.mp4", "--weights", tiny_hint_weights, "--reference", f"0={tmp_path / 'ref.png'}")
    assert r.exit_code == 0, r.output


def test_weights_without_hint_inputs_are_refused(photo, tmp_path, tiny_weights):
    (tmp_path / "h.csv").write_text("x,y,color\n1,1,#ff0000\n")
    r = run("process", photo, "-o", tmp_path / "o.png", "--weights", tiny_weights, "--hints", tmp_path / "h.csv")
    assert r.exit_code != 0 and "no color-hint inputs" in r.output


def test_keyframes_round_trip(tmp_path, tiny_hint_weights):
    clip = write_clip(tmp_path / "c.mp4", n=50)
    r = run("keyframes", clip, "-o", tmp_path / "kf", "--weights", tiny_hint_weights)
    assert r.exit_code == 0, r.output
    files = sorted(p.name for p in (tmp_path / "kf").glob("*.png"))
    assert files == ["shot001_f000014.png", "shot002_f000039.png"]  # one frame inside each shot
    rows = (tmp_path / "kf" / "shots.csv").read_text().splitlines()
    assert rows[1].startswith(f"1,0,{CUT},") and rows[2].startswith(f"2,{CUT},50,")
    # the artist "corrects" the keyframes with the true colors and passes the folder back
    for name, i in (("shot001_f000014.png", 14), ("shot002_f000039.png", 39)):
        cv2.imwrite(str(tmp_path / "kf" / name), cv2.cvtColor(frame_rgb(i), cv2.COLOR_RGB2BGR))
    r = run("process", clip, "-o", tmp_path / "o.mp4", "--weights", tiny_hint_weights, "--reference", tmp_path / "kf")
    assert r.exit_code == 0, r.output
    assert "left out" not in r.output
    cv2.imwrite(str(tmp_path / "kf" / "shot002 corrected.png"), frame_rgb(39))   # renamed by hand: not keyed, said so
    for extra in ((), ("--resume",)):
        r = run("process", clip, "-o", tmp_path / "o2.mp4", "--weights", tiny_hint_weights, "--reference", tmp_path / "kf",
                "--overwrite", *extra)
        assert r.exit_code == 0, r.output
        assert "left out 1 image(s) with no frame index in the name (like shot003_f000120.png): shot002 corrected.png" in r.output
    r = run("keyframes", clip, "-o", tmp_path / "kf", "--weights", tiny_hint_weights)
    assert r.exit_code != 0 and "already holds keyframes" in r.output
    (tmp_path / "kf2").mkdir()   # keyframes renamed by hand, in upper case, are keyframes too
    cv2.imwrite(str(tmp_path / "kf2" / "SHOT001_F000014.PNG"), frame_rgb(14))
    r = run("keyframes", clip, "-o", tmp_path / "kf2", "--weights", tiny_hint_weights)
    assert r.exit_code != 0 and "already holds keyframes" in r.output
    assert [p.name for p in (tmp_path / "kf2").iterdir()] == ["SHOT001_F000014.PNG"]
    cv2.imwrite(str(tmp_path / "kf2" / "shot009_f000033.png"), frame_rgb(33))   # another film's (or cut's) keyframe
    r = run("keyframes", clip, "-o", tmp_path / "kf2", "--weights", tiny_hint_weights, "--overwrite")
    assert r.exit_code == 0, r.output   # --overwrite replaces the set: --reference would have taken the stale one
    assert sorted(p.name for p in (tmp_path / "kf2").iterdir()) == ["shot001_f000014.png", "shot002_f000039.png", "shots.csv"]
    cv2.imwrite(str(tmp_path / "p.png"), frame_rgb(0))
    r = run("keyframes", tmp_path / "p.png", "-o", tmp_path / "kfp", "--weights", tiny_hint_weights)
    assert r.exit_code != 0 and "is a photo" in r.output and not (tmp_path / "kfp").exists()


def test_eval_scores_true_color_point_hints(tmp_path, tiny_hint_weights):
    from vidcolor.errors import VidcolorError
    from vidcolor.evaluation import evaluate_images

    (tmp_path / "ref").mkdir()
    for i in (0, 7):
        cv2.imwrite(str(tmp_path / "ref" / f"p{i}.png"), cv2.cvtColor(frame_rgb(i), cv2.COLOR_RGB2BGR))
    res = evaluate_images(tmp_path / "ref", weights=tiny_hint_weights, semantic=False, hint_points=10)
    assert "hints" in res["mean"] and all("psnr" in e["hints"] for e in res["images"])
    assert res["images"][0]["hints"]["psnr"] != res["images"][0]["styles"]["none"]["psnr"]
    r = run("eval", "--ref", tmp_path / "ref", "--weights", tiny_hint_weights, "--hint-points", 5, "--no-semantic")
    assert r.exit_code == 0 and "with hints" in r.output
    worst = evaluate_images(tmp_path / "ref", weights=tiny_hint_weights, semantic=False, hint_points=3, hint_placement="worst")
    assert worst["hint_placement"] == "worst" and worst["images"][0]["hints"]["psnr"] != res["images"][0]["hints"]["psnr"]
    r = run("eval", "--ref", tmp_path / "ref", "--weights", tiny_hint_weights, "--hint-points", 2, "--hint-placement", "worst", "--no-semantic")
    assert r.exit_code == 0 and "with hints" in r.output
    with pytest.raises(VidcolorError, match="unknown hint placement"):
        evaluate_images(tmp_path / "ref", weights=tiny_hint_weights, semantic=False, hint_points=3, hint_placement="best")
    (tmp_path / "out").mkdir()
    with pytest.raises(VidcolorError, match="hint points need a model"):
        for i in (0, 7):
            cv2.imwrite(str(tmp_path / "out" / f"p{i}.none.png"), cv2.cvtColor(frame_rgb(i), cv2.COLOR_RGB2BGR))
        evaluate_images(tmp_path / "ref", tmp_path / "out", semantic=False, hint_points=3)


def test_chroma_calibration_is_affine_and_skips_hinted_pixels(tiny_hint_weights):
    from vidcolor.pipeline.engine import Colorizer

    col = Colorizer(tiny_hint_weights, device="cpu", precision="fp32")
    gray = torch.rand(1, 1, 32, 32)
    raw = col.predict_low(gray, 0)
    col.chroma_bias, col.chroma_gain = (4.0, 6.0), 0.5
    cal = col.predict_low(gray, 0)
    expect = 0.5 * (raw[:, 1:] - torch.tensor([4.0, 6.0]).view(1, 2, 1, 1))
    assert torch.allclose(cal[:, 1:], expect, atol=1e-4) and torch.equal(cal[:, :1], raw[:, :1])
    hints = torch.zeros(1, 3, 32, 32)
    hints[:, 2] = 1.0  # the user decided every pixel: no calibration there
    col.chroma_bias, col.chroma_gain = (0.0, 0.0), 1.0
    raw_h = col.predict_low(gray, 0, hints)
    col.chroma_bias, col.chroma_gain = (4.0, 6.0), 0.5
    assert torch.allclose(col.predict_low(gray, 0, hints), raw_h, atol=1e-5)


def test_frames_with_hints_use_the_accurate_gain(tiny_hint_weights):
    """``chroma_gain_hints`` applies to the unhinted pixels of frames that have dense hints (a
    reference); frames of the same batch without hints keep the automatic gain."""
    from vidcolor.pipeline.engine import Colorizer

    col = Colorizer(tiny_hint_weights, device="cpu", precision="fp32")
    gray = torch.rand(2, 1, 32, 32)
    raw = col.predict_low(gray, 0)
    hints = torch.zeros(2, 3, 32, 32)
    hints[0, 2, :, :16] = 1.0  # frame 0: the left half decided (dense, like a reference: not spread)
    col.chroma_gain, col.chroma_gain_hints = 1.5, 0.5
    raw_h = Colorizer(tiny_hint_weights, device="cpu", precision="fp32").predict_low(gray, 0, hints)
    out = col.predict_low(gray, 0, hints)
    free = (slice(None), slice(None), slice(16, None))
    assert torch.allclose(out[0, 1:][free], 0.5 * raw_h[0, 1:][free], atol=1e-4)
    assert torch.allclose(out[1, 1:], 1.5 * raw[1, 1:], atol=1e-4)
    assert torch.allclose(out[0, 1:, :, :16], raw_h[0, 1:, :, :16], atol=1e-4)


def test_a_point_hint_keeps_automatic_colors_where_it_does_not_reach(tiny_hint_weights):
    """Sparse hints switch to the accurate gain only as far as they reach: across a strong edge from
    a single point the colors stay automatic mode's; at the point's side they take the hinted gain."""
    from vidcolor.pipeline.engine import Colorizer

    col = Colorizer(tiny_hint_weights, device="cpu", precision="fp32")
    gray = torch.full((1, 1, 64, 96), 0.25)
    gray[..., 48:] = 0.85                                  # a strong vertical edge
    gray += 0.01 * torch.rand_like(gray)
    col.chroma_gain, col.chroma_gain_hints = 1.5, 0.5
    auto = col.predict_low(gray, 0)
    hints = torch.zeros(1, 3, 64, 96)
    hints[0, :, 32, 10] = torch.tensor([0.0, 0.0, 1.0])    # one neutral point on the dark side
    out = col.predict_low(gray, 0, hints)
    everywhere = col.chroma_gain_hints / col.chroma_gain * auto[:, 1:]   # the hinted gain over the whole frame
    far = (slice(None), slice(None), slice(None), slice(64, None))
    near = (slice(None), slice(None), slice(24, 40), slice(4, 20))
    assert (out[:, 1:][far] - auto[:, 1:][far]).abs().mean() < 0.1 * (everywhere[far] - auto[:, 1:][far]).abs().mean()
    assert (out[:, 1:][near] - auto[:, 1:][near]).abs().mean() > 0.5 * (everywhere[near] - auto[:, 1:][near]).abs().mean()


def test_references_reach_the_right_segments(tmp_path, tiny_hint_weights):
    """Segmented (resumable) rendering with a reference gives the frames of a single pass."""
    clip = write_clip(tmp_path / "c.mp4", n=50)
    cv2.imwrite(str(tmp_path / "f20.png"), cv2.cvtColor(frame_rgb(20), cv2.COLOR_RGB2BGR))
    spec = f"20={tmp_path / 'f20.png'}"
    from vidcolor.batch.plan import plan_segments, scan_keyframes

    assert len(plan_segments(scan_keyframes(clip), 0.5, 24)) >= 3  # the reference's shot spans several segments
    for name, extra in (("one.mkv", ["--no-resume"]), ("seg.mkv", ["--resume", "--segment-seconds", "0.5"])):
        r = run("process", clip, "-o", tmp_path / name, "--weights", tiny_hint_weights, "--codec", "ffv1", "--reference", spec, *extra)
        assert r.exit_code == 0, r.output
    with VideoReader(tmp_path / "one.mkv", fmt="rgb24") as a, VideoReader(tmp_path / "seg.mkv", fmt="rgb24") as b:
        pairs = list(zip(a.frames(), b.frames()))
    assert len(pairs) == 50
    assert max(np.abs(x.image.astype(int) - y.image.astype(int)).max() for x, y in pairs) <= 2
    r = run("process", clip, "-o", tmp_path / "bad.mkv", "--weights", tiny_hint_weights, "--codec", "ffv1", "--resume",
            "--reference", f"99={tmp_path / 'f20.png'}")
    assert r.exit_code != 0 and "beyond the end" in r.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(("bad", ".bad"))]


def test_batch_manifest_reference_and_hints_columns(tmp_path, tiny_hint_weights):
    clip = write_clip(tmp_path / "a.mp4", n=20)
    write_clip(tmp_path / "b.mp4", n=20)
    cv2.imwrite(str(tmp_path / "f0.png"), cv2.cvtColor(frame_rgb(0), cv2.COLOR_RGB2BGR))
    (tmp_path / "h.csv").write_text("x,y,color,frame\n10,10,#ff0000,3\n")
    (tmp_path / "m.csv").write_text("input,reference,hints\na.mp4,0=f0.png,\nb.mp4,,h.csv\n")
    r = run("batch", tmp_path / "m.csv", "-o", tmp_path / "out", "--weights", tiny_hint_weights, "-q")
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["a.none.mp4", "b.none.mp4"]
    (tmp_path / "m2.csv").write_text("input,reference\na.mp4,99=f0.png\n")
    r = run("batch", tmp_path / "m2.csv", "-o", tmp_path / "out2", "--weights", tiny_hint_weights, "-q")
    assert r.exit_code == 1 and "beyond the end" in r.output, (r.exit_code, r.output)
    assert clip.exists()


@pytest.mark.parametrize("style", [0, 1])
def test_a_batch_mixing_point_hints_none_and_a_reference_renders_each_frame_as_alone(tiny_hint_weights, style):
    """Rows of one batch take their own path: sparse points spread, no hints automatic, dense hints
    through the network (and spread in a style), whatever else the batch holds."""
    from vidcolor.models.hints import make_hints
    from vidcolor.pipeline.engine import Colorizer

    col = Colorizer(tiny_hint_weights, device="cpu", precision="fp32", render_size=0)
    torch.manual_seed(0)
    gray = torch.rand(3, 1, 40, 56)
    ab, mask = torch.zeros(3, 2, 40, 56), torch.zeros(3, 1, 40, 56)
    ab[0, :, 10:13, 10:13], mask[0, :, 10:13, 10:13] = 30.0, 1.0          # row 0: a point
    ab[2], mask[2] = torch.randn(2, 40, 56) * 20, 1.0                     # row 2: a dense reference
    hints = make_hints(ab, mask)
    together = col.predict_low(gray, style, hints)
    for k in range(3):
        alone = col.predict_low(gray[k:k + 1], style, hints[k:k + 1] if k != 1 else None)
        assert torch.allclose(together[k:k + 1], alone, atol=1e-2), k   # Lab units: float summation order only


class _Stages:
    """A progress display that records the passes it is told about and what each counted."""

    def __init__(self):
        self.log: list[list] = [["", 0]]

    def stage(self, name):
        self.log.append([name, 0])

    def __call__(self, done, total):
        self.log[-1][1] = done


@pytest.mark.parametrize("segmented", [False, True])
def test_the_planning_pass_shows_its_progress(tmp_path, tiny_hint_weights, segmented):
    from vidcolor.control.apply import Controls
    from vidcolor.batch.segments import process_video_segmented
    from vidcolor.process import process_video

    clip = write_clip(tmp_path / "c.mp4", n=50)
    cv2.imwrite(str(tmp_path / "f20.png"), cv2.cvtColor(frame_rgb(20), cv2.COLOR_RGB2BGR))
    shown = _Stages()
    render = (lambda **kw: process_video_segmented(clip, tmp_path / "o.mkv", segment_seconds=0.5, **kw)) if segmented else \
        (lambda **kw: process_video(clip, tmp_path / "o.mkv", **kw))
    render(weights=str(tiny_hint_weights), codec="ffv1", progress=shown, controls=Controls(references=(f"20={tmp_path / 'f20.png'}",)))
    names = [name for name, _ in shown.log]
    assert names == ["", "planning", "rendering"]
    assert shown.log[1][1] >= 8 and shown.log[2][1] == 50  # the plan counted frames, then the render counted all
