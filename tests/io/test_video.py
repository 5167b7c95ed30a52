"""VideoReader / VideoWriter: decoding, timing, audio copy, damaged inputs, atomic output."""

from __future__ import annotations

import warnings
from fractions import Fraction

import av
import numpy as np
import pytest

from tests.clips import frame_image, make_clip, vfr_pts
from vidcolor.errors import VidcolorError
from vidcolor.io import VideoReader, VideoWriter, is_image_file, is_video_file, probe_video
from vidcolor.io.image import luma601

FAST = {"preset": "ultrafast", "threads": 1}


def transcode(src, dst, fmt="rgb24", **kwargs):
    """Read ``src`` and write every frame to ``dst`` with its own pts; return (input pts, writer)."""
    with VideoReader(src, fmt=fmt) as reader, VideoWriter(dst, reader.info, **{**FAST, **kwargs}) as writer:
        pts = []
        for frame in reader.frames():
            writer.write(frame.image, frame.pts)
            pts.append(frame.pts)
    return pts, writer


def read_all(path, fmt="rgb24"):
    with VideoReader(path, fmt=fmt) as reader:
        return reader.info, list(reader.frames())


def packets(path, kind="audio"):
    """Payload bytes of every non-empty packet, per stream of ``kind``."""
    with av.open(str(path)) as container:
        streams = getattr(container.streams, kind)
        out = {s.index: [] for s in streams}
        for packet in container.demux(streams):
            if packet.size:
                out[packet.stream.index].append(bytes(packet))
    return list(out.values())


# -- reading ----------------------------------------------------------------------------------

def test_reader_info_and_frames(tmp_path):
    path = make_clip(tmp_path / "a.mp4", n_frames=12, audio="aac", audio_tracks=2)
    with VideoReader(path, fmt="rgb24") as reader:
        info = reader.info
        frames = list(reader.frames())
    assert (info.width, info.height, info.codec, info.pix_fmt) == (64, 48, "h264", "yuv420p")
    assert info.frame_rate == Fraction(24000, 1001) and info.time_base == Fraction(1, 24000)
    assert info.frame_count == 12 and info.duration == pytest.approx(12 * 1001 / 24000)
    assert [a["codec"] for a in info.audio] == ["aac", "aac"] and info.audio[0]["channels"] == 2
    assert info.bit_depth == 8 and info.rotation == 0 and not info.is_vfr
    assert [f.index for f in frames] == list(range(12))
    assert [f.pts for f in frames] == [1001 * i for i in range(12)]
    assert frames[5].time == pytest.approx(5 * 1001 / 24000)
    for f in frames:
        assert f.image.shape == (48, 64, 3) and f.image.dtype == np.uint8 and f.image.flags.writeable
        assert np.abs(f.image.astype(int) - frame_image(f.index)).mean() < 6


def test_gray_is_full_range_luma(tmp_path):
    path = make_clip(tmp_path / "g.mkv", n_frames=3, codec="ffv1")
    _, frames = read_all(path, fmt="gray")
    assert frames[0].image.shape == (48, 64) and frames[0].image.dtype == np.uint8
    expected = luma601(frame_image(0))
    assert np.abs(frames[0].image - expected).mean() < 1.5


def test_ten_bit_source_gives_eight_bit(tmp_path):
    path = make_clip(tmp_path / "p.mov", n_frames=3, codec="prores")
    info, frames = read_all(path, fmt="gray")
    assert info.bit_depth == 10 and info.pix_fmt == "yuv422p10le" and info.color_range == "tv"
    assert frames[0].image.dtype == np.uint8
    assert np.abs(frames[0].image - luma601(frame_image(0))).mean() < 1.5


