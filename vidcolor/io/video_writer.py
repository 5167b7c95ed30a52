"""Video writing with PyAV: encode RGB frames, copy the source's audio and subtitles.

Units: ``pts`` in the input's ``VideoInfo.time_base`` (seconds per tick, a Fraction); frame rates
are Fractions in frames per second; images are uint8 RGB ``(H, W, 3)``. See :mod:`vidcolor.io.video`.
"""

from __future__ import annotations

import contextlib
import warnings
from fractions import Fraction
from math import lcm
from pathlib import Path

import av
import av.error
import cv2
import numpy as np
from av.video.reformatter import Interpolation, VideoReformatter

from vidcolor.color import luma_weights
from vidcolor.errors import VidcolorError
from vidcolor.io.atomic import atomic_output
from vidcolor.io.codecs import (_CODECS, _MOV_AUDIO, _MP4_AUDIO, DEPTH_LIMITS, _CodecSpec, _writer_options, deep_pix_fmt, holds_alpha,
                                output_depth, output_matrix, output_tags)
from vidcolor.io.video import VideoInfo, _open_input
from vidcolor.io.video_format import _SWS_COLORSPACE

_SWS_TO_YUV = Interpolation.BILINEAR | Interpolation.ACCURATE_RND


def _plane(frame: av.VideoFrame, index: int) -> np.ndarray:
    """Writable ``(height, width)`` view of one plane of a planar frame (strides skipped): uint8, or
    uint16 for formats of more than 8 bits (little-endian, as the writer's are)."""
    plane = frame.planes[index]
    data = np.frombuffer(plane, np.uint8 if frame.format.components[0].bits <= 8 else np.dtype("<u2"))
    stride = plane.line_size // data.itemsize
    return data[: plane.height * stride].reshape(plane.height, stride)[:, : plane.width]


def _cosited(c: np.ndarray, horizontal: bool, vertical: bool) -> np.ndarray:
    """Chroma plane ``c`` (float, full size) subsampled as H.264/HEVC/MPEG-4 decoders site it:
    horizontally [1 2 1]/4 on the even columns ("left", co-sited), vertically the mean of row pairs;
    odd sizes repeat their last column/row."""
    h, w = c.shape
    if horizontal:
        c = np.pad(c, ((0, 0), (1, 1 + w % 2)), mode="edge")
        c = (c[:, 0:-2:2] + 2 * c[:, 1:-1:2] + c[:, 2::2]) * 0.25
    if vertical:
        c = np.pad(c, ((0, h % 2), (0, 0)), mode="edge")
        c = (c[0::2] + c[1::2]) * 0.5
    return c


_DROP_METADATA = frozenset({"encoder", "major_brand", "minor_version", "compatible_brands", "duration"})
_LAYOUTS = {1: "mono", 2: "stereo", 3: "3.0", 4: "quad", 5: "5.0", 6: "5.1", 7: "6.1", 8: "7.1"}
_INPUT = "<input>"  # default audio_source: the file the frames were read from


