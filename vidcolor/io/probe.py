"""Human-readable description of a media file, for ``vidcolor info FILE``."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from vidcolor.errors import VidcolorError
from vidcolor.io.image import color_model, file_notes, float_range_problem, has_color, read_alpha, read_image, read_samples
from vidcolor.io.sequence import find_sequence, is_sequence, sequence_rate
from vidcolor.io.video import VideoReader, _open_input, is_image_file
from vidcolor.io.video_format import PRIMARIES_NAMES, TRANSFER_NAMES


def _size(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def _clock(seconds: float) -> str:
    minutes, sec = divmod(seconds, 60)
    hours, minutes = divmod(int(minutes), 60)
    return f"{hours}:{minutes:02d}:{sec:06.3f}"


def _rate(rate: Fraction | None) -> str:
    if not rate:
        return "unknown rate"
    return f"{float(rate):.3f} fps ({rate.numerator}/{rate.denominator})"


def _stored_gray(path: Path) -> bool:
    """True for a file that stores gray + alpha (a PNG or WebP of mode LA), which OpenCV decodes as three channels."""
    from PIL import Image

    try:
        with Image.open(path) as im:
            return im.mode in ("LA", "La")
    except Exception:   # noqa: BLE001 - only a description
        return False


def _describe_image(path: Path) -> str:
    """What the file stores (size, colour model, sample type; float samples with their range) and
    what vidcolor makes of it; a float image vidcolor refuses gets a line saying why."""
    samples = read_samples(path)
    problem = float_range_problem(samples) if samples.dtype.kind == "f" else None
    image = None if problem else read_image(path)
    alpha = None if problem else read_alpha(path)
    channels = 1 if samples.ndim == 2 or samples.shape[2] == 1 or _stored_gray(path) else 3
    if color_model(path) == "CMYK":
        kind = "CMYK (read as RGB, converted without its colour profile)"
    else:
        kind = ("gray" if channels == 1 else "RGB") + ((" + alpha channel" if channels == 1 else "A (alpha channel)")
                                                        if alpha is not None else "")
    if samples.dtype.kind == "f":
        finite = samples[np.isfinite(samples)]
        span = f"values {finite.min():.3g} to {finite.max():.3g}" if finite.size else "no finite values"
        depth = f"{samples.dtype}, {span}"
    else:
        depth = f"{8 * samples.dtype.itemsize}-bit"
    content = "" if image is None or channels == 1 else (", has color" if has_color(image) else ", gray content")
    lines = [f"{path.name}: {path.suffix.lower()[1:].upper()} image, {_size(path.stat().st_size)}",
             f"  {samples.shape[1]}x{samples.shape[0]}, {kind}, {depth}{content} (after EXIF orientation)"]
    lines += [f"  {note}" for note in file_notes(path)]
    if problem:
        lines.append(f"  not usable: {problem}")
    return "\n".join(lines)


_SCAN = {"progressive": "progressive", "tff": "interlaced, top field first", "bff": "interlaced, bottom field first",
         "unknown": "interlaced, field order not stated"}


def _stream_line(stream) -> str:
    ctx = stream.codec_context
    codec = ctx.name if ctx is not None else (stream.codec.name if getattr(stream, "codec", None) else "?")
    profile = f" ({stream.profile})" if getattr(stream, "profile", None) else ""
    parts = [f"{codec}{profile}"]
    if stream.type == "video" and ctx is not None:
        parts.append(f"{ctx.width}x{ctx.height}")
        parts.append(ctx.pix_fmt or "unknown pixel format")
        if stream.sample_aspect_ratio and stream.sample_aspect_ratio != 1:
            parts.append(f"SAR {stream.sample_aspect_ratio}")
        parts.append(_rate(stream.average_rate or stream.guessed_rate))
        if stream.disposition & av.stream.Disposition.attached_pic:
            parts.append("cover art")
    elif stream.type == "audio" and ctx is not None:
        parts += [f"{ctx.sample_rate} Hz", f"{ctx.channels} ch ({ctx.layout.name})"]
        if ctx.bit_rate:
            parts.append(f"{ctx.bit_rate // 1000} kb/s")
    if stream.time_base:
        parts.append(f"time base {stream.time_base}")
    if stream.frames:
        parts.append(f"{stream.frames} {'frames' if stream.type == 'video' else 'packets'} in header")
    if stream.language and stream.language != "und":
        parts.append(stream.language)
    title = stream.metadata.get("title")
    if title:
        parts.append(f"'{title}'")
    return f"  #{stream.index} {stream.type}: " + ", ".join(parts)


def describe(path: str | Path) -> str:
    """Multi-line listing of the container and every stream of a video (or of an image).

    Raises :class:`VidcolorError` if the file is missing or cannot be read.
    """
    path = Path(path)
    if is_image_file(path):
        return _describe_image(path)
    container = _open_input(path)
    with container:
        if is_sequence(path):
            seq = find_sequence(path)
            rate = sequence_rate(seq, path)
            head = (f"{path.name}: image sequence of {seq.count} frames ({seq.files[0].name} … {seq.files[-1].name}), "
                    f"{_size(sum(f.stat().st_size for f in seq.files))}, read at {float(rate):g} frames/s")
        else:
            head = f"{path.name}: {container.format.long_name} ({container.format.name}), " \
                   f"{_size(path.stat().st_size)}"
        if container.duration:
            head += f", {_clock(container.duration / av.time_base)}"
        start = (container.start_time or 0) / av.time_base
        if start >= 0.001:   # a capture or a -copyts cut: its timestamps do not start at 0
            head += f" (timestamps from {_clock(start)})"
        if container.bit_rate:
            head += f", {container.bit_rate / 1e6:.2f} Mb/s"
        lines = [head]
        lines += [f"  {key}: {value}" for key, value in container.metadata.items()
                  if key.lower() not in ("encoder", "major_brand", "minor_version", "compatible_brands")]
        lines += [_stream_line(s) for s in container.streams]
        if not container.streams.video:
            lines.append("  (no video stream)")
            return "\n".join(lines)
    try:
        with VideoReader(path) as reader:
            info = reader.info
        lines.append(
            f"  video as read: {info.width}x{info.height}, {info.bit_depth}-bit, range {info.color_range}, "
            f"matrix {info.matrix}, primaries {PRIMARIES_NAMES.get(info.primaries, 'unstated')}, "
            f"transfer {TRANSFER_NAMES.get(info.transfer, 'unstated')}{f' (HDR: {info.hdr})' if info.hdr else ''}, "
            f"rotation {info.rotation}, "
            f"{'variable' if info.is_vfr else 'constant'} frame rate (guess)"
        )
        lines.append(f"  scan: {_SCAN[info.field_order]}; "
                     f"{'alpha channel' if info.has_alpha else 'no alpha'}; "
                     f"first frame {'has color' if info.has_color else 'is gray'}"
                     + (f"; timecode {info.timecode}" if info.timecode else ""))
    except VidcolorError as exc:
        lines.append(f"  video not decodable: {exc}")
    return "\n".join(lines)
