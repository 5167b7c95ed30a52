from __future__ import annotations

import cv2
import numpy as np
import pytest

from vidcolor.control.hints_io import parse_frame, point_radius, read_hints_csv, read_hints_image, rgb_to_ab
from vidcolor.control.reference import load_reference, parse_reference_specs
from vidcolor.errors import VidcolorError


def _csv(tmp_path, text):
    p = tmp_path / "h.csv"
    p.write_text(text)
    return p


def test_points_become_small_patches_of_the_given_chroma(tmp_path):
    anns = read_hints_csv(_csv(tmp_path, "x,y,color\n10,20,#ff0000\n100,50,#0000ff\n"), (96, 160), is_video=False)
    assert len(anns) == 1 and anns[0].frame == 0
    a = anns[0]
    r = point_radius(96, 160)
    assert a.conf[20, 10] == 1 and a.conf[50, 100] == 1
    assert a.conf.sum() == 2 * (2 * r + 1) ** 2
    red, blue = rgb_to_ab(np.array([255, 0, 0], np.uint8)), rgb_to_ab(np.array([0, 0, 255], np.uint8))
    np.testing.assert_allclose(a.ab[20, 10], red, atol=1e-3)
    np.testing.assert_allclose(a.ab[50, 100], blue, atol=1e-3)
    assert red[0] > 50 and blue[1] < -50  # a* red, b* blue


def test_video_hints_are_grouped_by_frame_or_time(tmp_path):
    anns = read_hints_csv(_csv(tmp_path, "frame,x,y,color\n0,1,1,#ff0000\n12,2,2,00ff00\n12.5s,3,3,#0000ff\n12,4,4,#ffffff\n"), (48, 64), is_video=True)
    keys = sorted((a.frame if a.frame is not None else -1, a.time) for a in anns)
    assert keys == [(-1, 12.5), (0, None), (12, None)]


@pytest.mark.parametrize("text, msg", [
    ("x,y,color\n1000,1,#ff0000\n", "outside"),
    ("x,y,color\n-1,1,#ff0000\n", "outside"),
    ("x,y,color\n1,1,red\n", "#rrggbb"),
    ("x,y,color\n1,1,#ff00\n", "#rrggbb"),
    ("x,y,colour\n1,1,#ff0000\n", "header"),
    ("x,y,color\n", "no hints"),
    ("", "empty"),
    ("x,y,color\na,1,#ff0000\n", "numbers"),
    ("x,y,color,frame\n1,1,#ff0000,3\n", "photo"),
    ("x,y,color\n1,1,#ff0000,5\n", "needs a 'frame' column"),
    ("x,y,color,color\n1,1,#ff0000,#00ff00\n", "header must be"),
    ("x,y,color\n1,1,rgb(255,0,0)\n", r"color must be #rrggbb \(e.g. #1f3a93\) or #rgb, got 'rgb\(255,0,0\)'"),
    ("x,y,color\n63.6,1,#ff0000\n", "outside"),                      # beyond the last pixel's half
    ("x,y,color\n5,5,#ff0000\n5.2,4.9,#0000ff\n", r"pixel \(5, 5\) already has the color #ff0000 \(line 2\)"),   # was "a frame number needs…"   # which color? (the last one was taken)
])
def test_bad_hint_files_name_the_problem(tmp_path, text, msg):
    with pytest.raises(VidcolorError, match=msg):
        read_hints_csv(_csv(tmp_path, text), (48, 64), is_video=False)


def test_one_color_written_two_ways_is_one_color(tmp_path):
    anns = read_hints_csv(_csv(tmp_path, "x,y,color\n10,10,#FF8800\n10,10,#f80\n"), (48, 64), is_video=False)
    assert anns[0].conf[10, 10] == 1


def test_points_inside_the_last_pixel_utf16_files_and_a_repeated_point(tmp_path):
    """A sub-pixel point inside the last column is inside the image; Excel's 'Unicode Text' export
    (UTF-16, tabs) reads; one point given twice with one color is fine."""
    text = "x\ty\tcolor\r\n63.4\t47.2\t#ff0000\r\n63.4\t47.2\t#ff0000\r\n"
    path = tmp_path / "u16.txt"
    path.write_bytes(text.encode("utf-16"))
    (a,) = read_hints_csv(path, (48, 64), is_video=False)
    assert a.conf[47, 63] == 1
    path.write_bytes(b"x,y,color\n\xff\xfe\x00bad")
    with pytest.raises(VidcolorError, match="not a text CSV in UTF-8 or UTF-16"):
        read_hints_csv(path, (48, 64), is_video=False)