def test_a_size_change_mid_stream_is_scaled_to_the_first_size(tmp_path):
    """Two MPEG-TS captures of different sizes joined end to end (``cat a.ts b.ts``): every frame
    comes back at the first size, and the frames that were scaled are counted."""
    make_clip(tmp_path / "a.ts", n_frames=6, size=(64, 48), pattern="static")
    make_clip(tmp_path / "b.ts", n_frames=5, size=(96, 64), pattern="static")
    joined = tmp_path / "joined.ts"
    joined.write_bytes((tmp_path / "a.ts").read_bytes() + (tmp_path / "b.ts").read_bytes())
    with VideoReader(joined, fmt="rgb24") as r:
        shapes = {f.image.shape for f in r.frames()}
        assert shapes == {(48, 64, 3)} and r.resized == {(96, 64): 5}


def test_chunks_and_persistent_generator(tmp_path):
    path = make_clip(tmp_path / "c.mp4", n_frames=12)
    with VideoReader(path) as reader:
        first = next(reader.frames())
        sizes = [len(c) for c in reader.chunks(5)]
    assert first.index == 0 and sizes == [5, 5, 1]


def test_missing_pts_are_extrapolated(tmp_path):
    path = make_clip(tmp_path / "raw.h264", n_frames=5, rate=Fraction(25))
    info, frames = read_all(path)
    assert [round(f.time, 6) for f in frames] == [0.0, 0.04, 0.08, 0.12, 0.16]
    assert info.frame_period == round(1 / (Fraction(25) * info.time_base))


def test_header_frame_count_may_be_wrong(tmp_path):
    data = bytearray(make_clip(tmp_path / "f.avi", n_frames=12, codec="mpeg4").read_bytes())
    for tag, offset in ((b"strh", 40), (b"avih", 24)):  # dwLength / dwTotalFrames
        i = data.find(tag)
        data[i + offset:i + offset + 4] = (500).to_bytes(4, "little")
    bad = tmp_path / "bad.avi"
    bad.write_bytes(bytes(data))
    info, frames = read_all(bad)
    assert info.frame_count == 500 and len(frames) == 12


@pytest.mark.parametrize("name, kwargs", [
    ("a.avi", {"codec": "mpeg4", "audio": "mp3"}),
    ("b.avi", {"codec": "msmpeg4v2"}),
    ("c.avi", {"codec": "mjpeg"}),
    ("d.mkv", {"codec": "hevc", "audio": "ac3"}),
])
def test_reads_old_and_other_formats(tmp_path, name, kwargs):
    info, frames = read_all(make_clip(tmp_path / name, n_frames=6, **kwargs))
    assert len(frames) == 6 and frames[0].image.shape == (48, 64, 3)
    assert [f.pts for f in frames] == sorted(f.pts for f in frames)
    assert np.abs(frames[3].image.astype(int) - frame_image(3)).mean() < 5
    if info.codec == "mjpeg":
        assert info.color_range == "pc"


def test_truncated_matroska_decodes_what_is_there(tmp_path):
    data = make_clip(tmp_path / "t.mkv", n_frames=30, audio="ac3").read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) * 6 // 10])
    with VideoReader(cut) as reader:
        frames = list(reader.frames())
        assert reader.corrupt_packets <= reader.max_corrupt
    assert 5 < len(frames) < 30


def test_mp4_cut_before_its_index_is_an_error(tmp_path):
    data = make_clip(tmp_path / "t.mp4", n_frames=10).read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) // 2])  # the moov atom is at the end
    with pytest.raises(VidcolorError, match="cannot read video .*cut.mp4.*damaged or cut off"):
        VideoReader(cut)


def _damage(path, spots=9, width=50):
    rng = np.random.default_rng(0)
    data = bytearray(path.read_bytes())
    for k in range(1, spots + 1):
        pos = len(data) * k // (spots + 1)
        data[pos:pos + width] = rng.integers(0, 256, width, dtype=np.uint8).tobytes()
    bad = path.with_name("bad" + path.suffix)
    bad.write_bytes(bytes(data))
    return bad


def test_corrupt_middle_bytes_are_concealed_and_counted(tmp_path):
    bad = _damage(make_clip(tmp_path / "m.mp4", n_frames=30))
    with VideoReader(bad) as reader:
        frames = list(reader.frames())
        damaged = reader.corrupt_frames + reader.corrupt_packets
    assert len(frames) >= 20 and damaged > 0


