"""`vidcolor process` on several files or a folder: a damaged file does not stop the others,
--skip-existing goes on where a run stopped, a full disk or Ctrl-C stops it and says how to go on."""

from __future__ import annotations

import signal

import numpy as np
import pytest
from click.testing import CliRunner

from tests.clips import make_clip
from tests.faults import SLOW, partials, run_process as _process, start, wait_for
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError


def _photo(path, seed):
    from vidcolor.io.image import write_image

    write_image(path, np.random.default_rng(seed).random((40, 56, 3), dtype=np.float32))
    return path


def test_one_damaged_file_in_a_folder_does_not_stop_the_others(tmp_path, tiny_weights):
    """A folder of a restorer's scans with one damaged file: the others are written, the damaged ones
    are named each on an 'error:' line with nothing written for them, and the exit status is 1;
    after the fix, --skip-existing renders only what is missing."""
    src = tmp_path / "scans"
    src.mkdir()
    for i in range(3):
        _photo(src / f"p{i}.png", i)
    good_png = (src / "p1.png").read_bytes()
    (src / "p1.png").write_bytes(good_png[: len(good_png) // 2])   # cut off in a copy
    (src / "film.mp4").write_bytes(b"\0" * 4096)                   # not a video at all
    make_clip(src / "clip.mp4", n_frames=4)
    before = {p.name: p.read_bytes() for p in src.iterdir()}
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights)])
    assert r.exit_code == 1, r.output
    lines = r.output.splitlines()
    assert sum(line.startswith("error: ") for line in lines) == 2
    assert any(line.startswith("error: ") and "p1.png" in line for line in lines)
    assert any(line.startswith("error: ") and "film.mp4" in line for line in lines)
    assert lines[-1] == "Error: 2 of 5 inputs failed (named above; no output file was written for them), 3 written"
    assert sorted(p.name for p in out.iterdir()) == ["clip.none.mp4", "p0.none.png", "p2.none.png"]
    assert {p.name: p.read_bytes() for p in src.iterdir()} == before
    assert not list(out.glob(".*"))  # no partial file left beside the outputs

    (src / "p1.png").write_bytes(good_png)
    (src / "film.mp4").unlink()
    stamps = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights), "--skip-existing"])
    assert r.exit_code == 0, r.output
    assert r.output.count("skipped: ") == 3 and f"{src / 'p1.png'} -> {out / 'p1.none.png'}" in r.output
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir() if p.name in stamps} == stamps
    assert read_image_ok(out / "p1.none.png")
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights), "--skip-existing", "--overwrite"])
    assert r.exit_code == 1 and "choose one" in r.output


def read_image_ok(path):
    from vidcolor.io.image import read_image

    return read_image(path).shape == (40, 56, 3)


def test_a_single_damaged_input_is_still_one_error_line(tmp_path, tiny_weights):
    bad = tmp_path / "scan.png"
    bad.write_bytes(_photo(tmp_path / "good.png", 0).read_bytes()[:200])
    r = _process(bad, "-o", tmp_path / "out.png", weights=tiny_weights)
    assert r.exit_code == 1 and r.output.count("\n") == 1 and r.output.startswith("Error: cannot read image")
    assert not (tmp_path / "out.png").exists()


def test_library_reports_each_file_as_it_is_done(tmp_path, tiny_weights):
    from vidcolor.process import process_paths

    a, b = _photo(tmp_path / "a.png", 0), tmp_path / "b.png"
    b.write_bytes(a.read_bytes()[:100])
    seen = []
    results = process_paths([a, b], tmp_path / "out", weights=tiny_weights, on_result=seen.append)
    assert [(r.input.name, r.status) for r in results] == [("a.png", "done"), ("b.png", "failed")]
    assert seen == results and "b.png" in results[1].detail and not results[1].output.exists()
    with pytest.raises(VidcolorError, match="b.png"):   # one file: raised, as before
        process_paths([b], tmp_path / "one.png", weights=tiny_weights)


