"""Glue between user controls and the processing paths (photo, video, segments)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from vidcolor.control.hints_io import Annotation, read_hints_csv, read_hints_image
from vidcolor.control.propagate import DEFAULT_SPAN, HintPlan, plan_hints
from vidcolor.control.reference import display_aspect, load_references
from vidcolor.errors import VidcolorError
from vidcolor.io.video import quarter_turns
from vidcolor.models.hints import make_hints


@dataclass(frozen=True)
class Controls:
    """What the user decided: ``hints`` CSV, ``hints_image`` scribbles, ``references`` specs
    (``FRAME=IMAGE`` or folders). Empty = automatic."""

    hints: str | None = None
    hints_image: str | None = None
    references: tuple[str, ...] = field(default_factory=tuple)
    span: int = DEFAULT_SPAN

    def __bool__(self) -> bool:
        return bool(self.hints or self.hints_image or self.references)


def controls_fingerprint(controls: Controls) -> str:
    """sha256 over the control files' contents and the specs (what a resumed render must match)."""
    import hashlib

    from vidcolor.control.reference import parse_reference_specs

    h = hashlib.sha256(f"span={controls.span};fullres=5".encode())  # fullres: references composited at full size (3: smoothed along the motion; 4: not on a reference's own frame; 5: nor blended with other references there)
    files = [("hints", controls.hints), ("hints_image", controls.hints_image)]
    files += [(f"ref{f}:{t}", str(p)) for p, f, t in parse_reference_specs(list(controls.references))] if controls.references else []
    for tag, path in files:
        if path:
            h.update(tag.encode())
            try:
                h.update(Path(path).read_bytes())
            except OSError:
                raise VidcolorError(f"cannot read '{path}'") from None
    return h.hexdigest()


def _check_model(colorizer) -> None:
    if not colorizer.accepts_hints:
        raise VidcolorError("these weights have no color-hint inputs, so --hints/--hints-image/--reference cannot be used; "
                            "use the bundled weights or weights trained with model.hints")


def image_annotations(controls: Controls, size: tuple[int, int]) -> list[Annotation]:
    """Annotations for a photo (``references`` are for videos)."""
    if controls.references:
        raise VidcolorError("--reference is for videos; for a photo give color hints with --hints or --hints-image")
    anns = []
    if controls.hints:
        anns += read_hints_csv(controls.hints, size, is_video=False)
    if controls.hints_image:
        anns.append(read_hints_image(controls.hints_image, size))
    return anns


def image_hint_map(controls: Controls, size: tuple[int, int], colorizer) -> torch.Tensor | None:
    """Full-resolution hint map ``[1,3,H,W]`` for a photo, or None without controls."""
    if not controls:
        return None
    _check_model(colorizer)
    anns = image_annotations(controls, size)
    H, W = size
    ab = np.zeros((H, W, 2), np.float32)
    conf = np.zeros((H, W), np.float32)
    for a in anns:  # later annotations win where they overlap
        m = a.conf > 0
        ab[m] = a.ab[m]
        conf = np.maximum(conf, a.conf)
    return make_hints(torch.from_numpy(ab).permute(2, 0, 1)[None], torch.from_numpy(conf)[None, None])


def video_annotations(controls: Controls, size: tuple[int, int], rotation: int = 0, sar=None) -> list[Annotation]:
    """The controls of a video whose frames are stored at ``size = (H, W)`` and shown turned by
    ``rotation`` (:attr:`~vidcolor.io.video.VideoInfo.rotation`, degrees counter-clockwise): the
    user's points, scribbles and reference frames are in the picture as a player shows it (what
    ``vidcolor keyframes`` writes), and come back in the stored orientation the frames are read in.
    An anamorphic film (``sar``, the sample aspect ratio, not 1) is shown wider or narrower than
    stored: reference frames and scribble images may have either shape (a player's or an editor's
    frame export has the shown one); points count stored pixels."""
    turns = quarter_turns(rotation)
    shown = size[::-1] if turns % 2 else size
    aspect = display_aspect(shown, sar, turned=bool(turns % 2))
    anns: list[Annotation] = []
    if controls.hints:
        anns += read_hints_csv(controls.hints, shown, is_video=True)
    if controls.hints_image:
        anns.append(read_hints_image(controls.hints_image, shown, aspect))  # frame 0, carried through its shot
    if controls.references:
        anns += load_references(list(controls.references), shown, aspect)
    if turns:
        for a in anns:
            a.ab, a.conf = (np.ascontiguousarray(np.rot90(x, -turns)) for x in (a.ab, a.conf))
    return anns


def plan_video(path: str | os.PathLike, controls: Controls, colorizer, folder: str | os.PathLike,
               deinterlace: bool = False, max_frames: int | None = None,
               progress: Callable[[int, int | None], None] | None = None) -> HintPlan | None:
    """Validate the controls against the video and run the planning pass into ``folder``, on the
    frames the render will see (``deinterlace``: as the render's reader; ``max_frames``: only the
    first ones are rendered). ``progress``: the render's progress display; if it has a
    ``stage(name)`` method, the pass is shown as ``stage("planning")`` with ``progress(done,
    total)`` every 8 frames (of the film's frame count: the pass stops after the last shot with a
    control), then ``stage("rendering")``. Without one it is not told about the pass."""
    if not controls:
        return None
    _check_model(colorizer)
    from vidcolor.io.video import VideoReader
    from vidcolor.pipeline.stream import prefetch

    with VideoReader(Path(path), fmt="gray", deinterlace=deinterlace) as reader:
        info = reader.info
        size = (info.height, info.width)
        anns = video_annotations(controls, size, info.rotation, info.sample_aspect_ratio)
        period = float(1 / info.frame_rate) if info.frame_rate else None
        stage = getattr(progress, "stage", None)

        def counted(it):
            for k, fr in enumerate(it, 1):
                yield fr
                if stage and k % 8 == 0:
                    progress(k, info.frame_count)

        if stage:
            stage("planning")
        frames = prefetch(counted(reader.frames()))   # decoding overlaps the flow
        try:
            plan = plan_hints(frames, anns, colorizer.working_size(*size), folder, frame_count=info.frame_count,
                              span=controls.span, frame_period=period, max_frames=max_frames)
        finally:
            frames.close()
        if stage:
            stage("rendering")
        return plan
