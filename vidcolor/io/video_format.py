"""Facts of a video stream and its frames, as FFmpeg states them and as vidcolor reads them: colour
matrices, ranges, primaries and transfers (HDR), levels beyond black and white, alpha, timecode,
cover art, and whether frames come at even intervals. Used by :mod:`vidcolor.io.video` (the reader)
and the writer; nothing here opens a film for reading frames.
"""

from __future__ import annotations

import functools
from fractions import Fraction
from pathlib import Path

import av
import av.error
import numpy as np
from av.video.reformatter import Interpolation

from vidcolor.io.image import has_color

# AVColorSpace value -> matrix name; swscale colorspace names for each matrix.
_MATRIX_BY_COLORSPACE = {1: "bt709", 4: "bt601", 5: "bt601", 6: "bt601", 7: "smpte240m",
                         9: "bt2020", 10: "bt2020"}
_SWS_COLORSPACE = {"bt709": "ITU709", "bt601": "ITU601", "smpte240m": "SMPTE240M", "bt2020": "BT2020"}
# swscale's default 4:2:0 -> RGB path darkens by ~1.3/255 on average (FFmpeg 8); full chroma
# interpolation with accurate rounding is unbiased.
_SWS_TO_RGB = Interpolation.BILINEAR | Interpolation.FULL_CHR_H_INT | Interpolation.ACCURATE_RND
# AVFieldOrder -> the field displayed first (TT, BT: top; BB, TB: bottom).
_FIELD_ORDER = {1: "progressive", 2: "tff", 3: "bff", 4: "bff", 5: "tff"}
_ALPHA_PREFIXES = ("yuva", "rgba", "bgra", "argb", "abgr", "gbrap", "ya8", "ya16", "rgba64", "bgra64")


#: Share of a frame's pixels beyond legal black or white that counts as "the film uses them" (not ringing).
BEYOND_LEGAL_SHARE = 0.002


def _beyond_legal(frame: av.VideoFrame) -> bool:
    """True if a limited-range YCbCr frame has more than :data:`BEYOND_LEGAL_SHARE` of its luma below
    black (16 in 8 bits) or above white (235): a telecine's or broadcast master's sub-blacks and
    super-whites, which reading to 0–255 clips."""
    fmt = frame.format
    if not _is_yuv(fmt) or _range_name(frame.color_range, fmt) == "pc" or fmt.name.startswith("yuvj"):
        return False
    bits = fmt.components[0].bits
    if bits > 8 and not fmt.name.endswith("le"):
        return False
    dtype = np.dtype(np.uint8) if bits <= 8 else np.dtype("<u2")
    plane = frame.planes[0]
    y = np.frombuffer(plane, dtype).reshape(-1, plane.line_size // dtype.itemsize)[:frame.height, :frame.width]
    shift = max(0, bits - 8)
    outside = np.count_nonzero(y < (16 << shift)) + np.count_nonzero(y > (235 << shift))
    return outside > BEYOND_LEGAL_SHARE * y.size


def frame_has_color(frame: av.VideoFrame) -> bool:
    """True if a decoded frame shows colour (:func:`vidcolor.io.image.has_color` on a thumbnail)."""
    if len(frame.format.components) < 3:
        return False
    h = max(1, round(frame.height * 64 / max(1, frame.width)))
    return has_color(frame.reformat(width=64, height=h, format="rgb24").to_ndarray())


def _has_alpha(stream, first: av.VideoFrame) -> bool:
    """Whether the video carries an alpha channel: its pixel format has one — except a GIF whose
    first frame is opaque (FFmpeg's GIF decoder hands every GIF over as BGRA, transparent or not)."""
    if not first.format.name.startswith(_ALPHA_PREFIXES):
        return False
    if stream.codec_context.name == "gif":
        return bool((first.to_ndarray(format="rgba")[..., 3] < 255).any())
    return True


def _timecode(container, stream) -> str | None:
    """The SMPTE timecode of the film's first frame, where the file states one: the video stream's
    tag, a QuickTime timecode track's (``tmcd``, a data stream), or the container's."""
    for source in (stream, *(d for d in container.streams if d.type == "data"), container):
        for key, value in (source.metadata or {}).items():
            if key.lower() == "timecode" and value:   # Matroska's tags are upper case
                return value
    return None


def film_stream(container):
    """The video stream that is the film: FFmpeg's "best" (what players show) among those that are not
    cover art, else the first of them; None if there is none. A poster or thumbnail track stored
    first, without the cover-art flag, is not the film. Everything that reads "the film" (the
    reader, the segment planner) asks here, so they agree."""
    streams = [s for s in container.streams.video if not _is_cover_art(s)]
    if not streams:
        return None
    try:
        best = container.streams.best("video")
    except (AttributeError, ValueError, av.error.FFmpegError):
        best = None
    return next((s for s in streams if best is not None and s.index == best.index), streams[0])


def _is_cover_art(stream) -> bool:
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


#: AVColorTransferCharacteristic codes of high-dynamic-range transfers.
HDR_TRANSFERS = {16: "PQ", 18: "HLG"}
#: Names of AVColorPrimaries / AVColorTransferCharacteristic codes, for ``vidcolor info``.
PRIMARIES_NAMES = {1: "bt709", 4: "bt470m", 5: "bt470bg", 6: "smpte170m", 7: "smpte240m", 9: "bt2020", 11: "dci-p3",
                   12: "display-p3"}
TRANSFER_NAMES = {1: "bt709", 4: "gamma22", 5: "gamma28", 6: "smpte170m", 7: "smpte240m", 8: "linear", 13: "srgb",
                  14: "bt2020-10", 15: "bt2020-12", 16: "pq", 18: "hlg"}


def _variable_rate(path: Path, index: int, tb: Fraction, base, rate: Fraction, packets: int = 300,
                   max_bytes: int = 32 << 20) -> bool:
    """Whether a film's frames come at uneven intervals, from the timestamps of its first ``packets``
    video packets (sorted: B-frames come in decode order; at most ``max_bytes`` of them: a 4K ProRes
    film's 300 frames are a gigabyte): intervals more than two ticks and 2 ms apart — a millisecond
    time base's 33/34 ms at 29.97 fps is even. Headers alone misled (a Matroska VFR film states 25 fps
    three ways; a 0.5 fps slideshow a base rate of 1). Files whose packets cannot be read: the
    headers' guess (base rate ≠ average rate). Remembered per file (path, size, modification time):
    every reader of a film (the probe, the render, each segment) asks."""
    try:
        st = Path(path).stat()
        key = (str(Path(path).resolve()), st.st_size, st.st_mtime_ns, index, packets, max_bytes)
    except OSError:
        key = None
    stamps = _packet_stamps(key) if key is not None else ()
    steps = np.diff(sorted(set(stamps)))
    if len(steps) < 3:
        return bool(base and abs(base - rate) / rate > 0.01)
    return bool((steps.max() - steps.min()) * tb > max(2 * tb, Fraction(1, 500)))


@functools.lru_cache(maxsize=64)
def _packet_stamps(key: tuple) -> tuple[int, ...]:
    path, _, _, index, packets, max_bytes = key
    stamps: list[int] = []
    read = 0
    try:
        with av.open(path) as c:
            for packet in c.demux(c.streams[index]):
                if packet.size and packet.pts is not None:
                    stamps.append(packet.pts)
                    read += packet.size
                    if len(stamps) >= packets or read >= max_bytes:
                        break
    except (av.error.FFmpegError, OSError, ValueError, IndexError):
        return ()
    return tuple(stamps)


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
