"""vidcolor.inputs: which files a run renders and where each one goes (the CLI's side is in
test_process_folders.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vidcolor.errors import VidcolorError
from vidcolor.inputs import check_found_once, find_inputs, plan_outputs


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    return path


def test_find_inputs_walks_depth_first_sorted_and_passes_by_what_is_not_input(tmp_path):
    root = tmp_path / "t"
    for rel in ("b.png", "a.mp4", "z/c.jpg", "m/d.mkv", "m/n/e.png", ".hidden/f.png", "x.mp4.vidcolor-work/seg_00000.mp4",
                "out/old.none.png", "notes.txt"):
        _touch(root / rel)
    (root / "link").symlink_to(root / "m")
    passed = []
    found = find_inputs([root], recursive=True, exclude=root / "out", passed=passed)
    assert [(str(f.relative_to(root)), str(s)) for f, s in found] == [
        ("a.mp4", "."), ("b.png", "."), ("m/d.mkv", "m"), ("m/n/e.png", "m/n"), ("z/c.jpg", "z")]
    assert passed == [(root / "out", "the output folder: the files in it are not inputs")]
    assert [str(f.relative_to(root)) for f, _ in find_inputs([root])] == ["a.mp4", "b.png"]


def test_find_inputs_errors(tmp_path):
    with pytest.raises(VidcolorError, match="input not found"):
        find_inputs([tmp_path / "nope"])
    _touch(tmp_path / "only" / "sub" / "a.png")
    with pytest.raises(VidcolorError, match=r"has no videos or images \(add --recursive"):
        find_inputs([tmp_path / "only"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(VidcolorError, match="has no videos or images$"):
        find_inputs([tmp_path / "empty"], recursive=True)


def test_plan_outputs_mirrors_subfolders_and_lists_the_folders_to_make_outermost_first(tmp_path):
    files = [tmp_path / "in" / "a.png", tmp_path / "in" / "m" / "n" / "b.mp4", tmp_path / "in" / "m" / "c.png"]
    outs, make = plan_outputs(files, tmp_path / "out", "oil", "h264", True, [Path("."), Path("m/n"), Path("m")])
    assert outs == [tmp_path / "out" / "a.oil.png", tmp_path / "out" / "m" / "n" / "b.oil.mp4", tmp_path / "out" / "m" / "c.oil.png"]
    assert make[0] == tmp_path / "out" and set(make) == {tmp_path / "out", tmp_path / "out" / "m", tmp_path / "out" / "m" / "n"}
    assert make.index(tmp_path / "out" / "m") < make.index(tmp_path / "out" / "m" / "n")
    with pytest.raises(VidcolorError, match="among the inputs twice"):
        check_found_once([files[0], files[0]], [outs[0], tmp_path / "out" / "x" / "a.oil.png"])
    check_found_once(files, outs)