def test_short_hex_colors_are_css_shorthand(tmp_path):
    (a,) = read_hints_csv(_csv(tmp_path, "x,y,color\n1,1,#F80\n"), (48, 64), is_video=False)
    (b,) = read_hints_csv(_csv(tmp_path, "x,y,color\n1,1,#ff8800\n"), (48, 64), is_video=False)
    np.testing.assert_array_equal(a.ab, b.ab)


def test_empty_trailing_cells_from_a_spreadsheet_are_fine(tmp_path):
    (ann,) = read_hints_csv(_csv(tmp_path, "x,y,color\n1,1,#ff0000,,\n"), (48, 64), is_video=False)
    assert ann.conf.max() == 1.0


def test_a_csv_from_a_decimal_comma_spreadsheet_reads_as_the_comma_separated_one(tmp_path):
    want = read_hints_csv(_csv(tmp_path, "x,y,color,frame\n10.6,20,#ff0000,1.5s\n3,4,#00ff00,2\n"), (48, 64), is_video=True)
    for text in ("\ufeffx;y;color;frame\r\n10,6;20;#ff0000;1,5s\r\n3;4;#00ff00;2\r\n",   # European Excel: was "header must be"
                 "x\ty\tcolor\tframe\n10.6\t20\t#ff0000\t1.5s\n3\t4\t#00ff00\t2\n"):
        got = read_hints_csv(_csv(tmp_path, text), (48, 64), is_video=True)
        assert [(a.frame, a.time) for a in got] == [(a.frame, a.time) for a in want] == [(None, 1.5), (2, None)]
        for a, b in zip(got, want):
            np.testing.assert_array_equal(a.ab, b.ab)
            np.testing.assert_array_equal(a.conf, b.conf)


def test_bad_frame_values_in_video_hints(tmp_path):
    with pytest.raises(VidcolorError, match="frame index"):
        read_hints_csv(_csv(tmp_path, "x,y,color,frame\n1,1,#ff0000,soon\n"), (48, 64), is_video=True)
    assert parse_frame("83.2s", "x") == (None, 83.2) and parse_frame("7", "x") == (7, None)
    # as players and editors show time (were refused)
    assert parse_frame("1.5S", "x") == (None, 1.5) and parse_frame("00:00.5", "x") == (None, 0.5)
    assert parse_frame("1:02:03.5", "x") == (None, 3723.5) and parse_frame("00:01:02", "x") == (None, 62.0)
    with pytest.raises(VidcolorError, match="timecode with frames"):
        parse_frame("00:00:12:05", "x")
    with pytest.raises(VidcolorError, match="frame index"):
        parse_frame("00:75:00", "x")
    with pytest.raises(VidcolorError, match="frame index"):   # str.isdigit says yes, int() said ValueError
        parse_frame("²", "x")


def test_a_keyframe_folder_takes_names_as_edited_by_hand(tmp_path):
    color = np.zeros((48, 64, 3), np.uint8)
    color[:] = (30, 160, 40)
    d = tmp_path / "kf"
    d.mkdir()
    for name in ("shot001_f000012 (1).png", "SHOT002_F000020.PNG", "reel_f2_shot003_f000031.png", "notes.png"):
        cv2.imwrite(str(d / "x.png"), color)
        (d / "x.png").rename(d / name)
    (d / "shot004_f000040.png").mkdir()   # a folder, not an image
    assert [(p.name, f) for p, f, _ in parse_reference_specs([str(d)])] == [
        ("SHOT002_F000020.PNG", 20), ("reel_f2_shot003_f000031.png", 31), ("shot001_f000012 (1).png", 12)]


