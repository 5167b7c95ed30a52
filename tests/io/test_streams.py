"""What a render does with a video's other streams and deeper properties: the source timecode kept,
streams it does not carry named, more than 8 bits written as 8 said, a GIF's alpha only when it is transparent."""

from __future__ import annotations

import av
import numpy as np
from click.testing import CliRunner

from tests.clips import make_clip
from vidcolor.cli import cli
from vidcolor.io.probe import describe
from vidcolor.io.video import probe_video


def test_a_deep_video_says_when_it_is_written_with_8_bits(tmp_path, tiny_weights):
    """A 10-bit ProRes master stays 10-bit in ProRes; in H.264 (8-bit here, asked for) it is said, as for a
    photo it would be, not silently; an 8-bit film gets no such note (tests/io/test_video_depth.py)."""
    base = ["process", "--weights", str(tiny_weights), "--device", "cpu"]
    deep = make_clip(tmp_path / "deep.mov", n_frames=4, codec="prores")
    plain = make_clip(tmp_path / "plain.mp4", n_frames=4)
    r = CliRunner().invoke(cli, [*base, str(deep), "-o", str(tmp_path / "o.mov"), "--codec", "prores"])
    assert r.exit_code == 0 and "bits per sample" not in r.output, r.output
    r = CliRunner().invoke(cli, [*base, str(deep), "-o", str(tmp_path / "o.mp4"), "--codec", "h264"])
    assert r.exit_code == 0 and "10-bit video: colorized and written with 8 bits per sample" in r.output, r.output
    r = CliRunner().invoke(cli, [*base, str(plain), "-o", str(tmp_path / "p.mp4")])
    assert r.exit_code == 0 and "bits per sample" not in r.output, r.output


def _remux(src, dst, timecode: str | None = None, second_video: bool = False):
    """``src`` re-muxed into ``dst``, its video stream tagged with ``timecode`` (a QuickTime file
    gets a timecode track), or with its video stream twice (a second angle)."""
    with av.open(str(src)) as i, av.open(str(dst), "w") as o:
        v = i.streams.video[0]
        outs = [o.add_stream_from_template(v) for _ in range(2 if second_video else 1)]
        if timecode:
            outs[0].metadata["timecode"] = timecode
        for p in i.demux(v):
            if p.dts is None:
                continue
            for k, out in enumerate(outs):
                q = p if k == 0 else av.Packet(bytes(p))
                if k:
                    q.pts, q.dts, q.time_base, q.is_keyframe = p.pts, p.dts, p.time_base, p.is_keyframe
                q.stream = out
                o.mux(q)
    return dst


def _timecodes(path) -> list[str]:
    with av.open(str(path)) as c:
        return [v for s in c.streams for k, v in s.metadata.items() if k.lower() == "timecode"]


def test_the_source_timecode_is_kept_and_streams_left_out_are_named(tmp_path, tiny_weights):
    """Conforming a colorized reel back into an edit needs its source timecode: kept in .mov (a
    timecode track), .mkv (a tag), one pass or in segments; a second video stream is named in a note."""
    src = _remux(make_clip(tmp_path / "v.mov", n_frames=12), tmp_path / "tc.mov", timecode="01:00:00:00")
    assert "01:00:00:00" in _timecodes(src) and probe_video(src).timecode == "01:00:00:00"
    assert "; timecode 01:00:00:00" in describe(src)
    base = ["process", "--weights", str(tiny_weights), "--device", "cpu"]
    for name, extra in (("o.mov", []), ("o.mkv", []), ("seg.mov", ["--resume", "--segment-seconds", "0.2"])):
        r = CliRunner().invoke(cli, [*base, str(src), "-o", str(tmp_path / name), *extra])
        assert r.exit_code == 0 and "not carried" not in r.output, r.output
        assert _timecodes(tmp_path / name)[:1] == ["01:00:00:00"], name
    two = _remux(make_clip(tmp_path / "v.mkv", n_frames=6), tmp_path / "two.mkv", second_video=True)
    r = CliRunner().invoke(cli, [*base, str(two), "-o", str(tmp_path / "two_out.mkv")])
    assert r.exit_code == 0 and "stream(s) #1 (video, h264) not carried" in r.output, r.output


def test_a_gif_has_alpha_only_when_it_is_transparent(tmp_path):
    """FFmpeg decodes every GIF as BGRA: an opaque one got a false "alpha channel is dropped" note
    and ProRes 4444 in .mov."""
    from PIL import Image

    frames = [Image.fromarray(np.full((24, 32), 40 * k + 20, np.uint8)).convert("P") for k in range(4)]
    frames[0].save(tmp_path / "opaque.gif", save_all=True, append_images=frames[1:], duration=100)
    clear = []
    for k in range(4):
        rgba = np.zeros((24, 32, 4), np.uint8)
        rgba[4:20, 4:28] = (40 * k + 20, 40 * k + 20, 40 * k + 20, 255)   # a cut-out on a transparent ground
        clear.append(Image.fromarray(rgba, "RGBA"))
    clear[0].save(tmp_path / "clear.gif", save_all=True, append_images=clear[1:], duration=100, disposal=2)
    assert not probe_video(tmp_path / "opaque.gif").has_alpha
    assert probe_video(tmp_path / "clear.gif").has_alpha