def test_skip_existing_still_refuses_clashes_and_earlier_results_among_the_inputs(tmp_path, tiny_weights):
    """--skip-existing does not turn a refused command into a silent one: a folder holding its own
    earlier results (default outputs in the current folder) is refused, not colorized again as
    'a.none.none.png'; two inputs with one output name are refused even when that output exists."""
    work = tmp_path / "scans"
    work.mkdir()
    _photo(work / "a.png", 0)
    r = _process(work, "-o", work, weights=tiny_weights)
    assert r.exit_code == 0, r.output
    r = _process(work, "-o", work, "--skip-existing", weights=tiny_weights)
    assert r.exit_code == 1 and "is also an input" in r.output and "-o" in r.output
    assert sorted(p.name for p in work.iterdir()) == ["a.none.png", "a.png"]
    films = tmp_path / "films"
    films.mkdir()
    a, ts = make_clip(films / "a.mp4", n_frames=4), make_clip(films / "a.ts", n_frames=4)   # both → a.none.mp4
    out = tmp_path / "out"
    out.mkdir()
    assert _process(a, "-o", out / "a.none.mp4", weights=tiny_weights).exit_code == 0
    r = _process(a, ts, "-o", out, "--skip-existing", weights=tiny_weights)
    assert r.exit_code == 1 and "would both be written to" in r.output
    r = _process(a, a, "-o", out, "--skip-existing", weights=tiny_weights)
    assert r.exit_code == 1 and "given twice" in r.output


