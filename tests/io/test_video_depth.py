"""Films of more than 8 bits per sample (10-bit ProRes/DNxHR/HEVC masters): read with 16 bits,
colorized, and written with their depth where the codec has a profile for it (ProRes, HEVC, FFV1);
H.264 stays 8-bit and says so."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest
from click.testing import CliRunner

from tests.clips import make_clip
from vidcolor.cli import cli
from vidcolor.io import VideoReader, probe_video
from vidcolor.io.codecs import output_depth
from vidcolor.io.video_writer import VideoWriter

W, H, N = 320, 48, 6


def _luma10(i: int) -> np.ndarray:
    """Limited-range 10-bit luma (64–940): a shallow horizontal ramp on top (300 codes across 320
    pixels: 8 bits hold 88 of them), a moving bright square below."""
    y = np.full((H, W), 400, np.uint16)
    y[: H // 2] = np.round(np.linspace(420, 720, W)).astype(np.uint16)[None, :]
    y[H // 2 + 4: H // 2 + 20, 10 + 4 * i: 26 + 4 * i] = 860
    return y


def _deep_clip(path, codec="prores_ks", pix_fmt="yuv422p10le", options=None):
    """A gray 10-bit film (neutral chroma), exactly :func:`_luma10` in its Y plane."""
    with av.open(str(path), "w") as out:
        s = out.add_stream(codec, rate=25)
        s.width, s.height, s.pix_fmt = W, H, pix_fmt
        s.options = options or {}
        for i in range(N):
            f = av.VideoFrame(W, H, pix_fmt)
            for k, plane in enumerate(f.planes):
                a = np.frombuffer(plane, np.dtype("<u2")).reshape(plane.height, -1)[:, : plane.width]
                a[...] = _luma10(i) if k == 0 else 512
            f.pts = i
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    return path


def _lossless_source(tmp_path):
    return _deep_clip(tmp_path / "master.mkv", "ffv1", "yuv422p10le")


def test_output_depth_per_codec():
    assert [output_depth(10, c) for c in ("prores", "hevc", "ffv1", "h264", "mpeg4")] == [10, 10, 10, 8, 8]
    assert [output_depth(12, c) for c in ("prores", "hevc", "ffv1")] == [10, 10, 12]   # HEVC Main 10: what players play
    assert [output_depth(16, c) for c in ("hevc", "ffv1")] == [10, 16]
    assert output_depth(8, "ffv1") == 8


def test_reader_gives_16_bit_luma_only_when_asked_and_deep(tmp_path):
    src = _lossless_source(tmp_path)
    with VideoReader(src, fmt="gray", deep=True) as r:
        frames = list(r)
    assert r.info.bit_depth == 10 and len(frames) == N
    f = frames[2]
    assert f.deep.dtype == np.uint16 and f.deep.shape == (H, W)
    expected = np.clip((_luma10(2).astype(float) - 64) / 876, 0, 1) * 65535
    assert np.abs(f.deep - expected).max() <= 65535 / 876 / 2 + 1          # within half a 10-bit code
    assert np.array_equal(f.image, np.rint(f.deep / 257.0).astype(np.uint8))   # the 8-bit view is its rounding
    assert len(np.unique(f.deep[0])) > 256 > len(np.unique(f.image[0]))
    with VideoReader(src, fmt="gray") as r:
        assert next(iter(r)).deep is None
    with VideoReader(make_clip(tmp_path / "e.mp4", n_frames=2), fmt="gray", deep=True) as r:
        assert r.info.bit_depth == 8 and next(iter(r)).deep is None


@pytest.mark.parametrize("codec,ext,pix_fmt", [("prores", ".mov", "yuv422p10le"), ("hevc", ".mkv", "yuv420p10le"),
                                               ("ffv1", ".mkv", "gbrp10le"), ("h264", ".mp4", "yuv420p")])
def test_writer_keeps_the_depth_where_the_codec_can(tmp_path, codec, ext, pix_fmt):
    info = probe_video(_lossless_source(tmp_path))
    out = tmp_path / f"o{ext}"
    ramp = np.round(np.linspace(0, 65535, W)).astype(np.uint16)
    with VideoWriter(out, info, codec=codec, audio_source=None) as w:
        for i in range(3):
            w.write(np.dstack([np.tile(ramp, (H, 1))] * 3), i)
            w.write(np.full((H, W, 3), 128, np.uint8), None)    # 8-bit frames are taken too
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == 6 and frames[0].format.name == pix_fmt
    assert w.depth == (8 if codec == "h264" else 10)
    assert any("10-bit video" in n and "8 bits" in n for n in w.notes) == (codec == "h264")
    levels = len(np.unique(frames[0].to_ndarray(format="rgb48le")[H // 2, :, 1]))
    assert levels > 256 if codec != "h264" else levels <= 256     # the ramp's 320 steps survive in 10 bits


def test_plain_colorization_keeps_a_10_bit_masters_luma(tmp_path, tiny_weights):
    """The luma of a 10-bit master, kept code for code (within one 10-bit code, lossless FFV1), and
    the ramp's 300 levels (an 8-bit render keeps 83)."""
    src = _lossless_source(tmp_path)
    out = tmp_path / "o.mkv"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--codec", "ffv1", "--weights", str(tiny_weights),
                                 "--device", "cpu"])
    assert r.exit_code == 0 and "bits per sample" not in r.output, r.output
    with av.open(str(out)) as c:
        frames = list(c.decode(video=0))
    assert len(frames) == N and frames[0].format.name == "gbrp10le"
    for i, f in enumerate(frames):
        y = f.to_ndarray(format="rgb48le").astype(float) / 65535 @ np.array([0.299, 0.587, 0.114])
        expected = (_luma10(i).astype(float) - 64) / 876
        assert np.abs(y - expected).max() * 876 <= 1.0
    assert len(np.unique(np.round(y[0] * 876))) > 256


