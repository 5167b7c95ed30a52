"""Numbered image sequences (film scans: DPX, TIFF, PNG) read as films: ``scans/reel1_%06d.dpx`` or
``reel1_######.dpx``, with their depth, at the rate given (``--fps``), stated (DPX) or 24."""

from __future__ import annotations

import struct
from fractions import Fraction

import av
import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from vidcolor.cli import cli
from vidcolor.errors import VidcolorError
from vidcolor.io.sequence import find_sequence, is_sequence, parse_rate, sequence_stem
from vidcolor.io.video import VideoReader, probe_video

W, H = 96, 64


def _frame16(i: int) -> np.ndarray:
    """A 16-bit gray scan: a horizontal ramp and a square moving right."""
    g = np.tile(np.linspace(8000, 50000, W), (H, 1))
    g[20:40, 5 + 4 * i: 25 + 4 * i] = 60000
    return np.round(g).astype(np.uint16)


def _tiff_sequence(folder, n=8, first=1000, name="scan_{:06d}.tif"):
    folder.mkdir(exist_ok=True)
    for k in range(n):
        cv2.imwrite(str(folder / name.format(first + k)), _frame16(k))
    return folder


def test_what_names_a_sequence(tmp_path):
    assert is_sequence(tmp_path / "reel1_%06d.dpx") and is_sequence(tmp_path / "reel1_######.dpx") and is_sequence("f%d.png")
    assert not is_sequence(tmp_path / "reel1_%06d.mp4")          # not an image extension
    assert not is_sequence(tmp_path / "a_%04d_%04d.png")         # two fields
    photo = tmp_path / "Photo #1.jpg"
    photo.write_bytes(b"x")
    assert not is_sequence(photo)                                 # a file of that very name is a photo
    assert sequence_stem("scans/reel1_%06d.dpx") == "reel1" and sequence_stem(tmp_path / "%04d.png") == tmp_path.name


def test_finding_the_frames(tmp_path):
    d = _tiff_sequence(tmp_path / "s", n=5, first=7)
    seq = find_sequence(d / "scan_######.tif")
    assert (seq.first, seq.last, seq.count) == (7, 11, 5) and seq.pattern.endswith("scan_%06d.tif")
    assert find_sequence(d / "scan_%d.tif").pattern.endswith("scan_%06d.tif")   # zero-padded files, %d given
    (d / "scan_000009.tif").unlink()
    with pytest.raises(VidcolorError, match=r"misses frame 9 \(between scan_000008.tif and scan_000010.tif\)"):
        find_sequence(d / "scan_%06d.tif")
    with pytest.raises(VidcolorError, match="no numbered files in .* match it"):
        find_sequence(d / "other_%06d.tif")
    with pytest.raises(VidcolorError, match="not found"):
        find_sequence(tmp_path / "nothere" / "scan_%06d.tif")


def test_rates_as_users_write_them():
    assert parse_rate("24") == 24 and parse_rate("23.976") == Fraction(24000, 1001) and parse_rate("18") == 18
    assert parse_rate("30000/1001") == Fraction(30000, 1001)
    for bad in ("abc", "0", "-24", "5000"):
        with pytest.raises(VidcolorError):
            parse_rate(bad)


def test_a_16_bit_tiff_sequence_is_read_as_a_deep_film(tmp_path):
    d = _tiff_sequence(tmp_path / "s", n=6, first=1000)
    with VideoReader(d / "scan_%06d.tif", deep=True) as r:
        frames = list(r)
    assert r.info.bit_depth == 16 and r.info.frame_rate == 24 and len(frames) == 6
    assert [f.index for f in frames] == list(range(6)) and frames[1].time == pytest.approx(1 / 24)
    assert np.abs(frames[3].deep.astype(int) - _frame16(3)).max() <= 1    # the scan's 16 bits, as stored