def test_too_many_corrupt_packets_is_an_error(tmp_path):
    bad = _damage(make_clip(tmp_path / "j.avi", n_frames=30, codec="mjpeg"))
    with VideoReader(bad) as reader:  # within the default limit
        assert len(list(reader.frames())) > 20 and reader.corrupt_packets >= 1
    with pytest.raises(VidcolorError, match="corrupt packets"):
        with VideoReader(bad, max_corrupt=0) as reader:
            list(reader.frames())


def test_unusable_inputs_raise_vidcolor_error(tmp_path):
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "notes.mp4").write_text("this is not a video\n" * 20)
    with av.open(str(tmp_path / "sound.m4a"), "w") as out:  # audio only
        stream = out.add_stream("aac", rate=48000)
        frame = av.AudioFrame.from_ndarray(np.zeros((2, 1024), np.float32), format="fltp", layout="stereo")
        frame.sample_rate, frame.pts = 48000, 0
        out.mux(stream.encode(frame))
        out.mux(stream.encode(None))
    cases = {"missing.mp4": "file not found", "empty.mp4": "file is empty",
             "notes.mp4": "not a video file", "sound.m4a": "no video stream", ".": "folder"}
    for name, message in cases.items():
        with pytest.raises(VidcolorError, match=message):
            VideoReader(tmp_path / name)


def test_file_type_helpers(tmp_path):
    assert is_video_file("a.MKV") and not is_video_file("a.png") and is_image_file("x.JPG")
    clip = make_clip(tmp_path / "clip.mkv", n_frames=2)
    odd = clip.rename(tmp_path / "clip.bin")
    assert not is_video_file(odd) and is_video_file(odd, probe=True)
    assert probe_video(odd).width == 64


# -- writing ----------------------------------------------------------------------------------

def test_round_trip_23976_keeps_timing(tmp_path):
    src = make_clip(tmp_path / "in.mp4", n_frames=24, audio="aac")
    pts, _ = transcode(src, tmp_path / "out.mp4")
    info, frames = read_all(tmp_path / "out.mp4")
    assert info.frame_rate == Fraction(24000, 1001) and len(frames) == 24
    assert [f.time for f in frames] == pytest.approx([p / 24000 for p in pts], abs=1e-6)
    src_info = probe_video(src)
    assert abs(info.duration - src_info.duration) <= 1 / float(info.frame_rate)
    assert np.abs(frames[10].image.astype(int) - frame_image(10)).mean() < 6


@pytest.mark.parametrize("out_name, codec", [("out.mp4", "h264"), ("out.mkv", "ffv1")])
def test_round_trip_vfr_keeps_timestamps(tmp_path, out_name, codec):
    src = make_clip(tmp_path / "vfr.mkv", n_frames=15, vfr=True, audio="aac")
    transcode(src, tmp_path / out_name, codec=codec)
    _, frames = read_all(tmp_path / out_name)
    assert [round(f.time * 1000) for f in frames] == [vfr_pts(i) for i in range(15)]


@pytest.mark.parametrize("name, codec", [("o.mp4", "h264"), ("o.mkv", "hevc"), ("o.mov", "prores"),
                                         ("o.mkv", "ffv1"), ("o.avi", "mpeg4")])
def test_odd_size_is_not_cropped(tmp_path, name, codec):
    src = make_clip(tmp_path / "odd.mkv", n_frames=4, size=(63, 47), codec="ffv1")
    transcode(src, tmp_path / name, codec=codec)
    info, frames = read_all(tmp_path / name)
    assert (info.width, info.height) == (63, 47) and frames[0].image.shape == (47, 63, 3)
    assert info.frame_rate == Fraction(24000, 1001) and len(frames) == 4
    assert np.abs(frames[2].image.astype(int) - frame_image(2, (63, 47))).mean() < 8