def test_h264_output_of_a_deep_master_is_8_bit_and_says_so(tmp_path, tiny_weights):
    src = _lossless_source(tmp_path)
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mp4"), "--codec", "h264", "--weights", str(tiny_weights),
                                 "--device", "cpu"])
    assert r.exit_code == 0, r.output
    assert "10-bit video: colorized and written with 8 bits per sample (h264 is 8-bit here; --codec hevc, prores or ffv1 keep more)" \
        in r.output


@pytest.mark.parametrize("source,ext,codec,pix_fmt", [
    ("prores", ".mov", "prores", "yuv422p10le"), ("ffv1", ".mov", "hevc", "yuv420p10le"), ("ffv1", ".mp4", "hevc", "yuv420p10le"),
    ("ffv1", ".mkv", "ffv1", "gbrp10le"), ("prores", ".mkv", "hevc", "yuv420p10le"), ("ffv1", ".avi", "ffv1", "gbrp10le"),
    ("ffv1", ".m4v", "h264", "yuv420p")])
def test_without_codec_a_deep_master_keeps_its_depth(tmp_path, tiny_weights, source, ext, codec, pix_fmt):
    """No --codec: a 10-bit film gets the container's codec that keeps 10 bits — a master its class
    (ProRes into .mov, lossless FFV1 into .mkv), others HEVC Main 10 (.m4v cannot hold HEVC: H.264,
    with the note); an 8-bit film keeps H.264; --crf with a codec that has none says why it was chosen."""
    src = _lossless_source(tmp_path) if source == "ffv1" else _deep_clip(tmp_path / "master.mkv")
    out = tmp_path / f"o{ext}"
    base = ["process", str(src), "--weights", str(tiny_weights), "--device", "cpu"]
    r = CliRunner().invoke(cli, [*base, "-o", str(out)])
    assert r.exit_code == 0 and ("8 bits per sample" in r.output) == (codec == "h264"), r.output
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == {"prores": "prores", "hevc": "hevc", "ffv1": "ffv1", "h264": "h264"}[codec]
        assert next(c.decode(video=0)).format.name.startswith(pix_fmt[:7])
    if codec in ("prores", "ffv1"):
        r = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / f"c{ext}"), "--crf", "20"])
        assert r.exit_code != 0 and f"--crf has no effect with {codec} (chosen to keep the 10 bits of 'master.mkv' in {ext})" in r.output
    if ext != ".avi":   # (an 8-bit film into .avi needs --codec ffv1 or mpeg4)
        plain = make_clip(tmp_path / "plain.mkv", n_frames=2)
        r = CliRunner().invoke(cli, ["process", str(plain), "-o", str(tmp_path / f"p{ext}"), "--weights", str(tiny_weights), "--device", "cpu"])
        assert r.exit_code == 0, r.output
        with av.open(str(tmp_path / f"p{ext}")) as c:
            assert c.streams.video[0].codec_context.name == "h264"


def test_a_deep_segmented_render_joins_to_the_single_pass(tmp_path, tiny_weights):
    """Segments of a deep film are deep too, and their join is the single pass, frame for frame."""
    src = _deep_clip(tmp_path / "m.mkv", "ffv1", "yuv422p10le")
    base = ["process", str(src), "--codec", "ffv1", "--weights", str(tiny_weights), "--device", "cpu"]
    r = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "one.mkv"), "--no-resume"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "seg.mkv"), "--resume", "--segment-seconds", "0.1"])
    assert r.exit_code == 0, r.output
    with av.open(str(tmp_path / "one.mkv")) as a, av.open(str(tmp_path / "seg.mkv")) as b:
        fa, fb = list(a.decode(video=0)), list(b.decode(video=0))
        assert b.streams.video[0].average_rate == Fraction(25)
    assert len(fa) == len(fb) == N and fb[0].format.name == "gbrp10le"
    for x, y in zip(fa, fb, strict=True):
        assert x.pts == y.pts and np.array_equal(x.to_ndarray(format="rgb48le"), y.to_ndarray(format="rgb48le"))


