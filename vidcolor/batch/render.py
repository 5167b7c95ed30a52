"""Render one segment of a film to its own video-only file (what every worker runs).

A segment is decoded from the keyframe before its warm-up start (:class:`VideoReader` seeking),
warm-up frames go through the model and the stabilizer but are not written
(``FrameProcessor(first_written=...)``), and frames ``pts ∈ [start_pts, end_pts)`` are encoded with
the final codec and settings into ``seg_NNNNN<ext>`` with the source's own pts (the container is
the output's, so the concatenation is a plain packet copy). The file appears atomically.

:func:`render_segment` is a plain function of a :class:`~vidcolor.pipeline.engine.Colorizer` and a
picklable :class:`SegmentJob`, so a local loop and a Ray actor run the very same code.
"""

from __future__ import annotations

import copy
import socket
import time
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Callable, Iterable, Iterator

from vidcolor.batch.journal import file_sha256
from vidcolor.batch.plan import Segment
from vidcolor.io.video import VideoReader
from vidcolor.io.codecs import holds_alpha, holds_depth, output_matrix
from vidcolor.io.sequence import set_sequence_rate
from vidcolor.io.video_writer import VideoWriter
from vidcolor.outputs import video_input_notes
from vidcolor.pipeline.engine import Colorizer
from vidcolor.pipeline.frames import FrameProcessor
from vidcolor.pipeline.stream import run_pipeline


@dataclass(frozen=True)
class SegmentJob:
    """Everything a worker needs to render one segment (plain data: picklable, JSON-able)."""

    input: str
    path: str                 # the segment file to write (shared storage when distributed)
    segment: Segment
    style: str
    temporal: bool
    codec: str
    crf: int
    render_size: int
    batch_size: int | None = None
    hint_plan: str | None = None   # folder of a HintPlan (user colors carried through the shots), or None
    deinterlace: bool = False      # deinterlace an interlaced input before colorizing (VideoReader)
    saturation: float = 1.0        # scale of the colors' chroma (Colorizer)
    preserve: str = "luma"         # what plain colorization keeps of the gray input (Colorizer)
    name: str | None = None        # the input as the user gave it, for messages (input is absolute)
    sequence_rate: str | None = None   # an image sequence's frame rate as the planner read it (workers read it alike)


class _SegmentWriter(VideoWriter):
    """A silent :class:`VideoWriter` that remembers the exact time of its first frame.

    Containers do not all keep an absolute start time exactly (MP4/MOV store it in an edit list
    in the movie's 1/1000 s timescale), so the concatenation re-anchors each segment on this value.
    Reads VideoWriter's ``_last_pts``/``_tb`` (encoder ticks and their time base).
    """

    first_time: Fraction | None = None

    def write(self, image, pts=None, alpha=None) -> None:
        super().write(image, pts, alpha)
        if self.first_time is None:
            self.first_time = Fraction(self._last_pts) * self._tb + self._origin


def colorizer_for(colorizer: Colorizer, render_size: int, saturation: float | None = None, preserve: str | None = None) -> Colorizer:
    """``colorizer`` itself, or a shallow copy sharing its model with another working size (and
    ``saturation`` and ``preserve``, when given)."""
    saturation = colorizer.saturation if saturation is None else saturation
    preserve = colorizer.preserve if preserve is None else preserve
    if colorizer.render_size == render_size and colorizer.saturation == saturation and colorizer.preserve == preserve:
        return colorizer
    other = copy.copy(colorizer)
    other.render_size = render_size
    other.saturation = saturation
    other.preserve = preserve
    return other


def render_segment(colorizer: Colorizer, job: SegmentJob, progress: Callable[[int], None] | None = None) -> dict:
    """Render ``job`` to ``job.path``; returns its journal record (frames, size, sha256, ...).

    ``progress(n)`` is called after each batch with the number of frames in it (warm-up included).
    """
    t0 = time.time()
    seg = job.segment
    col = colorizer_for(colorizer, job.render_size, job.saturation, job.preserve)
    seeking = seg.warm_pts is not None
    if job.sequence_rate is not None:
        set_sequence_rate(job.input, job.sequence_rate)
    reader = VideoReader(job.input, fmt="gray", start_pts=seg.warm_pts if seeking else None,
                         first_index=seg.warm_frame if seeking else 0, deinterlace=job.deinterlace, alpha=holds_alpha(job.codec),
                         deep=holds_depth(job.codec), name=job.name)
    with reader:
        info = reader.info
        start = seg.start_frame if seeking else 0
        plan = None
        if job.hint_plan:
            from vidcolor.control.propagate import HintPlan

            plan = HintPlan.load(job.hint_plan)
        fp = FrameProcessor(col, col.style_index(job.style), temporal=job.temporal, detect_scenes=True, first_written=start, hint_plan=plan)
        fp.matrix = output_matrix(info.matrix)
        batch_size = job.batch_size or col.suggest_batch_size(info.height, info.width)
        writer = _SegmentWriter(job.path, info, codec=job.codec, crf=job.crf, audio_source=None, alpha=True)
        try:
            def source():
                for fr in reader.frames():
                    if seg.end_pts is not None and fr.pts >= seg.end_pts:
                        return
                    yield fp.prepare(fr)

            def sink(r):
                if r.write:
                    writer.write(fp.finish(r), r.pts, alpha=r.alpha)
                elif r.dense:   # a warm-up frame with references: its composite starts the smoothing a single pass has
                    fp.finish(r)

            run_pipeline(source(), fp.infer, sink, batch_size=batch_size, on_batch=progress)
            frames = writer.frames_written
            writer.close()
        except BaseException as exc:
            writer.abort(exc)
            raise
        notes = list(writer.notes) + video_input_notes(info, reader.color_seen, reader.resized, reader.beyond_legal)
        if reader.corrupt_packets:
            notes.append(f"skipped {reader.corrupt_packets} corrupt packet(s) in the input")
    path = Path(job.path)
    cuts = [[c.frame, c.time, c.score] for c in fp.cuts if c.frame >= start]
    return {"file": path.name, "frames": frames, "size": path.stat().st_size, "sha256": file_sha256(path),
            "first_time": str(writer.first_time), "video_end": reader.video_end, "cuts": cuts, "notes": notes,
            "seconds": round(time.time() - t0, 3), "worker": socket.gethostname()}


class LocalExecutor:
    """Renders segments one after another in this process with one loaded :class:`Colorizer`."""

    def __init__(self, colorizer: Colorizer, progress: Callable[[int], None] | None = None):
        self.colorizer, self.progress = colorizer, progress

    def map(self, jobs: Iterable[SegmentJob]) -> Iterator[tuple[SegmentJob, dict]]:
        for job in jobs:
            yield job, render_segment(self.colorizer, job, self.progress)

    def close(self) -> None:
        pass
