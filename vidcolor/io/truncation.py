"""Is a film cut off? Found before any work, from the file alone.

A copy or a download cut off part-way leaves a file whose header still declares the whole film:
an MP4 with its index at the front (web downloads, phones) lists every frame, a Matroska file its
duration. FFmpeg decodes such a file up to where its data end, so a render would silently be a part
of the film. :func:`data_end` seeks to just before where the film may end (its declared end less
:func:`slack`) and reads what is there: if no media (any stream: audio or a subtitle may outlast the
picture) reach that far, the file is cut off. A file whose index is at its end cannot be opened
at all when cut, and is refused when opened.
"""

from __future__ import annotations

import os
from pathlib import Path

import av
import av.error

from vidcolor.errors import VidcolorError
from vidcolor.io.sequence import is_sequence
from vidcolor.io.video import VideoInfo, _open_input

LOOK_BACK = 1.0
"""Seconds before the end the check may tolerate (:func:`slack`) that it seeks to: the demuxer lands
on the keyframe at or before it, and the check reads on until media reach past that end."""
MAX_BYTES = 256 << 20
"""Bytes read at most after the seek (a long GOP of a high-bitrate film is tens of MB; a container
that cannot seek lands at its start): beyond, the check cannot tell and says nothing."""


HELD_LAST_FRAME_FORMATS = frozenset({"flv", "asf"})
"""Containers whose declared duration includes a slideshow's held last frame while their packets do
not show it (FLV, ASF/WMV): the check cannot tell a cut there, and says nothing."""


MAX_ERRORS = 50
"""Damaged packets read past (the reader's own limit, :class:`~vidcolor.io.video.VideoReader`)."""


def slack(length: float, frame_rate: float | None) -> float:
    """How far before its declared end a film of ``length`` s may end without being called cut off:
    ``max(min(1 s, 25 %), 5 %, 2 frame periods)`` — headers round durations, and audio tracks
    and last frames end a little apart."""
    return max(min(1.0, 0.25 * length), 0.05 * length, 2 / float(frame_rate or 25))


def declared_span(info: VideoInfo) -> tuple[float, float] | None:
    """``(first, end)``: the film's first frame and the end its header declares, in seconds of the
    file's timeline, or None when it declares no duration. The duration counts from where the
    container counts it (:attr:`VideoInfo.duration_start`: a Matroska film stamped from 1 h, a
    capture whose audio starts first); the film's length is ``end − first``."""
    if not info.duration:
        return None
    first = float(info.start_pts * info.time_base)
    origin = first if info.duration_start is None else min(info.duration_start, first)
    return first, origin + info.duration


def data_end(path: str | os.PathLike, info: VideoInfo) -> float | None:
    """Where the media of ``path`` end (s, its timeline) when that is well before its declared end
    (:func:`slack`), else None — also when the header declares no duration, for image sequences,
    and when the file cannot be read near its end in a way that tells (no seeking; packets without
    durations, as FLV and ASF slideshows' held last frames). Packets of every stream count: audio or a last subtitle may
    outlast the picture. ``info``: its :class:`VideoInfo`."""
    span = declared_span(info)
    if span is None or is_sequence(path):
        return None
    first, end = span
    tolerance = slack(end - first, info.frame_rate)
    target = max(first, end - tolerance - LOOK_BACK)
    if info.container.split(",")[0] in HELD_LAST_FRAME_FORMATS:
        return None
    # Short of the end after the seek point: a cut — or a subtitle or audio packet that began before
    # it and lasts past it; nothing after it: a cut before it. So look again from earlier: 10 s before
    # in every stream, then (where a cut film's frames end) in the film's own stream, as the reader
    # demuxes it, 60 s before and from its start — each time in a fresh container (one that hit the
    # cut stays at its end).
    attempts = dict.fromkeys([(target, None), (max(first, target - 10.0), None), (max(first, target - 60.0), info.video_index),
                              (first, info.video_index)])
    found = None
    for start, stream in attempts:
        try:
            container = _open_input(Path(path))
        except Exception:   # noqa: BLE001 — unreadable files are the reader's to report
            return None
        with container:
            last = _read_from(container, start, end - tolerance, stream)
        if last is _REACHED:
            return None
        if last is _UNKNOWN:   # cannot tell from here: what an attempt before saw, if any
            return found
        if last is not None:
            found = last if found is None else max(found, last)
            if stream is not None:   # the film's own frames, read from before the cut: where they end
                break
    return found


_UNKNOWN, _REACHED = object(), object()


def _read_from(container, start: float, enough: float, stream: int | None = None):
    """Packets of ``container`` (of stream index ``stream`` only, if given) from a seek to ``start`` s:
    None if there are none; ``_REACHED`` if media reach ``enough`` s; ``_UNKNOWN`` if the check
    cannot tell (no seeking, a video packet without a duration, :data:`MAX_BYTES` read); else where
    the media end (s)."""
    try:
        container.seek(int(start * av.time_base), backward=True)
    except (av.error.FFmpegError, OSError, ValueError):
        return _UNKNOWN
    last, read = None, 0
    streams = [container.streams[stream]] if stream is not None else []
    if stream is not None:   # the others discarded, as the reader does: the demuxer then skips their data
        for other in container.streams:
            if other.index != stream:
                other.discard = av.stream.Discard.all
    for _ in range(MAX_ERRORS + 1):   # a damaged packet ends the demuxer's generator: go on after it, as the reader does
        try:
            for packet in container.demux(*streams):
                if packet.pts is None or packet.stream.time_base is None:
                    continue
                if packet.stream.type == "video" and not packet.duration:
                    return _UNKNOWN   # a held last frame would not show: cannot tell
                t = float((packet.pts + (packet.duration or 0)) * packet.stream.time_base)
                last = t if last is None else max(last, t)
                if last >= enough:
                    return _REACHED
                read += packet.size
                if read > MAX_BYTES:
                    return _UNKNOWN
            break
        except av.error.EOFError:
            break
        except (av.error.FFmpegError, OSError, ValueError):
            continue
    return last


def refuse_truncated(path: str | os.PathLike, info: VideoInfo, name=None) -> None:
    """VidcolorError if the film ``path`` (:class:`VideoInfo` ``info``) is cut off (:func:`data_end`),
    naming it as ``name`` (default: the path) and how to render what there is anyway."""
    end = data_end(path, info)
    if end is None:
        return
    first, declared = declared_span(info)
    raise VidcolorError(f"'{path if name is None else name}' is cut off or damaged: it says it lasts {declared - first:.1f} s, "
                        f"but its data end after about {max(0.0, end - first):.1f} s (a copy or download that stopped "
                        f"early?); nothing was written. To colorize what there is, add --allow-truncated")
