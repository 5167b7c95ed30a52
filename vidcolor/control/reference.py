"""Reference keyframes: a colored frame of the film (``--reference FRAME=IMAGE`` or a folder).

``FRAME`` is a 0-based frame index or a time (``83.2s``). A folder holds images whose names carry
the frame index as ``_f<digits>`` (what ``vidcolor keyframes`` writes, e.g. ``shot012_f004321.png``;
in any case, ``SHOT012_F004321.PNG``, and the last such tag when a name has several); other files,
hidden ones and subfolders are left out.
An image of the video's size is used as is; one with the same aspect ratio (within 1 %) is resized
to it; any other size, or an image without color, is an error. Only its chroma is used. Where the
image is transparent (a keyframe the artist colored only in part, the rest erased) it gives no color:
its alpha is the reference's confidence there, and the film's own colorization fills the rest.
"""

from __future__ import annotations

import re
from pathlib import Path

import cv2
import numpy as np

from vidcolor.control.hints_io import Annotation, parse_frame, rgb_to_ab
from vidcolor.errors import VidcolorError
from vidcolor.io.image import IMAGE_EXTS, ImageReadError, read_alpha, read_image, to_float

_FRAME_IN_NAME = re.compile(r"_f(\d+)(?!\d)", re.IGNORECASE | re.ASCII)
GRAY_CHROMA = 2.0
"""Mean |ab| below which a reference counts as gray (it carries no color to propagate)."""


def display_aspect(shown: tuple[int, int], sar, turned: bool = False) -> float | None:
    """Width / height of the picture a player shows for frames of ``shown = (h, w)`` (upright, stored
    pixels) and sample aspect ratio ``sar`` (None or 1: square pixels → None). ``turned``: the film
    is shown a quarter turn from how it is stored, so its samples' width runs vertically."""
    if not sar or sar == 1:
        return None
    h, w = shown
    return float(w / (h * sar)) if turned else float(w * sar / h)


def shown_size(shown: tuple[int, int], sar, turned: bool = False) -> tuple[int, int]:
    """``(h, w)`` of the picture at :func:`display_aspect`: the stored size stretched along the
    samples' width (as players and editors export a frame of an anamorphic film)."""
    h, w = shown
    if not sar or sar == 1:
        return h, w
    return (max(1, round(h * sar)), w) if turned else (h, max(1, round(w * sar)))


def _read_rgb(path: Path) -> tuple[np.ndarray, np.ndarray | None]:
    """``(rgb, alpha)``: RGB ``(H, W, 3)`` as :func:`~vidcolor.io.image.read_image` reads any input
    image (``uint8``/``uint16``; float 0–1, CMYK, EXIF-oriented) and its alpha ``(H, W)`` float32
    in [0, 1] or None; a missing, unreadable, gray or fully transparent file is an error."""
    if not path.is_file():
        raise VidcolorError(f"reference image not found: '{path}'")
    try:
        img, alpha = read_image(path), read_alpha(path)
    except ImageReadError as e:
        raise VidcolorError(f"reference '{path}' is not a readable image: {e.reason}") from None
    if img.ndim == 2:
        raise VidcolorError(f"reference '{path}' is a gray image; a reference must be a colored frame")
    if alpha is not None:
        alpha = to_float(alpha)
        if float(alpha.max()) <= 0.0:   # half-transparent paint is a reference of less confidence
            raise VidcolorError(f"reference '{path}' is fully transparent: it gives no color")
    return img, alpha


def load_reference(path: str | Path, frame: int | None, time: float | None, size: tuple[int, int],
                   display_aspect: float | None = None) -> Annotation:
    """A reference image as a dense :class:`Annotation` at the video's ``size = (H, W)``: its chroma,
    with its alpha (1 where it has none) as the confidence. ``display_aspect``: the width/height a
    player shows an anamorphic film at (None: square pixels); an image of that shape is taken too."""
    path = Path(path)
    rgb, alpha = _read_rgb(path)
    H, W = size
    h, w = rgb.shape[:2]
    if (h, w) != (H, W):
        shapes = [W / H] + ([display_aspect] if display_aspect else [])
        if all(abs(w / h - a) > 0.01 * a for a in shapes):
            shown = f", shown {round(H * display_aspect)}×{H}" if display_aspect else ""
            raise VidcolorError(f"reference '{path}' is {w}×{h}; the video is {W}×{H}{shown} (another aspect ratio): "
                                "use a frame of the film")
        how = cv2.INTER_AREA if w > W else cv2.INTER_CUBIC
        rgb = cv2.resize(rgb, (W, H), interpolation=how)
        if alpha is not None:
            alpha = np.clip(cv2.resize(alpha, (W, H), interpolation=how), 0.0, 1.0)
    ab = rgb_to_ab(rgb)
    given = np.ones((H, W), bool) if alpha is None else alpha > 0
    if float(np.abs(ab[given]).mean()) < GRAY_CHROMA:
        raise VidcolorError(f"reference '{path}' has no color (it looks gray); a reference must be a colored frame")
    conf = np.ones((H, W), np.float32) if alpha is None else np.ascontiguousarray(alpha, np.float32)
    return Annotation(frame, time, ab, conf, source=str(path), dense=True)


