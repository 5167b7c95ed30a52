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
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.batch.conftest import decoded, make_gop_clip, video_pts
from tests.clips import make_clip
from tests.faults import KILL_IN_JOIN, ROOT, SLOW, partials, run_process as _process, start, wait_for
from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.outputs import check_side_output


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


def _refused_as_cut_off(r, out: Path) -> bool:
    """A render refused before any work because its input is cut off (vidcolor.io.truncation)."""
    return (r.exit_code == 1 and r.output.startswith("Error: ") and "is cut off or damaged" in r.output
            and "--allow-truncated" in r.output and "Traceback" not in r.output and not out.exists())


def test_a_cut_off_video_is_refused_unless_allowed(tmp_path, tiny_weights):
    """A film cut off part-way (its header still declares 6 s) is refused before any work — nothing
    written; with --allow-truncated what there is is rendered, with a note saying so."""
    full = make_clip(tmp_path / "full.mkv", n_frames=144, codec="mjpeg", audio="aac")  # 6 s, every frame a keyframe
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 4 // 10])
    r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "out.mkv"), "--weights", str(tiny_weights)])
    assert _refused_as_cut_off(r, tmp_path / "out.mkv") and "it says it lasts 6.0 s, but its data end after about" in r.output, r.output
    r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "out.mkv"), "--weights", str(tiny_weights), "--allow-truncated"])
    assert r.exit_code == 0, r.output
    assert "may be truncated" in r.output and "lasts 6.0 s" in r.output
    r = CliRunner().invoke(cli, ["process", str(full), "-o", str(tmp_path / "whole.mkv"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and "truncated" not in r.output


def test_a_cut_off_mp4_with_its_index_first_is_refused(tmp_path, tiny_weights):
    """An MP4 whose index comes first (web downloads, phones: "faststart") opens when cut and lists
    every frame; FFmpeg decodes it up to the cut. Refused, as an MP4 with its index last (which
    does not open at all) is."""
    import av

    src = make_clip(tmp_path / "src.mp4", n_frames=96, audio="aac")
    fast = tmp_path / "fast.mp4"
    with av.open(str(src)) as i, av.open(str(fast), "w", options={"movflags": "faststart"}) as o:
        streams = {s.index: o.add_stream_from_template(s) for s in i.streams if s.type in ("video", "audio")}
        for p in i.demux():
            if p.dts is None or p.stream.index not in streams:
                continue
            p.stream = streams[p.stream.index]
            o.mux(p)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(fast.read_bytes()[: fast.stat().st_size // 2])
    for args in ([], ["--segment-seconds", "1"]):
        r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "out.mp4"), "--weights", str(tiny_weights), *args])
        assert _refused_as_cut_off(r, tmp_path / "out.mp4"), r.output
    r = CliRunner().invoke(cli, ["process", str(fast), "-o", str(tmp_path / "whole.mp4"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and "truncated" not in r.output, r.output


@pytest.mark.parametrize("n_frames", [6, 20, 48])
def test_a_cut_off_short_clip_says_so(tmp_path, tiny_weights, n_frames):
    """Under a second or two of film, a missing half is well under the 1 s that is slack for films."""
    full = make_clip(tmp_path / "full.mkv", n_frames=n_frames, codec="mjpeg")
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "out_cut.mkv"), "--weights", str(tiny_weights)])
    assert _refused_as_cut_off(r, tmp_path / "out_cut.mkv"), r.output
    for src, truncated, extra in ((cut, True, ["--allow-truncated"]), (full, False, [])):
        r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / f"out_{src.stem}.mkv"), "--weights", str(tiny_weights), *extra])
        assert r.exit_code == 0, r.output
        assert ("may be truncated" in r.output) == truncated, r.output


def _timed_clip(path: Path, durations_ms: list[int], video_start_ms: int = 0, audio_ms: int = 0) -> Path:
    """MJPEG frames of the given lengths (packet durations stated), the first at ``video_start_ms``;
    with ``audio_ms``, a silent AAC track from 0 (before the video, as in captures)."""
    import av
    from fractions import Fraction

    from tests.clips import frame_image

    tb = Fraction(1, 1000)
    with av.open(str(path), "w") as out:
        vs = out.add_stream("mjpeg", rate=round(1000 * len(durations_ms) / sum(durations_ms)))
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuvj420p"
        vs.time_base = vs.codec_context.time_base = tb
        if audio_ms:  # every stream before the first packet
            a = out.add_stream("aac", rate=48000)
            a.layout = "mono"
        t = video_start_ms
        for i, d in enumerate(durations_ms):
            fr = av.VideoFrame.from_ndarray(frame_image(i, (64, 48)), format="rgb24").reformat(format="yuvj420p")
            fr.pts, fr.time_base, fr.duration = t, tb, d
            for p in vs.encode(fr):
                p.duration = d
                out.mux(p)
            t += d
        out.mux(vs.encode(None))
        if audio_ms:
            for start in range(0, audio_ms * 48, 1024):
                f = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format="fltp", layout="mono")
                f.sample_rate, f.pts, f.time_base = 48000, start, Fraction(1, 48000)
                out.mux(a.encode(f))
            out.mux(a.encode(None))
    return path