def test_scribble_image(tmp_path):
    img = np.zeros((48, 64, 4), np.uint8)
    img[10:14, 5:30] = (0, 0, 255, 255)  # BGRA red stroke
    cv2.imwrite(str(tmp_path / "s.png"), img)
    a = read_hints_image(tmp_path / "s.png", (48, 64))
    assert a.conf.sum() == 4 * 25 and a.ab[12, 10, 0] > 50
    with pytest.raises(VidcolorError, match="same size"):
        read_hints_image(tmp_path / "s.png", (50, 64))
    with pytest.raises(VidcolorError, match=r"64×48, the input is 48×64 \(turned a quarter: .*upright"):
        read_hints_image(tmp_path / "s.png", (64, 48))   # painted on the stored, not the shown, picture
    cv2.imwrite(str(tmp_path / "rgb.png"), img[..., :3])
    with pytest.raises(VidcolorError, match="transparen"):
        read_hints_image(tmp_path / "rgb.png", (48, 64))
    (tmp_path / "bad.png").write_bytes(b"not a png")
    with pytest.raises(VidcolorError, match="not a readable image"):
        read_hints_image(tmp_path / "bad.png", (48, 64))


def test_references_sizes_gray_and_folders(tmp_path):
    color = np.zeros((48, 64, 3), np.uint8)
    color[:] = (30, 160, 40)
    cv2.imwrite(str(tmp_path / "ref.png"), color)
    assert load_reference(tmp_path / "ref.png", 0, None, (48, 64)).dense
    assert load_reference(tmp_path / "ref.png", 0, None, (96, 128)).ab.shape == (96, 128, 2)  # same aspect: resized
    with pytest.raises(VidcolorError, match="aspect"):
        load_reference(tmp_path / "ref.png", 0, None, (48, 100))
    cv2.imwrite(str(tmp_path / "gray.png"), np.full((48, 64), 120, np.uint8))
    with pytest.raises(VidcolorError, match="gray"):
        load_reference(tmp_path / "gray.png", 0, None, (48, 64))
    cv2.imwrite(str(tmp_path / "gray3.png"), np.full((48, 64, 3), 120, np.uint8))
    with pytest.raises(VidcolorError, match="no color"):
        load_reference(tmp_path / "gray3.png", 0, None, (48, 64))
    d = tmp_path / "kf"
    d.mkdir()
    cv2.imwrite(str(d / "shot001_f000012.png"), color)
    cv2.imwrite(str(d / "notes.png"), color)  # no frame index in the name: ignored
    assert [(p.name, f, t) for p, f, t in parse_reference_specs([str(d), f"3.5s={tmp_path / 'ref.png'}"])] == [
        ("shot001_f000012.png", 12, None), ("ref.png", None, 3.5)]
    with pytest.raises(VidcolorError, match="FRAME=IMAGE"):
        parse_reference_specs(["ref.png"])
    with pytest.raises(VidcolorError, match="no image"):
        parse_reference_specs(["0="])
    with pytest.raises(VidcolorError, match="two references for frame 12"):  # a folder's keyframe and an explicit one
        parse_reference_specs([str(d), f"12={tmp_path / 'ref.png'}"])
    with pytest.raises(VidcolorError, match="two references for time 3.5s"):
        parse_reference_specs([f"3.5s={tmp_path / 'a.png'}", f"3.5s={tmp_path / 'b.png'}"])


# --- reference and hints images are read like any input image (vidcolor.io.image) -----------------

def _ref_rgb() -> np.ndarray:
    rgb = np.zeros((48, 64, 3), np.uint8)
    rgb[:] = (30, 160, 40)
    rgb[:, :20] = (200, 40, 40)
    return rgb


def _write_rgb(path, rgb):
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    return path


def test_a_float_reference_is_read_as_0_to_1_and_one_beyond_it_is_refused(tmp_path):
    """A 32-bit float TIFF holds 0–1 values: it was divided by 255 again and refused as gray."""
    rgb = _ref_rgb()
    want = load_reference(_write_rgb(tmp_path / "ref.png", rgb), 0, None, (48, 64)).ab
    got = load_reference(_write_rgb(tmp_path / "ref.tif", rgb.astype(np.float32) / 255), 0, None, (48, 64)).ab
    np.testing.assert_allclose(got, want, atol=0.05)
    _write_rgb(tmp_path / "ref255.tif", rgb.astype(np.float32))   # 0–255 in a float file: not guessed
    with pytest.raises(VidcolorError, match=r"reference '.*ref255.tif' is not a readable image: .*0–1"):
        load_reference(tmp_path / "ref255.tif", 0, None, (48, 64))
    nan = rgb.astype(np.float32) / 255
    nan[0, 0, 0] = np.nan
    with pytest.raises(VidcolorError, match="NaN"):
        load_reference(_write_rgb(tmp_path / "nan.tif", nan), 0, None, (48, 64))


