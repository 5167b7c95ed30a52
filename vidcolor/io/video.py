"""Video reading with PyAV (writing: :mod:`vidcolor.io.video_writer`).

Units used throughout:

* ``pts`` are integers in the stream's ``time_base`` (a :class:`~fractions.Fraction` of seconds),
  so ``seconds = pts * time_base``. The writer keeps the reader's time base, so variable frame
  rates and 24000/1001 rates stay in sync with the audio without rounding drift.
* ``frame_rate`` is a :class:`~fractions.Fraction` in frames per second (the average rate).
* Images are ``numpy.uint8``: ``(H, W)`` luma for ``fmt='gray'`` and ``(H, W, 3)`` RGB for
  ``fmt='rgb24'``, both full range 0..255 (limited-range "tv" sources are expanded). Alpha, where
  asked for and present, is a separate ``(H, W)`` uint8 plane, 0 transparent .. 255 opaque
  (straight, not premultiplied; deeper alpha is scaled to 8 bits).
* ``rotation`` is the display-matrix rotation in degrees counter-clockwise, 0..359, i.e. what a
  player applies to the decoded picture (ffprobe's "rotation" value modulo 360). Frames are
  returned as stored, not rotated; the writer copies the rotation to the output.

YCbCr <-> RGB uses the matrix the file is tagged with; an untagged file is taken as BT.709 from
720 lines up and BT.601 below, as players do (:attr:`VideoInfo.matrix`).
"""

from __future__ import annotations

import collections
import heapq
import itertools
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from fractions import Fraction
from pathlib import Path

import av
import av.error
import av.filter
import cv2
import numpy as np
from av.video.reformatter import VideoReformatter

from vidcolor.errors import VidcolorError
from vidcolor.io.image import is_photo_file
from vidcolor.io.sequence import damaged_frame_error, is_sequence, open_sequence
from vidcolor.io.video_format import (_ALPHA_PREFIXES, _FIELD_ORDER, _SWS_COLORSPACE, _SWS_TO_RGB, HDR_TRANSFERS,
                                      _beyond_legal, _has_alpha, _is_cover_art, _is_yuv, _matrix, _range_name, _timecode,
                                      _variable_rate, film_stream, frame_has_color)

VIDEO_EXTS = frozenset({
    ".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi", ".wmv", ".asf", ".flv", ".mpg", ".mpeg",
    ".m2v", ".vob", ".ts", ".m2ts", ".mts", ".3gp", ".ogv", ".mxf", ".dv", ".y4m",
})

def is_image_file(path: str | Path) -> bool:
    """True if ``path`` is a photo (:func:`vidcolor.io.image.is_photo_file`: a still-image extension,
    or a GIF of one picture)."""
    return is_photo_file(path)


def is_video_file(path: str | Path, probe: bool = False) -> bool:
    """True if ``path`` has a video extension; with ``probe=True`` also if FFmpeg finds a video stream."""
    path = Path(path)
    if path.suffix.lower() in VIDEO_EXTS or is_sequence(path):
        return True
    if not probe or is_image_file(path) or not path.is_file():
        return False
    try:
        with av.open(str(path)) as container:
            return any(not _is_cover_art(s) for s in container.streams.video)
    except (av.error.FFmpegError, OSError, ValueError):
        return False


