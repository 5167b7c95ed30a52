"""Reading user color hints: a CSV of points, or a scribble image.

* **CSV** with header ``x,y,color`` and an optional ``frame`` column: ``x``, ``y`` are pixels of the
  input (0-based, may be fractional), ``color`` is ``#rrggbb`` (or ``rrggbb``, or ``#rgb``), ``frame`` is
  a 0-based frame index or a time such as ``12.5s`` or a player's ``00:00:12.5`` (videos only; without
  it a video's hints belong to frame 0).
  A file whose header is separated by semicolons or tabs instead (what spreadsheets in locales
  with a decimal comma save as CSV) is read with that separator, and then ``12,5`` is 12.5.
* **Scribble image** (``--hints-image``): a PNG with alpha, the size of the input, transparent
  except where the user painted; every painted pixel (alpha ≥ 50 %) is a hint of its color. It is
  read like any input image (:mod:`vidcolor.io.image`: EXIF-oriented, 8/16-bit, palette or gray
  with transparency, an RGBA TIFF straight); a file without a stored alpha channel, a CMYK file
  among them (OpenCV's fourth channel for it is an opaque alpha of its own making), is refused.

Both become :class:`Annotation`\\ s: a frame (or time) plus a full-resolution chroma map ``ab
(H, W, 2)`` in Lab units and a confidence map ``(H, W)`` in [0, 1]. Only the chroma of a hint is
used — its lightness always comes from the film.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from vidcolor.errors import VidcolorError
from vidcolor.io.image import ImageReadError, color_model, read_alpha, read_image, to_float

_COLOR = re.compile(r"^#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})$")
_TIME = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*[sS]\s*$")
_CLOCK = re.compile(r"^(?:(\d+):)?(\d{1,2}):(\d{1,2}(?:\.\d*)?)$")          # [HH:]MM:SS[.fff], as players show time
_TIMECODE = re.compile(r"^\d{1,2}:\d{2}:\d{2}[:;]\d{1,3}$")                   # SMPTE HH:MM:SS:FF


@dataclass
class Annotation:
    """Chroma decided by the user at one frame: dense (a reference keyframe) or sparse (points)."""

    frame: int | None          # 0-based index (None until a time is resolved)
    time: float | None         # seconds, when given as a time
    ab: np.ndarray             # (H, W, 2) float32, Lab units
    conf: np.ndarray           # (H, W) float32 in [0, 1]
    source: str = ""
    dense: bool = False


def parse_frame(text: str, where: str) -> tuple[int | None, float | None]:
    """``"12"`` → (12, None); ``"12.5s"`` (or ``S``) → (None, 12.5); a player's clock ``"1:02.5"`` or
    ``"00:01:02.5"`` → (None, 62.5). Anything else — an SMPTE timecode with frames too — is an error
    naming ``where``."""
    t = text.strip()
    if t.isascii() and t.isdigit():   # not "²", which str.isdigit takes and int() does not
        return int(t), None
    m = _TIME.match(t)
    if m:
        return None, float(m.group(1))
    m = _CLOCK.match(t)
    if m and int(m.group(2)) < 60 and float(m.group(3)) < 60:
        return None, int(m.group(1) or 0) * 3600 + int(m.group(2)) * 60 + float(m.group(3))
    if _TIMECODE.match(t):
        raise VidcolorError(f"{where}: '{text}' is a timecode with frames (HH:MM:SS:FF), whose count depends on the "
                            "frame rate: give the frame index (e.g. 120) or the time (e.g. 12.5s or 00:00:12.5)")
    raise VidcolorError(f"{where}: frame must be a 0-based frame index (e.g. 120) or a time (e.g. 12.5s or 00:00:12.5), "
                        f"got '{text}'")


def rgb_to_ab(rgb: np.ndarray) -> np.ndarray:
    """RGB ``(..., 3)`` — ``uint8``, ``uint16`` or float in ``[0, 1]`` (:func:`~vidcolor.io.image.to_float`)
    — → Lab ab ``(..., 2)`` float32 (:func:`vidcolor.color.rgb_to_lab`)."""
    import torch

    from vidcolor.color import rgb_to_lab

    flat = torch.from_numpy(to_float(np.ascontiguousarray(rgb)).reshape(-1, 3))
    lab = rgb_to_lab(flat.T.reshape(1, 3, -1, 1))[0, 1:, :, 0].T
    return lab.numpy().reshape(*rgb.shape[:-1], 2).astype(np.float32)


def point_radius(h: int, w: int) -> int:
    """Half-size of the square a point hint covers at full resolution: about 1.5 px of a 256-px
    working image (the training patches were 1–5 px at that scale)."""
    return max(1, int(round(1.5 * min(h, w) / 256)))


def read_hints_csv(path: str | Path, size: tuple[int, int], is_video: bool) -> list[Annotation]:
    """Point hints from a CSV for an input of ``size = (H, W)``; one :class:`Annotation` per frame."""
    path = Path(path)
    if not path.is_file():
        raise VidcolorError(f"hints file not found: '{path}'")
    H, W = size
    raw = path.read_bytes()
    try:   # UTF-8 (with or without a BOM), or UTF-16 with its BOM: Excel's "Unicode Text" export
        text = raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise VidcolorError(f"hints file '{path}' is not a text CSV in UTF-8 or UTF-16 (save it as 'CSV UTF-8')") from None
    lines = text.splitlines()
    first = next((t for t in lines if t.strip()), "")
    sep = next((c for c in ";\t" if c in first and "," not in first), ",")   # European spreadsheets: "x;y;color", 12,5
    number = (lambda v: v) if sep == "," else (lambda v: v.replace(",", "."))
    rows = list(csv.reader(lines, delimiter=sep))
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise VidcolorError(f"hints file '{path}' is empty; expected a header x,y,color[,frame]")
    header = [c.strip().lower() for c in rows[0]]
    missing = [c for c in ("x", "y", "color") if c not in header]
    unknown = [c for c in header if c not in ("x", "y", "color", "frame")]
    if missing or unknown or len(set(header)) < len(header):
        raise VidcolorError(f"hints file '{path}': header must be x,y,color[,frame]; got {','.join(header)}")
    if "frame" in header and not is_video:
        raise VidcolorError(f"hints file '{path}' has a 'frame' column, but the input is a photo (frames are for videos)")
    col = {c: header.index(c) for c in header}
    if len(rows) == 1:
        raise VidcolorError(f"hints file '{path}' has a header but no hints")
    r = point_radius(H, W)
    per_frame: dict[tuple, Annotation] = {}
    seen: dict[tuple, dict] = {}   # per frame: pixel → (line, color) of its point
    for line, row in enumerate(rows[1:], start=2):
        where = f"{path.name} line {line}"
        if len(row) < len(header):
            raise VidcolorError(f"{where}: expected {len(header)} values ({','.join(header)}), got {len(row)}")
        css = next((c for c in row if re.match(r"\s*(rgb|hsl)a?\(", c, re.IGNORECASE)), None)
        if css is not None and len(row) > len(header):   # rgb(255,0,0) unquoted: its commas split it into cells
            raise VidcolorError(f"{where}: color must be #rrggbb (e.g. #1f3a93) or #rgb, got '{sep.join(row[row.index(css):])}'")
        if any(c.strip() for c in row[len(header):]):   # empty trailing cells (spreadsheets) are fine
            raise VidcolorError(f"{where}: {len(row)} values, but the header has {len(header)} ({','.join(header)}); "
                                "a frame number needs a 'frame' column in the header")
        try:
            x, y = float(number(row[col["x"]])), float(number(row[col["y"]]))
        except ValueError:
            raise VidcolorError(f"{where}: x and y must be numbers (pixels), got '{row[col['x']]}', '{row[col['y']]}'") from None
        if not (-0.5 <= x < W - 0.5 and -0.5 <= y < H - 0.5) or not (np.isfinite(x) and np.isfinite(y)):   # inside a pixel
            raise VidcolorError(f"{where}: point ({row[col['x']]}, {row[col['y']]}) is outside the {W}×{H} image")
        m = _COLOR.match(row[col["color"]].strip())
        if not m:
            raise VidcolorError(f"{where}: color must be #rrggbb (e.g. #1f3a93) or #rgb, got '{row[col['color']]}'")
        digits = (m.group(1) if len(m.group(1)) == 6 else "".join(c + c for c in m.group(1))).lower()   # #F80 = #ff8800
        rgb = np.array([int(digits[i:i + 2], 16) for i in (0, 2, 4)], np.uint8)
        frame, time = (parse_frame(number(row[col["frame"]]), where) if "frame" in col else (0, None))
        key = (frame, time)
        ann = per_frame.get(key)
        if ann is None:
            ann = per_frame[key] = Annotation(frame, time, np.zeros((H, W, 2), np.float32), np.zeros((H, W), np.float32), source=str(path))
        xi, yi = int(round(x)), int(round(y))
        earlier = seen.setdefault(key, {}).setdefault((yi, xi), (line, digits))
        if earlier[1] != digits:
            raise VidcolorError(f"{where}: pixel ({xi}, {yi}) already has the color #{earlier[1]} (line {earlier[0]}); "
                                "one point, one color")
        ys, xs = slice(max(0, yi - r), min(H, yi + r + 1)), slice(max(0, xi - r), min(W, xi + r + 1))
        ann.ab[ys, xs] = rgb_to_ab(rgb)
        ann.conf[ys, xs] = 1.0
    return list(per_frame.values())


def read_hints_image(path: str | Path, size: tuple[int, int], display_aspect: float | None = None) -> Annotation:
    """Scribbles from an image with alpha the size of the input (transparent where there is no hint).
    ``display_aspect``: an anamorphic film's shown width/height; an image of that shape (drawn on
    the picture as a player shows it) is taken too, resized to ``size``."""
    path = Path(path)
    if not path.is_file():
        raise VidcolorError(f"hints image not found: '{path}'")
    try:
        rgb, alpha = read_image(path), read_alpha(path)
    except ImageReadError as e:
        raise VidcolorError(f"hints image '{path}' is not a readable image: {e.reason}") from None
    if alpha is None:
        kind = "is a CMYK file, which vidcolor reads without transparency" if color_model(path) == "CMYK" else "has no transparency"
        raise VidcolorError(f"hints image '{path}' {kind}: paint the hints on a transparent PNG (RGBA) the size of the input")
    H, W = size
    h, w = rgb.shape[:2]
    if display_aspect and (h, w) != (H, W) and abs(w / h - display_aspect) <= 0.01 * display_aspect:   # drawn as shown
        rgb = cv2.resize(rgb, (W, H), interpolation=cv2.INTER_NEAREST)
        alpha = cv2.resize(alpha, (W, H), interpolation=cv2.INTER_NEAREST)
    if rgb.shape[:2] != (H, W):
        turned = (" (turned a quarter: paint on the picture as a viewer shows it, upright — a phone video's display"
                  " rotation or a photo's EXIF orientation applied)") if rgb.shape[:2] == (W, H) and H != W else ""
        raise VidcolorError(f"hints image '{path}' is {rgb.shape[1]}×{rgb.shape[0]}, the input is {W}×{H}{turned}; "
                            "they must be the same size")
    if rgb.ndim == 2:   # gray paint: hints of no chroma
        rgb = np.repeat(rgb[..., None], 3, axis=2)
    opacity = to_float(alpha).astype(np.float32)
    painted = opacity > 0   # a soft or half-transparent brush paints too: its opacity is the hint's confidence
    if not painted.any():
        raise VidcolorError(f"hints image '{path}' is fully transparent: no hints painted")
    ab = np.zeros((H, W, 2), np.float32)
    ab[painted] = rgb_to_ab(rgb[painted])
    return Annotation(0, None, ab, np.where(painted, opacity, 0).astype(np.float32), source=str(path))
