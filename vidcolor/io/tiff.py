"""TIFF details OpenCV's reader and writer get wrong or do not expose, read and written directly.

* :func:`directories`, :func:`tag`, :func:`pages`: the chain of image directories, read without
  decoding (Pillow cannot open every TIFF OpenCV reads);
* :func:`rgba`: an 8-bit RGBA TIFF with straight colours (libtiff's RGBA interface premultiplies);
* :func:`gray_alpha`: a gray+alpha TIFF with its alpha and its depth (OpenCV drops both);
* :func:`rgba_bytes`: an RGBA TIFF that states its alpha as such, with its resolution.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

from vidcolor.io.orientation import upright

def rgba(path: Path) -> np.ndarray | None:
    """An 8-bit RGBA TIFF as straight (not premultiplied) ``(H, W, 4)`` uint8, EXIF-oriented; None
    for anything else. OpenCV reads 8-bit RGBA TIFFs through libtiff's RGBA interface, which
    multiplies the colours by alpha (a half-transparent gray 120 comes back as 24); Pillow returns
    the stored values, and un-premultiplies files that declare associated alpha."""
    if path.suffix.lower() not in (".tif", ".tiff"):
        return None
    from PIL import Image, ImageOps

    try:
        with Image.open(path) as im:
            if im.mode not in ("RGBA", "RGBa") or set(im.tag_v2.get(258, (8,))) != {8}:
                return None   # Pillow opens 16-bit RGBA as 8-bit "RGBA": OpenCV reads those as stored
            return np.asarray(ImageOps.exif_transpose(im).convert("RGBA"))
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def gray_alpha(path: Path, data: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """An integer gray+alpha TIFF (two samples per pixel, 8 or 16 bits: what GIMP and Photoshop
    write for a gray layer with transparency) as ``(gray, alpha)``, ``(H, W)`` each, as stored and
    upright by its orientation tag; None for anything else. OpenCV reads these through libtiff's
    RGBA interface as 8-bit gray: the alpha channel was lost and 16-bit samples cut to 8 bits.
    FFmpeg's TIFF decoder (PyAV) returns them as stored, without applying the orientation."""
    first = next(directories(path), None) if path.suffix.lower() in (".tif", ".tiff") else None
    if first is None or first.get(277) != 2:
        return None
    sample_format = first.get(339) or 1   # 1: unsigned integers; float ones OpenCV reads unchanged
    if set(sample_format if isinstance(sample_format, tuple) else (sample_format,)) != {1}:
        return None
    import io

    import av

    try:
        with av.open(io.BytesIO(data.tobytes()), format="tiff_pipe") as container:
            frame = next(container.decode(video=0))
    except (av.FFmpegError, StopIteration, ValueError):
        return None
    dtype = {"ya8": np.dtype(np.uint8), "ya16le": np.dtype("<u2"), "ya16be": np.dtype(">u2")}.get(frame.format.name)
    if dtype is None:
        return None
    plane = frame.planes[0]
    rows = np.frombuffer(bytes(plane), dtype).reshape(frame.height, plane.line_size // dtype.itemsize)
    ya = rows[:, :2 * frame.width].reshape(frame.height, frame.width, 2).astype(dtype.newbyteorder("="))
    return tuple(np.ascontiguousarray(upright(ya[..., k], first.get(274))) for k in (0, 1))


def directories(path: Path, limit: int = 100_000):
    """The image directories (``ImageFileDirectory_v2``, loaded) a TIFF chains, first to last, read
    directly: Pillow cannot open every TIFF OpenCV reads (float or 16-bit separations, float RGBA).
    Stops where the file cannot be read on, and at a directory seen before (a chain that loops)."""
    from PIL import TiffImagePlugin

    seen: set[int] = set()
    try:
        with open(path, "rb") as f:
            head = f.read(8)
            if head[2:3] == b"\x2b":   # BigTIFF: a 16-byte header
                head += f.read(8)
            offset = TiffImagePlugin.ImageFileDirectory_v2(head).next
            while offset and offset not in seen and len(seen) < limit:
                seen.add(offset)
                f.seek(offset)
                ifd = TiffImagePlugin.ImageFileDirectory_v2(head)
                ifd.load(f)
                yield ifd
                offset = ifd.next
    except (OSError, ValueError, SyntaxError, struct.error):
        return


def tag(path: Path, tag: int):
    """One tag of a TIFF's first directory; None when absent or unreadable."""
    first = next(directories(path), None)
    return None if first is None else first.get(tag)


def pages(path: Path) -> int:
    """The number of image directories a TIFF chains; 1 when it cannot be told."""
    return max(1, sum(1 for _ in directories(path)))


def rgba_bytes(bgra: np.ndarray, dpi: tuple[float, float] | None = None) -> bytes:
    """An RGBA TIFF (LZW) of ``bgra`` ``(H, W, 4)`` uint8/uint16, written by FFmpeg's TIFF encoder:
    it states the fourth sample as unassociated alpha (ExtraSamples = 2), which OpenCV's writer
    leaves out — without it, Photoshop and libtiff-based programs take the channel as an unnamed
    extra one, not transparency. ``dpi`` (x, y): the resolution, in whole dots per inch (FFmpeg's
    encoder states one figure for both: x; its default is 72)."""
    import av

    fmt = "rgba" if bgra.dtype == np.uint8 else "rgba64le"
    rgba = np.ascontiguousarray(bgra[..., [2, 1, 0, 3]])
    frame = av.VideoFrame.from_ndarray(rgba if fmt == "rgba" else rgba.astype("<u2"), format=fmt)
    ctx = av.CodecContext.create("tiff", "w")
    ctx.width, ctx.height, ctx.pix_fmt = rgba.shape[1], rgba.shape[0], fmt
    ctx.options = {"compression_algo": "lzw", **({"dpi": str(max(1, round(dpi[0])))} if dpi else {})}
    return b"".join(bytes(p) for p in [*ctx.encode(frame), *ctx.encode(None)])


__all__ = ["directories", "gray_alpha", "pages", "rgba", "rgba_bytes", "tag"]
