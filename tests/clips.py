"""Tiny synthetic test clips written with PyAV.

Every frame is a horizontal/vertical gradient with a coloured square that moves two pixels right
and one pixel down per frame, so optical-flow and temporal code have real motion to find. Frame
``i`` is reproducible with :func:`frame_image`, so a decoded frame can be compared with what was
encoded (lossy codecs: compare with a tolerance).

Timestamps: a constant-rate clip has frame ``i`` at ``i / rate`` seconds. A ``vfr=True`` clip uses a
1/1000 s time base and the frame durations in :data:`VFR_STEPS_MS` (cycled), so frame ``i`` is at
:func:`vfr_pts` ``(i)`` milliseconds.

Pixels: YCbCr is untagged, limited range (full range for mjpeg's yuvj formats), BT.601 below 720
lines and BT.709 from 720 lines up, which is what players and :class:`VideoReader` assume.

Audio: ``audio_tracks`` stereo sine tracks (440 Hz, 660 Hz, ...) at 48 kHz, as long as the video.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

#: Frame durations of a ``vfr=True`` clip, in milliseconds, cycled.
VFR_STEPS_MS = (40, 80, 40, 120, 60)
AUDIO_RATE = 48000

# codec name -> (encoder, default pix_fmt, encoder options)
_VIDEO_CODECS = {
    "h264": ("libx264", "yuv420p", {"preset": "ultrafast", "crf": "12"}),
    "hevc": ("libx265", "yuv420p", {"preset": "ultrafast", "crf": "12", "x265-params": "log-level=error"}),
    "mpeg4": ("mpeg4", "yuv420p", {"qmin": "2", "qmax": "4"}),
    "msmpeg4v2": ("msmpeg4v2", "yuv420p", {"qmin": "2", "qmax": "4"}),
    "mjpeg": ("mjpeg", "yuvj420p", {"qmin": "2", "qmax": "4"}),
    "ffv1": ("ffv1", "yuv444p", {}),
    "prores": ("prores_ks", "yuv422p10le", {}),
}
_AUDIO_CODECS = {"aac": "aac", "mp3": "libmp3lame", "ac3": "ac3", "pcm_s16le": "pcm_s16le", "flac": "flac"}


def vfr_pts(i: int) -> int:
    """Presentation time of frame ``i`` of a ``vfr=True`` clip, in milliseconds (time base 1/1000)."""
    full, rest = divmod(i, len(VFR_STEPS_MS))
    return full * sum(VFR_STEPS_MS) + sum(VFR_STEPS_MS[:rest])


def frame_image(i: int, size: tuple[int, int] = (64, 48), gray: bool = False,
                pattern: str = "moving") -> np.ndarray:
    """Frame ``i`` of a synthetic clip: uint8 RGB ``(H, W, 3)`` for ``size = (W, H)``.

    ``pattern='moving'``: gradient background plus an orange square (two shades alternating) whose
    top-left corner is at ``x = 2i, y = i`` (wrapping).
    ``pattern='static'``: the background only. ``gray=True`` gives R = G = B.
    """
    w, h = size
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    bg = 40 + 150 * xx / max(w - 1, 1) + 50 * yy / max(h - 1, 1)
    img = np.stack([bg, 0.8 * bg + 20, 255 - bg], axis=-1)
    if pattern == "moving":
        side = max(4, min(w, h) // 4)
        x0, y0 = (2 * i) % max(w - side, 1), i % max(h - side, 1)
        img[y0:y0 + side, x0:x0 + side] = (230, 60, 30) if i % 2 == 0 else (200, 90, 40)
    elif pattern != "static":
        raise ValueError(f"unknown pattern {pattern!r}; valid: 'moving', 'static'")
    img = np.clip(img, 0, 255).astype(np.uint8)
    if gray:
        y = (0.299 * img[..., 0] + 0.587 * img[..., 1] + 0.114 * img[..., 2]).round().astype(np.uint8)
        img = np.repeat(y[..., None], 3, axis=-1)
    return img


def _add_audio(out, codec: str, track: int) -> tuple[av.audio.stream.AudioStream, float]:
    stream = out.add_stream(_AUDIO_CODECS[codec], rate=AUDIO_RATE)
    stream.layout = "stereo"
    if codec == "pcm_s16le":
        stream.format = "s16"
    stream.metadata["language"] = ("eng", "fra", "deu", "spa")[track % 4]
    return stream, 440.0 * (1 + track / 2)


class _Tone:
    """Stereo sine encoder for one audio track, fed up to a time as the video advances."""

    def __init__(self, out, stream, freq: float):
        self.out, self.stream, self.freq, self.done = out, stream, freq, 0
        # AVI has one tick per video frame: a negative audio start (encoder delay) would make the
        # muxer shift every stream by a rounded frame and leave a hole in the video.
        self.shift = out.format.name == "avi"
        self.offset: int | None = None

    def _mux(self, packets) -> None:
        for packet in packets:
            if self.shift and packet.pts is not None:
                if self.offset is None:
                    self.offset = max(0, -packet.pts)
                packet.pts += self.offset
                packet.dts = packet.pts
            self.out.mux(packet)

    def until(self, seconds: float, chunk: int = 1024) -> None:
        end = int(round(seconds * AUDIO_RATE))
        while self.done < end:
            n = min(chunk, end - self.done)
            t = (self.done + np.arange(n)) / AUDIO_RATE
            tone = (0.3 * np.sin(2 * np.pi * self.freq * t)).astype(np.float32)
            frame = av.AudioFrame.from_ndarray(np.stack([tone, tone]), format="fltp", layout="stereo")
            frame.sample_rate = AUDIO_RATE
            frame.pts = self.done
            frame.time_base = Fraction(1, AUDIO_RATE)
            self._mux(self.stream.encode(frame))
            self.done += n

    def close(self) -> None:
        self._mux(self.stream.encode(None))


def make_clip(
    path: str | Path,
    n_frames: int = 12,
    size: tuple[int, int] = (64, 48),
    rate: Fraction = Fraction(24000, 1001),
    codec: str = "h264",
    pix_fmt: str | None = None,
    audio: str | None = None,
    audio_tracks: int = 1,
    vfr: bool = False,
    gray: bool = False,
    pattern: str = "moving",
    subtitles: str | None = None,
    rotation: int = 0,
    metadata: dict[str, str] | None = None,
    chapters: int = 0,
) -> Path:
    """Write a synthetic clip to ``path`` (container chosen by its extension) and return the path.

    ``size`` is ``(width, height)``; ``rate`` the frame rate in frames/s (ignored when ``vfr``).
    ``codec``: one of ``h264, hevc, mpeg4, msmpeg4v2, mjpeg, ffv1, prores``. ``audio``: ``None`` or one
    of ``aac, mp3, ac3, pcm_s16le, flac``, written as ``audio_tracks`` streams. ``subtitles``: ``None``
    or a subtitle codec the container takes (``subrip`` for .mkv, ``mov_text`` for .mp4/.mov),
    muxed as one cue per second. ``rotation``: display-matrix rotation in degrees counter-clockwise.
    ``chapters``: that many equal chapters titled "Chapter 1", ... (containers that hold chapters).
    """
    path = Path(path)
    rate = Fraction(rate)
    encoder, default_fmt, options = _VIDEO_CODECS[codec]
    w, h = size
    time_base = Fraction(1, 1000) if vfr else 1 / rate
    with av.open(str(path), "w") as out:
        out.metadata.update(metadata or {})
        if chapters:
            total = Fraction(n_frames) / rate if not vfr else Fraction(vfr_pts(n_frames), 1000)
            tb = Fraction(1, 1000)
            edges = [round(total * k / chapters / tb) for k in range(chapters + 1)]
            out.set_chapters([{"id": k + 1, "start": edges[k], "end": edges[k + 1], "time_base": tb,
                               "metadata": {"title": f"Chapter {k + 1}"}} for k in range(chapters)])
        mean_vfr_rate = Fraction(1000 * len(VFR_STEPS_MS), sum(VFR_STEPS_MS))
        vs = out.add_stream(encoder, rate=mean_vfr_rate if vfr else rate)
        vs.width, vs.height = w, h
        if pix_fmt is None and (w % 2 or h % 2) and codec in ("h264", "hevc"):
            pix_fmt = "yuv444p"  # x264/x265 cannot do 4:2:0 at odd sizes
        vs.pix_fmt = pix_fmt or default_fmt
        yuv = av.VideoFormat(vs.pix_fmt)
        yuv = not yuv.is_rgb and len(yuv.components) >= 3
        full_range = not yuv or vs.pix_fmt.startswith("yuvj")
        matrix = "ITU709" if h >= 720 else "ITU601"  # what readers assume for untagged files
        vs.time_base = time_base
        vs.codec_context.time_base = time_base
        vs.options = dict(options)
        vs.thread_count = 1
        if rotation:
            vs.set_display_rotation(rotation)
        tracks = [_Tone(out, *_add_audio(out, audio, t)) for t in range(audio_tracks)] if audio else []
        sub = out.add_mux_stream(subtitles) if subtitles else None
        if sub is not None:
            sub.time_base = Fraction(1, 1000)

        pts = [vfr_pts(i) if vfr else i for i in range(n_frames + 1)]
        for i in range(n_frames):
            rgb = frame_image(i, size, gray=gray, pattern=pattern)
            frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
            frame = frame.reformat(format=vs.pix_fmt, dst_colorspace=matrix,
                                   dst_color_range="JPEG" if full_range else "MPEG")
            frame.pts = pts[i]
            frame.time_base = time_base
            out.mux(vs.encode(frame))
            for tone in tracks:
                tone.until(float(pts[i + 1] * time_base))
        out.mux(vs.encode(None))
        for tone in tracks:
            tone.close()

        seconds = float(pts[n_frames] * time_base)
        if sub is not None:
            for k in range(max(1, int(seconds))):
                text = f"cue {k}".encode()
                if subtitles == "mov_text":
                    text = len(text).to_bytes(2, "big") + text
                packet = av.Packet(text)
                packet.stream = sub
                packet.time_base = Fraction(1, 1000)
                packet.pts = packet.dts = 1000 * k
                packet.duration = 500
                out.mux(packet)
    return path