def _shifted(src, dst, seconds: float):
    """``src`` remuxed with every packet ``seconds`` later (an MPEG-TS capture, a ``-copyts`` cut)."""
    with av.open(str(src)) as i, av.open(str(dst), "w") as o:
        outs = {s.index: o.add_stream_from_template(s) for s in i.streams}
        for p in i.demux():
            if p.dts is None:
                continue
            shift = round(seconds / p.time_base)
            p.pts, p.dts, p.stream = p.pts + shift, p.dts + shift, outs[p.stream.index]
            o.mux(p)
    return dst


def test_avi_of_a_film_stamped_from_later_than_0_keeps_its_sound_in_sync(tmp_path, tiny_weights):
    """AVI has no timestamps of its own: a film whose timestamps start at 1.4 s was written with its
    first frame held from 0 to 1.4 s and its sound starting at 0 — 1.4 s early. Now the film starts
    at 0 with its sound, in a single pass and in a segmented (joined) render."""
    src = _shifted(make_clip(tmp_path / "a.mkv", n_frames=25, rate=25, audio="pcm_s16le"), tmp_path / "late.mkv", 1.4)
    for name, extra in (("plain.avi", []), ("joined.avi", ["--resume", "--segment-seconds", "0.4"])):
        out = tmp_path / name
        r = CliRunner().invoke(cli, ["process", str(src), "-o", str(out), "--codec", "mpeg4", "--weights", str(tiny_weights),
                                     "-q", *extra])
        assert r.exit_code == 0, r.output
        with av.open(str(out)) as c:
            times = [float(f.time) for f in c.decode(video=0)]
        with av.open(str(out)) as c:
            audio = [float(p.pts * p.time_base) for p in c.demux(audio=0) if p.pts is not None and p.size]
        assert np.allclose(times, np.arange(25) / 25, atol=1e-6), (name, times[:4])
        assert abs(audio[0]) < 0.03 and abs(audio[-1] - 0.96) < 0.1, (name, audio[:2], audio[-1:])


def test_the_film_is_read_not_a_poster_track_stored_before_it(tmp_path):
    """A one-frame thumbnail track stored first (without the cover-art flag) took the film's place:
    the reader takes the stream FFmpeg would show."""
    from vidcolor.io.video import VideoReader

    film = make_clip(tmp_path / "film.mkv", n_frames=6, size=(160, 96))
    both = tmp_path / "both.mkv"
    with av.open(str(film)) as i, av.open(str(both), "w") as o:
        poster = o.add_stream("mjpeg", rate=1)
        poster.width, poster.height, poster.pix_fmt = 64, 64, "yuvj420p"
        video = o.add_stream_from_template(i.streams.video[0])
        frame = av.VideoFrame.from_ndarray(np.zeros((64, 64, 3), np.uint8), format="rgb24").reformat(format="yuvj420p")
        frame.pts = 0
        o.mux(poster.encode(frame))
        o.mux(poster.encode())
        for p in i.demux(i.streams.video[0]):
            if p.dts is not None:
                p.stream = video
                o.mux(p)
    with VideoReader(both) as reader:
        assert (reader.info.width, reader.info.height, reader.info.video_index) == (160, 96, 1)
        assert sum(1 for _ in reader.frames()) == 6
        tb = reader.info.time_base
    from vidcolor.batch.plan import scan_keyframes

    index = scan_keyframes(both)   # the segment planner reads the same stream (it planned the poster's frames)
    assert index.time_base == tb and len(index.pts) == 6


def test_levels_beyond_black_and_white_are_named_when_clipped(tmp_path, tiny_weights):
    """A telecine's or broadcast master's luma below 16 or above 235 (limited range) is clipped when
    read to 0–255: a note says so; an ordinary film gets none."""
    from vidcolor.io.video import VideoReader

    src = tmp_path / "levels.mp4"
    with av.open(str(src), "w") as out:
        s = out.add_stream("libx264", rate=25, options={"qp": "0"})
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.codec_context.color_range = 1
        for i in range(3):
            frame = av.VideoFrame(64, 48, "yuv420p")
            y = np.frombuffer(frame.planes[0], np.uint8).reshape(-1, frame.planes[0].line_size)
            y[:48, :64] = np.tile(np.linspace(0, 255, 64).astype(np.uint8), (48, 1))   # 0..255: beyond both ends
            for k in (1, 2):
                np.frombuffer(frame.planes[k], np.uint8)[...] = 128
            frame.pts = i
            out.mux(s.encode(frame))
        out.mux(s.encode())
    ordinary = make_clip(tmp_path / "ordinary.mp4", n_frames=3)
    for path, beyond in ((src, True), (ordinary, False)):
        with VideoReader(path, fmt="gray") as reader:
            for _ in reader.frames():
                pass
            assert reader.beyond_legal == beyond, path
    r = CliRunner().invoke(cli, ["process", str(src), "-o", str(tmp_path / "o.mp4"), "--weights", str(tiny_weights)])
    assert r.exit_code == 0 and "levels below black or above white" in r.output, r.output