@pytest.mark.parametrize("name, codec, size", [
    ("o.mp4", "h264", (64, 48)), ("o.mkv", "hevc", (64, 48)), ("o.mov", "prores", (64, 48)),
    ("o.avi", "mpeg4", (64, 48)), ("o.mp4", "h264", (64, 720)),
])
def test_colors_round_trip_without_bias(tmp_path, name, codec, size):
    # Strong gradients: a chroma-siting or matrix mismatch shows as a mean shift of 1-3 levels.
    src = make_clip(tmp_path / "src.mkv", n_frames=3, size=size, codec="ffv1")
    assert probe_video(src).matrix == ("bt709" if size[1] >= 720 else "bt601")
    transcode(src, tmp_path / name, codec=codec)
    info, frames = read_all(tmp_path / name)
    assert info.matrix == ("bt709" if size[1] >= 720 else "bt601")
    error = frames[1].image.astype(int) - frame_image(1, size)
    assert np.abs(error.reshape(-1, 3).mean(axis=0)).max() < 0.6
    assert np.abs(error).mean() < 3


def test_ffv1_is_lossless_rgb(tmp_path):
    rng = np.random.default_rng(1)
    images = [rng.integers(0, 256, (48, 64, 3), dtype=np.uint8) for _ in range(3)]
    info = probe_video(make_clip(tmp_path / "s.mp4", n_frames=3))
    with VideoWriter(tmp_path / "l.mkv", info, codec="ffv1", audio_source=None) as writer:
        for i, image in enumerate(images):
            writer.write(image, 1001 * i)
    _, frames = read_all(tmp_path / "l.mkv")
    assert all(np.array_equal(f.image, im) for f, im in zip(frames, images, strict=True))


@pytest.mark.parametrize("src_name, out_name, codec, audio, tracks", [
    ("in.mp4", "out.mp4", "h264", "aac", 2),
    ("in.mkv", "out.mkv", "h264", "ac3", 2),
    ("in.avi", "out.avi", "mpeg4", "mp3", 1),
    ("in.mov", "out.mov", "prores", "pcm_s16le", 1),
])
def test_audio_tracks_are_copied_byte_identical(tmp_path, src_name, out_name, codec, audio, tracks):
    src = make_clip(tmp_path / src_name, n_frames=12, audio=audio, audio_tracks=tracks,
                    codec="mpeg4" if src_name.endswith(".avi") else "h264")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no re-encoding warning expected
        transcode(src, tmp_path / out_name, codec=codec)
    assert packets(tmp_path / out_name) == packets(src)
    with av.open(str(tmp_path / out_name)) as out:
        assert [s.language for s in out.streams.audio][:1] == [None if src_name.endswith(".avi") else "eng"]


@pytest.mark.parametrize("audio", ["mp3", "aac"])
def test_avi_output_has_no_frame_holes(tmp_path, audio):
    # MP4 audio starts before 0 (encoder delay); AVI must not shift the video by a frame for it.
    src = make_clip(tmp_path / "in.mp4", n_frames=12, audio=audio)
    transcode(src, tmp_path / "out.avi", codec="mpeg4")
    with av.open(str(tmp_path / "out.avi")) as out:
        video = out.streams.video[0]
        assert video.frames == 12
        assert [p.dts for p in out.demux(video) if p.size] == list(range(12))


def test_audio_follows_the_video_time(tmp_path):
    src = make_clip(tmp_path / "in.mkv", n_frames=24, audio="aac")
    transcode(src, tmp_path / "out.mp4")
    with av.open(str(tmp_path / "out.mp4")) as out:
        audio = out.streams.audio[0]
        seconds = audio.duration * audio.time_base
    assert float(seconds) == pytest.approx(24 * 1001 / 24000, abs=0.05)


def _trimmed(src, dst, cut: float):
    """``src`` re-muxed with every packet ``cut`` seconds earlier, as ``ffmpeg -ss … -c copy`` cuts:
    the MP4 muxer writes an edit list and the demuxer flags the audio before it as discarded."""
    with av.open(str(src)) as i, av.open(str(dst), "w") as o:
        routes = {s.index: o.add_stream_from_template(s) for s in (i.streams.video[0], i.streams.audio[0])}
        for p in i.demux(i.streams.video[0], i.streams.audio[0]):
            if p.dts is None:
                continue
            shift = round(cut / p.time_base)
            p.pts -= shift
            p.dts -= shift
            p.stream = routes[p.stream.index]
            o.mux(p)
    return dst


