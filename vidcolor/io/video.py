"""Video reading and writing with PyAV.

Units used throughout:

* ``pts`` are integers in the stream's ``time_base`` (a :class:`~fractions.Fraction` of seconds),
  so ``seconds = pts * time_base``. The writer keeps the reader's time base, so variable frame
  rates and 24000/1001 rates stay in sync with the audio without rounding drift.
* ``frame_rate`` is a :class:`~fractions.Fraction` in frames per second (the average rate).
* Images are ``numpy.uint8``: ``(H, W)`` luma for ``fmt='gray'`` and ``(H, W, 3)`` RGB for
  ``fmt='rgb24'``, both full range 0..255 (limited-range "tv" sources are expanded).
* ``rotation`` is the display-matrix rotation in degrees counter-clockwise, 0..359, i.e. what a
  player applies to the decoded picture (ffprobe's "rotation" value modulo 360). Frames are
  returned as stored, not rotated; the writer copies the rotation to the output.

YCbCr <-> RGB uses the matrix the file is tagged with; an untagged file is taken as BT.709 from
720 lines up and BT.601 below, as players do (:attr:`VideoInfo.matrix`).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from fractions import Fraction
from math import lcm
from pathlib import Path

import av
import av.error
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from vidcolor.errors import VidcolorError
from vidcolor.io.atomic import atomic_output

VIDEO_EXTS = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg",
    ".m2v", ".vob", ".ts", ".m2ts", ".mts", ".3gp", ".ogv", ".mxf", ".dv", ".y4m",
})
_IMAGE_EXTS = frozenset({".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp"})

# AVColorSpace value -> matrix name; swscale colorspace names for each matrix.
_MATRIX_BY_COLORSPACE = {1: "bt709", 4: "bt601", 5: "bt601", 6: "bt601", 7: "smpte240m", 9: "bt2020", 10: "bt2020"}
_SWS_COLORSPACE = {"bt709": "ITU709", "bt601": "ITU601", "smpte240m": "SMPTE240M", "bt2020": "BT2020"}
# matrix -> (AVColorSpace, AVColorPrimaries, AVColorTransferCharacteristic) tags written by the writer.
_COLOR_TAGS = {"bt709": (1, 1, 1), "bt601": (6, 6, 6)}
# swscale's default 4:2:0 -> RGB path darkens by ~1.3/255 on average (FFmpeg 8); full chroma
# interpolation with accurate rounding is unbiased (mean error 0.5 -> 0.05 on test frames).
_SWS_TO_RGB = Interpolation.BILINEAR | Interpolation.FULL_CHR_H_INT | Interpolation.ACCURATE_RND
_SWS_TO_YUV = Interpolation.BILINEAR | Interpolation.ACCURATE_RND


def _plane(frame: av.VideoFrame, index: int) -> np.ndarray:
    """Writable ``(height, width)`` view of one plane of an 8-bit planar frame (strides skipped)."""
    plane = frame.planes[index]
    data = np.frombuffer(plane, np.uint8)
    stride = plane.line_size // data.itemsize
    return data[: plane.height * stride].reshape(plane.height, stride)[:, : plane.width]


def is_image_file(path: str | Path) -> bool:
    """True if ``path`` has a still-image extension (by name only; see :data:`vidcolor.io.IMAGE_EXTS`)."""
    return Path(path).suffix.lower() in _IMAGE_EXTS


def is_video_file(path: str | Path, probe: bool = False) -> bool:
    """True if ``path`` has a video extension; with ``probe=True`` also if FFmpeg finds a video stream."""
    path = Path(path)
    if path.suffix.lower() in VIDEO_EXTS:
        return True
    if not probe or is_image_file(path) or not path.is_file():
        return False
    try:
        with av.open(str(path)) as container:
            return any(not _is_cover_art(s) for s in container.streams.video)
    except (av.error.FFmpegError, OSError, ValueError):
        return False


def _is_cover_art(stream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _matrix(colorspace: int, height: int) -> str:
    return _MATRIX_BY_COLORSPACE.get(int(colorspace), "bt709" if height >= 720 else "bt601")


def _is_yuv(fmt) -> bool:
    return not fmt.is_rgb and not fmt.has_palette and len(fmt.components) >= 3


def _range_name(color_range: int, fmt) -> str:
    """'tv' / 'pc' / 'unknown' from an AVColorRange and a pixel format."""
    if color_range == 1:
        return "tv"
    if color_range == 2 or fmt.name.startswith("yuvj"):
        return "pc"
    return "unknown"


def _open_input(path: Path) -> av.container.InputContainer:
    if not path.exists():
        raise VidcolorError(f"cannot read video '{path}': file not found")
    if path.is_dir():
        raise VidcolorError(f"cannot read video '{path}': it is a folder")
    if path.stat().st_size == 0:
        raise VidcolorError(f"cannot read video '{path}': file is empty")
    try:
        return av.open(str(path), "r")
    except av.error.FFmpegError as exc:
        raise VidcolorError(
            f"cannot read video '{path}': not a video file, or its header is damaged or cut off "
            f"({exc.strerror or type(exc).__name__})"
        ) from exc


@dataclass(frozen=True)
class VideoInfo:
    """What the reader knows about a video file's first usable video stream.

    ``frame_rate``: average frames per second (falls back to FFmpeg's guessed rate).
    ``time_base``: seconds per pts tick. ``frame_count``/``duration`` (seconds) come from the
    header and may be missing or wrong. ``audio``: one dict per audio stream with ``index, codec,
    channels, sample_rate, language``. ``is_vfr``: a guess from the header (average rate differs
    from the base rate); the writer keeps the real timestamps either way. ``interlaced``: the first
    frame is flagged interlaced. ``matrix``: YCbCr matrix used for RGB (``bt601``/``bt709``/...).
    """

    path: Path
    width: int
    height: int
    frame_rate: Fraction
    time_base: Fraction
    frame_count: int | None
    duration: float | None
    codec: str
    pix_fmt: str
    rotation: int = 0
    color_range: str = "unknown"
    bit_depth: int = 8
    audio: tuple[dict, ...] = ()
    subtitle_count: int = 0
    is_vfr: bool = False
    interlaced: bool = False
    sample_aspect_ratio: Fraction | None = None
    matrix: str = "bt601"
    container: str = ""
    metadata: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def frame_period(self) -> int:
        """One frame duration at ``frame_rate``, in ``time_base`` ticks (at least 1)."""
        return max(1, round(1 / (self.frame_rate * self.time_base)))


@dataclass(frozen=True)
class DecodedFrame:
    """One decoded frame: ``image`` uint8 ``(H, W)`` or ``(H, W, 3)``, ``pts`` in ``info.time_base``
    (extrapolated by one frame period where the file has none), ``time = pts * time_base`` in
    seconds, ``index`` counting decoded frames from 0."""

    image: np.ndarray
    pts: int
    time: float
    index: int


class VideoReader:
    """Stream frames from a video file. Owns its PyAV container; use as a context manager.

    ``fmt='gray'`` gives the luma plane as ``(H, W)`` uint8 (deeper sources are converted to 8 bit);
    ``'rgb24'`` gives ``(H, W, 3)`` uint8 RGB. Up to ``max_corrupt`` packets that fail to demux or
    decode are skipped and counted in :attr:`corrupt_packets`; one more raises
    :class:`VidcolorError`. Frames the decoder repaired by concealment are counted in
    :attr:`corrupt_frames` and still returned.

    Opening decodes the first frame (to check the file is usable and to read the rotation).
    """

    def __init__(self, path: str | Path, fmt: str = "gray", max_corrupt: int = 50):
        if fmt not in ("gray", "rgb24"):
            raise ValueError(f"fmt must be 'gray' or 'rgb24', not {fmt!r}")
        self.path = Path(path)
        self.fmt = fmt
        self.max_corrupt = max_corrupt
        self.corrupt_packets = 0
        self.corrupt_frames = 0
        self._sws = VideoReformatter()  # keeps its swscale context between frames
        self._container = _open_input(self.path)
        try:
            self._stream = self._pick_stream()
            self._av_frames = self._decode()
            first = next(self._av_frames, None)
            if first is None:
                raise VidcolorError(f"cannot read video '{self.path}': no decodable video frames")
            self.info = self._make_info(first)
        except BaseException:
            self._container.close()
            raise
        self._frames = self._generate(first)

    def _pick_stream(self):
        streams = [s for s in self._container.streams.video if not _is_cover_art(s)]
        if not streams:
            raise VidcolorError(f"cannot read video '{self.path}': no video stream")
        stream = streams[0]
        if stream.codec_context is None:
            raise VidcolorError(f"cannot read video '{self.path}': unsupported video codec")
        stream.thread_type = "AUTO"
        for other in self._container.streams:
            if other.index != stream.index:
                other.discard = av.stream.Discard.all
        return stream

    def _make_info(self, first: av.VideoFrame) -> VideoInfo:
        s, c = self._stream, self._container
        tb = s.time_base or Fraction(1, 90000)
        # Broken headers give rates like 0 or 90000: take the first plausible one.
        rates = [r for r in (s.average_rate, s.guessed_rate, s.base_rate) if r and 1 <= r <= 300]
        rate = rates[0] if rates else Fraction(25)
        duration = None
        if s.duration:
            duration = float(s.duration * tb)
        elif c.duration:
            duration = c.duration / av.time_base
        rotation = getattr(first, "rotation", 0)  # PyAV >= 14; older FFmpeg used a tag
        if not rotation and s.metadata.get("rotate", "").lstrip("-").isdigit():
            rotation = -int(s.metadata["rotate"])
        fmt = first.format
        audio = tuple(
            {"index": a.index, "codec": a.codec_context.name if a.codec_context else "unknown",
             "channels": a.codec_context.channels if a.codec_context else 0,
             "sample_rate": a.codec_context.sample_rate if a.codec_context else 0,
             "language": a.language}
            for a in c.streams.audio
        )
        base = s.base_rate
        return VideoInfo(
            path=self.path, width=first.width, height=first.height, frame_rate=Fraction(rate),
            time_base=Fraction(tb), frame_count=s.frames or None, duration=duration,
            codec=s.codec_context.name, pix_fmt=fmt.name, rotation=int(round(rotation)) % 360,
            color_range=_range_name(first.color_range, fmt), bit_depth=fmt.components[0].bits,
            audio=audio, subtitle_count=len(c.streams.subtitles),
            is_vfr=bool(base and abs(base - rate) / rate > 0.01),
            interlaced=bool(first.interlaced_frame),
            sample_aspect_ratio=s.sample_aspect_ratio or None,
            matrix=_matrix(first.colorspace, first.height) if _is_yuv(fmt) else "bt601",
            container=c.format.name, metadata=dict(c.metadata),
        )

    # -- decoding -----------------------------------------------------------------------------

    def _count_corrupt(self, exc: Exception) -> None:
        self.corrupt_packets += 1
        if self.corrupt_packets > self.max_corrupt:
            raise VidcolorError(
                f"cannot read video '{self.path}': more than {self.max_corrupt} corrupt packets "
                f"(last error: {getattr(exc, 'strerror', None) or exc})"
            ) from exc

    def _decode(self) -> Iterator[av.VideoFrame]:
        """The one persistent decode loop: demux, decode, skip and count damaged packets."""
        stream = self._stream
        packets = self._container.demux(stream)
        while True:
            try:
                packet = next(packets)
            except StopIteration:
                return
            except av.error.EOFError:
                return
            except av.error.FFmpegError as exc:  # the demux generator is dead; resume reading
                self._count_corrupt(exc)
                packets = self._container.demux(stream)
                continue
            try:
                frames = stream.decode(packet)
            except av.error.EOFError:
                return
            except av.error.FFmpegError as exc:
                self._count_corrupt(exc)
                continue
            for frame in frames:
                self.corrupt_frames += frame.is_corrupt
                yield frame

    def _to_array(self, frame: av.VideoFrame) -> np.ndarray:
        fmt = frame.format
        kwargs = {}
        if _is_yuv(fmt):
            kwargs = {"src_colorspace": _SWS_COLORSPACE[_matrix(frame.colorspace, frame.height)],
                      "src_color_range": "JPEG" if _range_name(frame.color_range, fmt) == "pc" else "MPEG",
                      "interpolation": _SWS_TO_RGB if self.fmt == "rgb24" else None}
        elif frame.color_range == 1:  # gray or RGB explicitly tagged limited range
            kwargs = {"src_color_range": "MPEG"}
        frame = self._sws.reformat(frame, format=self.fmt, dst_color_range="JPEG", **kwargs)
        image = frame.to_ndarray()
        if not image.flags.writeable or not image.flags.c_contiguous:
            image = np.array(image, order="C")
        return image

    def _generate(self, first: av.VideoFrame) -> Iterator[DecodedFrame]:
        tb, period = self.info.time_base, self.info.frame_period
        last_pts = None
        index = 0
        frame = first
        while frame is not None:
            pts = frame.pts
            if pts is None:
                pts = 0 if last_pts is None else last_pts + period
            last_pts = pts
            yield DecodedFrame(self._to_array(frame), pts, float(pts * tb), index)
            index += 1
            frame = next(self._av_frames, None)

    # -- public API ---------------------------------------------------------------------------

    def frames(self) -> Iterator[DecodedFrame]:
        """The reader's single frame generator. Streams frames in presentation order; calling it
        again continues where the previous iteration stopped (frames are decoded only once)."""
        return self._frames

    def __iter__(self) -> Iterator[DecodedFrame]:
        return self._frames

    def chunks(self, n: int) -> Iterator[list[DecodedFrame]]:
        """Consecutive frames in lists of ``n`` (the last one may be shorter)."""
        if n < 1:
            raise ValueError(f"chunk size must be >= 1, not {n}")
        batch: list[DecodedFrame] = []
        for frame in self._frames:
            batch.append(frame)
            if len(batch) == n:
                yield batch
                batch = []
        if batch:
            yield batch

    def close(self) -> None:
        self._frames.close()
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def probe_video(path: str | Path) -> VideoInfo:
    """:class:`VideoInfo` of ``path`` (opens it and decodes one frame); VidcolorError if unusable."""
    with VideoReader(path) as reader:
        return reader.info


# -- writing ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class _CodecSpec:
    encoder: str
    exts: tuple[str, ...]
    pix_fmt: str
    odd_pix_fmt: str  # used when width or height is odd (4:2:0 cannot hold it without cropping)


_CODECS = {
    "h264": _CodecSpec("libx264", (".mp4", ".m4v", ".mov", ".mkv"), "yuv420p", "yuv444p"),
    "hevc": _CodecSpec("libx265", (".mp4", ".m4v", ".mov", ".mkv"), "yuv420p", "yuv444p"),
    "prores": _CodecSpec("prores_ks", (".mov", ".mkv"), "yuv422p10le", "yuv444p10le"),
    "ffv1": _CodecSpec("ffv1", (".mkv", ".avi"), "bgr0", "bgr0"),
    "mpeg4": _CodecSpec("mpeg4", (".mp4", ".m4v", ".avi", ".mkv", ".mov"), "yuv420p", "yuv420p"),
}
# Audio codecs stream-copied into MP4 (FFmpeg also muxes e.g. PCM there, but few players play it).
_MP4_AUDIO = frozenset({"aac", "mp3", "mp2", "ac3", "eac3", "alac", "flac", "opus"})
_DROP_METADATA = frozenset({"encoder", "major_brand", "minor_version", "compatible_brands", "duration"})
_LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 8: "7.1"}
_INPUT = "<input>"  # default audio_source: the file the frames were read from


def _writer_options(codec: str, crf: int, preset: str | None, pix_fmt: str) -> dict[str, str]:
    if codec == "h264":
        return {"crf": str(crf), "preset": preset or "medium"}
    if codec == "hevc":
        return {"crf": str(crf), "preset": preset or "medium", "x265-params": "log-level=error"}
    if codec == "prores":
        return {"profile": "4" if pix_fmt.startswith("yuv444") else "3"}  # 4444 / HQ
    if codec == "ffv1":
        return {"level": "3", "slicecrc": "1"}
    q = max(2, min(31, round(crf / 6)))  # mpeg4: fixed quantiser, crf 18 -> q 3
    return {"qmin": str(q), "qmax": str(q)}


class VideoWriter:
    """Encode RGB frames to a video file, copying the audio (and subtitles) of a source file.

    ``info``: the :class:`VideoInfo` of the input; the output keeps its size, frame rate, time
    base, sample aspect ratio, rotation and container metadata. ``codec``: ``h264`` (.mp4/.m4v/
    .mov/.mkv; CRF ``crf``, x264 ``preset``), ``hevc`` (same), ``prores`` (.mov/.mkv), ``ffv1``
    (lossless RGB, .mkv/.avi) or ``mpeg4``. Odd sizes are encoded in 4:4:4, never cropped.
    ``threads``: encoder threads, 0 = automatic.

    ``audio_source`` (default: ``info.path``; ``None`` for a silent output): every audio stream is
    stream-copied without re-encoding, interleaved with the video as frames are written (source
    packets are read only up to the current frame time, so memory stays bounded); a track the
    output container cannot hold is re-encoded to AAC with one warning. Subtitles are copied when
    ``copy_subtitles`` and the container takes their codec. With ``trim_audio``, audio and
    subtitle packets from the end of the last written frame on are dropped (partial renders).

    The file is written to a hidden temporary sibling and renamed onto ``path`` only by a
    successful :meth:`close`; on an exception (also ``KeyboardInterrupt``) inside ``with`` it is
    deleted. :attr:`notes` lists what could not be kept (one line each).
    """

    def __init__(self, path: str | Path, info: VideoInfo, codec: str = "h264", crf: int = 18,
                 audio_source: str | Path | None = _INPUT, copy_subtitles: bool = True,
                 threads: int = 0, preset: str | None = None, trim_audio: bool = False):
        self.path, self.info = Path(path), info
        self.notes: list[str] = []
        self.frames_written = 0
        self.pts_fixed = 0  # frames whose pts did not increase and was moved
        spec = _CODECS.get(codec)
        if spec is None:
            raise VidcolorError(f"unknown video codec '{codec}'; valid: {', '.join(_CODECS)}")
        ext = self.path.suffix.lower()
        if ext not in spec.exts:
            raise VidcolorError(f"codec '{codec}' cannot be written to '{ext or 'no extension'}' "
                                f"files; use one of {', '.join(spec.exts)}")
        self._trim, self._end = trim_audio, None
        self._routes: dict[int, tuple[str, object]] = {}
        self._src, self._held, self._closed = None, None, False
        self._sws = VideoReformatter()
        self._avi, self._offsets = ext == ".avi", {}
        self._stack = contextlib.ExitStack()
        try:
            tmp = self._stack.enter_context(atomic_output(self.path))
            self._out = av.open(str(tmp), "w")
            self._stack.callback(self._out.close)
            self._open_video(codec, spec, crf, preset, threads)
            for key, value in info.metadata.items():
                if key.lower() not in _DROP_METADATA:
                    self._out.metadata[key] = value
            if audio_source is not None:
                self._open_source(Path(info.path if audio_source == _INPUT else audio_source),
                                  copy_subtitles)
        except BaseException as exc:
            self._closed = True
            self._stack.__exit__(type(exc), exc, exc.__traceback__)
            raise

    # -- setup --------------------------------------------------------------------------------

    def _open_video(self, codec: str, spec: _CodecSpec, crf: int, preset: str | None, threads: int):
        info, ext = self.info, self.path.suffix.lower()
        odd = info.width % 2 or info.height % 2
        self._pix_fmt = spec.odd_pix_fmt if odd else spec.pix_fmt
        self._cosite = codec in ("h264", "hevc", "mpeg4") and self._pix_fmt == "yuv420p"
        if odd and spec.odd_pix_fmt != spec.pix_fmt:
            self.notes.append(f"odd frame size {info.width}x{info.height}: encoded as {self._pix_fmt}")
        # Encoder ticks: the input's time base, except in AVI (one tick per frame, constant rate)
        # and where mpeg4 cannot use it (denominator > 65535). Millisecond time bases (Matroska,
        # FLV) get ticks fine enough for the exact frame grid, and frames that lie within half a
        # millisecond of it are put on it, so 23.976 fps from .mkv is 24000/1001 again in .mp4.
        self._tb = info.time_base
        self._snap = info.time_base == Fraction(1, 1000)
        if self._snap:
            fine = Fraction(1, lcm(1000, (1 / info.frame_rate).denominator))  # divides both
            self._tb = fine if fine.denominator <= 10**6 else self._tb
        if ext == ".avi":
            self._tb = 1 / info.frame_rate
            if info.is_vfr:
                self.notes.append("AVI holds constant frame rates only: timestamps rounded to frames")
        elif codec == "mpeg4" and self._tb.denominator > 65535:
            self._tb = Fraction(1, 1000) if info.is_vfr else 1 / info.frame_rate
        self._step = max(1, round(1 / (info.frame_rate * self._tb)))  # one frame, in encoder ticks
        self._last_pts: int | None = None
        stream = self._out.add_stream(spec.encoder, rate=info.frame_rate)
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, self._pix_fmt
        stream.time_base = stream.codec_context.time_base = self._tb
        stream.thread_count = threads
        stream.options = _writer_options(codec, crf, preset, self._pix_fmt)
        ctx = stream.codec_context
        if codec == "hevc" and ext in (".mp4", ".m4v", ".mov"):
            ctx.codec_tag = "hvc1"  # what Apple players expect
        if info.sample_aspect_ratio:
            ctx.sample_aspect_ratio = info.sample_aspect_ratio
        self._matrix = info.matrix if info.matrix in _COLOR_TAGS else "bt709"
        if self._pix_fmt.startswith("yuv"):
            ctx.colorspace, ctx.color_primaries, ctx.color_trc = _COLOR_TAGS[self._matrix]
            ctx.color_range = 1  # tv
        if info.rotation:
            if hasattr(stream, "set_display_rotation") and ext != ".avi":
                stream.set_display_rotation(info.rotation)
            else:
                self.notes.append(f"rotation {info.rotation} not stored: {ext} cannot hold it")
        self._video = stream

    def _open_source(self, source: Path, copy_subtitles: bool) -> None:
        self._src = _open_input(source)
        self._stack.callback(self._src.close)
        mp4 = self.path.suffix.lower() in (".mp4", ".m4v")
        reencoded, wanted = [], []
        with contextlib.suppress(AttributeError, ValueError, av.error.FFmpegError):  # PyAV < 15
            self._out.set_chapters(self._src.chapters())
        for s in self._src.streams:
            if s.type == "audio" and s.codec_context is None:
                self.notes.append(f"audio stream #{s.index} not copied: FFmpeg does not know its codec")
            if s.codec_context is None or s.type not in ("audio", "subtitle"):
                continue
            name, out, kind = s.codec_context.name, None, "copy"
            if s.type == "subtitle" and not copy_subtitles:
                continue
            if not (mp4 and s.type == "audio" and name not in _MP4_AUDIO):
                with contextlib.suppress(ValueError):  # the muxer refuses this codec
                    out = self._out.add_stream_from_template(s)
            if out is None and s.type == "subtitle":
                self.notes.append(f"subtitle stream #{s.index} ({name}) not copied: "
                                  f"{self.path.suffix} cannot hold it")
                continue
            if out is None:
                out, kind = self._add_aac(s), "encode"
                reencoded.append(f"#{s.index} ({name})")
            for key in ("language", "title", "handler_name"):
                if key in s.metadata:
                    out.metadata[key] = s.metadata[key]
            out.disposition = s.disposition
            self._routes[s.index] = (kind, out)
            wanted.append(s)
        for s in self._src.streams:
            if s.index not in self._routes:
                s.discard = av.stream.Discard.all
        self._wanted = wanted
        self._packets = self._src.demux(wanted) if wanted else iter(())
        if reencoded:
            message = (f"audio track(s) {', '.join(reencoded)} cannot be stored in "
                       f"{self.path.suffix} as is; re-encoding to {self._aac_name.upper()}")
            self.notes.append(message)
            warnings.warn(message, stacklevel=3)

    def _add_aac(self, template):
        self._aac_name = "aac" if "aac" in self._out.supported_codecs else self._out.default_audio_codec
        ctx = template.codec_context
        channels = ctx.channels if ctx.channels in _LAYOUTS else 2
        out = self._out.add_stream(self._aac_name, rate=ctx.sample_rate or 48000)
        out.layout = _LAYOUTS[channels]
        out.bit_rate = 64000 * channels
        template.thread_type = "AUTO"
        return out

    # -- writing ------------------------------------------------------------------------------

    def write(self, image: np.ndarray, pts: int | None = None) -> None:
        """Encode one frame. ``image``: uint8 RGB ``(H, W, 3)`` (or gray ``(H, W)``) of the input's
        size. ``pts``: in ``info.time_base``; ``None`` continues one frame after the previous
        frame. A pts not above the previous one is moved just after it (counted in
        :attr:`pts_fixed`)."""
        info = self.info
        if image.dtype != np.uint8 or image.shape[:2] != (info.height, info.width) or \
                image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
            raise ValueError(f"expected uint8 ({info.height}, {info.width}, 3) frame, "
                             f"got {image.dtype} {image.shape}")
        frame = self._to_yuv(av.VideoFrame.from_ndarray(
            np.ascontiguousarray(image), format="rgb24" if image.ndim == 3 else "gray"))
        if pts is not None:
            pts = self._ticks(pts)
        last = self._last_pts
        if pts is None:
            pts = 0 if last is None else last + self._step
        elif last is not None and pts <= last:
            pts, self.pts_fixed = last + 1, self.pts_fixed + 1
        self._last_pts = pts
        frame.pts, frame.time_base = pts, self._tb
        self._out.mux(self._video.encode(frame))
        self.frames_written += 1
        self._end = float((pts + self._step) * self._tb)
        # Audio up to this frame's time (and half a second ahead unless trimming).
        self._pump(float(pts * self._tb) + (0.0 if self._trim else 0.5))

    def _to_yuv(self, frame: av.VideoFrame) -> av.VideoFrame:
        """RGB/gray frame -> the encoder's YCbCr format, with co-sited ("left") chroma.

        FFmpeg's H.264/HEVC/MPEG-4 decoders mark 4:2:0 chroma as co-sited with the even luma
        columns ("left", as those standards say), and swscale honours that when converting back
        to RGB; but swscale subsamples centred between columns, a half-sample shift that biases
        colours on gradients by ~2/255. So for those codecs convert to 4:4:4 and subsample here:
        horizontally [1 2 1]/4 on the even columns, vertically the mean of row pairs.
        """
        if not self._pix_fmt.startswith("yuv"):
            return frame  # RGB (ffv1): the encoder converts
        full = self._pix_fmt.replace("420", "444") if self._cosite else self._pix_fmt
        frame = self._sws.reformat(frame, format=full, dst_color_range="MPEG",
                                   dst_colorspace=_SWS_COLORSPACE[self._matrix], interpolation=_SWS_TO_YUV)
        if full == self._pix_fmt:
            return frame
        out = av.VideoFrame(frame.width, frame.height, self._pix_fmt)
        _plane(out, 0)[...] = _plane(frame, 0)
        odd_w, odd_h = frame.width % 2, frame.height % 2
        for i in (1, 2):
            chroma = np.pad(_plane(frame, i).astype(np.float32), ((0, odd_h), (1, 1 + odd_w)), mode="edge")
            sub = (chroma[:, 0:-2:2] + 2 * chroma[:, 1:-1:2] + chroma[:, 2::2]) * 0.25
            _plane(out, i)[...] = np.rint((sub[0::2] + sub[1::2]) * 0.5)
        return out

    def _ticks(self, pts: int) -> int:
        """Input pts (``info.time_base``) -> encoder ticks (``self._tb``)."""
        t = pts * self.info.time_base
        if self._snap:
            on_grid = round(t * self.info.frame_rate) / self.info.frame_rate
            if abs(t - on_grid) <= self.info.time_base / 2:
                t = on_grid
        return round(t / self._tb)

    def _next_packet(self):
        while True:
            try:
                return next(self._packets)
            except (StopIteration, av.error.EOFError):
                return None
            except av.error.FFmpegError:  # damaged source audio: skip it, keep reading
                self.notes.append("skipped a damaged audio/subtitle packet")
                self._packets = self._src.demux(self._wanted)

    def _pump(self, until: float | None) -> None:
        """Mux source audio/subtitle packets with a timestamp up to ``until`` seconds (None: all)."""
        if self._src is None:
            return
        while True:
            packet = self._held or self._next_packet()
            self._held = None
            if packet is None:
                return
            ts = packet.dts if packet.dts is not None else packet.pts
            t = None if ts is None else float(ts * packet.time_base)
            if until is not None and t is not None and t > until:
                self._held = packet
                return
            if self._trim and t is not None and t >= self._end:
                continue
            kind, out = self._routes[packet.stream.index]
            if kind == "encode":
                self._encode_audio(packet, out)
            elif packet.size:  # not the demuxer's empty flush packets
                if packet.dts is None:
                    packet.dts = packet.pts
                packet.stream = out
                self._mux_side(packet)

    def _mux_side(self, packet) -> None:
        """Mux an audio/subtitle packet. AVI counts time in whole video frames: an audio start
        before 0 (encoder delay) would make the muxer shift the video by a frame and leave a
        hole, so there each audio stream is moved to start at 0 instead."""
        if self._avi and packet.dts is not None:
            offset = self._offsets.setdefault(packet.stream.index, max(0, -packet.dts))
            if offset:
                packet.dts += offset
                packet.pts = packet.dts if packet.pts is None else packet.pts + offset
        self._out.mux(packet)

    def _encode_audio(self, packet, out) -> None:
        try:
            frames = packet.stream.decode(packet if packet.size else None)
        except av.error.EOFError:
            return
        except av.error.FFmpegError:
            self.notes.append("skipped an undecodable audio packet")
            return
        for frame in frames:
            for encoded in out.encode(frame):
                self._mux_side(encoded)

    def close(self) -> None:
        """Flush the encoders, copy the remaining audio, and move the file to its final name."""
        if self._closed:
            return
        self._closed = True
        try:
            if self.frames_written == 0:
                raise VidcolorError(f"cannot write '{self.path}': no frames were written")
            self._out.mux(self._video.encode(None))
            self._pump(None)
            for kind, out in self._routes.values():
                if kind == "encode":
                    for encoded in out.encode(None):
                        self._mux_side(encoded)
        except BaseException as exc:
            self._stack.__exit__(type(exc), exc, exc.__traceback__)
            raise
        try:
            self._stack.close()  # closes the source, writes the trailer, renames the file
        except av.error.FFmpegError as exc:
            raise VidcolorError(f"cannot write '{self.path}': {exc.strerror or exc}") from exc

    def abort(self, exc: BaseException | None = None) -> None:
        """Stop writing and delete the temporary file; ``path`` is not touched."""
        if self._closed:
            return
        self._closed = True
        exc = exc or RuntimeError("aborted")
        with contextlib.suppress(Exception):  # cleanup must not hide the original error
            self._stack.__exit__(type(exc), exc, exc.__traceback__)

    def __del__(self) -> None:  # never closed: do not leave the temporary file behind
        if not getattr(self, "_closed", True):
            self.abort()

    def __enter__(self) -> VideoWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc is None:
            self.close()
        else:
            self.abort(exc)