def test_a_deep_master_takes_hints(tmp_path):
    """Colour hints on a 10-bit master (bundled model): the hinted colour where it was asked, 10 bits out."""
    src = _lossless_source(tmp_path)
    (tmp_path / "h.csv").write_text("x,y,color,frame\n40,10,#3060c0,0\n")
    out = tmp_path / "o.mov"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--codec", "prores", "--hints", str(tmp_path / "h.csv")])
    assert r.exit_code == 0, r.output
    with av.open(str(out)) as c:
        f = next(c.decode(video=0))
    assert f.format.name == "yuv422p10le"
    rgb = f.to_ndarray(format="rgb48le")[10, 40].astype(float) / 257
    assert rgb[2] > rgb[0] + 40     # blue, as asked (the film's luma kept)


@pytest.mark.parametrize("codec,ext", [("prores", ".mov"), ("hevc", ".mkv")])
def test_deep_ycbcr_levels_are_exact(tmp_path, codec, ext):
    """Black, mid-gray and white land on 64, 502 and 940 (10 bits), neutral chroma on 512 — swscale's
    16-bit RGB path scaled by 1.0034 (white 943); and the written Y plane is the ramp's luma."""
    info = probe_video(_lossless_source(tmp_path))
    out = tmp_path / f"o{ext}"
    ramp = np.tile(np.round(np.linspace(0, 65535, W)).astype(np.uint16), (H, 1))
    with VideoWriter(out, info, codec=codec, audio_source=None) as w:
        for v in (0, 32768, 65535):
            w.write(np.full((H, W, 3), v, np.uint16))
        w.write(np.dstack([ramp] * 3))
    with av.open(str(out)) as c:
        planes = [(np.frombuffer(f.planes[0], np.dtype("<u2")).reshape(f.planes[0].height, -1)[:, :W],
                   np.frombuffer(f.planes[1], np.dtype("<u2"))[0]) for f in c.decode(video=0)]
    assert [int(np.median(y)) for y, _ in planes[:3]] == [64, 502, 940] and all(int(cb) == 512 for _, cb in planes[:3])
    expected = 64 + 876 * ramp[H // 2].astype(float) / 65535
    assert np.abs(planes[3][0][H // 2].astype(float) - expected).mean() < 1.0


def test_a_deep_alpha_channel_keeps_its_bits(tmp_path, tiny_weights):
    """A 10-bit ProRes 4444 film's alpha (a 1024-step ramp) keeps more than 256 steps, in ProRes 4444
    and in FFV1; the 4:4:4 master stays 4:4:4."""
    src = tmp_path / "a.mov"
    with av.open(str(src), "w") as out:
        s = out.add_stream("prores_ks", rate=25)
        s.width, s.height, s.pix_fmt = W, H, "yuva444p10le"
        s.options = {"profile": "4"}
        for i in range(3):
            f = av.VideoFrame(W, H, "yuva444p10le")
            for k, plane in enumerate(f.planes):
                a = np.frombuffer(plane, np.dtype("<u2")).reshape(plane.height, -1)[:, : plane.width]
                a[...] = _luma10(i) if k == 0 else (512 if k < 3 else np.round(np.linspace(0, 1023, W)).astype(np.uint16))
            f.pts = i
            out.mux(s.encode(f))
        out.mux(s.encode(None))
    for name in ("o.mov", "o.mkv"):
        r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / name), "--weights", str(tiny_weights), "--device", "cpu"])
        assert r.exit_code == 0, r.output
        with av.open(str(tmp_path / name)) as c:
            f = next(c.decode(video=0))
        alpha = f.to_ndarray(format="rgba64le")[H // 2, :, 3]
        assert len(np.unique(alpha)) > 256, name
        assert f.format.name in ("yuva444p12le", "gbrap10le", "gbrap12le"), f.format.name


def test_a_4444_master_without_alpha_stays_4444(tmp_path, tiny_weights):
    src = _deep_clip(tmp_path / "m.mov", "prores_ks", "yuv444p10le", {"profile": "4"})
    out = tmp_path / "o.mov"
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--weights", str(tiny_weights), "--device", "cpu"])
    assert r.exit_code == 0, r.output
    with av.open(str(out)) as c:
        assert c.streams.video[0].codec_context.name == "prores" and next(c.decode(video=0)).format.name.startswith("yuv444")
