"""Still-image reading and writing with OpenCV.

Arrays are RGB ``(H, W, 3)`` or gray ``(H, W)``, ``uint8`` or ``uint16`` as stored (no silent
down-conversion), or ``float32`` in ``[0, 1]`` where stated. Files are read through
``cv2.imdecode`` (so non-ASCII paths work everywhere), which applies the EXIF orientation: the
array is upright as a viewer shows it. :func:`read_image` drops an alpha channel;
:func:`read_alpha` returns it (same orientation), and :func:`write_image` writes one where the
format holds it (:data:`IMAGE_EXTS_ALPHA`).

Luminance of a colour image is Rec.601 luma on the gamma-encoded values,
``Y' = 0.299 R' + 0.587 G' + 0.114 B'`` (what JPEG and ``cv2.COLOR_RGB2GRAY`` use).
"""

from __future__ import annotations

import functools
import itertools
import os
import struct
import sys
import threading
from pathlib import Path

import cv2
import numpy as np

from vidcolor.errors import VidcolorError
from vidcolor.io import orientation, photo_meta, tiff
from vidcolor.io.sequence import is_sequence
from vidcolor.io.atomic import atomic_output

#: JPEG's names: ``.jfif`` is what browsers on Windows save JPEG photos as, ``.jpe`` an old DOS one.
JPEG_EXTS = frozenset({".jpg", ".jpeg", ".jpe", ".jfif"})
IMAGE_EXTS = frozenset({".png", ".tif", ".tiff", ".webp", ".bmp"}) | JPEG_EXTS
#: A GIF holding one picture is a photo (read, never written: 256 colours cannot hold a colorization);
#: an animated one is a video (:func:`is_photo_file`).
GIF_EXT = ".gif"
#: Extensions that can hold 16 bits per sample.
IMAGE_EXTS_16BIT = frozenset({".png", ".tif", ".tiff"})
#: Extensions that can hold an alpha channel.
IMAGE_EXTS_ALPHA = frozenset({".png", ".tif", ".tiff", ".webp"})
#: Rec.601 luma weights for R', G', B'.
LUMA_601 = (0.299, 0.587, 0.114)


_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_STDERR_LOCK = threading.Lock()


def _imdecode(data: np.ndarray, flags: int) -> np.ndarray | None:
    """``cv2.imdecode``. A PNG decoded while OpenCV's log is silenced (``OPENCV_LOG_LEVEL=SILENT``,
    what the commands set unless ``--debug``) keeps libpng's own warnings off stderr too — libpng
    prints them itself (``libpng warning: iCCP: known incorrect sRGB profile``, once per decode),
    beyond OpenCV's log level, and a command decodes a photo several times: stderr (fd 2) points
    to the null device for the decode, under a lock."""
    if bytes(data[:8]) != _PNG_MAGIC or os.environ.get("OPENCV_LOG_LEVEL", "").upper() != "SILENT":
        return cv2.imdecode(data, flags)
    with _STDERR_LOCK:
        try:
            sys.stderr.flush()
            saved, null = os.dup(2), os.open(os.devnull, os.O_WRONLY)
        except (OSError, ValueError):   # no usable fd 2: nothing to keep clean
            return cv2.imdecode(data, flags)
        try:
            os.dup2(null, 2)
            return cv2.imdecode(data, flags)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            os.close(null)


class ImageReadError(VidcolorError):
    """An image that cannot be read: ``"cannot read image '<path>': <reason>"``. ``reason`` alone lets
    a caller that reads an image for a purpose (a reference, a hints image) name it its own way."""

    def __init__(self, path: Path, reason: str):
        super().__init__(f"cannot read image '{path}': {reason}")
        self.path, self.reason = path, reason


def still_gif(path: str | Path) -> bool:
    """True if ``path`` is a GIF file holding exactly one picture (False when it cannot be read).
    Pillow looks no further than the second picture; the answer is remembered per file (path, size,
    modification time): a folder's GIFs are asked about several times before any work."""
    try:
        st = Path(path).stat()
    except OSError:
        return False
    return _still_gif(str(Path(path).resolve()), st.st_size, st.st_mtime_ns)


@functools.lru_cache(maxsize=256)
def _still_gif(path: str, size: int, mtime: int) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return im.format == "GIF" and not getattr(im, "is_animated", False)
    except (OSError, ValueError, SyntaxError, struct.error, UnidentifiedImageError, Image.DecompressionBombError):
        return False