def _open_input(path: Path, name: str | os.PathLike | None = None) -> av.container.InputContainer:
    """Open ``path``; errors name it as ``name`` (default: the path itself)."""
    name = path if name is None else name
    if is_sequence(path):
        return open_sequence(path, name)
    if not path.exists():
        raise VidcolorError(f"cannot read video '{name}': file not found")
    if path.is_dir():
        raise VidcolorError(f"cannot read video '{name}': it is a folder")
    if path.stat().st_size == 0:
        raise VidcolorError(f"cannot read video '{name}': file is empty")
    try:
        return av.open(str(path), "r")
    except av.error.FFmpegError as exc:
        raise VidcolorError(
            f"cannot read video '{name}': not a video file, or its header is damaged or cut off "
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
    frame is flagged interlaced; ``field_order``: ``progressive``, ``tff`` (top field first),
    ``bff`` or ``unknown`` (interlaced, order not stated). ``matrix``: YCbCr matrix used for RGB
    (``bt601``/``bt709``/...). ``has_alpha``: the pixel format carries alpha. ``has_color``: the
    first frame has visible chroma (a guess; the reader keeps looking, :attr:`VideoReader.color_seen`).
    ``deinterlaced``: the reader deinterlaces the frames it returns (``VideoReader(deinterlace=True)``
    on an interlaced file; ``interlaced``/``field_order`` still describe the file), so they are
    progressive and the writer writes them so. ``start_pts``: the first frame's pts (MPEG-TS
    captures and stream-copied cuts often start at 10 s or more, not 0); frame *times*
    (:attr:`DecodedFrame.time`) count from it, as players show them.
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
    timecode: str | None = field(default=None, compare=False)   # SMPTE timecode of the first frame ("01:00:00:00")
    video_index: int = field(default=0, compare=False)          # the stream read, of the container's streams
    field_order: str = "progressive"
    has_alpha: bool = False
    has_color: bool = False
    deinterlaced: bool = False
    start_pts: int = 0
    duration_start: float | None = None   # s on the file's timeline where ``duration`` counts from
    primaries: int = 2      # AVColorPrimaries of the first frame (2: unspecified; 1 BT.709, 5 BT.470BG/PAL, 6 SMPTE 170M, 9 BT.2020)
    transfer: int = 2       # AVColorTransferCharacteristic (2: unspecified; 16 PQ / SMPTE ST 2084, 18 HLG: HDR)

    @property
    def hdr(self) -> str | None:
        """"PQ" or "HLG" for a high-dynamic-range film (its transfer), else None."""
        return HDR_TRANSFERS.get(self.transfer)

    @property
    def frame_period(self) -> int:
        """One frame duration at ``frame_rate``, in ``time_base`` ticks (at least 1)."""
        return max(1, round(1 / (self.frame_rate * self.time_base)))


@dataclass(frozen=True)
class DecodedFrame:
    """One decoded frame: ``image`` uint8 ``(H, W)`` or ``(H, W, 3)``, ``pts`` in ``info.time_base``
    (extrapolated by one frame period where the file has none), ``time = (pts − info.start_pts) ·
    time_base`` in seconds from the film's first frame (what a player shows; pts stay the file's own),
    ``index`` counting decoded frames from 0. ``alpha``: uint8 ``(H, W)`` alpha plane
    (``VideoReader(alpha=True)`` on a file with alpha), else None. ``deep``: uint16 ``(H, W)`` luma at
    full scale 65535 (``VideoReader(deep=True)`` on a film of more than 8 bits), else None; ``image``
    is then that luma rounded to 8 bits."""

    image: np.ndarray
    pts: int
    time: float
    index: int
    alpha: np.ndarray | None = None
    deep: np.ndarray | None = None