def test_process_a_sequence_keeps_its_frames_depth_and_rate(tmp_path, tiny_weights):
    """`vidcolor process 'scan_######.tif' --fps 18`: one film, named after the frames, in .mov — ProRes
    (a scan is a master), 10 bits of its 16 (said), 18 fps, every frame; segments join to the single pass."""
    d = _tiff_sequence(tmp_path / "s", n=8)
    base = ["process", str(d / "scan_######.tif"), "--fps", "18", "--weights", str(tiny_weights), "--device", "cpu"]
    r = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "one.mov"), "--no-resume"])
    assert r.exit_code == 0 and "16-bit video: colorized and written with 10 bits per sample" in r.output, r.output
    r = CliRunner().invoke(cli, [*base, "-o", str(tmp_path / "seg.mov"), "--resume", "--segment-seconds", "0.15"])
    assert r.exit_code == 0, r.output
    with av.open(str(tmp_path / "one.mov")) as a, av.open(str(tmp_path / "seg.mov")) as b:
        assert a.streams.video[0].codec_context.name == "prores" and a.streams.video[0].average_rate == 18
        fa, fb = list(a.decode(video=0)), list(b.decode(video=0))
    assert len(fa) == len(fb) == 8 and fa[0].format.name == "yuv422p10le"
    for x, y in zip(fa, fb, strict=True):
        assert x.pts == y.pts and np.array_equal(x.to_ndarray(format="rgb48le"), y.to_ndarray(format="rgb48le"))
    assert sorted(p.name for p in d.iterdir()) == [f"scan_{1000 + k:06d}.tif" for k in range(8)]   # the scans untouched


def test_default_output_and_keyframes_of_a_sequence(tmp_path, tiny_weights, monkeypatch):
    d = _tiff_sequence(tmp_path / "s", n=6)
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(cli, ["process", str(d / "scan_%06d.tif"), "--weights", str(tiny_weights), "--device", "cpu"])
    assert r.exit_code == 0 and (tmp_path / "scan.none.mov").is_file(), r.output
    r = CliRunner().invoke(cli, ["keyframes", str(d / "scan_%06d.tif"), "-o", str(tmp_path / "kf"), "--weights", str(tiny_weights),
                                 "--device", "cpu"])
    assert r.exit_code == 0, r.output
    assert any(p.suffix == ".png" for p in (tmp_path / "kf").iterdir())


def _dpx_sequence(folder, n=4, rate: float | None = None):
    """10-bit DPX frames (FFmpeg's encoder), the film header's frame rate set to ``rate``."""
    folder.mkdir(exist_ok=True)
    for i in range(n):
        ctx = av.codec.CodecContext.create("dpx", "w")
        ctx.width, ctx.height, ctx.pix_fmt, ctx.time_base = W, H, "gbrp10le", Fraction(1, 24)
        ctx.open()
        g = _frame16(i)
        frame = av.VideoFrame.from_ndarray(np.dstack([g, g, g]), format="rgb48le").reformat(format="gbrp10le")
        data = bytearray(b"".join(bytes(p) for p in ctx.encode(frame) + ctx.encode(None)))
        if rate is not None:
            order = ">" if data[:4] == b"SDPX" else "<"
            data[1724:1728] = struct.pack(order + "f", rate)
        (folder / f"r_{i:04d}.dpx").write_bytes(bytes(data))
    return folder


def test_a_dpx_sequence_runs_at_its_stated_rate_unless_told(tmp_path, tiny_weights):
    d = _dpx_sequence(tmp_path / "d", rate=18.0)
    assert probe_video(d / "r_####.dpx").frame_rate == 18
    assert "read at 18 frames/s" in CliRunner().invoke(cli, ["info", str(d / "r_####.dpx")]).output
    out = tmp_path / "o.mkv"
    r = CliRunner().invoke(cli, ["process", str(d / "r_####.dpx"), "-o", str(out), "--fps", "24000/1001",
                                 "--weights", str(tiny_weights), "--device", "cpu"])
    assert r.exit_code == 0, r.output
    with av.open(str(out)) as c:
        s = c.streams.video[0]
        assert s.codec_context.name == "ffv1" and s.average_rate == Fraction(24000, 1001)    # a lossless scan into .mkv
        assert len(list(c.decode(video=0))) == 4
    plain = _dpx_sequence(tmp_path / "p")
    assert probe_video(plain / "r_%04d.dpx").frame_rate == 24