def is_photo_file(path: str | Path) -> bool:
    """True if ``path`` is rendered as a photo: a still-image extension (:data:`IMAGE_EXTS`, by name
    only), or a GIF that holds one picture (:func:`still_gif`; an animated GIF is a video) — not a
    numbered image sequence (:func:`vidcolor.io.sequence.is_sequence`), which is a film."""
    ext = Path(path).suffix.lower()
    if is_sequence(path):   # reel1_%06d.dpx: a film
        return False
    return ext in IMAGE_EXTS or (ext == GIF_EXT and still_gif(path))


def _gif_samples(path: Path, alpha: bool) -> np.ndarray | None:
    """A GIF's first picture the way OpenCV hands images over: gray ``(H, W)`` when its colours are
    all gray, else BGR — BGRA with ``alpha`` when it has a transparent colour. None if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.seek(0)
            transparent = alpha and ("transparency" in im.info or im.mode in ("RGBA", "PA", "LA"))
            rgb = np.asarray(im.convert("RGBA" if transparent else "RGB"))
    except (OSError, ValueError, SyntaxError, struct.error, UnidentifiedImageError, Image.DecompressionBombError):
        return None
    if transparent:
        return cv2.cvtColor(rgb, cv2.COLOR_RGBA2BGRA)
    if np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2]):
        return np.ascontiguousarray(rgb[..., 0])
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def _check_ext(path: Path, verb: str) -> str:
    ext = path.suffix.lower()
    if ext not in IMAGE_EXTS and not (verb == "read" and ext == GIF_EXT):
        reason = f"unsupported extension '{ext or '(none)'}'; valid: {', '.join(sorted(IMAGE_EXTS))}"
        if verb == "read":
            raise ImageReadError(path, reason)
        raise VidcolorError(f"cannot {verb} image '{path}': {reason}")
    return ext


def read_samples(path: str | Path) -> np.ndarray:
    """An image's samples as OpenCV decodes them, EXIF-oriented: BGR ``(H, W, 3)`` or gray ``(H, W)``
    (a CMYK file already converted to BGR), ``uint8``, ``uint16`` or float exactly as stored —
    what ``vidcolor info`` reports; :func:`read_image` turns them into what vidcolor works on.
    Raises :class:`ImageReadError` for a missing, empty, unreadable or unsupported file."""
    path = Path(path)
    _check_ext(path, "read")
    if not path.is_file():
        raise ImageReadError(path, "file not found")
    data = np.fromfile(path, dtype=np.uint8)
    if data.size == 0:
        raise ImageReadError(path, "file is empty")
    gray_alpha = tiff.gray_alpha(path, data)
    if gray_alpha is not None:
        return gray_alpha[0]
    if path.suffix.lower() == GIF_EXT:
        image = _gif_samples(path, alpha=False)
    else:
        image = _imdecode(data, cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH)
    if image is None and path.suffix.lower() in (".tif", ".tiff"):
        split = _tiff_with_extra_channel(path, data)
        image = None if split is None else split[0]
    if image is None:
        raise ImageReadError(path, f"not a valid {path.suffix.lower()[1:].upper()} image, or damaged")
    return image


def read_image(path: str | Path) -> np.ndarray:
    """Read an image as RGB ``(H, W, 3)`` or gray ``(H, W)``, ``uint8`` or ``uint16`` as stored.

    Float images (e.g. 32-bit TIFF) are taken as ``[0, 1]`` and returned as ``uint16``; one whose
    samples lie outside it (a 0–255 or HDR float file: clipping would turn it white) or are not
    finite is refused. A CMYK file (JPEG, TIFF) comes back as RGB, converted by OpenCV without its
    colour profile. Raises :class:`ImageReadError` for a missing, empty, unreadable or unsupported file.
    """
    path = Path(path)
    image = read_samples(path)
    if image.dtype in (np.float32, np.float64):
        problem = float_range_problem(image)
        if problem:
            raise ImageReadError(path, problem)
        image = (np.clip(image, 0.0, 1.0) * 65535.0 + 0.5).astype(np.uint16)
    if image.dtype not in (np.uint8, np.uint16):
        raise ImageReadError(path, f"unsupported sample type {image.dtype}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    elif image.ndim == 3:
        straight = tiff.rgba(path) if image.dtype == np.uint8 else None
        if straight is not None and straight.shape[:2] == image.shape[:2]:
            return np.ascontiguousarray(straight[..., :3])
        code = cv2.COLOR_BGRA2RGB if image.shape[2] == 4 else cv2.COLOR_BGR2RGB
        image = cv2.cvtColor(image, code)
    return np.ascontiguousarray(image)


#: How far float samples may stray outside ``[0, 1]`` (rounding in the program that wrote them) and
#: still be read, clipped: less than half a step of 8 bits.
FLOAT_SLACK = 1.0 / 512


def float_range_problem(samples: np.ndarray) -> str | None:
    """Why float ``samples`` cannot be read as ``[0, 1]`` values (non-finite, or beyond
    :data:`FLOAT_SLACK` outside it), or None when they can."""
    if not np.all(np.isfinite(samples)):
        return f"its {samples.dtype} samples include NaN or infinite values"
    lo, hi = float(samples.min()), float(samples.max())
    if lo < -FLOAT_SLACK or hi > 1.0 + FLOAT_SLACK:
        return (f"its {samples.dtype} samples run from {lo:g} to {hi:g}, and vidcolor reads float images as 0–1 "
                f"(clipping would wash it out); convert it to 8 or 16 bits first")
    return None


def color_model(path: str | Path) -> str | None:
    """``"CMYK"`` for a JPEG or TIFF that stores ink separations (TIFF photometric 5, or what
    Pillow opens as CMYK), else None. OpenCV hands such a file over as RGB, converted without
    its colour profile; for a TIFF it reads through libtiff's RGBA interface, which adds an opaque
    alpha channel that is not in the file. The TIFF tag is read directly, so files Pillow cannot
    decode (16-bit or float separations) are recognised too."""
    path = Path(path)
    from PIL import Image, UnidentifiedImageError

    try:
        if path.suffix.lower() in (".tif", ".tiff"):
            return "CMYK" if tiff.tag(path, 262) == 5 else None   # PhotometricInterpretation: 5 = separated
        if path.suffix.lower() in JPEG_EXTS:
            with Image.open(path) as im:
                return "CMYK" if im.mode == "CMYK" else None
    except (OSError, ValueError, SyntaxError, struct.error, UnidentifiedImageError):
        pass
    return None


def _tiff_with_extra_channel(path: Path, data: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A TIFF that OpenCV decodes only unchanged (float RGBA or gray+alpha: its colour reader
    refuses the extra float channel) as ``(colour, alpha)``: BGR ``(H, W, 3)`` or gray ``(H, W)``
    samples as stored, and the ``(H, W)`` alpha, upright (OpenCV's TIFF reader applies the
    orientation tag in this mode too). None for anything else."""
    raw = _imdecode(data, cv2.IMREAD_UNCHANGED)
    if raw is None or raw.ndim != 3 or raw.shape[2] not in (2, 4):
        return None
    color = raw[..., :3] if raw.shape[2] == 4 else raw[..., 0]
    return np.ascontiguousarray(color), np.ascontiguousarray(raw[..., -1])


