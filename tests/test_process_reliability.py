"""`vidcolor process` under faults, as a user or a scheduler meets them: SIGTERM and SIGKILL
mid-run, two writers of one output, two inputs with one output name, and resuming by default.

Runs that must be interrupted mid-film go through a tiny wrapper that makes each inference batch
sleep (``SLOW``), so "mid-film" does not depend on the machine's speed; decoding, encoding and
muxing are the real PyAV code."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.batch.conftest import decoded, make_gop_clip, video_pts
from tests.clips import make_clip
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.outputs import check_side_output

ROOT = Path(__file__).parents[1]
SLOW = """
import sys, time
import vidcolor.pipeline.frames as frames
_infer = frames.FrameProcessor.infer
def infer(self, batch):
    time.sleep(float(sys.argv[1]))
    return _infer(self, batch)
frames.FrameProcessor.infer = infer
from vidcolor.cli import cli
cli(sys.argv[2:], prog_name="vidcolor")
"""
KILL_IN_JOIN = """
import os, signal, sys
from vidcolor.batch.concat import SegmentConcat
_write = SegmentConcat.write_packet
def write_packet(self, packet):
    if self.frames_written == 5:
        os.kill(os.getpid(), signal.SIGKILL)
    _write(self, packet)
SegmentConcat.write_packet = write_packet
from vidcolor.cli import cli
cli(sys.argv[1:], prog_name="vidcolor")
"""


def start(code: str, *args) -> subprocess.Popen:
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    return subprocess.Popen([sys.executable, "-c", code, *map(str, args)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def wait_for(cond, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    end = time.time() + timeout
    while not cond():
        if proc.poll() is not None:
            raise AssertionError(f"process ended early ({proc.returncode}): {proc.stderr.read().decode()[-2000:]}")
        if time.time() > end:
            proc.kill()
            raise AssertionError("timed out waiting")
        time.sleep(0.05)


def partials(folder: Path) -> list[Path]:
    return [p for p in folder.iterdir() if ".partial-" in p.name]


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(tmp_path_factory.mktemp("rel") / "film.mp4", n_frames=48, audio="aac")


def args(src, out, weights, *extra):
    return ["process", str(src), "-o", str(out), "--weights", str(weights), "--device", "cpu", "-q", *extra]


def test_sigterm_is_a_clean_abort(tmp_path, tiny_weights, clip):
    out = tmp_path / "out.mp4"
    proc = start(SLOW, 0.2, *args(clip, out, tiny_weights))
    wait_for(lambda: partials(tmp_path), proc)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 143, err.decode()
    assert "Error: terminated" in err.decode() and "Traceback" not in err.decode()
    assert list(tmp_path.iterdir()) == []  # nothing at or beside the output


def test_sigkill_leftovers_are_removed_by_the_next_run(tmp_path, tiny_weights, clip):
    out = tmp_path / "out.mp4"
    older = tmp_path / ".out.partial-4194303-0badf00d.mp4"  # left by an earlier killed run
    older.write_bytes(b"x")
    proc = start(SLOW, 0.2, *args(clip, out, tiny_weights))
    wait_for(lambda: any(f"-{proc.pid}-" in p.name for p in partials(tmp_path)), proc)
    assert not older.exists()  # the run removed it on start
    proc.kill()
    proc.wait()
    assert len(partials(tmp_path)) == 1  # its own, with its PID in the name
    r = CliRunner().invoke(cli, args(clip, out, tiny_weights))  # the same command again
    assert r.exit_code == 0, r.output
    assert [p.name for p in tmp_path.iterdir()] == ["out.mp4"]
    assert len(video_pts(out)) == 48


def test_two_writers_of_one_output(tmp_path, tiny_weights, clip):
    out = tmp_path / "out.mp4"
    first = start(SLOW, 0.1, *args(clip, out, tiny_weights))
    wait_for(lambda: partials(tmp_path), first)
    r = CliRunner().invoke(cli, args(clip, out, tiny_weights))
    assert r.exit_code == 1
    assert f"is being written by another vidcolor process (pid {first.pid})" in r.output
    _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err.decode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.mp4"] and len(video_pts(out)) == 48


def test_two_resumable_writers_of_one_output(tmp_path, tiny_weights):
    """With --resume both would share the work folder: the second fails at once and touches nothing."""
    from tests.io.test_lock import holder

    src = make_gop_clip(tmp_path / "in.mp4", n_frames=40)
    out = tmp_path / "o" / "out.mp4"
    out.parent.mkdir()
    work = out.parent / "out.mp4.vidcolor-work"
    work.mkdir()
    (work / "journal.json").write_text("{}")
    first = holder(out)  # holds the lock as a running render would
    try:
        r = CliRunner().invoke(cli, args(src, out, tiny_weights, "--resume", "--segment-seconds", "0.4"))
        assert r.exit_code == 1 and f"is being written by another vidcolor process (pid {first.pid})" in r.output
        assert [p.name for p in work.iterdir()] == ["journal.json"] and not out.exists()
    finally:
        first.kill()
        first.wait()


def test_sigkill_while_joining_segments(tmp_path, tiny_weights):
    src = make_gop_clip(tmp_path / "in.mp4", n_frames=40, audio="aac")
    out = tmp_path / "o" / "out.mp4"
    out.parent.mkdir()
    cmd = args(src, out, tiny_weights, "--resume", "--segment-seconds", "0.4")
    proc = start(KILL_IN_JOIN, *cmd)
    proc.communicate(timeout=180)
    assert proc.returncode == -signal.SIGKILL
    assert partials(out.parent) and not out.exists()
    r = CliRunner().invoke(cli, cmd)
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.parent.iterdir()) == ["out.mp4"] and len(video_pts(out)) == 40


@pytest.mark.parametrize("overwrite", [False, True])
def test_name_clash_is_refused_before_any_work(tmp_path, tiny_weights, overwrite):
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        make_clip(tmp_path / d / "clip.mp4", n_frames=4)
    out = tmp_path / "out"
    extra = ["--overwrite"] if overwrite else []
    r = CliRunner().invoke(cli, ["process", str(tmp_path / "a" / "clip.mp4"), str(tmp_path / "b" / "clip.mp4"), "-o", str(out),
                                 "--weights", str(tiny_weights), "-q", *extra])
    assert r.exit_code == 1
    assert "would both be written to" in r.output and "clip.none.mp4" in r.output
    assert "vidcolor batch" in r.output  # advice a process user can follow
    assert not out.exists()  # refused before the output folder was made


def test_existing_outputs_are_all_named_before_any_work(tmp_path, tiny_weights):
    srcs = [make_clip(tmp_path / f"{n}.mp4", n_frames=4) for n in ("x", "y", "z")]
    out = tmp_path / "out"
    out.mkdir()
    (out / "x.none.mp4").write_bytes(b"old")
    (out / "z.none.mp4").write_bytes(b"old")
    r = CliRunner().invoke(cli, ["process", *map(str, srcs), "-o", str(out), "--weights", str(tiny_weights), "-q"])
    assert r.exit_code == 1 and "2 output problems" in r.output
    assert "x.none.mp4" in r.output and "z.none.mp4" in r.output
    assert sorted(p.name for p in out.iterdir()) == ["x.none.mp4", "z.none.mp4"]


@pytest.fixture
def long_and_interrupted(monkeypatch):
    """Videos over 1 s count as long (resumable, 0.4 s segments); ``interrupted(args)`` runs the
    command with Ctrl-C arriving at segment 2."""
    import vidcolor.batch.render as render
    import vidcolor.batch.segments as segments
    import vidcolor.process as process

    monkeypatch.setattr(process, "AUTO_SEGMENT_AFTER", 1.0)
    monkeypatch.setattr(segments, "auto_segment_seconds", lambda info, device="cpu", render_size=256: 0.4)
    real = render.render_segment

    def ctrl_c_at_segment_2(colorizer, job, progress=None):
        if job.segment.index == 2:
            raise KeyboardInterrupt
        return real(colorizer, job, progress)

    def interrupted(cli_args):
        with monkeypatch.context() as m:
            m.setattr(render, "render_segment", ctrl_c_at_segment_2)
            return CliRunner().invoke(cli, cli_args)

    return interrupted


def test_long_videos_are_resumable_by_default(tmp_path, tiny_weights, long_and_interrupted):
    """A 'long' video (the threshold lowered for the test) renders in segments without --resume;
    Ctrl-C keeps the finished ones, and the very same command continues; --no-resume is one pass."""
    src = make_gop_clip(tmp_path / "in.mp4", n_frames=40, audio="aac")
    out, one = tmp_path / "out.mkv", tmp_path / "one.mkv"  # lossless: frames can be compared with a single pass
    r = long_and_interrupted(args(src, out, tiny_weights, "--codec", "ffv1"))
    assert r.exit_code == 130 and "Error: interrupted" in r.output
    assert "2 of 4 segment(s) are kept" in r.output and "run the same command again" in r.output
    assert not out.exists() and not partials(tmp_path)
    same = [a for a in args(src, out, tiny_weights, "--codec", "ffv1") if a != "-q"]  # the same command, notes shown
    r = CliRunner().invoke(cli, same)
    assert r.exit_code == 0, r.output
    assert "resumed: reused 2 of 4 segment(s)" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mkv"]
    assert CliRunner().invoke(cli, args(src, one, tiny_weights, "--codec", "ffv1", "--no-resume")).exit_code == 0
    assert video_pts(out) == video_pts(one)
    diff = [np.abs(a.astype(int) - b).mean() for (_, a), (_, b) in zip(decoded(out), decoded(one))]
    assert max(diff) < 0.25  # the joins match a single pass (warm-up) to about a code value


def test_no_resume_after_an_interruption_leaves_no_stale_segments(tmp_path, tiny_weights, long_and_interrupted):
    """Interrupted resumable render, then the user opts out with --no-resume: the single pass
    replaces the kept segments, whose work folder is removed (was left beside the output)."""
    from vidcolor.batch.segments import work_folder

    src = make_gop_clip(tmp_path / "in.mp4", n_frames=40)
    out = tmp_path / "out.mp4"
    assert long_and_interrupted(args(src, out, tiny_weights)).exit_code == 130
    assert work_folder(out).is_dir()
    r = CliRunner().invoke(cli, [a for a in args(src, out, tiny_weights, "--no-resume") if a != "-q"])
    assert r.exit_code == 0 and "removed 'out.mp4.vidcolor-work'" in r.output, r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4", "out.mp4"]


def test_short_videos_keep_the_single_pass(tmp_path, tiny_weights, clip):
    out = tmp_path / "out.mp4"
    r = CliRunner().invoke(cli, args(clip, out, tiny_weights)[:-1])
    assert r.exit_code == 0 and "segment" not in r.output
    assert len(video_pts(out)) == 48


def test_no_resume_conflicts(tmp_path, tiny_weights, clip):
    r = CliRunner().invoke(cli, args(clip, tmp_path / "o.mp4", tiny_weights, "--no-resume", "--segment-seconds", "5"))
    assert r.exit_code == 1 and "--no-resume" in r.output


def test_identical_runs_write_identical_bytes(tmp_path, tiny_weights, clip):
    """H.264 in MP4, plain and segmented: rerunning a command (in a new process or in this one)
    gives the same file, byte for byte (x264 keeps off its AVX-512 code, whose output varies from
    run to run; nothing time- or host-dependent is written)."""
    outs = [tmp_path / f"run{k}.mp4" for k in range(3)]
    env = dict(os.environ, OMP_NUM_THREADS="1", PYTHONPATH=str(ROOT))
    done = subprocess.run([sys.executable, "-m", "vidcolor", *args(clip, outs[0], tiny_weights)], env=env, capture_output=True, timeout=300)
    assert done.returncode == 0, done.stderr.decode()[-2000:]
    for out in outs[1:]:
        assert CliRunner().invoke(cli, args(clip, out, tiny_weights)).exit_code == 0
    assert len({out.read_bytes() for out in outs}) == 1
    segs = [tmp_path / f"seg{k}.mp4" for k in range(2)]
    for out in segs:
        r = CliRunner().invoke(cli, args(clip, out, tiny_weights, "--resume", "--segment-seconds", "0.5"))
        assert r.exit_code == 0, r.output
    assert segs[0].read_bytes() == segs[1].read_bytes()


def _process(*args, weights):
    return CliRunner().invoke(cli, ["process", *map(str, args), "--weights", str(weights), "-q"])


def test_scenes_file_is_checked_before_any_work(tmp_path, tiny_weights):
    clip = make_clip(tmp_path / "film.mp4", n_frames=4)
    before = clip.read_bytes()
    out = tmp_path / "out.mp4"
    other = tmp_path / "notes.csv"
    other.write_text("mine\n")
    cases = [
        ([clip, "-o", out, "--scenes", clip], "is the input file"),
        ([clip, "-o", out, "--scenes", out], "is the output file"),
        ([clip, "-o", out, "--scenes", other], "already exists"),
        ([clip, "-o", out, "--scenes", tmp_path / "nodir" / "cuts.csv"], "does not exist"),
    ]
    for args, message in cases:
        r = _process(*args, weights=tiny_weights)
        assert r.exit_code == 1 and message in r.output and "--scenes" in r.output, (args, r.output)
        assert not out.exists() and clip.read_bytes() == before and other.read_text() == "mine\n"
    with pytest.raises(VidcolorError, match="is a folder"):
        check_side_output(tmp_path, "--scenes", [(clip, out)], overwrite=True)
    r = _process(clip, "-o", out, "--scenes", other, "--overwrite", weights=tiny_weights)
    assert r.exit_code == 0, r.output
    assert other.read_text().startswith("scene,start_frame") and out.exists()


def test_unwritable_folders_are_refused_before_any_work(tmp_path, tiny_weights, read_only_folder):
    """A --scenes list (or an output) in a folder this user cannot write: refused up front, not after
    the render (which left the finished video behind and exited 1)."""
    clip = make_clip(tmp_path / "film.mp4", n_frames=4)
    ro = read_only_folder
    for args, message in (([clip, "-o", tmp_path / "out.mp4", "--scenes", ro / "cuts.csv"], "--scenes: folder"),
                          ([clip, "-o", ro / "out.mp4"], "output folder")):
        r = _process(*args, weights=tiny_weights)
        assert r.exit_code == 1 and message in r.output and "not writable" in r.output, (args, r.output)
        assert not (tmp_path / "out.mp4").exists()


def test_scenes_needs_one_video(tmp_path, tiny_weights):
    a, b = make_clip(tmp_path / "a.mp4", n_frames=4), make_clip(tmp_path / "b.mp4", n_frames=4)
    r = _process(a, b, "-o", tmp_path / "out", "--scenes", tmp_path / "cuts.csv", weights=tiny_weights)
    assert r.exit_code == 1 and "single video" in r.output
    assert not (tmp_path / "out").exists() and not (tmp_path / "cuts.csv").exists()


def test_several_inputs_need_an_output_folder(tmp_path, tiny_weights):
    a, b = make_clip(tmp_path / "a.mp4", n_frames=4), make_clip(tmp_path / "b.mp4", n_frames=4)
    r = _process(a, b, "-o", tmp_path / "single.mp4", weights=tiny_weights)
    assert r.exit_code == 1 and "looks like a file name" in r.output
    assert not (tmp_path / "single.mp4").exists()
    same = _process(a, a, "-o", tmp_path / "out", weights=tiny_weights)
    assert same.exit_code == 1 and "is given twice" in same.output and not (tmp_path / "out").exists()


def test_output_named_with_a_trailing_slash_is_a_folder(tmp_path, tiny_weights):
    clip = make_clip(tmp_path / "film.mp4", n_frames=4)
    r = _process(clip, "-o", f"{tmp_path / 'new'}/", weights=tiny_weights)
    assert r.exit_code == 0, r.output
    assert (tmp_path / "new" / "film.none.mp4").is_file()


def test_options_that_would_be_ignored_are_refused(tmp_path, tiny_weights):
    clip = make_clip(tmp_path / "film.mp4", n_frames=4)
    out = tmp_path / "out.mov"
    r = _process(clip, "-o", out, "--codec", "prores", "--crf", "10", weights=tiny_weights)
    assert r.exit_code == 1 and "--crf has no effect" in r.output and not out.exists()
    r = _process(clip, "-o", tmp_path / "out.mp4", "--ray-workers", "2", weights=tiny_weights)
    assert r.exit_code == 1 and "needs --ray" in r.output and not (tmp_path / "out.mp4").exists()


def test_output_extension_messages_say_what_to_do(tmp_path, tiny_weights):
    clip = make_clip(tmp_path / "film.mp4", n_frames=4)
    r = _process(clip, "-o", tmp_path / "out.avi", weights=tiny_weights)
    assert r.exit_code == 1 and "--codec" in r.output and "mpeg4" in r.output
    r = _process(clip, "-o", tmp_path / "out.png", weights=tiny_weights)
    assert r.exit_code == 1 and "image file name" in r.output
    r = _process(clip, "-o", tmp_path / "out.webm", weights=tiny_weights)
    assert r.exit_code == 1 and "cannot write '.webm'" in r.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["film.mp4"]
    r = _process(clip, "-o", tmp_path / "out.avi", "--codec", "mpeg4", weights=tiny_weights)
    assert r.exit_code == 0, r.output


def _video_with_longer_audio(path: Path, video_s: int = 3, audio_s: int = 7, rate: int = 24) -> Path:
    """An MKV whose audio goes on after the video (Matroska stores no per-stream duration)."""
    import av
    from fractions import Fraction

    from tests.clips import frame_image

    with av.open(str(path), "w") as out:
        vs = out.add_stream("mjpeg", rate=rate)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuvj420p"
        a = out.add_stream("aac", rate=48000)
        a.layout = "mono"
        for i in range(video_s * rate):
            fr = av.VideoFrame.from_ndarray(frame_image(i), format="rgb24").reformat(format="yuvj420p")
            fr.pts, fr.time_base = i, Fraction(1, rate)
            out.mux(vs.encode(fr))
        out.mux(vs.encode(None))
        for start in range(0, audio_s * 48000, 1024):
            t = (start + np.arange(1024)) / 48000
            f = av.AudioFrame.from_ndarray((0.3 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)[None], format="fltp", layout="mono")
            f.sample_rate, f.pts, f.time_base = 48000, start, Fraction(1, 48000)
            out.mux(a.encode(f))
        out.mux(a.encode(None))
    return path


def test_a_video_shorter_than_its_audio_is_not_called_truncated(tmp_path, tiny_weights):
    src = _video_with_longer_audio(tmp_path / "long_audio.mkv")
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "out.mkv"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0, r.output
    assert "truncated" not in r.output


def test_a_cut_off_video_says_so(tmp_path, tiny_weights):
    full = make_clip(tmp_path / "full.mkv", n_frames=144, codec="mjpeg", audio="aac")  # 6 s, every frame a keyframe
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 4 // 10])
    r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "out.mkv"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0, r.output
    assert "may be truncated" in r.output and "lasts 6.0 s" in r.output
    r = CliRunner().invoke(cli, ["process", str(full), "-o", str(tmp_path / "whole.mkv"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and "truncated" not in r.output


def test_a_cut_off_video_says_so_in_segments_too(tmp_path, tiny_weights):
    full = make_clip(tmp_path / "full.mkv", n_frames=144, codec="mjpeg")
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 4 // 10])
    r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "out.mkv"), "--weights", str(tiny_weights),
                                 "--segment-seconds", "1"])
    assert r.exit_code == 0, r.output
    assert "may be truncated" in r.output


def test_output_folders_are_made_after_the_checks(tmp_path, tiny_weights):
    a, b = make_clip(tmp_path / "a.mp4", n_frames=4), make_clip(tmp_path / "b.mp4", n_frames=4)
    nested = tmp_path / "new" / "nested"
    r = _process(a, b, "-o", nested, "--scenes", nested / "cuts.csv", weights=tiny_weights)
    assert r.exit_code == 1 and "single video" in r.output and not (tmp_path / "new").exists()
    r = _process(a, "-o", f"{nested}/", "--scenes", nested / "cuts.csv", weights=tiny_weights)
    assert r.exit_code == 0, r.output
    assert (nested / "a.none.mp4").is_file() and (nested / "cuts.csv").is_file()
    r = _process(a, b, "-o", tmp_path / "x" / "y", "--style", "nosuchstyle", weights=tiny_weights)
    assert r.exit_code == 1 and not (tmp_path / "x").exists()
    r = _process(a, b, "-o", tmp_path / "p" / "q", weights=tiny_weights)
    assert r.exit_code == 0 and sorted(q.name for q in (tmp_path / "p" / "q").iterdir()) == ["a.none.mp4", "b.none.mp4"]


def test_crf_is_refused_when_the_codec_chosen_for_alpha_has_none(tmp_path, tiny_weights):
    src = make_clip(tmp_path / "alpha.mov", n_frames=4, codec="prores", pix_fmt="yuva444p10le")
    r = _process(src, "-o", tmp_path / "out.mov", "--crf", "5", weights=tiny_weights)
    assert r.exit_code == 1 and "--crf has no effect with prores" in r.output and "alpha" in r.output
    assert not (tmp_path / "out.mov").exists()
    assert _process(src, "-o", tmp_path / "out.mov", weights=tiny_weights).exit_code == 0


def test_library_calls_with_wrong_values_raise_vidcolor_error(tmp_path, tiny_weights):
    """From Python: a batch size below 1 hung forever at 100 % CPU; a render size that is not a whole
    number raised TypeError; one path given as a string was read as a list of its characters."""
    from vidcolor.process import process_paths, process_video

    clip = make_clip(tmp_path / "film.mp4", n_frames=4)
    for kwargs, match in (({"batch_size": 0}, "batch size"), ({"batch_size": -2}, "batch size"),
                          ({"render_size": "abc"}, "render-size")):
        with pytest.raises(VidcolorError, match=match):
            process_video(clip, tmp_path / "o.mp4", weights=tiny_weights, **kwargs)
        assert not (tmp_path / "o.mp4").exists() and not list(tmp_path.glob(".o.mp4*"))
    results = process_paths(str(clip), tmp_path / "out.mp4", weights=tiny_weights)
    assert (tmp_path / "out.mp4").is_file() and len(results) == 1


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

    src = tmp_path / "scans"
    src.mkdir()
    for i in range(3):
        _photo(src / f"p{i}.png", i)
    real = proc.write_image
    calls = []

    def full_after_one(path, *args, **kwargs):
        calls.append(path)
        if len(calls) > 1:
            raise OSError(errno.ENOSPC, "No space left on device", str(Path(path).parent / f".{Path(path).name}.partial-1-x.png"))
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