def _starts(path) -> tuple[float, float, int]:
    """(first presented video time, first presented audio time in seconds, audio samples presented),
    as a player decodes them."""
    with av.open(str(path)) as c:
        video = next(c.decode(video=0)).time
        c.seek(0)
        frames = list(c.decode(audio=0))
    return video, frames[0].time, sum(f.samples for f in frames)


@pytest.mark.parametrize(("out_name", "codec"), [("out.avi", "mpeg4"), ("out.mkv", "h264"), ("out.mp4", "h264")])
def test_audio_cut_by_an_edit_list_stays_in_sync(tmp_path, out_name, codec):
    """A trimmed MP4 (audio before its edit list flagged discarded, 0.2 s of it): before, every
    such packet was copied — AVI played the audio 0.22 s late, Matroska started 0.22 s late."""
    src = _trimmed(make_clip(tmp_path / "in.mp4", n_frames=48, audio="aac"), tmp_path / "cut.mp4", 0.2)
    with av.open(str(src)) as c:
        assert sum(p.is_discard for p in c.demux(c.streams.audio[0]) if p.size) >= 9
    video, audio, samples = _starts(src)
    assert audio - video == pytest.approx(0.0, abs=0.005)
    transcode(src, tmp_path / out_name, codec=codec)
    video, audio, out_samples = _starts(tmp_path / out_name)
    assert video == pytest.approx(0.0, abs=0.03)            # one AAC frame of pre-roll at most
    assert audio - video == pytest.approx(0.0, abs=0.03)
    assert abs(out_samples - samples) <= 1536               # not the cut 0.2 s (9600 samples) played first


@pytest.mark.parametrize("out_name", ["out.mkv", "out.mp4"])
def test_audio_is_interleaved_with_the_video(tmp_path, out_name):
    src = make_clip(tmp_path / "in.mkv", n_frames=72, audio="aac")  # 3 s
    transcode(src, tmp_path / out_name)
    with av.open(str(tmp_path / out_name)) as out:
        order = [(p.pos, float(p.pts * p.time_base)) for p in out.demux() if p.size]
    latest = 0.0
    for _, t in sorted(order):  # in file order, no packet lags far behind one already written
        assert t > latest - 1.0
        latest = max(latest, t)


def test_pcm_into_mp4_is_reencoded_with_one_warning(tmp_path):
    src = make_clip(tmp_path / "in.mov", n_frames=12, audio="pcm_s16le", audio_tracks=2)
    with pytest.warns(UserWarning, match=r"#1 \(pcm_s16le\), #2 \(pcm_s16le\).*re-encoding to AAC") as record:
        _, writer = transcode(src, tmp_path / "out.mp4")
    assert len(record) == 1 and any("AAC" in n for n in writer.notes)
    with av.open(str(tmp_path / "out.mp4")) as out:
        assert [s.codec_context.name for s in out.streams.audio] == ["aac", "aac"]
        audio = out.streams.audio[0]
        assert float(audio.duration * audio.time_base) == pytest.approx(12 * 1001 / 24000, abs=0.05)


def _pcm_mov(path, channels: int, layout: str | None = None):
    """A 12-frame H.264 .mov with one ``channels``-channel PCM track (stems, as post-production masters carry)."""
    src = make_clip(path.with_name("v.mov"), n_frames=12)
    with av.open(str(src)) as i, av.open(str(path), "w") as o:
        video = o.add_stream_from_template(i.streams.video[0])
        audio = o.add_stream("pcm_s16le", rate=48000)
        audio.layout = layout or f"{channels}c"   # FFmpeg's name of an unordered layout
        for p in i.demux(i.streams.video[0]):
            if p.dts is not None:
                p.stream = video
                o.mux(p)
        for k in range(12):
            frame = av.AudioFrame.from_ndarray(np.zeros((1, 2000 * channels), np.int16), format="s16", layout=audio.layout)
            frame.sample_rate, frame.pts = 48000, k * 2000
            o.mux(audio.encode(frame))
        o.mux(audio.encode(None))
    return path