def _png_gray_key(data: np.ndarray) -> int | None:
    """The transparent gray value of a gray PNG with a tRNS chunk (what optimisers such as optipng
    make of a gray+alpha PNG whose alpha is only on or off), scaled as OpenCV returns its samples
    (1, 2 and 4 bits stretched to 8); None for any other file. OpenCV ignores this transparency."""
    raw = data.tobytes()
    if raw[:8] != _PNG_MAGIC:
        return None
    pos, depth, key = 8, None, None
    while pos + 8 <= len(raw):
        length, kind = struct.unpack(">I4s", raw[pos:pos + 8])
        body = raw[pos + 8:pos + 8 + length]
        if kind == b"IHDR" and len(body) >= 10:
            if body[9] != 0:   # colour type 0: gray without alpha
                return None
            depth = body[8]
        elif kind == b"tRNS" and len(body) >= 2:
            key = struct.unpack(">H", body[:2])[0]
        elif kind in (b"IDAT", b"IEND"):
            break
        pos += 12 + length
    if depth is None or key is None:
        return None
    return key * (255 // (2 ** depth - 1)) if depth < 8 else key


def page_count(path: str | Path) -> int:
    """How many pictures an image file holds: the pages of a multi-page TIFF (its chain of image
    directories), the frames of an animated WebP or PNG; 1 for anything else or when it cannot be
    told. vidcolor reads only the first (what OpenCV decodes)."""
    path = Path(path)
    if path.suffix.lower() in (".tif", ".tiff"):
        return tiff.pages(path)
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return max(1, int(getattr(im, "n_frames", 1)))
    except (OSError, ValueError, SyntaxError, struct.error, UnidentifiedImageError, Image.DecompressionBombError):
        return 1


def foreign_profile(path: str | Path) -> str | None:
    """The name of an ICC colour profile embedded in an image, unless it describes sRGB (what
    vidcolor takes every file to be); None without one, or when it cannot be read. Samples are
    read as they are stored and the output carries no profile, so a file in another space (Adobe
    RGB, a gray "Dot Gain 20%") looks different in a colour-managed viewer once colorized."""
    import io

    from PIL import Image, ImageCms, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            data = im.info.get("icc_profile")
        if not data:
            return None
        name = ImageCms.getProfileDescription(ImageCms.ImageCmsProfile(io.BytesIO(data))).strip()
    except (OSError, ValueError, SyntaxError, struct.error, UnidentifiedImageError, ImageCms.PyCMSError,
            Image.DecompressionBombError):
        return None
    return None if "srgb" in name.lower() else (name or "unnamed")


def profile_note(name: str) -> str:
    """What a render or ``vidcolor info`` says of a file with the :func:`foreign_profile` ``name``."""
    return f"its colour profile '{name}' is not applied: the samples are read as sRGB, and the output carries no profile"


def multi_picture_note(path: str | Path, pages: int) -> str:
    """What a render or ``vidcolor info`` says of a file holding ``pages`` > 1 pictures."""
    what = "pages" if Path(path).suffix.lower() in (".tif", ".tiff") else "frames"
    return (f"the file holds {pages} {what}; only the first is read and colorized "
            f"(split it into single images to colorize the others)")


def file_notes(path: str | Path) -> list[str]:
    """What the file holds that vidcolor does not use, as a render's notes and ``vidcolor info``'s
    lines: pictures after the first (:func:`page_count`), a colour profile other than sRGB
    (:func:`foreign_profile`)."""
    notes = []
    pages = page_count(path)
    if pages > 1:
        notes.append(multi_picture_note(path, pages))
    profile = foreign_profile(path)
    if profile:
        notes.append(profile_note(profile))
    return notes


@functools.lru_cache(maxsize=8)
def _decoder_turns(fmt: str) -> bool:
    """Whether OpenCV's default decode of ``fmt`` (Pillow's format name) applies an EXIF orientation
    that ``IMREAD_UNCHANGED`` does not — found once per format on a 4×2 probe tagged 6."""
    import io

    from PIL import Image

    buf = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    try:
        Image.new("RGB", (4, 2), (10, 20, 30)).save(buf, fmt, exif=exif.tobytes())
    except (OSError, ValueError, KeyError, TypeError):
        return False
    data = np.frombuffer(buf.getvalue(), np.uint8)
    raw, turned = cv2.imdecode(data, cv2.IMREAD_UNCHANGED), cv2.imdecode(data, cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH)
    return raw is not None and turned is not None and raw.shape[:2] != turned.shape[:2]


def _exif_turn(path: Path) -> int:
    """The EXIF orientation (1…8) :func:`read_image` applied to ``path`` that ``IMREAD_UNCHANGED``
    did not, or 1."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            orientation, fmt = int(im.getexif().get(0x0112, 1)), im.format or ""
    except (OSError, ValueError, SyntaxError, struct.error, UnidentifiedImageError):
        return 1
    return orientation if 2 <= orientation <= 8 and _decoder_turns(fmt) else 1


def read_alpha(path: str | Path) -> np.ndarray | None:
    """The alpha channel of an image as ``(H, W)`` ``uint8``/``uint16`` as stored, oriented like
    :func:`read_image`'s array; None if the image has none. Raises like :func:`read_image`."""
    straight = tiff.rgba(Path(path))   # an RGBA TIFF: read_image's colours come from the same array
    if straight is not None:
        return np.ascontiguousarray(straight[..., 3])
    image = read_image(path)
    if color_model(path) == "CMYK":   # OpenCV's fourth channel is an opaque alpha of its own making
        return None
    data = np.fromfile(Path(path), dtype=np.uint8)
    gray_alpha = tiff.gray_alpha(Path(path), data)
    if gray_alpha is not None:
        return gray_alpha[1]
    key = _png_gray_key(data) if image.ndim == 2 else None
    if key is not None:
        return np.where(image == key, 0, np.iinfo(image.dtype).max).astype(image.dtype)
    raw = _gif_samples(Path(path), alpha=True) if Path(path).suffix.lower() == GIF_EXT else _imdecode(data, cv2.IMREAD_UNCHANGED)
    if raw is None or raw.ndim != 3 or raw.shape[2] not in (2, 4):
        return None
    alpha, color = raw[..., -1], raw[..., :-1]
    if color.shape[2] == 3:
        color = cv2.cvtColor(np.ascontiguousarray(color), cv2.COLOR_BGR2RGB)
    else:
        color = color[..., 0]
    if color.dtype != image.dtype:
        return np.ascontiguousarray(alpha)  # float images: as stored (a TIFF's upright: OpenCV applies its orientation tag)
    # read_image applied the EXIF orientation, IMREAD_UNCHANGED does not: find it on the colours,
    # the file's own orientation tried first (flat or symmetric colours match several turns).
    tagged = _exif_turn(path)
    preferred = [(orientation.upright(color, tagged), orientation.upright(alpha, tagged))] if tagged != 1 else []
    for c, a in itertools.chain(preferred, zip(orientation.all_turns(color), orientation.all_turns(alpha))):
        if c.shape == image.shape and np.array_equal(c, image):
            return np.ascontiguousarray(a)
    return np.ascontiguousarray(alpha)


#: An image "has color" when more than COLOR_FRACTION of its pixels (on a 64-pixel-wide thumbnail)
#: have their largest and smallest RGB values at least COLOR_SPREAD (of 255) apart: gray and
#: near-gray scans stay below it, a colour photo or a sepia print does not.
COLOR_FRACTION, COLOR_SPREAD = 0.02, 24


def has_color(image: np.ndarray) -> bool:
    """True if an RGB ``(H, W, 3)`` image (``uint8``/``uint16``) shows colour (see COLOR_FRACTION)."""
    if image.ndim != 3 or image.shape[2] < 3:
        return False
    h, w = image.shape[:2]
    if w > 64:
        image = cv2.resize(image[..., :3], (64, max(1, round(h * 64 / w))), interpolation=cv2.INTER_AREA)
    rgb = image[..., :3].astype(np.float32) * (255.0 / (65535.0 if image.dtype == np.uint16 else 255.0))
    spread = rgb.max(axis=2) - rgb.min(axis=2)
    return float((spread >= COLOR_SPREAD).mean()) > COLOR_FRACTION


def to_float(image: np.ndarray) -> np.ndarray:
    """``uint8``/``uint16`` (or float) array -> ``float32`` in ``[0, 1]``, same shape."""
    if image.dtype == np.uint8:
        return image.astype(np.float32) / 255.0
    if image.dtype == np.uint16:
        return image.astype(np.float32) / 65535.0
    if np.issubdtype(image.dtype, np.floating):
        return np.clip(image, 0.0, 1.0).astype(np.float32)
    raise ValueError(f"unsupported image dtype {image.dtype}")


def luma601(rgb: np.ndarray) -> np.ndarray:
    """Rec.601 luma of RGB ``(..., 3)`` as ``float32`` in the input's scale."""
    r, g, b = LUMA_601
    rgb = rgb.astype(np.float32)
    return r * rgb[..., 0] + g * rgb[..., 1] + b * rgb[..., 2]


def read_gray_float(path: str | Path) -> np.ndarray:
    """Luminance of an image as ``(H, W)`` ``float32`` in ``[0, 1]`` (Rec.601 luma for colour)."""
    image = to_float(read_image(path))
    return image if image.ndim == 2 else np.clip(luma601(image), 0.0, 1.0)


def _quantize(image: np.ndarray, bit_depth: int) -> np.ndarray:
    top = 255 if bit_depth == 8 else 65535
    if image.dtype == np.uint8:
        return image if bit_depth == 8 else image.astype(np.uint16) * 257
    if image.dtype == np.uint16:
        if bit_depth == 16:
            return image
        return ((image.astype(np.uint32) + 128) // 257).astype(np.uint8)
    if np.issubdtype(image.dtype, np.floating):
        out = np.empty(image.shape, np.uint8 if bit_depth == 8 else np.uint16)
        rows = max(1, (1 << 22) // max(1, image[:1].size))   # in bands: a large scan's float temporaries stay small
        for r in range(0, image.shape[0], rows):
            band = image[r:r + rows]
            if not np.all(np.isfinite(band)):
                raise ValueError("image contains NaN or infinite values")
            out[r:r + rows] = np.clip(band, 0.0, 1.0) * top + 0.5
        return out
    raise ValueError(f"unsupported image dtype {image.dtype}; use uint8, uint16 or float in [0, 1]")


def webp_lossless(path: str | Path) -> bool:
    """True if ``path`` is a lossless WebP (a ``VP8L`` bitstream: what "export lossless" writes)."""
    try:
        with open(path, "rb") as f:
            if f.read(12)[8:] != b"WEBP":
                return False
            while True:   # chunks: VP8X (extended), ICCP (a profile may be 60 KB), ANIM, ALPH, then the bitstream
                head = f.read(8)
                if len(head) < 8:
                    return False
                kind, size = head[:4], struct.unpack("<I", head[4:])[0]
                if kind in (b"VP8 ", b"VP8L"):
                    return kind == b"VP8L"
                f.seek(size + (size & 1), 1)
    except OSError:
        return False


def write_image(path: str | Path, image: np.ndarray, bit_depth: int = 8, quality: int = 95,
                alpha: np.ndarray | None = None, metadata=None) -> Path:
    """Write RGB ``(H, W, 3)`` or gray ``(H, W)`` to ``path`` atomically; return the path.

    ``image``: ``uint8``, ``uint16`` or float in ``[0, 1]`` (clipped). ``bit_depth``: 8 or 16 bits
    per sample in the file (16 only for PNG/TIFF). ``quality``: JPEG/WebP quality 1..100 (WebP: above
    100 is lossless).
    ``alpha``: ``(H, W)`` alpha channel (same dtypes; converted to ``bit_depth`` exactly when it
    already has it), only for :data:`IMAGE_EXTS_ALPHA` (VidcolorError otherwise). ``metadata``: a
    :class:`~vidcolor.io.photo_meta.PhotoMetadata` to carry (resolution, EXIF) where the format holds it.
    """
    path = Path(path)
    ext = _check_ext(path, "write")
    if bit_depth not in (8, 16):
        raise ValueError(f"bit_depth must be 8 or 16, not {bit_depth}")
    if bit_depth == 16 and ext not in IMAGE_EXTS_16BIT:
        raise VidcolorError(f"cannot write '{path}': {ext} files cannot hold 16-bit images; "
                            f"use one of {', '.join(sorted(IMAGE_EXTS_16BIT))}")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if not (image.ndim == 2 or (image.ndim == 3 and image.shape[2] == 3)):
        raise ValueError(f"expected an (H, W) or (H, W, 3) image, got shape {image.shape}")
    pixels = _quantize(image, bit_depth)
    if pixels.ndim == 3:
        pixels = cv2.cvtColor(np.ascontiguousarray(pixels), cv2.COLOR_RGB2BGR)
    if alpha is not None:
        if ext not in IMAGE_EXTS_ALPHA:
            raise VidcolorError(f"cannot write '{path}' with its alpha channel: {ext} cannot hold one; "
                                f"use one of {', '.join(sorted(IMAGE_EXTS_ALPHA))}")
        if alpha.shape != pixels.shape[:2]:
            raise ValueError(f"alpha of shape {alpha.shape} does not fit an image of {pixels.shape[:2]}")
        if pixels.ndim == 2:
            pixels = cv2.cvtColor(pixels, cv2.COLOR_GRAY2BGR)
        pixels = np.dstack([pixels, _quantize(alpha, bit_depth)])
    params: list[int] = []
    if ext in JPEG_EXTS:
        params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
        ext = ".jpg"   # OpenCV's encoder knows .jpg, .jpeg and .jpe, not .jfif
    elif ext == ".webp":
        params = [cv2.IMWRITE_WEBP_QUALITY, int(quality)]
    elif ext in (".tif", ".tiff") and metadata is not None:
        params = photo_meta.tiff_params(metadata)
    if alpha is not None and ext in (".tif", ".tiff"):
        encoded = tiff.rgba_bytes(pixels, metadata.dpi if metadata is not None else None)
    else:
        ok, encoded = cv2.imencode(ext, pixels, params)
        if not ok:
            raise VidcolorError(f"cannot write '{path}': OpenCV could not encode it as {ext}")
        encoded = encoded.tobytes()
        if metadata is not None:
            encoded = photo_meta.embed(encoded, metadata)
    with atomic_output(path) as tmp:
        tmp.write_bytes(encoded)
    return path