@pytest.mark.parametrize("ext", [".tif", ".jpg"])
def test_a_cmyk_reference_is_read_as_its_rgb(tmp_path, ext):
    from PIL import Image

    rgb = _ref_rgb()
    Image.fromarray(rgb).convert("CMYK").save(tmp_path / f"ref{ext}", quality=98)
    got = load_reference(tmp_path / f"ref{ext}", 0, None, (48, 64)).ab
    np.testing.assert_allclose(got, rgb_to_ab(rgb), atol=2.0)


def test_a_16bit_reference_keeps_its_precision(tmp_path):
    rgb16 = (_ref_rgb().astype(np.uint16) * 257 + 200)   # between 8-bit steps: 200 of 257
    ann = load_reference(_write_rgb(tmp_path / "ref16.png", rgb16), 0, None, (48, 64))
    np.testing.assert_allclose(ann.ab, rgb_to_ab(rgb16), atol=1e-3)
    assert np.abs(ann.ab - rgb_to_ab((rgb16 // 257).astype(np.uint8))).max() > 0.1   # not truncated to 8 bits
    rgba16 = np.dstack([rgb16, np.full((48, 64), 65535, np.uint16)])   # its alpha dropped
    cv2.imwrite(str(tmp_path / "ref16a.png"), cv2.cvtColor(rgba16, cv2.COLOR_RGBA2BGRA))
    np.testing.assert_allclose(load_reference(tmp_path / "ref16a.png", 0, None, (48, 64)).ab, ann.ab, atol=1e-3)


def test_a_cmyk_hints_image_is_refused_not_painted_everywhere(tmp_path):
    """OpenCV reads a CMYK TIFF with an opaque alpha of its own making: every pixel was a hint."""
    from PIL import Image

    Image.fromarray(_ref_rgb()).convert("CMYK").save(tmp_path / "h.tif")
    with pytest.raises(VidcolorError, match=r"hints image '.*h.tif' is a CMYK file.*transparent PNG"):
        read_hints_image(tmp_path / "h.tif", (48, 64))


def _stroke_mask():
    m = np.zeros((48, 64), bool)
    m[10:14, 5:30] = True
    return m


def _palette_png(path):
    from PIL import Image

    im = Image.fromarray(_stroke_mask().astype(np.uint8), "P")
    im.putpalette([0, 0, 0, 220, 30, 30] + [0] * 762)
    im.save(path, transparency=0)   # palette entry 0 transparent (a tRNS chunk)


def _gray_alpha_png(path):
    from PIL import Image

    la = np.zeros((48, 64, 2), np.uint8)
    la[_stroke_mask()] = (128, 255)
    Image.fromarray(la, "LA").save(path)


def _rgba16_png(path):
    bgra = np.zeros((48, 64, 4), np.uint16)
    bgra[_stroke_mask()] = (30 * 257, 30 * 257, 220 * 257, 40000)   # alpha 61 %: a hint of confidence 0.61
    cv2.imwrite(str(path), bgra)


def _rgba_tiff_half(path):
    from PIL import Image

    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[_stroke_mask()] = (220, 30, 30, 160)   # 63 % opaque: libtiff's RGBA path premultiplied it
    Image.fromarray(rgba, "RGBA").save(path)


@pytest.mark.parametrize("write, color", [
    (_palette_png, (220, 30, 30)), (_gray_alpha_png, (128, 128, 128)),
    (_rgba16_png, (220, 30, 30)), (_rgba_tiff_half, (220, 30, 30)),
], ids=["palette-trns", "gray-alpha", "rgba16", "rgba-tiff-half-alpha"])
def test_hints_images_with_transparency_paint_only_their_strokes(tmp_path, write, color):
    path = tmp_path / ("h.tif" if write is _rgba_tiff_half else "h.png")
    write(path)
    a = read_hints_image(path, (48, 64))
    np.testing.assert_array_equal(a.conf > 0, _stroke_mask())
    np.testing.assert_allclose(a.ab[12, 10], rgb_to_ab(np.array(color, np.uint8)), atol=0.5)


def test_a_soft_or_half_transparent_brush_paints_hints_of_its_opacity(tmp_path):
    """Paint below 50 % opacity was refused as 'fully transparent' (all of it) or dropped without a
    word (beside opaque strokes): its opacity is now the hint's confidence."""
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[5:10, 5:30] = (40, 160, 60, 100)      # 39 % green
    rgba[30:35, 5:30] = (220, 30, 30, 255)     # opaque red
    cv2.imwrite(str(tmp_path / "h.png"), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    a = read_hints_image(tmp_path / "h.png", (48, 64))
    assert a.conf[7, 10] == pytest.approx(100 / 255) and a.conf[32, 10] == 1.0 and a.conf[20, 10] == 0
    np.testing.assert_allclose(a.ab[7, 10], rgb_to_ab(np.array((40, 160, 60), np.uint8)), atol=0.5)
    faint = rgba.copy()
    faint[30:35] = 0
    cv2.imwrite(str(tmp_path / "faint.png"), cv2.cvtColor(faint, cv2.COLOR_RGBA2BGRA))
    assert read_hints_image(tmp_path / "faint.png", (48, 64)).conf.max() == pytest.approx(100 / 255)


def test_unreadable_hints_images_name_the_reason(tmp_path):
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(VidcolorError, match="not a readable image: file is empty"):
        read_hints_image(tmp_path / "empty.png", (48, 64))
    cv2.imwrite(str(tmp_path / "f.tif"), np.full((48, 64, 3), 200, np.float32))   # a float file in 0–255
    with pytest.raises(VidcolorError, match="not a readable image: .*0–1"):
        read_hints_image(tmp_path / "f.tif", (48, 64))
    with pytest.raises(VidcolorError, match="not found"):
        read_hints_image(tmp_path / "none.png", (48, 64))


def test_an_exif_rotated_jpeg_reference_is_taken_upright(tmp_path):
    """A camera or phone JPEG stored sideways with EXIF orientation 6 (turn 90° clockwise to view):
    the reference is the picture a viewer shows, not the stored array (which here has the other
    aspect ratio and would be refused)."""
    from PIL import Image

    upright = _ref_rgb()                      # 48 × 64, red band on the left
    stored = np.ascontiguousarray(np.rot90(upright, 1))   # 64 × 48: turned a quarter anticlockwise
    exif = Image.Exif()
    exif[274] = 6
    Image.fromarray(stored).save(tmp_path / "ref.jpg", quality=98, exif=exif)
    got = load_reference(tmp_path / "ref.jpg", 0, None, (48, 64)).ab
    want = rgb_to_ab(upright)
    assert np.abs(got - want)[4:-4, 4:-4].mean() < 2.0     # the red band stays on the left
    assert abs(float(got[:, :16, 0].mean()) - float(want[:, :16, 0].mean())) < 3.0


def test_display_aspect_of_anamorphic_and_turned_films():
    from fractions import Fraction

    from vidcolor.control.reference import display_aspect, shown_size

    dvd = Fraction(8, 9)   # 720×480 NTSC 4:3
    assert display_aspect((480, 720), dvd) == pytest.approx(4 / 3) and shown_size((480, 720), dvd) == (480, 640)
    assert display_aspect((480, 720), None) is None and shown_size((480, 720), Fraction(1)) == (480, 720)
    # stored 720×480, shown a quarter turn: upright it is 480 wide, 720 high, the samples' width vertical
    assert display_aspect((720, 480), dvd, turned=True) == pytest.approx(3 / 4)
    assert shown_size((720, 480), dvd, turned=True) == (640, 480)


def test_a_half_transparent_reference_is_a_reference_of_less_confidence(tmp_path):
    rgba = np.zeros((48, 64, 4), np.uint8)
    rgba[...] = (30, 30, 220, 100)   # painted at 39 % everywhere (BGRA): was refused as "fully transparent"
    cv2.imwrite(str(tmp_path / "r.png"), rgba)
    a = load_reference(tmp_path / "r.png", 0, None, (48, 64))
    assert a.conf.max() == pytest.approx(100 / 255) and a.ab[5, 5, 0] > 30
    rgba[..., 3] = 0
    cv2.imwrite(str(tmp_path / "none.png"), rgba)
    with pytest.raises(VidcolorError, match="fully transparent"):
        load_reference(tmp_path / "none.png", 0, None, (48, 64))