def test_sequence_errors_are_one_line(tmp_path, tiny_weights):
    d = _tiff_sequence(tmp_path / "s", n=4)
    (d / "scan_001002.tif").unlink()
    cases = [([str(d / "scan_%06d.tif")], "misses frame 1002"),
             ([str(tmp_path / "x_%06d.tif")], "input not found"),
             ([str(d / "scan_%06d.tif"), "--fps", "fast"], "frame rate 'fast' is not a number"),
             ([str(tmp_path / "s" / "scan_001000.tif"), "--fps", "24"], "--fps sets the frame rate of image-sequence inputs")]
    for args, msg in cases:
        r = CliRunner().invoke(cli, ["process", *args, "-o", str(tmp_path / "o.mov"), "--weights", str(tiny_weights)])
        assert r.exit_code != 0 and r.output.startswith("Error: ") and msg in r.output and "Traceback" not in r.output, r.output
        assert not (tmp_path / "o.mov").exists()


def test_numbered_photos_in_a_folder_get_a_note_naming_the_sequence(tmp_path, tiny_weights):
    """A folder of 12+ numbered frames given as a folder is still rendered photo by photo (as asked),
    but the first one's note says how to render them as one film."""
    d = _tiff_sequence(tmp_path / "scans", n=12, first=1)
    r = CliRunner().invoke(cli, ["process", str(d), "-o", str(tmp_path / "out"), "--weights", str(tiny_weights), "--device", "cpu", "-q"])
    assert r.exit_code == 0, r.output
    assert r.output.count("look like the frames of a film") == 1 and f"give '{d / 'scan_%06d.tif'}' (and --fps)" in r.output
    assert len(list((tmp_path / "out").iterdir())) == 12
    few = _tiff_sequence(tmp_path / "few", n=5)
    r = CliRunner().invoke(cli, ["process", str(few), "-o", str(tmp_path / "out2"), "--weights", str(tiny_weights), "--device", "cpu", "-q"])
    assert r.exit_code == 0 and "frames of a film" not in r.output, r.output


def test_odd_names_and_numbers(tmp_path, tiny_weights):
    """A '%' in the folder's name, a '#' in the file's name beside a printf field, numbers wider
    than the field (9998, 9999, 10000, 10001: printf's "%04d"), and numbers FFmpeg cannot count to."""
    d = tmp_path / "50% scans"
    d.mkdir()
    for k in range(9998, 10002):
        cv2.imwrite(str(d / f"take#2_{k:04d}.png"), (_frame16(k - 9998) >> 8).astype(np.uint8))
    for pattern in ("take#2_%04d.png",):
        seq = find_sequence(d / pattern)
        assert (seq.first, seq.last, seq.count) == (9998, 10001, 4)
        with VideoReader(d / pattern) as r:
            assert len(list(r)) == 4
    (d / "take#2_10000.png").unlink()
    with pytest.raises(VidcolorError, match="misses frame 10000"):
        find_sequence(d / "take#2_%04d.png")
    big = tmp_path / "big"
    big.mkdir()
    cv2.imwrite(str(big / "z_9999999990.png"), np.zeros((8, 8), np.uint8))
    with pytest.raises(VidcolorError, match="FFmpeg counts to 2147483647"):
        find_sequence(big / "z_%010d.png")