@pytest.mark.parametrize(("channels", "layout", "kept"), [(7, "6.1", 7), (16, None, 2)])
def test_multichannel_pcm_into_mp4_keeps_what_aac_can_hold_and_says_what_it_mixes_down(tmp_path, channels, layout, kept):
    src = _pcm_mov(tmp_path / "in.mov", channels, layout)
    with pytest.warns(UserWarning, match="re-encoding to AAC"):
        _, writer = transcode(src, tmp_path / "out.mp4")
    with av.open(str(tmp_path / "out.mp4")) as out:
        assert out.streams.audio[0].codec_context.channels == kept
    mixed = [n for n in writer.notes if "mixed down" in n]
    assert (mixed == []) if kept == channels else ("16 channels are mixed down to stereo" in mixed[0])


def test_flac_into_mov_is_reencoded(tmp_path):
    """FFmpeg's mov muxer accepts a FLAC stream and then refuses the header: re-encode, with a note."""
    src = make_clip(tmp_path / "in.mkv", n_frames=12, audio="flac")
    with pytest.warns(UserWarning, match=r"#1 \(flac\).*\.mov.*re-encoding to AAC"):
        transcode(src, tmp_path / "out.mov")
    with av.open(str(tmp_path / "out.mov")) as out:
        assert [s.codec_context.name for s in out.streams.audio] == ["aac"] and out.streams.video[0].frames == 12


def test_without_audio_source_the_output_is_silent(tmp_path):
    src = make_clip(tmp_path / "in.mp4", n_frames=6, audio="aac")
    transcode(src, tmp_path / "out.mp4", audio_source=None)
    with av.open(str(tmp_path / "out.mp4")) as out:
        assert len(out.streams.audio) == 0 and len(out.streams.video) == 1


def test_trim_audio_stops_at_the_last_frame(tmp_path):
    src = make_clip(tmp_path / "in.mkv", n_frames=24, audio="ac3")
    target = tmp_path / "out.mkv"
    with VideoReader(src) as reader, VideoWriter(target, reader.info, trim_audio=True, **FAST) as writer:
        for frame in reader.frames():
            if frame.index == 6:
                break
            writer.write(np.dstack([frame.image] * 3), frame.pts)
    end = 6 * 1001 / 24000  # end of the last written frame

    def audio_times(path):
        with av.open(str(path)) as container:
            return [float(p.pts * p.time_base) for p in container.demux(container.streams.audio[0]) if p.size]

    assert audio_times(target) == pytest.approx([t for t in audio_times(src) if t < end], abs=1e-3)


def test_subtitles_chapters_metadata_and_rotation_are_kept(tmp_path):
    src = make_clip(tmp_path / "in.mkv", n_frames=30, audio="aac", subtitles="subrip", rotation=90,
                    metadata={"title": "Nosferatu"}, chapters=2)
    _, writer = transcode(src, tmp_path / "out.mkv")
    with av.open(str(tmp_path / "out.mkv")) as out:
        assert out.metadata.get("title") == "Nosferatu" and len(out.streams.subtitles) == 1
        assert [c["metadata"]["title"] for c in out.chapters()] == ["Chapter 1", "Chapter 2"]
    assert packets(tmp_path / "out.mkv", "subtitles") == packets(src, "subtitles")
    assert probe_video(tmp_path / "out.mkv").rotation == 90
    _, writer = transcode(src, tmp_path / "out.mp4")
    assert any("subtitle" in note for note in writer.notes)
    assert probe_video(tmp_path / "out.mp4").rotation == 90
    # MP4 chapters read back as a data track of one sample per chapter: carried, not named as dropped
    _, writer = transcode(tmp_path / "out.mp4", tmp_path / "again.mp4")
    with av.open(str(tmp_path / "again.mp4")) as out:
        assert [c["metadata"]["title"] for c in out.chapters()] == ["Chapter 1", "Chapter 2"]
    assert not [n for n in writer.notes if "not carried" in n], writer.notes