class VideoWriter:
    """Encode RGB frames to a video file, copying the audio (and subtitles) of a source file.

    ``info``: the :class:`VideoInfo` of the input; the output keeps its size, frame rate, time
    base, sample aspect ratio, rotation and container metadata. ``codec``: ``h264`` (.mp4/.m4v/
    .mov/.mkv; CRF ``crf``, x264 ``preset``), ``hevc`` (same, not .m4v), ``prores`` (.mov/.mkv), ``ffv1``
    (lossless RGB, .mkv/.avi) or ``mpeg4``. Odd sizes are encoded in 4:4:4, never cropped.
    ``threads``: encoder threads, 0 = automatic.

    ``alpha``: the caller passes each frame's alpha plane to :meth:`write`. An input alpha channel
    (``info.has_alpha``) is then kept where the codec holds one (:func:`holds_alpha`); otherwise,
    or with ``alpha=False``, the output is opaque and a note says the alpha channel was dropped.
    :attr:`keeps_alpha` tells which.

    Depth: a film of more than 8 bits per sample (``info.bit_depth``) is written with :attr:`depth`
    bits where the codec has such a profile (:func:`~vidcolor.io.codecs.output_depth`: ProRes 10,
    HEVC 10, FFV1 10/12/16; H.264 and MPEG-4 stay 8-bit); pass it uint16 frames to use them.

    ``audio_source`` (default: ``info.path``; ``None`` for a silent output): every audio stream is
    stream-copied without re-encoding, interleaved with the video as frames are written (source
    packets are read up to half a second past the current frame, so memory stays bounded); a track the
    output container cannot hold is re-encoded to AAC with one warning. Subtitles are copied when
    ``copy_subtitles`` and the container takes their codec. With ``trim_audio``, audio and
    subtitle packets from the end of the last written frame on are dropped (partial renders).

    The file is written to a hidden temporary sibling and renamed onto ``path`` only by a
    successful :meth:`close`; on an exception (also ``KeyboardInterrupt``) inside ``with``, or
    :meth:`abort`, it is deleted. :attr:`notes` lists what could not be kept (one line each);
    :attr:`frames_written` and :attr:`pts_fixed` count frames.
    """

    def __init__(self, path: str | Path, info: VideoInfo, codec: str = "h264", crf: int = 18,
                 audio_source: str | Path | None = _INPUT, copy_subtitles: bool = True,
                 threads: int = 0, preset: str | None = None, trim_audio: bool = False, alpha: bool = False):
        self.path, self.info = Path(path), info
        self.keeps_alpha = bool(alpha and info.has_alpha and holds_alpha(codec))
        self.depth = output_depth(info.bit_depth, codec) if codec in _CODECS else 8
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
        self._video_times: list[float] = []  # first and last frame time written (s), for media_end
        self._side_end: float | None = None  # end of the audio/subtitle packets muxed (s)
        self._routes: dict[int, tuple[str, object]] = {}
        self._reframers: dict[int, list] = {}  # output stream index → [AudioResampler, next pts]
        self._src, self._held, self._closed = None, None, False
        self._preroll: dict[int, av.Packet] = {}   # per source stream: its last packet before the edit list starts
        self._sws = VideoReformatter()
        self._avi, self._offsets = ext == ".avi", {}
        # AVI has no timestamps of its own (its streams start together at 0): the film's first frame
        # becomes 0 and the audio moves with it (_mux_side) — a capture starting at 1.4 s (MPEG-TS),
        # a DVD's 0.5 s or a -copyts cut played its sound that much early. _origin: the time of the
        # source's timeline written as 0.
        self._origin = info.start_pts * info.time_base if self._avi else Fraction(0)
        self._stack = contextlib.ExitStack()
        try:
            tmp = self._stack.enter_context(atomic_output(self.path))
            self._out = av.open(str(tmp), "w")
            self._stack.callback(self._out.close)
            self._open_video(codec, spec, crf, preset, threads)
            if info.timecode:   # MOV/MP4 write it as a timecode track, Matroska as a tag
                self._video.metadata["timecode"] = info.timecode
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
        if self.keeps_alpha:
            self._pix_fmt = spec.alpha_pix_fmt
        elif info.has_alpha:
            why = (f"{codec} cannot hold one; ProRes 4444 in .mov or FFV1 in .mkv/.avi can (the default codec "
                   "there for such inputs, or --codec prores/ffv1)") if not holds_alpha(codec) else "it was not passed on"
            self.notes.append(f"the input's alpha channel is dropped, the output is opaque: {why}")
        if self.depth > 8:
            full = info.pix_fmt.startswith(("yuv444", "yuva444", "gbr", "rgb", "bgr"))
            self._pix_fmt = deep_pix_fmt(codec, self.depth, bool(odd), self.keeps_alpha, full_chroma=full)
        if (info.bit_depth or 8) > self.depth:
            how = (f"{codec} is 8-bit here; --codec hevc, prores or ffv1 keep more" if self.depth == 8
                   else DEPTH_LIMITS.get(codec, f"the most {codec} takes"))
            self.notes.append(f"{info.bit_depth}-bit video: colorized and written with {self.depth} bits per sample ({how})")
        self._cosite = codec in ("h264", "hevc", "mpeg4") and self._pix_fmt.startswith("yuv420p")
        if odd and spec.odd_pix_fmt != spec.pix_fmt and not self.keeps_alpha:
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
            if info.is_vfr and info.container != "avi":   # an AVI's frames already lie on its frame grid
                self.notes.append("AVI holds constant frame rates only: timestamps rounded to frames")
        elif codec == "mpeg4" and self._tb.denominator > 65535:
            self._tb = Fraction(1, 1000) if info.is_vfr else 1 / info.frame_rate
        self._step = max(1, round(1 / (info.frame_rate * self._tb)))  # one frame, in encoder ticks
        self._last_pts: int | None = None
        stream = self._out.add_stream(spec.encoder, rate=info.frame_rate)
        stream.width, stream.height, stream.pix_fmt = info.width, info.height, self._pix_fmt
        stream.time_base = stream.codec_context.time_base = self._tb
        stream.thread_count = threads
        ctx = stream.codec_context
        ctx.framerate = info.frame_rate  # what x264 (force-cfr) and x265 write as the codec's frame rate
        options = _writer_options(codec, crf, preset, self._pix_fmt, cfr=not info.is_vfr)
        self._carry_field_order(codec, ctx, options)
        stream.options = options
        if codec == "hevc" and ext in (".mp4", ".m4v", ".mov"):
            ctx.codec_tag = "hvc1"  # what Apple players expect
        if info.sample_aspect_ratio:
            ctx.sample_aspect_ratio = info.sample_aspect_ratio
            if info.sample_aspect_ratio != 1 and codec in ("ffv1", "prores") and ext != ".mov":
                # H.264/HEVC/MPEG-4 state it in their bitstream and MOV in its header; Matroska and AVI
                # take it from a stream field PyAV does not set, and FFV1/ProRes frames do not state it.
                sar = info.sample_aspect_ratio
                self.notes.append(f"pixel aspect ratio {sar.numerator}:{sar.denominator} not stored: {codec} in {ext} cannot "
                                  f"carry it here, players show the frames unstretched ({info.width}x{info.height}); "
                                  f"ProRes in .mov (--codec prores) or --codec h264/hevc keep it")
        self._matrix = output_matrix(info.matrix)
        if self._pix_fmt.startswith("yuv"):
            ctx.colorspace, ctx.color_primaries, ctx.color_trc = output_tags(info, self._matrix)
            ctx.color_range = 1  # tv
        else:   # RGB (FFV1): no matrix, but the primaries and the transfer (an HDR film's) are stated too
            _, ctx.color_primaries, ctx.color_trc = output_tags(info, self._matrix)
        if info.hdr:
            bits = f"with {self.depth} bits" if self.depth > 8 else "with 8 bits (a gradient may band)"
            self.notes.append(f"HDR ({info.hdr}) input: its transfer is kept, so brightness shows as in the input, but "
                              f"the colours are made for BT.709 primaries and written {bits}")
        if info.rotation:
            if hasattr(stream, "set_display_rotation") and ext != ".avi":
                stream.set_display_rotation(info.rotation)
            else:
                self.notes.append(f"rotation {info.rotation} not stored: {ext} cannot hold it")
        self._video = stream

    def _carry_field_order(self, codec: str, ctx, options: dict[str, str]) -> None:
        """Interlaced input: tag the output's field order (container and codec), and have x264
        code the frames as interlaced (``tff``/``bff``); other encoders code the woven frames as
        progressive pictures, which a note says. Frames the reader deinterlaced are progressive."""
        order = "progressive" if self.info.deinterlaced else self.info.field_order
        if order == "unknown":
            self.notes.append("interlaced input with no stated field order: written as progressive "
                              "(--deinterlace deinterlaces it first)")
            return
        if order not in ("tff", "bff"):
            return
        ctx.field_order = 2 if order == "tff" else 3  # AV_FIELD_TT / AV_FIELD_BB
        name = "top" if order == "tff" else "bottom"
        if codec == "h264":
            options["x264-params"] = ":".join(filter(None, [options.get("x264-params"), f"{order}=1"]))
            self.notes.append(f"interlaced input ({name} field first): kept interlaced, field order kept; frames are "
                              "colorized as woven (--deinterlace makes it progressive)")
        else:
            self.notes.append(f"interlaced input ({name} field first): field order tagged, but {codec} codes the woven "
                              "frames as progressive pictures (use --codec h264 to keep interlaced coding, or --deinterlace)")

    def _open_source(self, source: Path, copy_subtitles: bool) -> None:
        self._src = _open_input(source)
        self._stack.callback(self._src.close)
        suffix = self.path.suffix.lower()
        mp4, mov = suffix in (".mp4", ".m4v"), suffix == ".mov"
        reencoded, wanted = [], []
        chapters = 0
        with contextlib.suppress(AttributeError, ValueError, av.error.FFmpegError):  # PyAV < 15
            self._out.set_chapters(self._src.chapters())
            chapters = len(self._src.chapters())
        for s in self._src.streams:
            if s.type == "audio" and s.codec_context is None:
                self.notes.append(f"audio stream #{s.index} not copied: FFmpeg does not know its codec")
            if s.codec_context is None or s.type not in ("audio", "subtitle"):
                continue
            name, out, kind = s.codec_context.codec.canonical_name, None, "copy"
            if s.type == "subtitle" and not copy_subtitles:
                continue
            refused = (mp4 and name not in _MP4_AUDIO) or (mov and name not in _MOV_AUDIO and not name.startswith("pcm_"))
            if not (s.type == "audio" and refused):
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
        dropped = []
        for s in self._src.streams:
            if s.index not in self._routes:
                s.discard = av.stream.Discard.all
                # A timecode track is carried as the timecode; MP4/MOV chapters read as a data track
                # of one sample per chapter, carried as the chapters.
                carried = s.type == "data" and (s.metadata.get("timecode") or (chapters and s.frames == chapters))
                if s.index != self.info.video_index and s.type in ("video", "data", "attachment") and not carried:
                    codec = s.codec_context.codec.canonical_name if s.codec_context is not None else s.type
                    dropped.append(f"#{s.index} ({s.type}, {codec})")
        if dropped:
            self.notes.append(f"stream(s) {', '.join(dropped)} not carried: vidcolor writes one video stream, "
                              "with the audio and subtitles")
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
        if ctx.channels and ctx.channels != channels:
            self.notes.append(f"audio track #{template.index}: its {ctx.channels} channels are mixed down to stereo "
                              f"({self._aac_name.upper()} holds at most 8; .mov and .mkv keep them as they are)")
        out = self._out.add_stream(self._aac_name, rate=ctx.sample_rate or 48000)
        out.layout = _LAYOUTS[channels]
        out.bit_rate = 64000 * channels
        template.thread_type = "AUTO"
        return out

    # -- writing ------------------------------------------------------------------------------

    def write(self, image: np.ndarray, pts: int | None = None, alpha: np.ndarray | None = None) -> None:
        """Encode one frame. ``image``: RGB ``(H, W, 3)`` (or gray ``(H, W)``) of the input's size,
        uint8, or uint16 (full scale 65535) for a film written with more than 8 bits (:attr:`depth`;
        either dtype is converted to what the encoder takes). ``pts``: in ``info.time_base``; ``None``
        continues one frame after the previous frame. A pts not above the previous one is moved just
        after it (counted in :attr:`pts_fixed`). ``alpha``: uint8 or uint16 ``(H, W)``, used when
        :attr:`keeps_alpha` (None: opaque), ignored otherwise."""
        info = self.info
        if image.dtype not in (np.uint8, np.uint16) or image.shape[:2] != (info.height, info.width) or \
                image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] != 3):
            raise ValueError(f"expected uint8 or uint16 ({info.height}, {info.width}, 3) frame, "
                             f"got {image.dtype} {image.shape}")
        deep = image.dtype == np.uint16
        if self.keeps_alpha and alpha is not None and \
                (alpha.dtype not in (np.uint8, np.uint16) or alpha.shape != (info.height, info.width)):
            raise ValueError(f"expected uint8 or uint16 ({info.height}, {info.width}) alpha, got {alpha.dtype} {alpha.shape}")
        if deep and self.depth > 8 and self._pix_fmt.startswith("yuv"):
            rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
            frame = self._deep_yuv(rgb, alpha if self.keeps_alpha else None)
        elif self.keeps_alpha:
            rgb = image if image.ndim == 3 else np.repeat(image[..., None], 3, axis=2)
            top = 65535 if deep else 255
            plane = np.full(image.shape[:2], top, image.dtype) if alpha is None else alpha
            if plane.dtype != image.dtype:   # 8-bit alpha beside a deep frame, or the other way round
                plane = plane.astype(np.uint16) * 257 if deep else np.rint(plane / 257.0).astype(np.uint8)
            frame = self._to_yuv(av.VideoFrame.from_ndarray(np.dstack([rgb, plane]), format="rgba64le" if deep else "rgba"))
        else:
            fmt = ("rgb48le" if deep else "rgb24") if image.ndim == 3 else ("gray16le" if deep else "gray")
            frame = self._to_yuv(av.VideoFrame.from_ndarray(np.ascontiguousarray(image), format=fmt))
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
        t = float(pts * self._tb + self._origin)   # on the source's timeline
        self._note_video_time(t)
        self._end = float((pts + self._step) * self._tb + self._origin)
        # Audio up to this frame's time (and half a second ahead unless trimming).
        self._pump(t + (0.0 if self._trim else 0.5))

    def _note_video_time(self, t: float) -> None:
        if not self._video_times:
            self._video_times = [t, t]
        self._video_times[1] = max(self._video_times[1], t)

    @property
    def media_end(self) -> float | None:
        """Where the written file's media end, in seconds of the source's timeline: the later of
        the last video frame's end (its time plus the mean frame interval, or one frame at the
        nominal rate for a single frame) and the end of the audio/subtitle packets copied. None
        before any frame."""
        if not self._video_times:
            return None
        first, last = self._video_times
        n = self.frames_written
        step = (last - first) / (n - 1) if n > 1 and last > first else float(1 / self.info.frame_rate)
        return max(last + step, self._side_end or 0.0)

    def _deep_yuv(self, rgb: np.ndarray, alpha: np.ndarray | None) -> av.VideoFrame:
        """uint16 RGB ``(H, W, 3)`` (and alpha) → a frame of the encoder's deep YCbCr format, computed
        here: swscale's 16-bit RGB → YCbCr path scales by 1.0034 (white 943 instead of 940 in 10 bits;
        mid-gray 504, not 502). ``Y′ = w·RGB``, ``Cb = (B′ − Y′)/(2(1 − wb))``, ``Cr = (R′ − Y′)/(2(1 − wr))``,
        limited range (16–235 and 16–240, scaled to the depth), chroma subsampled co-sited as
        :meth:`_to_yuv` does; alpha full range."""
        wr, wg, wb = luma_weights(self._matrix)
        fmt = av.VideoFormat(self._pix_fmt, rgb.shape[1], rgb.shape[0])
        bits = fmt.components[0].bits
        s = float(1 << (bits - 8)) / 65535.0
        y = np.array([wr, wg, wb]) * 219 * s
        cb = (np.array([0.0, 0.0, 1.0]) - [wr, wg, wb]) / (2 * (1 - wb)) * 224 * s
        cr = (np.array([1.0, 0.0, 0.0]) - [wr, wg, wb]) / (2 * (1 - wr)) * 224 * s
        offsets = np.array([16.0, 128.0, 128.0]) * (1 << (bits - 8))
        m = np.hstack([np.stack([y, cb, cr]), offsets[:, None]]).astype(np.float32)
        ycc = cv2.transform(np.ascontiguousarray(rgb, np.float32), m)   # (H, W, 3) float, in codes
        top = (1 << bits) - 1
        out = av.VideoFrame(rgb.shape[1], rgb.shape[0], self._pix_fmt)
        _plane(out, 0)[...] = np.clip(np.rint(ycc[..., 0]), 0, top)
        sub_w = fmt.components[1].width < fmt.components[0].width
        sub_h = fmt.components[1].height < fmt.components[0].height
        for i in (1, 2):
            _plane(out, i)[...] = np.clip(np.rint(_cosited(ycc[..., i], sub_w, sub_h)), 0, top)
        if len(fmt.components) == 4:
            a = np.full(rgb.shape[:2], top, np.float32) if alpha is None else alpha.astype(np.float32) * (top / np.iinfo(alpha.dtype).max)
            _plane(out, 3)[...] = np.rint(a)
        return out

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
        for i in (1, 2):
            _plane(out, i)[...] = np.rint(_cosited(_plane(frame, i).astype(np.float32), True, True))
        return out

    def _ticks(self, pts: int) -> int:
        """Input pts (``info.time_base``) -> encoder ticks (``self._tb``)."""
        t = pts * self.info.time_base - self._origin
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
            if t is not None and packet.size:
                end = t + (float(packet.duration * packet.time_base) if packet.duration else 0.0)
                self._side_end = end if self._side_end is None else max(self._side_end, end)
            kind, out = self._routes[packet.stream.index]
            if kind == "encode":
                self._encode_audio(packet, out)
            elif packet.size:  # not the demuxer's empty flush packets
                index = packet.stream.index
                if packet.is_discard:
                    # Before the source's edit list starts (a "-c copy" trim, an editor's cut): not
                    # presented. Only the last such packet is kept, as the decoder's pre-roll (AAC's
                    # priming frame); copying them all moved the audio late in AVI by the whole cut
                    # and started a Matroska file that much late.
                    self._preroll[index] = packet
                    continue
                held = self._preroll.pop(index, None)
                for p in (held, packet) if held is not None else (packet,):
                    if p.dts is None:
                        p.dts = p.pts
                    p.stream = out
                    self._mux_side(p)

    def _mux_side(self, packet) -> None:
        """Mux an audio/subtitle packet. AVI counts time in whole video frames from the film's first
        frame (:attr:`_origin`): packets are moved by it, those that end before it are left out (kept
        as pre-roll, they were played: the sound ran up to two packets late), and an audio start
        still before 0 (the packet across it, an encoder delay) would make the muxer shift the video
        by a frame and leave a hole, so there each audio stream is moved to start at 0 instead."""
        if self._avi and packet.dts is not None:
            if self._origin:
                shift = round(self._origin / packet.time_base)
                packet.dts -= shift
                packet.pts = None if packet.pts is None else packet.pts - shift
                if packet.stream.index not in self._offsets and packet.dts + (packet.duration or 0) <= 0:
                    return   # wholly before the film: AVI has no way not to play it (no edit list)
            self._shift_and_mux(packet)
            return
        self._out.mux(packet)

    def _shift_and_mux(self, packet) -> None:
        """AVI: mux ``packet`` moved so that its stream's first packet lies at 0 or later."""
        if packet.dts is not None:
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
        if not packet.size:
            frames = list(frames) + [None]  # end of stream: flush the re-framing resampler
        for frame in frames:
            for chunk in self._reframe(frame, out):
                for encoded in out.encode(chunk):
                    self._mux_side(encoded)

    def _reframe(self, frame, out):
        """Decoded audio → frames of exactly the encoder's size, format, layout and rate, with
        contiguous pts (1/rate) starting at the first decoded frame's time. Encoders such as AAC
        take fixed 1024-sample frames; MP3 (1152) or WMA (2048) frames fed as they are make the
        muxer fail."""
        cc = out.codec_context
        state = self._reframers.get(out.index)
        if state is None:
            size = cc.frame_size or (1024 if cc.name == "aac" else None)
            fmt = cc.format.name if cc.format is not None else "fltp"
            state = self._reframers[out.index] = [av.AudioResampler(format=fmt, layout=cc.layout, rate=cc.sample_rate, frame_size=size), None]
        rs, next_pts = state
        if frame is not None and next_pts is None:
            start = float(frame.pts * frame.time_base) if frame.pts is not None and frame.time_base else 0.0
            next_pts = state[1] = max(0, round(start * cc.sample_rate))
        for chunk in rs.resample(frame):
            chunk.pts = state[1] if state[1] is not None else 0
            chunk.time_base = Fraction(1, cc.sample_rate)
            state[1] = chunk.pts + chunk.samples
            yield chunk

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
                    if out.index in self._reframers:
                        for chunk in self._reframe(None, out):
                            for encoded in out.encode(chunk):
                                self._mux_side(encoded)
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