def test_a_damaged_frame_is_named(tmp_path, tiny_weights):
    d = tmp_path / "c"
    d.mkdir()
    for k in range(12):
        cv2.imwrite(str(d / f"c_{k + 5:04d}.png"), np.full((48, 64), 10 * k, np.uint8))
    (d / "c_0010.png").write_bytes((d / "c_0010.png").read_bytes()[:60])
    r = CliRunner().invoke(cli, ["process", str(d / "c_%04d.png"), "-o", str(tmp_path / "o.mov"), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and "c_0010.png is damaged" in r.output and not (tmp_path / "o.mov").exists(), r.output


def test_ntsc_rates_in_dpx_headers(tmp_path):
    d = _dpx_sequence(tmp_path / "d", n=2, rate=23.976)
    assert probe_video(d / "r_####.dpx").frame_rate == Fraction(24000, 1001)


def test_a_replaced_frame_makes_a_new_film_for_resuming(tmp_path):
    import os

    from vidcolor.io.sequence import sequence_identity

    d = _tiff_sequence(tmp_path / "s", n=5)
    before = sequence_identity(d / "scan_%06d.tif")
    middle = d / "scan_001002.tif"
    st = middle.stat()
    os.utime(middle, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
    assert sequence_identity(d / "scan_%06d.tif") != before


def test_float_frames_are_said_to_be_read_as_display_values(tmp_path):
    from dataclasses import replace

    from vidcolor.outputs import video_input_notes

    info = replace(probe_video(_tiff_sequence(tmp_path / "s", n=2) / "scan_%06d.tif"), pix_fmt="gbrpf32le")
    assert any("floating-point frames (EXR)" in n for n in video_input_notes(info))


def test_batch_of_a_folder_of_frames_names_the_sequence(tmp_path, tiny_weights):
    d = _tiff_sequence(tmp_path / "scans", n=12)
    r = CliRunner().invoke(cli, ["batch", str(d), "-o", str(tmp_path / "out"), "--weights", str(tiny_weights)])
    assert r.exit_code == 1 and f"its numbered images are a film: give '{d / 'scan_%06d.tif'}'" in r.output, r.output
    r = CliRunner().invoke(cli, ["batch", str(d / "scan_%06d.tif"), "-o", str(tmp_path / "out"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and (tmp_path / "out" / "scan.none.mov").is_file(), r.output


def test_batch_reads_a_sequence_at_the_rate_given(tmp_path, tiny_weights):
    """`vidcolor batch 'scan_%06d.tif' --fps 12` and a manifest's `fps` column: the film's rate;
    fps on a video row or with no sequence at all is one `Error:` line before any work."""
    d = _tiff_sequence(tmp_path / "scans", n=6)
    common = ["-o", str(tmp_path / "out"), "--weights", str(tiny_weights), "--device", "cpu"]
    r = CliRunner().invoke(cli, ["batch", str(d / "scan_%06d.tif"), "--fps", "12", *common])
    assert r.exit_code == 0, r.output
    with av.open(str(tmp_path / "out" / "scan.none.mov")) as c:
        assert c.streams.video[0].average_rate == 12 and c.streams.video[0].frames in (0, 6)
        assert len(list(c.decode(video=0))) == 6
    manifest = tmp_path / "films.csv"
    manifest.write_text("input,output,fps\nscans/scan_%06d.tif,m.mov,24000/1001\n")
    r = CliRunner().invoke(cli, ["batch", str(manifest), "--fps", "12", *common])   # the row's own rate wins
    assert r.exit_code == 0, r.output
    with av.open(str(tmp_path / "out" / "m.mov")) as c:
        assert c.streams.video[0].average_rate == Fraction(24000, 1001)
    clip = tmp_path / "clip.mp4"
    with av.open(str(clip), "w") as c:
        s = c.add_stream("mpeg4", rate=10)
        s.width, s.height, s.pix_fmt = W, H, "yuv420p"
        for i in range(3):
            c.mux(s.encode(av.VideoFrame.from_ndarray(np.full((H, W, 3), 40 * i, np.uint8), format="rgb24")))
        c.mux(s.encode())
    manifest.write_text("input,fps\nclip.mp4,12\n")
    r = CliRunner().invoke(cli, ["batch", str(manifest), *common])
    assert r.exit_code == 1 and "line 2: fps sets the frame rate of an image sequence" in r.output, r.output
    manifest.write_text("input,fps\nscans/scan_%06d.tif,fast\n")
    r = CliRunner().invoke(cli, ["batch", str(manifest), *common])
    assert r.exit_code == 1 and "fps: frame rate 'fast' is not a number" in r.output, r.output
    r = CliRunner().invoke(cli, ["batch", str(clip), "--fps", "12", *common])
    assert r.exit_code == 1 and "--fps sets the frame rate of image-sequence films" in r.output, r.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["m.mov", "scan.none.mov"]