class VideoReader:
    """Stream frames from a video file. Owns its PyAV container; use as a context manager.

    ``fmt='gray'`` gives the luma plane as ``(H, W)`` uint8 (deeper sources are converted to 8 bit);
    ``'rgb24'`` gives ``(H, W, 3)`` uint8 RGB. Up to ``max_corrupt`` packets that fail to demux or
    decode are skipped and counted in :attr:`corrupt_packets`; one more raises
    :class:`VidcolorError`. Frames the decoder repaired by concealment are counted in
    :attr:`corrupt_frames` and still returned.

    Opening decodes the first frame (to check the file is usable and to read the rotation).
    ``name``: how error messages name the file (default: ``path``; a segment's worker opens an
    absolute path but names the file as the user gave it).

    Seeking: with ``start_pts`` (in ``info.time_base``) the reader seeks to the keyframe at or
    before it, decodes from there and yields only the frames with ``pts >= start_pts``; their
    ``index`` counts from ``first_index`` (the caller's frame number of the first yielded frame,
    e.g. from a keyframe scan; the reader cannot know it without decoding from the start). If the
    container cannot seek, or lands after ``start_pts``, the reader decodes from the beginning
    instead. :attr:`info` always describes the file from its first frame.

    Alpha: with ``alpha=True`` and a pixel format that has alpha (:attr:`VideoInfo.has_alpha`),
    every frame also carries its alpha plane (:attr:`DecodedFrame.alpha`), frame by frame.

    Depth: with ``deep=True`` (``fmt='gray'``) and a film of more than 8 bits per sample
    (:attr:`VideoInfo.bit_depth`), every frame also carries its luma with 16 bits
    (:attr:`DecodedFrame.deep`, the film's 10 or 12 bits scaled to 0–65535), for a render written
    with more than 8 bits; ``image`` is that luma rounded to 8 bits.

    Size changes: a stream whose frame size changes part-way (captures joined end to end) is read
    at its first frame's size: later frames of another size are scaled to it (bicubic), as FFmpeg's
    own tools do, and counted in :attr:`resized` (``(width, height) → frames``).

    Deinterlacing: with ``deinterlace=True`` and a file that is interlaced (:attr:`VideoInfo.field_order`
    not ``progressive``), frames go through FFmpeg's yadif (``mode=send_frame``: one progressive
    frame per frame, same pts; frames flagged interlaced are filtered, others pass unchanged)
    before anything else, and ``info.deinterlaced`` is True. Each output frame is built from its
    own fields and its neighbours', so the reader decodes one frame ahead. A progressive file is
    returned as it is.
    """

    def __init__(self, path: str | Path, fmt: str = "gray", max_corrupt: int = 50, *,
                 start_pts: int | None = None, first_index: int = 0, deinterlace: bool = False, alpha: bool = False,
                 deep: bool = False, name: str | os.PathLike | None = None):
        if fmt not in ("gray", "rgb24"):
            raise ValueError(f"fmt must be 'gray' or 'rgb24', not {fmt!r}")
        self.path = Path(path)
        self.name = str(self.path if name is None else name)  # how error messages name the file
        self.fmt = fmt
        self.max_corrupt = max_corrupt
        self.corrupt_packets = 0
        self.corrupt_frames = 0
        self.color_seen = False  # a sampled frame (first, then every 48th, 40 at most) showed colour
        self.beyond_legal = False  # a sampled frame of a limited-range film has levels below black or above white (clipped)
        self._last: tuple | None = None  # (pts, duration, its time base) of the latest frame decoded, for video_end
        self.resized: dict[tuple[int, int], int] = {}  # (width, height) → frames of another size, scaled to info's
        self._sws = VideoReformatter()  # keeps its swscale context between frames
        self._deep = False
        self._sws_alpha = VideoReformatter()
        self._container = _open_input(self.path, self.name)
        try:
            self._stream = self._pick_stream()
            self._av_frames = self._decode()
            first = next(self._av_frames, None)
            if first is None:
                raise VidcolorError(f"cannot read video '{self.name}': no decodable video frames")
            self.info = self._make_info(first)
            self._alpha = alpha and self.info.has_alpha
            self._deep = deep and fmt == "gray" and self.info.bit_depth > 8
            self._deinterlace = deinterlace and self.info.field_order != "progressive"
            if self._deinterlace:
                self.info = replace(self.info, deinterlaced=True)
                self._av_frames = self._yadif(itertools.chain([first], self._av_frames))
                first = next(self._av_frames, None)
            if start_pts is not None:
                first = self._seek(start_pts, first)
        except BaseException:
            self._container.close()
            raise
        self._frames = self._generate(first, first_index)

    def _pick_stream(self):
        stream = film_stream(self._container)
        if stream is None:
            raise VidcolorError(f"cannot read video '{self.name}': no video stream")
        if stream.codec_context is None:
            raise VidcolorError(f"cannot read video '{self.name}': unsupported video codec")
        stream.thread_type = "AUTO"
        for other in self._container.streams:
            if other.index != stream.index:
                other.discard = av.stream.Discard.all
        self._decoder = _alpha_decoder(stream)
        return stream

    def _make_info(self, first: av.VideoFrame) -> VideoInfo:
        s, c = self._stream, self._container
        tb = s.time_base or Fraction(1, 90000)
        # Broken headers give rates like 0 or 90000: take the first plausible one (slideshows and
        # time-lapses run at one frame in two seconds, or a minute).
        rates = [r for r in (s.average_rate, s.guessed_rate, s.base_rate) if r and Fraction(1, 60) <= r <= 300]
        rate = rates[0] if rates else Fraction(25)
        duration = duration_start = None
        if s.duration:
            duration = float(s.duration * tb)
            duration_start = float(s.start_time * tb) if s.start_time is not None else None
        elif c.duration:  # the container's: from its earliest stream's start (audio may start first)
            duration = c.duration / av.time_base
            duration_start = c.start_time / av.time_base if c.start_time is not None else None
            if "matroska" in c.format.name:
                # FFmpeg's Matroska muxer (and so ffmpeg -copyts, PyAV, OBS) writes the segment's
                # Duration as the last timestamp, counted from zero, not from the first frame: a film
                # stamped from 10 s would look 10 s short of what it "declares". Read it as an end time.
                duration_start = 0.0
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
        interlaced = bool(first.interlaced_frame)
        order = _FIELD_ORDER.get(int(s.codec_context.field_order or 0), "unknown")
        if order == "unknown" and not interlaced:
            order = "progressive"
        elif order == "progressive" and interlaced:
            order = "unknown"
        return VideoInfo(
            path=self.path, width=first.width, height=first.height, frame_rate=Fraction(rate),
            time_base=Fraction(tb), frame_count=s.frames or None, duration=duration,
            codec=s.codec_context.name, pix_fmt=fmt.name, rotation=int(round(rotation)) % 360,
            color_range=_range_name(first.color_range, fmt), bit_depth=fmt.components[0].bits,
            audio=audio, subtitle_count=len(c.streams.subtitles),
            is_vfr=_variable_rate(self.path, s.index, tb, base, rate),
            interlaced=interlaced, field_order=order,
            has_alpha=_has_alpha(s, first), has_color=frame_has_color(first),
            sample_aspect_ratio=s.sample_aspect_ratio or None,
            matrix=_matrix(first.colorspace, first.height) if _is_yuv(fmt) else "bt601",
            container=c.format.name, metadata=dict(c.metadata), start_pts=int(first.pts or 0), duration_start=duration_start,
            timecode=_timecode(c, s), video_index=s.index,
            primaries=int(first.color_primaries or 2), transfer=int(first.color_trc or 2),
        )

    # -- decoding -----------------------------------------------------------------------------

    def _count_corrupt(self, exc: Exception) -> None:
        self.corrupt_packets += 1
        if self.corrupt_packets > self.max_corrupt:
            raise VidcolorError(
                f"cannot read video '{self.name}': more than {self.max_corrupt} corrupt packets "
                f"(last error: {getattr(exc, 'strerror', None) or exc})"
            ) from exc

    #: How many frames an AVI film with B-frames is read ahead to put its timestamps in display order
    #: (x264 codes up to 16 B-frames in a row).
    REORDER_DEPTH = 17

    def _decode(self) -> Iterator[av.VideoFrame]:
        """The frames in display order, their pts too: AVI stores no presentation times, and FFmpeg's
        AVI reader stamps a B-frame codec's frames in decode order (1, 2, 4, 5, 3, …): the decoder
        hands them over in display order, so the pts of :data:`REORDER_DEPTH` frames read ahead are
        sorted onto them (the writer moved each late stamp one tick up: a 250-frame film ended two
        frames late against its sound)."""
        frames = self._decode_packets()
        if self._container.format.name != "avi" or not self._stream.codec_context.has_b_frames:
            return frames
        return self._display_order(frames)

    def _display_order(self, frames: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        ahead: collections.deque = collections.deque()
        stamps: list[int] = []
        for frame in itertools.chain(frames, [None]):
            if frame is not None:
                ahead.append(frame)
                if frame.pts is not None:
                    heapq.heappush(stamps, frame.pts)
                if len(ahead) <= self.REORDER_DEPTH:
                    continue
            while ahead and (frame is None or len(ahead) > self.REORDER_DEPTH):
                out = ahead.popleft()
                if out.pts is not None and stamps:
                    out.pts = heapq.heappop(stamps)
                yield out

    def _decode_packets(self) -> Iterator[av.VideoFrame]:
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
                frames = self._decoder.decode(packet) if self._decoder is not None else stream.decode(packet)
            except av.error.EOFError:
                return
            except av.error.FFmpegError as exc:
                if is_sequence(self.path) and packet.pts is not None:   # a damaged scan: named and refused
                    raise damaged_frame_error(self.path, self.name, int(packet.pts), exc) from exc
                self._count_corrupt(exc)
                continue
            for frame in frames:
                self.corrupt_frames += frame.is_corrupt
                yield frame

    def _filtered(self, frames: Iterator[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        return self._yadif(frames) if self._deinterlace else frames

    def _yadif(self, frames: Iterable[av.VideoFrame]) -> Iterator[av.VideoFrame]:
        """``frames`` deinterlaced by FFmpeg's yadif, one out per frame in, pts in the stream's time
        base (yadif counts in half ticks). Field order from the frames' flags, else the file's."""
        tb = self._stream.time_base or Fraction(1, 90000)
        parity = {"tff": "tff", "bff": "bff"}.get(self.info.field_order, "auto")
        graph = sink = None
        for frame in itertools.chain(frames, [None]):
            if graph is None:
                if frame is None:
                    return
                graph = av.filter.Graph()
                src = graph.add_buffer(width=frame.width, height=frame.height, format=frame.format.name, time_base=tb)
                yadif = graph.add("yadif", f"mode=send_frame:parity={parity}:deint=interlaced")
                sink = graph.add("buffersink")
                src.link_to(yadif)
                yadif.link_to(sink)
                graph.configure()
            graph.push(frame)
            while True:
                try:
                    out = sink.pull()
                except (BlockingIOError, av.error.EOFError):
                    break
                if out.pts is not None:
                    out.pts = round(out.pts * out.time_base / tb)
                out.time_base = tb
                yield out

    def _to_array(self, frame: av.VideoFrame) -> np.ndarray:
        fmt = frame.format
        kwargs = {}
        if _is_yuv(fmt):
            # Gray is Y' itself, whatever the matrix; swscale's YUV → gray path is unbiased only when
            # told ITU601 (with another matrix it darkens by 0.49 on average, unless it runs its
            # accurate mode: ten times slower at 1080p).
            matrix = "bt601" if self.fmt == "gray" else _matrix(frame.colorspace, frame.height)
            kwargs = {"src_colorspace": _SWS_COLORSPACE[matrix],
                      "src_color_range": "JPEG" if _range_name(frame.color_range, fmt) == "pc" else "MPEG",
                      "interpolation": _SWS_TO_RGB if self.fmt == "rgb24" else None}
        elif frame.color_range == 1:  # gray or RGB explicitly tagged limited range
            kwargs = {"src_color_range": "MPEG"}
        size = (frame.width, frame.height)
        if size != (self.info.width, self.info.height):   # joined captures: the size changes mid-stream
            self.resized[size] = self.resized.get(size, 0) + 1
            kwargs.update(width=self.info.width, height=self.info.height)
            if kwargs.get("interpolation") is None:
                kwargs["interpolation"] = "BICUBIC"
        frame = self._sws.reformat(frame, format="gray16le" if self._deep else self.fmt, dst_color_range="JPEG", **kwargs)
        image = frame.to_ndarray()
        if not image.flags.writeable or not image.flags.c_contiguous:
            image = np.array(image, order="C")
        return image

    def _frame_arrays(self, frame: av.VideoFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """``(image, deep)`` of a decoded frame (:class:`DecodedFrame`)."""
        image = self._to_array(frame)
        if not self._deep:
            return image, None
        return cv2.convertScaleAbs(image, alpha=1 / 257), image   # rounded to nearest, as swscale's 8-bit gray

    def _alpha_of(self, frame: av.VideoFrame) -> np.ndarray | None:
        """``(H, W)`` alpha of a frame: uint8, or uint16 (full scale 65535) when read ``deep`` (a
        ProRes 4444 or FFV1 film's 10–16-bit alpha); None if this frame's format has none."""
        if not frame.format.name.startswith(_ALPHA_PREFIXES):
            return None
        fmt = "rgba64le" if self._deep else "rgba"
        return np.array(self._sws_alpha.reformat(frame, format=fmt, width=self.info.width, height=self.info.height)
                        .to_ndarray()[..., 3], order="C")

    def _seek(self, start_pts: int, first: av.VideoFrame) -> av.VideoFrame | None:
        """Position the decoder on the first frame with ``pts >= start_pts`` and return it (None
        past the end). Seeks to the keyframe at or before ``start_pts``; frames before it are
        decoded (they are references) and dropped. Containers without an index (MPEG-TS) may land
        after the target: then it seeks 1, 4 and 16 s earlier before decoding from the start."""
        if first.pts is None or first.pts >= start_pts:
            return self._skip_to(start_pts, first)
        for back in (0, 1, 4, 16):
            target = start_pts - round(back / self.info.time_base)
            if target <= first.pts:
                break
            try:
                self._container.seek(target, stream=self._stream, backward=True)
                if self._decoder is not None:
                    self._decoder.flush_buffers()
                self._av_frames = self._filtered(self._decode())
                frame = next(self._av_frames, None)
            except av.error.FFmpegError:
                break
            if frame is not None and (frame.pts is None or frame.pts <= start_pts):
                return self._skip_to(start_pts, frame)
        # could not seek, or always landed after the target: decode from the start
        self._container.close()
        self._container = _open_input(self.path, self.name)
        self._stream = self._pick_stream()
        self._av_frames = self._filtered(self._decode())
        return self._skip_to(start_pts, next(self._av_frames, None))

    def _skip_to(self, start_pts: int, frame: av.VideoFrame | None) -> av.VideoFrame | None:
        while frame is not None and frame.pts is not None and frame.pts < start_pts:
            frame = next(self._av_frames, None)
        return frame

    def _generate(self, first: av.VideoFrame | None, first_index: int = 0) -> Iterator[DecodedFrame]:
        tb, period, start = self.info.time_base, self.info.frame_period, self.info.start_pts
        last_pts = None
        index = first_index
        frame = first
        checks = 0
        while frame is not None:
            if checks < 40 and (index - first_index) % 48 == 0 and not (self.color_seen and self.beyond_legal):
                checks += 1
                self.color_seen = self.color_seen or frame_has_color(frame)
                self.beyond_legal = self.beyond_legal or _beyond_legal(frame)
            pts = frame.pts
            if pts is None:
                pts = 0 if last_pts is None else last_pts + period
            last_pts = pts
            self._last = (pts, frame.duration, frame.time_base)
            alpha = self._alpha_of(frame) if self._alpha else None
            image, deep = self._frame_arrays(frame)
            yield DecodedFrame(image, pts, float((pts - start) * tb), index, alpha, deep)
            index += 1
            frame = next(self._av_frames, None)

    # -- public API ---------------------------------------------------------------------------

    @property
    def video_end(self) -> float | None:
        """Where the latest frame decoded ends by its own stated duration, in seconds of the file's
        timeline (a long last frame — slideshows, GIF conversions — outlasts a mean frame
        interval); None before any frame or when the file states no duration."""
        if self._last is None or not self._last[1]:
            return None
        pts, duration, tb = self._last
        return float(pts * self.info.time_base + duration * (tb or self.info.time_base))

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
        try:
            self._frames.close()
        except ValueError:  # "generator already executing": a worker thread that could not be stopped
            return          # (a second Ctrl-C, a decode stuck past the join) still reads; leave it the file
        self._container.close()

    def __enter__(self) -> VideoReader:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _alpha_decoder(stream):
    """A libvpx decoder for VP8/VP9 with an alpha channel (WebM ``alpha_mode=1``: FFmpeg's own VP8/VP9
    decoders ignore the alpha plane stored beside each frame; libvpx's decode it as yuva420p), else None."""
    meta = {k.lower(): v for k, v in (stream.metadata or {}).items()}
    name = stream.codec_context.name
    if name not in ("vp8", "vp9") or str(meta.get("alpha_mode", "")).strip() != "1":
        return None
    try:
        ctx = av.CodecContext.create("libvpx-vp9" if name == "vp9" else "libvpx", "r")
    except (av.error.FFmpegError, ValueError):  # an FFmpeg build without libvpx: colour only
        return None
    ctx.thread_type = "AUTO"
    if stream.codec_context.extradata:
        ctx.extradata = stream.codec_context.extradata
    return ctx


def quarter_turns(rotation: int) -> int:
    """``rotation`` (:attr:`VideoInfo.rotation`, degrees counter-clockwise) as quarter turns 0..3:
    the picture a player shows is ``np.rot90(stored, quarter_turns(rotation))``. Angles that are
    not a multiple of 90° count as 0 (players ignore them too)."""
    return (int(rotation) // 90) % 4 if int(rotation) % 90 == 0 else 0


def probe_video(path: str | Path) -> VideoInfo:
    """:class:`VideoInfo` of ``path`` (opens it and decodes one frame); VidcolorError if unusable."""
    with VideoReader(path) as reader:
        return reader.info


def __getattr__(name: str):
    # VideoWriter lives in video_writer.py; keep ``from vidcolor.io.video import VideoWriter`` working.
    if name == "VideoWriter":
        from vidcolor.io.video_writer import VideoWriter
        return VideoWriter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
