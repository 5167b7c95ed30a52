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
])
def test_bad_hint_files_name_the_problem(tmp_path, text, msg):
    with pytest.raises(VidcolorError, match=msg):
        read_hints_csv(_csv(tmp_path, text), (48, 64), is_video=False)


def test_empty_trailing_cells_from_a_spreadsheet_are_fine(tmp_path):
    (ann,) = read_hints_csv(_csv(tmp_path, "x,y,color\n1,1,#ff0000,,\n"), (48, 64), is_video=False)
    assert ann.conf.max() == 1.0


def test_bad_frame_values_in_video_hints(tmp_path):
    with pytest.raises(VidcolorError, match="frame index"):
        read_hints_csv(_csv(tmp_path, "x,y,color,frame\n1,1,#ff0000,soon\n"), (48, 64), is_video=True)
    assert parse_frame("83.2s", "x") == (None, 83.2) and parse_frame("7", "x") == (7, None)


def test_scribble_image(tmp_path):
    img = np.zeros((48, 64, 4), np.uint8)
    img[10:14, 5:30] = (0, 0, 255, 255)  # BGRA red stroke
    cv2.imwrite(str(tmp_path / "s.png"), img)
    a = read_hints_image(tmp_path / "s.png", (48, 64))
    assert a.conf.sum() == 4 * 25 and a.ab[12, 10, 0] > 50
    with pytest.raises(VidcolorError, match="same size"):
        read_hints_image(tmp_path / "s.png", (50, 64))
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
