"""The frame rate a file declares is the input's, whatever the containers, codecs and render
path: the container's average rate, FFmpeg's guessed rate, and the rate in the codec's own
timing info (H.264/HEVC VUI: what decoders and ffprobe report as the codec frame rate).

Codecs whose bitstream states no frame rate (ProRes, FFV1) have none to check; MPEG-4 Part 2 as
FFmpeg writes it states one tick of the time base, so it is right only in AVI at whole rates."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import pytest
from click.testing import CliRunner

from tests.batch.conftest import make_gop_clip
from tests.clips import make_clip
from vidcolor.batch.batch import FilmJob, run_batch
from vidcolor.batch.segments import process_video_segmented
from vidcolor.cli import cli
from vidcolor.io.video import probe_video
from vidcolor.pipeline.engine import Colorizer
from vidcolor.process import process_video

RATE = Fraction(24000, 1001)


@pytest.fixture(scope="module")
def col(tiny_weights):
    return Colorizer(tiny_weights, device="cpu")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    d = tmp_path_factory.mktemp("rate_in")
    return {"mkv": make_gop_clip(d / "in.mkv", n_frames=30, rate=RATE),
            "mp4": make_gop_clip(d / "in.mp4", n_frames=30, rate=RATE),
            "avi": make_clip(d / "in.avi", n_frames=30, rate=RATE, codec="mpeg4")}


def declared(path) -> tuple[Fraction, Fraction, Fraction, list[int]]:
    """(container average rate, guessed rate, codec-level rate, frame pts) of a reopened file."""
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        rates = s.average_rate, s.guessed_rate, s.codec_context.framerate
        return (*rates, [f.pts for f in c.decode(s)])


def frame_times(path) -> list[float]:
    with av.open(str(path)) as c:
        return [f.time for f in c.decode(video=0)]


@pytest.mark.parametrize("src", ["mkv", "avi", "mp4"])
@pytest.mark.parametrize("ext", [".mkv", ".mp4", ".mov"])
@pytest.mark.parametrize("codec", ["h264", "hevc"])
def test_plain_and_segmented_declare_the_input_rate(tmp_path, col, inputs, src, ext, codec):
    plain, seg = tmp_path / f"plain{ext}", tmp_path / f"seg{ext}"
    process_video(inputs[src], plain, "none", colorizer=col, codec=codec)
    r = process_video_segmented(inputs[src], seg, "none", colorizer=col, codec=codec, segment_seconds=0.4, resume=False)
    assert r.segments == 3
    for path in (plain, seg):
        avg, guessed, codec_rate, pts = declared(path)
        assert (avg, guessed, codec_rate) == (RATE, RATE, RATE), path.name
        assert len(pts) == 30
    assert declared(plain)[3] == declared(seg)[3]


@pytest.mark.parametrize("rate", [Fraction(25), Fraction(30000, 1001)], ids=["25", "29.97"])
@pytest.mark.parametrize("src", [".mkv", ".mp4"])
def test_cli_plain_and_resume_declare_25_and_ntsc_rates(tmp_path, tiny_weights, rate, src):
    """What a user runs: ``vidcolor process IN -o OUT`` and the same with ``--resume`` (segments)."""
    inp = make_gop_clip(tmp_path / f"in{src}", n_frames=30, rate=rate)
    for ext in (".mkv", ".mp4", ".mov"):
        for extra in ([], ["--resume", "--segment-seconds", "0.4"]):
            out = tmp_path / f"out{'_seg' if extra else ''}{ext}"
            r = CliRunner().invoke(cli, ["process", str(inp), "-o", str(out), "--weights", str(tiny_weights),
                                         "--device", "cpu", "-q", *extra])
            assert r.exit_code == 0, r.output
            avg, guessed, codec_rate, _ = declared(out)
            assert (avg, guessed, codec_rate) == (rate, rate, rate), out.name
            assert frame_times(out) == pytest.approx([i / rate for i in range(30)], abs=6e-4)  # Matroska rounds to ms


def test_batch_declares_the_input_rate(tmp_path, tiny_weights, inputs):
    jobs = [FilmJob(inputs["mkv"], None, "none", segment_seconds=0.4), FilmJob(inputs["avi"], Path("avi.mkv"), "none", segment_seconds=0.4),
            FilmJob(inputs["mp4"], Path("mp4.mov"), "none", segment_seconds=0.4)]
    outcomes = run_batch(jobs, tmp_path / "out", weights=tiny_weights, device="cpu")
    assert [o.status for o in outcomes] == ["done", "done", "done"]
    for o in outcomes:
        assert declared(o.output)[:3] == (RATE, RATE, RATE), o.output.name


def test_vfr_input_keeps_its_timestamps(tmp_path, col):
    """A variable-rate input is not forced onto a constant rate: every pts survives."""
    from tests.clips import vfr_pts

    inp = make_clip(tmp_path / "vfr.mkv", n_frames=12, vfr=True)
    out = tmp_path / "vfr.mp4"
    process_video(inp, out, "none", colorizer=col)
    assert frame_times(out) == pytest.approx([vfr_pts(i) / 1000 for i in range(12)], abs=1e-6)


@pytest.mark.parametrize("name, rate, vfr, expected_rate", [
    ("vfr.mkv", None, True, None),                              # Matroska states 25 fps three ways for it
    ("ntsc.mkv", Fraction(30000, 1001), False, Fraction(30000, 1001)),   # 33/34 ms steps: even
    ("slides.mkv", Fraction(1, 2), False, Fraction(1, 2)),      # a slideshow: one frame in two seconds
    ("slides.mp4", Fraction(1, 2), False, Fraction(1, 2)),
])
def test_frame_rate_and_its_evenness_come_from_the_timestamps(tmp_path, name, rate, vfr, expected_rate):
    src = make_clip(tmp_path / name, n_frames=8, vfr=vfr, **({"rate": rate} if rate else {}))
    info = probe_video(src)
    assert info.is_vfr == vfr
    if expected_rate is not None:
        assert info.frame_rate == expected_rate
