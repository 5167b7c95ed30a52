"""The keyframe round trip: one auto-colorized frame per shot for an artist to correct.

``export_keyframes(film, folder)`` finds the shots with the renderer's own scene detector (so the
shots are exactly those ``vidcolor process`` resets at), colorizes the middle frame of each at full
resolution and writes ``shot{k:03d}_f{index:06d}.png`` plus ``shots.csv``
(``shot,start_frame,end_frame,start_time,end_time,keyframe,file``; end exclusive). The corrected
PNGs go back with ``vidcolor process FILM --reference FOLDER``: each file is keyed by the frame
index in its name, so nobody counts frames by hand. A film with a display rotation (phone videos)
gets upright keyframes, as a player shows them; references and hint coordinates are taken upright too
(:func:`vidcolor.control.apply.video_annotations`).

Two streaming passes over the film (cuts, then the chosen frames): memory is flat in its length.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
import torch

from vidcolor.color import luma_lut
from vidcolor.control.reference import folder_keyframes, shown_size
from vidcolor.errors import VidcolorError
from vidcolor.io.atomic import atomic_output
from vidcolor.io.sequence import is_input
from vidcolor.io.video import VideoReader, is_image_file, quarter_turns
from vidcolor.pipeline.scenes import SceneDetector


def _holds_keyframes(folder: Path) -> bool:
    """True when ``folder`` has an image that ``--reference FOLDER`` would key by a frame index
    (any case: a renamed ``SHOT001_F000010.PNG`` beside a new ``shot001_f000010.png`` would give
    frame 10 two references)."""
    return bool(folder_keyframes(folder)[0])


@dataclass(frozen=True)
class Shot:
    number: int
    start: int
    end: int                 # exclusive
    start_time: float | None
    end_time: float | None
    keyframe: int
    file: str


def find_shots(path: str | os.PathLike, working_size) -> tuple[list[tuple[int, float | None]], int, float | None]:
    """``([(first_frame, time), …], frame_count, end_time)`` with the renderer's scene detector. The
    last frame lasts as long as the step before it (on a variable-rate film the average rate's
    period can be far off), or the stated rate's period for a one-frame film."""
    det = SceneDetector()
    starts = [(0, 0.0)]
    n, last_time, step = 0, None, None
    with VideoReader(Path(path), fmt="gray") as reader:
        size = None
        for fr in reader.frames():
            if size is None:
                size = working_size(*fr.image.shape[:2])
            h, w = size
            u8 = fr.image if fr.image.shape == (h, w) else cv2.resize(fr.image, (w, h), interpolation=cv2.INTER_AREA)
            if det.update(fr.index, u8, fr.time):
                starts.append((fr.index, fr.time))
            n = fr.index + 1
            if last_time is not None and fr.time is not None and fr.time > last_time:
                step = fr.time - last_time
            last_time = fr.time
        if step is None:
            step = float(1 / reader.info.frame_rate) if reader.info.frame_rate else 0.0
    if n == 0:
        raise VidcolorError(f"'{path}' has no decodable frames")
    return starts, n, (last_time + step) if last_time is not None else None


def export_keyframes(film: str | os.PathLike, folder: str | os.PathLike, colorizer, style: int = 0, overwrite: bool = False) -> list[Shot]:
    """Write one colorized keyframe per shot and ``shots.csv`` into ``folder`` (created). With
    ``overwrite``, keyframes of an earlier export that this one does not write (another film, a
    re-cut) are removed once the new set is complete: ``--reference FOLDER`` would have taken them
    (film A's painted shot colored film B's frame 11)."""
    film, folder = Path(film), Path(folder)
    if not is_input(film):
        raise VidcolorError(f"input not found: '{film}'")
    if is_image_file(film):
        raise VidcolorError(f"'{film}' is a photo: keyframes are for films (a photo takes --hints or --hints-image "
                            "with 'vidcolor process')")
    if folder.exists() and not folder.is_dir():
        raise VidcolorError(f"output '{folder}' exists and is not a folder")
    if folder.is_dir() and not overwrite and _holds_keyframes(folder):
        raise VidcolorError(f"'{folder}' already holds keyframes (use --overwrite to replace them)")
    starts, n, end_time = find_shots(film, colorizer.working_size)
    digits = max(6, len(str(n)))
    shots = []
    for k, (s, t) in enumerate(starts):
        e, et = starts[k + 1] if k + 1 < len(starts) else (n, end_time)
        key = (s + e - 1) // 2
        shots.append(Shot(k + 1, s, e, t, et, key, f"shot{k + 1:03d}_f{key:0{digits}d}.png"))
    folder.mkdir(parents=True, exist_ok=True)
    wanted = {sh.keyframe: sh for sh in shots}
    lut = luma_lut(8)
    written = 0
    with VideoReader(film, fmt="gray") as reader:
        for fr in reader.frames():
            sh = wanted.get(fr.index)
            if sh is None:
                continue
            gray = torch.from_numpy(lut[fr.image])[None, None]
            rgb = colorizer.colorize(gray, style, matrix=reader.info.matrix)[0].permute(1, 2, 0).cpu().numpy()
            turns = quarter_turns(reader.info.rotation)
            rgb = np.ascontiguousarray(np.rot90(rgb, turns))   # upright, as a player shows it …
            h, w = shown_size(rgb.shape[:2], reader.info.sample_aspect_ratio, turned=bool(turns % 2))
            if (h, w) != rgb.shape[:2]:   # … and as wide: an anamorphic film's pixels are not square
                rgb = cv2.resize(rgb.astype(np.float32), (w, h), interpolation=cv2.INTER_CUBIC)
            bgr = cv2.cvtColor((np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8), cv2.COLOR_RGB2BGR)
            with atomic_output(folder / sh.file) as tmp:
                if not cv2.imwrite(str(tmp), bgr, [cv2.IMWRITE_PNG_COMPRESSION, 3]):
                    raise VidcolorError(f"cannot write '{folder / sh.file}'")
            written += 1
            if written == len(wanted):
                break
    if written != len(wanted):
        raise VidcolorError(f"'{film}' ended before all keyframes could be read ({written} of {len(wanted)})")
    new = {sh.file for sh in shots}
    for old, _ in folder_keyframes(folder)[0]:
        if old.name not in new:
            old.unlink(missing_ok=True)
    fmt = lambda x: "" if x is None else f"{x:.3f}"  # noqa: E731
    with atomic_output(folder / "shots.csv") as tmp:
        with open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["shot", "start_frame", "end_frame", "start_time", "end_time", "keyframe", "file"])
            for sh in shots:
                w.writerow([sh.number, sh.start, sh.end, fmt(sh.start_time), fmt(sh.end_time), sh.keyframe, sh.file])
    return shots