def test_skip_existing_with_one_input_and_its_side_files(tmp_path, tiny_weights):
    clip = make_clip(tmp_path / "film.mp4", n_frames=4)
    out, cuts = tmp_path / "film.none.mp4", tmp_path / "cuts.csv"
    assert _process(clip, "-o", out, "--scenes", cuts, weights=tiny_weights).exit_code == 0
    made = out.read_bytes()
    r = CliRunner().invoke(cli, ["process", str(clip), "-o", str(out), "--scenes", str(cuts), "--skip-existing",
                                 "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and r.output.startswith(f"skipped: {clip} ('{out}' exists)"), r.output
    assert out.read_bytes() == made
    r = _process(clip, "-o", out, weights=tiny_weights)   # the refusal names both ways out
    assert r.exit_code == 1 and "--overwrite" in r.output and "--skip-existing" in r.output


def test_results_come_back_in_the_order_of_the_inputs(tmp_path, tiny_weights):
    from vidcolor.process import process_paths

    good = _photo(tmp_path / "good.png", 0)
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    text = tmp_path / "text.mp4"
    text.write_text("not a film\n")
    clip = make_clip(tmp_path / "clip.mp4", n_frames=4)
    seen = []
    results = process_paths([good, empty, clip, text], tmp_path / "out", weights=tiny_weights, on_result=seen.append)
    assert [(r.input.name, r.status) for r in results] == [("good.png", "done"), ("empty.png", "failed"),
                                                           ("clip.mp4", "done"), ("text.mp4", "failed")]
    assert [r.input.name for r in seen] == ["empty.png", "text.mp4", "good.png", "clip.mp4"]   # as they happened


def test_a_full_disk_stops_a_folder_and_names_the_output(tmp_path, tiny_weights, monkeypatch):
    """A full disk (or quota) fails every later file the same way: the run stops at the first, names
    the output (not its hidden temporary file) and says how to go on. The disk cannot be filled
    portably in a test, so the photo writer raises what a full one does."""
    import errno

    import vidcolor.process as proc
    from vidcolor.io.atomic import partial_path

    src = tmp_path / "scans"
    src.mkdir()
    for i in range(3):
        _photo(src / f"p{i}.png", i)
    real = proc.write_image
    calls = []

    def full_after_one(path, *args, **kwargs):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(partial_path(path)))   # the hidden file being written
        return real(path, *args, **kwargs)

    monkeypatch.setattr(proc, "write_image", full_after_one)
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and len(calls) == 2
    assert f"Error: cannot write '{out / 'p1.none.png'}': No space left on device" in r.output
    assert "add --skip-existing to the same command" in r.output and ".partial-" not in r.output
    assert sorted(p.name for p in out.iterdir()) == ["p0.none.png"]


def test_an_interrupted_folder_says_how_to_go_on_and_goes_on(tmp_path, tiny_weights):
    src = tmp_path / "films"
    src.mkdir()
    for n in ("a", "b", "c"):
        make_clip(src / f"{n}.mp4", n_frames=8)
    out = tmp_path / "out"
    cmd = ["process", src, "-o", out, "--weights", tiny_weights, "--batch-size", "4"]
    proc = start(SLOW, 0.3, *cmd)
    wait_for(lambda: (out / "a.none.mp4").exists(), proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err.decode()
    assert "add --skip-existing to the same command" in err.decode()
    assert (out / "a.none.mp4").is_file() and not partials(out)
    made = (out / "a.none.mp4").read_bytes()
    r = CliRunner().invoke(cli, [*map(str, cmd), "--skip-existing"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["a.none.mp4", "b.none.mp4", "c.none.mp4"]
    assert (out / "a.none.mp4").read_bytes() == made


def test_a_closed_stdout_does_not_stop_the_work(tmp_path, tiny_weights):
    """vidcolor process FOLDER | head -1: the reader goes away after one line; every file is still
    written (the lines printed as each file is done used to end the run with 'Broken pipe')."""
    src = tmp_path / "scans"
    src.mkdir()
    for i in range(4):
        _photo(src / f"p{i}.png", i)
    out = tmp_path / "out"
    proc = start("from vidcolor.cli import cli; import sys; cli(sys.argv[1:], prog_name='vidcolor')",
                 "process", src, "-o", out, "--weights", tiny_weights)
    assert proc.stdout.readline().startswith(str(src).encode())
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert sorted(p.name for p in out.iterdir()) == [f"p{i}.none.png" for i in range(4)]


def test_an_output_another_process_is_writing_is_skipped_with_skip_existing(tmp_path, tiny_weights):
    src = tmp_path / "scans"
    src.mkdir()
    for i in range(2):
        _photo(src / f"p{i}.png", i)
    out = tmp_path / "out"
    out.mkdir()
    holder = start("import sys, time; from vidcolor.io.lock import OutputLock\n"
                   "with OutputLock(sys.argv[1]):\n    print('held', flush=True); time.sleep(60)", out / "p1.none.png")
    try:
        assert holder.stdout.readline().strip() == b"held"
        r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--skip-existing", "--weights", str(tiny_weights)])
        assert r.exit_code == 0, r.output
        assert f"skipped: {src / 'p1.png'} ('{out / 'p1.none.png'}' is being written by another vidcolor process (pid {holder.pid}))" in r.output
        assert (out / "p0.none.png").is_file() and not (out / "p1.none.png").exists()
        r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--overwrite", "--weights", str(tiny_weights)])
        assert r.exit_code == 1 and "being written by another vidcolor process" in r.output   # without the flag: a failure
    finally:
        holder.kill()
        holder.wait()


def test_recursive_mirrors_the_subfolders_and_leaves_out_hidden_work_and_output_folders(tmp_path, tiny_weights, monkeypatch):
    """A restorer's tree of reels: --recursive renders every level into the same subfolders of the
    output folder; hidden folders, a segmented render's work folder and the output folder itself
    (inside the tree) are not inputs; without --recursive, a folder of folders says so."""
    src = tmp_path / "reels"
    (src / "r1" / "scans").mkdir(parents=True)
    (src / "r2").mkdir()
    (src / ".thumbs").mkdir()
    (src / "old.mp4.vidcolor-work").mkdir()
    (src / "empty").mkdir()
    _photo(src / "r1" / "scans" / "p.png", 0)
    _photo(src / "r2" / "p.png", 1)          # same name in another reel: no clash, its own subfolder
    _photo(src / ".thumbs" / "t.png", 2)
    make_clip(src / "old.mp4.vidcolor-work" / "seg_00000.mp4", n_frames=2)
    make_clip(src / "r1" / "clip.mp4", n_frames=3)
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o"), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "has no videos or images (add --recursive to look inside its folders)" in r.output
    assert not (tmp_path / "o").exists()

    out = src / "colored"
    r = CliRunner().invoke(cli, ["process", str(src), "-r", "-o", str(out), "--weights", str(tiny_weights)])
    assert r.exit_code == 0, r.output
    made = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert made == ["r1/clip.none.mp4", "r1/scans/p.none.png", "r2/p.none.png"]
    assert not (out / "empty").exists()
    # the same command again: the output folder inside the tree is not an input
    r = CliRunner().invoke(cli, ["process", str(src), "-r", "-o", str(out), "--weights", str(tiny_weights), "--skip-existing"])
    assert r.exit_code == 0 and r.output.count("skipped: ") == 4, r.output
    assert f"skipped: {out} (the output folder: the files in it are not inputs)" in r.output
    # -o an input subfolder: its own files are not inputs then, and the run says so
    r = CliRunner().invoke(cli, ["process", str(src), "-r", "-o", str(src / "r2"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and f"skipped: {src / 'r2'} (the output folder" in r.output, r.output
    assert not (src / "r2" / "r2").exists() and (src / "r2" / "r1" / "clip.none.mp4").is_file()
    # without -o the tree is mirrored in the current folder
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["process", "reels/r1", "-r", "--weights", str(tiny_weights)])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "clip.none.mp4").is_file() and (tmp_path / "scans" / "p.none.png").is_file()
    assert "reels/r1/scans/p.png -> scans/p.none.png" in r.output


def test_recursive_output_folders_are_made_after_the_checks_and_only_where_something_is_written(tmp_path, tiny_weights):
    src = tmp_path / "tree"
    (src / "a").mkdir(parents=True)
    (src / "b").mkdir()
    _photo(src / "a" / "p.png", 0)
    (src / "b" / "bad.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)   # damaged: fails when its turn comes
    out = tmp_path / "out"
    (tmp_path / "taken").write_text("x")
    r = CliRunner().invoke(cli, ["process", str(src), "-r", "-o", str(tmp_path / "taken" / "x"), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "is a file" in r.output
    r = CliRunner().invoke(cli, ["process", str(src), "-r", "-o", str(out), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "1 of 2 inputs failed" in r.output
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*")) == ["a", "a/p.none.png"]


def test_recursive_refuses_a_file_found_twice_and_a_tree_copied_into_itself(tmp_path, tiny_weights, monkeypatch):
    src = tmp_path / "reels"
    (src / "r1").mkdir(parents=True)
    _photo(src / "r1" / "a.png", 0)
    _photo(src / "b.png", 1)
    for args in ([src, src / "r1"], [src / "r1" / "a.png", src]):
        r = CliRunner().invoke(cli, ["process", *map(str, args), "-r", "-o", str(tmp_path / "o"), "--weights", str(tiny_weights)])
        assert r.exit_code == 1 and "is among the inputs twice" in r.output and "give each folder or file once" in r.output, r.output
        assert not (tmp_path / "o").exists()
    monkeypatch.chdir(src / "r1")
    r = CliRunner().invoke(cli, ["process", "..", "-r", "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "the current folder is inside the input folder '..'" in r.output and "-o" in r.output
    assert sorted(p.name for p in (src / "r1").iterdir()) == ["a.png"]


def test_recursive_passes_by_a_folder_it_cannot_read(tmp_path, tiny_weights, monkeypatch):
    """lost+found on a drive's root (root-only): the rest of the tree is rendered, the folder named."""
    import os

    src = tmp_path / "drive"
    (src / "lost+found").mkdir(parents=True)
    (src / "films").mkdir()
    _photo(src / "films" / "a.png", 0)
    _photo(src / "lost+found" / "x.png", 1)
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: "lost+found" not in str(p) and real_access(p, mode, **kw))
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["process", str(src), "-r", "-o", str(out), "--weights", str(tiny_weights)])
    assert r.exit_code == 0, r.output
    assert f"skipped: {src / 'lost+found'} (cannot be read (permission denied))" in r.output
    assert sorted(str(p.relative_to(out)) for p in out.rglob("*.png")) == ["films/a.none.png"]
