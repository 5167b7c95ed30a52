"""Fidelity of what the reader takes from a film and the writer states: the luma as stored (no bias
for HD matrices), display-order stamps of B-frames in AVI, the pixel aspect ratio, the colour tags
(BT.601 flavour, HDR transfer)."""

from __future__ import annotations

from fractions import Fraction

import av
import numpy as np
import pytest

from tests.clips import frame_image, make_clip
from tests.io.test_video import read_all, transcode
from vidcolor.io import VideoReader, probe_video


@pytest.mark.parametrize("size", [(64, 48), (64, 720)])   # BT.601 and BT.709 (HD, untagged)
def test_gray_reads_are_the_luma_plane_without_bias(tmp_path, size):
    """What the pipeline colorizes is Y' (limited range stretched to 0–255): swscale's YUV → gray
    darkened a BT.709/BT.2020 film by 0.49 levels on average — every HD film."""
    src = make_clip(tmp_path / "s.mp4", n_frames=2, size=size)
    with av.open(str(src)) as c:
        planes = [f.to_ndarray(format="yuv420p")[:size[1]].astype(float) for f in c.decode(video=0)]
    with VideoReader(src, fmt="gray") as reader:
        grays = [d.image.astype(float) for d in reader]
    expected = [np.clip((y - 16) * 255 / 219, 0, 255) for y in planes]
    bias = np.mean([(g - e).mean() for g, e in zip(grays, expected, strict=True)])
    assert abs(bias) < 0.1 and max(np.abs(g - e).max() for g, e in zip(grays, expected)) <= 1.0


def test_anamorphic_films_keep_their_pixel_aspect_or_say_they_cannot(tmp_path):
    """A DVD's 32:27 pixels: H.264 (bitstream) and ProRes in .mov (header) keep them; FFV1 and ProRes in
    Matroska/AVI cannot through PyAV, and the note says so instead of a silently squeezed master."""
    src = tmp_path / "dvd.mkv"
    with av.open(str(src), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.codec_context.sample_aspect_ratio = Fraction(32, 27)
        for i in range(3):
            frame = av.VideoFrame.from_ndarray(frame_image(i), format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode())
    assert probe_video(src).sample_aspect_ratio == Fraction(32, 27)
    for name, codec, kept in (("o.mkv", "h264", True), ("o.mov", "prores", True), ("f.mkv", "ffv1", False),
                              ("f.avi", "ffv1", False), ("p.mkv", "prores", False)):
        _, writer = transcode(src, tmp_path / name, codec=codec)
        said = [n for n in writer.notes if "pixel aspect ratio 32:27 not stored" in n]
        assert (probe_video(tmp_path / name).sample_aspect_ratio == Fraction(32, 27)) == kept and bool(said) != kept, name


def test_h264_with_b_frames_in_avi_is_read_in_display_order_with_its_stamps(tmp_path):
    """AVI stores no presentation times: FFmpeg stamps a B-frame codec's frames in decode order (1, 2,
    4, 5, 3, …). The reader gives each frame its display-order stamp — 30 frames end at frame 30,
    not two frames late — and the writer has nothing to move."""
    src = tmp_path / "bf.avi"
    with av.open(str(src), "w") as out:
        s = out.add_stream("libx264", rate=25, options={"bf": "3"})
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        for i in range(30):
            frame = av.VideoFrame.from_ndarray(frame_image(i), format="rgb24").reformat(format="yuv420p")
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode())
    with av.open(str(src)) as c:
        raw = [f.pts for f in c.decode(video=0)]
    assert raw != sorted(raw)                                   # the file's own stamps: decode order
    info, frames = read_all(src)
    pts = [f.pts for f in frames]
    assert pts == sorted(raw) and len(set(pts)) == 30
    assert all(np.abs(f.image.astype(int) - frame_image(i)).mean() < 8 for i, f in enumerate(frames))
    pts_in, writer = transcode(src, tmp_path / "o.mkv")
    assert writer.pts_fixed == 0


@pytest.mark.parametrize("tags, pix_fmt, written, hdr", [
    ((5, 5, 6), "yuv420p", (5, 5, 6), None),                  # PAL: BT.470BG stays BT.470BG (not NTSC's 170M)
    ((6, 6, 6), "yuv420p", (6, 6, 6), None),
    ((9, 9, 16), "yuv420p10le", (1, 1, 16), "PQ"),            # HDR10: the transfer kept, BT.709 primaries
    ((9, 9, 18), "yuv420p10le", (1, 1, 18), "HLG"),
])
def test_colour_tags_keep_the_films_flavour_and_its_transfer(tmp_path, tags, pix_fmt, written, hdr):
    """A film's colour tags: its BT.601 flavour and its transfer are kept — an HDR film's luma,
    kept code for code, showed with SDR's tone curve when retagged BT.709 — and ``info`` names them."""
    from vidcolor.io.probe import describe

    src = tmp_path / "s.mkv"
    with av.open(str(src), "w") as out:
        s = out.add_stream("libx264", rate=25)
        s.width, s.height, s.pix_fmt = 64, 48, pix_fmt
        ctx = s.codec_context
        ctx.colorspace, ctx.color_primaries, ctx.color_trc, ctx.color_range = *tags, 1
        for i in range(2):
            frame = av.VideoFrame.from_ndarray(frame_image(i), format="rgb24").reformat(format=pix_fmt)
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode())
    info = probe_video(src)
    assert (info.primaries, info.transfer, info.hdr) == (tags[1], tags[2], hdr)
    assert (f"(HDR: {hdr})" in describe(src)) == bool(hdr)
    _, writer = transcode(src, tmp_path / "o.mp4", fmt="gray")
    with av.open(str(tmp_path / "o.mp4")) as c:
        f = next(c.decode(video=0))
        assert (f.colorspace, f.color_primaries, f.color_trc) == written
    assert any(f"HDR ({hdr}) input: its transfer is kept" in n for n in writer.notes) == bool(hdr)
    transcode(src, tmp_path / "o.mkv", fmt="gray", codec="ffv1")   # RGB: no matrix, the transfer all the same
    with av.open(str(tmp_path / "o.mkv")) as c:
        assert next(c.decode(video=0)).color_trc == written[2]