def folder_keyframes(folder: Path) -> tuple[list[tuple[Path, int]], list[Path]]:
    """The images of a reference folder, sorted by name: ``(keyed, unkeyed)`` — ``(path, frame)``
    for those whose name carries a frame index (the last ``_f<digits>``, any case:
    ``reel_f2_shot001_F000010.PNG`` is frame 10), and those without one. Hidden files, other
    files and subfolders are in neither."""
    keyed, unkeyed = [], []
    for f in sorted(folder.iterdir()):
        if f.suffix.lower() not in IMAGE_EXTS or f.name.startswith(".") or not f.is_file():
            continue
        tags = _FRAME_IN_NAME.findall(f.stem)
        if tags:
            keyed.append((f, int(tags[-1])))
        else:
            unkeyed.append(f)
    return keyed, unkeyed


def unkeyed_reference_notes(specs) -> list[str]:
    """Notes naming the images in ``--reference`` folders that have no frame index in their name
    (``shot003 corrected.png``): :func:`parse_reference_specs` leaves them out, and a user who
    renamed a keyframe should hear that its colors were not used."""
    notes = []
    for spec in specs or ():
        p = Path(spec)
        if not p.is_dir():
            continue
        left = [f.name for f in folder_keyframes(p)[1]]
        if left:
            shown = ", ".join(left[:5]) + (f" and {len(left) - 5} more" if len(left) > 5 else "")
            notes.append(f"reference folder '{p}': left out {len(left)} image(s) with no frame index in the name "
                         f"(like shot003_f000120.png): {shown}")
    return notes


def parse_reference_specs(specs: list[str]) -> list[tuple[Path, int | None, float | None]]:
    """``["120=a.png", "83.2s=b.png", "keyframes/"]`` → ``[(path, frame, time), …]`` (folders expanded)."""
    out = []
    for spec in specs:
        p = Path(spec)
        if "=" not in spec or p.is_dir():
            if not p.is_dir():
                if spec.endswith(("/", "\\")) or (not p.exists() and not p.suffix):
                    raise VidcolorError(f"--reference folder not found: '{spec}'")
                raise VidcolorError(f"--reference expects FRAME=IMAGE (e.g. 0=frame0.png, 83.2s=shot.png) or a folder, got '{spec}'")
            found = [(f, frame, None) for f, frame in folder_keyframes(p)[0]]
            if not found:
                raise VidcolorError(f"reference folder '{p}' has no images named with a frame index (like shot003_f000120.png)")
            out.extend(found)
            continue
        frame_text, image = spec.split("=", 1)
        if not image.strip():
            raise VidcolorError(f"--reference expects FRAME=IMAGE (e.g. 0=frame0.png), got '{spec}' (no image)")
        frame, time = parse_frame(frame_text, f"--reference {spec}")
        out.append((Path(image), frame, time))
    seen: dict = {}
    for path, frame, time in out:  # two colorings of one frame would be averaged: almost surely a mistake
        key = ("frame", frame) if frame is not None else ("time", time)
        if key in seen:
            what = f"frame {frame}" if frame is not None else f"time {time:g}s"
            raise VidcolorError(f"two references for {what}: '{seen[key]}' and '{path}'; give one image per frame")
        seen[key] = path
    return out


def load_references(specs: list[str], size: tuple[int, int], display_aspect: float | None = None) -> list[Annotation]:
    return [load_reference(path, frame, time, size, display_aspect) for path, frame, time in parse_reference_specs(specs)]