def test_missing_and_bad_pts_are_repaired(tmp_path):
    info = probe_video(make_clip(tmp_path / "s.mp4", n_frames=2))
    image = frame_image(0)
    with VideoWriter(tmp_path / "o.mp4", info, audio_source=None, **FAST) as writer:
        for pts in (None, None, 1001, 5005, None):  # 1001 repeats frame 1's pts
            writer.write(image, pts)
    assert writer.pts_fixed == 1
    _, frames = read_all(tmp_path / "o.mp4")
    assert [f.pts for f in frames] == [0, 1001, 1002, 5005, 6006]


def test_codec_and_extension_are_checked(tmp_path):
    info = probe_video(make_clip(tmp_path / "s.mp4", n_frames=2))
    with pytest.raises(VidcolorError, match="codec 'prores' cannot be written to '.mp4'.*\\.mov"):
        VideoWriter(tmp_path / "o.mp4", info, codec="prores")
    with pytest.raises(VidcolorError, match="unknown video codec 'vp9'; valid: h264"):
        VideoWriter(tmp_path / "o.mp4", info, codec="vp9")
    with pytest.raises(VidcolorError, match="does not exist"):
        VideoWriter(tmp_path / "nope" / "o.mp4", info)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.mp4"]


@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_failed_write_leaves_no_file(tmp_path, error):
    src = make_clip(tmp_path / "in.mp4", n_frames=6, audio="aac")
    target = tmp_path / "out.mp4"
    with pytest.raises(error):
        with VideoReader(src) as reader, VideoWriter(target, reader.info, **FAST) as writer:
            for frame in reader.frames():
                writer.write(np.dstack([frame.image] * 3), frame.pts)
                if frame.index == 3:
                    assert any(p.name.startswith(".out.partial-") for p in tmp_path.iterdir())
                    raise error()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


def test_writing_no_frames_is_an_error(tmp_path):
    info = probe_video(make_clip(tmp_path / "in.mp4", n_frames=2))
    with pytest.raises(VidcolorError, match="no frames"):
        with VideoWriter(tmp_path / "out.mp4", info):
            pass
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.mp4"]


def test_wrong_frame_shape_is_rejected(tmp_path):
    info = probe_video(make_clip(tmp_path / "in.mp4", n_frames=2))
    with pytest.raises(ValueError, match=r"expected uint8 or uint16 \(48, 64, 3\)"):
        with VideoWriter(tmp_path / "out.mp4", info) as writer:
            writer.write(np.zeros((48, 63, 3), np.uint8))
    assert not (tmp_path / "out.mp4").exists()


def test_output_matrix_keeps_601_and_709_and_writes_others_as_709():
    from vidcolor.io.codecs import output_matrix

    assert [output_matrix(m) for m in ("bt601", "bt709", "bt2020", "smpte240m", None)] == ["bt601", "bt709"] + ["bt709"] * 3


def test_close_leaves_the_file_to_a_thread_still_reading_it(tmp_path):
    """A decoder thread the pipeline could not stop (a second Ctrl-C during its cleanup, a decode
    stuck past the join): closing the reader must neither raise "generator already executing" (an
    internal error instead of 'Error: interrupted') nor close the file under that thread."""
    import threading
    import time

    reader = VideoReader(make_clip(tmp_path / "c.mp4", n_frames=4))
    inside = threading.Event()
    frames = reader.frames()

    def slow_next():
        inside.set()
        time.sleep(0.3)
        return next(frames)

    original = reader._frames
    reader._frames = (x for x in iter(slow_next, None))  # a generator that is busy in another thread
    worker = threading.Thread(target=lambda: next(reader._frames))
    worker.start()
    inside.wait(5)
    reader.close()            # returns; the worker still reads
    worker.join(5)
    original.close()
    reader._container.close()
