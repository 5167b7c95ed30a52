"""Plan a film into segments cut at keyframes, from a packet-level scan (no decoding).

:func:`scan_keyframes` demuxes the video stream only (other streams are discarded by the demuxer)
and records every packet's ``pts`` and keyframe flag. Frames are numbered in presentation order,
so frame ``i`` is the packet with the ``i``-th smallest pts — the same numbering as
:class:`~vidcolor.io.video.VideoReader`'s ``index`` when every packet decodes to one frame.

:func:`plan_segments` cuts at the first keyframe at least ``segment_seconds`` after the previous
cut (and not within a quarter segment of the end), so every segment starts on a keyframe and
can be decoded on its own after a seek. Each segment carries a warm-up start ``warmup`` frames
earlier: those frames are decoded and run through the model and the temporal stabilizer, but
not written, so the stabilizer state at the join is (nearly) what a single pass would have.

Cuts are not moved to scene cuts: that would need decoding, and with the warm-up a join inside a
shot is seamless anyway (a join at a shot boundary is handled like any cut: the stabilizer resets).

Files whose packets lack timestamps, have duplicate timestamps or cannot be demuxed cleanly get
a single segment (``start_pts = end_pts = None``: the whole film, decoded from the start).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from fractions import Fraction
from pathlib import Path

import av
import av.error

from vidcolor.io.video import _open_input
from vidcolor.io.video_format import film_stream


@dataclass(frozen=True)
class KeyframeIndex:
    """``pts``: every frame's pts in presentation order (``time_base`` ticks); ``keyframes``:
    indices (into ``pts``) of the frames whose packets are keyframes."""

    time_base: Fraction
    pts: tuple[int, ...]
    keyframes: tuple[int, ...]


@dataclass(frozen=True)
class Segment:
    """Frames ``[start_frame, end_frame)`` of a film, rendered after warm-up frames
    ``[warm_frame, start_frame)``. pts are in the video stream's time base; ``end_pts`` is the pts
    of the next segment's first frame (None for the last segment). ``None`` start/end frame and
    pts: the whole film in one segment (no usable scan)."""

    index: int
    start_frame: int | None
    end_frame: int | None
    start_pts: int | None
    end_pts: int | None
    warm_frame: int | None
    warm_pts: int | None

    @property
    def frames(self) -> int | None:
        if self.start_frame is None or self.end_frame is None:
            return None
        return self.end_frame - self.start_frame

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> Segment:
        return cls(**{k: d[k] for k in cls.__dataclass_fields__})


def scan_keyframes(path: str | Path) -> KeyframeIndex | None:
    """Keyframe flags and pts of the film's video stream's packets (the one the reader reads,
    :func:`~vidcolor.io.video_format.film_stream`), or None if unusable."""
    container = _open_input(Path(path))
    try:
        stream = film_stream(container)
        if stream is None:
            return None
        for other in container.streams:
            if other.index != stream.index:
                other.discard = av.stream.Discard.all
        entries = []
        try:
            for packet in container.demux(stream):
                if packet.size == 0 or packet.is_discard:
                    continue
                if packet.pts is None:
                    return None
                entries.append((packet.pts, bool(packet.is_keyframe)))
        except av.error.FFmpegError:
            return None
        if not entries:
            return None
        entries.sort()
        pts = tuple(p for p, _ in entries)
        if len(set(pts)) != len(pts):
            return None
        keys = tuple(i for i, (_, key) in enumerate(entries) if key)
        return KeyframeIndex(Fraction(stream.time_base or Fraction(1, 90000)), pts, keys)
    finally:
        container.close()


def whole_film() -> list[Segment]:
    return [Segment(0, None, None, None, None, None, None)]


def plan_segments(index: KeyframeIndex | None, segment_seconds: float, warmup: int) -> list[Segment]:
    """Segments of about ``segment_seconds`` cut at keyframes (see the module docstring)."""
    if segment_seconds <= 0:
        raise ValueError(f"segment_seconds must be > 0, got {segment_seconds}")
    if warmup < 0:
        raise ValueError(f"warmup must be >= 0, got {warmup}")
    if index is None:
        return whole_film()
    pts, tb, n = index.pts, index.time_base, len(index.pts)
    length = Fraction(segment_seconds)
    step = pts[1] - pts[0] if n > 1 else 1
    end_time = (pts[-1] + step) * tb
    cuts = [0]
    for k in index.keyframes:
        if k == 0:
            continue
        t = pts[k] * tb
        if t - pts[cuts[-1]] * tb >= length and end_time - t >= length / 4:
            cuts.append(k)
    bounds = cuts + [n]
    segments = []
    for i, (a, b) in enumerate(zip(bounds, bounds[1:])):
        w = max(0, a - warmup)
        segments.append(Segment(i, a, b, pts[a], pts[b] if b < n else None, w, pts[w]))
    return segments


def plan_to_dict(index: KeyframeIndex | None, segments: list[Segment]) -> dict:
    return {"time_base": str(index.time_base) if index else None, "frames": len(index.pts) if index else None,
            "keyframes": len(index.keyframes) if index else None, "segments": [s.to_dict() for s in segments]}


def segments_from_plan(plan: dict) -> list[Segment]:
    return [Segment.from_dict(d) for d in plan["segments"]]
