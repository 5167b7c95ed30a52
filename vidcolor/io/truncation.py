"""Is a film cut off? Found before any work, from the file alone.

A copy or a download cut off part-way leaves a file whose header still declares the whole film:
an MP4 with its index at the front (web downloads, phones) lists every frame, a Matroska file its
duration. FFmpeg decodes such a file up to where its data end, so a render would silently be a part
of the film. :func:`data_end` seeks to a little before the declared end and reads what is there:
if the media (any stream: audio may outlast the video) stop well before the declared duration —
by more than :func:`slack` — the file is cut off. A file whose index is at its end cannot be opened
at all when cut, and is refused when opened.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import av.error

from vidcolor.errors import VidcolorError
from vidcolor.io.video import VideoInfo, _open_input

LOOK_BACK = 4.0
"""Seconds before the declared end the check seeks to (at least; more for a long :func:`slack`)."""
MAX_BYTES = 64 << 20
"""Bytes read at most after the seek: a container that cannot seek (landing at its start) is not
read through; the check then cannot tell and says nothing."""


def slack(duration: float, frame_rate: float | None) -> float:
    """How far before the declared ``duration`` (s) a film may end without being called cut off:
    ``max(min(1 s, 25 %), 5 %, 2 frame periods)`` — headers round durations, and audio tracks
    and last frames end a little apart."""
    return max(min(1.0, 0.25 * duration), 0.05 * duration, 2 / float(frame_rate or 25))


def declared_span(info: VideoInfo) -> tuple[float, float] | None:
    """``(start, end)`` in seconds of the file's timeline that its header declares (the duration
    counted from where the container counts it: :attr:`VideoInfo.duration_start`), or None."""
    if not info.duration:
        return None
    first = float(info.start_pts * info.time_base)
    origin = first if info.duration_start is None else min(info.duration_start, first)
    return origin, origin + info.duration


def data_end(path: str | os.PathLike, info: VideoInfo) -> float | None:
    """Where the media of ``path`` end (s, its timeline) when that is well before its declared end
    (:func:`slack`), else None — also when the header declares no duration or the file cannot be
    read near its end in a way that tells (no seeking). ``info``: its :class:`VideoInfo`."""
    span = declared_span(info)
    if span is None:
        return None
    start, end = span
    tolerance = slack(end - start, info.frame_rate)
    target = max(start, end - max(LOOK_BACK, 2 * tolerance))
    try:
        container = _open_input(Path(path))
    except Exception:   # noqa: BLE001 — unreadable files are the reader's to report
        return None
    last = None
    read = 0
    with container:
        try:
            container.seek(int(target * av.time_base), backward=True)
        except (av.error.FFmpegError, OSError, ValueError):
            return None
        try:
            for packet in container.demux():
                if packet.pts is None or packet.stream.time_base is None or packet.stream.type not in ("video", "audio"):
                    continue
                t = float((packet.pts + (packet.duration or 0)) * packet.stream.time_base)
                last = t if last is None else max(last, t)
                if last >= end - tolerance:
                    return None
                read += packet.size
                if read > MAX_BYTES:
                    return None
        except (av.error.FFmpegError, OSError, ValueError):
            pass   # damaged where it was cut: what was read is where the data end
    if last is None:
        return target   # nothing at all after the seek point: cut before it
    return last


def refuse_truncated(path: str | os.PathLike, info: VideoInfo, name=None) -> None:
    """VidcolorError if the film ``path`` (:class:`VideoInfo` ``info``) is cut off (:func:`data_end`),
    naming it as ``name`` (default: the path) and how to render what there is anyway."""
    end = data_end(path, info)
    if end is None:
        return
    start, declared = declared_span(info)
    raise VidcolorError(f"'{path if name is None else name}' is cut off or damaged: it says it lasts {declared - start:.1f} s, "
                        f"but its data end after about {max(0.0, end - start):.1f} s (a copy or download that stopped "
                        f"early?); nothing was written. To colorize what there is, add --allow-truncated")