@pytest.mark.parametrize("case", ["long last frame", "audio starts first", "stamped from 10 s"])
def test_a_whole_short_clip_is_not_called_truncated(tmp_path, tiny_weights, case):
    """A slideshow's last frame that stays 0.8 s (its stated duration, not the mean interval), a
    capture whose audio starts 0.3 s before the video (Matroska's duration counts from there), and a
    film stamped from 10 s (``ffmpeg -copyts``: FFmpeg's Matroska muxer writes its last timestamp as
    the duration — it looked 10 s short of it)."""
    if case == "long last frame":
        src = _timed_clip(tmp_path / "slides.mkv", [40] * 50 + [800])
    elif case == "audio starts first":
        src = _timed_clip(tmp_path / "capture.mkv", [40] * 20, video_start_ms=300, audio_ms=1000)
    else:
        src = _timed_clip(tmp_path / "late.mkv", [40] * 100, video_start_ms=10000)
        cut = tmp_path / "late_cut.mkv"
        cut.write_bytes(src.read_bytes()[: src.stat().st_size // 2])
        r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "cut_out.mkv"), "--weights", str(tiny_weights)])
        assert _refused_as_cut_off(r, tmp_path / "cut_out.mkv"), r.output   # still found when it is cut off
    for extra in ([], ["--segment-seconds", "0.5"]):
        r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / f"out{len(extra)}.mkv"), "--weights", str(tiny_weights), *extra])
        assert r.exit_code == 0, r.output
        assert "truncated" not in r.output, r.output


def test_a_cut_off_video_in_segments_too(tmp_path, tiny_weights):
    """Segmented: refused before a work folder exists; allowed, the join says it is shorter."""
    full = make_clip(tmp_path / "full.mkv", n_frames=144, codec="mjpeg")
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size * 4 // 10])
    base = ["process", str(cut), "-o", str(tmp_path / "out.mkv"), "--weights", str(tiny_weights), "--segment-seconds", "1"]
    r = CliRunner().invoke(cli, base)
    assert _refused_as_cut_off(r, tmp_path / "out.mkv") and sorted(p.name for p in tmp_path.iterdir()) == ["cut.mkv", "full.mkv"], r.output
    r = CliRunner().invoke(cli, [*base, "--allow-truncated"])
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


def test_a_batch_fails_a_cut_off_film_on_its_own(tmp_path, tiny_weights):
    """vidcolor batch: the cut-off film fails alone (named, nothing written for it), the others are
    rendered; --allow-truncated renders it too."""
    full = make_clip(tmp_path / "full.mkv", n_frames=48, codec="mjpeg")
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    out = tmp_path / "out"
    r = CliRunner().invoke(cli, ["batch", str(cut), str(full), "-o", str(out), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "is cut off or damaged" in r.output and "Traceback" not in r.output, r.output
    assert sorted(p.name for p in out.iterdir()) == ["full.none.mkv"]
    r = CliRunner().invoke(cli, ["batch", str(cut), str(full), "-o", str(out), "--weights", str(tiny_weights), "--allow-truncated"])
    assert r.exit_code == 0, r.output
    assert sorted(p.name for p in out.iterdir()) == ["cut.none.mkv", "full.none.mkv"]


def test_complete_films_that_look_short_are_not_refused(tmp_path, tiny_weights):
    """A last subtitle after the picture (Matroska's duration covers it), and a Matroska film stamped
    from 1 h cut in half is still found (its slack counts from its first frame, not from 0)."""
    import av
    from fractions import Fraction

    from tests.clips import frame_image

    src = tmp_path / "subs.mkv"
    with av.open(str(src), "w") as out:
        vs = out.add_stream("mjpeg", rate=24)
        vs.width, vs.height, vs.pix_fmt = 64, 48, "yuvj420p"
        ss = out.add_mux_stream("subrip")
        ss.time_base = Fraction(1, 1000)
        for i in range(48):
            fr = av.VideoFrame.from_ndarray(frame_image(i), format="rgb24").reformat(format="yuvj420p")
            fr.pts, fr.time_base = i, Fraction(1, 24)
            out.mux(vs.encode(fr))
        out.mux(vs.encode(None))
        p = av.Packet(b"The End")
        p.stream, p.time_base = ss, Fraction(1, 1000)
        p.pts = p.dts = 1500
        p.duration = 3000   # 1.5–4.5 s: after the picture's 2 s
        out.mux(p)
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mkv"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and "cut off" not in r.output, r.output
    late = _timed_clip(tmp_path / "late.mkv", [40] * 250, video_start_ms=3_600_000)
    cut = tmp_path / "late_cut.mkv"
    cut.write_bytes(late.read_bytes()[: late.stat().st_size // 2])
    r = CliRunner().invoke(cli, ["process", str(cut), "-o", str(tmp_path / "c.mkv"), "--weights", str(tiny_weights)])
    assert _refused_as_cut_off(r, tmp_path / "c.mkv") and "it says it lasts 10.0 s" in r.output, r.output
